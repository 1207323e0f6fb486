"""Properties and known answers of the estimator's pieces (CPython, hypothesis)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.core import presence_math as pm
from iotedge.core.errors import PresenceError
from iotedge.core.presence_calibration import A_BOUNDS, B_BOUNDS, T_BOUNDS, BadgeOffset, GatewayLine
from iotedge.core.presence_emission import EmissionModel
from iotedge.core.presence_estimator import PresenceEstimator
from iotedge.core.presence_hmm import Transitions, argmax
from iotedge.core.presence_venue import Venue
from iotedge.presence.synthetic import generate

VENUE = Venue(
    {
        "rooms": ["a", "b", "c"],
        "adjacent": [["a", "b"], ["b", "c"]],
        "gateways": {
            "ga": {"room": "a", "x": 5, "y": 5, "z": 2.5},
            "gb": {"room": "b", "x": 17, "y": 5, "z": 2.5},
            "gc": {"room": "c", "x": 29, "y": 5, "z": 2.5},
        },
    }
)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e-300, max_value=1e300))
def test_ln_matches_math(x: float) -> None:
    assert math.isclose(pm.ln(x), math.log(x), rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-700, max_value=700))
def test_exp_and_softplus_match_math(x: float) -> None:
    assert math.isclose(pm.exp(x), math.exp(x), rel_tol=1e-12)
    assert math.isclose(pm.softplus(x), math.log1p(math.exp(x)), rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-700, max_value=700), st.floats(min_value=-700, max_value=700))
def test_log_add_matches_math(a: float, b: float) -> None:
    m = max(a, b)
    want = m + math.log(math.exp(a - m) + math.exp(b - m))
    assert math.isclose(pm.log_add(a, b), want, rel_tol=1e-12, abs_tol=1e-12)


posteriors = st.lists(st.floats(min_value=0, max_value=1), min_size=4, max_size=4).filter(
    lambda p: sum(p) > 1e-6
)


transit_flags = st.lists(st.booleans(), min_size=3, max_size=3)


@settings(max_examples=100, deadline=None)
@given(
    posteriors,
    st.floats(min_value=0.1, max_value=5000),
    st.floats(min_value=0, max_value=1),
    transit_flags,
)
def test_transitions_keep_probability_mass(
    p: list[float], dt: float, tele: float, transit: list[bool]
) -> None:
    total = sum(p)
    post = [x / total for x in p]
    tr = Transitions(VENUE.neighbours, move_time=600, teleport=tele, transit=transit)
    tr.predict(post, dt)
    assert math.isclose(sum(post), 1.0, rel_tol=1e-9)
    assert min(post) >= 0.0


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=1), min_size=4, max_size=4),
    st.floats(min_value=0.1, max_value=3000),
    transit_flags,
    st.lists(st.floats(min_value=0, max_value=50), min_size=3, max_size=3),
)
def test_backward_is_the_transpose_of_predict_with_transit_rooms(
    beta0: list[float], dt: float, transit: list[bool], heads: list[float]
) -> None:
    """sum_k T(q -> k) beta(k) computed by backward equals predicting the unit mass
    at q and taking its dot product with beta, for any set of transit rooms (what
    enters one during dt partly walks on) and any room weights."""
    from iotedge.core.presence_smoothing import backward

    tr = Transitions(VENUE.neighbours, move_time=300.0, transit=transit, transit_time=20.0)
    tr.set_weights(heads)
    beta = list(beta0)
    backward(tr, beta, dt)
    for q in range(4):
        unit = [0.0] * 4
        unit[q] = 1.0
        tr.predict(unit, dt)
        dot = sum(unit[k] * beta0[k] for k in range(4))
        assert math.isclose(dot, beta[q], rel_tol=1e-9, abs_tol=1e-12)


def test_a_transit_room_is_left_within_its_transit_time() -> None:
    """Room b is a corridor (transit_time 20 s): after 20 s a badge in it stays
    with probability exp(-1 - 20/leave_time); a badge in a (not transit) with
    exp(-20 (1/move_time + 1/leave_time)). The venue's own flag list is used."""
    venue = Venue(
        {
            "rooms": ["a", "b", "c"],
            "adjacent": [["a", "b"], ["b", "c"]],
            "transit": ["b"],
            "gateways": {"ga": {"room": "a"}, "gc": {"room": "c"}},
        }
    )
    assert venue.transit == [False, True, False]
    tr = Transitions(
        venue.neighbours,
        move_time=600.0,
        leave_time=7200.0,
        transit=venue.transit,
        transit_time=20.0,
    )
    in_b = [0.0, 1.0, 0.0, 0.0]
    tr.predict(in_b, 20.0)
    rate = 1 / 20.0 + 1 / 7200.0
    leave = (1 / 7200.0) / rate
    stay = math.exp(-20.0 * rate)
    keep = (1.0 - stay) / (20.0 * rate)  # of what lands in b during the 20 s
    moved = (1.0 - stay) * (1.0 - leave)  # less those who leave
    # its share of the 30 % of moves that land anywhere (uniform) lands in b
    # again, and only `keep` of that is still there; the rest walks on once more
    back = 0.3 * moved / 3
    again = back * (1.0 - keep) * (1.0 - leave)
    assert math.isclose(in_b[1], stay + keep * back + 0.3 * again / 3, rel_tol=1e-9)
    assert math.isclose(in_b[0], in_b[2])  # it walks out to either side
    side = 0.7 * moved / 2 + 0.3 * moved / 3 + 0.7 * again / 2 + 0.3 * again / 3
    assert math.isclose(in_b[0], side, rel_tol=1e-9)
    assert math.isclose(sum(in_b), 1.0, rel_tol=1e-12)
    in_a = [1.0, 0.0, 0.0, 0.0]
    tr.predict(in_a, 20.0)
    assert in_a[0] > math.exp(-20.0 * (1 / 600.0 + 1 / 7200.0)) - 1e-12


