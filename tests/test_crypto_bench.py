"""Keeps bench/bench_crypto.py from rotting: its --quick run must finish and parse.

No speed is asserted (timed unit tests are flaky); only what is not a matter of
speed: both interpreters ran, every figure is there, bthome-ble was measured on
the same frames, and the MicroPython hot paths allocated nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_crypto_quick_run_parses() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_crypto.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = proc.stdout.strip().splitlines()[-1]
    assert line.startswith("BENCH ")
    result = json.loads(line[len("BENCH ") :])
    cp, mp = result["cpython"], result["micropython"]
    assert cp["bthome_ble_version"].startswith("3.")
    for name in (
        "bthome_ble_us",
        "decode_us",
        "decode_pure_python_us",
        "decrypt_payload_us",
        "encrypt_payload_us",
        "ratio",
        "ratio_pure_python",
    ):
        assert cp[name] > 0, name
    assert cp["ratio"] == cp["bthome_ble_us"] / cp["decode_us"]
    assert mp["backend"] == "cryptolib"
    for name in ("decode_us", "encrypt_into_us", "decode_pure_python_us"):
        assert mp[name] > 0, name
    assert mp["encrypt_into_alloc"] == 0
    assert mp["decrypt_into_alloc"] == 0
    assert "ratios: bthome-ble/iotedge = " in proc.stdout
