"""When a DHT22 may be read, which readings to keep, and how to retry: one policy
shared by every backend (MicroPython ``dht``, pulse capture, adafruit, simulator).

Facts from the Aosong AM2302 / DHT22 datasheet that this encodes:

* The sensor must not be triggered more often than every 2 s.
* A trigger returns the measurement taken at the *previous* trigger; the sensor
  measures after answering. The first read after power-up, or after a long idle
  time, therefore returns an old value: read twice and keep the second.

Time is passed in (milliseconds from any monotonic clock), never read here. On
MicroPython pass ``time.ticks_diff`` as ``ticks_diff`` so that ``ticks_ms``
wrapping (every ~12 days on most ports) does not break the intervals.
"""

from ._compat import const
from .errors import DHTError, DHTTooSoonError, IotEdgeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

MIN_INTERVAL_MS = const(2000)


def _subtract(a: int, b: int) -> int:
    return a - b


class Backoff:
    """Capped exponential delays: first, first*factor, ... up to ``max_ms``."""

    def __init__(self, first_ms: int, max_ms: int, factor: int = 2) -> None:
        if first_ms <= 0 or max_ms < first_ms or factor < 1:
            raise IotEdgeError("bad-backoff", "need 0 < first_ms <= max_ms and factor >= 1")
        self.first_ms = first_ms
        self.max_ms = max_ms
        self.factor = factor
        self.attempts = 0
        self._next = first_ms

    def next_ms(self) -> int:
        """The delay before the next attempt; each call grows the following one."""
        delay = self._next
        self.attempts += 1
        grown = delay * self.factor
        self._next = grown if grown < self.max_ms else self.max_ms
        return delay

    def reset(self) -> None:
        self.attempts = 0
        self._next = self.first_ms


class ReadPolicy:
    """Gatekeeper around a raw ``read() -> (temperature, humidity)`` in tenths.

    ``retries``: extra attempts after a failed read before the error is raised.
    ``backoff_max_ms``: retry delays start at ``min_interval_ms`` and double up to it.
    ``max_age_ms``: a reading whose measurement (taken at the previous trigger) is
    older than this, or that is the first since start, is discarded and read again;
    0 keeps every reading (for backends that already hide the stale first read).
    """

    def __init__(
        self,
        min_interval_ms: int = MIN_INTERVAL_MS,
        retries: int = 2,
        backoff_max_ms: int = 8000,
        max_age_ms: int = 10000,
        ticks_diff: "Callable[[int, int], int] | None" = None,
    ) -> None:
        if min_interval_ms < 0 or retries < 0:
            raise IotEdgeError("bad-policy", "min_interval_ms and retries must be >= 0")
        if max_age_ms and max_age_ms <= min_interval_ms:
            raise IotEdgeError(
                "bad-policy", "max_age_ms must exceed min_interval_ms, or be 0 to keep every read"
            )
        self.min_interval_ms = min_interval_ms
        self.retries = retries
        self.max_age_ms = max_age_ms
        self._diff = ticks_diff or _subtract
        self._backoff = Backoff(min_interval_ms or 1, backoff_max_ms if backoff_max_ms else 1)
        self._last_trigger: "int | None" = None
        self._previous_trigger: "int | None" = None
        self._hold_ms = min_interval_ms
        self.failures = 0
        # Counters for status reports.
        self.reads = 0
        self.errors = 0
        self.discarded = 0

    def wait_ms(self, now_ms: int) -> int:
        """Milliseconds until the sensor may be triggered again (0: now)."""
        if self._last_trigger is None:
            return 0
        left = self._hold_ms - self._diff(now_ms, self._last_trigger)
        return left if left > 0 else 0

    def start(self, now_ms: int) -> None:
        """Record a trigger; DHTTooSoonError if the interval has not passed."""
        left = self.wait_ms(now_ms)
        if left > 0:
            raise DHTTooSoonError(
                "too-soon", "the sensor may be read again in " + str(left) + " ms"
            )
        self._previous_trigger = self._last_trigger
        self._last_trigger = now_ms
        self._hold_ms = self.min_interval_ms

    def succeeded(self, now_ms: int) -> bool:
        """A read returned a valid frame; True if its value is fresh enough to use."""
        self.failures = 0
        self._backoff.reset()
        if not self.max_age_ms:
            return True
        prev = self._previous_trigger
        if prev is None or self._diff(now_ms, prev) > self.max_age_ms:
            self.discarded += 1
            return False
        return True

    def failed(self, error: DHTError) -> None:
        """A read failed: schedule a retry with backoff, or raise ``error`` when none are left."""
        self.errors += 1
        self.failures += 1
        if self.failures > self.retries:
            self.failures = 0
            self._backoff.reset()
            raise error
        delay = self._backoff.next_ms()
        self._hold_ms = delay if delay > self.min_interval_ms else self.min_interval_ms

    def step(
        self, raw_read: "Callable[[], tuple[int, int]]", now_ms: int
    ) -> "tuple[int, int] | None":
        """One non-blocking attempt: the reading, or None (not yet time, stale first
        read, or a failure with retries left); raises the DHTError when retries run out.

        Loops that must keep feeding a watchdog call this every tick.
        """
        if self.wait_ms(now_ms) > 0:
            return None
        self.start(now_ms)
        try:
            reading = raw_read()
        except DHTError as exc:
            self.failed(exc)
            return None
        if self.succeeded(now_ms):
            self.reads += 1
            return reading
        return None


def read(
    policy: ReadPolicy,
    raw_read: "Callable[[], tuple[int, int]]",
    clock_ms: "Callable[[], int]",
    sleep_ms: "Callable[[int], object]",
) -> "tuple[int, int]":
    """Block until a fresh reading, sleeping as the policy asks; raises the last DHTError."""
    while True:
        reading = policy.step(raw_read, clock_ms())
        if reading is not None:
            return reading
        wait = policy.wait_ms(clock_ms())
        if wait > 0:
            sleep_ms(wait)