def test_what_enters_a_transit_room_mostly_walks_on_within_the_interval() -> None:
    """A badge in a, next to corridor b (transit_time 15 s) and nothing else,
    over 60 s: of the mass that moves into b, only (1 - e^-4) / 4 (about a
    fourth: it entered at a uniform time and stays 15 s on average) is still
    in b; the rest went on from b, half of it (b's other side) into c."""
    tr = Transitions(
        [[1], [0, 2], [1]],
        move_time=600.0,
        leave_time=1e12,
        teleport=0.0,
        transit=[False, True, False],
        transit_time=15.0,
    )
    post = [1.0, 0.0, 0.0, 0.0]
    tr.predict(post, 60.0)
    stay_a = math.exp(-60.0 * (1 / 600.0 + 1e-12))
    into_b = 1.0 - stay_a  # every mover of a lands in b (its only neighbour)
    rate_b = 1 / 15.0 + 1e-12
    keep = (1.0 - math.exp(-60.0 * rate_b)) / (60.0 * rate_b)
    assert 0.24 < keep < 0.25
    assert math.isclose(post[1], into_b * keep, rel_tol=1e-9)
    assert math.isclose(post[2], into_b * (1.0 - keep) / 2, rel_tol=1e-6)
    assert math.isclose(post[0], stay_a + into_b * (1.0 - keep) / 2, rel_tol=1e-6)
    # the old step (every arrival still in the corridor) had four times as much
    assert post[1] < 0.26 * into_b


