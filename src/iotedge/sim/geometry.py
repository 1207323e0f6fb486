"""Floor plan: rectangular rooms, doors, the walls between them, and walking routes.

Rooms are axis-aligned rectangles on one floor. Walls are derived, not drawn: every
room edge is split where other rooms' corners fall on it, each piece is one wall
between the two rooms on its sides (or between a room and the outside), and door
openings are cut out of it. A radio path loses each crossed wall's loss; a walker
only crosses walls through doors, so the rooms it passes are always adjacent.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from iotedge.core.errors import SimulationError

OUTSIDE = "none"  # the reserved room name for "not in the venue"
_EPS = 1e-6


@dataclass(frozen=True)
class Room:
    """An axis-aligned rectangle ``[x0, x1) x [y0, y1)``.

    ``stage`` is the side the audience faces (``"n"``, ``"s"``, ``"e"``, ``"w"``) for
    rooms with talks, or ``""`` for rooms where people stand and mingle.
    ``transit``: people only walk through it (a corridor); the venue file says so.
    """

    name: str
    x0: float
    y0: float
    x1: float
    y1: float
    stage: str = ""
    transit: bool = False

    @property
    def area(self) -> float:
        return (self.x1 - self.x0) * (self.y1 - self.y0)

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x < self.x1 and self.y0 <= y < self.y1

    def facing_stage(self) -> float:
        """Direction (radians, 0 = +x, counter-clockwise) of a seated listener's gaze."""
        return {"e": 0.0, "n": math.pi / 2, "w": math.pi, "s": -math.pi / 2}.get(self.stage, 0.0)


@dataclass(frozen=True)
class Door:
    """An opening of ``width`` metres centred at (x, y) in the wall between ``a`` and ``b``.

    ``b`` may be :data:`OUTSIDE` for the venue's entrance.
    """

    a: str
    b: str
    x: float
    y: float
    width: float = 1.8


@dataclass(frozen=True)
class Wall:
    """A straight wall piece: horizontal (``vertical=False``: y = c, lo <= x <= hi) or vertical."""

    vertical: bool
    c: float
    lo: float
    hi: float
    loss_db: float
    sides: tuple[str, str]


