"""Golden HMAC alert vectors (tests/vectors/alerts_hmac.jsonl): same bytes on both interpreters.

The back-end's side: bodies encode and frames are built byte for byte, and the tools'
keyless header reader reads every vector frame back. The badge's acceptance of the
same frames is test_alert_vectors_accept.py, the Ed25519 file is
test_alert_vectors_ed25519*.py, the builders' edge cases test_alert_sign.py
(separate modules so each loads only one side and fits a 64 KB heap).
"""

import gc

from vectors_alert import frames_of, meta, unhex, vectors

from iotedge.core.alert_auth import HmacKey
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_frame import SCHEME_ED25519, SCHEME_HMAC, FrameHeader
from iotedge.core.alert_messages import decode_body
from iotedge.core.alert_sign import build_hmac_frames


def test_hmac_vector_bodies_encode_and_decode():
    count = 0
    for vector in vectors("hmac"):
        msg_type = vector["msg_type"]
        body = encode_body(msg_type, vector["fields"])
        assert body == unhex(vector["body"]), vector["name"]
        assert decode_body(msg_type, body) == vector["fields"], vector["name"]
        count += 1
    assert count == 8


def test_hmac_vector_frames_are_built_byte_for_byte():
    doc = meta("hmac")
    key = HmacKey(unhex(doc["keys"][0]["secret"]), doc["company"])
    count = 0
    for vector in vectors("hmac"):
        frames = build_hmac_frames(
            key,
            vector["key_id"],
            vector["counter"],
            vector["msg_type"],
            unhex(vector["body"]),
            doc["company"],
        )
        assert frames_of(vector) == frames, vector["name"]
        count += 1
        gc.collect()
    assert count == 8


def test_frame_headers_read_back_without_a_key():
    # FrameHeader is the tools' keyless reader of the cleartext header.
    for scheme, code in (("hmac", SCHEME_HMAC), ("ed25519", SCHEME_ED25519)):
        for vector in vectors(scheme):
            frames = frames_of(vector)
            for index, adv in enumerate(frames):
                head = FrameHeader(adv[7:])
                assert head.msg_type == vector["msg_type"] and head.scheme == code
                assert (head.key_id, head.counter) == (vector["key_id"], vector["counter"])
                assert head.fragmented == (len(frames) > 1)
                assert (head.index, head.last) == (index, len(frames) - 1)
