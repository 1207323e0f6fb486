"""DHT22 on a Raspberry Pi through adafruit-circuitpython-dht (Blinka), made honest.

adafruit_dht is the library most Pi users already have. This backend keeps its
pulse capture and bit decoding and fixes what it gets wrong:

* **Errors**: it raises bare ``RuntimeError`` with English messages; they become
  our ``DHTNoResponseError`` / ``DHTPulseError`` / ``DHTChecksumError`` /
  ``DHTRangeError`` (table ``_MESSAGES``), the same types every backend raises.
* **The 2 s trap**: ``measure()`` stamps the time *before* reading, so a read
  within 2 s of a *failed* read silently returns the previous value (``None``
  the first time) instead of raising. Our :class:`~iotedge.core.dht22_policy.ReadPolicy`
  owns the interval, so each raw read clears the stamp and really measures.
* **Clones**: it always decodes sign-magnitude, so a two's-complement clone at
  -10.1 C (0xFF9B) reads as -3266.7 C. Its float values are exact tenths, so the
  raw frame is rebuilt from them and decoded by :mod:`iotedge.core.dht22`, which
  tells the encodings apart by range and validates both fields.
* **Retries and the stale first read**: done by the policy, with backoff.

It reaches into three private attributes of ``adafruit_dht.DHTBase`` (no public API
does what it needs): ``_last_called`` (cleared so every ``measure()`` really reads),
``_temperature`` and ``_humidity`` (the values, read without the properties' own
``measure()``). :func:`check_device` checks all of them at construction, so another
adafruit_dht version fails there with a precise error, never mid-read. They are
present in every release from 4.0.0 to 4.0.12 (the one tested); the ``dht`` extra
pins that major version.

adafruit_dht and board are imported only when a device is opened here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iotedge.core import dht22, dht22_policy
from iotedge.core.errors import (
    DHTChecksumError,
    DHTError,
    DHTNoResponseError,
    DHTPulseError,
    DHTRangeError,
)
from iotedge.hal.sensor import PolicySensor, Reading, monotonic_ms, sleep_ms

# What this backend uses of an adafruit_dht device, and the releases known to have it.
PRIVATE_ATTRIBUTES = ("_last_called", "_temperature", "_humidity")
PUBLIC_METHODS = ("measure", "exit")
SUPPORTED_VERSIONS = "adafruit-circuitpython-dht >=4.0,<5 (4.0.0 to 4.0.12 checked)"


def _installed_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("adafruit-circuitpython-dht")
    except metadata.PackageNotFoundError:
        return "not installed"


def check_device(device: Any) -> None:
    """DHTError ``unsupported-adafruit-dht`` unless ``device`` has every attribute used here."""
    missing = [name for name in PRIVATE_ATTRIBUTES if not hasattr(device, name)]
    missing += [name for name in PUBLIC_METHODS if not callable(getattr(device, name, None))]
    if missing:
        kind = type(device)
        raise DHTError(
            "unsupported-adafruit-dht",
            f"{kind.__module__}.{kind.__qualname__} has no {', '.join(missing)}; "
            f"this backend supports {SUPPORTED_VERSIONS}, installed: {_installed_version()}",
        )


# adafruit_dht 4.0.x RuntimeError messages (prefix match) -> our error.
_MESSAGES: tuple[tuple[str, type[DHTError], str], ...] = (
    ("DHT sensor not found", DHTNoResponseError, "no-response"),
    ("A full buffer was not returned", DHTPulseError, "too-few-pulses"),
    ("Checksum did not validate", DHTChecksumError, "bad-checksum"),
    ("Received unplausible data", DHTRangeError, "humidity-range"),
)


def translate(exc: RuntimeError) -> DHTError:
    """Our error for one of adafruit_dht's RuntimeErrors (unknown text: ``backend-error``)."""
    text = str(exc)
    for prefix, cls, reason in _MESSAGES:
        if text.startswith(prefix):
            return cls(reason, "adafruit_dht: " + text)
    return DHTError("backend-error", "adafruit_dht: " + text)


def tenths_from_adafruit(temperature: float, humidity: float) -> tuple[int, int]:
    """Rebuild the frame adafruit decoded and decode it properly (fixes clone values)."""
    humidity_raw = round(humidity * 10)
    magnitude = round(abs(temperature) * 10)
    if humidity_raw < 0 or humidity_raw > 0xFFFF or magnitude > 0x7FFF:
        raise DHTRangeError("backend-value", f"adafruit_dht gave {temperature} C {humidity} %")
    temperature_raw = magnitude | 0x8000 if temperature < 0 else magnitude
    return dht22.decode_frame(dht22.pack_raw(humidity_raw, temperature_raw))


def open_device(pin: str | Any = "D4", use_pulseio: bool | None = None) -> Any:
    """An ``adafruit_dht.DHT22`` on ``pin`` (a ``board`` pin name such as ``"D4"``)."""
    import adafruit_dht
    import board

    if isinstance(pin, str):
        if not hasattr(board, pin):
            raise DHTNoResponseError("no-pin", f"board has no pin {pin} on this platform")
        pin = getattr(board, pin)
    if use_pulseio is None:
        return adafruit_dht.DHT22(pin)
    return adafruit_dht.DHT22(pin, use_pulseio=use_pulseio)


class BlinkaDHT22:
    """A :class:`~iotedge.hal.sensor.TemperatureHumiditySensor` over adafruit_dht.

    ``device`` is an opened ``adafruit_dht.DHT22`` (tests pass one fed by a
    simulated pulse train); otherwise one is opened on ``pin``.
    """

    name = "blinka"

    def __init__(
        self,
        pin: str | Any = "D4",
        *,
        device: Any = None,
        use_pulseio: bool | None = None,
        policy: dht22_policy.ReadPolicy | None = None,
        clock_ms: Callable[[], int] = monotonic_ms,
        sleep: Callable[[int], object] = sleep_ms,
    ) -> None:
        self.device = device if device is not None else open_device(pin, use_pulseio)
        check_device(self.device)
        self._sensor = PolicySensor("blinka", self.read_raw, policy, clock_ms, sleep)
        self.policy = self._sensor.policy

    def read_raw(self) -> tuple[int, int]:
        """One real measurement through adafruit_dht, as tenths, or a DHTError."""
        dev = self.device
        dev._last_called = 0  # always measure: the policy, not adafruit, owns the 2 s rule
        try:
            dev.measure()
        except RuntimeError as exc:
            raise translate(exc) from exc
        temperature, humidity = dev._temperature, dev._humidity
        if temperature is None or humidity is None:
            raise DHTNoResponseError("no-response", "adafruit_dht returned no value")
        return tenths_from_adafruit(temperature, humidity)

    def read(self) -> Reading:
        return self._sensor.read()

    def close(self) -> None:
        self.device.exit()
