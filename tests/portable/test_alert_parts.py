"""Alert building blocks: HMAC, message bodies, minutes left, reassembly.

The keyring's text format is test_alert_keyring.py (separate modules so each fits a
64 KB heap).
"""

from alert_support import raises

from iotedge.core.alert_auth import HmacKey, hmac_sha256
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_fragments import (
    PUT_BAD_LENGTH,
    PUT_COMPLETE,
    PUT_CONFLICT,
    PUT_DUPLICATE,
    PUT_STORED,
    Reassembler,
)
from iotedge.core.alert_messages import (
    TYPE_ALERT,
    TYPE_LED,
    TYPE_REVOKE,
    TYPE_SCHEDULE,
    TYPE_TIME,
    decode_body,
    minutes_left,
)
from iotedge.core.errors import AlertError, EncodeError


def test_hmac_matches_rfc4231_case_2():
    # RFC 4231 section 4.3: key "Jefe", data "what do ya want for nothing?"
    import binascii

    mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?")
    want = b"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert binascii.hexlify(mac) == want


def test_hmac_rfc4231_case_6_long_key():
    # RFC 4231 section 4.7: a 131-byte key is hashed first.
    import binascii

    mac = hmac_sha256(b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First")
    want = b"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    assert binascii.hexlify(mac) == want


def test_tag_check_is_exact():
    key = HmacKey(bytes(range(32)), 0xFFFF)
    data = b"\x41\x01\x01\x00\x00\x00hello"
    frame = data + key.tag(data)
    assert key.check(data, frame, len(data))
    for i in range(8):
        bad = bytearray(frame)
        bad[len(data) + i] ^= 0x80
        assert not key.check(data, bad, len(data))


def test_bodies_of_every_type_round_trip():
    cases = [
        (TYPE_ALERT, {"code": 0, "scope": 3, "ttl": 9, "issued": 65535, "text": "Zürich"}),
        (TYPE_ALERT, {"code": 7, "scope": 0, "ttl": 1, "issued": 0, "args": ["a", "", "bc"]}),
        (
            TYPE_SCHEDULE,
            {
                "code": 0,
                "scope": 1,
                "ttl": 60,
                "issued": 5,
                "now_start": 0,
                "next_start": 65535,
                "now_title": "T",
                "now_speaker": "",
                "next_title": "",
                "next_speaker": "S",
            },
        ),
        (
            TYPE_TIME,
            {"code": 0, "scope": 0, "ttl": 5, "issued": 1, "unix": 4294967295, "tz_quarters": -64},
        ),
        (
            TYPE_LED,
            {
                "code": 3,
                "scope": 0,
                "ttl": 0,
                "issued": 2,
                "red": 1,
                "green": 2,
                "blue": 3,
                "state": 255,
            },
        ),
        (TYPE_REVOKE, {"code": 0, "scope": 0, "ttl": 0, "issued": 2, "key_ids": [1, 255]}),
    ]
    for msg_type, fields in cases:
        assert decode_body(msg_type, encode_body(msg_type, fields)) == fields


def test_bad_bodies_and_fields():
    raises(lambda: decode_body(TYPE_ALERT, b"\x00\x00"), AlertError, "bad-body")
    raises(lambda: decode_body(TYPE_ALERT, b"\x00\x00\x00\x00\x00\xff"), AlertError, "bad-body")
    raises(lambda: decode_body(TYPE_ALERT, b"\x01\x00\x00\x00\x00\x05ab"), AlertError, "bad-body")
    raises(lambda: decode_body(TYPE_TIME, bytes(9)), AlertError, "bad-body")
    raises(lambda: decode_body(TYPE_REVOKE, bytes(6)), AlertError, "bad-body")
    raises(lambda: decode_body(3, bytes(6)), AlertError, "bad-type")
    raises(lambda: encode_body(3, {}), EncodeError, "unknown-type")
    raises(lambda: encode_body(TYPE_LED, {"red": 256}), EncodeError, "out-of-range")
    raises(lambda: encode_body(TYPE_LED, {"red": True}), EncodeError, "bad-field")
    raises(lambda: encode_body(TYPE_REVOKE, {"key_ids": []}), EncodeError, "bad-field")
    raises(lambda: encode_body(TYPE_ALERT, {"code": 1, "text": "x"}), EncodeError, "bad-field")


def test_minutes_left_wraps_and_allows_skew():
    assert minutes_left(0, 0, 10**9) == 65536
    assert minutes_left(10, 100, 100 * 60) == 10
    assert minutes_left(10, 100, 111 * 60) == -1
    assert minutes_left(10, 65530, 3 * 60 + 65536 * 60) == 1  # issued before the wrap
    assert minutes_left(10, 103, 100 * 60) == 10  # 3 minutes in the future: skew


def test_reassembler_results():
    r = Reassembler(slots=2, chunk=4, max_fragments=4, timeout=10)
    data = b"abcdefghij"
    assert r.put(1, 5, 0x65, 2, 2, b"ij", 0, 2, 0) == PUT_STORED
    assert r.put(1, 5, 0x65, 2, 2, b"ij", 0, 2, 0) == PUT_DUPLICATE
    assert r.put(1, 5, 0x65, 0, 2, b"abc", 0, 3, 0) == PUT_BAD_LENGTH
    assert r.put(1, 5, 0x65, 0, 2, b"abcd", 0, 4, 0) == PUT_STORED
    assert r.put(1, 5, 0x65, 1, 2, b"xefghx", 1, 5, 0) == PUT_COMPLETE
    slot = r.find(1, 5)
    assert bytes(r.take(slot)) == data
    r.drop(slot)
    assert r.in_use() == 0
    assert r.put(2, 6, 0x65, 0, 1, b"abcd", 0, 4, 0) == PUT_STORED
    assert r.put(2, 6, 0x66, 1, 1, b"ef", 0, 2, 0) == PUT_CONFLICT  # another type: restart
    assert r.put(2, 6, 0x66, 0, 1, b"abcd", 0, 4, 0) == PUT_COMPLETE
    assert r.put(3, 1, 0x65, 0, 1, b"abcd", 0, 4, 5) == PUT_STORED
    assert r.put(3, 2, 0x65, 0, 1, b"abcd", 0, 4, 6) == PUT_STORED  # evicts the oldest
    assert r.evicted == 1 and r.in_use() == 2
    assert r.expire(17) == 2
