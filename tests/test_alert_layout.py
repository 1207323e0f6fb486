"""The badge-side modules' private copies of layout numbers equal their sources.

alert_receiver and alert_keyring keep ``_NAME = const(...)`` copies of numbers that
alert_frame, alert_auth, alert_fragments and alert_messages define publicly:
MicroPython folds private consts into the bytecode (no RAM, no lookup on the hot
path), so a badge never needs to load alert_frame. This test is what keeps each
copy equal to the documented value.
"""

from __future__ import annotations

import ast
from pathlib import Path

from iotedge.core import (
    alert_auth,
    alert_fragments,
    alert_frame,
    alert_keyring,
    alert_messages,
    alert_receiver,
)

CORE = Path(alert_receiver.__file__).parent

RECEIVER_COPIES = {
    "_TAG_LEN": alert_auth.TAG_LEN,
    "_SIG_LEN": alert_frame.SIG_LEN,
    "_HMAC_CHUNK": alert_frame.HMAC_CHUNK,
    "_ED25519_CHUNK": alert_frame.ED25519_CHUNK,
    "_MAX_FRAGMENTS": alert_frame.MAX_FRAGMENTS,
    "_SCHEME_ED25519": alert_frame.SCHEME_ED25519,
    "_VT_ED25519": alert_frame.VT_ED25519,
    "_TYPE_REVOKE": alert_messages.TYPE_REVOKE,
    "_TYPE_TIME": alert_messages.TYPE_TIME,
    "_PUT_STORED": alert_fragments.PUT_STORED,
    "_PUT_COMPLETE": alert_fragments.PUT_COMPLETE,
    "_PUT_CONFLICT": alert_fragments.PUT_CONFLICT,
    "_PUT_BAD_LENGTH": alert_fragments.PUT_BAD_LENGTH,
    "_MAX_PAYLOAD": alert_frame.MAX_PAYLOAD,
}

KEYRING_COPIES = {
    "_SCHEME_HMAC": alert_frame.SCHEME_HMAC,
    "_SCHEME_ED25519": alert_frame.SCHEME_ED25519,
    "_SCHEME_NAMES": alert_frame.SCHEME_NAMES,
    "_DEFAULT_COMPANY": alert_frame.DEFAULT_COMPANY,
}


def _private_consts(module: object) -> dict[str, object]:
    """Module-level ``_NAME = const(...)`` (or plain) assignments, evaluated."""
    tree = ast.parse(Path(module.__file__).read_text())  # type: ignore[attr-defined]
    out: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id.startswith("_"):
                value = node.value
                if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "const":
                    value = value.args[0]
                out[target.id] = ast.literal_eval(value)
    return out


def test_receiver_copies_equal_their_sources() -> None:
    found = _private_consts(alert_receiver)
    for name, value in RECEIVER_COPIES.items():
        assert found[name] == value, name
        assert getattr(alert_receiver, name) == value, name


def test_keyring_copies_equal_their_sources() -> None:
    found = _private_consts(alert_keyring)
    for name, value in KEYRING_COPIES.items():
        assert found[name] == value, name


def test_badge_side_modules_do_not_import_back_end_modules() -> None:
    # What a badge loads must not pull in the signer's side (RAM on a 64 KB heap).
    back_end = {"alert_frame", "alert_sign", "alert_encode", "alert_reasons"}
    for name in ("alert_auth", "alert_messages", "alert_keyring", "alert_fragments"):
        tree = ast.parse((CORE / (name + ".py")).read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not imported & back_end, (name, imported & back_end)
    tree = ast.parse((CORE / "alert_receiver.py").read_text())
    for node in tree.body:  # module level: what runs at import
        if isinstance(node, ast.ImportFrom):
            assert node.module not in back_end, node.module
