"""Portable test of the estimator in continuous mode (pytest and MicroPython).

In a module of its own: each estimator test module runs in a fresh interpreter in
the 64K precompiled run, and next to the other two estimator tests this one left
1 KB of that heap.
"""

import gc

from presence_support import _venue, unload


def test_continuous_windows_learn_the_move_rate():
    """Four badges at 1 Hz (5 s windows) in a; after 3 minutes two walk into b.
    Learned from posteriors a period apart, the walk-out takes the venue's move
    time from its 1800 s prior to under 1200 s (296 s here; 929 s without the
    changed-window weight, novelty_weight=0); learned window to window it rose
    instead (1848 s, at commit 87bad9b). The walk changed both gateways by 22 dB,
    so the windows after it weigh 0.6, not a twelfth of a period: b0 shows b 12 s
    after the walk (60 s without)."""
    from iotedge.core.presence_estimator import PresenceEstimator

    try:
        gc.collect()
        est = PresenceEstimator(_venue())
        fastest = 1.0e9
        shown = 0
        for second in range(360):
            for n in range(4):
                name = "b%d" % n
                ts = second + 0.1 * n
                near, far = ("ga", "gb") if second < 180 or n % 2 else ("gb", "ga")
                est.update(ts, near, name, -62)
                est.update(ts, far, name, -84)
            est.advance(second + 1.0)
            if second >= 180:
                fastest = min(fastest, 1.0 / est.transitions.rate_move)
                if not shown and est.badge_state("b0")[0] == "b":
                    shown = second + 1
        assert fastest < 1200.0
        assert 180 < shown <= 220
        assert est.badge_state("b0")[0] == "b" and est.badge_state("b1")[0] == "a"
    finally:
        unload()
