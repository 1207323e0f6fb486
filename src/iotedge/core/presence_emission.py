"""Emission model: how likely one burst's readings are for each room.

For a badge in room r, gateway g (if it is up) hears the burst with probability
``p(g, r) = sigmoid(z(g, r))``, ``z = (mu(g, r) - sensitivity) / width``, and
reports a burst statistic ``y ~ mu(g, r) + noise`` with a Huber (Gaussian core,
linear tails) density of scale ``sigma``; ``mu`` comes from presence_calibration.
A badge "far" from g (outside g's near set, or out of the venue: state none)
is heard with a small probability ``sigmoid(z_far)`` near the sensitivity.

With the burst statistic ``max`` a burst is heard exactly when its strongest
advert clears the receiver's floor, so each gateway's ``sensitivity`` is that
floor, learned by the estimator as a low quantile of the RSSI it reports.

Every log-likelihood is taken relative to that all-far world, so

    log L(r) - log L(none) = C_r + sum over heard g near r of D_g(r, y_g)

    C_r      = sum over up gateways near r of  log(1 - p(g, r)) - log(1 - p_far)
    D_g(r,y) = (z(g, r) - z_far) + huber((y - mu)/sigma) - huber((y - mu_far)/sigma)

(``D`` is the heard term minus the not-heard term, which is why only the logit
``z`` appears). ``C_r`` is cached per room, so one burst costs work only for the
rooms near the gateways that heard it: the sparse trick that makes 200 gateways
cheap. A burst that nobody heard is the evidence ``C_r`` alone. Gateways that are
down are left out of ``C_r`` (their silence says nothing).

The scores are multiplied by ``temper`` (< 1) before use: bursts at nearby
gateways share shadowing and body loss, so treating them as independent would
make the posterior over-confident.
"""

from .presence_calibration import REFRESH_DB, GatewayLine
from .presence_math import exp, huber, huber_low, presence_error, softplus

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .presence_venue import Venue


