"""The temperature-humidity sensor seam, used by gateways and examples.

One protocol, :class:`TemperatureHumiditySensor`, whatever is behind it: the
simulated DHT22 (:mod:`iotedge.hal.sim_dht22`), adafruit-circuitpython-dht on a
Raspberry Pi (:mod:`iotedge.adapters.dht_blinka`), or anything a user writes.
Values travel as integers in tenths (as the sensor sends them); errors are the
``DHT*Error`` classes of :mod:`iotedge.core.errors`, the same for every backend.

:class:`PolicySensor` turns any raw ``read() -> (temperature, humidity)`` into a
sensor that obeys :class:`iotedge.core.dht22_policy.ReadPolicy` (2 s minimum
interval, first read discarded, retries with backoff), sleeping as needed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from iotedge.core import dht22_policy
from iotedge.core.dht22 import format_tenths


@dataclass(frozen=True, slots=True)
class Reading:
    """One measurement: tenths of a degree Celsius and of a percent relative humidity."""

    temperature_tenths: int
    humidity_tenths: int

    @property
    def temperature_c(self) -> float:
        return self.temperature_tenths / 10

    @property
    def humidity_percent(self) -> float:
        return self.humidity_tenths / 10

    def as_dict(self) -> dict[str, object]:
        return {
            "temperature": format_tenths(self.temperature_tenths),
            "humidity": format_tenths(self.humidity_tenths),
            "temperature_tenths": self.temperature_tenths,
            "humidity_tenths": self.humidity_tenths,
        }


@runtime_checkable
class TemperatureHumiditySensor(Protocol):
    """A sensor that gives fresh readings and raises ``DHTError`` subclasses."""

    name: str

    def read(self) -> Reading:
        """Block until a fresh reading (respecting the sensor's own limits) or raise."""
        ...

    def close(self) -> None:
        """Release the pin or device; reading afterwards is an error."""
        ...


RawRead = Callable[[], tuple[int, int]]


def monotonic_ms() -> int:
    return time.monotonic_ns() // 1_000_000


def sleep_ms(ms: int) -> None:
    time.sleep(ms / 1000)


class PolicySensor:
    """A :class:`TemperatureHumiditySensor` from a raw read and a read policy."""

    def __init__(
        self,
        name: str,
        raw_read: RawRead,
        policy: dht22_policy.ReadPolicy | None = None,
        clock_ms: Callable[[], int] = monotonic_ms,
        sleep_ms: Callable[[int], object] = sleep_ms,
        close: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.policy = policy if policy is not None else dht22_policy.ReadPolicy()
        self._raw_read = raw_read
        self._clock_ms = clock_ms
        self._sleep_ms = sleep_ms
        self._close = close

    def read(self) -> Reading:
        temperature, humidity = dht22_policy.read(
            self.policy, self._raw_read, self._clock_ms, self._sleep_ms
        )
        return Reading(temperature, humidity)

    def close(self) -> None:
        if self._close is not None:
            self._close()
