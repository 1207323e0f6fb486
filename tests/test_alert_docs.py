"""docs/alerts.md stays true: its worked-example hex is golden-vector bytes, and it
documents every reason code the receiver can report."""

from __future__ import annotations

import re
from pathlib import Path

from iotedge.core import alert_receiver
from iotedge.core.alert_reasons import REASONS
from tests.test_alert_vectors import parse

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "alerts.md").read_text()


def _vector_frames() -> set[str]:
    frames: set[str] = set()
    for scheme in ("hmac", "ed25519"):
        doc = parse((ROOT / "tests" / "vectors" / f"alerts_{scheme}.jsonl").read_text())
        for vector in doc["vectors"]:
            frames.update(vector["frames"])
    return frames


def test_worked_examples_are_golden_vector_bytes() -> None:
    section = DOC.split("### Worked examples", 1)[1].split("## The receiver", 1)[0]
    hex_lines = re.findall(r"^    ([0-9a-f]{20,})$", section, flags=re.M)
    assert len(hex_lines) >= 10
    frames = _vector_frames()
    for line in hex_lines:
        assert line in frames, line


def test_every_reason_the_receiver_sets_is_documented() -> None:
    source = Path(alert_receiver.__file__).read_text()
    codes = set(re.findall(r'self\.reason = "([a-z-]+)"', source))
    codes |= set(re.findall(r'return "([a-z-]+)"', source))
    codes |= set(re.findall(r'"([a-z-]+)" if c == 0 else "([a-z-]+)"', source)[0])
    assert len(codes) >= 20 and codes <= set(REASONS), codes - set(REASONS)
    for code in REASONS:
        assert f"`{code}`" in DOC, code
