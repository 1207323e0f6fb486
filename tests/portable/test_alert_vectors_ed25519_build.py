"""Golden Ed25519 alert vectors, the back-end's side: the same frames, byte for byte.

Signs with the portable Ed25519 signer and builds the fragments with alert_sign;
FrameHeader (the tools' keyless header reader) reads every frame back.
"""

import gc

from vectors_alert import frames_of, meta, unhex, vectors

from iotedge.core import ed25519
from iotedge.core.alert_frame import SCHEME_ED25519, FrameHeader
from iotedge.core.alert_messages import TYPE_CODES
from iotedge.core.alert_sign import build_ed25519_frames


def test_ed25519_vector_frames_are_built_byte_for_byte():
    doc = meta("ed25519")
    secret = unhex(doc["keys"][0]["secret"])
    count = 0
    for vector in vectors("ed25519"):
        frames = build_ed25519_frames(
            lambda m: ed25519.sign(secret, m),
            vector["key_id"],
            vector["counter"],
            TYPE_CODES[vector["type"]],
            unhex(vector["body"]),
            doc["company"],
        )
        assert frames_of(vector) == frames, vector["name"]
        count += 1
        gc.collect()
    assert count == 8


def test_frame_headers_read_back_without_a_key():
    for vector in vectors("ed25519"):
        frames = frames_of(vector)
        for index, adv in enumerate(frames):
            head = FrameHeader(adv[7:])
            assert head.msg_type == TYPE_CODES[vector["type"]]
            assert head.scheme == SCHEME_ED25519 and head.fragmented
            assert (head.key_id, head.counter) == (vector["key_id"], vector["counter"])
            assert (head.index, head.last) == (index, len(frames) - 1)
