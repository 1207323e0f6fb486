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

from .presence_math import log10, presence_error

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
        raise presence_error("bad-venue", what + " must be a number")
    return float(value)


class Venue:
    """Compiled venue. ``rooms[i]`` names room ``i``; state ``len(rooms)`` is none.

    Eight attributes at most: MicroPython keeps an instance's attributes in a hash
    table that grows from 8 slots to 17 (one 272-byte block on a 64-bit port) at the
    ninth, and the counts are properties."""

    def __init__(self, spec: dict) -> None:  # type: ignore[type-arg]
        if not isinstance(spec, dict):
            raise presence_error("bad-venue", "venue must be a JSON object")
        rooms = spec.get("rooms")
        if not isinstance(rooms, list) or not rooms:
            raise presence_error("bad-venue", "'rooms' must be a non-empty list of names")
        self.rooms: list[str] = []
        index: dict[str, int] = {}
        for name in rooms:
            if not isinstance(name, str) or not name:
                raise presence_error("bad-venue", "room names must be non-empty strings")
            if name == NONE:
                raise presence_error("bad-venue", "'none' is reserved for 'in no room'")
            if name in index:
                raise presence_error("bad-venue", "room listed twice: " + name)
            index[name] = len(self.rooms)
            self.rooms.append(name)
        n = len(self.rooms)

        adjacent = spec.get("adjacent")
        self.neighbours: list[list[int]] = [[] for _ in range(n)]
        if adjacent is not None:
            if not isinstance(adjacent, list):
                raise presence_error("bad-venue", "'adjacent' must be a list of [a, b] pairs")
            for pair in adjacent:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise presence_error("bad-venue", "each adjacency must be a pair [a, b]")
                a = _room(index, pair[0], "adjacent")
                b = _room(index, pair[1], "adjacent")
                if a == b:
                    raise presence_error("bad-venue", "a room cannot be adjacent to itself")
                if b not in self.neighbours[a]:
                    self.neighbours[a].append(b)
                    self.neighbours[b].append(a)
        self.hops = _hop_table(self.neighbours, adjacent is not None)

        gateways = spec.get("gateways")
        if not isinstance(gateways, dict) or not gateways:
            raise presence_error("bad-venue", "'gateways' must be a non-empty object")
        self.gateways: list[str] = []
        self.gateway_index: dict[str, int] = {}
        self.gateway_room: list[int] = []
        self.gateway_pos: list[tuple[float, float, float] | None] = []
        for gid in sorted(gateways):
            info = gateways[gid]
            if not isinstance(gid, str) or not gid:
                raise presence_error("bad-venue", "gateway ids must be non-empty strings")
            if not isinstance(info, dict):
                raise presence_error("bad-venue", "gateway " + gid + " must be an object")
            room = _room(index, info.get("room"), "gateway " + gid)
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
        centres, radii = _room_geometry(self)
        # near[g] = list of (room, u) pairs: the rooms at most NEAR_HOPS from g's room
        self.near: list[list[tuple[int, float]]] = []
        for g in range(len(self.gateways)):
            home = self.hops[self.gateway_room[g]]
            out = []
            for r in range(n):
                if home[r] <= NEAR_HOPS:
                    out.append((r, _feature(self, g, r, centres, radii)))
            self.near.append(out)

    @property
    def n_rooms(self) -> int:
        return len(self.rooms)

    @property
    def n_gateways(self) -> int:
        return len(self.gateways)

    def room_name(self, state: int) -> str:
        if state >= len(self.rooms):
            return NONE
        return self.rooms[state]


def _room(index: dict[str, int], name: object, where: str) -> int:
    if not isinstance(name, str) or name not in index:
        raise presence_error("bad-venue", where + " names unknown room " + repr(name))
    return index[name]


def _hop_table(neighbours: list[list[int]], has_adjacency: bool) -> list[list[int]]:
    n = len(neighbours)
    table = []
    for src in range(n):
        row = [_FAR_HOPS] * n
        row[src] = 0
        if not has_adjacency:
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
                    for q in neighbours[r]:
                        if row[q] == _FAR_HOPS:
                            row[q] = depth
                            nxt.append(q)
                frontier = nxt
        table.append(row)
    return table


def _room_geometry(
    v: Venue,
) -> tuple[list[tuple[float, float] | None], list[float]]:
    """(centre, radius) of every room, from its gateways' positions."""
    n = len(v.rooms)
    centres: list[tuple[float, float] | None] = []
    for r in range(n):
        xs = 0.0
        ys = 0.0
        k = 0
        for g in range(len(v.gateways)):
            pos = v.gateway_pos[g]
            if v.gateway_room[g] == r and pos is not None:
                xs += pos[0]
                ys += pos[1]
                k += 1
        centres.append((xs / k, ys / k) if k else None)
    # A room without a gateway (a corridor, say) is placed at the mean of its
    # neighbours' centres: a better guess than "one wall from everything".
    guessed: list[tuple[float, float] | None] = list(centres)
    for r in range(n):
        if centres[r] is None:
            xs = 0.0
            ys = 0.0
            k = 0
            for q in v.neighbours[r]:
                c = centres[q]
                if c is not None:
                    xs += c[0]
                    ys += c[1]
                    k += 1
            if k >= 2:
                guessed[r] = (xs / k, ys / k)
    centres = guessed
    radii = []
    for r in range(n):
        c = centres[r]
        best = 1e9
        if c is not None:
            for q in range(n):
                o = centres[q]
                if q != r and o is not None:
                    d = ((c[0] - o[0]) ** 2 + (c[1] - o[1]) ** 2) ** 0.5
                    if d < best:
                        best = d
        radius = 0.5 * best if best < 1e9 else 6.0
        radii.append(min(max(radius, 2.0), 15.0))
    return centres, radii


def _feature(
    v: Venue,
    g: int,
    r: int,
    centres: list[tuple[float, float] | None],
    radii: list[float],
) -> float:
    """Path-loss feature u of gateway g for a badge in room r."""
    hops = v.hops[v.gateway_room[g]][r]
    pos = v.gateway_pos[g]
    centre = centres[r]
    if pos is None or centre is None:
        return U_IN + U_HOP * hops
    dz = pos[2] - BADGE_HEIGHT
    d2 = (pos[0] - centre[0]) ** 2 + (pos[1] - centre[1]) ** 2 + dz * dz
    radius = radii[r]
    d = (d2 + 0.5 * radius * radius) ** 0.5
    return 10.0 * log10(d) + WALL_EQ * hops
