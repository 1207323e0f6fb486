"""Portable known-answer tests of the presence estimator (pytest and MicroPython).

Each test imports what it uses and unloads the presence modules afterwards
(tests/portable/presence_support.py) so the 64 KB-heap MicroPython run fits.
"""

import gc

from presence_support import i, roomy_heap, unload


def _venue():
    from iotedge.core.presence_venue import Venue

    return Venue(
        {
            "rooms": ["a", "b"],
            "adjacent": [["a", "b"]],
            "gateways": {"ga": {"room": "a"}, "gb": {"room": "b"}},
        }
    )


def test_emission_apply_hand_computed():
    if not roomy_heap():
        return  # needs the estimator's modules loaded from source: see presence_support
    from iotedge.core.presence_emission import EmissionModel
    from iotedge.core.presence_math import ln

    try:
        em = EmissionModel(_venue(), temper=1.0)
        em.ec = [1.0, 1.0]  # no silence evidence, to keep the arithmetic by hand
        post = [0.25, 0.25, 0.5]
        em.apply(post, {0: ln(3.0)})
        # factors (3, 1, 1): (0.75, 0.25, 0.5) / 1.5
        assert [i(p) for p in post] == [5000, 1667, 3333]
        # a strong reading at ga scores room a above b
        scores = em.scores([(0, -70.0)])
        assert scores[0] > scores[1]
    finally:
        unload()


def _burst(est, t0, gateway, badge, rssi):
    for k in range(6):
        est.update(t0 + 0.3 * k, gateway, badge, rssi)


def test_estimator_follows_a_badge_and_sums_occupancy():
    if not roomy_heap():
        return
    from iotedge.core.presence_estimator import PresenceEstimator

    try:
        gc.collect()
        est = PresenceEstimator(_venue())
        t = 0.0
        for _ in range(4):
            _burst(est, t, "ga", "x", -70)
            _burst(est, t, "gb", "x", -92)
            _burst(est, t, "gb", "y", -72)
            t += 60.0
            est.advance(t)
        room, conf, heard = est.badge_state("x")
        assert room == "a" and conf > 0.9 and heard == 2
        assert est.badge_state("y")[0] == "b"
        occ = est.occupancy()
        for r, name in enumerate(("a", "b")):
            total = est.posterior("x")[r] + est.posterior("y")[r]
            assert i(occ[name][0], 1000000) == i(total, 1000000)
            assert occ[name][1] <= occ[name][0] <= occ[name][2]
        # x walks to room b: detected within two bursts
        for _ in range(2):
            _burst(est, t, "gb", "x", -68)
            _burst(est, t, "ga", "x", -93)
            t += 60.0
            est.advance(t)
        assert est.badge_state("x")[0] == "b"
        # then it leaves: silence when bursts are due is evidence for none
        est.advance(t + 400.0)
        assert est.badge_state("x")[0] == "none"
        assert est.badge_state("never-seen") == ("none", 1.0, 0)
    finally:
        unload()


def test_estimator_rejects_bad_input():
    if not roomy_heap():
        return
    from iotedge.core.errors import PresenceError
    from iotedge.core.presence_estimator import PresenceEstimator

    try:
        est = PresenceEstimator(_venue())
        try:
            est.update(0.0, "ga", "x", 99)
        except PresenceError as exc:
            assert exc.reason == "bad-report"
        else:
            raise AssertionError("accepted rssi 99")
        est.update(0.0, "nobody", "x", -70)
        assert est.unknown_gateway_reports == 1
        try:
            PresenceEstimator(_venue(), stat="mode")
        except PresenceError:
            pass
        else:
            raise AssertionError("accepted an unknown statistic")
    finally:
        unload()
