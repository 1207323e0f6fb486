"""Keeps bench/bench_alerts.py from rotting: its --quick run must finish and parse.

No timing is asserted here (timed unit tests are flaky); only what is not a
matter of speed: the run completes on both interpreters, reports every figure,
and a duplicate drop allocates nothing on MicroPython.
"""

from __future__ import annotations

from tests._bench import run_bench_quick


def test_bench_quick_run_parses() -> None:
    out, result = run_bench_quick("bench_alerts.py")
    mp, cp = result["micropython"], result["cpython"]
    for name in ("fresh_us", "duplicate_us", "sha256_us", "dict_us", "ed25519_verify_us"):
        assert mp[name] > 0, name
    assert mp["duplicate_alloc"] == 0
    assert mp["receiver_heap"] > 0 and mp["code_heap"] > 0
    for name in ("hmac_sign_per_s", "hmac_verify_per_s", "ed25519_verify_per_s"):
        assert cp[name] > 0, name
    assert "ratios: fresh/sha256" in out
    # The badge's FileStore (write temp, rename) on the precompiled core, both heaps;
    # the script itself asserts one save per accepted frame.
    for heap in ("16M", "64K"):
        st = result["micropython_store"][heap]
        for name in ("fresh_none_us", "fresh_memory_us", "fresh_file_us", "save_only_us"):
            assert st[name] > 0, (heap, name)
    assert result["micropython_store"]["64K"]["heap_free"] < 64 * 1024
