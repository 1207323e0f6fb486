"""The per-badge hidden Markov model over rooms plus ``none``: transitions, and
the occupancy totals built from the posteriors (``Occupancy``).

States are the venue's rooms ``0 .. R-1`` and ``R`` = none (left the venue or out
of range of every gateway). A posterior is a plain list of R + 1 floats that sums
to one. Over an interval ``dt`` (seconds, continuous time, so bursts every 60 s
and a 1 Hz stream are handled alike) a badge in room q

- stays with probability ``exp(-dt (1/move_time + 1/leave_time))`` (sticky);
- otherwise leaves the venue (share ``leave``), or moves to another room: with
  adjacency, ``1 - teleport`` of that goes to the rooms next to q and ``teleport``
  anywhere (60 s between bursts is long enough to cross a room); without it,
  anywhere uniformly;

and a badge in none enters a room (uniformly) with probability
``1 - exp(-dt / enter_time)``. A *transit* room (a corridor: the venue's
``transit`` list) is left at rate ``1 / transit_time`` (15 s) instead of
``1 / move_time``: people walk through it, so a badge seen there at one burst is
almost surely elsewhere at the next, and a room without a gateway of its own,
whose expected readings are a guess from its neighbours, cannot hold a badge
for long on ambiguous bursts alone. Mass that *enters* a transit room during
``dt`` arrived at a uniformly random moment and mostly walked on before ``dt``
ended: only the share ``(1 - exp(-k dt)) / (k dt)`` is still there (``k`` its
leaving rate; 0.25 over 60 s at 15 s), the rest goes on as the room's own
leavers do. Without that a corridor kept every arrival of the interval, four
times what it holds. ``predict`` applies this forward in O(R + edges); its
transpose, for fixed-lag smoothing, is in presence_smoothing (loaded only when
smoothing is asked for).
"""

from .presence_math import exp, presence_error


