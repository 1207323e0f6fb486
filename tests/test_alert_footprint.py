"""Keeps bench/alert_footprint.py from rotting: its --quick run must finish and parse.

Heap figures are deterministic (no timing), so beyond parsing this checks what the
issue asks of the badge side: the badge firmware plays a relayed stream, accepting
each message once, inside the 64 KB heap of the small-board run, and the receiver's
golden-vector test module passes there too.
"""

from __future__ import annotations

from tests._bench import run_bench_quick


def test_footprint_quick_run_parses() -> None:
    out, result = run_bench_quick("alert_footprint.py", "--costs")
    imports, badge = result["imports"], result["badge"]
    modules = dict(imports["modules"])
    assert set(modules) >= {"iotedge.core.alert_receiver", "iotedge.core.alert_keyring"}
    assert all(size > 0 for size in modules.values())
    assert imports["total"] >= sum(modules.values()) - 1024 and imports["receiver"] > 0
    assert badge["accepted"] == 20
    assert 0 < badge["code"] <= badge["idle"] <= badge["after_stream"]
    assert 0 < badge["min_heap_kb"] <= 64
    assert 0 < result["tests_min_heap_kb"]["test_alert_vectors_accept"] <= 64
    assert "smallest heap that plays it" in out
    costs = result["costs"]
    sizes = [size for _, size in costs["qstr_pool_steps"]]
    assert len(sizes) >= 3 and sizes == sorted(sizes)  # pools grow in doubling blocks
    assert all(size > 0 for size in costs["per_construct"].values())
    assert costs["badge_with_small_compat"]["heap"] < costs["badge_now"]["heap"]
