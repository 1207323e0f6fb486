"""Fixed-lag smoothing of one badge's posterior (the replay's ``--lag``).

Imported by the estimator only when smoothing is asked for, so a board that never
smooths does not hold this code in its heap.
"""

from .presence_hmm import normalise

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
        transitions.backward(beta, hist[j][0] - before)
        normalise(beta)
        j -= 1
    for i in range(n + 1):
        alpha[i] *= beta[i]
    normalise(alpha)
    return alpha
