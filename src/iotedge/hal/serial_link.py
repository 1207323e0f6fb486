"""The serial link seam: a byte stream to a tethered board, nothing more.

:class:`SerialLink` is the subset of ``serial.Serial`` (pyserial) the serial bridge
uses, so a pyserial port, a pseudo-terminal or :class:`LoopbackLink` all fit. ``read``
returns what has arrived (possibly ``b""`` after the port's timeout), never blocks
forever, and raises ``OSError`` (pyserial's ``SerialException`` is one) when the
device is gone.
"""

from __future__ import annotations

import collections
import threading
from typing import Protocol, runtime_checkable


@runtime_checkable
class SerialLink(Protocol):
    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...

    def close(self) -> None: ...


class LoopbackLink:
    """In-memory :class:`SerialLink`: bytes given to :meth:`inject` come out of ``read``.

    Bounded (``maxlen`` bytes; the oldest are dropped, as a UART FIFO overrun would),
    with a read timeout, for tests of code that reads a link.
    """

    def __init__(self, timeout: float = 0.1, maxlen: int = 65536) -> None:
        self.timeout = timeout
        self._buf: collections.deque[int] = collections.deque(maxlen=maxlen)
        self._cond = threading.Condition()
        self.written = bytearray()
        self.closed = False

    def inject(self, data: bytes) -> None:
        with self._cond:
            self._buf.extend(data)
            self._cond.notify_all()

    def read(self, size: int = 1) -> bytes:
        with self._cond:
            if self.closed:
                raise OSError("link closed")
            if not self._buf:
                self._cond.wait(self.timeout)
            out = bytearray()
            while self._buf and len(out) < size:
                out.append(self._buf.popleft())
            return bytes(out)

    def write(self, data: bytes) -> int:
        self.written += data
        return len(data)

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()
