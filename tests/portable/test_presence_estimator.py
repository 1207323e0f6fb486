"""Portable known-answer tests of the presence estimator (pytest and MicroPython).

Each estimator test module runs in its own interpreter in the 64K run; helpers and
the two-room venue are in tests/portable/presence_support.py.
"""

import gc

from presence_support import _burst, _venue, i, unload


def test_estimator_follows_a_badge_and_sums_occupancy():
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


def test_estimator_shows_a_decisive_open_burst():
    from iotedge.core.presence_estimator import PresenceEstimator

    try:
        gc.collect()
        est = PresenceEstimator(_venue())
        t = 0.0
        for _ in range(4):
            _burst(est, t, "ga", "x", -65)
            t += 60.0
            est.advance(t - 1.0)
        # x has walked to b: four loud adverts at gb, the burst still open
        for k in range(4):
            est.update(t + 0.3 * k, "gb", "x", -55)
        est.advance(t + 1.5)
        room, conf, heard = est.badge_state("x")
        assert room == "b" and conf >= 0.95 and heard == 1
        post = est.posterior("x")
        assert post[0] > post[1]  # the filter waits for the burst to close
        est.advance(t + 4.0)
        post = est.posterior("x")
        assert post[1] > post[0]
    finally:
        unload()
