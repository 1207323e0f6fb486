"""Named scenarios: the conference and its hard variants, plus a small one for tests.

``build_scenario(name, seed, **overrides)`` takes any :class:`SimConfig` field as an
override, e.g. ``build_scenario("conference", 7, duration=3600, badges=100)``.
"""

from __future__ import annotations

from typing import Any

from iotedge.core.errors import SimulationError
from iotedge.sim.config import CONTINUOUS, SimConfig
from iotedge.sim.simulation import Simulation
from iotedge.sim.venues import (
    FOYER,
    MAIN_HALL,
    OUTSIDE_SPOT,
    PLACEMENTS,
    conference_floor_plan,
)

_BASE = SimConfig()

_CONFIGS: dict[str, SimConfig] = {
    # ~300 badges, 20 gateways, 3 hours: arrival, keynote, breaks, parallel talks, lunch.
    "conference": _BASE,
    # A third of the gateways on tables at 0.5 m: crowd and bodies block them most.
    "low-gateways": _BASE.replace(
        low_gateway_fraction=1 / 3,
        crowd_body_db=5.0,
        crowd_cap_db=30.0,
        low_clutter_factor=2.0,
        body_loss_db=(8.0, 15.0),
    ),
    # gw-03 (room-b, next to room-c behind a partition) dies 22 % into the event and
    # stays down for half of it (40 minutes to 2 h 10 of the 3 hours).
    "gateway-down": _BASE.replace(failed_gateway=2),
    # 450 badges and 70 % of every talk slot's audience in the main hall.
    "packed-hall": _BASE.replace(badges=450, main_hall_share=0.70, p_skip_talk=0.03),
    # Badges advertise once a second, all the time. One hour keeps the files ~6x
    # the size per hour of burst mode, not 6x the conference's.
    "continuous": _BASE.replace(mode=CONTINUOUS, duration=3600),
    # Fast tests: 20 badges, 6 gateways (one per room, two in the hall), 20 minutes of
    # a programme compressed 8x (arrival, keynote, break, talks, break, talks).
    "small": _BASE.replace(badges=20, gateways=6, duration=1200, schedule_scale=0.12),
}

SCENARIOS: tuple[str, ...] = tuple(_CONFIGS)


def scenario_config(name: str, **overrides: Any) -> SimConfig:
    """The configuration of scenario ``name`` with ``overrides`` applied."""
    if name not in _CONFIGS:
        known = ", ".join(SCENARIOS)
        raise SimulationError("unknown-scenario", f"{name!r}; known: {known}")
    return _CONFIGS[name].replace(**overrides)


def build_scenario(name: str, seed: int, **overrides: Any) -> Simulation:
    """A ready-to-run :class:`Simulation` of scenario ``name`` with seed ``seed``."""
    config = scenario_config(name, **overrides)
    return Simulation(
        name=name,
        seed=seed,
        config=config,
        plan=conference_floor_plan(),
        placements=PLACEMENTS,
        foyer=FOYER,
        main_hall=MAIN_HALL,
        outside_spot=OUTSIDE_SPOT,
    )
