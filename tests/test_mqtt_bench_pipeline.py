"""bench/bench_pipeline.py keeps running: a --quick smoke run whose output parses."""

from __future__ import annotations

from pathlib import Path

from tests._bench import run_bench_quick_json


def test_bench_pipeline_quick(tmp_path: Path) -> None:
    stdout, data = run_bench_quick_json("bench_pipeline.py", tmp_path / "bench.json")
    assert "adverts/s on one core" in stdout and "ratios iotedge/anchor" in stdout
    assert data["quick"] is True
    ours = data["iotedge"]
    # The durable QoS 1 pipeline loses nothing, in either phase.
    assert ours["delivered"] == ours["adverts"] == 20_000 and ours["drained"]
    assert ours["latency"]["delivered"] == ours["latency"]["adverts"] == 2000
    for name in ("iotedge", "theengs_style"):
        r = data[name]
        assert r["adverts_per_s"] > 0 and r["cpu_us_per_advert"] > 0
        assert 0 < r["latency"]["p50_ms"] <= r["latency"]["p95_ms"]
    assert set(data["ratios"]) == {
        "throughput_iotedge_over_anchor",
        "cpu_per_advert_iotedge_over_anchor",
        "p95_latency_iotedge_over_anchor",
    }
