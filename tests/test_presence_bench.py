"""The presence benchmark runs (--quick) and prints a table that parses."""

from __future__ import annotations

from pathlib import Path

from tests._bench import run_bench_quick_json


def test_bench_presence_quick(tmp_path: Path) -> None:
    stdout, rows = run_bench_quick_json("bench_presence.py", tmp_path / "bench.json")
    lines = [line for line in stdout.splitlines() if line.startswith("| hmm")]
    assert len(lines) == 3
    methods = [r["method"] for r in rows]
    assert methods == ["hmm", "strongest"] * 3
    assert [r["adverts"] for r in rows] == ["9 / min"] * 4 + ["1 Hz"] * 2

    # 60 adverts a minute against 9: over 5x the reports per badge-second
    def per_badge_second(r: dict[str, float]) -> float:
        return r["reports"] / (r["badges"] * r["seconds"])

    assert per_badge_second(rows[4]) > 5 * per_badge_second(rows[0])
    for r in rows:
        assert r["reports"] > 1000
        assert r["us_per_report"] > 0
        assert 0 < r["load_per_core"] < 1  # well under real time even here
    assert rows[0]["cost_vs_strongest"] > 0
