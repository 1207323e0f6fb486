"""bench/bench_sim.py keeps running: a --quick smoke run whose output parses."""

from __future__ import annotations

from pathlib import Path

from tests._bench import run_bench_quick_json


def test_bench_sim_quick_runs_and_reports(tmp_path: Path) -> None:
    stdout, data = run_bench_quick_json("bench_sim.py", tmp_path / "bench.json")
    assert "reports/s" in stdout and "the anchor" in stdout
    assert data["quick"] is True and data["anchor_reports_per_s"] > 0
    for name, seconds in (("conference", 600), ("continuous", 120)):
        r = data[name]
        assert r["sim_seconds"] == seconds and r["badges"] == 300 and r["gateways"] == 20
        assert r["reports"] > 10_000 and r["truth_rows"] == seconds * 300
        assert r["ratio_to_anchor"] > 0
    assert data["conference_files"]["reports_jsonl_bytes"] > 0
