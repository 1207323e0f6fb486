"""The venue as the presence estimator sees it: rooms, adjacency, gateways.

Built from the plain dict of the venue JSON (``{"rooms": [...], "adjacent":
[[a, b], ...], "transit": [...], "gateways": {"gw-id": {"room": ..., "x": ..,
"y": .., "z": ..}}}``, adjacency and transit optional) and compiled into index
tables so the per-burst work is list lookups. ``transit`` names the rooms people
walk through rather than stay in (corridors, stairs): the HMM lets a badge stay
in them only briefly.

For every gateway it precomputes its *near set*: the rooms at most ``NEAR_HOPS``
walls away, each with a path-loss feature ``u`` (dB-per-exponent units, so the
expected RSSI is ``a_g - b_g * u``):

- gateway and room positions known: ``u = 10 log10(d) + WALL_EQ * hops``, with
  ``d`` the distance in metres from the gateway to the room's centre (mean of its
  gateways' positions at badge height) widened by the room's radius, so a badge
  in the gateway's own room is a few metres away, not zero;
- otherwise ``u = U_IN + U_HOP * hops`` with ``U_IN = 7.78`` (10 log10 of a
  typical 6 m in-room distance) and ``U_HOP = 3.01 + WALL_EQ`` (one doubling of
  it plus a wall per hop).

Rooms outside a gateway's near set are "far" from it: it hears a badge there only
by accident, exactly as when the badge is out of the venue.
"""

from .presence_math import presence_error

NONE = "none"
NEAR_HOPS = 2
# A wall, expressed in path-loss units: 8 dB at exponent 2.2.
WALL_EQ = 3.6


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise presence_error("bad-venue", what + " must be a number")
    return float(value)


class Venue:
    """Compiled venue. ``rooms[i]`` names room ``i``; state ``len(rooms)`` is none.

    Eight attributes at most: MicroPython keeps an instance's attributes in a hash
    table that grows from 8 slots to 17 (one 272-byte block on a 64-bit port) at the
    ninth, and the counts are properties. Each step of building it is a function of
    its own: the bytecode of one long ``__init__`` would be one large block of a
    small board's heap."""

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
        adjacent = spec.get("adjacent")
        self.neighbours = _neighbours(index, adjacent)
        self.transit = _transit(index, spec.get("transit"))
        self.gateways: list[str] = []
        self.gateway_index: dict[str, int] = {}
        self.gateway_room: list[int] = []
        self.gateway_pos: list[tuple[float, float, float] | None] = []
        _add_gateways(self, index, spec.get("gateways"))
        self.near = _near_sets(self, _hop_table(self.neighbours, adjacent is not None))

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


def _neighbours(index: dict[str, int], adjacent: object) -> list[list[int]]:
    """Adjacency lists from the venue's ``adjacent`` pairs (None: not given)."""
    neighbours: list[list[int]] = [[] for _ in range(len(index))]
    if adjacent is None:
        return neighbours
    if not isinstance(adjacent, list):
        raise presence_error("bad-venue", "'adjacent' must be a list of [a, b] pairs")
    for pair in adjacent:
        if not isinstance(pair, list) or len(pair) != 2:
            raise presence_error("bad-venue", "each adjacency must be a pair [a, b]")
        a = _room(index, pair[0], "adjacent")
        b = _room(index, pair[1], "adjacent")
        if a == b:
            raise presence_error("bad-venue", "a room cannot be adjacent to itself")
        if b not in neighbours[a]:
            neighbours[a].append(b)
            neighbours[b].append(a)
    return neighbours


def _transit(index: dict[str, int], transit: object) -> list[bool]:
    """transit[r]: room r is one people walk through (a corridor, stairs), from the
    venue's optional ``transit`` list of room names."""
    flags = [False] * len(index)
    if transit is None:
        return flags
    if not isinstance(transit, list):
        raise presence_error("bad-venue", "'transit' must be a list of room names")
    for name in transit:
        r = _room(index, name, "transit")
        if flags[r]:
            raise presence_error("bad-venue", "transit room listed twice: " + name)
        flags[r] = True
    return flags


def _add_gateways(v: Venue, index: dict[str, int], gateways: object) -> None:
    """Fill the venue's gateway tables from its ``gateways`` object, in id order."""
    if not isinstance(gateways, dict) or not gateways:
        raise presence_error("bad-venue", "'gateways' must be a non-empty object")
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
        v.gateway_index[gid] = len(v.gateways)
        v.gateways.append(gid)
        v.gateway_room.append(room)
        v.gateway_pos.append(pos)


def _near_sets(v: Venue, hop_table: list[list[int]]) -> list[list[tuple[int, float]]]:
    """near[g]: the (room, u) pairs of the rooms at most NEAR_HOPS walls from
    gateway g's room (``hop_table[a][b]``: walls from room a to room b)."""
    n = len(v.rooms)
    # Room centres and radii, only when positions are given (the code that works
    # them out is not loaded otherwise).
    centres: list[tuple[float, float] | None] = [None] * n
    radii: list[float] = []
    for pos in v.gateway_pos:
        if pos is not None:
            from .presence_geometry import distance_feature, room_geometry

            centres, radii = room_geometry(v)
            break
    near = []
    for g in range(len(v.gateways)):
        home = hop_table[v.gateway_room[g]]
        pos = v.gateway_pos[g]
        out = []
        for r in range(n):
            hops = home[r]
            if hops <= NEAR_HOPS:
                centre = centres[r]
                if pos is None or centre is None:
                    # U_IN + U_HOP * hops: a badge ~6 m from a gateway in its room
                    # (7.78), each hop doubles that (3.01) and adds a wall
                    u = 7.78 + (3.01 + WALL_EQ) * hops
                else:
                    u = distance_feature(pos, centre, radii[r], hops)
                out.append((r, u))
        near.append(out)
    return near


def _room(index: dict[str, int], name: object, where: str) -> int:
    if not isinstance(name, str) or name not in index:
        raise presence_error("bad-venue", where + " names unknown room " + repr(name))
    return index[name]


def _hop_table(neighbours: list[list[int]], has_adjacency: bool) -> list[list[int]]:
    n = len(neighbours)
    table = []
    for src in range(n):
        row = [99] * n  # 99 hops: farther than NEAR_HOPS, or unreachable
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
                        if row[q] == 99:
                            row[q] = depth
                            nxt.append(q)
                frontier = nxt
        table.append(row)
    return table
