"""The virtual venue in motion: badges advertise, gateways hear them, reports travel.

:class:`Simulation` is built once from a config and a seed (venue draws, gateways,
badges, every person's itinerary), then :meth:`Simulation.run` plays it second by
second and streams :class:`~iotedge.sim.events.Report` and
:class:`~iotedge.sim.events.Truth` events in arrival order. ``run()`` can be called
again and yields the same events: each run draws its per-advert randomness from
fresh generators seeded from the scenario seed.

Randomness comes from separate ``random.Random`` streams named after the seed and
their purpose (venue, people, badges, radio, transport, payload), so changing, say,
the transport delay leaves every person's day untouched. No ``set`` is iterated and
no ``hash()`` is used: output does not depend on ``PYTHONHASHSEED``.

Per tick ``T`` (one second): update every badge's true room and the room
occupancies, generate the bursts that start in ``[T, T+1)`` (whole bursts at once),
deliver the reports that arrive in ``[T-1, T)``, then the truth rows of ``T``.
Reports arrive at ``ts + delay`` with ``delay <= max_delay_s`` and ``ts`` is at
most ``clock_offset_s`` (< 1 s) before the advert, so nothing generated later can
arrive before what was delivered: the stream is exactly in arrival order.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from iotedge.core.errors import SimulationError
from iotedge.sim.config import CONTINUOUS, SimConfig
from iotedge.sim.events import Event, Report, Truth
from iotedge.sim.geometry import OUTSIDE, FloorPlan
from iotedge.sim.people import AWAY, STAY, Leg, Person, make_person
from iotedge.sim.programme import Slot, build_programme
from iotedge.sim.radio import (
    GatewayRadio,
    body_geometry,
    body_loss_facing,
    crowd_exposure,
    crowd_loss_db,
    path_loss_db,
)
from iotedge.sim.shadowing import ShadowField
from iotedge.sim.venues import Placement, gateway_id

# (gateway index, mean dBm without body/crowd/fading, crowd exposure m, gateway room
#  index, bearing to the gateway rad, body loss when fully behind dB)
Link = tuple[int, float, float, int, float, float]

_FADE_BITS = 16  # pool of 65,536 Gaussian fading draws, indexed by getrandbits
_LAT_BITS = 12  # pool of 4,096 log-normal latency draws
_LATENCY_SIGMA = 0.6  # log-normal shape of network latency
_PRUNE_SIGMAS = 5.0  # a gateway whose mean is 5 fading-std below its floor never hears
_NEVER = float("inf")
_PI = math.pi
_TAU = 2.0 * math.pi
_HALF_PI = math.pi / 2.0
_QUARTER_PI = math.pi / 4.0
_OUTSIDE_TEMP_C = 12.0
_ROOM_TEMP_C = 21.0
_CROWD_HEAT_C = 2.5  # degrees C per person/m^2 of occupancy


@dataclass(frozen=True)
class BadgeInfo:
    """A badge as the demo and tests see it."""

    badge_id: str
    address: str  # static random BLE address (two top bits set)
    tx_1m_dbm: float  # mean RSSI at 1 m, line of sight
    first_burst: float  # time of its first advertising event
    period: float  # seconds between event starts (includes its clock drift)
    battery_start: float  # percent


@dataclass
class RunStats:
    """Counters of the last (or current) run."""

    adverts: int = 0  # adverts sent by badges in the venue or near it
    below_floor: int = 0  # (advert, gateway) pairs heard below the gateway's sensitivity
    reports: int = 0  # reports delivered (duplicates included)
    duplicates: int = 0
    truth_rows: int = 0
    # (advert, gateway) pairs within radio range with the gateway up, and those lost
    per_gateway_attempts: list[int] = field(default_factory=list)
    per_gateway_lost: list[int] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return sum(self.per_gateway_attempts)

    @property
    def lost(self) -> int:
        return sum(self.per_gateway_lost)


class Simulation:
    """One seeded simulated event. Build with :func:`iotedge.sim.scenarios.build_scenario`."""

    def __init__(
        self,
        name: str,
        seed: int,
        config: SimConfig,
        plan: FloorPlan,
        placements: tuple[Placement, ...],
        foyer: str,
        main_hall: str,
        outside_spot: tuple[float, float],
    ) -> None:
        config.validate()
        if config.gateways > len(placements):
            raise SimulationError(
                "bad-parameter", f"gateways={config.gateways}: the venue has {len(placements)}"
            )
        if config.clock_offset_s >= 0.5:
            raise SimulationError("bad-parameter", "clock_offset_s must be below 0.5 s")
        self.name = name
        self.seed = seed
        self.config = config
        self.plan = plan
        self.foyer = foyer
        self.main_hall = main_hall
        self.outside_spot = outside_spot
        self.room_names: list[str] = [r.name for r in plan.rooms]
        self._room_index = {name: i for i, name in enumerate(self.room_names)}
        self._room_index[OUTSIDE] = len(self.room_names)
        self.gateways = self._make_gateways(placements[: config.gateways])
        self.shadow = self._make_shadowing()
        self.outages = self._make_outages()
        breakouts = tuple(r.name for r in plan.rooms if r.stage and r.name != main_hall)
        self.programme: list[Slot] = build_programme(
            config.duration,
            config.schedule_scale,
            main_hall,
            breakouts,
            config.main_hall_share,
            self._rng("programme"),
        )
        self.people: list[Person] = self._make_people()
        self.badges: list[BadgeInfo] = self._make_badges()
        self.stats = RunStats()
        self._stream: Iterator[Event] | None = None
        self._pending: Event | None = None

    # -- public API ----------------------------------------------------------------
    def venue_dict(self) -> dict[str, object]:
        """The venue in the presence estimator's JSON format (docs/presence.md)."""
        return {
            "rooms": list(self.room_names),
            "adjacent": [[a, b] for a, b in self.plan.adjacent_pairs()],
            "transit": [room.name for room in self.plan.rooms if room.transit],
            "gateways": {
                g.gw_id: {"room": g.room, "x": g.x, "y": g.y, "z": g.z} for g in self.gateways
            },
        }

    def run(self) -> Iterator[Event]:
        """Every event of the whole event, in arrival order (see the module docstring)."""
        return _Run(self).events()

    def step(self, until_ts: float) -> list[Event]:
        """The next events whose arrival time is before ``until_ts``.

        Successive calls continue one run, so a real-time driver can call it with the
        advancing (compressed) clock. :meth:`reset` starts over.
        """
        if self._stream is None:
            self._stream = self.run()
        out: list[Event] = []
        if self._pending is not None:
            if self._pending.arrival >= until_ts:
                return out
            out.append(self._pending)
            self._pending = None
        for ev in self._stream:
            if ev.arrival >= until_ts:
                self._pending = ev
                break
            out.append(ev)
        return out

    @property
    def finished(self) -> bool:
        """True once :meth:`step` has handed out every event."""
        if self._stream is None or self._pending is not None:
            return False
        nxt = next(self._stream, None)
        if nxt is None:
            return True
        self._pending = nxt
        return False

    def reset(self) -> None:
        self._stream = None
        self._pending = None

    def gateway_up(self, gw_id: str, t: float) -> bool:
        return not any(a <= t < b for a, b in self.outages.get(gw_id, []))

    def room_at(self, badge_index: int, t: float) -> str:
        """The true room of badge ``badge_index`` at time ``t``."""
        room = OUTSIDE
        for when, r in self.people[badge_index].room_changes:
            if when > t:
                break
            room = r
        return room

    def position_at(self, badge_index: int, t: float) -> tuple[float, float, str] | None:
        """``(x, y, room)`` of a badge at time t, or None while it is away."""
        for leg in self.people[badge_index].legs:
            if leg.t0 <= t < leg.t1:
                if leg.kind == AWAY:
                    return None
                x, y, _, room = leg.where(t)
                return x, y, room
        return None

    def occupancy_at(self, t: float) -> dict[str, int]:
        """True head count per room (and ``none``) at time t."""
        counts = dict.fromkeys([*self.room_names, OUTSIDE], 0)
        for b in range(len(self.people)):
            counts[self.room_at(b, t)] += 1
        return counts

    def link_means(self, badge_index: int, t: float) -> dict[str, float]:
        """Mean RSSI (dBm) of badge ``badge_index`` at each gateway that can hear it at t.

        Every term but fading and packet loss, crowd loss from the occupancy at t, body
        loss at the wearer's nominal facing (the running simulation jitters it per
        burst by ``facing_jitter_deg``); empty while the badge is away. For a virtual
        radio that sets RSSI per link (the demo's bumble controllers); O(badges) per
        call, not for hot loops.
        """
        leg = next((g for g in self.people[badge_index].legs if g.t0 <= t < g.t1), None)
        if leg is None or leg.kind == AWAY:
            return {}
        x, y, facing, room = leg.where(t)
        counts = self.occupancy_at(t)
        density = [counts[r.name] / r.area for r in self.plan.rooms] + [0.0]
        here = density[self._room_index[room]]
        cfg = self.config
        out: dict[str, float] = {}
        for gi, mean, exposure, groom, bearing, body_db in self.links(badge_index, x, y):
            d = here if self._room_index[room] == groom else 0.5 * (here + density[groom])
            loss = crowd_loss_db(
                d, exposure, cfg.crowd_body_db, cfg.crowd_body_width, cfg.crowd_cap_db
            )
            body = body_loss_facing(body_db, facing, bearing)
            out[self.gateways[gi].gw_id] = mean - body - loss
        return out

    # -- construction ----------------------------------------------------------------
    def _rng(self, purpose: str) -> random.Random:
        # str seeds are hashed with SHA-512 by random.Random: stable across processes.
        return random.Random(f"iotedge-sim/{self.seed}/{purpose}")

    def _make_gateways(self, placements: tuple[Placement, ...]) -> list[GatewayRadio]:
        cfg = self.config
        rng = self._rng("gateways")
        n = len(placements)
        n_low = round(n * cfg.low_gateway_fraction)
        # Spread the low ones evenly through the placement list (every third for 1/3).
        low = {int((k + 0.5) * n / n_low) for k in range(n_low)} if n_low else set()
        out: list[GatewayRadio] = []
        for i, p in enumerate(placements):
            exponent = cfg.pl_exponent + _clamped_gauss(rng, cfg.pl_exponent_spread)
            out.append(
                GatewayRadio(
                    gw_id=gateway_id(i),
                    room=p.room,
                    x=p.x,
                    y=p.y,
                    z=cfg.low_gateway_z if i in low else p.z,
                    exponent=exponent,
                    offset_db=_clamped_gauss(rng, cfg.gateway_offset_db),
                    loss_p=rng.uniform(*cfg.packet_loss),
                    sensitivity_dbm=rng.uniform(*cfg.sensitivity_dbm),
                    clock_offset_s=rng.uniform(-cfg.clock_offset_s, cfg.clock_offset_s),
                )
            )
        return out

    def _make_shadowing(self) -> list[ShadowField]:
        cfg = self.config
        x0, y0, x1, y1 = self.plan.bounds()
        margin = 15.0  # people outside the entrance are still inside the field
        bounds = (x0 - margin, y0 - margin, x1 + margin, y1 + margin)
        rng = self._rng("shadowing")
        return [
            ShadowField(rng, bounds, cfg.shadowing_db, cfg.shadowing_corr_m, cfg.shadowing_grid_m)
            for _ in self.gateways
        ]

    def _make_outages(self) -> dict[str, list[tuple[float, float]]]:
        cfg = self.config
        rng = self._rng("outages")
        out: dict[str, list[tuple[float, float]]] = {}
        expected = cfg.outages_per_hour * cfg.duration / 3600.0
        for g in self.gateways:
            spans: list[tuple[float, float]] = []
            for _ in range(_poisson(rng, expected)):
                start = rng.uniform(0.0, cfg.duration)
                spans.append((start, start + rng.uniform(*cfg.outage_length_s)))
            out[g.gw_id] = spans
        forced = list(cfg.forced_outages)
        if cfg.failed_gateway >= 0:
            lo, hi = cfg.failure_window
            forced.append((cfg.failed_gateway, lo * cfg.duration, hi * cfg.duration))
        for index, start, end in forced:
            if not -len(self.gateways) <= index < len(self.gateways):
                raise SimulationError("bad-parameter", f"forced outage of gateway {index}")
            out[self.gateways[index].gw_id].append((start, end))
        for spans in out.values():
            spans.sort()
        return out

    def _make_people(self) -> list[Person]:
        rng = self._rng("people")
        slots = self.programme
        return [
            make_person(i, self.config, self.plan, slots, rng, self.foyer, self.outside_spot)
            for i in range(self.config.badges)
        ]

    def _make_badges(self) -> list[BadgeInfo]:
        cfg = self.config
        rng = self._rng("badges")
        width = max(3, len(str(cfg.badges)))
        out: list[BadgeInfo] = []
        for i in range(cfg.badges):
            octets = [rng.getrandbits(8) for _ in range(6)]
            octets[0] |= 0xC0  # static random address
            drift = rng.uniform(-1.0, 1.0) * cfg.clock_drift_ppm * 1e-6
            period = cfg.event_period * (1.0 + drift)
            out.append(
                BadgeInfo(
                    badge_id=f"badge-{i + 1:0{width}d}",
                    address=":".join(f"{o:02X}" for o in octets),
                    tx_1m_dbm=rng.uniform(*cfg.tx_1m_dbm),
                    first_burst=rng.uniform(0.0, period),
                    period=period,
                    battery_start=rng.uniform(*cfg.battery_start),
                )
            )
        return out

    # -- radio -------------------------------------------------------------------------
    def links(self, badge_index: int, x: float, y: float) -> list[Link]:
        """Gateways that may hear a badge at (x, y), with its static link budget.

        Each :data:`Link` is ``(gateway, mean dBm, exposure m, gateway room, bearing,
        body dB)``: the mean has every term but body, crowd and fading; ``exposure``
        feeds :func:`~iotedge.sim.radio.crowd_loss_db`; ``bearing`` and ``body dB``
        (the wearer's body loss times the over-the-shoulder factor) feed
        :func:`~iotedge.sim.radio.body_loss_facing` once the wearer's facing is known.
        Gateways whose mean is more than 5 fading std below their floor are left out.
        """
        cfg = self.config
        bz = cfg.badge_height
        tx = self.badges[badge_index].tx_1m_dbm
        body_max = self.people[badge_index].body_loss_db
        margin = _PRUNE_SIGMAS * cfg.fading_db
        wall = self.plan.wall_loss_db
        out: list[Link] = []
        for gi, g in enumerate(self.gateways):
            horizontal = math.hypot(g.x - x, g.y - y)
            distance = math.sqrt(horizontal * horizontal + (g.z - bz) ** 2)
            mean = (
                tx
                + g.offset_db
                - path_loss_db(distance, g.exponent)
                - cfg.wall_scale * wall(x, y, g.x, g.y)
                - self.shadow[gi].value(x, y)
            )
            if mean + margin < g.sensitivity_dbm:
                continue
            exposure = crowd_exposure(
                horizontal,
                bz,
                g.z,
                cfg.head_height,
                cfg.low_clutter_below_m,
                cfg.low_clutter_factor,
            )
            bearing, over_shoulder = body_geometry(x, y, bz, g.x, g.y, g.z)
            room = self._room_index[g.room]
            out.append((gi, mean, exposure, room, bearing, body_max * over_shoulder))
        return out

    def static_means(self, badge_index: int, x: float, y: float, facing: float) -> dict[int, float]:
        """Mean RSSI per gateway index at (x, y) facing ``facing``; no crowd, no fading."""
        return {
            link[0]: link[1] - body_loss_facing(link[5], facing, link[4])
            for link in self.links(badge_index, x, y)
        }


