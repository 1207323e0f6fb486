"""Per-burst robust statistics of one badge's adverts, in dB.

A badge broadcasts a burst of adverts (3 s every 60 s at the venue, or 1 Hz
continuously). Each gateway hears some of them, each with its own fading. The
estimator does not look at single adverts: it summarises, per gateway, the
adverts of one burst with a robust statistic (median, trimmed mean or max of the
RSSI in dBm) and the count heard. A gateway that heard none of the burst is
evidence too; that part lives in the HMM's emission model.

Memory is bounded: a gateway keeps at most ``MAX_SAMPLES`` readings per burst
(later readings overwrite the oldest, a ring), and a burst is closed either by a
silence of ``gap`` seconds or when it has lasted ``max_len`` seconds (the
continuous 1 Hz mode is cut into windows that way).
"""

MAX_SAMPLES = 24

STAT_MEDIAN = "median"
STAT_TRIMMED = "trimmed"
STAT_MAX = "max"
STATS = (STAT_MEDIAN, STAT_TRIMMED, STAT_MAX)


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
    if stat == STAT_MEDIAN:
        return median(values)
    if stat == STAT_TRIMMED:
        return trimmed_mean(values)
    if stat == STAT_MAX:
        return maximum(values)
    from .errors import IotEdgeError

    raise IotEdgeError("unknown-stat", stat)


class Burst:
    """The adverts of one badge heard so far in its current burst, per gateway."""

    __slots__ = ("_last_seen", "counts", "last", "samples", "start")

    def __init__(self, ts: float) -> None:
        self.start = ts
        self.last = ts
        # gateway index -> readings (ring of at most MAX_SAMPLES) and total heard
        self.samples: dict[int, list[int]] = {}
        self.counts: dict[int, int] = {}
        # gateway index -> (ts, rssi) of its latest reading, to drop duplicates
        self._last_seen: dict[int, tuple[float, int]] = {}

    def add(self, ts: float, gateway: int, rssi: int) -> bool:
        """Add one reading; returns False for an exact duplicate (same gateway,
        time and RSSI: a report delivered twice)."""
        prev = self._last_seen.get(gateway)
        if prev is not None and prev[0] == ts and prev[1] == rssi:
            return False
        self._last_seen[gateway] = (ts, rssi)
        if ts > self.last:
            self.last = ts
        if ts < self.start:
            self.start = ts
        ring = self.samples.get(gateway)
        if ring is None:
            self.samples[gateway] = [rssi]
            self.counts[gateway] = 1
            return True
        n = self.counts[gateway]
        if len(ring) < MAX_SAMPLES:
            ring.append(rssi)
        else:
            ring[n % MAX_SAMPLES] = rssi
        self.counts[gateway] = n + 1
        return True

    def close_time(self, gap: float, max_len: float) -> float:
        """When the burst closes: ``gap`` seconds after its last advert or
        ``max_len`` seconds after its start, whichever is first."""
        a = self.last + gap
        b = self.start + max_len
        return a if a < b else b

    def summary(self, stat: str) -> list[tuple[int, float, int]]:
        """(gateway index, statistic in dBm, adverts heard) for each gateway."""
        out = []
        for gateway, ring in self.samples.items():
            out.append((gateway, summarise(ring, stat), self.counts[gateway]))
        return out
