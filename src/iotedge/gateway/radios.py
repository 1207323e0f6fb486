"""The radio an app runs on, chosen by ``[radio] kind`` (or ``--radio``).

=====================  ===================================================================
kind                   scanner / advertiser
=====================  ===================================================================
``bleak``              :class:`BleakAdvertScanner` (BlueZ, passive where it can) and
                       :class:`BlueZAdvertiser` (BlueZ LE advertising) on ``adapter``
``bumble:<transport>`` one bumble device on ``<transport>`` (``usb:0``,
                       ``hci-socket:0``, ``serial:/dev/ttyACM0,1000000`` ...) for both
``virtual``            the virtual venue (:mod:`iotedge.sim`) played in real time times
                       ``virtual_speed`` on an in-memory air: the gateway hears the
                       simulated badges exactly as the simulation's gateway of the same id
                       (``gw-01`` ...) would; its advertiser transmits into the same air
=====================  ===================================================================

The adapters are imported only for the kind chosen. ``clock`` is the time the apps must
use: the wall clock, or the virtual venue's (compressed) clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from iotedge.core import bthome, nodeconf2018
from iotedge.gateway.config import RadioConfig
from iotedge.hal.radio import Advertiser, Scanner

log = logging.getLogger(__name__)


def derived_address(name: str) -> str:
    """A random static BLE address derived from a name (stable across restarts)."""
    octets = bytearray(hashlib.blake2s(name.encode(), digest_size=6).digest())
    octets[0] |= 0xC0
    return ":".join(f"{o:02X}" for o in octets)


class Radio:
    """Opens the configured radio once; hands out its scanner and advertiser."""

    def __init__(self, cfg: RadioConfig, gateway_id: str) -> None:
        self.cfg = cfg
        self.gateway_id = gateway_id
        self.kind = cfg.kind
        self.clock: Callable[[], float] = time.time
        self.venue: Any = None  # VenueRadio when virtual
        self._device: Any = None
        self._transport: Any = None
        self._stop = asyncio.Event()
        self._player: asyncio.Task[None] | None = None

    async def open(self) -> Radio:
        if self.kind.startswith("bumble:"):
            from iotedge.adapters.bumble_radio import open_device

            address = self.cfg.address or derived_address(self.gateway_id)
            self._device, self._transport = await open_device(
                self.kind[len("bumble:") :], self.gateway_id, address
            )
        elif self.kind == "virtual":
            from iotedge.gateway.venue_radio import VenueRadio
            from iotedge.sim.scenarios import build_scenario

            overrides = {"badges": self.cfg.virtual_badges} if self.cfg.virtual_badges else {}
            sim = build_scenario(self.cfg.virtual_scenario, self.cfg.virtual_seed, **overrides)
            self.venue = VenueRadio(sim, speed=self.cfg.virtual_speed)
            self.clock = self.venue.clock
            ids = [g.gw_id for g in sim.gateways]
            if self.gateway_id not in ids:
                log.warning(
                    "virtual venue %r has gateways %s..%s: %s hears no badge",
                    self.cfg.virtual_scenario,
                    ids[0],
                    ids[-1],
                    self.gateway_id,
                )
            self._player = asyncio.create_task(self.venue.run(self._stop), name="virtual-venue")
        return self

    def scanner(self) -> Scanner:
        if self.kind == "bleak":
            from iotedge.adapters.bleak_scanner import (
                BleakAdvertScanner,
                or_pattern_manufacturer,
                or_pattern_service_data16,
            )

            patterns = [
                or_pattern_service_data16(bthome.UUID16),
                or_pattern_manufacturer(nodeconf2018.COMPANY_ID),
            ]
            return BleakAdvertScanner(
                self.gateway_id,
                adapter=self.cfg.adapter,
                mode=self.cfg.mode,  # type: ignore[arg-type]
                or_patterns=patterns,
            )
        if self.kind == "virtual":
            from iotedge.hal.sim_radio import SimScanner

            return SimScanner(self.venue.air, self.gateway_id)
        from iotedge.adapters.bumble_radio import BumbleScanner

        return BumbleScanner(self._device, self.gateway_id)

    def advertiser(self) -> Advertiser:
        if self.kind == "bleak":
            from iotedge.adapters.bluez_advertiser import BlueZAdvertiser

            return BlueZAdvertiser(
                adapter=self.cfg.adapter, interval_ms=int(self.cfg.interval_ms), slot=self.cfg.slot
            )
        if self.kind == "virtual":
            from iotedge.hal.sim_radio import SimAdvertiser

            address = self.cfg.address or derived_address(self.gateway_id)
            return SimAdvertiser(
                self.venue.air,
                address,
                interval=self.cfg.interval_ms / 1000,
                slot=self.cfg.slot,
                clock=self.clock,
            )
        from iotedge.adapters.bumble_radio import BumbleAdvertiser

        return BumbleAdvertiser(self._device, interval_ms=self.cfg.interval_ms, slot=self.cfg.slot)

    async def close(self) -> None:
        self._stop.set()
        if self._player is not None:
            self._player.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._player
        if self._transport is not None:
            await self._transport.close()
