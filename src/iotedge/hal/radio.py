"""The radio seam: what a gateway needs from a BLE radio, and nothing more.

Two small protocols, bytes only (no framework objects cross the seam):

* :class:`Scanner` reports every advertisement it hears as an :class:`Advertisement`
  (address, RSSI, the raw AD bytes, when, which gateway) to one callback.
* :class:`Advertiser` broadcasts a rotating set of :class:`Frame` s, each of them raw AD
  bytes with a time-to-live, until it expires.

Implementations: :mod:`iotedge.hal.sim_radio` (in memory, for tests),
:mod:`iotedge.adapters.bleak_scanner` (BlueZ through bleak),
:mod:`iotedge.adapters.bluez_advertiser` (BlueZ LE advertising over D-Bus) and
:mod:`iotedge.adapters.bumble_radio` (bumble: virtual link or a USB dongle).

The frame rotation (which frame is on air, when it expires) is plain logic shared by all
advertisers: :class:`FrameRotation` (clock passed in) and :class:`RotatingAdvertiser`
(the asyncio loop that drives a backend's ``_show``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from iotedge.core.errors import ADError, AdvertBudgetError
from iotedge.hal.waiting import event_or_timeout

log = logging.getLogger(__name__)

#: Largest AD payload of a legacy advertising PDU (Core spec Vol 3, Part C, 11).
LEGACY_AD_MAX = 31
#: Largest AD payload one HCI LE Set Extended Advertising Data command carries.
EXTENDED_AD_MAX = 251

#: What a report holds: an advertising PDU, a scan response, or (BlueZ D-Bus only) the
#: device's properties merged from both, re-encoded.
AdvKind = Literal["adv", "scan_rsp", "merged"]


@dataclass(frozen=True, slots=True)
class Advertisement:
    """One advertisement as heard by one gateway.

    ``address`` is upper-case ``AA:BB:CC:DD:EE:FF``; ``rssi`` in dBm; ``data`` the AD
    structures (length, type, value ...) exactly as received for ``kind`` ``"adv"`` and
    ``"scan_rsp"``; ``timestamp`` is wall-clock seconds (``time.time()``) at reception;
    ``gateway`` names the receiving gateway or adapter; ``extended`` is True when the PDU
    was an extended (non-legacy) advertisement.
    """

    address: str
    rssi: int
    data: bytes
    timestamp: float
    gateway: str
    kind: AdvKind = "adv"
    extended: bool = False


AdvertCallback = Callable[[Advertisement], None]

#: RSSI a receiver hears for (advertiser address, receiving gateway id); None = not heard.
RssiModel = Callable[[str, str], "int | None"]


@runtime_checkable
class Scanner(Protocol):
    """Reports every advertisement heard, one callback call per advertisement.

    ``start`` begins scanning and calls ``callback`` from the event loop thread for each
    advertisement until ``stop``. The callback must be quick (queue, don't process).
    """

    @property
    def gateway(self) -> str: ...

    async def start(self, callback: AdvertCallback) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Frame:
    """AD bytes to broadcast, kept in rotation for ``ttl`` seconds after being set."""

    data: bytes
    ttl: float


@runtime_checkable
class Advertiser(Protocol):
    """Broadcasts a rotating set of frames, each until its time-to-live runs out."""

    def set_frames(self, frames: Iterable[Frame]) -> None: ...

    def add_frame(self, frame: Frame) -> None: ...

    def remove_frame(self, data: bytes) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def split_ad(data: bytes) -> list[tuple[int, bytes]]:
    """Split AD bytes into ``(ad_type, value)`` pairs; raise :class:`ADError` if malformed.

    A zero length byte ends the data early (Core spec Vol 3, Part C, 11: "significant part"
    followed by zero padding), as controllers pad short payloads.
    """
    out: list[tuple[int, bytes]] = []
    i = 0
    n = len(data)
    while i < n:
        length = data[i]
        if length == 0:
            if any(data[i:]):
                raise ADError("zero-length", "AD structure of length 0 before more data", i)
            break
        end = i + 1 + length
        if end > n:
            raise ADError("overrun", f"AD structure of length {length} runs past {n}", i)
        out.append((data[i + 1], bytes(data[i + 2 : end])))
        i = end
    return out


def join_ad(structures: Iterable[tuple[int, bytes]]) -> bytes:
    """Inverse of :func:`split_ad`."""
    out = bytearray()
    for ad_type, value in structures:
        if len(value) > 254:
            raise AdvertBudgetError("too-long", f"AD value of {len(value)} bytes exceeds 254")
        out.append(len(value) + 1)
        out.append(ad_type)
        out += value
    return bytes(out)


def check_frame(frame: Frame, max_len: int = LEGACY_AD_MAX) -> None:
    """Raise if ``frame`` cannot be broadcast: bad AD structure, too long, bad TTL."""
    if not isinstance(frame.data, bytes | bytearray):
        raise AdvertBudgetError("not-bytes", f"frame data is {type(frame.data).__name__}")
    if len(frame.data) > max_len:
        raise AdvertBudgetError(
            "too-long", f"frame of {len(frame.data)} bytes exceeds the {max_len}-byte budget"
        )
    if not frame.data:
        raise AdvertBudgetError("empty", "frame has no AD structures")
    split_ad(frame.data)
    if not frame.ttl > 0:
        raise AdvertBudgetError("bad-ttl", f"ttl must be > 0 seconds, got {frame.ttl}")


class FrameRotation:
    """Which frame is on air: round robin over live frames, one ``slot`` each.

    Pure logic with the clock passed in (``now`` in seconds, monotonic). Frames are keyed
    by their bytes: adding a frame that is already in rotation restarts its TTL instead of
    adding a copy (20 gateways relaying the same alert each keep one copy).
    """

    def __init__(self, max_frames: int = 32, max_len: int = LEGACY_AD_MAX) -> None:
        self.max_frames = max_frames
        self.max_len = max_len
        self._expiry: collections.OrderedDict[bytes, float] = collections.OrderedDict()
        self._last: bytes | None = None

    def __len__(self) -> int:
        return len(self._expiry)

    def frames(self, now: float) -> list[bytes]:
        """Live frames in rotation order."""
        self._expire(now)
        return list(self._expiry)

    def set(self, frames: Iterable[Frame], now: float) -> None:
        """Replace the whole rotation."""
        checked = list(frames)
        for frame in checked:
            check_frame(frame, self.max_len)
        if len({bytes(f.data) for f in checked}) > self.max_frames:
            raise AdvertBudgetError("too-many", f"more than {self.max_frames} frames")
        self._expiry.clear()
        for frame in checked:
            self._expiry[bytes(frame.data)] = now + frame.ttl

    def add(self, frame: Frame, now: float) -> None:
        """Add a frame (or restart its TTL if already in rotation)."""
        check_frame(frame, self.max_len)
        data = bytes(frame.data)
        self._expire(now)
        if data not in self._expiry and len(self._expiry) >= self.max_frames:
            raise AdvertBudgetError("too-many", f"rotation already holds {self.max_frames}")
        self._expiry[data] = now + frame.ttl

    def remove(self, data: bytes) -> None:
        self._expiry.pop(bytes(data), None)

    def advance(self, now: float) -> bytes | None:
        """Drop expired frames and return the next frame to put on air (None: nothing)."""
        self._expire(now)
        if not self._expiry:
            self._last = None
            return None
        keys = list(self._expiry)
        last = self._last
        if last is not None and last in self._expiry:
            nxt = keys[(keys.index(last) + 1) % len(keys)]
        else:
            nxt = keys[0]
        self._last = nxt
        return nxt

    def next_expiry(self) -> float | None:
        """Earliest expiry time among live frames."""
        return min(self._expiry.values(), default=None)

    def _expire(self, now: float) -> None:
        for data in [d for d, t in self._expiry.items() if t <= now]:
            del self._expiry[data]


class RotatingAdvertiser:
    """Base of every :class:`Advertiser`: runs the rotation, a backend shows the bytes.

    Subclasses implement ``_show(data)`` (put these AD bytes on air; ``None`` = stop
    advertising) and may override ``_open``/``_close``. Every ``slot`` seconds the next
    live frame goes on air; a frame leaves the rotation when its TTL runs out; a change of
    the frame set takes effect at once. ``on_air`` is what the backend shows now.
    """

    def __init__(
        self,
        slot: float = 1.0,
        max_frames: int = 32,
        max_len: int = LEGACY_AD_MAX,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not slot > 0:
            raise ValueError("slot must be > 0 seconds")
        self.slot = slot
        self.clock = clock
        self.rotation = FrameRotation(max_frames=max_frames, max_len=max_len)
        self.on_air: bytes | None = None
        self.shown: collections.Counter[bytes] = collections.Counter()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def set_frames(self, frames: Iterable[Frame]) -> None:
        self.rotation.set(frames, self.clock())
        self._wake.set()

    def add_frame(self, frame: Frame) -> None:
        self.rotation.add(frame, self.clock())
        self._wake.set()

    def remove_frame(self, data: bytes) -> None:
        self.rotation.remove(data)
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if self.running:
            return
        await self._open()
        self._wake = asyncio.Event()
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=f"{type(self).__name__}-rotation")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            # The flag ends the rotation even if the cancellation is lost: a
            # backend that waits with asyncio.wait_for (bumble does) can swallow
            # it on Python 3.10/3.11 (CPython gh-86296).
            self._stopping = True
            self._wake.set()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            if self.on_air is not None:
                await self._show(None)
                self.on_air = None
        finally:
            await self._close()

    async def _run(self) -> None:
        while True:
            now = self.clock()
            data = self.rotation.advance(now)
            if data != self.on_air:
                try:
                    await self._show(data)
                except Exception:  # a backend hiccup must not end the rotation
                    log.exception("advertiser backend failed to show a frame")
                else:
                    self.on_air = data
            if data is not None:
                self.shown[data] += 1
            delay = self.slot
            expiry = self.rotation.next_expiry()
            if expiry is not None:
                delay = min(delay, max(expiry - now, 0.0))
            elif data is None:
                delay = 3600.0  # nothing to show: sleep until frames arrive
            self._wake.clear()
            if self._stopping:
                return  # stop() was asked for and its cancellation got lost
            # not asyncio.wait_for: it can swallow stop()'s cancellation (see waiting)
            await event_or_timeout(self._wake, max(delay, 0.001))

    async def _open(self) -> None:
        """Acquire the backend (called by ``start``)."""

    async def _close(self) -> None:
        """Release the backend (called by ``stop``)."""

    async def _show(self, data: bytes | None) -> None:
        raise NotImplementedError


class AdvertQueue:
    """A scanner callback that queues advertisements for ``async for``.

    Bounded: when ``maxsize`` advertisements wait, the oldest is dropped and counted in
    ``dropped`` (a stalled consumer must not grow memory without limit)::

        queue = AdvertQueue()
        await scanner.start(queue)
        async for adv in queue:
            ...
    """

    def __init__(self, maxsize: int = 100_000) -> None:
        self.maxsize = maxsize
        self.dropped = 0
        self._items: collections.deque[Advertisement] = collections.deque()
        self._ready = asyncio.Event()
        self._closed = False

    def __call__(self, adv: Advertisement) -> None:
        if len(self._items) >= self.maxsize:
            self._items.popleft()
            self.dropped += 1
        self._items.append(adv)
        self._ready.set()

    def __len__(self) -> int:
        return len(self._items)

    def close(self) -> None:
        """End iteration once the queued advertisements are consumed."""
        self._closed = True
        self._ready.set()

    def drain(self) -> Iterator[Advertisement]:
        """Take everything queued now, without waiting."""
        while self._items:
            yield self._items.popleft()

    def __aiter__(self) -> AdvertQueue:
        return self

    async def __anext__(self) -> Advertisement:
        while not self._items:
            if self._closed:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()


def normalise_address(address: str) -> str:
    """``aa:bb:...`` or ``AA-BB-...`` -> ``AA:BB:CC:DD:EE:FF`` (bumble adds ``/P`` suffixes)."""
    return address.split("/")[0].replace("-", ":").upper()
