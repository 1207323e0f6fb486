"""Continuous-mode windows: how much a window changed (window_change) and the
weight it then gets in the HMM (PresenceEstimator._window_weight)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.core.presence_burst import window_change
from iotedge.core.presence_estimator import PresenceEstimator
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


readings = st.lists(
    st.tuples(st.integers(min_value=0, max_value=3), st.integers(min_value=-95, max_value=-40)),
    max_size=4,
    unique_by=lambda r: r[0],
).map(lambda rs: [(g, float(y), 1) for g, y in rs])


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
    # stopped, weighs as the walk's did; the one after that shares with it
    assert est._window_weight(badge, walked, w) == 0.6
    assert est._window_weight(badge, walked, w) == w


def test_a_window_between_the_thresholds_weighs_in_between() -> None:
    est = PresenceEstimator(VENUE, novelty_weight=0.5, novelty_db=(8.0, 18.0))
    _stream(est, 0.0, 60, {"ga": -60, "gb": -78})
    badge = est._k.badges["x"]
    badge.last_window = [(0, -60.0, 5), (1, -78.0, 5)]
    w = 0.1
    # below the low end: the window's share of a period, unchanged
    assert est._window_weight(badge, [(0, -66.0, 5), (1, -71.0, 5)], w) == w
    # both gateways changed by 13 dB: half way from 8 to 18 dB
    assert abs(est._window_weight(badge, [(0, -79.0, 5), (1, -58.0, 5)], w) - 0.3) < 1e-12
    # the next window changed by less than 8 dB but follows that one: it carries
    # its weight, and the window after it does not
    assert abs(est._window_weight(badge, [(0, -75.0, 5), (1, -60.0, 5)], w) - 0.3) < 1e-12
    assert est._window_weight(badge, [(0, -77.0, 5), (1, -61.0, 5)], w) == w


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
