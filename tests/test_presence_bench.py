"""The presence benchmark runs (--quick) and prints a table that parses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_presence_quick(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_presence.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("| hmm")]
    assert len(lines) == 2
    rows = json.loads(out.read_text())
    methods = [r["method"] for r in rows]
    assert methods == ["hmm", "strongest", "hmm", "strongest"]
    for r in rows:
        assert r["reports"] > 1000
        assert r["us_per_report"] > 0
        assert 0 < r["load_per_core"] < 1  # well under real time even here
    assert rows[0]["cost_vs_strongest"] > 0
