"""An in-memory radio for fast tests: advertisers and scanners sharing one :class:`SimAir`.

No Bluetooth stack, no HCI: an advertiser's current frame is handed to every started
scanner each ``interval`` seconds, with the RSSI the air's model gives for that
(advertiser, gateway) pair; ``None`` from the model means "out of range, not heard".
For an HCI-level simulation use :mod:`iotedge.adapters.bumble_radio`.

    air = SimAir(rssi=lambda address, gateway: -60)
    scanner = SimScanner(air, "gw-1")
    await scanner.start(queue)
    badge = SimAdvertiser(air, "C0:00:00:00:00:01", interval=0.1)
    badge.set_frames([Frame(ad_bytes, ttl=30)])
    await badge.start()
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from iotedge.hal.radio import (
    LEGACY_AD_MAX,
    AdvertCallback,
    Advertisement,
    AdvKind,
    RotatingAdvertiser,
    RssiModel,
    normalise_address,
    split_ad,
)


def _fixed_rssi(address: str, gateway: str) -> int:
    return -50


class SimAir:
    """The shared medium. ``transmit`` delivers synchronously to every listening scanner."""

    def __init__(
        self, rssi: RssiModel = _fixed_rssi, clock: Callable[[], float] = time.time
    ) -> None:
        self.rssi = rssi
        self.clock = clock
        self.transmitted = 0
        self.delivered = 0
        self._scanners: list[SimScanner] = []

    def transmit(
        self, address: str, data: bytes, kind: AdvKind = "adv", extended: bool = False
    ) -> int:
        """Put one PDU on the air; return how many scanners heard it."""
        split_ad(data)  # a malformed frame is a bug in the sender, not noise
        address = normalise_address(address)
        now = self.clock()
        heard = 0
        self.transmitted += 1
        for scanner in list(self._scanners):
            rssi = self.rssi(address, scanner.gateway)
            if rssi is None:
                continue
            scanner.deliver(
                Advertisement(address, rssi, bytes(data), now, scanner.gateway, kind, extended)
            )
            heard += 1
        self.delivered += heard
        return heard

    def _attach(self, scanner: SimScanner) -> None:
        if scanner not in self._scanners:
            self._scanners.append(scanner)

    def _detach(self, scanner: SimScanner) -> None:
        if scanner in self._scanners:
            self._scanners.remove(scanner)


class SimScanner:
    """A :class:`~iotedge.hal.radio.Scanner` on a :class:`SimAir`."""

    def __init__(self, air: SimAir, gateway: str) -> None:
        self.air = air
        self.gateway = gateway
        self.received = 0
        self._callback: AdvertCallback | None = None

    async def start(self, callback: AdvertCallback) -> None:
        self._callback = callback
        self.air._attach(self)

    async def stop(self) -> None:
        self.air._detach(self)
        self._callback = None

    def deliver(self, adv: Advertisement) -> None:
        if self._callback is not None:
            self.received += 1
            self._callback(adv)


class SimAdvertiser(RotatingAdvertiser):
    """An :class:`~iotedge.hal.radio.Advertiser` that transmits on a :class:`SimAir`.

    The frame on air is transmitted every ``interval`` seconds (the advertising interval);
    the rotation moves to the next frame every ``slot`` seconds.
    """

    def __init__(
        self,
        air: SimAir,
        address: str,
        interval: float = 0.1,
        slot: float = 1.0,
        max_frames: int = 32,
        max_len: int = LEGACY_AD_MAX,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(slot=slot, max_frames=max_frames, max_len=max_len, clock=clock)
        self.air = air
        self.address = normalise_address(address)
        self.interval = interval
        self.transmitted = 0
        self._pump: asyncio.Task[None] | None = None

    async def _open(self) -> None:
        self._pump = asyncio.create_task(self._transmit_forever(), name="sim-advertiser")

    async def _close(self) -> None:
        pump, self._pump = self._pump, None
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    async def _show(self, data: bytes | None) -> None:
        # The pump reads ``on_air``; the base class sets it once this returns.
        return None

    async def _transmit_forever(self) -> None:
        while True:
            data = self.on_air
            if data is not None:
                self.air.transmit(self.address, data, extended=len(data) > LEGACY_AD_MAX)
                self.transmitted += 1
            await asyncio.sleep(self.interval)
