"""The gateway side of the serial line protocol: a byte stream in, events out.

The reader never trusts a frame whose CRC, syntax or values are wrong, keeps at
most ``MAX_FRAME`` bytes of a partial line (memory is bounded whatever arrives),
drops everything outside ``$...\n`` (resynchronisation after garbage), and
reports, as events, every corrupt frame, every run of garbage bytes, every gap in
the sequence (first missing number and count), duplicates and board restarts.
"""

from ._compat import const
from .errors import SerialFrameError
from .serial_frame import MAX_FRAME, SEQ_MODULO, decode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_HALF = const(32768)
_DOLLAR = const(0x24)
_LF = const(0x0A)
_CR = const(0x0D)

# Events returned by FrameReader.feed: (EVENT_NAME, ...).
FRAME = "frame"  # ("frame", (session, seq, kind, fields))
CORRUPT = "corrupt"  # ("corrupt", reason, detail)
GARBAGE = "garbage"  # ("garbage", byte count) bytes outside any frame
GAP = "gap"  # ("gap", session, first missing seq, count)
DUPLICATE = "duplicate"  # ("duplicate", session, seq)
RESTART = "restart"  # ("restart", old session, new session)


class FrameReader:
    """The gateway side: bytes in (any chunking), events out. Memory is bounded."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._in_frame = False
        self._garbage = 0
        self.session: "int | None" = None
        self.expected = 0
        # Totals for status reports.
        self.frames = 0
        self.corrupt = 0
        self.missing = 0
        self.garbage_bytes = 0

    def feed(self, data: bytes) -> "list[tuple[Any, ...]]":
        events: "list[tuple[Any, ...]]" = []
        for byte in data:
            if byte == _DOLLAR:
                if self._in_frame:
                    self._reject(
                        events,
                        "truncated",
                        "frame cut by a new '$' after " + str(len(self._buf)) + " bytes",
                    )
                self._flush_garbage(events)
                self._buf = bytearray(b"$")
                self._in_frame = True
            elif not self._in_frame:
                if byte != _LF and byte != _CR:
                    self._garbage += 1
            elif byte == _LF:
                self._in_frame = False
                self._line(events)
            else:
                self._buf.append(byte)
                if len(self._buf) > MAX_FRAME:
                    self._in_frame = False
                    self._reject(
                        events, "too-long", "no end of line within " + str(MAX_FRAME) + " bytes"
                    )
        self._flush_garbage(events)
        return events

    def _flush_garbage(self, events: "list[tuple[Any, ...]]") -> None:
        if self._garbage:
            events.append((GARBAGE, self._garbage))
            self.garbage_bytes += self._garbage
            self._garbage = 0

    def _reject(self, events: "list[tuple[Any, ...]]", reason: str, detail: str) -> None:
        self.corrupt += 1
        events.append((CORRUPT, reason, detail))
        self._buf = bytearray()

    def _line(self, events: "list[tuple[Any, ...]]") -> None:
        try:
            frame = decode(bytes(self._buf))
        except SerialFrameError as exc:
            self._reject(events, exc.reason, exc.detail)
            return
        self._buf = bytearray()
        self._track(frame, events)

    def _track(
        self, frame: "tuple[int, int, str, list[Any]]", events: "list[tuple[Any, ...]]"
    ) -> None:
        if frame[0] != self.session:
            # A new session counts from 0: every number before this frame was missed.
            if self.session is not None:
                events.append((RESTART, self.session, frame[0]))
            self.session = frame[0]
            ahead = frame[1]
        else:
            ahead = (frame[1] - self.expected) % SEQ_MODULO
            if ahead >= _HALF:
                events.append((DUPLICATE, frame[0], frame[1]))
                return
        if ahead:
            self.missing += ahead
            events.append((GAP, frame[0], (frame[1] - ahead) % SEQ_MODULO, ahead))
        self.expected = (frame[1] + 1) % SEQ_MODULO
        self.frames += 1
        events.append((FRAME, frame))
