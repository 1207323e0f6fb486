"""People who follow the programme: an itinerary of stays, walks and absences.

Each person's day is planned up front as a list of *intents* ("at 01:17 go and sit
in room-c", "at 01:00 mingle in the foyer", "at 02:03 leave the venue"), which are
then played out into *legs* that cover the whole event without gaps:

- a stay: standing or seated at one spot, facing one way;
- a walk: a polyline through door midpoints at the person's walking speed, each
  stretch inside one room (so the room changes only at doors, between adjacent
  rooms, or at the entrance between the foyer and ``none``);
- away: out of the venue (no radio, truth room ``none``).

Mingling in the foyer is a chain of short stays at random spots joined by short
walks, with a new random facing at each spot.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

from iotedge.sim.config import SimConfig
from iotedge.sim.geometry import OUTSIDE, FloorPlan, Room
from iotedge.sim.programme import ARRIVAL, BREAK, DEPARTURE, LUNCH, SEATED, Slot

STAY = 0
WALK = 1
AWAY = 2

_SEAT_MARGIN = 1.0  # seats keep this far from the walls ...
_STAGE_DEPTH = 4.0  # ... and this far from the stage wall
_MINGLE_MARGIN = 0.7


class Leg:
    """One piece of an itinerary over ``[t0, t1)``.

    Walks keep ``path``: ``(t, x, y, room)`` points, the room being that of the
    stretch ending at the point. ``cache`` holds the stay's link budget once computed.
    """

    __slots__ = ("cache", "facing", "kind", "path", "room", "t0", "t1", "x", "y")

    def __init__(
        self,
        kind: int,
        t0: float,
        t1: float,
        room: str,
        x: float = 0.0,
        y: float = 0.0,
        facing: float = 0.0,
        path: list[tuple[float, float, float, str]] | None = None,
    ) -> None:
        self.kind = kind
        self.t0 = t0
        self.t1 = t1
        self.room = room
        self.x = x
        self.y = y
        self.facing = facing
        self.path = path or []
        self.cache: list[tuple[int, float, float, int, float, float]] | None = None

    def where(self, t: float) -> tuple[float, float, float, str]:
        """``(x, y, facing, room)`` at time t (walks: along the stretch being walked)."""
        if self.kind != WALK:
            return self.x, self.y, self.facing, self.room
        path = self.path
        for i in range(1, len(path)):
            t_b, xb, yb, room = path[i]
            if t < t_b or i == len(path) - 1:
                t_a, xa, ya, _ = path[i - 1]
                span = t_b - t_a
                f = 0.0 if span <= 0 else min(1.0, max(0.0, (t - t_a) / span))
                facing = math.atan2(yb - ya, xb - xa)
                return xa + f * (xb - xa), ya + f * (yb - ya), facing, room
        return self.x, self.y, self.facing, self.room


@dataclass
class Person:
    """A badge wearer: their itinerary and the per-person draws that shape their radio."""

    index: int
    speed: float
    body_loss_db: float
    body_heat_c: float
    legs: list[Leg]
    room_changes: list[tuple[float, str]]  # (time, room) each time the truth room changes
    claps: list[tuple[float, int]]  # (time, running clap count) after each applause


@dataclass
class _Intent:
    t: float
    action: str  # "seat", "mingle", "leave"
    room: str
    soft: bool = False  # a later plan may replace it (e.g. "back to the foyer")


class Planner:
    """Plays a list of intents into legs for one person."""

    def __init__(
        self,
        plan: FloorPlan,
        outside_spot: tuple[float, float],
        rng: random.Random,
        speed: float,
        end: float,
    ) -> None:
        self.plan = plan
        self.rng = rng
        self.speed = speed
        self.end = end
        self.outside = outside_spot
        self.legs: list[Leg] = []
        self.now = 0.0
        self.room = OUTSIDE
        self.x, self.y = outside_spot
        self.hold = "away"  # what the person does until the next intent: away/seat/mingle
        self.facing = 0.0

    def play(self, intents: list[_Intent]) -> list[Leg]:
        for intent in intents:
            if self.now >= self.end:
                break
            self._hold_until(intent.t)
            if self.now >= self.end:
                break
            if intent.action == "leave":
                if self.room != OUTSIDE:
                    self._walk_to(OUTSIDE, *self.outside)
                self.hold = "away"
            else:
                room = self.plan.by_name[intent.room]
                if intent.action == "seat":
                    x, y = seat_spot(room, self.rng)
                    self.facing = room.facing_stage() + self.rng.gauss(0.0, 0.35)
                else:
                    x, y = mingle_spot(room, self.rng)
                    self.facing = self.rng.uniform(-math.pi, math.pi)
                self._walk_to(room.name, x, y)
                self.hold = intent.action
        self._hold_until(self.end)
        return self.legs

    def _hold_until(self, t: float) -> None:
        t = min(t, self.end)
        if t <= self.now:
            return
        if self.hold == "away":
            self.legs.append(Leg(AWAY, self.now, t, OUTSIDE))
            self.now = t
        elif self.hold == "seat":
            self.legs.append(Leg(STAY, self.now, t, self.room, self.x, self.y, self.facing))
            self.now = t
        else:
            room = self.plan.by_name[self.room]
            while self.now < t:
                dwell = self.rng.uniform(60.0, 300.0)
                stop = min(t, self.now + dwell)
                self.legs.append(Leg(STAY, self.now, stop, self.room, self.x, self.y, self.facing))
                self.now = stop
                if t - self.now > 30.0:
                    x, y = mingle_spot(room, self.rng)
                    self._walk_to(self.room, x, y)
                    self.facing = self.rng.uniform(-math.pi, math.pi)

    def _walk_to(self, goal: str, gx: float, gy: float) -> None:
        points = self.plan.waypoints(self.room, self.x, self.y, goal, gx, gy)
        t = self.now
        path: list[tuple[float, float, float, str]] = [(t, points[0][0], points[0][1], self.room)]
        for (xa, ya, _), (xb, yb, room) in itertools.pairwise(points):
            t += math.hypot(xb - xa, yb - ya) / self.speed
            path.append((t, xb, yb, room))
        if t > self.now:
            self.legs.append(Leg(WALK, self.now, t, goal, gx, gy, 0.0, path))
        self.now = t
        self.room = goal
        self.x, self.y = gx, gy


def seat_spot(room: Room, rng: random.Random) -> tuple[float, float]:
    """A random seat: inside the room, off the walls, not on the stage."""
    x0, y0 = room.x0 + _SEAT_MARGIN, room.y0 + _SEAT_MARGIN
    x1, y1 = room.x1 - _SEAT_MARGIN, room.y1 - _SEAT_MARGIN
    if room.stage == "n":
        y1 -= _STAGE_DEPTH
    elif room.stage == "s":
        y0 += _STAGE_DEPTH
    elif room.stage == "e":
        x1 -= _STAGE_DEPTH
    elif room.stage == "w":
        x0 += _STAGE_DEPTH
    return rng.uniform(x0, x1), rng.uniform(y0, y1)


def mingle_spot(room: Room, rng: random.Random) -> tuple[float, float]:
    return (
        rng.uniform(room.x0 + _MINGLE_MARGIN, room.x1 - _MINGLE_MARGIN),
        rng.uniform(room.y0 + _MINGLE_MARGIN, room.y1 - _MINGLE_MARGIN),
    )


def plan_intents(
    cfg: SimConfig,
    slots: list[Slot],
    rng: random.Random,
    foyer: str,
) -> list[_Intent]:
    """What one person means to do and when, following the programme."""
    intents: list[_Intent] = []
    if rng.random() < cfg.p_no_show or not slots:
        return intents
    scale = cfg.schedule_scale
    first_seated = next((s for s in slots if s.kind in SEATED), slots[0])
    if rng.random() < cfg.p_late:
        arrive = rng.uniform(first_seated.start, first_seated.start + 0.5 * cfg.duration)
    else:
        arrive = rng.uniform(0.0, max(first_seated.start, 1.0))

    def add(t: float, action: str, room: str, soft: bool = False) -> None:
        if intents and t <= intents[-1].t:
            if intents[-1].soft:
                # A "back to the foyer" that spills into the next plan is replaced by it.
                last = intents.pop()
                t = last.t
            else:
                t = intents[-1].t + 30.0 * scale
        intents.append(_Intent(t, action, room, soft))

    def seated_room(slot: Slot) -> str:
        rooms = [r for r, _ in slot.audience]
        weights = [w for _, w in slot.audience]
        return rng.choices(rooms, weights)[0]

    # Every seated slot is decided up front (None: skipped), so a break can look ahead.
    choice: dict[int, str | None] = {
        i: None if rng.random() < cfg.p_skip_talk else seated_room(slot)
        for i, slot in enumerate(slots)
        if slot.kind in SEATED
    }
    keep_seat = False
    for i, slot in enumerate(slots):
        if slot.end <= arrive:
            continue
        start = max(slot.start, arrive)
        length = slot.end - slot.start
        arriving_now = slot.start < arrive
        if slot.kind in SEATED:
            room = choice[i]
            if room is None:
                add(start + rng.uniform(-120, 120) * scale, "mingle", foyer)
                keep_seat = False
                continue
            if not keep_seat:
                lead = 0.0 if arriving_now else rng.uniform(-300, 60) * scale
                add(start + lead, "seat", room)
            keep_seat = False
            if length > 900 * scale and rng.random() < cfg.p_mid_talk_exit:
                out = rng.uniform(slot.start + 0.2 * length, slot.end - 0.4 * length)
                add(max(out, start), "mingle", foyer)
                add(out + rng.uniform(120, 420) * scale, "seat", room)
        elif slot.kind in (BREAK, ARRIVAL):
            same_room_next = choice.get(i - 1) is not None and choice.get(i - 1) == choice.get(
                i + 1
            )
            if (
                slot.kind == BREAK
                and same_room_next
                and not arriving_now
                and rng.random() < cfg.p_stay_seated
            ):
                keep_seat = True  # the next talk is in this room: stay in the seat
                continue
            add(start + (0.0 if arriving_now else rng.uniform(0, 180) * scale), "mingle", foyer)
            if slot.kind == BREAK and rng.random() < cfg.p_leave_for_good:
                add(rng.uniform(start, slot.end), "leave", "")
                return intents
            if slot.kind == BREAK and rng.random() < cfg.p_step_out:
                out = start + rng.uniform(60, 300) * scale
                add(out, "leave", "")
                add(out + rng.uniform(300, 900) * scale, "mingle", foyer, soft=True)
        elif slot.kind == LUNCH:
            if rng.random() < cfg.p_lunch_out:
                add(start + rng.uniform(0, 300) * scale, "leave", "")
                add(slot.end + rng.uniform(-600, 300) * scale, "mingle", foyer, soft=True)
            else:
                add(start + rng.uniform(0, 180) * scale, "mingle", foyer)
        elif slot.kind == DEPARTURE:
            if rng.random() < 0.85:
                add(rng.uniform(start, slot.end), "leave", "")
                return intents
            add(start + rng.uniform(0, 180) * scale, "mingle", foyer)
    return intents


def room_changes(legs: list[Leg]) -> list[tuple[float, str]]:
    """Times at which the person's room changes, starting with their room at t=0."""
    changes: list[tuple[float, str]] = []

    def note(t: float, room: str) -> None:
        if not changes or changes[-1][1] != room:
            changes.append((t, room))

    for leg in legs:
        if leg.kind == WALK:
            path = leg.path
            note(leg.t0, path[1][3] if len(path) > 1 else leg.room)
            for i in range(1, len(path) - 1):
                note(path[i][0], path[i + 1][3])
        else:
            note(leg.t0, leg.room)
    return changes


