"""Keeps bench/bench_crypto.py from rotting: its --quick run must finish and parse.

No speed is asserted (timed unit tests are flaky); only what is not a matter of
speed: both interpreters ran, every figure is there, bthome-ble was measured on
the same frames, and the MicroPython hot paths allocated nothing.
"""

from __future__ import annotations

from tests._bench import run_bench_quick


def test_bench_crypto_quick_run_parses() -> None:
    stdout, result = run_bench_quick("bench_crypto.py")
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
    assert "ratios: bthome-ble/iotedge = " in stdout
