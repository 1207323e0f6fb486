"""The presence benchmark runs (--quick) and prints a table that parses."""

from __future__ import annotations

from pathlib import Path

from tests._bench import run_bench_quick_json


def test_bench_presence_quick(tmp_path: Path) -> None:
    stdout, rows = run_bench_quick_json("bench_presence.py", tmp_path / "bench.json")
    lines = [line for line in stdout.splitlines() if line.startswith("| hmm")]
    assert len(lines) == 2
    methods = [r["method"] for r in rows]
    assert methods == ["hmm", "strongest", "hmm", "strongest"]
    for r in rows:
        assert r["reports"] > 1000
        assert r["us_per_report"] > 0
        assert 0 < r["load_per_core"] < 1  # well under real time even here
    assert rows[0]["cost_vs_strongest"] > 0
