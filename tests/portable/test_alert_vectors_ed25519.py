"""Golden Ed25519 alert vectors (tests/vectors/alerts_ed25519.json) on both interpreters.

Bodies, reassembly and signatures are checked with the portable verifier. The
receiver's acceptance of these frames is checked by
tests/test_alert_receiver_ed25519.py on CPython and under the MicroPython unix port
with the default heap: the receiver plus the Ed25519 arithmetic do not fit beside
this harness in the 64 KB heap run.
"""

import gc

from vectors_alert import meta, type_code, unhex, vectors

from iotedge.core import ed25519
from iotedge.core.alert_frame import FrameHeader, ed25519_signed_input
from iotedge.core.alert_messages import decode_body


def _reassemble(frames):
    data = b""
    for adv in frames:
        data += adv[14:]  # flags (3) + manufacturer header (4) + frame header (7)
    return data


def test_ed25519_vector_bodies_decode():
    for vector in vectors("ed25519"):
        body = unhex(vector["body"])
        assert decode_body(type_code(vector["type"]), body) == vector["fields"], vector["name"]
        assert _reassemble([unhex(f) for f in vector["frames"]])[:-64] == body
    gc.collect()


def test_ed25519_vector_signatures_verify_and_tampering_fails():
    doc = meta("ed25519")
    public = unhex(doc["keys"][0]["trusted"])
    for vector in vectors("ed25519"):
        frames = [unhex(f) for f in vector["frames"]]
        head = FrameHeader(frames[0][7:])
        data = _reassemble(frames)
        body, sig = data[:-64], data[-64:]
        signed = ed25519_signed_input(
            doc["company"], frames[0][7], head.key_id, head.counter, head.last, body
        )
        assert ed25519.verify(public, signed, sig), vector["name"]
        assert not ed25519.verify(public, signed + b"x", sig)
        gc.collect()


def test_ed25519_vector_frames_are_built_byte_for_byte():
    from iotedge.core.alert_sign import build_ed25519_frames

    doc = meta("ed25519")
    secret = unhex(doc["keys"][0]["secret"])
    vector = [v for v in vectors("ed25519")][1]
    frames = build_ed25519_frames(
        lambda m: ed25519.sign(secret, m),
        vector["key_id"],
        vector["counter"],
        type_code(vector["type"]),
        unhex(vector["body"]),
        doc["company"],
    )
    assert [unhex(f) for f in vector["frames"]] == frames
