"""The radio path of the HIL suite: a CPython gateway radio, and the stand-in board's radio.

Every test talks to the gateway through the radio seam (iotedge.hal.radio: a ``Scanner``
that reports ``Advertisement`` s, an ``Advertiser`` that broadcasts ``Frame`` s), so the
same test runs on either backend:

* ``virtual`` (default): a bumble ``VenueLink`` (iotedge.adapters.bumble_radio) holding the
  gateway's controller and the stand-in board's controller, with a per-link RSSI table; the
  stand-in board reaches its controller through :class:`BoardRadioBridge` (the line protocol
  of hil_tests/standin/firmware/bluetooth.py), so the bytes a board passes to
  ``gap_advertise`` are the bytes the gateway hears, and the bytes the gateway broadcasts
  are what the board's ``BLE.irq`` handler gets;
* a bumble transport (``usb:0``, ``hci-socket:0``, ``serial:/dev/ttyACM0``...): the gateway
  on a real controller, the board on its own radio;
* a BlueZ adapter (``hci0``): bleak scans and BlueZ advertises.

bumble runs on an asyncio loop in a thread of its own (:class:`RadioLoop`); tests call in
with :meth:`RadioLoop.call`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import re
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from iotedge.hal.radio import Advertisement, Advertiser, Frame, Scanner

T = TypeVar("T")

GATEWAY_ADDRESS = "C0:1E:D6:E0:00:01"
BOARD_ADDRESS = "C0:1E:D6:B0:A2:D0"
#: RSSI injected per link in the virtual venue: (advertiser, receiving controller).
VIRTUAL_RSSI = {(BOARD_ADDRESS, "gateway"): -67, (GATEWAY_ADDRESS, "board"): -48}

_BLUEZ_ADAPTER = re.compile(r"^hci\d+$")


class RadioLoop:
    """An asyncio loop in a daemon thread, for bumble's callbacks and tasks."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="hil-radio", daemon=True)
        self._thread.start()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class Gateway:
    """The CPython gateway's radio: what it heard, and what it broadcasts."""

    def __init__(self, loop: RadioLoop, scanner: Scanner, advertiser: Advertiser, kind: str):
        self.loop = loop
        self.scanner = scanner
        self.advertiser = advertiser
        self.kind = kind  # "virtual" (RSSI injected) or "hardware"
        self._heard: collections.deque[Advertisement] = collections.deque(maxlen=20000)
        self._lock = threading.Lock()

    async def start(self) -> None:
        await self.scanner.start(self._on_advert)
        await self.advertiser.start()

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await self.advertiser.stop()
        with contextlib.suppress(Exception):
            await self.scanner.stop()

    def _on_advert(self, adv: Advertisement) -> None:
        with self._lock:
            self._heard.append(adv)

    def heard(self, address: str | None = None) -> list[Advertisement]:
        with self._lock:
            return [a for a in self._heard if address is None or a.address == address]

    def forget(self) -> None:
        with self._lock:
            self._heard.clear()

    def wait_for(
        self, match: Callable[[Advertisement], bool], timeout: float = 10, what: str = "advert"
    ) -> Advertisement:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for adv in self.heard():
                if match(adv):
                    return adv
            time.sleep(0.02)
        raise AssertionError(f"the gateway did not hear {what} within {timeout} s")

    def broadcast(self, frames: list[bytes], ttl: float = 60) -> None:
        """Put ``frames`` on air in rotation (replacing what was there)."""

        async def set_frames() -> None:
            self.advertiser.set_frames([Frame(f, ttl) for f in frames])

        self.loop.call(set_frames())

    def silence(self) -> None:
        self.broadcast([])


