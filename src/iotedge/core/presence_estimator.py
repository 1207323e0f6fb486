"""Streaming presence estimator: reports in, room per badge and occupancy out.

    est = PresenceEstimator(Venue(venue_dict))
    est.update(ts, "gw-1", "badge-7", -71)     # one received advert
    est.advance(ts)                            # let time pass (closes bursts)
    room, confidence, heard = est.badge_state("badge-7")
    est.occupancy()   # {room: (expected, low, high)}

Time is always passed in (seconds, any origin); nothing here reads a clock.

Per badge: the adverts of a burst are collected (presence_burst) until a silence
of ``gap`` seconds or ``max_len`` seconds of burst; then the burst is summarised
per gateway, corrected for the badge's learned transmit offset, scored against
every room near a gateway that heard it (presence_emission) and fed to the
badge's HMM (presence_hmm). When a burst is expected (``1.5`` learned burst
periods after the previous one started) and nothing was heard, that silence is
fed in as evidence. After ``forget_after`` seconds without a report the badge's
posterior is dropped (it is in ``none``, certainly), which bounds memory.

A gateway that reported nothing at all for ``down_after`` seconds is treated as
down: its silence stops counting against the rooms it covers.
"""

from .presence_burst import STATS, Burst
from .presence_calibration import BadgeOffset
from .presence_emission import EmissionModel
from .presence_hmm import Transitions, argmax
from .presence_math import clamp, exp, presence_error
from .presence_occupancy import Occupancy
from .presence_venue import NONE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .presence_venue import Venue

_INF = 1.0e300
# Settings live in tuples indexed by literal numbers (layout where they are built
# in PresenceEstimator.__init__): named index constants would cost MicroPython heap.


class _Badge:
    __slots__ = (
        "bucket",
        "burst",
        "check",
        "heard",
        "history",
        "last_report",
        "last_start",
        "name",
        "offset",
        "period",
        "post",
        "t_post",
    )

    def __init__(self, name: str, period: float) -> None:
        self.name = name
        self.post: list[float] | None = None  # None: certainly in no room
        self.t_post = 0.0
        self.burst: Burst | None = None
        self.last_start = -_INF
        self.period = period
        self.heard = 0
        self.offset = BadgeOffset()
        self.check = _INF
        self.last_report = -_INF
        self.bucket = -1
        # (time, filtered posterior, likelihood factors) of recent updates, for lag
        self.history: list[tuple[float, list[float], list[float]]] = []


