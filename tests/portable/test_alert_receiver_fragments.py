"""Fragments: interleaved and reversed delivery, splicing, bounded reassembly memory."""

from alert_support import NOW, alert, feed_all, make_ring

from iotedge.core.alert_receiver import AlertReceiver


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
