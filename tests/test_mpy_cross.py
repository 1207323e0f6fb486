"""mpy-cross compiles every core file, and the footprint report adds up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE_FILES = sorted((ROOT / "src" / "iotedge" / "core").glob("*.py"))


@pytest.mark.micropython
def test_footprint_report_covers_every_core_file(tmp_path: Path) -> None:
    out = tmp_path / "footprint.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "core_footprint.py"), "--json", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert set(report["mpy"]) == {p.name for p in CORE_FILES}
    assert all(size > 0 for size in report["mpy"].values())
    assert report["total"] == sum(report["mpy"].values())
    assert report["heap"] > 0
    assert f"{report['total']:>10}" in proc.stdout