def test_moves_learned_leave_transit_rooms_out() -> None:
    """A badge whose mass is all in a transit room adds nothing to the learned
    rate of room changes, though it surely leaves the corridor."""
    from iotedge.core.presence_learning import learn_moves

    tr = Transitions(VENUE.neighbours, move_time=600.0, transit=[False, True, False])
    mv = [0.0, 0.0, -1.0e300, 0.0, 600.0, 600.0, 1 / 3600.0, 1 / 120.0]
    prev = [0.0, 1.0, 0.0, 0.0]
    pred = list(prev)
    tr.predict(pred, 60.0)
    post = [0.5, 0.0, 0.5, 0.0]
    learn_moves(tr, mv, 60.0, 60.0, prev, pred, post)
    assert mv[0] == 0.0 and mv[1] == 0.0
    # the same badge in a non-transit room that it left: counted
    tr2 = Transitions(VENUE.neighbours, move_time=600.0)
    mv2 = [0.0, 0.0, -1.0e300, 0.0, 600.0, 600.0, 1 / 3600.0, 1 / 120.0]
    pred2 = list(prev)
    tr2.predict(pred2, 60.0)
    learn_moves(tr2, mv2, 60.0, 60.0, prev, pred2, post)
    assert mv2[0] > 0.9 and mv2[1] == 60.0


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=5, max_value=30),
            st.floats(min_value=-130, max_value=0),
            st.floats(min_value=0.01, max_value=1),
        ),
        max_size=40,
    )
)
def test_calibration_never_leaves_its_bounds(obs: list[tuple[float, float, float]]) -> None:
    line = GatewayLine()
    off = BadgeOffset()
    for k, (u, y, w) in enumerate(obs):
        line.observe(float(k), u, y, w)
        line.solve()
        off.observe(float(k), y + 75.0, w)
        assert A_BOUNDS[0] <= line.a <= A_BOUNDS[1]
        assert B_BOUNDS[0] <= line.b <= B_BOUNDS[1]
        assert T_BOUNDS[0] <= off.value <= T_BOUNDS[1]


report_streams = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=3.0),  # time step to the next report
        st.sampled_from(["ga", "gb", "gc", "unknown"]),
        st.sampled_from(["x", "y", "z"]),
        st.integers(min_value=-105, max_value=-40),
    ),
    max_size=120,
)


@settings(max_examples=80, deadline=None)
@given(report_streams, st.sampled_from(["median", "trimmed", "max"]))
def test_posteriors_sum_to_one_and_occupancy_is_their_sum(
    stream: list[tuple[float, str, str, int]], stat: str
) -> None:
    est = PresenceEstimator(VENUE, stat=stat, lag=30.0)
    t = 0.0
    for dt, gw, badge, rssi in stream:
        t += dt
        est.update(t, gw, badge, rssi)
        if dt > 2.0:
            est.advance(t + 70.0)  # let bursts close and silences count
            t += 70.0
    est.advance(t + 5.0)
    # the venue's learned move rate stays inside move_bounds (120 s to 1 h), whether
    # it learned from bursts or from windows a period apart
    assert 1.0 / 3600.0 - 1e-15 <= est.transitions.rate_move <= 1.0 / 120.0 + 1e-15
    occ = est.occupancy()
    sums = [0.0] * VENUE.n_rooms
    for badge in est.badges():
        post = est.posterior(badge)
        assert math.isclose(sum(post), 1.0, rel_tol=1e-9)
        _room, conf, heard = est.badge_state(badge)
        assert conf == max(post)
        assert 0 <= heard <= VENUE.n_gateways
        smooth = est.smoothed(badge, max(0.0, t - 30.0))
        assert math.isclose(sum(smooth), 1.0, rel_tol=1e-9)
        for r in range(VENUE.n_rooms):
            sums[r] += post[r]
    for r, name in enumerate(VENUE.rooms):
        mean, lo, hi = occ[name]
        assert math.isclose(mean, sums[r], abs_tol=1e-9)
        assert 0.0 <= lo <= mean + 1e-12 <= hi + 1e-12


