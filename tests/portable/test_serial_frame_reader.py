"""Portable tests of the serial frame reader: resync, gaps, restarts (pytest and micropython)."""

import gc

from iotedge.core import serial_frame
from iotedge.core.serial_frame_reader import (
    CORRUPT,
    DUPLICATE,
    FRAME,
    GAP,
    GARBAGE,
    RESTART,
    FrameReader,
)


def _kinds(events):
    return [e[0] for e in events]


def test_reader_resynchronises_after_garbage_and_any_chunking():
    writer = serial_frame.FrameWriter(7)
    stream = b"\x00\xffnoise" + writer.reading(1, 2) + b"$1A2B,4" + writer.reading(3, 4)
    stream += b"x" * 100 + writer.reading(5, 6)
    for chunk in (1, 3, 1000):
        gc.collect()
        reader = FrameReader()
        events = []
        for i in range(0, len(stream), chunk):
            events.extend(reader.feed(stream[i : i + chunk]))
        frames = [e[1][3] for e in events if e[0] == FRAME]
        assert frames == [[1, 2], [3, 4], [5, 6]], chunk
        assert next(e for e in events if e[0] == CORRUPT)[1] == "truncated"
        assert reader.garbage_bytes == 7 + 100
        assert GARBAGE in _kinds(events)


def test_overlong_line_is_dropped():
    reader = FrameReader()
    writer = serial_frame.FrameWriter(7)
    events = reader.feed(b"$" + b"1" * 100 + b"\n" + writer.reading(1, 2))
    assert events[0][:2] == (CORRUPT, "too-long")
    assert events[-1][0] == FRAME
    assert len(reader._buf) <= serial_frame.MAX_FRAME


def test_gaps_duplicates_and_restarts():
    writer = serial_frame.FrameWriter(0x0101)
    frames = [writer.reading(i, i) for i in range(10)]
    reader = FrameReader()
    events = reader.feed(frames[0] + frames[1] + frames[4] + frames[4] + frames[9])
    assert [e for e in events if e[0] == GAP] == [(GAP, 0x0101, 2, 2), (GAP, 0x0101, 5, 4)]
    assert [e for e in events if e[0] == DUPLICATE] == [(DUPLICATE, 0x0101, 4)]
    assert reader.missing == 6 and reader.frames == 4
    # The board restarts (new session); its first two frames were lost.
    other = serial_frame.FrameWriter(0x0202)
    other.reading(0, 0)
    other.reading(0, 0)
    events = reader.feed(other.reading(50, 50))
    assert events == [
        (RESTART, 0x0101, 0x0202),
        (GAP, 0x0202, 0, 2),
        (FRAME, (0x0202, 2, "R", [50, 50])),
    ]


def test_gap_across_the_wrap():
    writer = serial_frame.FrameWriter(3, 65534)
    a = writer.reading(0, 0)
    writer.reading(0, 0)
    writer.reading(0, 0)
    b = writer.reading(0, 0)
    reader = FrameReader()
    events = reader.feed(a + b)
    assert (GAP, 3, 0, 2) not in events
    assert [e for e in events if e[0] == GAP][-1] == (GAP, 3, 65535, 2)
