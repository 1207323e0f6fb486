"""The BTHome encryption section of docs/wire-formats.md says what the code does.

Every value of the worked example (the bthome.io frame, block by block) must be
the one in tests/vectors/bthome_encryption.json, which the portable tests check
against every AES backend; the Python session shown must reproduce; and the
speed figures must name the command that produced them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from iotedge.core.bthome_crypto import decrypt_payload, encrypt_payload

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "wire-formats.md"
VECTORS = ROOT / "tests" / "vectors" / "bthome_encryption.json"


def _section() -> str:
    text = DOC.read_text()
    start = text.index("## BTHome encryption")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_worked_example_values_are_the_vectors() -> None:
    compact = re.sub(r"[\s`|]", "", _section()).lower()
    spec = json.loads(VECTORS.read_text())["vectors"][0]
    for name, value in spec["intermediates"].items():
        assert value in compact, name
    for name in ("key", "nonce", "service_data", "advert"):
        assert spec[name] in compact, name
    assert str(spec["counter"]) in compact


def test_python_session_in_the_doc_reproduces() -> None:
    key = bytes.fromhex("231d39c1d7cc1ab1aee224cd096db932")
    mac = bytes.fromhex("5448e68f80a5")
    section = _section()
    frame = encrypt_payload(key, mac, 0x40, bytes.fromhex("02ca0903bf13"), 0x33221100)
    assert "'" + frame.hex() + "'" in section
    assert repr(decrypt_payload(key, mac, frame)) in section


def test_speed_figures_name_their_command() -> None:
    section = _section()
    assert "python bench/bench_crypto.py" in section
    assert "python bench/core_footprint.py" in section


def test_replay_state_example_imports() -> None:
    """The replay guard's JSON example is a state ``import_state`` accepts."""
    from iotedge.core.bthome_replay import ReplayGuard

    block = _section().split('```json\n{"format": "iotedge-replay-guard"', 1)[1]
    state = json.loads('{"format": "iotedge-replay-guard"' + block.split("\n```", 1)[0])
    guard = ReplayGuard()
    guard.import_state(state)
    assert guard.export_state() == state