def test_calibration_learns_a_low_gateway() -> None:
    """A gateway reading 12 dB low (placed behind a crowd) is learned, not ignored."""
    data = generate(seed=5, badges=12, duration=2400, gateway_offsets={"gw-1": -12.0})
    est = PresenceEstimator(Venue(data.venue))
    for ts, gw, badge, rssi in data.reports:
        est.update(ts, gw, badge, rssi)
        est.advance(ts)
    lines = est.emission.lines
    low = lines[est.venue.gateway_index["gw-1"]]
    others = [lines[est.venue.gateway_index[g]] for g in ("gw-0", "gw-2")]
    # compare levels at a typical in-room feature value
    level_low = low.mu(10.0)
    level_others = sum(line.mu(10.0) for line in others) / 2
    assert 7.0 < level_others - level_low < 17.0


def test_gateway_down_stops_counting_its_silence() -> None:
    est = PresenceEstimator(VENUE, down_after=60.0)
    g = VENUE.gateway_index["gb"]
    room_b = VENUE.rooms.index("b")
    c_before = est.emission.c[room_b]
    est.update(0.0, "ga", "x", -70)
    est.advance(100.0)  # gb (and gc) said nothing for 100 s: down
    assert not est.emission.live[g]
    assert est.emission.c[room_b] > c_before  # silence no longer counts against b
    c_down = est.emission.c[room_b]
    est.update(101.0, "gb", "x", -70)
    assert est.emission.live[g]
    assert est.emission.c[room_b] < c_down  # its silence counts again


def test_fixed_lag_smoothing_revises_the_past() -> None:
    """A move seen in the next bursts makes the smoothed estimate at the move
    time more certain of the new room than the causal one was."""
    est = PresenceEstimator(VENUE, lag=120.0)
    t = 0.0
    for k in range(8):
        gw = "ga" if k < 4 else "gb"
        for j in range(6):
            est.update(t + 0.3 * j, gw, "x", -65)
        t += 60.0
        est.advance(t)
    causal_at_move = None
    # replay the same thing causally to know what the filter said at the first b-burst
    causal = PresenceEstimator(VENUE)
    t = 0.0
    for k in range(5):
        gw = "ga" if k < 4 else "gb"
        for j in range(6):
            causal.update(t + 0.3 * j, gw, "x", -65)
        t += 60.0
    causal.advance(245.0)
    causal_at_move = causal.posterior("x")[VENUE.rooms.index("b")]
    smooth = est.smoothed("x", 245.0)[VENUE.rooms.index("b")]
    assert smooth > causal_at_move


def test_forget_after_drops_the_badge_exactly_at_the_timeout() -> None:
    # One burst in room a, then silence. The badge's last report is at 1.5 s, so
    # with forget_after = 300 s its posterior is dropped by the first advance past
    # 301.5 s (events strictly before the advance time), not before.
    est = PresenceEstimator(VENUE, forget_after=300.0)
    for k in range(6):
        est.update(0.3 * k, "ga", "x", -60)
    est.advance(10.0)
    assert est.badge_state("x")[0] == "a"
    est.advance(301.5)
    post = est.posterior("x")
    assert post[VENUE.n_rooms] < 1.0  # silences moved it toward none, not yet forgotten
    assert math.isclose(sum(post), 1.0)
    occupied = est.occupancy()["a"][0]
    assert occupied > 0.0
    est.advance(301.5 + 1e-6)
    assert est.posterior("x") == [0.0, 0.0, 0.0, 1.0]
    assert est.badge_state("x") == ("none", 1.0, 0)
    # its mass left the occupancy totals with it (up to round-off of the add/remove)
    for room in ("a", "b", "c"):
        assert est.occupancy()[room][0] < 1e-12
    assert est.badges() == ["x"]  # still listed: every badge seen so far
    # heard again: a fresh start from the prior, one burst outweighs it
    for k in range(6):
        est.update(400.0 + 0.3 * k, "gc", "x", -60)
    est.advance(410.0)
    assert est.badge_state("x")[0] == "c"


