"""The conference venue: floor plan, wall materials and gateway placements.

Plan (metres, x to the east, y to the north; drawn in docs/simulator.md)::

    y=40 +------------------------------+----+---------------+
         |                              |    |   room-b      |
         |         main-hall            |    |  (stage east) |
         |       (stage north)          | c  +---------------+ y=27
         |                              | o  |   room-c      |
         |                              | r  |  (stage east) |
    y=15 +--------door----door----------+ r  +---------------+ y=14
         |            foyer             | i  |   workshop    |
         |                              | d  |  (stage east) |
    y=0  +-------------entrance---------+----+---------------+
         x=0                           x=30 x=34            x=50

Doors (width): main-hall/foyer x2 (2.4 m), main-hall/corridor, foyer/corridor,
corridor/room-b, corridor/room-c, corridor/workshop (1.6-2.0 m), entrance 3 m.
room-b and room-c share a movable partition but no door: they are neighbours on
the radio, not on foot (the classic flapping trap).
"""

from __future__ import annotations

from dataclasses import dataclass

from iotedge.sim.geometry import OUTSIDE, Door, FloorPlan, Room

MAIN_HALL = "main-hall"
FOYER = "foyer"
CORRIDOR = "corridor"

ROOMS = (
    Room(MAIN_HALL, 0.0, 15.0, 30.0, 40.0, stage="n"),
    Room(FOYER, 0.0, 0.0, 30.0, 15.0),
    Room(CORRIDOR, 30.0, 0.0, 34.0, 40.0, transit=True),
    Room("room-b", 34.0, 27.0, 50.0, 40.0, stage="e"),
    Room("room-c", 34.0, 14.0, 50.0, 27.0, stage="e"),
    Room("workshop", 34.0, 0.0, 50.0, 14.0, stage="e"),
)

DOORS = (
    Door(MAIN_HALL, FOYER, 9.0, 15.0, 2.4),
    Door(MAIN_HALL, FOYER, 21.0, 15.0, 2.4),
    Door(MAIN_HALL, CORRIDOR, 30.0, 33.0, 1.8),
    Door(FOYER, CORRIDOR, 30.0, 7.0, 2.0),
    Door(CORRIDOR, "room-b", 34.0, 35.0, 1.6),
    Door(CORRIDOR, "room-c", 34.0, 17.0, 1.6),
    Door(CORRIDOR, "workshop", 34.0, 5.0, 1.6),
    Door(FOYER, OUTSIDE, 15.0, 0.0, 3.0),
)

# Wall losses at 2.4 GHz, within the 3-15 dB range of indoor measurements:
# masonry outer walls ~12 dB, double drywall ~6 dB, single drywall/partition 4-5 dB.
_EXTERIOR_DB = 12.0
_WALL_DB = {
    frozenset((MAIN_HALL, FOYER)): 6.0,  # drywall with glazed doors
    frozenset((MAIN_HALL, CORRIDOR)): 10.0,  # masonry (the hall's acoustic wall)
    frozenset((FOYER, CORRIDOR)): 5.0,
    frozenset((CORRIDOR, "room-b")): 6.0,
    frozenset((CORRIDOR, "room-c")): 6.0,
    frozenset((CORRIDOR, "workshop")): 6.0,
    frozenset(("room-b", "room-c")): 4.0,  # movable partition
    frozenset(("room-c", "workshop")): 8.0,
}

# Where a person stands outside the entrance before vanishing or after appearing.
OUTSIDE_SPOT = (15.0, -8.0)


def wall_loss(a: str, b: str) -> float:
    """Loss in dB of the wall between rooms ``a`` and ``b`` (``none`` = outside)."""
    if OUTSIDE in (a, b):
        return _EXTERIOR_DB
    return _WALL_DB.get(frozenset((a, b)), 8.0)


def conference_floor_plan() -> FloorPlan:
    return FloorPlan(ROOMS, DOORS, wall_loss)


@dataclass(frozen=True)
class Placement:
    room: str
    x: float
    y: float
    z: float


# Ordered by priority: a scenario with N gateways uses the first N. The first six
# give one per room (two in the main hall, none in the corridor) for small tests.
PLACEMENTS = (
    Placement(MAIN_HALL, 7.0, 30.0, 2.8),
    Placement(FOYER, 15.0, 7.0, 2.8),
    Placement("room-b", 42.0, 34.0, 2.6),
    Placement("room-c", 42.0, 20.0, 2.6),
    Placement("workshop", 42.0, 7.0, 2.6),
    Placement(MAIN_HALL, 23.0, 22.0, 2.8),
    Placement(CORRIDOR, 32.0, 20.0, 2.5),
    Placement(MAIN_HALL, 23.0, 37.0, 2.8),
    Placement(FOYER, 5.0, 3.0, 2.5),
    Placement(FOYER, 25.0, 11.0, 2.5),
    Placement("room-b", 47.0, 38.0, 2.2),
    Placement("room-c", 37.0, 16.0, 2.2),
    Placement("workshop", 48.0, 2.0, 2.2),
    Placement(MAIN_HALL, 3.0, 18.0, 2.2),
    Placement(CORRIDOR, 32.0, 4.0, 2.5),
    Placement(FOYER, 25.0, 2.0, 2.2),
    Placement("room-b", 36.0, 29.0, 1.8),
    Placement("room-c", 48.0, 25.0, 1.8),
    Placement("workshop", 36.0, 12.0, 1.8),
    Placement(MAIN_HALL, 15.0, 26.0, 3.0),
)


def gateway_id(index: int) -> str:
    return f"gw-{index + 1:02d}"
