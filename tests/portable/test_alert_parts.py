"""Alert building blocks: keyring text, message bodies, reassembly, HMAC."""

from iotedge.core.alert_auth import HmacKey, hmac_sha256
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_fragments import (
    PUT_BAD_LENGTH,
    PUT_COMPLETE,
    PUT_CONFLICT,
    PUT_DUPLICATE,
    PUT_STORED,
    Reassembler,
    split,
)
from iotedge.core.alert_keyring import KeyEntry, Keyring, parse_keyring, types_mask
from iotedge.core.alert_messages import (
    TYPE_ALERT,
    TYPE_LED,
    TYPE_REVOKE,
    TYPE_SCHEDULE,
    TYPE_TIME,
    decode_body,
    minutes_left,
)
from iotedge.core.errors import AlertError, EncodeError, KeyringError


def _raises(fn, kind, reason):
    try:
        fn()
    except kind as exc:
        assert exc.reason == reason, (exc.reason, reason)
        return
    raise AssertionError("no " + reason)


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


def test_keyring_text_round_trip():
    ring = Keyring(0x1234)
    ring.add(KeyEntry(3, 0, bytes(range(16)), types_mask(["alert", "led"]), 10, 20))
    ring.add(KeyEntry(9, 1, bytes(32), types_mask(["all"]), revoked=True))
    text = ring.to_text()
    back = parse_keyring(text.encode())
    assert back.company == 0x1234 and back.to_text() == text
    assert back.get(3).types == (1 << 5) | (1 << 2) and back.get(3).not_after == 20
    assert back.get(9).revoked and back.get(9).scheme == 1


def test_keyring_errors_name_the_line():
    good = b"iotedge-alert-keyring 1\n"
    _raises(lambda: parse_keyring(b"hello\n"), KeyringError, "bad-magic")
    _raises(lambda: parse_keyring(b""), KeyringError, "empty")
    key = b"key 1 hmac " + b"00" * 16
    _raises(lambda: parse_keyring(good + key + b"\n"), KeyringError, "short-line")
    _raises(lambda: parse_keyring(good + key + b" revoked\n"), KeyringError, "no-types")
    _raises(
        lambda: parse_keyring(good + key + b" types=alert wide\n"), KeyringError, "unknown-field"
    )
    _raises(lambda: parse_keyring(good + key + b" types=fire\n"), KeyringError, "unknown-type")
    line = b"key 1 hmac 0011 types=all\n"
    try:
        parse_keyring(good + line)
    except KeyringError as exc:
        assert exc.reason == "short-key" and exc.offset == len(good)
    dup = good + key + b" types=all\n" + key + b" types=all\n"
    _raises(lambda: parse_keyring(dup), KeyringError, "duplicate-key")
    late = good + key + b" types=all\ncompany 0x10\n"
    _raises(lambda: parse_keyring(late), KeyringError, "late-company")
    _raises(lambda: KeyEntry(1, 1, bytes(31)), KeyringError, "bad-key")
    _raises(lambda: KeyEntry(0, 0, bytes(16)), KeyringError, "bad-key-id")
    _raises(lambda: KeyEntry(1, 0, bytes(16), 1 << 3), KeyringError, "bad-types")
    _raises(lambda: KeyEntry(1, 0, bytes(16), 32, 10, 5), KeyringError, "bad-window")


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
    _raises(lambda: decode_body(TYPE_ALERT, b"\x00\x00"), AlertError, "bad-body")
    _raises(lambda: decode_body(TYPE_ALERT, b"\x00\x00\x00\x00\x00\xff"), AlertError, "bad-body")
    _raises(lambda: decode_body(TYPE_ALERT, b"\x01\x00\x00\x00\x00\x05ab"), AlertError, "bad-body")
    _raises(lambda: decode_body(TYPE_TIME, bytes(9)), AlertError, "bad-body")
    _raises(lambda: decode_body(TYPE_REVOKE, bytes(6)), AlertError, "bad-body")
    _raises(lambda: decode_body(3, bytes(6)), AlertError, "bad-type")
    _raises(lambda: encode_body(3, {}), EncodeError, "unknown-type")
    _raises(lambda: encode_body(TYPE_LED, {"red": 256}), EncodeError, "out-of-range")
    _raises(lambda: encode_body(TYPE_LED, {"red": True}), EncodeError, "bad-field")
    _raises(lambda: encode_body(TYPE_REVOKE, {"key_ids": []}), EncodeError, "bad-field")
    _raises(lambda: encode_body(TYPE_ALERT, {"code": 1, "text": "x"}), EncodeError, "bad-field")


def test_minutes_left_wraps_and_allows_skew():
    assert minutes_left(0, 0, 10**9) == 65536
    assert minutes_left(10, 100, 100 * 60) == 10
    assert minutes_left(10, 100, 111 * 60) == -1
    assert minutes_left(10, 65530, 3 * 60 + 65536 * 60) == 1  # issued before the wrap
    assert minutes_left(10, 103, 100 * 60) == 10  # 3 minutes in the future: skew


def test_reassembler_results():
    r = Reassembler(slots=2, chunk=4, max_fragments=4, timeout=10)
    data = b"abcdefghij"
    parts = split(data, 4)
    assert parts == [b"abcd", b"efgh", b"ij"]
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
