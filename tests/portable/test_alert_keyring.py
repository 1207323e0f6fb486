"""The keyring's text file: round trip, and errors that name the offending line."""

from alert_support import raises

from iotedge.core.alert_keyring import KeyEntry, Keyring, parse_keyring, types_mask
from iotedge.core.errors import KeyringError


def test_keyring_text_round_trip():
    ring = Keyring(0x1234)
    ring.add(KeyEntry(3, 0, bytes(range(16)), types_mask(["alert", "led"]), 10, 20))
    ring.add(KeyEntry(9, 0, bytes(range(32)), types_mask(["all"]), revoked=True))
    text = ring.to_text()
    back = parse_keyring(text.encode())
    assert back.company == 0x1234 and back.to_text() == text
    assert back.get(3).types == (1 << 5) | (1 << 2) and back.get(3).not_after == 20
    assert back.get(9).revoked and back.get(9).material == bytes(range(32))


def test_keyring_errors_name_the_line():
    good = b"iotedge-alert-keyring 1\n"
    raises(lambda: parse_keyring(b"hello\n"), KeyringError, "bad-magic")
    raises(lambda: parse_keyring(b""), KeyringError, "empty")
    key = b"key 1 hmac " + b"00" * 16
    raises(lambda: parse_keyring(good + key + b"\n"), KeyringError, "short-line")
    raises(lambda: parse_keyring(good + key + b" revoked\n"), KeyringError, "no-types")
    raises(
        lambda: parse_keyring(good + key + b" types=alert wide\n"), KeyringError, "unknown-field"
    )
    raises(lambda: parse_keyring(good + key + b" types=fire\n"), KeyringError, "unknown-type")
    line = b"key 1 hmac 0011 types=all\n"
    try:
        parse_keyring(good + line)
    except KeyringError as exc:
        assert exc.reason == "short-key" and exc.offset == len(good)
    dup = good + key + b" types=all\n" + key + b" types=all\n"
    raises(lambda: parse_keyring(dup), KeyringError, "duplicate-key")
    late = good + key + b" types=all\ncompany 0x10\n"
    raises(lambda: parse_keyring(late), KeyringError, "late-company")
    raises(lambda: KeyEntry(1, 1, bytes(31)), KeyringError, "bad-key")
    raises(lambda: KeyEntry(0, 0, bytes(16)), KeyringError, "bad-key-id")
    raises(lambda: KeyEntry(1, 0, bytes(16), 1 << 3), KeyringError, "bad-types")
    raises(lambda: KeyEntry(1, 0, bytes(16), 32, 10, 5), KeyringError, "bad-window")
