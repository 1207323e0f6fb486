"""Keeps bench/bench_alerts.py from rotting: its --quick run must finish and parse.

No timing is asserted here (timed unit tests are flaky); only what is not a
matter of speed: the run completes on both interpreters, reports every figure,
and a duplicate drop allocates nothing on MicroPython.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_quick_run_parses() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_alerts.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = proc.stdout.strip().splitlines()[-1]
    assert line.startswith("BENCH ")
    result = json.loads(line[6:])
    mp, cp = result["micropython"], result["cpython"]
    for name in ("fresh_us", "duplicate_us", "sha256_us", "dict_us", "ed25519_verify_us"):
        assert mp[name] > 0, name
    assert mp["duplicate_alloc"] == 0
    assert mp["receiver_heap"] > 0 and mp["code_heap"] > 0
    for name in ("hmac_sign_per_s", "hmac_verify_per_s", "ed25519_verify_per_s"):
        assert cp[name] > 0, name
    assert "ratios: fresh/sha256" in proc.stdout
