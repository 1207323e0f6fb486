"""Golden HMAC alert vectors (tests/vectors/alerts_hmac.json): same bytes on both interpreters.

Building is checked here; acceptance by the receiver in test_alert_vectors_accept.py
and the Ed25519 file in test_alert_vectors_ed25519.py (separate modules so each
fits the 64 KB heap of the small-board run).
"""

import gc

from vectors_alert import meta, type_code, unhex, vectors

from iotedge.core.alert_auth import HmacKey
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_messages import decode_body
from iotedge.core.alert_sign import build_hmac_frames


def test_hmac_vector_bodies_encode_and_decode():
    count = 0
    for vector in vectors("hmac"):
        msg_type = type_code(vector["type"])
        body = encode_body(msg_type, vector["fields"])
        assert body == unhex(vector["body"]), vector["name"]
        assert decode_body(msg_type, body) == vector["fields"], vector["name"]
        count += 1
    assert count == 8


def test_hmac_vector_frames_are_built_byte_for_byte():
    doc = meta("hmac")
    key = HmacKey(unhex(doc["keys"][0]["secret"]), doc["company"])
    for vector in vectors("hmac"):
        frames = build_hmac_frames(
            key,
            vector["key_id"],
            vector["counter"],
            type_code(vector["type"]),
            unhex(vector["body"]),
            doc["company"],
        )
        assert [unhex(f) for f in vector["frames"]] == frames, vector["name"]
        gc.collect()