class EmissionModel:
    def __init__(
        self,
        venue: "Venue",
        sigma: float = 6.0,
        huber_c: float = 2.0,
        sensitivity: float = -95.0,
        width: float = 3.0,
        z_far: float = -5.0,
        temper: float = 0.5,
        asymmetric: bool = True,
    ) -> None:
        if sigma <= 0.0 or width <= 0.0 or huber_c <= 0.0:
            raise presence_error("bad-setting", "sigma, width and huber_c must be positive")
        if not 0.0 < temper <= 1.0:
            raise presence_error("bad-setting", "temper must be in (0, 1]")
        self.venue = venue
        # Scalars in one tuple, _p[i]: sigma, huber_c, width, z_far, temper,
        # softplus(z_far), the density of a reading. Eight attributes at most keep
        # the instance's hash table at 8 slots on MicroPython (17 from the ninth).
        self._p = (
            sigma,
            huber_c,
            width,
            z_far,
            temper,
            softplus(z_far),
            huber_low if asymmetric else huber,
        )
        # Per-gateway detection floor (dBm), learned from what each reports.
        self.sens = [sensitivity] * venue.n_gateways
        n_g = venue.n_gateways
        self.lines = [GatewayLine() for _ in range(n_g)]
        self.live = [True] * n_g
        # Cached per gateway g, aligned with venue.near[g]: (mu list, z list,
        # not-heard term list, line a, line b), the line being the one they came from.
        self._tab: list[tuple[list[float], list[float], list[float], float, float]] = []
        self.c = [0.0] * venue.n_rooms
        for g in range(n_g):
            self._tab.append(self._fill(g))
            self._add_absent(g, 1.0)
        self.ec = [0.0] * venue.n_rooms
        for r in range(venue.n_rooms):
            self.ec[r] = exp(temper * self.c[r])

    def _fill(self, g: int) -> tuple[list[float], list[float], list[float], float, float]:
        line = self.lines[g]
        width = self._p[2]
        sp_far = self._p[5]
        mus = []
        zs = []
        absent = []
        for _, u in self.venue.near[g]:
            mu = line.a - line.b * u
            z = (mu - self.sens[g]) / width
            mus.append(mu)
            zs.append(z)
            absent.append(sp_far - softplus(z))
        return (mus, zs, absent, line.a, line.b)

    def _add_absent(self, g: int, sign: float) -> None:
        absent = self._tab[g][2]
        near = self.venue.near[g]
        for i in range(len(near)):
            self.c[near[i][0]] += sign * absent[i]

    def set_live(self, g: int, live: bool) -> None:
        """Mark a gateway up or down; a down gateway's silence is not evidence."""
        if self.live[g] == live:
            return
        self.live[g] = live
        self._add_absent(g, 1.0 if live else -1.0)
        t = self._p[4]
        for r, _ in self.venue.near[g]:
            self.ec[r] = exp(t * self.c[r])

    def set_sensitivity(self, g: int, floor: float) -> None:
        """Move gateway g's detection floor (rebuilds its tables when it moved)."""
        if abs(floor - self.sens[g]) < 0.5:
            return
        self.sens[g] = floor
        self.refresh(g, force=True)

    def refresh(self, g: int, force: bool = False) -> bool:
        """Rebuild gateway g's cached tables if its calibrated line moved enough."""
        line = self.lines[g]
        tab = self._tab[g]
        old_a = tab[3]
        old_b = tab[4]
        if not force and abs(line.a - old_a) + 10.0 * abs(line.b - old_b) < REFRESH_DB:
            return False
        if self.live[g]:
            self._add_absent(g, -1.0)
        self._tab[g] = self._fill(g)
        if self.live[g]:
            self._add_absent(g, 1.0)
        t = self._p[4]
        for r, _ in self.venue.near[g]:
            self.ec[r] = exp(t * self.c[r])
        return True

    def scores(self, heard: list[tuple[int, float]]) -> dict[int, float]:
        """Sum of D_g(r, y) per room over the heard (gateway, corrected dBm) pairs,
        only for rooms near one of them (all other rooms and none score 0 here)."""
        out: dict[int, float] = {}
        p = self._p
        inv = 1.0 / p[0]
        c = p[1]
        density = p[6]
        z_far = p[3]
        far = z_far * p[2]
        for g, y in heard:
            base = z_far + huber((y - self.sens[g] - far) * inv, c)
            near = self.venue.near[g]
            tab = self._tab[g]
            mus = tab[0]
            zs = tab[1]
            for i in range(len(near)):
                r = near[i][0]
                d = zs[i] + density((y - mus[i]) * inv, c) - base
                out[r] = out.get(r, 0.0) + d
        return out

    def apply(
        self, post: list[float], scores: dict[int, float] | None, weight: float = 1.0
    ) -> list[float]:
        """Multiply a posterior by the burst likelihood (tempered, then raised to
        ``weight``) and normalise, in place. ``scores`` None means a burst nobody
        heard. Returns the likelihood factors used (for smoothing), scaled so none's
        factor is ``factors[R]``."""
        n = self.venue.n_rooms
        t = self._p[4]
        shift = 0.0
        if scores:
            for v in scores.values():
                if v * t > shift:
                    shift = v * t
        scale = exp(-shift)
        factors = [0.0] * (n + 1)
        ec = self.ec
        for r in range(n):
            factors[r] = ec[r] * scale
        if scores:
            for r, v in scores.items():
                factors[r] = ec[r] * exp(v * t - shift)
        factors[n] = scale
        if weight < 1.0:
            for i in range(n + 1):
                factors[i] = factors[i] ** weight
        total = 0.0
        for i in range(n + 1):
            p = post[i] * factors[i]
            post[i] = p
            total += p
        if total <= 0.0:
            # Every state underflowed: fall back to the likelihood alone.
            for i in range(n + 1):
                post[i] = factors[i]
                total += factors[i]
        inv = 1.0 / total
        for i in range(n + 1):
            post[i] *= inv
        return factors
