"""Invariants of the virtual venue that hold for any seed and any sensible parameters."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from iotedge.sim.events import Report, Truth
from iotedge.sim.geometry import OUTSIDE
from iotedge.sim.scenarios import build_scenario
from iotedge.sim.shadowing import ShadowField
from iotedge.sim.venues import conference_floor_plan


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    duration=st.integers(30, 240),
    badges=st.integers(1, 12),
    mode=st.sampled_from(["burst", "continuous"]),
    max_delay=st.floats(0.5, 5.0),
)
def test_every_event_is_well_formed(
    seed: int, duration: int, badges: int, mode: str, max_delay: float
) -> None:
    sim = build_scenario(
        "small",
        seed,
        duration=duration,
        badges=badges,
        mode=mode,
        max_delay_s=max_delay,
        batch_interval_s=min(0.5, max_delay),
        latency_s=min(0.08, max_delay),
        outages_per_hour=30.0,
    )
    badge_ids = {b.badge_id for b in sim.badges}
    gw_ids = {g.gw_id for g in sim.gateways}
    clock = {g.gw_id: g.clock_offset_s for g in sim.gateways}
    rooms = set(sim.room_names) | {OUTSIDE}
    last_arrival = 0.0
    truth_rows = 0
    for ev in sim.run():
        assert ev.arrival >= last_arrival
        last_arrival = ev.arrival
        if isinstance(ev, Report):
            assert ev.badge in badge_ids and ev.gateway in gw_ids
            assert -110 <= ev.rssi <= -20
            assert 0.0 <= ev.ts < duration + 0.03
            assert ev.ts <= ev.arrival <= ev.ts + max_delay + 1e-9
            # A gateway hears nothing while it is down (ts carries its clock offset and
            # is rounded to the millisecond).
            t_adv = ev.ts - clock[ev.gateway]
            assert sim.gateway_up(ev.gateway, t_adv - 0.0005) or sim.gateway_up(
                ev.gateway, t_adv + 0.0005
            )
        else:
            assert isinstance(ev, Truth)
            assert ev.badge in badge_ids and ev.room in rooms and 0 <= ev.ts < duration
            truth_rows += 1
    assert truth_rows == duration * badges


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    sigma=st.floats(0.5, 8.0),
    corr=st.floats(0.5, 20.0),
    x=st.floats(-50, 150),
    y=st.floats(-50, 150),
)
def test_shadowing_is_bounded_and_continuous(
    seed: int, sigma: float, corr: float, x: float, y: float
) -> None:
    import random

    field = ShadowField(random.Random(seed), (0, 0, 60, 40), sigma, corr, 1.0)
    v = field.value(x, y)
    assert abs(v) < 7 * sigma  # Gaussian: beyond 7 std is impossible in practice
    # Continuity: 1 cm away the value barely moves.
    assert abs(field.value(x + 0.01, y) - v) < 0.05 * sigma + 1e-9


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_itineraries_cover_the_event_without_gaps(seed: int) -> None:
    sim = build_scenario("small", seed, badges=8)
    for person in sim.people:
        legs = person.legs
        assert legs[0].t0 == 0.0
        assert legs[-1].t1 >= sim.config.duration
        for a, b in itertools.pairwise(legs):
            assert a.t1 == b.t0 and a.t1 > a.t0
        times = [t for t, _ in person.room_changes]
        assert times == sorted(times)


_PLAN = conference_floor_plan()


def _grazes_a_wall_end(ax: float, ay: float, bx: float, by: float) -> bool:
    ends = [(w.c, e) if w.vertical else (e, w.c) for w in _PLAN.walls for e in (w.lo, w.hi)]
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    for px, py in ends:
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
        if math.hypot(ax + t * dx - px, ay + t * dy - py) < 1e-6:
            return True
    return False


_coord = st.floats(-10, 60, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(ax=_coord, ay=_coord, bx=_coord, by=_coord, axis=st.sampled_from(["", "x", "y"]))
def test_fast_wall_loss_equals_the_sum_of_crossed_walls(
    ax: float, ay: float, bx: float, by: float, axis: str
) -> None:
    if axis == "x":
        by = ay  # axis-parallel segments are the edge cases of the bisection
    elif axis == "y":
        bx = ax
    # A segment through the very end of a wall is a coin toss of rounding either way.
    assume(not _grazes_a_wall_end(ax, ay, bx, by))
    slow = sum(w.loss_db for w in _PLAN.walls_between(ax, ay, bx, by))
    assert _PLAN.wall_loss_db(ax, ay, bx, by) == pytest.approx(slow)
    assert _PLAN.wall_loss_db(bx, by, ax, ay) == pytest.approx(slow)
