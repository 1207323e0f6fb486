"""The venue as the presence estimator sees it: rooms, adjacency, gateways.

Built from the plain dict of the venue JSON (``{"rooms": [...], "adjacent":
[[a, b], ...], "gateways": {"gw-id": {"room": ..., "x": .., "y": .., "z": ..}}}``)
and compiled into index tables so the per-burst work is list lookups.

For every gateway it precomputes its *near set*: the rooms at most ``NEAR_HOPS``
walls away, each with a path-loss feature ``u`` (dB-per-exponent units, so the
expected RSSI is ``a_g - b_g * u``):

- gateway and room positions known: ``u = 10 log10(d) + WALL_EQ * hops``, with
  ``d`` the distance in metres from the gateway to the room's centre (mean of its
  gateways' positions at badge height) widened by the room's radius, so a badge
  in the gateway's own room is a few metres away, not zero;
- otherwise ``u = U_IN + U_HOP * hops`` (a typical in-room distance and one
  doubling of it plus a wall per hop).

Rooms outside a gateway's near set are "far" from it: it hears a badge there only
by accident, exactly as when the badge is out of the venue.
"""

from .errors import PresenceError
from .presence_math import log10

NONE = "none"
NEAR_HOPS = 2
_FAR_HOPS = 99
BADGE_HEIGHT = 1.2
# A wall, expressed in path-loss units: 8 dB at exponent 2.2.
WALL_EQ = 3.6
# Without positions: a badge ~6 m from a gateway in its room, each hop doubles it and adds a wall.
U_IN = 7.78
U_HOP = 3.01 + WALL_EQ


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PresenceError("bad-venue", what + " must be a number")
    return float(value)


