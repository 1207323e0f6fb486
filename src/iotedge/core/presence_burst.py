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

# The statistic names; "max" is the default and computed here, the others in
# presence_stats, loaded only when asked for.
STATS = ("median", "trimmed", "max")


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
            if stat == "max":
                y = float(max(ring))
            else:
                from .presence_stats import summarise

                y = summarise(ring, stat)
            out.append((gateway, y, self.counts[gateway]))
        return out


def window_change(
    prev: list[tuple[int, float, int]], cur: list[tuple[int, float, int]], floor: list[float]
) -> float:
    """How much a badge's readings changed from one window to the next, in dB:
    the second largest change over the gateways that heard either window.

    A gateway heard in both changed by the difference of its statistics; one
    heard in only one of them by how far above its floor it was there (a reading
    well above the floor does not vanish by packet loss alone). The second
    largest, because walking into another room changes at least two gateways
    (the old room's fades, the new room's rises), while a single gateway's
    reading also jumps when someone passes in front of it. 0 with fewer than two."""
    first = 0.0
    second = 0.0
    for k in range(2):
        a = cur if k == 0 else prev
        b = prev if k == 0 else cur
        for g, y, _ in a:
            d = -1.0
            for h, z, _ in b:
                if h == g:
                    d = y - z if y > z else z - y
                    break
            if d < 0.0:
                d = y - floor[g]  # heard in this window only
            elif k == 1:
                continue  # heard in both: counted once, from cur
            if d > first:
                second = first
                first = d
            elif d > second:
                second = d
    return second
