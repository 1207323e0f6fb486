"""The receiver's replay window, counter bounds and message expiry.

Persistence and revocation are test_alert_receiver_state.py, the ordered header and
key checks test_alert_receiver_checks.py, fragments test_alert_receiver_fragments.py
(several small modules, so each fits a 64 KB heap).
"""

from alert_support import NOW, alert, feed_all, led, make_ring

from iotedge.core.alert_receiver import WINDOW, AlertReceiver


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
