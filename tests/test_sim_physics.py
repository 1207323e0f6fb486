"""Known answers for the virtual venue's radio physics (docs/simulator.md, "The model")."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from iotedge.core.errors import SimulationError
from iotedge.sim.events import Report
from iotedge.sim.geometry import OUTSIDE, Door, FloorPlan, Room
from iotedge.sim.people import STAY
from iotedge.sim.radio import body_loss_db, crowd_exposure, crowd_loss_db, path_loss_db
from iotedge.sim.scenarios import build_scenario
from iotedge.sim.shadowing import ShadowField
from iotedge.sim.venues import conference_floor_plan, wall_loss

# Every random term switched off: what is left is the deterministic link budget.
_CLEAN = dict(
    shadowing_db=0.0,
    fading_db=0.0,
    packet_loss=(0.0, 0.0),
    gateway_offset_db=0.0,
    pl_exponent_spread=0.0,
    tx_1m_dbm=(-62.0, -62.0),
    body_loss_db=(0.0, 0.0),
    crowd_body_db=0.0,
    clock_offset_s=0.0,
    sensitivity_dbm=(-200.0, -200.0),
    rssi_clamp=(-200, 20),
)


def test_path_loss_formula_at_1_and_10_m() -> None:
    assert path_loss_db(1.0, 2.1) == 0.0
    assert path_loss_db(10.0, 2.1) == pytest.approx(21.0)
    assert path_loss_db(100.0, 2.0) == pytest.approx(40.0)
    # Closer than 10 cm the far-field formula is clamped, not allowed to go positive-infinite.
    assert path_loss_db(0.0, 2.1) == path_loss_db(0.1, 2.1)


def test_link_mean_at_1_m_and_10_m_equals_the_formula() -> None:
    # gw-01 hangs at (7, 30, 2.8) in the main hall; a badge at the same height 1 m and
    # 10 m east of it, nothing in between, has exactly tx_1m and tx_1m - 10 n log10(10).
    sim = build_scenario("small", 1, badge_height=2.8, **_CLEAN)
    gw = sim.gateways[0]
    assert (gw.x, gw.y, gw.z, gw.room) == (7.0, 30.0, 2.8, "main-hall")
    means = {d: sim.static_means(0, 7.0 + d, 30.0, 0.0) for d in (1, 10)}
    assert means[1][0] == pytest.approx(-62.0)
    assert means[10][0] == pytest.approx(-62.0 - 21.0)


def test_every_report_equals_the_formula_with_random_terms_off() -> None:
    sim = build_scenario("small", 5, duration=600, **_CLEAN)
    plan = sim.plan
    checked = 0
    for ev in sim.run():
        if not isinstance(ev, Report):
            continue
        b = int(ev.badge.split("-")[1]) - 1
        # Only badges standing still through the whole burst (walkers move mid-burst).
        legs = [leg for leg in sim.people[b].legs if leg.t0 <= ev.ts - 3 and ev.ts + 3 < leg.t1]
        if not legs or legs[0].kind != STAY:
            continue
        leg = legs[0]
        g = next(g for g in sim.gateways if g.gw_id == ev.gateway)
        d = math.sqrt((g.x - leg.x) ** 2 + (g.y - leg.y) ** 2 + (g.z - 1.3) ** 2)
        want = -62.0 - 10 * 2.1 * math.log10(d) - plan.wall_loss_db(leg.x, leg.y, g.x, g.y)
        assert ev.rssi == round(want), (ev, want)
        checked += 1
    assert checked > 500


def test_wall_counts_between_known_positions() -> None:
    plan = conference_floor_plan()
    cases = [
        # (from, to, walls crossed, total dB)
        ((10.0, 25.0), (20.0, 30.0), [], 0.0),  # inside the main hall
        ((15.0, 7.0), (15.0, 25.0), [("foyer", "main-hall")], 6.0),
        ((9.0, 5.0), (9.0, 25.0), [], 0.0),  # straight through the hall/foyer door at x=9
        ((20.0, 10.0), (42.0, 10.0), [("foyer", "corridor"), ("corridor", "workshop")], 11.0),
        ((20.0, 7.0), (31.0, 7.0), [], 0.0),  # through the foyer/corridor door
        ((42.0, 34.0), (42.0, 20.0), [("room-c", "room-b")], 4.0),
        ((42.0, 34.0), (42.0, 7.0), [("room-c", "room-b"), ("workshop", "room-c")], 12.0),
        ((15.0, 7.0), (15.0, -8.0), [], 0.0),  # out through the entrance opening
        ((5.0, 7.0), (5.0, -8.0), [(OUTSIDE, "foyer")], 12.0),  # through the outer wall
    ]
    for a, b, sides, total in cases:
        walls = plan.walls_between(*a, *b)
        assert sorted(w.sides for w in walls) == sorted(sides), (a, b)
        assert plan.wall_loss_db(*a, *b) == pytest.approx(total)
        assert plan.wall_loss_db(*b, *a) == pytest.approx(total)  # symmetric


def test_every_wall_is_within_3_to_15_db() -> None:
    plan = conference_floor_plan()
    assert plan.walls
    assert all(3.0 <= w.loss_db <= 15.0 for w in plan.walls)


def test_walls_are_derived_from_rooms_with_doors_cut_out() -> None:
    rooms = [Room("a", 0, 0, 10, 10), Room("b", 10, 0, 20, 10)]
    plan = FloorPlan(rooms, [Door("a", "b", 10.0, 5.0, 2.0)], lambda a, b: 5.0)
    shared = [w for w in plan.walls if set(w.sides) == {"a", "b"}]
    assert sorted((w.lo, w.hi) for w in shared) == [(0.0, 4.0), (6.0, 10.0)]
    assert plan.wall_loss_db(5, 5, 15, 5) == 0.0  # through the door
    assert plan.wall_loss_db(5, 2, 15, 2) == 5.0
    assert plan.wall_loss_db(5, 5, 25, 5) == 5.0  # and out through b's east wall
    assert plan.adjacent_pairs() == [("a", "b")]
    with pytest.raises(SimulationError):
        FloorPlan([Room(OUTSIDE, 0, 0, 1, 1)], [], wall_loss)


def test_body_loss_only_when_the_wearer_blocks() -> None:
    # Badge at the origin, chest height; gateway 10 m east at the same height.
    args = (0.0, 0.0, 1.3, 10.0, 0.0, 1.3)
    assert body_loss_db(10.0, 0.0, *args) == 0.0  # facing the gateway
    assert body_loss_db(10.0, math.radians(80), *args) == 0.0  # side-on: still in front
    assert body_loss_db(10.0, math.pi, *args) == pytest.approx(10.0)  # back to it
    half = body_loss_db(10.0, math.radians(112.5), *args)
    assert 0.0 < half < 10.0 and half == pytest.approx(5.0)
    # Steeply overhead (2 m away, 4 m up: 63 degrees) the loss is mostly gone ...
    over = body_loss_db(10.0, math.pi, 0.0, 0.0, 1.3, 2.0, 0.0, 5.3)
    assert 0.0 < over < 4.0
    # ... and straight overhead there is none.
    assert body_loss_db(10.0, math.pi, 0.0, 0.0, 1.3, 0.0, 0.0, 3.0) == 0.0


def test_body_loss_applies_in_the_simulation_only_from_behind() -> None:
    sim = build_scenario("small", 2, **{**_CLEAN, "body_loss_db": (10.0, 10.0)})
    gw = sim.gateways[0]  # (7, 30)
    facing_it = sim.static_means(0, 17.0, 30.0, math.pi)
    back_to_it = sim.static_means(0, 17.0, 30.0, 0.0)
    assert gw.x < 17.0
    assert facing_it[0] - back_to_it[0] == pytest.approx(10.0)


def test_crowd_loss_grows_with_occupancy_and_hits_low_gateways_hardest() -> None:
    def exposure(z: float) -> float:
        return crowd_exposure(12.0, 1.3, z, 1.7, 1.0, 1.5)

    high, mid, low = exposure(2.8), exposure(1.5), exposure(0.5)
    assert high == pytest.approx(12.0 * 0.4 / 1.5)  # clears the heads after 0.4/1.5 of it
    assert mid == 12.0
    assert low == 18.0  # chairs and tables too
    losses = {
        z: [crowd_loss_db(d, exposure(z), 4.0, 0.45, 25.0) for d in (0.0, 0.1, 0.3, 0.6, 1.0, 2.0)]
        for z in (2.8, 1.5, 0.5)
    }
    for z, row in losses.items():
        assert row[0] == 0.0
        assert all(a < b for a, b in itertools.pairwise(row)), z  # strictly monotone in occupancy
        assert row[-1] < 25.0  # saturates below the cap
    for i in range(1, 6):
        assert losses[2.8][i] < losses[1.5][i] < losses[0.5][i]
    # Few bodies: the linear sum (0.2 people/m^2 x 0.45 m x 12 m = 1.08 bodies x 4 dB).
    assert crowd_loss_db(0.2, 12.0, 4.0, 0.45, 25.0) == pytest.approx(4.32, rel=0.1)


def test_shadowing_field_has_the_configured_std() -> None:
    rng = random.Random(7)
    values = []
    for k in range(40):
        field = ShadowField(random.Random(k), (0, 0, 60, 60), 5.0, 4.0, 1.0)
        # Points 20 m apart are nearly independent: a fair sample of the marginal.
        for _ in range(20):
            values.append(field.value(rng.uniform(0, 60), rng.uniform(0, 60)))
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    assert abs(mean) < 0.5
    assert 4.6 < std < 5.4


def test_shadowing_correlation_decays_with_distance() -> None:
    rng = random.Random(11)
    fields = [ShadowField(random.Random(100 + k), (0, 0, 80, 80), 1.0, 4.0, 1.0) for k in range(8)]
    corr = {}
    for dist in (0.5, 2.0, 5.0, 10.0, 20.0):
        num = 0.0
        n = 0
        for field in fields:
            for _ in range(400):
                x, y = rng.uniform(10, 70), rng.uniform(10, 70)
                a = rng.uniform(0, 2 * math.pi)
                num += field.value(x, y) * field.value(
                    x + dist * math.cos(a), y + dist * math.sin(a)
                )
                n += 1
        corr[dist] = num / n
    assert corr[0.5] > 0.8
    assert corr[0.5] > corr[2.0] > corr[5.0] > corr[10.0]
    assert corr[10.0] < 0.25
    assert abs(corr[20.0]) < 0.15
    # Gudmundson along the axes: exp(-d / 4 m).
    along_x = sum(f.value(20 + i, 30.0) * f.value(24 + i, 30.0) for f in fields for i in range(40))
    assert along_x / (40 * len(fields)) == pytest.approx(math.exp(-1), abs=0.2)


def test_reports_equal_link_means_with_crowd_when_only_fading_is_off() -> None:
    # Shadowing, body, crowd, offsets all on; fading, loss and clocks off: each report
    # of a badge standing still is its link mean (crowd at that second's occupancy).
    sim = build_scenario(
        "small",
        6,
        duration=900,
        fading_db=0.0,
        packet_loss=(0.0, 0.0),
        clock_offset_s=0.0,
        sensitivity_dbm=(-200.0, -200.0),
        rssi_clamp=(-200, 20),
        crowd_body_db=8.0,
        facing_jitter_deg=0.0,
    )
    checked = crowded = 0
    occupancy: dict[int, dict[str, int]] = {}

    def occ(t: int) -> dict[str, int]:
        if t not in occupancy:
            occupancy[t] = sim.occupancy_at(t)
        return occupancy[t]

    for ev in sim.run():
        if not isinstance(ev, Report) or ev.duplicate:
            continue
        b = int(ev.badge.split("-")[1]) - 1
        legs = [leg for leg in sim.people[b].legs if leg.t0 <= ev.ts - 4 and ev.ts + 3 < leg.t1]
        t = int(ev.ts)
        if not legs or legs[0].kind != STAY or occ(t - 4) != occ(t):
            continue
        means = sim.link_means(b, t)
        assert ev.rssi == round(means[ev.gateway]), (ev, means[ev.gateway])
        checked += 1
        crowded += occ(t)[legs[0].room] > 1
    assert checked > 300 and crowded > 100


def test_wearers_turning_vary_body_loss_between_bursts_within_its_bounds() -> None:
    cfg = {**_CLEAN, "body_loss_db": (10.0, 10.0), "facing_jitter_deg": 30.0}
    sim = build_scenario("small", 7, duration=900, **cfg)
    plan = sim.plan
    per_link: dict[tuple[str, str, float], set[int]] = {}
    for ev in sim.run():
        if not isinstance(ev, Report):
            continue
        b = int(ev.badge.split("-")[1]) - 1
        legs = [leg for leg in sim.people[b].legs if leg.t0 <= ev.ts - 3 and ev.ts + 3 < leg.t1]
        if not legs or legs[0].kind != STAY:
            continue
        leg = legs[0]
        g = next(g for g in sim.gateways if g.gw_id == ev.gateway)
        d = math.sqrt((g.x - leg.x) ** 2 + (g.y - leg.y) ** 2 + (g.z - 1.3) ** 2)
        free = -62.0 - 10 * 2.1 * math.log10(d) - plan.wall_loss_db(leg.x, leg.y, g.x, g.y)
        assert round(free) - 10 <= ev.rssi <= round(free)  # body loss is 0..10 dB
        per_link.setdefault((ev.badge, ev.gateway, leg.t0), set()).add(ev.rssi)
    # Links partly behind the wearer change from burst to burst as they turn.
    assert sum(len(v) > 1 for v in per_link.values()) > 10
