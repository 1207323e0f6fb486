"""Golden Ed25519 alert vectors (tests/vectors/alerts_ed25519.jsonl), the badge's side.

Bodies decode, the fragments reassemble to body + signature, and the portable
verifier accepts each signature and refuses a tampered message. The back-end's side
(building the same frames byte for byte) is test_alert_vectors_ed25519_build.py, and
the receiver's acceptance of these frames is tests/test_alert_receiver_ed25519.py
(CPython, and MicroPython with the default heap).
"""

import gc
import struct

from vectors_alert import frames_of, meta, unhex, vectors

from iotedge.core import ed25519
from iotedge.core.alert_auth import ed25519_signed_input
from iotedge.core.alert_messages import decode_body


def _reassemble(frames):
    data = b""
    for adv in frames:
        data += adv[14:]  # flags (3) + manufacturer header (4) + frame header (7)
    return data


def test_ed25519_vector_bodies_decode():
    count = 0
    for vector in vectors("ed25519"):
        body = unhex(vector["body"])
        fields = decode_body(vector["msg_type"], body)
        assert fields == vector["fields"], vector["name"]
        assert _reassemble(frames_of(vector))[:-64] == body
        count += 1
    assert count == 8
    gc.collect()


def test_ed25519_vector_signatures_verify_and_tampering_fails():
    doc = meta("ed25519")
    public = unhex(doc["keys"][0]["trusted"])
    count = 0
    for vector in vectors("ed25519"):
        frames = frames_of(vector)
        # The header as a badge reads it: VT, key id, counter, fragment byte.
        vt, key_id, counter, fragment = struct.unpack_from("<BBIB", frames[0], 7)
        assert (key_id, counter) == (vector["key_id"], vector["counter"])
        last = fragment & 0x0F
        assert last == len(frames) - 1
        data = _reassemble(frames)
        body, sig = data[:-64], data[-64:]
        signed = ed25519_signed_input(doc["company"], vt, key_id, counter, last, body)
        assert ed25519.verify(public, signed, sig), vector["name"]
        assert not ed25519.verify(public, signed + b"x", sig)
        count += 1
        gc.collect()
    assert count == 8