class Transitions:
    def __init__(
        self,
        neighbours: list[list[int]],
        move_time: float = 1800.0,
        leave_time: float = 7200.0,
        enter_time: float = 1800.0,
        teleport: float = 0.3,
        transit: list[bool] | None = None,
        transit_time: float = 15.0,
    ) -> None:
        if move_time <= 0.0 or leave_time <= 0.0 or enter_time <= 0.0 or transit_time <= 0.0:
            raise presence_error("bad-setting", "transition times must be positive")
        if not 0.0 <= teleport <= 1.0:
            raise presence_error("bad-setting", "teleport must be in [0, 1]")
        self.neighbours = neighbours
        # (per-room flags, leaving rate) or None when no room is transit; with
        # ``n`` a property, eight attributes at most (see Venue).
        self.transit = (transit, 1.0 / transit_time) if transit and True in transit else None
        self.rate_move = 1.0 / move_time
        self.rate_leave = 1.0 / leave_time
        self.rate_enter = 1.0 / enter_time
        self.teleport = teleport
        self._scratch = [0.0] * (len(neighbours) + 1)
        # Where a move that is not to a neighbour lands (and where an arrival
        # enters): uniform until set_weights says where people are.
        self.weights = [1.0 / len(neighbours)] * len(neighbours)

    @property
    def n(self) -> int:
        return len(self.neighbours)

    def set_weights(self, expected: list[float], floor: float = 1.0) -> None:
        """Make long moves and arrivals favour busy rooms: weight of room r is
        proportional to its expected head count plus ``floor`` (people walk to
        where the talk is, rarely to an empty corridor)."""
        total = 0.0
        for r in range(self.n):
            total += expected[r] + floor
        for r in range(self.n):
            self.weights[r] = (expected[r] + floor) / total

    def coefficients(self, dt: float) -> tuple[float, float, float]:
        """(probability of staying in a room over dt, share of moves that leave the
        venue, probability that a badge in none enters a room over dt)."""
        rate = self.rate_move + self.rate_leave
        stay = exp(-dt * rate)
        leave_share = self.rate_leave / rate
        enter = 1.0 - exp(-dt * self.rate_enter)
        return stay, leave_share, enter

    def stays(self, dt: float) -> tuple[float, float, float, float, float, float]:
        """``coefficients(dt)`` followed by a transit room's staying probability,
        its leave share and the share of what enters it during ``dt`` that is
        still there at the end (the same as a room's, and 1, when there is none)."""
        stay, leave_share, enter = self.coefficients(dt)
        tr = self.transit
        if tr is None:
            return stay, leave_share, enter, stay, leave_share, 1.0
        rate = tr[1] + self.rate_leave
        x = dt * rate
        stay_t = exp(-x)
        # mean over a uniform arrival time in [0, dt] of exp(-rate * time left)
        keep_t = (1.0 - stay_t) / x if x > 1e-6 else 1.0 - 0.5 * x
        return stay, leave_share, enter, stay_t, self.rate_leave / rate, keep_t

    def predict(self, post: list[float], dt: float) -> None:
        """Propagate a posterior ``dt`` seconds forward, in place."""
        if dt <= 0.0:
            return
        n = self.n
        stay, leave_share, enter, stay_t, leave_t, keep_t = self.stays(dt)
        flags = self.transit[0] if self.transit is not None else None
        new = self._scratch  # mass that lands in each room (post keeps what stayed)
        spread = 0.0  # mass that lands on the rooms by their weights
        to_none = 0.0
        for r in range(n):
            new[r] = 0.0
        for q in range(n):
            p = post[q]
            if p == 0.0:
                continue
            if flags is not None and flags[q]:
                kept = p * stay_t
                gone = (p - kept) * leave_t
            else:
                kept = p * stay
                gone = (p - kept) * leave_share
            post[q] = kept
            to_none += gone
            spread += self._land(new, q, p - kept - gone)
        pn = post[n]
        spread += pn * enter
        w = self.weights
        for r in range(n):
            new[r] += spread * w[r]
        if flags is not None and keep_t < 1.0:
            # What landed in a transit room mostly walked on within dt, the way
            # its own leavers go; that second landing is final (added to post).
            spread = 0.0
            for r in range(n):
                if flags[r] and new[r] > 0.0:
                    through = new[r] * (1.0 - keep_t)
                    new[r] -= through
                    gone = through * leave_t
                    to_none += gone
                    spread += self._land(post, r, through - gone)
            for r in range(n):
                post[r] += spread * w[r]
        for r in range(n):
            post[r] += new[r]
        post[n] = pn - pn * enter + to_none

    def _land(self, into: list[float], q: int, moved: float) -> float:
        """Add to ``into`` the neighbours' part of ``moved`` mass leaving room q;
        returns the part that lands by the room weights (the caller spreads it)."""
        nb = self.neighbours[q]
        if not nb:
            return moved
        tele = self.teleport
        share = moved * (1.0 - tele) / len(nb)
        for r in nb:
            into[r] += share
        return moved * tele


def argmax(post: list[float]) -> int:
    best = 0
    value = post[0]
    for i in range(1, len(post)):
        if post[i] > value:
            value = post[i]
            best = i
    return best


class Occupancy:
    """Expected room occupancy from per-badge posteriors, with an interval.

    Each badge b is in room r with probability p_b(r), independently of the others
    given the data, so the head count of room r is Poisson-binomial:

        E[N_r] = sum_b p_b(r)          Var[N_r] = sum_b p_b(r) (1 - p_b(r))

    and the interval is the normal approximation ``E +- z sqrt(Var)`` clipped at 0.
    A count of best guesses would throw the uncertainty away (and under-count rooms
    whose badges are uncertain); the sum of posteriors does not.

    The totals are kept incrementally: the estimator subtracts a badge's posterior
    before changing it and adds it back after, so ``occupancy()`` costs O(rooms).
    """

    def __init__(self, n_rooms: int) -> None:
        self.n_rooms = n_rooms
        self.mean = [0.0] * n_rooms
        self.var = [0.0] * n_rooms

    def add(self, post: list[float], sign: float = 1.0) -> None:
        """Add (sign 1) or remove (sign -1) one badge's posterior."""
        mean = self.mean
        var = self.var
        for r in range(self.n_rooms):
            p = post[r]
            if p != 0.0:
                mean[r] += sign * p
                var[r] += sign * p * (1.0 - p)

    def interval(self, room: int, z: float = 1.96) -> tuple[float, float, float]:
        """(expected, low, high) head count of a room."""
        m = self.mean[room]
        if m < 0.0:
            m = 0.0  # float round-off after many add/remove pairs
        v = self.var[room]
        half = z * v**0.5 if v > 0.0 else 0.0
        lo = m - half
        return (m, lo if lo > 0.0 else 0.0, m + half)
