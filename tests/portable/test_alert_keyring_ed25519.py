"""Keyring entries for the Ed25519 scheme: round trip, and keys refused at load.

Kept apart from test_alert_keyring so each module fits a 64K heap: an Ed25519 entry
loads the curve arithmetic to check the key once, when it is added.
"""

from binascii import unhexlify

from iotedge.core.alert_keyring import KeyEntry, Keyring, parse_keyring, types_mask
from iotedge.core.errors import KeyringError

# RFC 8032 section 7.1 TEST 1 public key: a valid point of prime order.
RFC8032_TEST1_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


def test_ed25519_entry_round_trips():
    ring = Keyring(0x1234)
    ring.add(KeyEntry(9, 1, unhexlify(RFC8032_TEST1_PUBLIC), types_mask(["all"]), revoked=True))
    text = ring.to_text()
    back = parse_keyring(text.encode())
    assert back.to_text() == text
    assert back.get(9).revoked and back.get(9).scheme == 1
    assert back.get(9).material == unhexlify(RFC8032_TEST1_PUBLIC)


def test_small_order_ed25519_public_key_is_refused():
    # 01 00..00 encodes (0, 1), the neutral element: a point of small order
    # (RFC 8032 section 5.1.3 decoding). Per-signature checks cannot catch such a
    # key's small-order component, so the keyring refuses it when loaded.
    neutral = b"\x01" + b"\x00" * 31
    try:
        KeyEntry(3, 1, neutral)
    except KeyringError as exc:
        assert exc.reason == "bad-key"
        assert "small-order" in exc.detail
    else:
        raise AssertionError("small-order key accepted")
    text = "iotedge-alert-keyring 1\nkey 3 ed25519 " + "01" + "00" * 31 + " types=all\n"
    try:
        parse_keyring(text.encode())
    except KeyringError as exc:
        assert exc.reason == "bad-key"
    else:
        raise AssertionError("small-order key accepted from a file")