class _Run:
    """The mutable state of one pass over the event."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        cfg = sim.config
        self.cfg = cfg
        self.radio = sim._rng("radio")
        self.transport = sim._rng("transport")
        self.payload = sim._rng("payload")
        self.jitter = math.radians(cfg.facing_jitter_deg)
        fade = self.radio.gauss
        self.fading = [fade(0.0, cfg.fading_db) for _ in range(1 << _FADE_BITS)]
        lat = self.transport.gauss
        self.latency = [
            cfg.latency_s * math.exp(_LATENCY_SIGMA * lat(0.0, 1.0)) for _ in range(1 << _LAT_BITS)
        ]
        n_rooms = len(sim.room_names)
        self.area = [r.area for r in sim.plan.rooms]
        self.count = [0] * (n_rooms + 1)  # last slot: outside
        self.density = [0.0] * (n_rooms + 1)
        self.leg_ptr = [0] * cfg.badges
        self.clap_ptr = [0] * cfg.badges
        self.seq = [0] * cfg.badges
        gws = sim.gateways
        self.gw_loss = [g.loss_p for g in gws]
        self.gw_floor = [g.sensitivity_dbm for g in gws]
        self.gw_clock = [g.clock_offset_s for g in gws]
        self.gw_ids = [g.gw_id for g in gws]
        # Outage spans per gateway index (most have none: the check is then a falsy list).
        self.outages = [sim.outages[g.gw_id] for g in sim.gateways]
        self.buckets: dict[int, list[tuple[float, int, Report]]] = {}
        stats = RunStats(
            per_gateway_attempts=[0] * len(sim.gateways),
            per_gateway_lost=[0] * len(sim.gateways),
        )
        sim.stats = stats
        self.stats = stats
        self.emit = self._make_emitter()

    # -- the loop ----------------------------------------------------------------------
    def events(self) -> Iterator[Event]:
        sim, cfg = self.sim, self.cfg
        duration = cfg.duration
        badge_ids = [b.badge_id for b in sim.badges]
        n = len(badge_ids)
        room_idx = sim._room_index
        # Truth state: each badge's pointer into its room changes.
        changes = [p.room_changes for p in sim.people]
        ptr = [0] * n
        next_change = [ch[0][0] if ch else _NEVER for ch in changes]
        new_tuple = tuple.__new__
        rooms = [OUTSIDE] * n
        count = self.count
        count[room_idx[OUTSIDE]] = n
        # Burst schedule: second -> [(start time, badge)].
        starts: dict[int, list[tuple[float, int]]] = {}
        for i, info in enumerate(sim.badges):
            starts.setdefault(int(info.first_burst), []).append((info.first_burst, i))
        areas = self.area
        n_rooms = len(areas)
        for tick in range(duration):
            # 1. truth: rooms and occupancy at this second
            for b in range(n):
                if next_change[b] > tick:
                    continue  # most badges stay put: one comparison
                ch = changes[b]
                p = ptr[b]
                while p < len(ch) and ch[p][0] <= tick:
                    room = ch[p][1]
                    if room != rooms[b]:
                        count[room_idx[rooms[b]]] -= 1
                        count[room_idx[room]] += 1
                        rooms[b] = room
                    p += 1
                ptr[b] = p
                next_change[b] = ch[p][0] if p < len(ch) else _NEVER
            # Named tuples made with tuple.__new__: no Python-level __new__ frame per row.
            truth = [new_tuple(Truth, (tick, badge_ids[b], rooms[b])) for b in range(n)]
            for r in range(n_rooms):
                self.density[r] = count[r] / areas[r]
            # 2. bursts starting in [tick, tick + 1)
            todo = sorted(starts.pop(tick, ()))
            i = 0
            while i < len(todo):
                t0, b = todo[i]
                i += 1
                self._burst(b, t0)
                nxt = t0 + sim.badges[b].period
                if cfg.mode == CONTINUOUS:
                    nxt += self.payload.uniform(0.0, cfg.adv_delay_max)
                if nxt < duration:
                    if nxt < tick + 1:
                        todo.append((nxt, b))
                    else:
                        starts.setdefault(int(nxt), []).append((nxt, b))
            # 3. reports that arrived during the previous second, then this second's truth
            yield from self._flush(tick - 1)
            self.stats.truth_rows += len(truth)
            yield from truth
        for second in sorted(self.buckets):
            yield from self._flush(second)

    def _flush(self, second: int) -> Iterator[Report]:
        bucket = self.buckets.pop(second, None)
        if not bucket:
            return
        bucket.sort()
        self.stats.reports += len(bucket)
        for item in bucket:
            yield item[2]

    # -- one advertising event -----------------------------------------------------------
    def _burst(self, b: int, t0: float) -> None:
        sim, cfg = self.sim, self.cfg
        person = sim.people[b]
        badge = sim.badges[b]
        # Adverts of this event: one per adv_interval (+ advDelay) while the burst lasts.
        if cfg.mode == CONTINUOUS:
            times = [t0]
            t_mid = t0
        else:
            times = []
            t = t0
            rnd = self.payload.random
            while t - t0 < cfg.burst_length and t < cfg.duration:
                times.append(t)
                t += cfg.adv_interval + rnd() * cfg.adv_delay_max
            t_mid = t0 + cfg.burst_length / 2
        seq0 = self.seq[b]
        self.seq[b] = seq0 + len(times)
        leg = self._leg_at(b, t_mid)
        if leg is None or leg.kind == AWAY:
            return
        self.stats.adverts += len(times)
        x, y, facing, room = leg.where(t_mid)
        if leg.kind == STAY:
            links = leg.cache
            if links is None:
                links = leg.cache = sim.links(b, x, y)
        else:
            links = sim.links(b, x, y)
        if self.jitter > 0.0:
            facing += self.radio.gauss(0.0, self.jitter)  # people shift and turn
        # Crowd loss with the occupancy of this second, and the payload of this burst.
        broom = sim._room_index[room]
        dens = self.density
        cap = cfg.crowd_cap_db
        # crowd_loss_db() inlined: cap (1 - exp(-body_db width density exposure / cap)).
        per_body = cfg.crowd_body_db * cfg.crowd_body_width / cap if cap > 0.0 else 0.0
        exp = math.exp
        here = dens[broom]
        means: list[tuple[int, float]] = []
        for gi, mean, exposure, groom, bearing, body_db in links:
            d = here if groom == broom else 0.5 * (here + dens[groom])
            if d > 0.0 and per_body > 0.0:
                mean -= cap * (1.0 - exp(-per_body * d * exposure))
            if body_db > 0.0:
                # body_loss_facing() inlined (the hot path in continuous mode).
                off = abs((bearing - facing + _PI) % _TAU - _PI)
                if off > _HALF_PI:
                    behind = (off - _HALF_PI) / _QUARTER_PI
                    mean -= body_db * (behind if behind < 1.0 else 1.0)
            means.append((gi, mean))
        if not means:
            return
        claps = self._claps(b, t_mid)
        if room == OUTSIDE:
            temp = _OUTSIDE_TEMP_C
        else:
            temp = _ROOM_TEMP_C + _CROWD_HEAT_C * dens[broom]
        temperature = round(temp + person.body_heat_c + self.payload.gauss(0.0, 0.15), 2)
        self.emit(badge.badge_id, times, seq0, means, claps, temperature, badge.battery_start)

    def _make_emitter(
        self,
    ) -> Callable[[str, list[float], int, list[tuple[int, float]], int, float, float], None]:
        """The per-advert hot loop as a closure: its constants bound once per run.

        In continuous mode it runs once per advert, so the set-up of a method's locals
        would cost as much as the loop itself.
        """
        cfg = self.cfg
        loss, floor, clock, ids = self.gw_loss, self.gw_floor, self.gw_clock, self.gw_ids
        rand = self.radio.random
        bits = self.radio.getrandbits
        fading = self.fading
        t_rand = self.transport.random
        t_bits = self.transport.getrandbits
        latency = self.latency
        lo, hi = cfg.rssi_clamp
        batch, stall_p, max_delay, dup_p = (
            cfg.batch_interval_s,
            cfg.stall_p,
            cfg.max_delay_s,
            cfg.duplicate_p,
        )
        drain = cfg.battery_drain_per_advert
        buckets = self.buckets
        stats = self.stats
        outages = self.outages
        att_g = stats.per_gateway_attempts
        lost_g = stats.per_gateway_lost
        new_tuple = tuple.__new__
        counter = 0

        def emit(
            badge_id: str,
            times: list[float],
            seq0: int,
            means: list[tuple[int, float]],
            claps: int,
            temperature: float,
            battery0: float,
        ) -> None:
            """Loss, fading, floor, stamping, delay and duplicates for one burst."""
            nonlocal counter
            for k, t_adv in enumerate(times):
                seq = seq0 + k + 1
                battery = max(0, int(battery0 - seq * drain))
                for gi, mean in means:
                    spans = outages[gi]
                    if spans and any(a <= t_adv < b for a, b in spans):
                        continue  # the gateway is down: it hears nothing
                    att_g[gi] += 1
                    if rand() < loss[gi]:
                        lost_g[gi] += 1
                        continue
                    r = mean + fading[bits(_FADE_BITS)]
                    if r < floor[gi]:
                        stats.below_floor += 1
                        continue
                    rssi = round(r)
                    rssi = lo if rssi < lo else hi if rssi > hi else rssi
                    ts = round(t_adv + clock[gi], 3)
                    if ts < 0.0:
                        ts = 0.0
                    delay = t_rand() * batch + latency[t_bits(_LAT_BITS)]
                    if t_rand() < stall_p:
                        delay += t_rand() * max_delay
                    if delay > max_delay:
                        delay = max_delay
                    arrival = ts + delay
                    rep = new_tuple(
                        Report,
                        (
                            ts,
                            ids[gi],
                            badge_id,
                            rssi,
                            arrival,
                            seq,
                            claps,
                            temperature,
                            battery,
                            False,
                        ),
                    )
                    second = int(arrival)
                    bucket = buckets.get(second)
                    if bucket is None:
                        bucket = buckets[second] = []
                    bucket.append((arrival, counter, rep))
                    counter += 1
                    if t_rand() < dup_p:
                        again = min(ts + max_delay, arrival + t_rand())
                        buckets.setdefault(int(again), []).append(
                            (again, counter, rep._replace(arrival=again, duplicate=True))
                        )
                        counter += 1
                        stats.duplicates += 1

        return emit

    def _leg_at(self, b: int, t: float) -> Leg | None:
        legs = self.sim.people[b].legs
        p = self.leg_ptr[b]
        while p < len(legs) and legs[p].t1 <= t:
            p += 1
        self.leg_ptr[b] = p
        return legs[p] if p < len(legs) else None

    def _claps(self, b: int, t: float) -> int:
        claps = self.sim.people[b].claps
        p = self.clap_ptr[b]
        while p < len(claps) and claps[p][0] <= t:
            p += 1
        self.clap_ptr[b] = p
        return claps[p - 1][1] if p else 0


def _clamped_gauss(rng: random.Random, sigma: float) -> float:
    return max(-2.5 * sigma, min(2.5 * sigma, rng.gauss(0.0, sigma)))


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means of outage counts."""
    limit = math.exp(-mean)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
