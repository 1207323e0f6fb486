"""Fixed-lag smoothing of one badge's posterior (the replay's ``--lag``).

Imported by the estimator only when smoothing is asked for, so a board that never
smooths does not hold this code in its heap.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .presence_hmm import Transitions


def smooth(
    hist: "list[tuple[float, list[float], list[float]]]",
    transitions: "Transitions",
    ts: float,
    n: int,
) -> list[float]:
    """Smoothed posterior at ``ts`` from a badge's recent (time, filtered posterior,
    likelihood factors) updates: the filtered posterior of the last update at or
    before ``ts`` carried forward, times the backward message of every later one."""
    k = -1
    for i in range(len(hist)):
        if hist[i][0] <= ts:
            k = i
    if k < 0:
        out = [0.0] * (n + 1)
        out[n] = 1.0
        return out
    alpha = list(hist[k][1])
    transitions.predict(alpha, ts - hist[k][0])
    beta = [1.0] * (n + 1)
    j = len(hist) - 1
    while j > k:
        factors = hist[j][2]
        for i in range(n + 1):
            beta[i] *= factors[i]
        before = hist[j - 1][0] if j - 1 > k else ts
        backward(transitions, beta, hist[j][0] - before)
        normalise(beta)
        j -= 1
    for i in range(n + 1):
        alpha[i] *= beta[i]
    normalise(alpha)
    return alpha


def backward(t: "Transitions", beta: list[float], dt: float) -> None:
    """beta(q) <- sum_r T_dt(q -> r) beta(r), in place: the transpose of
    ``Transitions.predict``, O(R + edges)."""
    if dt <= 0.0:
        return
    n = t.n
    stay, leave_share, enter, stay_t, leave_t, keep_t = t.stays(dt)
    flags = t.transit[0] if t.transit is not None else None
    bn = beta[n]
    # land[r]: what mass that lands in room r is worth, beta(r) except in a
    # transit room, which keeps keep_t of it and passes the rest on (predict).
    land = beta[:n]
    if flags is not None and keep_t < 1.0:
        mean_rooms = _weighted_mean(t, beta)
        for r in range(n):
            if flags[r]:
                on = (1.0 - leave_t) * _moved_value(t, beta, r, mean_rooms) + leave_t * bn
                land[r] = keep_t * beta[r] + (1.0 - keep_t) * on
    mean_land = _weighted_mean(t, land)
    new = [0.0] * n
    for q in range(n):
        moved = _moved_value(t, land, q, mean_land)
        if flags is not None and flags[q]:
            s, ls = stay_t, leave_t
        else:
            s, ls = stay, leave_share
        new[q] = s * beta[q] + (1.0 - s) * ((1.0 - ls) * moved + ls * bn)
    for q in range(n):
        beta[q] = new[q]
    beta[n] = (1.0 - enter) * bn + enter * mean_land


def _weighted_mean(t: "Transitions", values: list[float]) -> float:
    """``values`` averaged over the rooms by where long moves and arrivals land."""
    total = 0.0
    w = t.weights
    for r in range(t.n):
        total += w[r] * values[r]
    return total


def _moved_value(t: "Transitions", values: list[float], q: int, mean: float) -> float:
    """Expected value of ``values`` over where a mover out of room q lands
    (``mean``: their ``_weighted_mean``, for the long moves)."""
    nb = t.neighbours[q]
    if not nb:
        return mean
    local = 0.0
    for r in nb:
        local += values[r]
    tele = t.teleport
    return (1.0 - tele) * local / len(nb) + tele * mean


def normalise(post: list[float]) -> float:
    """Scale a non-negative vector to sum to one, in place; returns the old sum.
    An all-zero vector (numerical underflow) becomes uniform."""
    total = 0.0
    for p in post:
        total += p
    if total <= 0.0:
        u = 1.0 / len(post)
        for i in range(len(post)):
            post[i] = u
        return 0.0
    inv = 1.0 / total
    for i in range(len(post)):
        post[i] *= inv
    return total
