"""The link budget of one badge-to-gateway path, term by term.

Mean received power (dBm) of an advert from a badge at ``p`` to gateway ``g``::

    rssi = tx_1m(badge) + offset(g) - 10 n(g) log10(d / 1 m)     log-distance path loss
           - walls(p, g) - shadow_g(p)                             floor plan, Gudmundson field
           - body(wearer facing, p, g)                             wearer between badge and g
           - crowd(density, exposure(p, g))                        other people, low g hit hardest
           + fading                                                per advert, N(0, fading_db)

and the advert is heard when it is not lost (per-gateway probability) and
``rssi >= sensitivity(g)``. Each term here is a small pure function so the tests
can check it against its formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_DISTANCE_M = 0.1  # the far-field formula is meaningless closer than this
_QUARTER = math.pi / 2
_EIGHTH = math.pi / 4


@dataclass(frozen=True)
class GatewayRadio:
    """Per-gateway draws that make real receivers differ."""

    gw_id: str
    room: str
    x: float
    y: float
    z: float
    exponent: float  # path-loss exponent n
    offset_db: float  # receive gain/calibration offset
    loss_p: float  # probability an advert in range is missed (scan duty, collisions)
    sensitivity_dbm: float  # adverts weaker than this are never reported
    clock_offset_s: float  # NTP offset of the gateway's timestamps


def path_loss_db(distance_m: float, exponent: float) -> float:
    """Log-distance path loss relative to 1 m: ``10 n log10(d / 1 m)``."""
    return 10.0 * exponent * math.log10(max(distance_m, MIN_DISTANCE_M))


def body_loss_db(
    max_loss_db: float,
    facing: float,
    bx: float,
    by: float,
    bz: float,
    gx: float,
    gy: float,
    gz: float,
) -> float:
    """Loss from the wearer's own body between a chest-worn badge and the gateway.

    Zero while the gateway is in front of the wearer (within 90 degrees of where they
    face); grows linearly to ``max_loss_db`` as it moves fully behind (180 degrees,
    reached at 135). A gateway steeply above the wearer is seen over the shoulder: the
    loss fades from full at 30 degrees of elevation to none at 75.
    """
    bearing, over_shoulder = body_geometry(bx, by, bz, gx, gy, gz)
    return body_loss_facing(max_loss_db * over_shoulder, facing, bearing)


def body_geometry(
    bx: float, by: float, bz: float, gx: float, gy: float, gz: float
) -> tuple[float, float]:
    """``(bearing, over_shoulder)``: direction to the gateway, and the elevation factor."""
    dx = gx - bx
    dy = gy - by
    horizontal = math.hypot(dx, dy)
    if horizontal < 1e-9:
        return 0.0, 0.0  # straight overhead: never behind the body
    elevation = math.degrees(math.atan2(gz - bz, horizontal))
    return math.atan2(dy, dx), min(1.0, max(0.0, (75.0 - elevation) / 45.0))


def body_loss_facing(full_db: float, facing: float, bearing: float) -> float:
    """The part of ``full_db`` the body blocks, facing ``facing``, gateway at ``bearing``."""
    off_axis = abs(_wrap(bearing - facing))
    if off_axis <= _QUARTER:
        return 0.0
    return full_db * min(1.0, (off_axis - _QUARTER) / _EIGHTH)


def crowd_exposure(
    horizontal_m: float,
    badge_z: float,
    gateway_z: float,
    head_height: float,
    clutter_below_m: float,
    clutter_factor: float,
) -> float:
    """Metres of the path that run through the crowd (below head height).

    A path from a chest-worn badge up to a ceiling gateway clears the heads after the
    first part of its length; a path to a gateway at or below head height runs through
    the crowd all the way, and one to a gateway near the floor also meets chairs and
    tables (``clutter_factor``).
    """
    if gateway_z <= head_height:
        fraction = 1.0
    elif badge_z >= head_height:
        fraction = 0.0
    else:
        fraction = (head_height - badge_z) / (gateway_z - badge_z)
    exposure = horizontal_m * fraction
    if gateway_z < clutter_below_m:
        exposure *= clutter_factor
    return exposure


def crowd_loss_db(
    density_per_m2: float, exposure_m: float, body_db: float, body_width_m: float, cap_db: float
) -> float:
    """Loss through a crowd: bodies crossed times loss per body, saturating at ``cap_db``.

    The expected number of bodies a path of ``exposure_m`` metres crosses in a crowd of
    ``density_per_m2`` people/m^2, each ``body_width_m`` wide, is their product.
    Diffraction over and around heads caps the total: ``cap (1 - exp(-linear / cap))``
    is the linear sum for few bodies and approaches ``cap`` for many; it is strictly
    increasing in occupancy and in exposure.
    """
    linear = body_db * body_width_m * density_per_m2 * exposure_m
    if cap_db <= 0.0 or linear <= 0.0:
        return 0.0
    return cap_db * (1.0 - math.exp(-linear / cap_db))


def _wrap(angle: float) -> float:
    """Angle wrapped to (-pi, pi]."""
    return (angle + math.pi) % (2.0 * math.pi) - math.pi