class PresenceEstimator:
    """HMM room estimator over a venue; see the module docstring."""

    def __init__(
        self,
        venue: "Venue",
        stat: str = "max",
        gap: float = 2.0,
        max_len: float = 5.0,
        period: float = 60.0,
        forget_after: float = 900.0,
        down_after: float = 180.0,
        calib_conf: float = 0.9,
        calibrate: bool = True,
        lag: float = 0.0,
        sigma: float = 6.0,
        sensitivity: float = -95.0,
        width: float = 3.0,
        temper: float = 0.5,
        move_time: float = 1800.0,
        leave_time: float = 7200.0,
        enter_time: float = 1800.0,
        teleport: float = 0.3,
        learn_moves: bool = True,
        move_memory: float = 600.0,
        move_bounds: tuple[float, float] = (120.0, 3600.0),
        move_prior: float = 3600.0,
        busy_prior: float = 1.0,
        learn_floor: bool = True,
        asymmetric: bool = True,
    ) -> None:
        if stat not in STATS:
            raise presence_error("bad-setting", "stat must be one of " + ", ".join(STATS))
        if gap <= 0.0 or max_len <= 0.0 or period <= 0.0:
            raise presence_error("bad-setting", "gap, max_len and period must be positive")
        if forget_after <= 0.0 or down_after <= 0.0 or lag < 0.0:
            raise presence_error("bad-setting", "forget_after, down_after must be > 0, lag >= 0")
        self.venue = venue
        # Settings in tuples: a MicroPython instance keeps its attributes in a hash
        # table that grows past 17 entries into one bigger contiguous block, which a
        # fragmented 64K heap may not have.
        #   _s[i]: 0 gap, 1 max_len, 2 period, 3 forget_after, 4 down_after,
        #          5 calib_conf, 6 lag, 7 busy_prior
        #   _flags[i]: 0 calibrate, 1 learn_floor, 2 learn_moves
        self._s: tuple[float, ...] = (
            gap,
            max_len,
            period,
            forget_after,
            down_after,
            calib_conf,
            lag,
            busy_prior,
        )
        self._stat = stat
        self._flags = (calibrate, learn_floor, learn_moves)
        self.emission = EmissionModel(
            venue,
            sigma=sigma,
            sensitivity=sensitivity,
            width=width,
            temper=temper,
            asymmetric=asymmetric,
        )
        self.transitions = Transitions(
            venue.neighbours,
            move_time=move_time,
            leave_time=leave_time,
            enter_time=enter_time,
            teleport=teleport,
        )
        self.occ = Occupancy(venue.n_rooms)
        self._badges: dict[str, _Badge] = {}
        self._order: list[str] = []
        self._buckets: dict[int, list[_Badge]] = {}
        self._cursor = -1
        self._gw_last: list[float] = [-_INF] * venue.n_gateways
        # [first report time, next time gateways are checked for being down]
        self._clock = [_INF, -_INF]
        self._floor = [sensitivity] * venue.n_gateways
        # Move-rate estimate, prior move_time worth move_prior seconds of badge-time,
        # clamped to 1 / move_bounds. _mv[i]: 0 numerator, 1 denominator, 2 time of
        # the last update, 3 prior weight, 4 move_time, 5 move_memory, 6 low, 7 high.
        self._mv = [
            move_prior / move_time,
            move_prior,
            -_INF,
            move_prior,
            move_time,
            move_memory,
            1.0 / move_bounds[1],
            1.0 / move_bounds[0],
        ]
        self.unknown_gateway_reports = 0
        self.now = -_INF

    # ---- input -------------------------------------------------------------

    def update(self, ts: float, gateway: str, badge: str, rssi: int) -> None:
        """Feed one received advert (reports may arrive a little out of order)."""
        if rssi < -130 or rssi > 20:
            raise presence_error("bad-report", "rssi out of range: " + str(rssi))
        g = self.venue.gateway_index.get(gateway)
        if g is None:
            self.unknown_gateway_reports += 1
            return
        clock = self._clock
        if ts < clock[0]:
            clock[0] = ts
        if ts > self._gw_last[g]:
            self._gw_last[g] = ts
        if self._flags[1]:
            # Stochastic 1 % quantile of the gateway's readings: its floor.
            if rssi < self._floor[g]:
                self._floor[g] -= 0.099
            else:
                self._floor[g] += 0.001
        if not self.emission.live[g]:
            self.emission.set_live(g, True)
        b = self._badges.get(badge)
        if b is None:
            b = _Badge(badge, self._s[2])
            self._badges[badge] = b
            self._order.append(badge)
        burst = b.burst
        if burst is not None and ts > burst.close_time(self._s):
            self._close(b, burst.close_time(self._s))
            burst = None
        if burst is None:
            # Silence evidence that fell due before this burst started still counts.
            self._run(b, ts)
            burst = Burst(ts)
            b.burst = burst
        burst.add(ts, g, rssi)
        if ts > b.last_report:
            b.last_report = ts
        self._schedule(b)

    def advance(self, ts: float) -> None:
        """Process everything that falls due strictly before ``ts``: closing
        bursts, expected-but-silent bursts, forgetting, gateways going down."""
        if ts > self.now:
            self.now = ts
        if self._cursor < 0 and self._buckets:
            self._cursor = min(self._buckets)
        end = int(ts // 1)
        k = self._cursor
        keep: list[_Badge] = []
        while 0 <= k <= end:
            items = self._buckets.pop(k, None)
            if items:
                for b in items:
                    if b.bucket != k:
                        continue
                    b.bucket = -1
                    self._run(b, ts)
                    due = self._due(b)
                    if due < _INF and int(due // 1) == k:
                        b.bucket = k
                        keep.append(b)
                    else:
                        self._schedule(b)
            k += 1
        if keep:
            self._buckets.setdefault(end, []).extend(keep)
        if end >= 0:
            self._cursor = end
        s = self._s
        clock = self._clock
        t0 = clock[0]
        if ts >= clock[1] and t0 < _INF:
            clock[1] = ts + 10.0  # gateways are checked for being down every 10 s
            if s[7] > 0.0:
                self.transitions.set_weights(self.occ.mean, s[7])
            if self._flags[1]:
                for g in range(self.venue.n_gateways):
                    self.emission.set_sensitivity(g, clamp(self._floor[g], -110.0, -80.0))
            for g in range(self.venue.n_gateways):
                last = self._gw_last[g]
                if last < t0:
                    last = t0
                if self.emission.live[g] and ts - last > s[4]:
                    self.emission.set_live(g, False)

    # ---- output ------------------------------------------------------------

    def badges(self) -> list[str]:
        """Every badge seen so far, in first-seen order."""
        return list(self._order)

    def badge_state(self, badge: str) -> tuple[str, float, int]:
        """(room or 'none', posterior probability of it, gateways that heard the
        latest burst)."""
        b = self._badges.get(badge)
        if b is None or b.post is None:
            return (NONE, 1.0, 0)
        best = argmax(b.post)
        return (self.venue.room_name(best), b.post[best], b.heard)

    def posterior(self, badge: str) -> list[float]:
        """The badge's posterior over rooms (venue order) then none, a copy."""
        n = self.venue.n_rooms
        b = self._badges.get(badge)
        if b is None or b.post is None:
            out = [0.0] * (n + 1)
            out[n] = 1.0
            return out
        return list(b.post)

    def occupancy(self) -> dict[str, tuple[float, float, float]]:
        """{room: (expected head count, low, high)} (95 % normal interval)."""
        out = {}
        for r in range(self.venue.n_rooms):
            out[self.venue.rooms[r]] = self.occ.interval(r)
        return out

    def smoothed(self, badge: str, ts: float) -> list[float]:
        """Fixed-lag smoothed posterior of the badge at ``ts``, using every update
        processed so far (call after ``advance(ts + lag)``); needs ``lag > 0``."""
        if self._s[6] <= 0.0:
            raise presence_error("bad-setting", "smoothing needs an estimator with lag > 0")
        b = self._badges.get(badge)
        if b is None or b.post is None:
            return self.posterior(badge)  # certainly in none
        from .presence_smoothing import smooth  # only replays with --lag need it

        return smooth(b.history, self.transitions, ts, self.venue.n_rooms)

    # ---- internals ---------------------------------------------------------

    def _due(self, b: _Badge) -> float:
        if b.burst is not None:
            return b.burst.close_time(self._s)
        if b.post is None:
            return _INF
        forget = b.last_report + self._s[3]
        return forget if forget < b.check else b.check

    def _schedule(self, b: _Badge) -> None:
        due = self._due(b)
        if due >= _INF:
            return
        k = int(due // 1)
        if k < 0:
            k = 0
        if b.bucket < 0 or k < b.bucket:
            b.bucket = k
            self._buckets.setdefault(k, []).append(b)
            if self._cursor < 0 or k < self._cursor:
                self._cursor = k

    def _run(self, b: _Badge, ts: float) -> None:
        """Apply every event of badge b that falls due strictly before ts."""
        while True:
            if b.burst is not None:
                close = b.burst.close_time(self._s)
                if close < ts:
                    self._close(b, close)
                    continue
                return
            if b.post is None:
                return
            forget = b.last_report + self._s[3]
            if forget < ts and forget <= b.check:
                self.occ.add(b.post, -1.0)
                b.post = None
                b.heard = 0
                b.history = []
                b.check = _INF
                return
            if b.check < ts:
                b.heard = 0
                self._hmm_update(b, b.check, None)
                b.check += b.period
                continue
            return

    def _close(self, b: _Badge, tc: float) -> None:
        burst = b.burst
        if burst is None:
            return
        b.burst = None
        summary = burst.summary(self._stat)
        interval = burst.start - b.last_start
        if 0.0 < interval < 3.0 * b.period:
            b.period = clamp(0.8 * b.period + 0.2 * interval, 2.0, 600.0)
        b.last_start = burst.start
        b.check = burst.start + 1.5 * b.period
        t_off = b.offset.value
        heard = []
        for g, y, _ in summary:
            heard.append((g, y - t_off))
        b.heard = len(summary)
        self._hmm_update(b, tc, self.emission.scores(heard))
        if self._flags[0]:
            self._learn(b, tc, summary)

    def _hmm_update(self, b: _Badge, ts: float, scores: dict[int, float] | None) -> None:
        n = self.venue.n_rooms
        post = b.post
        if post is None:
            # Prior for a badge we knew nothing about: half in none, half spread
            # over the rooms; one heard burst outweighs it.
            post = [0.5 / n] * (n + 1)
            post[n] = 0.5
            b.post = post
            factors = self.emission.apply(post, scores)
        else:
            self.occ.add(post, -1.0)
            dt = ts - b.t_post
            if dt > 0.0 and self._flags[2]:
                prev = list(post)
                self.transitions.predict(post, dt)
                pred = list(post)
                factors = self.emission.apply(post, scores)
                self._learn_moves(ts, dt, prev, pred, post)
            else:
                if dt > 0.0:
                    self.transitions.predict(post, dt)
                factors = self.emission.apply(post, scores)
        self.occ.add(post, 1.0)
        if ts > b.t_post:
            b.t_post = ts
        s = self._s
        if s[6] > 0.0:
            hist = b.history
            hist.append((ts, list(post), factors))
            horizon = ts - 2.0 * s[6] - s[1] - s[0]
            while len(hist) >= 2 and hist[1][0] < horizon:
                hist.pop(0)

    def _learn_moves(
        self, ts: float, dt: float, prev: list[float], pred: list[float], post: list[float]
    ) -> None:
        """Online estimate of how often badges change room (one rate for the whole
        venue, so a break where everyone walks out speeds everyone's detection).

        The posterior probability that this badge stayed put over ``dt`` is
        sum_q prev(q) stay post(q) / pred(q); one minus that is an expected move
        count, accumulated over badges against badge-seconds, with forgetting
        (``move_memory``) and a prior of ``move_time``, clamped to ``move_bounds``."""
        n = self.venue.n_rooms
        if prev[n] > 0.5:
            return  # a badge that is probably away says nothing about room changes
        stay = self.transitions.coefficients(dt)[0]
        kept = 0.0
        for q in range(n):
            if pred[q] > 0.0:
                kept += prev[q] * stay * post[q] / pred[q]
        moved = 1.0 - prev[n] - kept
        if moved < 0.0:
            moved = 0.0
        mv = self._mv
        last = mv[2]
        if ts > last:
            k = exp(-(ts - last) / mv[5]) if last > -_INF else 1.0
            prior = mv[3]
            mv[0] = mv[0] * k + (1.0 - k) * prior / mv[4]
            mv[1] = mv[1] * k + (1.0 - k) * prior
            mv[2] = ts
        mv[0] += moved
        mv[1] += dt * (1.0 - prev[n])
        rate = mv[0] / mv[1]
        self.transitions.rate_move = clamp(rate, mv[6], mv[7])

    def _learn(self, b: _Badge, ts: float, summary: list[tuple[int, float, int]]) -> None:
        post = b.post
        if post is None:
            return
        r = argmax(post)
        conf = post[r]
        if r >= self.venue.n_rooms or conf < self._s[5]:
            return
        lines = self.emission.lines
        t_off = b.offset.value
        total = 0.0
        k = 0
        near = self.venue.near
        for g, y, _ in summary:
            # Feature u(g, r) of the gateway's near set (a scan: near sets are a
            # handful of rooms, and a lookup table per gateway costs heap).
            u = None
            for q, uq in near[g]:
                if q == r:
                    u = uq
                    break
            if u is None:
                continue  # r is far from g
            line = lines[g]
            total += y - line.mu(u)
            k += 1
            line.observe(ts, u, y - t_off, conf)
            line.solve()
            self.emission.refresh(g)
        if k:
            b.offset.observe(ts, total / k, conf)
