"""Keeps bench/bench_ed25519.py from rotting: its --quick run must finish and parse.

No speed is asserted (timed unit tests are flaky); only what is not a matter of
speed: both interpreters ran, every figure is there and positive, the parts of the
MicroPython verification add up to no more than the whole, and the smallest heap
found is one a board has.
"""

from __future__ import annotations

from tests._bench import run_bench_quick


def test_bench_ed25519_quick_run_parses() -> None:
    stdout, result = run_bench_quick("bench_ed25519.py")
    mp, cp = result["micropython"], result["cpython"]
    for key in (
        "anchor_us",
        "verify_us",
        "sha512_us",
        "decode_us",
        "double_scalar_mul_us",
        "encode_us",
        "reference_verify_us",
        "held_bytes",
        "allocated_per_verify_bytes",
        "verify_ratio",
    ):
        assert mp[key] > 0, key
    for key in (
        "anchor_us",
        "fast_verify_us",
        "portable_verify_us",
        "portable_sign_us",
        "openssl_sign_us",
        "reference_verify_us",
    ):
        assert cp[key] > 0, key
    assert 16 <= mp["min_heap_kb"] <= 128
    parts = mp["sha512_us"] + mp["decode_us"] + mp["double_scalar_mul_us"] + mp["encode_us"]
    assert parts < 3 * mp["verify_us"]
    assert "MicroPython unix port" in stdout
    assert "smallest -X heapsize" in stdout
