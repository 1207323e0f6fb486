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
fed in as evidence. Windows shorter than half ``period`` (the continuous 1 Hz mode,
cut into ``max_len`` windows) are weighted by window / period: their readings share
shadowing and body loss, so a period's windows together count as one burst, in the
HMM and in calibration alike, and they learn the venue's move rate from the
posterior a period earlier rather than from the previous window. A window whose
readings changed from the previous one's or from the average of its recent ones
(``window_change``: the badge walked, so it no longer shares them) weighs up to
``novelty_weight`` in the HMM, and so does the window after it (taken where the
badge stopped); a missed window (expected, nobody heard it) weighs a window's
share of a missed burst. A badge heard for the first time starts
``arrival_none`` in none (it came from outside) and at the venue's cadence (a
stream's interval when most badges stream), so a stream's first window, heard
from outside, does not show it inside. After ``forget_after``
seconds without a report the badge's posterior is dropped (it is in ``none``,
certainly), which bounds memory.

A gateway that reported nothing at all for ``down_after`` seconds is treated as
down: its silence stops counting against the rooms it covers.
"""

from .presence_burst import STATS, Burst, window_change
from .presence_calibration import BadgeOffset
from .presence_emission import EmissionModel
from .presence_hmm import Occupancy, Transitions, argmax
from .presence_math import clamp, presence_error
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
        "last_novel",
        "last_report",
        "last_start",
        "last_window",
        "name",
        "offset",
        "period",
        "post",
        "snap",
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
        # (time, posterior) a period ago: what continuous windows learn moves from
        self.snap: tuple[float, list[float]] | None = None
        # continuous mode, window_change's references: the previous window's
        # summary and an average of the recent ones (a third of a period)
        self.last_window: (
            tuple[list[tuple[int, float, int]], list[tuple[int, float, int]]] | None
        ) = None
        self.last_novel = 0.0
        # (time, filtered posterior, likelihood factors) of recent updates, for lag
        self.history: list[tuple[float, list[float], list[float]]] = []


class _Book:
    """The estimator's bookkeeping, apart so that neither instance has more than
    eight attributes: MicroPython keeps them in a hash table that grows from 8
    slots to 17 (one 272-byte block on a 64-bit port) at the ninth, a block a
    fragmented small heap may not have."""

    __slots__ = ("badges", "buckets", "cursor", "floor", "gw_last", "mv", "order")

    def __init__(self, n_gateways: int, sensitivity: float, mv: list[float]) -> None:
        self.badges: dict[str, _Badge] = {}
        self.order: list[str] = []
        # badges by the whole second of their next due event; cursor: first second
        # not yet processed (-1 before any)
        self.buckets: dict[int, list[_Badge]] = {}
        self.cursor = -1
        self.gw_last: list[float] = [-_INF] * n_gateways
        self.floor = [sensitivity] * n_gateways
        # Move-rate estimate and clock, mv[i]: 0 numerator, 1 denominator, 2 time
        # of the last update, 3 prior weight, 4 move_time, 5 move_memory, 6 low,
        # 7 high rate, 8 first report time, 9 next time gateways are checked for
        # being down; then the badges' cadence: 10 share of recent intervals
        # that were a stream's, 11 the streams' interval (EMAs, see _close).
        self.mv = mv


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
        transit_time: float = 15.0,
        learn_moves: bool = True,
        move_memory: float = 30.0,
        move_bounds: tuple[float, float] = (120.0, 3600.0),
        move_prior: float = 300.0,
        busy_prior: float = 1.0,
        learn_floor: bool = True,
        asymmetric: bool = True,
        occlusion_db: float = 8.0,
        occlusion_share: float = 0.2,
        provisional: float = 0.95,
        novelty_weight: float = 0.6,
        novelty_db: tuple[float, float] = (8.0, 18.0),
        arrival_none: float = 0.9,
    ) -> None:
        if stat not in STATS:
            raise presence_error("bad-setting", "stat must be one of " + ", ".join(STATS))
        if gap <= 0.0 or max_len <= 0.0 or period <= 0.0:
            raise presence_error("bad-setting", "gap, max_len and period must be positive")
        if forget_after <= 0.0 or down_after <= 0.0 or lag < 0.0:
            raise presence_error("bad-setting", "forget_after, down_after must be > 0, lag >= 0")
        if not provisional > 0.0:
            raise presence_error("bad-setting", "provisional must be > 0 (above 1: never)")
        if not (
            move_memory > 0.0
            and move_prior > 0.0
            and 0.0 < move_bounds[0] <= move_bounds[1]
            and busy_prior >= 0.0
            and 0.0 < calib_conf <= 1.0
            and 0.0 <= novelty_weight <= 1.0
            and 0.0 <= novelty_db[0] < novelty_db[1]
            and 0.0 <= arrival_none < 1.0
        ):
            raise presence_error(
                "bad-setting",
                "move_memory, move_prior > 0, 0 < move_bounds low <= high, busy_prior >= 0,"
                " calib_conf in (0, 1], novelty_weight in [0, 1], 0 <= novelty_db low < high,"
                " arrival_none in [0, 1)",
            )
        self.venue = venue
        # Settings in one tuple (eight attributes at most, see _Book):
        #   _s[i]: 0 gap, 1 max_len, 2 period, 3 forget_after, 4 down_after,
        #          5 calib_conf, 6 lag, 7 busy_prior, 8 stat, 9 calibrate,
        #          10 learn_floor, 11 learn_moves, 12 provisional,
        #          13 novelty_weight, 14 and 15 novelty_db low and high,
        #          16 arrival_none
        self._s: tuple[
            float,
            float,
            float,
            float,
            float,
            float,
            float,
            float,
            str,
            bool,
            bool,
            bool,
            float,
            float,
            float,
            float,
            float,
        ] = (
            gap,
            max_len,
            period,
            forget_after,
            down_after,
            calib_conf,
            lag,
            busy_prior,
            stat,
            calibrate,
            learn_floor,
            learn_moves,
            provisional,
            novelty_weight,
            novelty_db[0],
            novelty_db[1],
            arrival_none,
        )
        self.emission = EmissionModel(
            venue,
            sigma=sigma,
            sensitivity=sensitivity,
            width=width,
            temper=temper,
            asymmetric=asymmetric,
            occlusion_db=occlusion_db,
            occlusion_share=occlusion_share,
        )
        self.transitions = Transitions(
            venue.neighbours,
            move_time=move_time,
            leave_time=leave_time,
            enter_time=enter_time,
            teleport=teleport,
            transit=venue.transit,
            transit_time=transit_time,
        )
        self.occ = Occupancy(venue.n_rooms)
        # Move-rate estimate: prior move_time worth move_prior seconds of
        # badge-time, clamped to 1 / move_bounds.
        self._k = _Book(
            venue.n_gateways,
            sensitivity,
            [
                move_prior / move_time,
                move_prior,
                -_INF,
                move_prior,
                move_time,
                move_memory,
                1.0 / move_bounds[1],
                1.0 / move_bounds[0],
                _INF,
                -_INF,
                0.0,
                0.0,
            ],
        )
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
        k = self._k
        s = self._s
        if ts < k.mv[8]:
            k.mv[8] = ts
        if ts > k.gw_last[g]:
            k.gw_last[g] = ts
        if s[10]:
            # Stochastic 1 % quantile of the gateway's readings: its floor.
            if rssi < k.floor[g]:
                k.floor[g] -= 0.099
            else:
                k.floor[g] += 0.001
        if not self.emission.live[g]:
            self.emission.set_live(g, True)
        b = k.badges.get(badge)
        if b is None:
            # A new badge's cadence is the venue's: its firmware is the others'.
            b = _Badge(badge, k.mv[11] if k.mv[10] > 0.5 else s[2])
            k.badges[badge] = b
            k.order.append(badge)
        burst = b.burst
        if burst is not None and ts > burst.close_time(s[0], s[1]):
            self._close(b, burst.close_time(s[0], s[1]))
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
        book = self._k
        buckets = book.buckets
        if book.cursor < 0 and buckets:
            book.cursor = min(buckets)
        end = int(ts // 1)
        k = book.cursor
        keep: list[_Badge] = []
        while 0 <= k <= end:
            items = buckets.pop(k, None)
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
            buckets.setdefault(end, []).extend(keep)
        if end >= 0:
            book.cursor = end
        s = self._s
        clock = book.mv
        t0 = clock[8]
        if ts >= clock[9] and t0 < _INF:
            clock[9] = ts + 10.0  # gateways are checked for being down every 10 s
            if s[7] > 0.0:
                self.transitions.set_weights(self.occ.mean, s[7])
            if s[10]:
                for g in range(self.venue.n_gateways):
                    self.emission.set_sensitivity(g, clamp(book.floor[g], -110.0, -80.0))
            for g in range(self.venue.n_gateways):
                last = book.gw_last[g]
                if last < t0:
                    last = t0
                if self.emission.live[g] and ts - last > s[4]:
                    self.emission.set_live(g, False)

    # ---- output ------------------------------------------------------------

    def badges(self) -> list[str]:
        """Every badge seen so far, in first-seen order."""
        return list(self._k.order)

    def badge_state(self, badge: str) -> tuple[str, float, int]:
        """(room or 'none', posterior probability of it, gateways that heard the
        latest burst).

        While a burst is still open, its readings so far are scored on a copy of
        the posterior; once that copy is ``provisional`` (0.95) sure of a room, it
        is what this returns (and the gateways heard so far), so a move shows at
        the burst's first adverts rather than after the silence that closes it.
        Below that it is not shown: one advert is noisier than a burst, and a
        weaker threshold bought flaps. Not for the windows of a continuous
        stream (a burst that started less than half a ``period`` after the
        previous one, or any window of a badge whose learned period is under
        half ``period``, also the first after a pause): the next closes in
        seconds, a window carries a share of a burst's evidence, and shown at a
        whole burst's weight they only added flaps.
        ``posterior``, ``occupancy`` and the calibration wait for the burst to
        close."""
        b = self._k.badges.get(badge)
        if b is None or b.post is None:
            return (NONE, 1.0, 0)
        post = b.post
        heard = b.heard
        burst = b.burst
        if (
            burst is not None
            and self._s[12] <= 1.0
            and burst.start - b.last_start >= 0.5 * self._s[2]
            and b.period >= 0.5 * self._s[2]
        ):
            trial = self._provisional(b, burst)
            best = argmax(trial)
            if trial[best] >= self._s[12]:
                post = trial
                heard = len(burst.samples)
        best = argmax(post)
        return (self.venue.room_name(best), post[best], heard)

    def posterior(self, badge: str) -> list[float]:
        """The badge's posterior over rooms (venue order) then none, a copy."""
        n = self.venue.n_rooms
        b = self._k.badges.get(badge)
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
        b = self._k.badges.get(badge)
        if b is None or b.post is None:
            return self.posterior(badge)  # certainly in none
        from .presence_smoothing import smooth  # only replays with --lag need it

        return smooth(b.history, self.transitions, ts, self.venue.n_rooms)

    # ---- internals ---------------------------------------------------------

    def _provisional(self, b: _Badge, burst: Burst) -> list[float]:
        """The posterior badge b would have if its open burst closed now (a copy)."""
        post = list(b.post or ())
        self.transitions.predict(post, self.now - b.t_post)
        self.emission.apply(post, self._scores(b, burst.summary(self._s[8])))
        return post

    def _scores(self, b: _Badge, summary: list[tuple[int, float, int]]) -> dict[int, float]:
        """Emission scores of a burst summary, corrected for the badge's offset."""
        t_off = b.offset.value
        heard = []
        for g, y, _ in summary:
            heard.append((g, y - t_off))
        return self.emission.scores(heard)

    def _due(self, b: _Badge) -> float:
        if b.burst is not None:
            return b.burst.close_time(self._s[0], self._s[1])
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
            book = self._k
            book.buckets.setdefault(k, []).append(b)
            if book.cursor < 0 or k < book.cursor:
                book.cursor = k

    def _run(self, b: _Badge, ts: float) -> None:
        """Apply every event of badge b that falls due strictly before ts."""
        while True:
            if b.burst is not None:
                close = b.burst.close_time(self._s[0], self._s[1])
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
                b.snap = None
                b.last_window = None
                b.heard = 0
                b.history = []
                b.check = _INF
                return
            if b.check < ts:
                b.heard = 0
                # A missed window of a stream is a window's share of a missed
                # burst, as a heard one is of a heard burst: weighed whole, nine
                # seconds of a badge buried in a crowd moved it to none.
                w = b.period / self._s[2]
                self._hmm_update(b, b.check, None, w if w < 0.5 else 1.0)
                b.check += b.period
                continue
            return

    def _close(self, b: _Badge, tc: float) -> None:
        burst = b.burst
        if burst is None:
            return
        b.burst = None
        summary = burst.summary(self._s[8])
        interval = burst.start - b.last_start
        if 0.0 < interval < 3.0 * b.period:
            b.period = clamp(0.8 * b.period + 0.2 * interval, 2.0, 600.0)
            # The venue's cadence, for badges not heard yet: the share of recent
            # intervals that were a stream's (under half the setting) and the
            # streams' interval (EMAs over about 20 closes; 0 until the first).
            mv = self._k.mv
            if interval < 0.5 * self._s[2]:
                mv[10] += 0.05 * (1.0 - mv[10])
                mv[11] = interval if mv[11] == 0.0 else mv[11] + 0.05 * (interval - mv[11])
            else:
                mv[10] -= 0.05 * mv[10]
        b.last_start = burst.start
        b.check = burst.start + 1.5 * b.period
        b.heard = len(summary)
        # Windows much shorter than the burst period (continuous mode cut into
        # max_len windows) share their shadowing and body loss: together they
        # carry one period's evidence, each its share of it.
        w = b.period / self._s[2]
        if w >= 0.5:
            w = 1.0
            wh = 1.0
        else:
            wh = self._window_weight(b, summary, w)
        self._hmm_update(b, tc, self._scores(b, summary), wh)
        post = b.post
        if self._s[9] and post is not None:
            from .presence_learning import learn

            # Calibration weighs a window as the HMM does: a line's memory of its
            # last 25 bursts is then 25 periods of windows, not 25 windows.
            learn(self.venue, self.emission, b.offset, post, self._s[5], tc, summary, w)

    def _window_weight(self, b: _Badge, summary: list[tuple[int, float, int]], w: float) -> float:
        """The weight of a window in the HMM: its share ``w`` of a period, more if
        its readings changed from the previous window's. Windows share a period's
        evidence because they share the badge's shadowing and body loss, which
        holds only while it stays put: a badge walking through a door reads anew
        at every gateway, so such a window is evidence of its own. From a change
        of ``novelty_db`` low to high dB (window_change) the weight rises
        linearly from ``w`` to ``novelty_weight``. The window right after a
        changed one weighs at least as much: it was taken where the badge
        stopped, so it shares nothing with the windows before the walk even
        when it reads like the walk's own. The change is also taken from an
        average of the badge's recent windows (a third of a period of memory),
        whichever is larger: a slow walk changes each window by less than
        ``novelty_db``'s low end, but its windows drift ever further from where
        the badge sat, and the windows after a walk differ from that average
        until it has forgotten the old spot."""
        floor = self._k.floor
        last = b.last_window
        if last is None:
            b.last_window = (summary, summary)
            b.last_novel = 0.0
            return w
        prev, ref = last
        # The average moves a share k of the way to this window, a third of a
        # period of memory (a gateway missing on one side stands at its floor
        # there; one within 1 dB of its floor is dropped). Inline, not a helper:
        # one more interned name took the portable continuous test over 64K.
        k = 3.0 * w if w < 0.33 else 1.0
        avg = []
        for g, y, n in ref:
            z = floor[g]
            for h, v, _ in summary:
                if h == g:
                    z = v
                    break
            y += k * (z - y)
            if y > floor[g] + 1.0:
                avg.append((g, y, n))
        for h, v, n in summary:
            for g, _, _ in ref:
                if g == h:
                    break
            else:
                y = floor[h] + k * (v - floor[h])
                if y > floor[h] + 1.0:
                    avg.append((h, y, n))
        b.last_window = (summary, avg)
        s = self._s
        carried = b.last_novel
        b.last_novel = 0.0
        if s[13] <= w:
            return w
        f = window_change(prev, summary, floor)
        d = window_change(ref, summary, floor)
        if d > f:
            f = d
        f = (f - s[14]) / (s[15] - s[14])
        if f > 1.0:
            f = 1.0
        if f > 0.0:
            b.last_novel = f
        if carried > f:  # the window after a walk (see above)
            f = carried
        if f <= 0.0:
            return w
        return w + (s[13] - w) * f

    def _hmm_update(
        self, b: _Badge, ts: float, scores: dict[int, float] | None, w: float = 1.0
    ) -> None:
        n = self.venue.n_rooms
        post = b.post
        if post is None:
            # A badge heard for the first time (or again after being forgotten)
            # has just come into range, from outside: arrival_none (0.9) in
            # none, the rest spread over the rooms. One heard burst outweighs
            # it; the first window of a stream (a twelfth of a burst, heard
            # from the pavement seconds before the badge walks in) does not.
            post = [(1.0 - self._s[16]) / n] * (n + 1)
            post[n] = self._s[16]
            b.post = post
            factors = self.emission.apply(post, scores, w)
        else:
            self.occ.add(post, -1.0)
            dt = ts - b.t_post
            if dt > 0.0 and self._s[11] and b.period >= 0.5 * self._s[2]:
                prev = list(post)
                self.transitions.predict(post, dt)
                pred = list(post)
                factors = self.emission.apply(post, scores, w)
                from .presence_learning import learn_moves

                learn_moves(self.transitions, self._k.mv, ts, dt, prev, pred, post)
            else:
                if dt > 0.0:
                    self.transitions.predict(post, dt)
                factors = self.emission.apply(post, scores, w)
                if dt > 0.0 and self._s[11]:
                    self._learn_over_period(b, ts, post)  # windows: a period apart
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

    def _learn_over_period(self, b: _Badge, ts: float, post: list[float]) -> None:
        """Move-rate learning for windows shorter than half a period (continuous
        mode): from the posteriors a period apart, not window to window. A window
        carries a twelfth of a burst's evidence, so its own move probability books
        most of a move as "stayed in the new room", and the rate sat at its lower
        bound through whole breaks; a period of windows carries one burst's
        evidence, as one burst does in burst mode."""
        snap = b.snap
        if snap is not None and ts - snap[0] < self._s[2]:
            return
        if snap is not None:
            prev = snap[1]
            pred = list(prev)
            self.transitions.predict(pred, ts - snap[0])
            from .presence_learning import learn_moves

            learn_moves(self.transitions, self._k.mv, ts, ts - snap[0], prev, pred, post)
        b.snap = (ts, list(post))
