"""The receiver's persisted window and revocations: reboots keep replays closed."""

import gc

from alert_support import NOW, feed_all, led, make_ring, revoke

from iotedge.core.alert_receiver import AlertReceiver, MemoryStore


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
