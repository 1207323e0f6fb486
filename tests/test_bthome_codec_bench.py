"""bench/bench_codec.py --quick runs and prints what the report needs (no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_codec_quick_runs_and_reports() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_codec.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("BENCH ")
    res = json.loads(last[len("BENCH ") :])
    for key in ("plain_ratio", "advert_ratio", "badge_ratio", "mpy_decode_us", "mpy_encode_us"):
        assert res[key] > 0, key
    # an allocation count, not a timing: the badge encoder allocates nothing on MicroPython
    assert res["mpy_alloc_bytes_per_encode"] == 0
    assert "target >= 20x" in proc.stdout and "target >= 15x" in proc.stdout
