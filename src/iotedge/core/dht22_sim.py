"""The exact DHT22 waveform for a frame, with the faults real lines show, on demand.

Portable so that the CPython simulator (``iotedge.hal.sim_dht22``) and the
MicroPython stand-ins (``micropython/standins``) replay the same trains.

A train is a list of segment durations in microseconds, starting at the moment the
host releases the line after its start signal. Levels alternate, starting high:

    index 0        high  30 us   host released, pull-up holds the line (20-200 us)
    index 1        low   80 us   sensor response (75-85 us)
    index 2        high  80 us   sensor response (75-85 us)
    index 3+2k     low   50 us   start of bit k (48-55 us)
    index 4+2k     high  26/70   bit k: 26 us for 0 (22-30), 70 us for 1 (68-75)
    index 83       low   50 us   end of frame, then the line is released (idle high)

Timings: Aosong AM2302 / DHT22 datasheet, single-bus timing table.
"""

from ._compat import const
from .dht22 import FRAME_BITS, ONE_US, ZERO_US

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Sequence

RELEASE_US = const(30)
RESPONSE_US = const(80)
BIT_LOW_US = const(50)
END_LOW_US = const(50)
# Segments in a complete train: release, response low+high, 40 x (low, high), end low.
TRAIN_SEGMENTS = const(84)


class Jitter:
    """Deterministic +/- ``amplitude_us`` noise (xorshift32), the same on every interpreter."""

    def __init__(self, amplitude_us: int, seed: int = 1) -> None:
        self.amplitude = amplitude_us
        self.state = (seed & 0xFFFFFFFF) or 0x9E3779B9

    def next(self) -> int:
        x = self.state
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.state = x
        if self.amplitude <= 0:
            return 0
        return (x % (2 * self.amplitude + 1)) - self.amplitude


def train(
    frame: "Sequence[int]",
    jitter_us: int = 0,
    seed: int = 1,
    zero_us: int = ZERO_US,
    one_us: int = ONE_US,
) -> "list[int]":
    """Segment durations for ``frame``; every segment gets independent jitter.

    Durations never drop below 1 us (a pulse cannot have a negative width).
    """
    noise = Jitter(jitter_us, seed)
    out = [RELEASE_US, RESPONSE_US, RESPONSE_US]
    for i in range(FRAME_BITS):
        out.append(BIT_LOW_US)
        out.append(one_us if (frame[i >> 3] >> (7 - (i & 7))) & 1 else zero_us)
    out.append(END_LOW_US)
    if jitter_us > 0:
        for i in range(len(out)):
            width = out[i] + noise.next()
            out[i] = width if width > 0 else 1
    return out


def drop_segment(segments: "list[int]", index: int) -> "list[int]":
    """Both edges of segment ``index`` missed: it merges with its two neighbours.

    This is what a capture sees when it polls too slowly for a short pulse: the
    neighbours (of the other level) become one long pulse.
    """
    if index <= 0 or index >= len(segments) - 1:
        raise IndexError("can only drop an inner segment")
    merged = segments[index - 1] + segments[index] + segments[index + 1]
    return segments[: index - 1] + [merged] + segments[index + 2 :]


def truncate(segments: "list[int]", count: int) -> "list[int]":
    """Only the first ``count`` segments: the sensor stopped answering mid-frame."""
    return segments[:count]


def high_widths(segments: "Sequence[int]") -> "list[int]":
    """What a host timing high pulses after the response low sees: the 80 us
    response high then one width per bit (41 for a complete train)."""
    return [segments[i] for i in range(2, len(segments), 2)]


def alternating_pulses(segments: "Sequence[int]", maxlen: int = 81) -> "list[int]":
    """Transition-to-transition durations from the response low on, last ``maxlen``.

    This is the shape adafruit_dht collects (bitbang and PulseIn alike): with 81
    it starts with the low before bit 0 and alternates low, high.
    """
    pulses = list(segments[1:])
    if len(pulses) > maxlen:
        pulses = pulses[len(pulses) - maxlen :]
    return pulses
