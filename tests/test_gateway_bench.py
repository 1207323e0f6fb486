"""The virtual-radio benchmark runs (``--quick``) and its numbers parse (bench/ must not rot)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_virtual_radio_quick(tmp_path: Path) -> None:
    out = tmp_path / "radio.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_virtual_radio.py"), "--quick",
         "--json", str(out)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "air / bumble throughput: x" in proc.stdout
    doc = json.loads(out.read_text())
    # every advert reached exactly the 4 gateways the model said, on both radios
    assert doc["bumble"]["receptions"] == 300 * 4 and doc["air"]["receptions"] == 3000 * 4
    assert doc["ratio"] > 1 and doc["bumble"]["cpu_us"] > 0 and doc["air"]["cpu_us"] > 0