# A hall with four gateways and a side room with one: a badge deep in the hall's
# crowd is heard by one hall gateway, low, and missed by the other three.
CROWD_VENUE = Venue(
    {
        "rooms": ["hall", "side"],
        "adjacent": [["hall", "side"]],
        "gateways": {
            "h1": {"room": "hall", "x": 5, "y": 5, "z": 2.8},
            "h2": {"room": "hall", "x": 20, "y": 5, "z": 2.8},
            "h3": {"room": "hall", "x": 5, "y": 20, "z": 2.8},
            "h4": {"room": "hall", "x": 20, "y": 20, "z": 2.8},
            "s1": {"room": "side", "x": 40, "y": 12, "z": 2.8},
        },
    }
)


def _crowd_model(share: float, drop: float = 8.0, lowered: float = 0.0) -> EmissionModel:
    """Emission model of CROWD_VENUE whose lines expect about -73.5 dBm in the hall
    (12 dB above the prior, as the conference's learned lines are), less
    ``lowered`` dB."""
    em = EmissionModel(CROWD_VENUE, occlusion_db=drop, occlusion_share=share)
    for g in range(CROWD_VENUE.n_gateways):
        em.lines[g].a += 12.0 - lowered
        em.refresh(g, force=True)
    return em


def test_a_buried_burst_keeps_a_badge_in_its_room() -> None:
    """Without the occlusion mixture the three silent hall gateways (and the low
    reading) outweigh a confident prior: the badge jumps to none. With it, the
    burst reads as the hall's crowd having buried it."""
    heard = [(CROWD_VENUE.gateway_index["h1"], -82.0)]
    rooms = {}
    for share in (0.0, 0.2):
        em = _crowd_model(share)
        post = [0.95, 0.03, 0.02]
        em.apply(post, em.scores(heard))
        rooms[share] = max(range(3), key=post.__getitem__)
    assert rooms[0.0] == 2  # none
    assert rooms[0.2] == 0  # hall


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=4), st.integers(min_value=-105, max_value=-40)
        ),
        max_size=5,
        unique_by=lambda h: h[0],
    ),
    st.floats(min_value=0.01, max_value=0.9),
    st.floats(min_value=0.0, max_value=20.0),
)
def test_occlusion_mixture_mixes_a_clear_and_a_lowered_burst(
    heard: list[tuple[int, int]], share: float, drop: float
) -> None:
    """c[r] + scores[r] of the mixture is ln((1 - s) L_clear + s L_lowered), where
    L_lowered is the plain model with every line ``drop`` dB lower; for rooms no
    heard gateway is near, c[r] alone is."""
    readings = [(g, float(y)) for g, y in heard]
    mixed = _crowd_model(share, drop)
    clear = _crowd_model(0.0)
    lowered = _crowd_model(0.0, lowered=drop)
    got = mixed.scores(readings)
    a = clear.scores(readings)
    b = lowered.scores(readings)
    for r in range(CROWD_VENUE.n_rooms):
        want = math.log(
            (1 - share) * math.exp(clear.c[r] + a.get(r, 0.0))
            + share * math.exp(lowered.c[r] + b.get(r, 0.0))
        )
        assert math.isclose(mixed.c[r] + got.get(r, 0.0), want, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize(
    "setting",
    [
        {"occlusion_share": 1.0},
        {"occlusion_share": -0.1},
        {"occlusion_db": -1.0},
        {"provisional": 0.0},
        {"move_memory": 0.0},
        {"move_prior": -1.0},
        {"move_bounds": (0.0, 100.0)},
        {"move_bounds": (300.0, 100.0)},
        {"busy_prior": -0.5},
        {"calib_conf": 0.0},
        {"calib_conf": 1.5},
        {"novelty_weight": 1.5},
        {"novelty_weight": -0.1},
        {"novelty_db": (10.0, 5.0)},
        {"novelty_db": (8.0, 8.0)},
        {"novelty_db": (-1.0, 5.0)},
        {"arrival_none": 1.0},
        {"arrival_none": -0.1},
    ],
)
def test_settings_are_checked(setting: dict[str, Any]) -> None:
    with pytest.raises(PresenceError) as err:
        PresenceEstimator(VENUE, **setting)
    assert err.value.reason == "bad-setting"


def _settled_in_a(est: PresenceEstimator) -> float:
    """Five bursts in room a, one a minute; returns the time of the next burst."""
    t = 0.0
    for _ in range(5):
        for j in range(6):
            est.update(t + 0.3 * j, "ga", "x", -60)
        t += 60.0
        est.advance(t - 1.0)
    return t


def test_an_open_burst_shows_a_move_once_it_is_decisive() -> None:
    """The badge has moved to c: two adverts of its next burst, loud at gc, are
    enough for badge_state while the burst is still open; the filtered posterior
    (and the occupancy, built from it) still says a until the burst closes."""
    est = PresenceEstimator(VENUE)
    t = _settled_in_a(est)
    c = VENUE.rooms.index("c")
    est.update(t, "gc", "x", -58)
    est.update(t + 0.3, "gc", "x", -59)
    est.advance(t + 1.0)  # the burst is open: it closes 2 s after its last advert
    room, conf, heard = est.badge_state("x")
    assert (room, heard) == ("c", 1)
    assert conf >= 0.95
    assert argmax(est.posterior("x")) == VENUE.rooms.index("a")
    assert est.occupancy()["a"][0] > 0.5
    est.advance(t + 3.0)  # closed
    assert argmax(est.posterior("x")) == c
    assert est.badge_state("x")[0] == "c"


def test_an_open_burst_below_the_threshold_is_not_shown() -> None:
    """The same move, with the provisional view off (above 1) or asking for more
    than the open burst gives: badge_state waits for the burst to close."""
    for setting in (1.5, 0.999999999):
        est = PresenceEstimator(VENUE, provisional=setting)
        t = _settled_in_a(est)
        est.update(t, "gc", "x", -58)
        est.advance(t + 1.0)
        assert est.badge_state("x")[0] == "a"
        est.advance(t + 3.0)
        assert est.badge_state("x")[0] == "c"


def test_provisional_view_changes_nothing_it_does_not_show() -> None:
    """Asking badge_state during an open burst leaves the estimator exactly as a
    twin that was never asked."""
    asked = PresenceEstimator(VENUE)
    twin = PresenceEstimator(VENUE)
    for est in (asked, twin):
        t = _settled_in_a(est)
        est.update(t, "gb", "x", -70)
        est.advance(t + 0.5)
    asked.badge_state("x")
    for est in (asked, twin):
        est.update(t + 0.6, "gb", "x", -72)
        est.advance(t + 10.0)
    assert asked.posterior("x") == twin.posterior("x")
    assert asked.occupancy() == twin.occupancy()


def test_windows_of_a_continuous_stream_are_not_shown_open() -> None:
    """1 Hz adverts cut into 5 s windows: a window that opened seconds after the
    previous one is not shown before it closes, even when it is decisive (shown,
    they only added flaps in continuous mode)."""
    est = PresenceEstimator(VENUE)
    t = 0.0
    while t < 120.0:
        est.update(t, "ga", "x", -60)
        t += 1.0
        est.advance(t)
    est.update(t, "gc", "x", -50)
    est.update(t + 0.5, "gc", "x", -50)
    est.advance(t + 1.0)
    assert est._k.badges["x"].burst is not None  # the window is open
    assert est.badge_state("x")[0] == "a"


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["ga", "gb", "gc"]), st.integers(min_value=-100, max_value=-45)),
        min_size=200,
        max_size=400,
    ),
    st.integers(min_value=0, max_value=120),
)
def test_continuous_streams_keep_the_invariants(
    seconds: list[tuple[str, int]], pause_at: int
) -> None:
    """Any 1 Hz stream (one advert a second, any gateway and level, a pause of
    2 minutes somewhere): the windows' posteriors sum to one, the badge learns a
    period of about 5 s, its snapshot for move learning is at most a period and a
    window old, and the learned move rate stays inside its bounds."""
    est = PresenceEstimator(VENUE)
    t = 0.0
    for k, (gw, rssi) in enumerate(seconds):
        if k == pause_at:
            t += 120.0
        est.update(t, gw, "x", rssi)
        t += 1.0
        est.advance(t)
        post = est.posterior("x")
        assert math.isclose(sum(post), 1.0, rel_tol=1e-9)
    badge = est._k.badges["x"]
    assert badge.period < 0.5 * 60.0
    assert badge.snap is not None and t - badge.snap[0] <= 60.0 + 10.0
    assert 1.0 / 3600.0 - 1e-15 <= est.transitions.rate_move <= 1.0 / 120.0 + 1e-15


