"""Portable known-answer tests of the presence estimator (pytest and MicroPython).

Each test imports what it uses and unloads the presence modules afterwards
(tests/portable/presence_support.py) so the 64 KB-heap MicroPython run fits.
"""

from presence_support import i, unload


def test_math_known_values():
    from iotedge.core.presence_math import exp, ln, log10, softplus

    try:
        assert i(ln(10.0), 1000000) == 2302585  # ln 10 = 2.302585...
        assert i(ln(0.001), 1000000) == -6907755
        assert i(log10(250.0), 1000000) == 2397940
        assert i(exp(1.0), 1000000) == 2718282
        assert i(softplus(0.0), 1000000) == 693147  # ln 2
        assert exp(-1000.0) == 0.0
    finally:
        unload()


def test_burst_statistics():
    from iotedge.core.presence_stats import maximum, median, trimmed_mean

    try:
        assert i(median([-70, -80, -75])) == -750000
        assert i(median([-70, -80])) == -750000
        # 5 readings, trim 20 %: drop one at each end -> mean(-70, -71, -72)
        assert i(trimmed_mean([-60, -70, -71, -72, -90])) == -710000
        assert i(maximum([-90, -61, -75])) == -610000
    finally:
        unload()


def test_burst_drops_duplicates_and_stays_bounded():
    from iotedge.core.presence_burst import MAX_SAMPLES, Burst

    try:
        burst = Burst(10.0)
        assert burst.add(10.0, 0, -70)
        assert not burst.add(10.0, 0, -70)  # the same report delivered twice
        for k in range(100):
            burst.add(10.1 + k * 0.01, 1, -80)
        assert len(burst.samples[1]) == MAX_SAMPLES
        assert burst.counts[1] == 100
        summary = burst.summary("median")
        assert sorted((g, int(y), n) for g, y, n in summary) == [(0, -70, 1), (1, -80, 100)]
    finally:
        unload()


def test_window_change_known_answers():
    from iotedge.core.presence_burst import window_change

    floor = [-95.0, -95.0, -85.0]
    try:
        # walked on: gateway 0 gone (25 dB above its floor), 2 new (10 above its
        # -85 floor), 1 rose by 15: changes 25, 15, 10 -> 15
        prev = [(0, -70.0, 5), (1, -80.0, 5)]
        assert i(window_change(prev, [(1, -65.0, 5), (2, -75.0, 5)], floor)) == 150000
        # stayed: changes 2 and 3 -> 2; one gateway only -> 0
        assert i(window_change(prev, [(0, -72.0, 5), (1, -77.0, 5)], floor)) == 20000
        assert window_change([(0, -60.0, 5)], [(0, -90.0, 5)], floor) == 0.0
    finally:
        unload()


def test_transition_hand_computed():
    from iotedge.core.presence_hmm import Transitions
    from iotedge.core.presence_math import exp

    try:
        # move and leave rates 1/100 s: over 50 s stay = e^-1; half of what moves
        # leaves, the rest goes 70 % to the neighbour and 30 % uniformly over both rooms.
        tr = Transitions([[1], [0]], move_time=100.0, leave_time=100.0, enter_time=100.0)
        post = [1.0, 0.0, 0.0]
        tr.predict(post, 50.0)
        moved = 1.0 - exp(-1.0)
        assert i(post[0]) == i(exp(-1.0) + 0.3 * moved / 2 / 2)
        assert i(post[1]) == i(0.7 * moved / 2 + 0.3 * moved / 2 / 2)
        assert i(post[2]) == i(moved / 2)
        assert i(post[0] + post[1] + post[2], 1000000) == 1000000
    finally:
        unload()


def test_backward_is_transpose_of_predict():
    from iotedge.core.presence_hmm import Transitions
    from iotedge.core.presence_smoothing import backward

    try:
        # a plain chain, and one whose middle room is a corridor (what enters it
        # within the 60 s mostly walks on)
        for transit in (None, [False, True, False]):
            tr = Transitions([[1], [0, 2], [1]], move_time=300.0, transit=transit)
            beta0 = [0.2, 0.5, 0.9, 0.1]
            beta = list(beta0)
            backward(tr, beta, 60.0)
            for q in range(4):
                unit = [0.0, 0.0, 0.0, 0.0]
                unit[q] = 1.0
                tr.predict(unit, 60.0)
                dot = 0.0
                for k in range(4):
                    dot += unit[k] * beta0[k]
                assert i(dot, 1000000) == i(beta[q], 1000000)
    finally:
        unload()


def test_calibration_converges_inside_bounds():
    from iotedge.core.presence_calibration import A_BOUNDS, BadgeOffset, GatewayLine

    try:
        line = GatewayLine()
        ts = 0.0
        for _ in range(60):
            for u in (8.0, 12.0, 16.0):
                ts += 1.0
                line.observe(ts, u, -70.0 - 2.0 * u, 1.0)
        line.solve()
        # The line fits the data's range: within 1.1 dB in the middle, 2 dB at the
        # ends. Against its last 25 bursts the slope stays near its prior (2.2 for
        # data that say 2.0) and the level takes up the difference.
        for u, tol in ((8.0, 2.0), (12.0, 1.1), (16.0, 2.0)):
            assert abs(line.mu(u) - (-70.0 - 2.0 * u)) < tol, (u, line.mu(u))
        assert abs(line.b - 2.2) < 0.05
        # A planted offset beyond the bounds is clamped, never followed.
        low = GatewayLine()
        for k in range(100):
            low.observe(float(k), 10.0, -140.0, 1.0)
        low.solve()
        assert low.a == A_BOUNDS[0]
        # A weak badge: residuals of -6 dB give an offset near -6, shrunk a little.
        off = BadgeOffset()
        for k in range(50):
            off.observe(float(k), -6.0, 1.0)
        assert -6.0 < off.value < -5.0
    finally:
        unload()


def test_calibration_follows_a_buried_gateway_within_its_last_bursts():
    # A busy gateway: 5 confident bursts a second at level -60, then the hall fills
    # and it reads 15 dB lower. The line keeps about its last 25 bursts, so 15 s
    # later it has followed to within 3 dB, the rest being its prior's pull (a time
    # memory of 900 s alone would still say -62).
    from iotedge.core.presence_calibration import GatewayLine

    try:
        line = GatewayLine()
        ts = 0.0
        for level, n in ((-60.0, 500), (-75.0, 75)):
            for _ in range(n):
                ts += 0.2
                line.observe(ts, 10.0, level - 22.0, 1.0)
            line.solve()
            assert abs(line.a - level) < 3.0, (level, line.a)
            assert abs(line.b - 2.2) < 0.05
    finally:
        unload()


def test_occupancy_is_sum_of_posteriors():
    from iotedge.core.presence_hmm import Occupancy

    try:
        occ = Occupancy(2)
        a = [0.5, 0.25, 0.25]
        b = [0.9, 0.0, 0.1]
        occ.add(a)
        occ.add(b)
        mean, lo, hi = occ.interval(0)
        assert i(mean) == 14000
        # variance 0.5*0.5 + 0.9*0.1 = 0.34
        assert i(occ.var[0]) == 3400
        assert i(hi - mean) == i(1.96 * 0.34**0.5)
        assert lo >= 0.0
        occ.add(a, -1.0)
        assert i(occ.interval(0)[0]) == 9000
    finally:
        unload()
