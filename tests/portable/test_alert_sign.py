"""The back-end's frame builders: advert budget, fragment count, and the receiver
tests' hand-laid frames (alert_support.py) equal to what the builders produce."""

import alert_support

from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_messages import TYPE_ALERT, TYPE_LED, TYPE_REVOKE
from iotedge.core.alert_sign import build_hmac_frames, split, wrap_advert
from iotedge.core.errors import EncodeError


def test_wrap_advert_is_a_legacy_advert():
    adv = wrap_advert(bytes(24))
    assert len(adv) == 31 and adv[:3] == b"\x02\x01\x06" and adv[3:7] == b"\x1b\xff\xff\xff"
    alert_support.raises(lambda: wrap_advert(bytes(25)), EncodeError, "too-long")


def test_split_cuts_into_at_most_16_fragments():
    assert split(b"abcdefghij", 4) == [b"abcd", b"efgh", b"ij"]
    assert len(split(bytes(16 * 17), 17)) == 16
    alert_support.raises(lambda: split(bytes(16 * 17 + 1), 17), EncodeError, "too-long")


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
