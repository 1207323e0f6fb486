"""docs/presence.md's settings table names every keyword of PresenceEstimator, with
its default, and nothing else."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from iotedge.core.presence_estimator import PresenceEstimator

DOC = Path(__file__).resolve().parents[1] / "docs" / "presence.md"


def _table() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### Settings", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| `([^`]+)` \|", section, flags=re.MULTILINE)
    return dict(rows)


def test_settings_table_matches_the_constructor() -> None:
    params = inspect.signature(PresenceEstimator.__init__).parameters
    wanted = {
        name: repr(p.default).replace("'", '"')
        for name, p in params.items()
        if name not in ("self", "venue")
    }
    assert _table() == wanted
