"""The receiver's replay window, persistence, counter bounds, expiry and revocation.

Its ordered header/key checks and fragment handling are in
test_alert_receiver_checks.py (two modules, so each fits a 64 KB heap).
"""

import gc

from alert_support import NOW, alert, feed_all, led, make_ring, revoke

from iotedge.core.alert_receiver import WINDOW, AlertReceiver, MemoryStore


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


def test_counter_jumps_are_bounded_once_a_key_is_seen():
    receiver = AlertReceiver(make_ring(), max_jump=100)
    assert receiver.feed(led(5000), NOW) is not None  # first contact sets the mark
    assert receiver.feed(led(5101), NOW) is None and receiver.reason == "counter-jump"
    assert receiver.feed(led(5100), NOW) is not None


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
    frames = revoke(1, [1, 77], key_id=2)
    assert [m.fields["key_ids"] for m in feed_all(receiver, frames)] == [[1, 77]]
    assert receiver.feed(led(1), NOW) is None and receiver.reason == "key-revoked"
    assert receiver.is_revoked(77)
    assert not ring.get(1).revoked  # the caller's keyring is left as loaded
    rebooted = AlertReceiver(make_ring(key_ids=(1, 2, 77)), store)
    assert rebooted.is_revoked(1) and rebooted.is_revoked(77)
    assert rebooted.feed(led(2), NOW) is None and rebooted.reason == "key-revoked"
    assert rebooted.feed(led(2, key_id=2), NOW) is not None
    gc.collect()
