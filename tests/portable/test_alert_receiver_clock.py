"""Signed time messages: which of them may set the badge's clock, and when."""

import struct

from alert_support import NOW, frame, led, make_ring

from iotedge.core.alert_receiver import AlertReceiver

TIME = 1
HOUR = 3600


def time_frame(counter, unix, ttl=5):
    # code, scope, ttl, issued minute (as the back-end stamps it), unix, UTC offset.
    body = struct.pack("<BBBHIb", 0, 0, ttl, (unix // 60) & 0xFFFF, unix, 4)
    return frame(TIME, counter, body)


def test_newest_time_message_offers_the_clock_older_one_does_not():
    receiver = AlertReceiver(make_ring(), clock_trusted=False)
    assert receiver.clock_update is None
    got = receiver.feed(time_frame(5, NOW), 100)  # 100: the badge's uptime, not a date
    assert got is not None and got.fields["unix"] == NOW
    assert receiver.clock_update == NOW
    receiver.clock_update = None
    # Counter 3 arrives late (relays reorder): delivered, but it is not the venue's
    # latest word on the time, so it never moves the clock back.
    assert receiver.feed(time_frame(3, NOW - HOUR), 100) is not None
    assert receiver.clock_update is None
    assert receiver.feed(led(6), 100) is not None and receiver.clock_update is None


def test_with_a_trusted_clock_a_stale_time_message_is_refused():
    receiver = AlertReceiver(make_ring())
    # Older than its 5-minute TTL by the full 32-bit time: refused, clock kept.
    assert receiver.feed(time_frame(1, NOW - 6 * 60), NOW) is None
    assert receiver.reason == "expired" and receiver.clock_update is None
    # Two hours ahead of a clock that was behind: accepted, the clock moves forward.
    assert receiver.feed(time_frame(2, NOW + 2 * HOUR), NOW) is not None
    assert receiver.clock_update == NOW + 2 * HOUR
