"""The receiver's ordered header and key checks, fragments, splicing and reassembly bounds."""

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


def test_fragments_interleaved_and_reversed_deliver_each_message_once():
    receiver = AlertReceiver(make_ring())
    a = alert(10, "Evacuate Hall A now, use exit B")
    b = alert(11, "Talk in room 2 starts at 14:30")
    assert len(a) > 2 and len(b) > 2
    stream = []
    for i in range(max(len(a), len(b))):
        if i < len(b):
            stream.append(b[len(b) - 1 - i])
        if i < len(a):
            stream.append(a[i])
    got = feed_all(receiver, stream + stream)
    assert sorted(m.fields["text"] for m in got) == [
        "Evacuate Hall A now, use exit B",
        "Talk in room 2 starts at 14:30",
    ]
    assert receiver.pending() == 0


def test_spliced_fragments_are_forgeries():
    receiver = AlertReceiver(make_ring())
    a = alert(20, "Evacuate Hall A now, use exit B")
    b = alert(21, "All clear, back to the talks")
    spliced = bytearray(b[1])
    spliced[9] = 20  # claim fragment 1 of b belongs to message 20
    assert receiver.feed(spliced, NOW) is None and receiver.reason == "bad-tag"
    moved = bytearray(a[1])
    moved[13] = 0x00 | (moved[13] & 0x0F)  # claim it is fragment 0
    assert receiver.feed(moved, NOW) is None and receiver.reason == "bad-tag"
    assert len(feed_all(receiver, a + b)) == 2


def test_reassembly_memory_is_bounded():
    receiver = AlertReceiver(make_ring(), slots=2, timeout=60)
    starts = [alert(c, "message number " + str(c) + " is long")[0] for c in (30, 31, 32)]
    feed_all(receiver, starts)
    assert receiver.pending() == 2  # the third evicted the oldest
    assert receiver.expire(NOW + 61) == 2 and receiver.pending() == 0
