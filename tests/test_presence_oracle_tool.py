"""tools/presence_oracle.py: the true move rate it derives from a truth, and the
estimator it tells that rate to (the bound quoted in docs/presence.md)."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import pytest

from iotedge.core.presence_hmm import Transitions
from iotedge.presence.io import Truth
from tests.test_presence_model import VENUE  # rooms a, b, c in a row, a gateway in each

TOOL = Path(__file__).resolve().parents[1] / "tools" / "presence_oracle.py"


@pytest.fixture(scope="module")
def oracle() -> ModuleType:
    spec = importlib.util.spec_from_file_location("presence_oracle", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _truth() -> Truth:
    """Four badges in a for 200 s; x walks to b at second 100; y leaves at 150."""
    truth = Truth()
    for second in range(200):
        for badge in ("w", "x", "y", "z"):
            room = "a"
            if badge == "x" and second >= 100:
                room = "b"
            if badge == "y" and second >= 150:
                room = "none"
            truth.add(second, badge, room)
    return truth


def test_true_rates_count_the_changes_of_the_minute_before(oracle: ModuleType) -> None:
    rates = oracle.true_rates(_truth())
    calm = 0.3 / 4 / 60  # no change: the 0.3 floor over four badges inside
    assert rates[99] == pytest.approx(calm)
    # x's change counts from second 100 for a minute, over the four badges inside
    assert rates[100] == pytest.approx(1 / 4 / 60)
    assert rates[149] == pytest.approx(1 / 4 / 60)
    # from 150 y is outside, so it no longer counts among those inside
    assert rates[150] == pytest.approx(1 / 3 / 60)
    assert rates[159] == pytest.approx(1 / 3 / 60)
    assert rates[160] == pytest.approx(0.3 / 3 / 60)


def test_told_rates_scale_and_cap(oracle: ModuleType) -> None:
    rates = oracle.told(oracle.true_rates(_truth()), 3.0, 1.0)
    assert rates[120] == pytest.approx(3 / 4 / 60)
    capped = oracle.told(oracle.true_rates(_truth()), 3.0, 120.0)
    assert capped[120] == pytest.approx(1 / 120)  # 3/240 per second would be faster
    assert capped[10] == pytest.approx(3 * 0.3 / 4 / 60)


def test_the_rate_is_told_not_learned(oracle: ModuleType) -> None:
    rates = {second: (1 / 600 if second < 200 else 1 / 150) for second in range(400)}
    est = oracle.OracleRate(VENUE, rates, False, 0.5)
    for minute in range(6):
        t0 = 60.0 * minute
        for k in range(3):
            est.update(t0 + k, "ga", "b0", -60)
            est.update(t0 + k, "gb", "b0", -80)
        est.advance(t0 + 10.0)
        told = rates[int(t0 + 10.0)]
        assert est.transitions.rate_move == told  # closing a burst learned nothing
    assert est.badge_state("b0")[0] == "a"


def test_predicted_occupancy_carries_each_posterior_to_now(oracle: ModuleType) -> None:
    rates = {second: 1 / 300 for second in range(2000)}
    told = oracle.OracleRate(VENUE, rates, True, 0.5)
    plain = oracle.OracleRate(VENUE, rates, False, 0.5)
    for est in (told, plain):
        for k in range(3):
            est.update(float(k), "ga", "b0", -55)
            est.update(float(k), "gb", "b0", -85)
        # 50 s on, before its next burst is due (a missed one would be evidence)
        est.advance(50.0)
    post = told.posterior("b0")
    t_post = told._k.badges["b0"].t_post
    expected = list(post)
    trans = Transitions(VENUE.neighbours, move_time=300.0, transit=VENUE.transit)
    trans.weights = list(told.transitions.weights)
    trans.predict(expected, 50.0 - t_post)
    got = told.occupancy()
    for r, room in enumerate(VENUE.rooms):
        assert got[room][0] == pytest.approx(expected[r])
        assert plain.occupancy()[room][0] == pytest.approx(post[r])
    # 45 s at a five-minute move time: a keeps about exp(-45 / 300) of it
    assert got["a"][0] == pytest.approx(plain.occupancy()["a"][0] * math.exp(-45 / 300), rel=0.02)
    assert math.isclose(sum(v[0] for v in got.values()) + expected[-1], 1.0, rel_tol=1e-9)