class BoardRadioBridge:
    """The stand-in board's controller: its ``bluetooth`` module's requests, served on a
    bumble device, over a loopback TCP line protocol (see firmware/bluetooth.py)."""

    def __init__(self, device: Any, address: str) -> None:
        self.device = device
        self.address = address
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self.connections = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # One connection per board boot: a soft reset drops it, the new interpreter dials in.
        from iotedge.adapters.bumble_radio import BumbleAdvertiser, BumbleScanner

        self.connections += 1
        advertiser = BumbleAdvertiser(self.device, interval_ms=100, slot=3600)
        scanner = BumbleScanner(self.device, "board")
        scan_end: asyncio.TimerHandle | None = None
        scanning = False
        last_adv = b""

        def report(adv: Advertisement) -> None:
            adv_type = 4 if adv.kind == "scan_rsp" else 3  # SCAN_RSP / ADV_NONCONN_IND
            line = f"res 1 {adv.address.replace(':', '').lower()} {adv_type} {adv.rssi} "
            writer.write((line + (adv.data.hex() or "") + "\n").encode())

        async def stop_scan(done: bool) -> None:
            nonlocal scanning
            if scanning:
                scanning = False
                await scanner.stop()
                if done:
                    writer.write(b"done\n")

        writer.write(f"mac 1 {self.address.replace(':', '').lower()}\n".encode())
        try:
            while line := await reader.readline():
                words = line.decode().split()
                if not words:
                    continue
                if words[0] == "adv":
                    interval_us = int(words[1])
                    if words[2] != "-":
                        last_adv = bytes.fromhex(words[2])
                    if interval_us == 0 or not last_adv:
                        await advertiser.stop()
                    else:
                        advertiser.interval_ms = max(interval_us / 1000, 20)
                        advertiser.set_frames([Frame(last_adv, 3600)])
                        await advertiser.start()
                elif words[0] == "scan":
                    if scan_end is not None:
                        scan_end.cancel()
                    await stop_scan(done=False)
                    if words[1] != "stop":
                        await scanner.start(report)
                        scanning = True
                        duration_ms = int(words[1])
                        if duration_ms > 0:
                            scan_end = asyncio.get_running_loop().call_later(
                                duration_ms / 1000, _later, functools.partial(stop_scan, True)
                            )
                elif words[0] == "off":
                    await advertiser.stop()
                    await stop_scan(done=False)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if scan_end is not None:
                scan_end.cancel()
            with contextlib.suppress(Exception):
                await advertiser.stop()
            with contextlib.suppress(Exception):
                await stop_scan(done=False)
            writer.close()


def _later(start: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.get_running_loop().create_task(start())


class VirtualVenue:
    """The gateway and the stand-in board's radio on one bumble link, RSSI per link."""

    def __init__(self, rssi: dict[tuple[str, str], int] | None = None) -> None:
        self.rssi = dict(VIRTUAL_RSSI if rssi is None else rssi)
        self.loop = RadioLoop()
        self.gateway: Gateway | None = None
        self.board_radio: BoardRadioBridge | None = None
        self.loop.call(self._start())

    async def _start(self) -> None:
        from iotedge.adapters.bumble_radio import (
            BumbleAdvertiser,
            BumbleScanner,
            VenueLink,
            virtual_device,
        )

        link = VenueLink(rssi=lambda address, receiver: self.rssi.get((address, receiver)))
        gw_device = await virtual_device(link, "gateway", GATEWAY_ADDRESS)
        board_device = await virtual_device(link, "board", BOARD_ADDRESS)
        self.gateway = Gateway(
            self.loop,
            BumbleScanner(gw_device, "gateway"),
            BumbleAdvertiser(gw_device, interval_ms=50, slot=0.1),
            "virtual",
        )
        await self.gateway.start()
        self.board_radio = BoardRadioBridge(board_device, BOARD_ADDRESS)
        await self.board_radio.start()

    @property
    def board_endpoint(self) -> str:
        assert self.board_radio is not None
        return f"127.0.0.1:{self.board_radio.port}"

    def close(self) -> None:
        async def stop() -> None:
            if self.gateway is not None:
                await self.gateway.stop()
            if self.board_radio is not None:
                await self.board_radio.stop()

        with contextlib.suppress(Exception):
            self.loop.call(stop(), timeout=10)
        self.loop.close()


def hardware_gateway(spec: str) -> tuple[Gateway, Callable[[], None]]:
    """A gateway on a real radio: a BlueZ adapter (``hci0``) or a bumble transport."""
    loop = RadioLoop()
    if _BLUEZ_ADAPTER.match(spec):
        from iotedge.adapters.bleak_scanner import BleakAdvertScanner
        from iotedge.adapters.bluez_advertiser import BlueZAdvertiser

        gateway = Gateway(
            loop, BleakAdvertScanner("gateway", adapter=spec), BlueZAdvertiser(spec), "hardware"
        )
        transport = None
    else:
        from iotedge.adapters.bumble_radio import BumbleAdvertiser, BumbleScanner, open_device

        device, transport = loop.call(open_device(spec, "gateway", GATEWAY_ADDRESS))
        gateway = Gateway(
            loop,
            BumbleScanner(device, "gateway"),
            BumbleAdvertiser(device, interval_ms=50, slot=0.1),
            "hardware",
        )
    loop.call(gateway.start())

    def close() -> None:
        async def stop() -> None:
            await gateway.stop()
            if transport is not None:
                await transport.close()

        with contextlib.suppress(Exception):
            loop.call(stop(), timeout=10)
        loop.close()

    return gateway, close
