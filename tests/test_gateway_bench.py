"""The virtual-radio benchmark runs (``--quick``) and its numbers parse (bench/ must not rot)."""

from __future__ import annotations

from pathlib import Path

from tests._bench import run_bench_quick_json


def test_bench_virtual_radio_quick(tmp_path: Path) -> None:
    stdout, doc = run_bench_quick_json(
        "bench_virtual_radio.py", tmp_path / "radio.json", timeout=120
    )
    assert "air / bumble throughput: x" in stdout
    # every advert reached exactly the 4 gateways the model said, on both radios
    assert doc["bumble"]["receptions"] == 300 * 4 and doc["air"]["receptions"] == 3000 * 4
    assert doc["ratio"] > 1 and doc["bumble"]["cpu_us"] > 0 and doc["air"]["cpu_us"] > 0
