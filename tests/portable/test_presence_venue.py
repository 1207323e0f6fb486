"""Portable known-answer tests of the presence venue tables (pytest and MicroPython).

The last presence test module: it unloads every presence module when done
(tests/portable/presence_support.py), so later test modules get the heap back.
"""

import gc

from presence_support import i, unload


def test_venue_validation_and_tables():
    from iotedge.core.errors import PresenceError
    from iotedge.core.presence_venue import Venue

    try:
        for bad in (
            {"rooms": [], "gateways": {"g": {"room": "a"}}},
            {"rooms": ["a", "a"], "gateways": {"g": {"room": "a"}}},
            {"rooms": ["none"], "gateways": {"g": {"room": "none"}}},
            {"rooms": ["a"], "gateways": {"g": {"room": "b"}}},
            {"rooms": ["a"], "adjacent": [["a", "a"]], "gateways": {"g": {"room": "a"}}},
            {"rooms": ["a"], "gateways": {"g": {"room": "a", "x": "1", "y": 2}}},
            {"rooms": ["a"], "transit": "a", "gateways": {"g": {"room": "a"}}},
            {"rooms": ["a"], "transit": ["b"], "gateways": {"g": {"room": "a"}}},
            {"rooms": ["a", "b"], "transit": ["b", "b"], "gateways": {"g": {"room": "a"}}},
        ):
            try:
                Venue(bad)
            except PresenceError as exc:
                assert exc.reason == "bad-venue"
            else:
                raise AssertionError("accepted " + repr(bad))
        v = Venue(
            {
                "rooms": ["a", "b", "c", "d"],
                "adjacent": [["a", "b"], ["b", "c"], ["c", "d"]],
                "transit": ["b"],
                "gateways": {"ga": {"room": "a"}},
            }
        )
        # 0, 1 and 2 walls from ga: 7.78 + 6.61 per wall; d is 3 walls away: far
        assert [(r, i(u, 100)) for r, u in v.near[0]] == [(0, 778), (1, 1439), (2, 2100)]
        assert v.transit == [False, True, False, False]
        gc.collect()
    finally:
        unload(keep=False)  # the last presence test: give the heap back
