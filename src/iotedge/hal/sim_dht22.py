"""A simulated DHT22 on a virtual wire, for tests, demos and the adafruit backend tests.

It behaves like the real part (Aosong AM2302 / DHT22 datasheet):

* each trigger returns the measurement taken at the *previous* trigger, then
  measures the current environment (so the first read after power-up is old);
* it answers with the exact waveform (:mod:`iotedge.core.dht22_sim`): 80 us
  response, 50 us lows, 26/70 us highs, optionally with +/- jitter;
* on demand: the two's-complement encoding of clone sensors, and one-shot faults
  queued with :meth:`SimulatedDHT22.inject` (``checksum``, ``drop-edge``,
  ``truncate``, ``no-response``).

It is a raw reader (``read_raw``) and a pulse source (``next_segments``); wrap it in
:func:`simulated_sensor` to get a :class:`~iotedge.hal.sensor.TemperatureHumiditySensor`.
"""

from __future__ import annotations

import collections
import random
from collections.abc import Callable

from iotedge.core import dht22, dht22_policy, dht22_sim
from iotedge.core.errors import DHTNoResponseError
from iotedge.hal.sensor import PolicySensor, monotonic_ms, sleep_ms

FAULTS = ("checksum", "drop-edge", "truncate", "no-response")


class SimulatedDHT22:
    def __init__(
        self,
        temperature_tenths: int = 215,
        humidity_tenths: int = 456,
        *,
        jitter_us: int = 0,
        clone: bool = False,
        seed: int = 1,
    ) -> None:
        self.temperature = temperature_tenths
        self.humidity = humidity_tenths
        self.jitter_us = jitter_us
        self.clone = clone
        self._rng = random.Random(seed)
        # What the sensor holds at power-up: a measurement of the environment then.
        self._stored = dht22.encode_frame(temperature_tenths, humidity_tenths, clone)
        self._faults: collections.deque[str] = collections.deque()
        self.triggers = 0

    def set(self, temperature_tenths: int, humidity_tenths: int) -> None:
        """Change the environment; the sensor sees it at its next measurement."""
        dht22.encode_frame(temperature_tenths, humidity_tenths)  # range check
        self.temperature = temperature_tenths
        self.humidity = humidity_tenths

    def inject(self, fault: str, count: int = 1) -> None:
        """Spoil the next ``count`` triggers with ``fault`` (one of FAULTS)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose from {FAULTS}")
        self._faults.extend([fault] * count)

    def next_segments(self) -> list[int]:
        """Trigger: the waveform after the host's start signal (see dht22_sim.train)."""
        self.triggers += 1
        frame = self._stored
        self._stored = dht22.encode_frame(self.temperature, self.humidity, self.clone)
        fault = self._faults.popleft() if self._faults else ""
        if fault == "checksum":
            frame = frame[:4] + bytes(((frame[4] + 1 + self._rng.randrange(255)) & 0xFF,))
        if fault == "no-response":
            return [dht22_sim.RELEASE_US]
        segments = dht22_sim.train(frame, self.jitter_us, self._rng.randrange(1, 1 << 31))
        if fault == "drop-edge":
            # Both edges of one bit's low missed: two bit highs merge.
            segments = dht22_sim.drop_segment(segments, 3 + 2 * self._rng.randrange(1, 40))
        elif fault == "truncate":
            segments = dht22_sim.truncate(segments, self._rng.randrange(3, 80))
        return segments

    def read_raw(self) -> tuple[int, int]:
        """(temperature, humidity) in tenths through the real pulse decoder, or a DHTError."""
        segments = self.next_segments()
        if len(segments) < 3:
            raise DHTNoResponseError("no-response", "no response pulse after the start signal")
        return dht22.read_pulses(dht22_sim.high_widths(segments))


def simulated_sensor(
    sim: SimulatedDHT22 | None = None,
    policy: dht22_policy.ReadPolicy | None = None,
    clock_ms: Callable[[], int] = monotonic_ms,
    sleep: Callable[[int], object] = sleep_ms,
) -> PolicySensor:
    """A TemperatureHumiditySensor backed by ``sim`` (a fresh one by default)."""
    sim = sim or SimulatedDHT22()
    return PolicySensor("sim", sim.read_raw, policy, clock_ms, sleep)


class SimPulseIn:
    """Stands in for ``pulseio.PulseIn`` (CircuitPython / Blinka) with a simulated DHT22.

    ``resume(trigger_us)`` is the host's start signal: the sensor answers and the
    pulse buffer fills with transition-to-transition durations from the response
    low on, keeping the most recent ``maxlen`` (as a full ring buffer does). Inject
    it as ``adafruit_dht.PulseIn`` to run adafruit's own bit decoding on our waveform.
    """

    def __init__(self, sim: SimulatedDHT22) -> None:
        self.sim = sim
        self.maxlen = 81
        self._pulses: collections.deque[int] = collections.deque()
        self.paused = True
        self.resumes = 0

    def __call__(self, pin: object, maxlen: int = 2, idle_state: bool = False) -> SimPulseIn:
        # adafruit_dht constructs PulseIn(pin, maxlen=..., idle_state=True).
        self.maxlen = maxlen
        return self

    def pause(self) -> None:
        self.paused = True

    def clear(self) -> None:
        self._pulses.clear()

    def resume(self, trigger_duration: int = 0) -> None:
        self.paused = False
        self.resumes += 1
        segments = self.sim.next_segments()
        pulses = dht22_sim.alternating_pulses(segments, self.maxlen) if len(segments) > 1 else []
        self._pulses.extend(min(p, 65535) for p in pulses)

    def popleft(self) -> int:
        return self._pulses.popleft()

    def __len__(self) -> int:
        return len(self._pulses)

    def deinit(self) -> None:
        self._pulses.clear()
