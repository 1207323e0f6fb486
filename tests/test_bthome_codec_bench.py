"""bench/bench_codec.py --quick runs and prints what the report needs (no timing asserts)."""

from __future__ import annotations

import pytest

from tests._bench import run_bench_quick


def test_bench_codec_quick_runs_and_reports() -> None:
    stdout, res = run_bench_quick("bench_codec.py")
    for key in (
        "plain_ratio",
        "advert_ratio",
        "badge_ratio",
        "encrypted_ratio",
        "mpy_decode_us",
        "mpy_encode_us",
    ):
        assert res[key] > 0, key
    # an allocation count, not a timing: the badge encoder allocates nothing on MicroPython
    assert res["mpy_alloc_bytes_per_encode"] == 0
    for target in ("target >= 20x", "target >= 15x", "target >= 8x"):
        assert target in stdout, target
    # all three ratios come from one run: the encrypted one is not a separate script's
    # (the BENCH line rounds each figure to 3 decimals)
    ratio = res["encrypted_bthome_ble_us"] / res["encrypted_ours_us"]
    assert res["encrypted_ratio"] == pytest.approx(ratio, rel=1e-3)
