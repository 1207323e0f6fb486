"""The receiver's ordered header and key checks."""

from alert_support import LED, NOW, TEST_KEY, alert, feed_all, frame, led, make_ring

from iotedge.core.alert_keyring import KeyEntry, types_mask
from iotedge.core.alert_receiver import AlertReceiver


def test_key_checks_in_order():
    ring = make_ring(key_ids=(1, 2, 3, 4), types=types_mask(["led"]))
    ring.add(KeyEntry(2, 0, TEST_KEY, types_mask(["led"]), not_before=NOW + 10))
    ring.add(KeyEntry(3, 0, TEST_KEY, types_mask(["led"]), not_after=NOW - 10))
    ring.add(KeyEntry(4, 0, TEST_KEY, types_mask(["led"]), revoked=True))
    receiver = AlertReceiver(ring)
    assert receiver.feed(led(1, key_id=9), NOW) is None and receiver.reason == "unknown-key"
    assert receiver.feed(led(1, key_id=2), NOW) is None
    assert receiver.reason == "key-not-yet-valid"
    assert receiver.feed(led(1, key_id=3), NOW) is None and receiver.reason == "key-expired"
    assert receiver.feed(led(1, key_id=4), NOW) is None and receiver.reason == "key-revoked"
    assert feed_all(receiver, alert(1, "no alerts")) == []
    assert receiver.reason == "type-not-allowed"
    # Without a trusted clock the validity windows are not enforced, revocation is.
    receiver.set_clock_trusted(False)
    assert receiver.feed(led(1, key_id=2), 5) is not None
    assert receiver.feed(led(1, key_id=3), 5) is not None
    assert receiver.feed(led(1, key_id=4), 5) is None and receiver.reason == "key-revoked"


def test_header_checks():
    receiver = AlertReceiver(make_ring())
    good = led(7)
    assert receiver.feed(b"\x02\x01\x06\x03\xff\x59\x00", NOW) is None
    assert receiver.reason == "not-alert"
    other = bytearray(good)
    other[5] = 0x90  # company 0x9005... not ours
    assert receiver.feed(other, NOW) is None and receiver.reason == "not-alert"
    version = bytearray(good)
    version[7] ^= 0x80
    assert receiver.feed(version, NOW) is None and receiver.reason == "bad-version"
    scheme = bytearray(good)
    scheme[7] ^= 0x10
    assert receiver.feed(scheme, NOW) is None and receiver.reason == "scheme-mismatch"
    assert receiver.feed(good[:-9] + good[-8:], NOW) is None  # one body byte cut
    assert receiver.reason in ("bad-tag", "short")
    zero = bytearray(frame(LED, 1, bytes(9)))
    zero[9] = 0  # counter 0: refused before any cryptography
    assert receiver.feed(zero, NOW) is None and receiver.reason == "bad-counter"
    # Without the flags AD (a relay that re-packs the advert) the frame still verifies.
    assert receiver.feed(good[3:], NOW) is not None
