"""Run a bench script's ``--quick`` smoke run and parse its ``BENCH {json}`` last line.

Bench scripts print ratios for people and, as their last line, ``BENCH`` followed by
the same figures as JSON for the tests that keep them from rotting. Those tests assert
what is not a matter of speed (every figure present, allocation counts), never timings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_bench_quick(script: str, *args: str) -> tuple[str, dict[str, Any]]:
    """Run ``bench/<script> --quick ARGS``; return its stdout and the parsed BENCH line."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("BENCH "), last
    result: dict[str, Any] = json.loads(last[len("BENCH ") :])
    return proc.stdout, result


def run_bench_quick_json(
    script: str, out: Path, *args: str, timeout: float = 300
) -> tuple[str, Any]:
    """Run ``bench/<script> --quick --json OUT ARGS``; return its stdout and OUT parsed."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick", "--json", str(out), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    return proc.stdout, json.loads(out.read_text())
