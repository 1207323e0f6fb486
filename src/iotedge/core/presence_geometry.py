"""Room centres and sizes from gateway positions, for the venue's path-loss
features (see presence_venue). Imported only for a venue whose gateways have
positions.
"""

from .presence_math import log10
from .presence_venue import WALL_EQ

BADGE_HEIGHT = 1.2  # metres

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .presence_venue import Venue


def room_geometry(
    v: "Venue",
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


def distance_feature(
    pos: tuple[float, float, float],
    centre: tuple[float, float],
    radius: float,
    hops: int,
) -> float:
    """Path-loss feature u of a gateway at ``pos`` for a badge in a room ``hops``
    walls away with that centre and radius: 10 log10 of the distance, widened by
    the room's radius so a badge in the gateway's own room is a few metres away,
    plus a wall equivalent per hop."""
    dz = pos[2] - BADGE_HEIGHT
    d2 = (pos[0] - centre[0]) ** 2 + (pos[1] - centre[1]) ** 2 + dz * dz
    d = (d2 + 0.5 * radius * radius) ** 0.5
    return 10.0 * log10(d) + WALL_EQ * hops
