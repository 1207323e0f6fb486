"""The robust per-burst statistics other than the default ``max`` (presence_burst):
median and trimmed mean of a gateway's readings in one burst, in dBm.

Loaded only by an estimator made with ``stat="median"`` or ``stat="trimmed"``.
"""


def median(values: list[int]) -> float:
    """Median of a non-empty list (mean of the two middle values when even)."""
    s = sorted(values)
    n = len(s)
    mid = n // 2
    if n % 2:
        return float(s[mid])
    return (s[mid - 1] + s[mid]) / 2.0


def trimmed_mean(values: list[int], trim: float = 0.2) -> float:
    """Mean after dropping ``trim`` of the readings at each end (rounded down);
    with fewer than 3 readings it is the plain mean."""
    s = sorted(values)
    n = len(s)
    k = int(n * trim)
    if n - 2 * k < 1:
        k = (n - 1) // 2
    kept = s[k : n - k]
    total = 0
    for v in kept:
        total += v
    return total / len(kept)


def maximum(values: list[int]) -> float:
    best = values[0]
    for v in values:
        if v > best:
            best = v
    return float(best)


def summarise(values: list[int], stat: str) -> float:
    if not values:
        from .errors import IotEdgeError  # only when misused: see presence_math

        raise IotEdgeError("empty-burst", "no readings to summarise")
    if stat == "median":
        return median(values)
    if stat == "trimmed":
        return trimmed_mean(values)
    if stat == "max":
        return maximum(values)
    from .errors import IotEdgeError

    raise IotEdgeError("unknown-stat", stat)
