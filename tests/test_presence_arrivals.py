"""A badge heard for the first time: the prior it starts from (arrival_none) and
the cadence it starts at (the venue's, learned from the badges already seen)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.core.presence_emission import EmissionModel
from iotedge.core.presence_estimator import PresenceEstimator
from tests.test_presence_model import VENUE  # rooms a, b, c in a row, a gateway in each

GATEWAYS = ["ga", "gb", "gc"]


@settings(max_examples=100, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=0.99),
    st.dictionaries(
        st.sampled_from(GATEWAYS), st.integers(min_value=-94, max_value=-40), min_size=1
    ),
)
def test_first_burst_is_the_prior_times_its_likelihood(
    arrival_none: float, heard: dict[str, int]
) -> None:
    """Known answer for any prior and burst: a new badge's posterior after its
    first burst is (arrival_none in none, the rest spread evenly over the rooms)
    times the burst's likelihood, normalised."""
    est = PresenceEstimator(VENUE, arrival_none=arrival_none, calibrate=False, learn_floor=False)
    for j in range(3):
        for gw, rssi in heard.items():
            est.update(0.5 * j, gw, "x", rssi)
    est.advance(10.0)
    n = VENUE.n_rooms
    prior = [(1.0 - arrival_none) / n] * n + [arrival_none]
    em = EmissionModel(VENUE)
    factors = em.apply(
        list(prior), em.scores([(VENUE.gateway_index[g], float(y)) for g, y in heard.items()])
    )
    expected = [p * f for p, f in zip(prior, factors, strict=True)]
    total = sum(expected)
    got = est.posterior("x")
    for e, g in zip(expected, got, strict=True):
        assert math.isclose(g, e / total, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(sum(got), 1.0, rel_tol=1e-12)


def _venue_streams(est: PresenceEstimator, t: float, seconds: int) -> float:
    """Four badges settled in room a, one advert a second each."""
    for _ in range(seconds):
        for k in range(4):
            est.update(t, "ga", f"s{k}", -60)
            est.update(t, "gb", f"s{k}", -78)
        t += 1.0
        est.advance(t)
    return t


def _seconds_until_shown(est: PresenceEstimator, t: float, limit: int = 120) -> int:
    """A new badge x streams from room c (the venue's badges stream on): seconds
    until badge_state shows it in c. Before that it must show none, also while
    its first window is open."""
    for k in range(1, limit):
        est.update(t, "gc", "x", -60)
        est.update(t, "gb", "x", -78)
        t = _venue_streams(est, t, 1)
        room = est.badge_state("x")[0]
        if room == "c":
            return k
        assert room == "none"
    return 10**6


def test_a_stream_arriving_is_not_shown_on_its_first_window() -> None:
    """In a venue whose badges stream, a new badge's first window weighs a
    window's share of a period (its period starts at the venue's, not the 60 s
    setting) and is not shown provisionally; from arrival_none = 0.9 in none it
    takes three windows (18 s here) to show, from an even prior one (6 s). With
    the setting's period its first windows weighed a whole burst each."""
    seconds = {}
    for prior in (0.9, 0.5):
        est = PresenceEstimator(VENUE, arrival_none=prior)
        t = _venue_streams(est, 0.0, 200)
        seconds[prior] = _seconds_until_shown(est, t)
        badge = est._k.badges["x"]
        assert badge.period < 30.0  # a stream's, from its first window on
    assert 5 < seconds[0.5] < seconds[0.9] <= 20


def test_a_burst_arriving_is_shown_at_its_first_burst() -> None:
    """In a venue whose badges burst once a minute, a new badge's first burst
    weighs a whole burst and outweighs arrival_none = 0.9: it is shown as soon as
    the burst closes, and its period is the setting's."""
    est = PresenceEstimator(VENUE)
    t = 0.0
    for _ in range(5):
        for k in range(4):
            for j in range(3):
                est.update(t + j, "ga", f"s{k}", -60)
                est.update(t + j, "gb", f"s{k}", -78)
        t += 60.0
        est.advance(t - 30.0)
    for j in range(3):
        est.update(t + j, "gc", "x", -60)
        est.update(t + j, "gb", "x", -78)
    est.advance(t + 5.0)  # the burst closed at t + 4 (2 s after its last advert)
    assert est.badge_state("x")[0] == "c"
    assert est._k.badges["x"].period == 60.0


def test_a_forgotten_stream_comes_back_from_outside() -> None:
    """After forget_after without a report a badge is certainly in none; heard
    again it starts from arrival_none like a new one, at the venue's cadence:
    not shown on its first window back."""
    est = PresenceEstimator(VENUE, forget_after=300.0)
    t = _venue_streams(est, 0.0, 200)
    first = _seconds_until_shown(est, t)
    t = _venue_streams(est, t + first, 400)  # x silent for 400 s: forgotten
    assert est.posterior("x")[-1] == 1.0
    again = _seconds_until_shown(est, t)
    assert again > 6 and again == first


def test_a_stream_back_from_a_pause_is_not_shown_provisionally() -> None:
    """A streaming badge settled in a falls silent for 40 s (less than
    forget_after) and comes back in c: its open first window back is more than
    half a period after the previous one, but it is a window of a stream, so it
    is not shown at a whole burst's weight; the closed windows show the move."""
    est = PresenceEstimator(VENUE)
    t = 0.0
    for _ in range(200):
        est.update(t, "ga", "x", -60)
        est.update(t, "gb", "x", -78)
        t += 1.0
        est.advance(t)
    t += 40.0
    est.advance(t)
    shown = []
    for _ in range(4):  # the first window back is still open after 4 adverts
        est.update(t, "gc", "x", -55)
        est.update(t, "gb", "x", -78)
        t += 1.0
        est.advance(t)
        shown.append(est.badge_state("x")[0])
    assert "c" not in shown
    for _ in range(60):
        est.update(t, "gc", "x", -55)
        est.update(t, "gb", "x", -78)
        t += 1.0
        est.advance(t)
    assert est.badge_state("x")[0] == "c"