class FloorPlan:
    """Rooms, doors and the walls derived from them, with wall-crossing and routing."""

    def __init__(
        self,
        rooms: Sequence[Room],
        doors: Sequence[Door],
        wall_loss: Callable[[str, str], float],
    ) -> None:
        names = [r.name for r in rooms]
        if len(set(names)) != len(names) or OUTSIDE in names:
            raise SimulationError("bad-venue", "room names must be unique and not 'none'")
        self.rooms: list[Room] = list(rooms)
        self.by_name: dict[str, Room] = {r.name: r for r in rooms}
        for d in doors:
            if d.a not in self.by_name or (d.b != OUTSIDE and d.b not in self.by_name):
                raise SimulationError("bad-venue", f"door between unknown rooms {d.a}/{d.b}")
        self.doors: list[Door] = list(doors)
        self.walls: list[Wall] = self._derive_walls(wall_loss)
        # Split by orientation and sorted by position: a segment can only cross the
        # walls whose line lies between its ends, found by bisection.
        self._h = sorted((w.c, w.lo, w.hi, w.loss_db) for w in self.walls if not w.vertical)
        self._v = sorted((w.c, w.lo, w.hi, w.loss_db) for w in self.walls if w.vertical)
        self._hc = [w[0] for w in self._h]
        self._vc = [w[0] for w in self._v]

    # -- lookups ---------------------------------------------------------------
    def room_at(self, x: float, y: float) -> str:
        """The room containing (x, y), or :data:`OUTSIDE`."""
        for r in self.rooms:
            if r.contains(x, y):
                return r.name
        return OUTSIDE

    def adjacent_pairs(self) -> list[tuple[str, str]]:
        """Pairs of rooms joined by a door, in door order, each pair once."""
        pairs: list[tuple[str, str]] = []
        for d in self.doors:
            if d.b == OUTSIDE:
                continue
            pair = (d.a, d.b)
            if pair not in pairs and (d.b, d.a) not in pairs:
                pairs.append(pair)
        return pairs

    def bounds(self) -> tuple[float, float, float, float]:
        return (
            min(r.x0 for r in self.rooms),
            min(r.y0 for r in self.rooms),
            max(r.x1 for r in self.rooms),
            max(r.y1 for r in self.rooms),
        )

    # -- radio -------------------------------------------------------------------
    def walls_between(self, ax: float, ay: float, bx: float, by: float) -> list[Wall]:
        """The walls the straight segment from a to b crosses (endpoints on a wall do not count)."""
        return [w for w in self.walls if _crosses(w, ax, ay, bx, by)]

    def wall_loss_db(self, ax: float, ay: float, bx: float, by: float) -> float:
        """Total loss of the walls crossed by the segment a-b (the hot path of link set-up)."""
        loss = 0.0
        if ay != by:
            lo_y, hi_y = (ay, by) if ay < by else (by, ay)
            slope = (bx - ax) / (by - ay)
            walls = self._h
            # Walls strictly between the two ends (a wall through an end is not crossed).
            for k in range(bisect_right(self._hc, lo_y), bisect_left(self._hc, hi_y)):
                c, lo, hi, db = walls[k]
                x = ax + (c - ay) * slope
                if lo <= x <= hi:
                    loss += db
        if ax != bx:
            lo_x, hi_x = (ax, bx) if ax < bx else (bx, ax)
            slope = (by - ay) / (bx - ax)
            walls = self._v
            for k in range(bisect_right(self._vc, lo_x), bisect_left(self._vc, hi_x)):
                c, lo, hi, db = walls[k]
                y = ay + (c - ax) * slope
                if lo <= y <= hi:
                    loss += db
        return loss

    # -- walking -------------------------------------------------------------------
    def route(self, start: str, goal: str) -> list[str]:
        """Rooms from ``start`` to ``goal`` through doors (fewest doors, door order breaks ties).

        ``OUTSIDE`` is a node too, reached through the entrance doors.
        """
        if start == goal:
            return [start]
        prev: dict[str, str] = {start: start}
        frontier = [start]
        while frontier and goal not in prev:
            nxt: list[str] = []
            for room in frontier:
                for d in self.doors:
                    other = d.b if d.a == room else d.a if d.b == room else None
                    if other is not None and other not in prev:
                        prev[other] = room
                        nxt.append(other)
            frontier = nxt
        if goal not in prev:
            raise SimulationError("bad-venue", f"no walking route from {start} to {goal}")
        path = [goal]
        while path[-1] != start:
            path.append(prev[path[-1]])
        return path[::-1]

    def doors_between(self, a: str, b: str) -> list[Door]:
        return [d for d in self.doors if (d.a, d.b) in ((a, b), (b, a))]

    def waypoints(
        self, start: str, sx: float, sy: float, goal: str, gx: float, gy: float
    ) -> list[tuple[float, float, str]]:
        """Points a walker passes from (sx, sy) in ``start`` to (gx, gy) in ``goal``.

        Each entry is ``(x, y, room)``: the point and the room of the straight stretch
        that *ends* at it. The first entry is the start point (room ``start``). Between
        two rooms the walker takes the door closest to the straight line onwards.
        """
        rooms = self.route(start, goal)
        points: list[tuple[float, float, str]] = [(sx, sy, start)]
        x, y = sx, sy
        for here, there in itertools.pairwise(rooms):
            door = min(
                self.doors_between(here, there),
                key=lambda d: math.hypot(d.x - x, d.y - y) + math.hypot(gx - d.x, gy - d.y),
            )
            points.append((door.x, door.y, here))
            x, y = door.x, door.y
        points.append((gx, gy, goal))
        return points

    # -- construction ---------------------------------------------------------------
    def _derive_walls(self, wall_loss: Callable[[str, str], float]) -> list[Wall]:
        walls: list[Wall] = []
        done: set[tuple[bool, float, float, float]] = set()
        for room in self.rooms:
            edges = (
                (False, room.y0, room.x0, room.x1),
                (False, room.y1, room.x0, room.x1),
                (True, room.x0, room.y0, room.y1),
                (True, room.x1, room.y0, room.y1),
            )
            for vertical, c, lo, hi in edges:
                # Split the edge where another room's corner falls on it: each piece
                # then has exactly one room (or the outside) on either side.
                cuts = {lo, hi}
                for other in self.rooms:
                    for p in (other.y0, other.y1) if vertical else (other.x0, other.x1):
                        if lo < p < hi:
                            cuts.add(p)
                ordered = sorted(cuts)
                for a, b in itertools.pairwise(ordered):
                    if (vertical, c, a, b) in done:
                        continue  # the same piece seen from the room on its other side
                    done.add((vertical, c, a, b))
                    mid = (a + b) / 2
                    if vertical:
                        sides = (self.room_at(c - _EPS, mid), self.room_at(c + _EPS, mid))
                    else:
                        sides = (self.room_at(mid, c - _EPS), self.room_at(mid, c + _EPS))
                    loss = wall_loss(*sides)
                    for piece_lo, piece_hi in self._cut_doors(vertical, c, a, b, sides):
                        walls.append(Wall(vertical, c, piece_lo, piece_hi, loss, sides))
        return walls

    def _cut_doors(
        self, vertical: bool, c: float, lo: float, hi: float, sides: tuple[str, str]
    ) -> list[tuple[float, float]]:
        pieces = [(lo, hi)]
        for d in self.doors:
            if {d.a, d.b} != set(sides):
                continue
            on_line = abs((d.x if vertical else d.y) - c) < _EPS
            along = d.y if vertical else d.x
            if not on_line or not lo <= along <= hi:
                continue
            half = d.width / 2
            cut: list[tuple[float, float]] = []
            for a, b in pieces:
                if along - half > a:
                    cut.append((a, min(b, along - half)))
                if along + half < b:
                    cut.append((max(a, along + half), b))
            pieces = cut
        return pieces


def _crosses(w: Wall, ax: float, ay: float, bx: float, by: float) -> bool:
    """Plain per-wall test (the reference for :meth:`FloorPlan.wall_loss_db`)."""
    if w.vertical:
        if not (ax < w.c < bx or bx < w.c < ax):
            return False
        y = ay + (w.c - ax) * ((by - ay) / (bx - ax))
        return w.lo <= y <= w.hi
    if not (ay < w.c < by or by < w.c < ay):
        return False
    x = ax + (w.c - ay) * ((bx - ax) / (by - ay))
    return w.lo <= x <= w.hi
