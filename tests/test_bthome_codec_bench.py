"""bench/bench_codec.py --quick runs and prints what the report needs (no timing asserts)."""

from __future__ import annotations

from tests._bench import run_bench_quick


def test_bench_codec_quick_runs_and_reports() -> None:
    stdout, res = run_bench_quick("bench_codec.py")
    for key in ("plain_ratio", "advert_ratio", "badge_ratio", "mpy_decode_us", "mpy_encode_us"):
        assert res[key] > 0, key
    # an allocation count, not a timing: the badge encoder allocates nothing on MicroPython
    assert res["mpy_alloc_bytes_per_encode"] == 0
    assert "target >= 20x" in stdout and "target >= 15x" in stdout
