"""Portable test of a badge heard for the first time in a streaming venue
(pytest and MicroPython): in a module of its own, so the 64K run gives it a
fresh interpreter (three streaming badges beside the other estimator tests left
no room)."""

import gc

from presence_support import _venue, unload


def test_a_stream_arriving_starts_outside_at_the_venues_cadence():
    """Two badges stream at 1 Hz in room a; a new badge x starts streaming in b.
    Its period starts at the venue's (a stream's, not the 60 s setting), so its
    first window weighs a window's share, and from arrival_none = 0.9 in none
    that first window does not show it; a few more do."""
    from iotedge.core.presence_estimator import PresenceEstimator

    try:
        gc.collect()
        est = PresenceEstimator(_venue())
        t = 0.0
        shown = []
        for k in range(180):
            est.update(t, "ga", "s1", -62)
            est.update(t, "ga", "s2", -64)
            if k >= 150:
                est.update(t, "gb", "x", -60)
                est.update(t, "ga", "x", -85)
            t += 1.0
            est.advance(t)
            if k >= 150:
                shown.append(est.badge_state("x")[0])
        assert est._k.badges["x"].period < 30.0
        assert shown[:7] == ["none"] * 7  # the first window closed after 5 s
        assert "b" in shown and shown[-1] == "b"
    finally:
        unload()