class Venue:
    """Compiled venue. ``rooms[i]`` names room ``i``; state ``len(rooms)`` is none."""

    def __init__(self, spec: dict) -> None:  # type: ignore[type-arg]
        if not isinstance(spec, dict):
            raise PresenceError("bad-venue", "venue must be a JSON object")
        rooms = spec.get("rooms")
        if not isinstance(rooms, list) or not rooms:
            raise PresenceError("bad-venue", "'rooms' must be a non-empty list of names")
        self.rooms: list[str] = []
        self.room_index: dict[str, int] = {}
        for name in rooms:
            if not isinstance(name, str) or not name:
                raise PresenceError("bad-venue", "room names must be non-empty strings")
            if name == NONE:
                raise PresenceError("bad-venue", "'none' is reserved for 'in no room'")
            if name in self.room_index:
                raise PresenceError("bad-venue", "room listed twice: " + name)
            self.room_index[name] = len(self.rooms)
            self.rooms.append(name)
        n = len(self.rooms)
        self.n_rooms = n
        self.none_state = n

        adjacent = spec.get("adjacent")
        self.has_adjacency = adjacent is not None
        self.neighbours: list[list[int]] = [[] for _ in range(n)]
        if adjacent is not None:
            if not isinstance(adjacent, list):
                raise PresenceError("bad-venue", "'adjacent' must be a list of [a, b] pairs")
            for pair in adjacent:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise PresenceError("bad-venue", "each adjacency must be a pair [a, b]")
                a = self._room(pair[0], "adjacent")
                b = self._room(pair[1], "adjacent")
                if a == b:
                    raise PresenceError("bad-venue", "a room cannot be adjacent to itself")
                if b not in self.neighbours[a]:
                    self.neighbours[a].append(b)
                    self.neighbours[b].append(a)
        self.hops = self._hop_table()

        gateways = spec.get("gateways")
        if not isinstance(gateways, dict) or not gateways:
            raise PresenceError("bad-venue", "'gateways' must be a non-empty object")
        self.gateways: list[str] = []
        self.gateway_index: dict[str, int] = {}
        self.gateway_room: list[int] = []
        self.gateway_pos: list[tuple[float, float, float] | None] = []
        for gid in sorted(gateways):
            info = gateways[gid]
            if not isinstance(gid, str) or not gid:
                raise PresenceError("bad-venue", "gateway ids must be non-empty strings")
            if not isinstance(info, dict):
                raise PresenceError("bad-venue", "gateway " + gid + " must be an object")
            room = self._room(info.get("room"), "gateway " + gid)
            pos = None
            if "x" in info or "y" in info:
                x = _number(info.get("x"), "gateway " + gid + " x")
                y = _number(info.get("y"), "gateway " + gid + " y")
                z = _number(info.get("z", 2.5), "gateway " + gid + " z")
                pos = (x, y, z)
            self.gateway_index[gid] = len(self.gateways)
            self.gateways.append(gid)
            self.gateway_room.append(room)
            self.gateway_pos.append(pos)
        self.n_gateways = len(self.gateways)
        self.room_gateways: list[list[int]] = [[] for _ in range(n)]
        for g in range(self.n_gateways):
            self.room_gateways[self.gateway_room[g]].append(g)
        self._centres, self._radii = self._room_geometry()
        # near[g] = list of (room, u) pairs; near_rooms[g] = just the rooms
        self.near: list[list[tuple[int, float]]] = []
        for g in range(self.n_gateways):
            self.near.append(self._near_set(g))

    def _room(self, name: object, where: str) -> int:
        if not isinstance(name, str) or name not in self.room_index:
            raise PresenceError("bad-venue", where + " names unknown room " + repr(name))
        return self.room_index[name]

    def _hop_table(self) -> list[list[int]]:
        n = self.n_rooms
        table = []
        for src in range(n):
            row = [_FAR_HOPS] * n
            row[src] = 0
            if not self.has_adjacency:
                for r in range(n):
                    if r != src:
                        row[r] = 1
            else:
                frontier = [src]
                depth = 0
                while frontier and depth < NEAR_HOPS:
                    depth += 1
                    nxt = []
                    for r in frontier:
                        for q in self.neighbours[r]:
                            if row[q] == _FAR_HOPS:
                                row[q] = depth
                                nxt.append(q)
                    frontier = nxt
            table.append(row)
        return table

    def _room_geometry(
        self,
    ) -> tuple[list[tuple[float, float] | None], list[float]]:
        centres: list[tuple[float, float] | None] = []
        for r in range(self.n_rooms):
            xs = 0.0
            ys = 0.0
            k = 0
            for g in self.room_gateways[r]:
                pos = self.gateway_pos[g]
                if pos is not None:
                    xs += pos[0]
                    ys += pos[1]
                    k += 1
            centres.append((xs / k, ys / k) if k else None)
        # A room without a gateway (a corridor, say) is placed at the mean of its
        # neighbours' centres: a better guess than "one wall from everything".
        guessed: list[tuple[float, float] | None] = list(centres)
        for r in range(self.n_rooms):
            if centres[r] is None:
                xs = 0.0
                ys = 0.0
                k = 0
                for q in self.neighbours[r]:
                    c = centres[q]
                    if c is not None:
                        xs += c[0]
                        ys += c[1]
                        k += 1
                if k >= 2:
                    guessed[r] = (xs / k, ys / k)
        centres = guessed
        radii = []
        for r in range(self.n_rooms):
            c = centres[r]
            best = 1e9
            if c is not None:
                for q in range(self.n_rooms):
                    o = centres[q]
                    if q != r and o is not None:
                        d = ((c[0] - o[0]) ** 2 + (c[1] - o[1]) ** 2) ** 0.5
                        if d < best:
                            best = d
            radius = 0.5 * best if best < 1e9 else 6.0
            radii.append(min(max(radius, 2.0), 15.0))
        return centres, radii

    def feature(self, g: int, r: int) -> float:
        """Path-loss feature u of gateway g for a badge in room r."""
        hops = self.hops[self.gateway_room[g]][r]
        pos = self.gateway_pos[g]
        centre = self._centres[r]
        if pos is None or centre is None:
            return U_IN + U_HOP * hops
        dz = pos[2] - BADGE_HEIGHT
        d2 = (pos[0] - centre[0]) ** 2 + (pos[1] - centre[1]) ** 2 + dz * dz
        radius = self._radii[r]
        d = (d2 + 0.5 * radius * radius) ** 0.5
        return 10.0 * log10(d) + WALL_EQ * hops

    def _near_set(self, g: int) -> list[tuple[int, float]]:
        home = self.gateway_room[g]
        out = []
        for r in range(self.n_rooms):
            if self.hops[home][r] <= NEAR_HOPS:
                out.append((r, self.feature(g, r)))
        return out

    def room_name(self, state: int) -> str:
        if state >= self.n_rooms:
            return NONE
        return self.rooms[state]