def applause(
    legs: list[Leg], slots: list[Slot], rng: random.Random, stage_rooms: set[str]
) -> list[tuple[float, int]]:
    """Clap counts: whoever is seated in a talk room when a talk ends claps 5-40 times."""
    total = 0
    claps: list[tuple[float, int]] = []
    i = 0
    for slot in slots:
        if slot.kind not in SEATED:
            continue
        t = slot.end - 1.0
        while i < len(legs) and legs[i].t1 <= t:
            i += 1
        if i < len(legs) and legs[i].kind == STAY and legs[i].room in stage_rooms:
            total += rng.randint(5, 40)
            claps.append((t, total))
    return claps


def make_person(
    index: int,
    cfg: SimConfig,
    plan: FloorPlan,
    slots: list[Slot],
    rng: random.Random,
    foyer: str,
    outside_spot: tuple[float, float],
) -> Person:
    speed = rng.uniform(*cfg.walk_speed)
    body = rng.uniform(*cfg.body_loss_db)
    heat = rng.uniform(*cfg.body_heat_c)
    intents = plan_intents(cfg, slots, rng, foyer)
    legs = Planner(plan, outside_spot, rng, speed, float(cfg.duration)).play(intents)
    stage_rooms = {r.name for r in plan.rooms if r.stage}
    return Person(
        index=index,
        speed=speed,
        body_loss_db=body,
        body_heat_c=heat,
        legs=legs,
        room_changes=room_changes(legs),
        claps=applause(legs, slots, rng, stage_rooms),
    )
