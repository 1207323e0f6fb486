"""Golden HMAC alert vectors (tests/vectors/alerts_hmac.json): same bytes on both interpreters.

The back-end's side: bodies encode and frames are built byte for byte. The badge's
acceptance of the same frames is test_alert_vectors_accept.py, the Ed25519 file is
test_alert_vectors_ed25519*.py (separate modules so each loads only one side and
fits the 64 KB heap of the small-board run).
"""

import gc

import alert_support
from vectors_alert import frames_of, meta, unhex, vectors

from iotedge.core.alert_auth import HmacKey
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_messages import TYPE_ALERT, TYPE_CODES, TYPE_LED, TYPE_REVOKE, decode_body
from iotedge.core.alert_sign import build_hmac_frames, wrap_advert


def test_hmac_vector_bodies_encode_and_decode():
    count = 0
    for vector in vectors("hmac"):
        msg_type = TYPE_CODES[vector["type"]]
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
            TYPE_CODES[vector["type"]],
            unhex(vector["body"]),
            doc["company"],
        )
        assert frames_of(vector) == frames, vector["name"]
        count += 1
        gc.collect()
    assert count == 8


def test_wrap_advert_is_a_legacy_advert():
    adv = wrap_advert(bytes(24))
    assert len(adv) == 31 and adv[:3] == b"\x02\x01\x06" and adv[3:7] == b"\x1b\xff\xff\xff"


def test_receiver_tests_hand_laid_frames_are_the_builders_frames():
    # alert_support lays frames out by hand so the receiver tests load no back-end
    # module; here they must equal what the back-end builds, byte for byte.
    key = alert_support.KEY
    minute = alert_support.MINUTE
    for counter in (1, 255, 256, 70000):
        body = encode_body(TYPE_LED, {"code": 1, "red": counter & 0xFF, "issued": minute})
        assert [alert_support.led(counter, 3)] == build_hmac_frames(key, 3, counter, TYPE_LED, body)
    for text in ("", "Fire!", "Evacuate Hall A now, use exit B", "x" * 130):
        for ttl in (0, 10):
            body = encode_body(TYPE_ALERT, {"text": text, "ttl": ttl, "issued": minute})
            built = build_hmac_frames(key, 1, 9, TYPE_ALERT, body)
            assert alert_support.alert(9, text, ttl=ttl) == built, (text, ttl)
    body = encode_body(TYPE_REVOKE, {"key_ids": [1, 77], "issued": minute})
    assert alert_support.revoke(4, [1, 77], 2) == build_hmac_frames(key, 2, 4, TYPE_REVOKE, body)
    body = encode_body(TYPE_LED, {})
    assert [alert_support.frame(TYPE_LED, 1, bytes(9))] == build_hmac_frames(
        key, 1, 1, TYPE_LED, body
    )
