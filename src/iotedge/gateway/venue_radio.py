"""The virtual venue on the air: simulated badges transmit real badge adverts on a SimAir.

:class:`iotedge.sim.simulation.Simulation` decides, for every advert of every badge,
which gateways hear it and at what RSSI (path loss, walls, bodies, crowd, fading,
packet loss, gateway outages). :class:`VenueRadio` plays that in (compressed) real
time on an in-memory :class:`~iotedge.hal.sim_radio.SimAir`: each advert becomes the
badge's real advertising data (:func:`iotedge.core.badge.encode`: packet id, battery,
temperature, claps, badge id) transmitted once from the badge's address, and the
air's RSSI model answers with the simulation's value for each gateway that heard it
(``None``, not heard, for the others). Gateway apps scanning with
:class:`~iotedge.hal.sim_radio.SimScanner` therefore receive exactly what the
simulation says, through the same code path as a real radio.

The simulation stream is in *arrival* order (after a modelled transport delay); the
radio needs *advert* order, so events are pulled ``horizon`` seconds ahead and each
advert (badge, sequence number) goes on air at its own time with all its receivers.
The simulation's own transport effects (duplicates, reordering) are dropped here: the
real MQTT path adds its own.

Time: ``clock()`` is unix-like seconds, ``epoch0`` at simulated second 0, advancing
``speed`` times faster than the wall clock. Every app in the virtual venue uses it.
``backpressure``, when set, is asked on every pump for the simulated time the venue
may not run past (the consumers' progress plus some lead): a machine too slow or too
busy for ``speed`` then sees the venue slow down, instead of a pipeline that falls
minutes behind and reports rooms that have long emptied.
"""

from __future__ import annotations

import asyncio
import collections
import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass

from iotedge.core import badge
from iotedge.hal.radio import RssiModel
from iotedge.hal.sim_radio import SimAir
from iotedge.sim.events import Report, Truth
from iotedge.sim.realtime import Pacer
from iotedge.sim.simulation import Simulation


def badge_number(badge_id: str) -> int:
    """``badge-017`` -> 17: the uint32 badge id the advert carries."""
    return int(badge_id.rsplit("-", 1)[1])


@dataclass
class VenueRadioStats:
    adverts: int = 0  # transmitted
    receptions: int = 0  # (advert, gateway) pairs delivered
    truth_rows: int = 0


class VenueRadio:
    """Plays a :class:`Simulation` on a :class:`SimAir` (see the module docstring).

    ``other_rssi`` answers the air's RSSI questions for transmissions that are not badge
    adverts (e.g. alert relays heard by badge receivers); by default nobody hears them.
    """

    def __init__(
        self,
        sim: Simulation,
        speed: float = 1.0,
        epoch0: float | None = None,
        other_rssi: RssiModel | None = None,
        wall: Callable[[], float] = time.monotonic,
        horizon: float | None = None,
    ) -> None:
        self.sim = sim
        self.speed = speed
        self.epoch0 = time.time() if epoch0 is None else epoch0
        self.pacer = Pacer(sim, speed, wall)
        self.other_rssi = other_rssi
        self.horizon = sim.config.max_delay_s + 1.0 if horizon is None else horizon
        self.air = SimAir(rssi=self._rssi, clock=self._stamp)
        self.stats = VenueRadioStats()
        self.truth: dict[str, str] = {b.badge_id: "none" for b in sim.badges}
        self._by_id = {b.badge_id: b for b in sim.badges}
        self._stamp_now = self.epoch0
        self._tx_address = ""
        self._tx_rssi: dict[str, int] = {}
        self._adverts: dict[tuple[str, int], tuple[float, dict[str, int], Report]] = {}
        self._order: list[tuple[float, int, tuple[str, int]]] = []
        self._truths: collections.deque[Truth] = collections.deque()
        self._pulled_to = 0.0
        self._counter = 0
        self._frame = bytearray(31)
        self._frozen: float | None = None
        self.backpressure: Callable[[], float] | None = None

    # -- time ------------------------------------------------------------------------------

    def start_clock(self) -> None:
        """Restart simulated time at 0 now (before anything was played)."""
        self.pacer = Pacer(self.sim, self.speed, self.pacer.clock)
        self._frozen = None

    def stop_clock(self) -> None:
        """Freeze simulated time: the venue has stopped, time must not run on without it
        (a presence service would take the silence for everyone leaving)."""
        self._frozen = self.pacer.sim_time()

    def sim_time(self) -> float:
        """Simulated seconds since the start."""
        if self._frozen is not None:
            return self._frozen
        return self.pacer.sim_time()

    def clock(self) -> float:
        """Unix-like time of the virtual venue (``epoch0`` + simulated seconds)."""
        return self.epoch0 + self.sim_time()

    @property
    def held(self) -> float:
        """Wall seconds the venue waited for its consumers (``backpressure``)."""
        return self.pacer.held

    @property
    def finished(self) -> bool:
        return self.sim_time() >= self.sim.config.duration

    # -- the air's callbacks ----------------------------------------------------------------

    def _stamp(self) -> float:
        return self._stamp_now

    def _rssi(self, address: str, receiver: str) -> int | None:
        if address == self._tx_address:
            return self._tx_rssi.get(receiver)
        if self.other_rssi is not None:
            return self.other_rssi(address, receiver)
        return None

    # -- playing ----------------------------------------------------------------------------

    def pump(self) -> int:
        """Transmit every advert that is due; returns how many went on air."""
        if self.backpressure is not None:
            self.pacer.limit = self.backpressure()
        now = self.sim_time()
        target = now + self.horizon
        if target > self._pulled_to:
            self._pull(target)
        truths = self._truths
        while truths and truths[0].ts <= now:
            row = truths.popleft()
            self.truth[row.badge] = row.room
        sent = 0
        order = self._order
        while order and order[0][0] <= now:
            _, _, key = heapq.heappop(order)
            ts, heard, rep = self._adverts.pop(key)
            self._transmit(ts, heard, rep)
            sent += 1
        return sent

    def _pull(self, until: float) -> None:
        self._pulled_to = until
        adverts = self._adverts
        for ev in self.sim.step(until):
            if isinstance(ev, Report):
                if ev.duplicate:
                    continue
                key = (ev.badge, ev.seq)
                entry = adverts.get(key)
                if entry is None:
                    adverts[key] = (ev.ts, {ev.gateway: ev.rssi}, ev)
                    self._counter += 1
                    heapq.heappush(self._order, (ev.ts, self._counter, key))
                else:
                    entry[1][ev.gateway] = ev.rssi
            else:
                self._truths.append(ev)
                self.stats.truth_rows += 1

    def _transmit(self, ts: float, heard: dict[str, int], rep: Report) -> None:
        info = self._by_id[rep.badge]
        n = badge.encode_into(
            self._frame,
            badge_number(rep.badge),
            rep.seq & 0xFF,
            max(0, min(100, rep.battery)),
            round(rep.temperature * 100),
            rep.claps,
        )
        self._tx_address = info.address
        self._tx_rssi = heard
        self._stamp_now = self.epoch0 + ts
        try:
            delivered = self.air.transmit(info.address, bytes(self._frame[:n]))
        finally:
            self._tx_address = ""
        self.stats.adverts += 1
        self.stats.receptions += delivered

    async def run(self, stop: asyncio.Event, tick: float = 0.02) -> None:
        """Pump every ``tick`` wall seconds until ``stop`` or the end of the simulation."""
        while not stop.is_set() and not self.finished:
            self.pump()
            await asyncio.sleep(tick)
        self.pump()
