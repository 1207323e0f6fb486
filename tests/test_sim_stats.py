"""Statistical checks of the simulated radio and transport, with fixed seeds and tolerances."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

from iotedge.sim.events import Report, Truth
from iotedge.sim.people import STAY
from iotedge.sim.scenarios import build_scenario
from iotedge.sim.simulation import Simulation


def _reports(sim: Simulation) -> list[Report]:
    return [ev for ev in sim.run() if isinstance(ev, Report)]


def test_packet_loss_per_gateway_matches_its_draw_within_10_to_40_percent() -> None:
    sim = build_scenario("small", 3, sensitivity_dbm=(-200.0, -200.0))
    _reports(sim)
    st = sim.stats
    assert st.attempts > 20_000
    for gi, g in enumerate(sim.gateways):
        assert 0.10 <= g.loss_p <= 0.40
        n = st.per_gateway_attempts[gi]
        rate = st.per_gateway_lost[gi] / n
        sigma = math.sqrt(g.loss_p * (1 - g.loss_p) / n)
        assert abs(rate - g.loss_p) < 4 * sigma + 1e-9, (g.gw_id, rate, g.loss_p)
    overall = st.lost / st.attempts
    assert 0.10 < overall < 0.40
    # With the floor out of the way every attempt that is not lost is a report.
    assert st.reports - st.duplicates == st.attempts - st.lost


def test_per_advert_fading_has_the_configured_std() -> None:
    # Crowd loss and facing jitter off so a stationary badge's mean is constant.
    sim = build_scenario(
        "small",
        4,
        crowd_body_db=0.0,
        facing_jitter_deg=0.0,
        sensitivity_dbm=(-200.0, -200.0),
        rssi_clamp=(-200, 20),
    )
    groups: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    for ev in _reports(sim):
        if ev.duplicate:
            continue
        b = int(ev.badge.split("-")[1]) - 1
        legs = sim.people[b].legs
        idx = next(i for i, leg in enumerate(legs) if leg.t0 <= ev.ts < leg.t1)
        leg = legs[idx]
        if leg.kind == STAY and leg.t0 <= ev.ts - 3 and ev.ts + 3 < leg.t1:
            groups[(ev.badge, ev.gateway, idx)].append(ev.rssi)
    sq = 0.0
    dof = 0
    for values in groups.values():
        if len(values) < 5:
            continue
        m = sum(values) / len(values)
        sq += sum((v - m) ** 2 for v in values)
        dof += len(values) - 1
    assert dof > 5000
    pooled = math.sqrt(sq / dof)
    # 4 dB fading plus the 1/12 dB^2 of rounding to whole dBm.
    assert abs(pooled - math.sqrt(16 + 1 / 12)) < 0.25, pooled


def test_nothing_is_heard_below_the_gateway_floor() -> None:
    sim = build_scenario("small", 5)
    floor = {g.gw_id: g.sensitivity_dbm for g in sim.gateways}
    reports = _reports(sim)
    assert all(-100.0 <= f <= -95.0 for f in floor.values())
    assert all(ev.rssi >= floor[ev.gateway] - 0.5 for ev in reports)
    assert sim.stats.below_floor > 0  # the floor did cut something


def test_arrival_order_delay_window_and_duplicates() -> None:
    sim = build_scenario("small", 6, duration=900)
    events = list(sim.run())
    arrivals = [ev.arrival for ev in events]
    assert arrivals == sorted(arrivals)  # exactly in arrival order
    reports = [ev for ev in events if isinstance(ev, Report)]
    cfg = sim.config
    assert all(0.0 <= ev.arrival - ev.ts <= cfg.max_delay_s + 1e-9 for ev in reports)
    ts = [ev.ts for ev in reports]
    assert ts != sorted(ts)  # reordered ...
    assert any(b < a - 0.5 for a, b in itertools.pairwise(ts))  # ... by more than a batch
    dups = [ev for ev in reports if ev.duplicate]
    rate = len(dups) / len(reports)
    assert 0.5 * cfg.duplicate_p < rate < 2 * cfg.duplicate_p
    originals = {
        (ev.ts, ev.gateway, ev.badge, ev.rssi, ev.seq) for ev in reports if not ev.duplicate
    }
    assert all((d.ts, d.gateway, d.badge, d.rssi, d.seq) in originals for d in dups)


def test_a_failed_gateway_reports_nothing_during_its_outage() -> None:
    sim = build_scenario("small", 7, outages_per_hour=0.0, forced_outages=((0, 300.0, 900.0),))
    gw = sim.gateways[0].gw_id
    assert not sim.gateway_up(gw, 600.0) and sim.gateway_up(gw, 1000.0)
    times = [ev.ts for ev in _reports(sim) if ev.gateway == gw]
    assert times
    assert not [t for t in times if 300.5 < t < 899.5]
    assert [t for t in times if t < 300.0] and [t for t in times if t > 900.0]


def test_gateway_down_scenario_silences_one_gateway_for_a_long_stretch() -> None:
    sim = build_scenario("gateway-down", 1, badges=1)
    spans = sim.outages["gw-03"]
    assert (0.22 * 10800, 0.72 * 10800) in spans  # 90 minutes down
    short = build_scenario("gateway-down", 1, badges=1, duration=600)
    assert (132.0, 432.0) in short.outages["gw-03"]  # scales with the duration


def test_crowd_hurts_low_gateways_more_in_the_running_simulation() -> None:
    def per_gateway(crowd_db: float) -> dict[str, int]:
        sim = build_scenario(
            "small", 8, low_gateway_fraction=1 / 3, crowd_body_db=crowd_db, badges=40
        )
        counts: dict[str, int] = defaultdict(int)
        for ev in _reports(sim):
            counts[ev.gateway] += 1
        return counts

    sim = build_scenario("small", 8, low_gateway_fraction=1 / 3)
    low = [g.gw_id for g in sim.gateways if g.z < 1.0]
    high = [g.gw_id for g in sim.gateways if g.z >= 1.0]
    assert len(low) == 2 and len(high) == 4
    off, on = per_gateway(0.0), per_gateway(6.0)
    kept_low = sum(on[g] for g in low) / sum(off[g] for g in low)
    kept_high = sum(on[g] for g in high) / sum(off[g] for g in high)
    assert kept_low < kept_high < 1.0


def test_bursts_of_3_s_every_60_s_and_continuous_1_hz() -> None:
    sim = build_scenario("small", 9, duration=600, packet_loss=(0.0, 0.0))
    seen: dict[str, dict[int, float]] = defaultdict(dict)
    for ev in _reports(sim):
        seen[ev.badge].setdefault(ev.seq, ev.ts)
    checked = 0
    for per_seq in seen.values():
        seqs = sorted(per_seq)
        for a, b in itertools.pairwise(seqs):
            gap = per_seq[b] - per_seq[a]
            if b == a + 1 and gap < 5:  # inside a burst: advInterval + advDelay (+ clocks)
                assert 0.31875 - 0.05 < gap < 0.32875 + 0.05
                checked += 1
        burst_len = [s for s in seqs if per_seq[s] - per_seq[seqs[0]] < 5]
        assert max(burst_len) - seqs[0] <= 9  # at most 10 adverts in a burst
    assert checked > 1000
    starts = [b.first_burst for b in sim.badges]
    assert all(0 <= s < 60.02 for s in starts) and len(set(starts)) == len(starts)
    assert all(abs(b.period - 60.0) <= 60.0 * 200e-6 + 1e-9 for b in sim.badges)

    cont = build_scenario("small", 9, duration=120, mode="continuous", packet_loss=(0.0, 0.0))
    per_badge: dict[str, set[int]] = defaultdict(set)
    for ev in _reports(cont):
        per_badge[ev.badge].add(ev.seq)
    # One advert a second: seq reaches ~120 in 120 s for badges present from the start.
    assert max(max(s) for s in per_badge.values()) in range(110, 121)


def test_truth_rows_cover_every_badge_every_second() -> None:
    sim = build_scenario("small", 10, duration=300, badges=7)
    rows = [ev for ev in sim.run() if isinstance(ev, Truth)]
    assert len(rows) == 300 * 7
    assert [r.ts for r in rows] == sorted(r.ts for r in rows)
    assert {r.badge for r in rows} == {b.badge_id for b in sim.badges}
