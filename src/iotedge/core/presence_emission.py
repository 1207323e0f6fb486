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

A burst can also be buried as a whole: the wearer's body and a packed room
take the same ``occlusion_db`` off the badge's signal at every gateway at once,
so several gateways of its room miss it together and the one that hears it
reads low. Independent misses cannot explain that (each silent gateway of the
room costs about ``z`` nats, and ten of them outweigh any reading), so a badge
deep in a crowd looked like one outside the venue. Each burst is therefore a
two-part mixture: clear (share ``1 - occlusion_share``) or occluded (every
``mu`` lowered by ``occlusion_db``), and for each room

    log L(r) - log L(none) = log( (1 - s) e^(C_r + sum D_g)  +  s e^(C'_r + sum D'_g) )

with the primed terms computed from the lowered ``mu``. ``occlusion_share = 0``
is the plain model. ``scores`` returns that minus the silence term ``c[r]``
(the same mixture with no gateway heard), so ``apply`` is unchanged.

The scores are multiplied by ``temper`` (< 1) before use: bursts at nearby
gateways share shadowing and body loss, so treating them as independent would
make the posterior over-confident.
"""

from .presence_calibration import REFRESH_DB, GatewayLine
from .presence_math import exp, huber, huber_low, ln, log_add, presence_error, softplus

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .presence_venue import Venue

    # A gateway's cached tables, see EmissionModel._fill.
    _Table = tuple[list[float], list[float], list[float], float, float, list[float], list[float]]


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
        occlusion_db: float = 8.0,
        occlusion_share: float = 0.2,
    ) -> None:
        if sigma <= 0.0 or width <= 0.0 or huber_c <= 0.0:
            raise presence_error("bad-setting", "sigma, width and huber_c must be positive")
        if not 0.0 < temper <= 1.0:
            raise presence_error("bad-setting", "temper must be in (0, 1]")
        if occlusion_db < 0.0 or not 0.0 <= occlusion_share < 1.0:
            raise presence_error(
                "bad-setting", "occlusion_db must be >= 0 and occlusion_share in [0, 1)"
            )
        self.venue = venue
        # Scalars in one tuple, _p[i]: 0 sigma, 1 huber_c, 2 width, 3 z_far,
        # 4 temper, 5 softplus(z_far), 6 the density of a reading, 7 occlusion_db,
        # 8 ln(1 - occlusion_share), 9 ln(occlusion_share) (None: no mixture).
        # Eight attributes at most keep the instance's hash table at 8 slots on
        # MicroPython (17 from the ninth).
        self._p = (
            sigma,
            huber_c,
            width,
            z_far,
            temper,
            softplus(z_far),
            huber_low if asymmetric else huber,
            occlusion_db,
            ln(1.0 - occlusion_share),
            ln(occlusion_share) if occlusion_share > 0.0 else None,
        )
        # Per-gateway detection floor (dBm), learned from what each reports.
        self.sens = [sensitivity] * venue.n_gateways
        n_g = venue.n_gateways
        self.lines = [GatewayLine() for _ in range(n_g)]
        self.live = [True] * n_g
        # Cached per gateway g, aligned with venue.near[g]: (mu list, z list,
        # not-heard term list, line a, line b, then z and not-heard term of an
        # occluded burst), the line being the one they came from.
        self._tab: "list[_Table]" = []
        # Silence terms, 3 blocks of R: c[r] the mixture (what apply uses),
        # c[R + r] a clear burst's C_r, c[2R + r] an occluded burst's C'_r.
        n = venue.n_rooms
        self.c = [0.0] * (3 * n)
        for g in range(n_g):
            self._tab.append(self._fill(g))
            self._add_absent(g, 1.0)
        self.ec = [0.0] * n
        for r in range(n):
            self._remix(r)

    def _fill(self, g: int) -> "_Table":
        line = self.lines[g]
        p = self._p
        width = p[2]
        sp_far = p[5]
        drop = p[7] / width
        mus = []
        zs = []
        absent = []
        zo = []
        absent_o = []
        for _, u in self.venue.near[g]:
            mu = line.a - line.b * u
            z = (mu - self.sens[g]) / width
            mus.append(mu)
            zs.append(z)
            absent.append(sp_far - softplus(z))
            if p[9] is not None:
                zo.append(z - drop)
                absent_o.append(sp_far - softplus(z - drop))
        return (mus, zs, absent, line.a, line.b, zo, absent_o)

    def _add_absent(self, g: int, sign: float) -> None:
        """Add (1) or take out (-1) gateway g's silence from the rooms near it
        (the caller remixes those rooms)."""
        tab = self._tab[g]
        absent = tab[2]
        absent_o = tab[6]
        near = self.venue.near[g]
        n = self.venue.n_rooms
        c = self.c
        for i in range(len(near)):
            r = near[i][0]
            c[n + r] += sign * absent[i]
            if absent_o:
                c[2 * n + r] += sign * absent_o[i]

    def _remix(self, r: int) -> None:
        """Room r's silence term and its cached tempered factor from the parts."""
        n = self.venue.n_rooms
        p = self._p
        c = self.c
        ln_occluded = p[9]
        if ln_occluded is None:
            c[r] = c[n + r]
        else:
            c[r] = log_add(p[8] + c[n + r], ln_occluded + c[2 * n + r])
        self.ec[r] = exp(p[4] * c[r])

    def set_live(self, g: int, live: bool) -> None:
        """Mark a gateway up or down; a down gateway's silence is not evidence."""
        if self.live[g] == live:
            return
        self.live[g] = live
        self._add_absent(g, 1.0 if live else -1.0)
        for r, _ in self.venue.near[g]:
            self._remix(r)

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
        for r, _ in self.venue.near[g]:
            self._remix(r)
        return True

    def scores(self, heard: list[tuple[int, float]]) -> dict[int, float]:
        """Per room near a heard gateway: log L(r) - log L(none) of the heard
        (gateway, corrected dBm) pairs, less the room's silence term ``c[r]``
        (all other rooms and none score 0 here). Without the occlusion mixture
        that is the sum of D_g(r, y)."""
        out: dict[int, float] = {}
        p = self._p
        inv = 1.0 / p[0]
        c = p[1]
        density = p[6]
        z_far = p[3]
        far = z_far * p[2]
        drop = p[7]
        ln_occluded = p[9]
        mixed = ln_occluded is not None
        occluded: dict[int, float] = {}
        for g, y in heard:
            base = z_far + huber((y - self.sens[g] - far) * inv, c)
            near = self.venue.near[g]
            tab = self._tab[g]
            mus = tab[0]
            zs = tab[1]
            zo = tab[5]
            for i in range(len(near)):
                r = near[i][0]
                d = zs[i] + density((y - mus[i]) * inv, c) - base
                out[r] = out.get(r, 0.0) + d
                if mixed:
                    d = zo[i] + density((y - mus[i] + drop) * inv, c) - base
                    occluded[r] = occluded.get(r, 0.0) + d
        if ln_occluded is not None:
            n = self.venue.n_rooms
            cc = self.c
            ln_clear = p[8]
            for r in out:
                clear = ln_clear + cc[n + r] + out[r]
                out[r] = log_add(clear, ln_occluded + cc[2 * n + r] + occluded[r]) - cc[r]
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
