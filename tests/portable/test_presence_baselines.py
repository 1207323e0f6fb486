"""Portable known-answer tests of the presence estimator: the baselines (pytest and MicroPython).

Each test imports what it uses and unloads the presence modules afterwards
(tests/portable/presence_support.py) so the 64 KB-heap MicroPython run fits.
"""

from presence_support import unload


def _venue():
    from iotedge.core.presence_venue import Venue

    return Venue(
        {
            "rooms": ["a", "b"],
            "adjacent": [["a", "b"]],
            "gateways": {"ga": {"room": "a"}, "gb": {"room": "b"}},
        }
    )


def test_strongest_gateway_follows_home_assistant_rules():
    from iotedge.core.presence_baselines import StrongestGateway

    try:
        sg = StrongestGateway(_venue(), timeout=5.0, away_timeout=120.0)
        sg.update(0.0, "ga", "x", -65)  # ~1.5 m from a
        assert sg.badge_state("x")[0] == "a"
        sg.update(1.0, "gb", "x", -70)  # farther, within the timeout: ignored
        assert sg.badge_state("x")[0] == "a"
        sg.update(2.0, "gb", "x", -60)  # nearer: taken at once
        assert sg.badge_state("x")[0] == "b"
        sg.update(9.0, "ga", "x", -75)  # farther but the state is older than 5 s: taken
        assert sg.badge_state("x")[0] == "a"
        sg.advance(200.0)
        assert sg.badge_state("x")[0] == "none"
    finally:
        unload()


def test_threshold_count_counts_in_every_room():
    from iotedge.core.presence_baselines import ThresholdCount

    try:
        tc = ThresholdCount(_venue(), threshold=-85.0, window=75.0)
        tc.update(0.0, "ga", "x", -70)
        tc.update(0.0, "gb", "x", -80)
        tc.update(0.0, "gb", "y", -90)  # below threshold: not counted
        tc.advance(1.0)
        occ = tc.occupancy()
        assert int(occ["a"][0]) == 1 and int(occ["b"][0]) == 1
        assert tc.badge_state("x")[0] == "a"
        assert tc.badge_state("y")[0] == "none"
        tc.advance(100.0)
        assert int(tc.occupancy()["a"][0]) == 0
    finally:
        unload()
