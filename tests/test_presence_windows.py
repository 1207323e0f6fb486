"""Continuous-mode windows: how much a window changed (window_change) and the
weight it then gets in the HMM (PresenceEstimator._window_weight)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.core.presence_burst import window_change
from iotedge.core.presence_estimator import PresenceEstimator, _Badge
from iotedge.core.presence_hmm import argmax
from tests.test_presence_model import VENUE  # rooms a, b, c in a row, a gateway in each

FLOOR = [-95.0, -95.0, -95.0, -95.0]


def test_window_change_known_answers() -> None:
    # the same gateways, a few dB apart: the second largest change is 2 dB
    assert (
        window_change([(0, -70.0, 5), (1, -80.0, 5)], [(0, -72.0, 5), (1, -77.0, 5)], FLOOR) == 2.0
    )
    # walked on: gateway 0 (25 dB above its floor) is gone, 2 (20 above) is new,
    # 1 rose by 15: changes 25, 20, 15 -> 20
    assert (
        window_change([(0, -70.0, 5), (1, -80.0, 5)], [(1, -65.0, 5), (2, -75.0, 5)], FLOOR) == 20.0
    )
    # one gateway jumped by 15 dB (someone passed in front of it), the other held
    assert (
        window_change([(0, -60.0, 5), (1, -80.0, 5)], [(0, -75.0, 5), (1, -80.0, 5)], FLOOR) == 0.0
    )
    # one gateway in all: no second change
    assert window_change([(0, -60.0, 5)], [(0, -90.0, 5)], FLOOR) == 0.0
    # a gateway heard at its floor adds nothing when it comes or goes
    assert window_change([(0, -60.0, 5), (3, -95.0, 1)], [(0, -66.0, 5)], FLOOR) == 0.0
    # the floor is per gateway
    floors = [-95.0, -95.0, -85.0, -95.0]
    assert window_change([(0, -60.0, 5)], [(0, -66.0, 5), (2, -75.0, 2)], floors) == 6.0


def _average(
    ref: list[tuple[int, float, int]], cur: list[tuple[int, float, int]], k: float
) -> list[tuple[int, float, int]]:
    """The average of recent windows after window ``cur``, from ``ref``, moved a
    share ``k`` (3 w: a window of w = k / 3 of a period), by _window_weight."""
    est = PresenceEstimator(VENUE)
    badge = _Badge("x", 5.0)
    badge.last_window = (cur, ref)
    est._window_weight(badge, cur, k / 3.0)
    assert badge.last_window is not None and badge.last_window[0] is cur
    return badge.last_window[1]


def test_the_average_of_recent_windows_known_answers() -> None:
    assert PresenceEstimator(VENUE)._k.floor == [-95.0, -95.0, -95.0]
    ref = [(0, -60.0, 5), (1, -80.0, 5)]
    # a quarter of the way: gateway 0 to -65 (-20 away), 1 heard no more (its
    # floor, -95, is 15 below) and 2 new at -75 (20 above its floor)
    out = _average(ref, [(0, -80.0, 5), (2, -75.0, 3)], 0.25)
    assert [(g, n) for g, _, n in out] == [(0, 5), (1, 5), (2, 3)]
    assert [y for _, y, _ in out] == pytest.approx([-65.0, -83.75, -90.0], abs=1e-12)
    # a window of a third of a period or more: all the way, less a gateway at
    # its floor
    assert _average(ref, [(0, -70.0, 5), (2, -95.0, 1)], 1.0) == [(0, -70.0, 5)]
    # a gateway that fades to within 1 dB of its floor is dropped
    assert _average([(0, -95.5, 5)], [], 0.25) == []
    # the first window of a stream is its own average
    est = PresenceEstimator(VENUE)
    badge = _Badge("x", 5.0)
    est._window_weight(badge, ref, 0.1)
    assert badge.last_window == (ref, ref)


def _windows(gateways: int) -> st.SearchStrategy[list[tuple[int, float, int]]]:
    """Window summaries over gateways 0 .. gateways - 1, each heard at most once."""
    return st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=gateways - 1),
            st.integers(min_value=-95, max_value=-40),
        ),
        max_size=gateways,
        unique_by=lambda r: r[0],
    ).map(lambda rs: [(g, float(y), 1) for g, y in rs])


readings = _windows(4)


@settings(max_examples=300, deadline=None)
@given(readings, readings)
def test_window_change_is_symmetric_and_bounded(
    prev: list[tuple[int, float, int]], cur: list[tuple[int, float, int]]
) -> None:
    """Either order gives the same change; it is never negative (readings at or
    above the floor), never more than the largest single change, and 0 between
    a window and itself."""
    change = window_change(prev, cur, FLOOR)
    assert change == window_change(cur, prev, FLOOR)
    singles = []
    old = {g: y for g, y, _ in prev}
    new = {g: y for g, y, _ in cur}
    for g in old.keys() | new.keys():
        if g in old and g in new:
            singles.append(abs(old[g] - new[g]))
        else:
            singles.append(old.get(g, new.get(g, 0.0)) - FLOOR[g])
    assert 0.0 <= change <= max(singles, default=0.0)
    assert window_change(cur, cur, FLOOR) == 0.0


three_gateways = _windows(3)  # the VENUE's


@settings(max_examples=200, deadline=None)
@given(three_gateways, three_gateways, st.floats(min_value=0.0, max_value=0.98))
def test_the_average_stays_between_the_reference_and_the_window(
    ref: list[tuple[int, float, int]], cur: list[tuple[int, float, int]], k: float
) -> None:
    """Every level ends between the reference's and the window's (a missing
    side at the floor), a share k of the way, more than 1 dB above the floor,
    once per gateway; and the change from the result is never more than the
    change from the reference, but for the dB of a gateway dropped at its floor."""
    out = _average(ref, cur, k)
    old = {g: y for g, y, _ in ref}
    new = {g: y for g, y, _ in cur}
    gateways = [g for g, _, _ in out]
    assert len(gateways) == len(set(gateways))
    for g, y, _ in out:
        a = old.get(g, FLOOR[g])
        b = new.get(g, FLOOR[g])
        assert abs(y - (a + k * (b - a))) < 1e-9
        assert y > FLOOR[g] + 1.0
    for g in old.keys() | new.keys():
        a = old.get(g, FLOOR[g])
        if a + k * (new.get(g, FLOOR[g]) - a) > FLOOR[g] + 1.0 + 1e-9:
            assert g in gateways
    assert window_change(out, cur, FLOOR) <= window_change(ref, cur, FLOOR) + 1.0 + 1e-9


def _stream(est: PresenceEstimator, start: float, seconds: int, levels: dict[str, int]) -> float:
    """One advert a second for ``seconds``, each heard by every gateway in
    ``levels`` at that level; returns the time after the last."""
    t = start
    for _ in range(seconds):
        for gw, rssi in levels.items():
            est.update(t, gw, "x", rssi)
        t += 1.0
        est.advance(t)
    return t


def _seconds_to_show(est: PresenceEstimator, room: str) -> int:
    """A badge settled in a for 3 minutes walks to c: seconds of 1 Hz adverts
    heard at c until its filtered posterior says c."""
    t = _stream(est, 0.0, 180, {"ga": -60, "gb": -78})
    for k in range(1, 120):
        t = _stream(est, t, 1, {"gc": -60, "gb": -78})
        if argmax(est.posterior("x")) == VENUE.rooms.index(room):
            return k
    return 10**6


def test_a_changed_window_weighs_more_and_shows_a_walk_sooner() -> None:
    """The first window after the walk changed at two gateways by far more than
    novelty_db's high end: it weighs novelty_weight, not its twelfth of a
    period, and the move shows in fewer seconds than without it."""
    fast = _seconds_to_show(PresenceEstimator(VENUE), "c")
    slow = _seconds_to_show(PresenceEstimator(VENUE, novelty_weight=0.0), "c")
    assert fast <= 10 < slow
    # the weight itself, for a settled badge's window: at most the setting
    est = PresenceEstimator(VENUE)
    _stream(est, 0.0, 180, {"ga": -60, "gb": -78})
    badge = est._k.badges["x"]
    w = badge.period / 60.0
    walked = [(2, -60.0, 5), (1, -78.0, 5)]
    assert est._window_weight(badge, walked, w) == 0.6
    # the same readings again: the window after the walk, taken where the badge
    # stopped, weighs as the walk's did; the ones after that weigh less and
    # less as the average of recent windows forgets where the badge sat, and
    # once it has (within a period) they weigh their share again
    weights = [est._window_weight(badge, walked, w) for _ in range(12)]
    assert weights[0] == 0.6
    assert weights[2] > w
    assert all(a >= b for a, b in itertools.pairwise(weights))
    assert weights[6:] == [w] * 6


def test_a_window_between_the_thresholds_weighs_in_between() -> None:
    est = PresenceEstimator(VENUE, novelty_weight=0.5, novelty_db=(8.0, 18.0))
    _stream(est, 0.0, 60, {"ga": -60, "gb": -78})
    badge = est._k.badges["x"]
    badge.last_window = ([(0, -60.0, 5), (1, -78.0, 5)], [])
    w = 0.1

    def weight(window: list[tuple[int, float, int]]) -> float:
        last = badge.last_window
        assert last is not None
        badge.last_window = (last[0], last[0])  # the change from the previous window alone
        return est._window_weight(badge, window, w)

    # below the low end: the window's share of a period, unchanged
    assert weight([(0, -66.0, 5), (1, -71.0, 5)]) == w
    # both gateways changed by 13 dB: half way from 8 to 18 dB
    assert abs(weight([(0, -79.0, 5), (1, -58.0, 5)]) - 0.3) < 1e-12
    # the next window changed by less than 8 dB but follows that one: it carries
    # its weight, and the window after it does not
    assert abs(weight([(0, -75.0, 5), (1, -60.0, 5)]) - 0.3) < 1e-12
    assert weight([(0, -77.0, 5), (1, -61.0, 5)]) == w


def test_a_slow_walk_weighs_more_by_its_drift() -> None:
    """A badge settled at ga walks towards gc in 6 dB steps a window: no window
    changed by novelty_db's low end (8 dB) from the one before, but from the
    average of recent windows the third already has, and the walk weighs more
    than its share; measured from the previous window alone it would not."""
    est = PresenceEstimator(VENUE)
    _stream(est, 0.0, 180, {"ga": -60, "gb": -78})
    badge = est._k.badges["x"]
    w = badge.period / 60.0
    steps = [[(0, -60.0 - 6 * k, 5), (1, -78.0, 5), (2, -90.0 + 6 * k, 5)] for k in range(1, 6)]
    for prev, cur in itertools.pairwise(steps):
        assert window_change(prev, cur, est._k.floor) == 6.0
    weights = [est._window_weight(badge, window, w) for window in steps]
    assert weights[0] == w  # 6 dB from where it sat (gc was heard at -84)
    assert weights[2] > w
    assert max(weights) > 2 * w


def test_a_badge_that_stays_put_is_weighed_as_before() -> None:
    """Readings that wander by less than novelty_db's low end, and one gateway
    that drops 15 dB for a few seconds (someone passing in front of it), never
    raise a window's weight: the posterior is exactly that of an estimator
    without the rule."""
    with_rule = PresenceEstimator(VENUE)
    without = PresenceEstimator(VENUE, novelty_weight=0.0)
    for est in (with_rule, without):
        t = 0.0
        for k in range(300):
            ga = -60 - (k * 7) % 6
            gb = -78 + (k * 5) % 4
            if 100 <= k < 106:
                ga = -75  # someone in front of ga
            est.update(t, "ga", "x", ga)
            est.update(t, "gb", "x", gb)
            t += 1.0
            est.advance(t)
    assert with_rule.posterior("x") == without.posterior("x")
    assert with_rule.occupancy() == without.occupancy()


def test_bursts_never_use_the_rule() -> None:
    """Burst mode (a burst a minute) is untouched: no window is kept and the
    posteriors equal those of an estimator without the rule, even when the badge
    moves."""
    with_rule = PresenceEstimator(VENUE)
    without = PresenceEstimator(VENUE, novelty_weight=0.0)
    for est in (with_rule, without):
        t = 0.0
        for k in range(12):
            gw = "ga" if k < 6 else "gc"
            for j in range(6):
                est.update(t + 0.3 * j, gw, "x", -60)
                est.update(t + 0.3 * j, "gb", "x", -78)
            t += 60.0
            est.advance(t - 1.0)
    assert with_rule.posterior("x") == without.posterior("x")
    assert with_rule._k.badges["x"].last_window is None


def test_a_missed_window_weighs_a_windows_share() -> None:
    """A stream settled in a goes unheard for 15 s (a crowd in front of it): each
    missed window is a window's share of a missed burst, so the badge stays in a;
    unheard for two minutes it is in none. Weighed as a whole missed burst, the
    first missed window moved it to none."""
    est = PresenceEstimator(VENUE)
    t = _stream(est, 0.0, 180, {"ga": -60, "gb": -78})
    shown = []
    for k in range(1, 121):
        est.advance(t + k)
        shown.append(est.badge_state("x")[0])
    assert shown[:15] == ["a"] * 15
    assert shown[-1] == "none"
    assert argmax(est.posterior("x")) == VENUE.n_rooms