def _fastest_learned_move_time(every: float, burst_len: float) -> float:
    """Twenty badges sit in a for 5 minutes, then half of them walk into b at
    once: the shortest move time the venue-wide rate reaches in the 3 minutes
    after (the other half keep the gateway lines where they were).
    Each badge sends one advert per second for ``burst_len`` of every ``every``
    seconds (3 of 60: burst mode; 1 of 1: continuous)."""
    est = PresenceEstimator(VENUE)
    fastest = math.inf
    for second in range(480):
        for i in range(20):
            phase = (second + 3 * i) % every
            if phase >= burst_len:
                continue
            ts = second + 0.05 * i
            if second < 300 or i % 2:
                est.update(ts, "ga", f"b{i}", -60)
                est.update(ts, "gb", f"b{i}", -80)
            else:
                est.update(ts, "gb", f"b{i}", -60)
                est.update(ts, "ga", f"b{i}", -80)
                est.update(ts, "gc", f"b{i}", -80)
        est.advance(second + 1.0)
        if second >= 300:
            fastest = min(fastest, 1.0 / est.transitions.rate_move)
    return fastest


def test_continuous_windows_learn_a_walk_out_as_bursts_do() -> None:
    """Everyone changing room at once speeds the learned move rate in continuous
    mode as it does in burst mode. Learned window to window, a 5 s window's
    twelfth of a burst's evidence booked most of each move as "stayed in b" and
    the rate stayed at its lower bound (3600 s) through the walk-out; learned from
    posteriors a period apart, it comes within a factor of three of what bursts
    reach (a period later: it waits for a period's windows)."""
    burst = _fastest_learned_move_time(60, 3)
    continuous = _fastest_learned_move_time(1, 1)
    assert burst < 600.0  # 180 s; the prior is 1800 s
    assert continuous < 600.0  # 378 s (2641 s learned window to window)


def _line_evidence(every: float, burst_len: float) -> float:
    """The decayed evidence weight of gateway ga's line after 10 minutes of one
    badge in a that sends one advert per second for ``burst_len`` of every
    ``every`` seconds."""
    est = PresenceEstimator(VENUE)
    for second in range(600):
        if second % every < burst_len:
            est.update(float(second), "ga", "x", -60)
            est.update(float(second), "gb", "x", -80)
        est.advance(second + 1.0)
    return est.emission.lines[0]._st[0]


def test_calibration_counts_a_period_of_windows_as_one_burst() -> None:
    """Windows weigh in a gateway line's fit as they do in the HMM: a period's
    twelve windows add what one burst adds, so the line's memory (its last 25
    bursts) is the same stretch of time in both modes. Counted whole, 20 badges'
    windows filled it in 6 s and the lines took up a move as a new level."""
    burst = _line_evidence(60, 3)
    continuous = _line_evidence(1, 1)
    assert 0.7 * burst < continuous < 1.5 * burst
