"""The receiver accepts every golden Ed25519 vector once, on CPython (fast path and
portable arithmetic) and under the MicroPython unix port (default heap)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alert_support import keyring_of, message_of
from vectors_alert import meta, unhex, vectors

from iotedge.core import ed25519
from iotedge.core.alert_receiver import AlertReceiver
from tests._mpy import ROOT, run_micropython


@pytest.mark.parametrize("portable", [False, True], ids=["fast-path", "portable"])
def test_ed25519_vectors_are_accepted_once(portable: bool) -> None:
    doc = meta("ed25519")
    receiver = AlertReceiver(keyring_of(doc))
    if portable:
        receiver._ed_verify = ed25519.verify_portable
    for vector in vectors("ed25519"):
        frames = [unhex(f) for f in vector["frames"]]
        got = [m.to_dict() for m in (receiver.feed(f, doc["now"]) for f in frames[::-1]) if m]
        assert got == [message_of(vector)], vector["name"]
        assert all(receiver.feed(f, doc["now"]) is None for f in frames)
        assert receiver.reason == "duplicate"
        forged = bytearray(frames[-1])
        forged[-1] ^= 1
        assert receiver.feed(forged, doc["now"]) is None


SCRIPT = """
from alert_support import keyring_of, message_of
from vectors_alert import meta, unhex, vectors
from iotedge.core.alert_receiver import AlertReceiver
doc = meta("ed25519")
r = AlertReceiver(keyring_of(doc))
n = 0
for v in vectors("ed25519"):
    got = [m.to_dict() for m in [r.feed(unhex(f), doc["now"]) for f in v["frames"]] if m]
    assert got == [message_of(v)], v["name"]
    n += 1
print("ACCEPTED", n, r.accepted)
"""


def test_ed25519_vectors_are_accepted_under_micropython(tmp_path: Path) -> None:
    script = tmp_path / "ed_vectors.py"
    script.write_text(SCRIPT)
    proc = run_micropython([str(script)], cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "ACCEPTED 8 8"
