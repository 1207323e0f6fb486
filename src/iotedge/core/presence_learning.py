"""What the estimator learns online from the bursts it is confident about:
gateway lines and badge offsets (presence_calibration) and the venue-wide rate
of room changes.

Imported by the estimator when the first burst closes, not before: a board that
turns both off (``calibrate=False, learn_moves=False``) never holds this code.
"""

from .presence_hmm import argmax
from .presence_math import clamp, exp

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .presence_calibration import BadgeOffset
    from .presence_emission import EmissionModel
    from .presence_hmm import Transitions
    from .presence_venue import Venue


def learn_moves(
    t: "Transitions",
    mv: list[float],
    ts: float,
    dt: float,
    prev: list[float],
    pred: list[float],
    post: list[float],
) -> None:
    """Online estimate of how often badges change room (one rate for the whole
    venue, so a break where everyone walks out speeds everyone's detection).

    The posterior probability that this badge stayed put over ``dt`` is
    sum_q prev(q) stay post(q) / pred(q); one minus that is an expected move
    count, accumulated over badges against badge-seconds (transit rooms left
    out: walking out of a corridor is not the kind of change this rate is
    about), with forgetting
    (``move_memory``) and a prior of ``move_time``, clamped to ``move_bounds``.
    ``mv`` is the estimator's state list: 0 numerator, 1 denominator, 2 time of
    the last update, 3 prior weight, 4 move_time, 5 move_memory, 6 low, 7 high."""
    n = t.n
    if prev[n] > 0.5:
        return  # a badge that is probably away says nothing about room changes
    stay = t.coefficients(dt)[0]
    flags = t.transit[0] if t.transit is not None else None
    kept = 0.0
    inside = 0.0  # mass in rooms whose changes this rate is about (not transit)
    for q in range(n):
        if flags is not None and flags[q]:
            continue  # leaving a corridor is not a room change of this kind
        inside += prev[q]
        if pred[q] > 0.0:
            kept += prev[q] * stay * post[q] / pred[q]
    if flags is None:
        inside = 1.0 - prev[n]  # the same sum, as it was always computed
    elif inside <= 0.0:
        return  # all of it in corridors: nothing to learn from
    moved = inside - kept
    if moved < 0.0:
        moved = 0.0
    last = mv[2]
    if ts > last:
        k = exp(-(ts - last) / mv[5]) if last > -1.0e300 else 1.0
        prior = mv[3]
        mv[0] = mv[0] * k + (1.0 - k) * prior / mv[4]
        mv[1] = mv[1] * k + (1.0 - k) * prior
        mv[2] = ts
    mv[0] += moved
    mv[1] += dt * inside
    rate = mv[0] / mv[1]
    t.rate_move = clamp(rate, mv[6], mv[7])


def learn(
    venue: "Venue",
    emission: "EmissionModel",
    offset: "BadgeOffset",
    post: list[float],
    min_conf: float,
    ts: float,
    summary: list[tuple[int, float, int]],
    weight: float = 1.0,
) -> None:
    """Calibrate from one closed burst of a badge whose best room has posterior
    ``min_conf`` or more: each gateway near that room fits its line to the
    reading (less the badge's offset), and the badge's offset moves by its mean
    residual. Each observation weighs the posterior times ``weight`` (a window's
    share of a burst period, 1 for a burst)."""
    r = argmax(post)
    conf = post[r]
    if r >= venue.n_rooms or conf < min_conf:
        return
    lines = emission.lines
    t_off = offset.value
    total = 0.0
    k = 0
    near = venue.near
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
        line.observe(ts, u, y - t_off, conf * weight)
        line.solve()
        emission.refresh(g)
    if k:
        offset.observe(ts, total / k, conf * weight)
