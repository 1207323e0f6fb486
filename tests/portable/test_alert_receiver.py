"""The receiver's ordered checks, replay window, persistence and revocation."""

import gc

from vectors_alert import TEST_KEY, make_ring

from iotedge.core.alert_auth import HmacKey
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_keyring import KeyEntry, types_mask
from iotedge.core.alert_messages import TYPE_ALERT, TYPE_LED, TYPE_REVOKE
from iotedge.core.alert_receiver import WINDOW, AlertReceiver, MemoryStore
from iotedge.core.alert_sign import build_hmac_frames, wrap_advert

KEY = HmacKey(TEST_KEY, 0xFFFF)
NOW = 1767225600
MINUTE = (NOW // 60) & 0xFFFF


def led(counter, key_id=1, key=KEY):
    body = encode_body(TYPE_LED, {"code": 1, "red": counter & 0xFF, "issued": MINUTE})
    return build_hmac_frames(key, key_id, counter, TYPE_LED, body)[0]


def alert(counter, text, key_id=1, ttl=0):
    body = encode_body(TYPE_ALERT, {"text": text, "ttl": ttl, "issued": MINUTE})
    return build_hmac_frames(KEY, key_id, counter, TYPE_ALERT, body)


def feed_all(receiver, frames, now=NOW):
    out = []
    for frame in frames:
        message = receiver.feed(frame, now)
        if message is not None:
            out.append(message)
    return out


def test_accepts_once_then_drops_duplicates():
    receiver = AlertReceiver(make_ring())
    frame = led(1)
    message = receiver.feed(frame, NOW)
    assert message is not None and message.counter == 1 and message.fields["red"] == 1
    assert receiver.reason == "accepted"
    assert receiver.feed(frame, NOW) is None and receiver.reason == "duplicate"


def test_window_takes_late_counters_once_and_drops_stale_ones():
    receiver = AlertReceiver(make_ring())
    assert receiver.feed(led(40), NOW) is not None
    assert receiver.feed(led(35), NOW) is not None  # late but inside the window
    assert receiver.feed(led(35), NOW) is None and receiver.reason == "duplicate"
    assert receiver.feed(led(40 - WINDOW), NOW) is None and receiver.reason == "stale"
    assert receiver.feed(led(40 - WINDOW + 1), NOW) is not None
    assert receiver.high_water_mark(1) == 40


def test_a_failed_check_changes_no_state():
    receiver = AlertReceiver(make_ring())
    frame = bytearray(led(5))
    frame[-1] ^= 1
    assert receiver.feed(frame, NOW) is None and receiver.reason == "bad-tag"
    assert receiver.high_water_mark(1) == 0
    assert receiver.feed(led(5), NOW) is not None


def test_reboot_keeps_replays_closed():
    store = MemoryStore()
    receiver = AlertReceiver(make_ring(), store)
    frames = [led(c) for c in (1, 2, 3)]
    assert len(feed_all(receiver, frames)) == 3
    assert store.writes == 3
    rebooted = AlertReceiver(make_ring(), store)
    assert feed_all(rebooted, frames) == []
    assert rebooted.reason == "duplicate"
    assert rebooted.feed(led(4), NOW) is not None


def test_a_corrupt_window_file_is_refused_not_reset():
    for data in (b"XX\x01\x01\x00\x05\x00\x00\x00", b"AW\x01\x01\x00\x05"):
        try:
            AlertReceiver(make_ring(), MemoryStore(data))
        except ValueError as exc:
            assert exc.reason == "bad-state"
        else:
            raise AssertionError("corrupt state accepted")


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
    frame = led(7)
    assert receiver.feed(b"\x02\x01\x06\x03\xff\x59\x00", NOW) is None
    assert receiver.reason == "not-alert"
    other = bytearray(frame)
    other[5] = 0x90  # company 0x9005... not ours
    assert receiver.feed(other, NOW) is None and receiver.reason == "not-alert"
    version = bytearray(frame)
    version[7] ^= 0x80
    assert receiver.feed(version, NOW) is None and receiver.reason == "bad-version"
    scheme = bytearray(frame)
    scheme[7] ^= 0x10
    assert receiver.feed(scheme, NOW) is None and receiver.reason == "scheme-mismatch"
    assert receiver.feed(frame[:-9] + frame[-8:], NOW) is None  # one body byte cut
    assert receiver.reason in ("bad-tag", "short")
    zero = build_hmac_frames(KEY, 1, 1, TYPE_LED, encode_body(TYPE_LED, {}))[0]
    zero = bytearray(zero)
    zero[9] = 0  # counter 0: refused before any cryptography
    assert receiver.feed(zero, NOW) is None and receiver.reason == "bad-counter"
    # Without the flags AD (a relay that re-packs the advert) the frame still verifies.
    assert receiver.feed(frame[3:], NOW) is not None


def test_counter_jumps_are_bounded_once_a_key_is_seen():
    receiver = AlertReceiver(make_ring(), max_jump=100)
    assert receiver.feed(led(5000), NOW) is not None  # first contact sets the mark
    assert receiver.feed(led(5101), NOW) is None and receiver.reason == "counter-jump"
    assert receiver.feed(led(5100), NOW) is not None


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


def test_expired_messages_are_refused_with_a_trusted_clock():
    receiver = AlertReceiver(make_ring())
    frames = alert(40, "Coffee", ttl=10)
    assert feed_all(receiver, frames, NOW + 11 * 60) == [] and receiver.reason == "expired"
    assert len(feed_all(receiver, frames, NOW + 9 * 60)) == 1
    untrusted = AlertReceiver(make_ring(), clock_trusted=False)
    assert len(feed_all(untrusted, frames, 12345)) == 1


def test_revocation_frame_revokes_and_survives_reboot():
    store = MemoryStore()
    ring = make_ring(key_ids=(1, 2))
    receiver = AlertReceiver(ring, store)
    body = encode_body(TYPE_REVOKE, {"key_ids": [1, 77], "issued": MINUTE})
    revoke = build_hmac_frames(KEY, 2, 1, TYPE_REVOKE, body)
    assert [m.fields["key_ids"] for m in feed_all(receiver, revoke)] == [[1, 77]]
    assert receiver.feed(led(1), NOW) is None and receiver.reason == "key-revoked"
    assert receiver.is_revoked(77)
    assert not ring.get(1).revoked  # the caller's keyring is left as loaded
    rebooted = AlertReceiver(make_ring(key_ids=(1, 2, 77)), store)
    assert rebooted.is_revoked(1) and rebooted.is_revoked(77)
    assert rebooted.feed(led(2), NOW) is None and rebooted.reason == "key-revoked"
    assert rebooted.feed(led(2, key_id=2), NOW) is not None
    gc.collect()


def test_wrap_advert_is_a_legacy_advert():
    adv = wrap_advert(bytes(24))
    assert len(adv) == 31 and adv[:3] == b"\x02\x01\x06" and adv[3:7] == b"\x1b\xff\xff\xff"
