"""Online calibration of gateways and badges, always inside bounded ranges.

The expected burst RSSI of a badge in room r at gateway g is

    mu(g, r) = a_g - b_g * u(g, r) + t_badge

with ``u`` the path-loss feature of presence_venue (10 log10 distance plus walls),
``a_g`` the gateway's level at 1 m (its offset: a gateway mounted low behind a
crowd reads lower), ``b_g`` its path-loss exponent, and ``t_badge`` the badge's
transmit offset (a weak badge reads lower everywhere).

Both are learned from bursts the HMM is already confident about (posterior of
its best room >= a threshold), never from ground truth:

- per gateway, a two-parameter least-squares line fitted to (u, rssi - t_badge)
  pairs with exponential forgetting in time (900 s) and a cap on the total weight
  (about its last 25 confident bursts: seconds in a busy venue, so it follows a
  hall filling up), and a prior that acts as pseudo-observations, then clamped to
  bounds. Against 25 bursts the slope's prior (400 pseudo-observations) holds
  it near 2.2 and the level takes up what the data say; a slope learned over the
  900 s memory instead scored worse on every run tried (docs/presence.md);
- per badge, a shrunk, forgetting mean of its residuals (rssi - mu without t).

The prior and the bounds keep a fresh or badly placed gateway from drifting into
nonsense: with no data, ``a`` and ``b`` are the prior; with data they stay inside
``A_BOUNDS`` and ``B_BOUNDS``.
"""

from .presence_math import clamp, exp

A_PRIOR = -60.0
B_PRIOR = 2.2
A_BOUNDS = (-85.0, -40.0)
B_BOUNDS = (1.5, 3.5)
T_BOUNDS = (-10.0, 10.0)
# The prior strengths (pseudo-observations: 4 for a, 400 for b, 3 for a badge's
# offset) and forgetting time constants (900 s for a gateway, 3600 s for a badge)
# are literals below: every module-level name is one more interned string (qstr)
# on MicroPython, and a small heap holds those in tables that grow by doubling.
# Change in dB below which cached tables are not rebuilt.
REFRESH_DB = 0.25


class GatewayLine:
    """Decayed least-squares fit of y = a - b u for one gateway."""

    __slots__ = ("_st", "a", "b")

    def __init__(self, a: float = A_PRIOR, b: float = B_PRIOR) -> None:
        self.a = a
        self.b = b
        # Decayed sums of w, w u, w u^2, w y, w u y, then the time of the last
        # decay (one list: few attributes keep a MicroPython instance small).
        self._st = [0.0, 0.0, 0.0, 0.0, 0.0, -1.0e18]

    def observe(self, ts: float, u: float, y: float, weight: float) -> None:
        """Add one (feature, corrected RSSI) pair with a weight in (0, 1]."""
        st = self._st
        if ts > st[5]:
            if st[5] > -1.0e17:
                k = exp(-(ts - st[5]) / 900.0)  # gateway memory, s
                for i in range(5):
                    st[i] *= k
            st[5] = ts
        st[0] += weight
        st[1] += weight * u
        st[2] += weight * u * u
        st[3] += weight * y
        st[4] += weight * u * y
        if st[0] > 25.0:
            # Memory in evidence as well as in time: the line keeps about its last
            # 25 confident bursts. In a busy venue that is seconds, fast enough to
            # follow a crowd that buries a low gateway as the hall fills (900 s
            # alone lagged it by several dB); in a quiet one it is minutes.
            k = 25.0 / st[0]
            for i in range(5):
                st[i] *= k

    def solve(self) -> None:
        """Re-fit (a, b) from the statistics and the prior, then clamp them.

        Minimises sum w (y - a + b u)^2 + ka (a - b u_ref - m0)^2 + kb (b - b0)^2,
        where the prior on the level is placed at u_ref (typical in-room distance,
        10) so that it does not fight the slope."""
        ka = 4.0  # prior weight of a
        kb = 400.0  # prior weight of b
        ur = 10.0
        m0 = A_PRIOR - B_PRIOR * ur
        sw, su, suu, sy, suy, _ = self._st
        # Unknowns (a, b); residual r = y - a + b u. Normal equations:
        s11 = sw + ka
        s12 = -su - ka * ur
        s22 = suu + ka * ur * ur + kb
        r1 = sy + ka * m0
        r2 = -suy - ka * ur * m0 + kb * B_PRIOR
        det = s11 * s22 - s12 * s12
        if det <= 1e-9:
            return
        a = (r1 * s22 - s12 * r2) / det
        b = (s11 * r2 - s12 * r1) / det
        b = clamp(b, B_BOUNDS[0], B_BOUNDS[1])
        # Re-fit a for the clamped b so the level stays consistent with the data.
        a = (sy + su * b + ka * (m0 + b * ur)) / s11
        self.a = clamp(a, A_BOUNDS[0], A_BOUNDS[1])
        self.b = b

    def mu(self, u: float) -> float:
        return self.a - self.b * u


class BadgeOffset:
    """Shrunk, forgetting mean of one badge's residuals: its transmit offset."""

    __slots__ = ("_sr", "_sw", "_ts", "value")

    def __init__(self) -> None:
        self.value = 0.0
        self._sw = 0.0
        self._sr = 0.0
        self._ts = -1.0e18

    def observe(self, ts: float, residual: float, weight: float) -> None:
        if ts > self._ts:
            if self._ts > -1.0e17:
                k = exp(-(ts - self._ts) / 3600.0)  # badge memory, s
                self._sw *= k
                self._sr *= k
            self._ts = ts
        self._sw += weight
        self._sr += weight * residual
        self.value = clamp(self._sr / (self._sw + 3.0), T_BOUNDS[0], T_BOUNDS[1])
