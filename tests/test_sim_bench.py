"""bench/bench_sim.py keeps running: a --quick smoke run whose output parses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_sim_quick_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_sim.py"), "--quick", "--json", str(out)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "reports/s" in proc.stdout and "the anchor" in proc.stdout
    data = json.loads(out.read_text())
    assert data["quick"] is True and data["anchor_reports_per_s"] > 0
    for name, seconds in (("conference", 600), ("continuous", 120)):
        r = data[name]
        assert r["sim_seconds"] == seconds and r["badges"] == 300 and r["gateways"] == 20
        assert r["reports"] > 10_000 and r["truth_rows"] == seconds * 300
        assert r["ratio_to_anchor"] > 0
    assert data["conference_files"]["reports_jsonl_bytes"] > 0
