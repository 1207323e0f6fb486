"""The adafruit-circuitpython-dht backend, through adafruit's real decoding path.

The simulated DHT22's waveform is injected where adafruit_dht collects pulses: as
``pulseio.PulseIn`` (the Blinka/CircuitPython path) and as the result of its
bitbang capture. Everything after that, its bit decoding, checksum, sign handling,
2 s cache and RuntimeErrors, is adafruit's own code.
"""

from __future__ import annotations

import array
import types
from collections.abc import Iterator
from typing import Any

import adafruit_dht
import pytest

from iotedge.adapters.dht_blinka import BlinkaDHT22, tenths_from_adafruit, translate
from iotedge.core import dht22_policy, dht22_sim
from iotedge.core.errors import (
    DHTChecksumError,
    DHTError,
    DHTNoResponseError,
    DHTPulseError,
    DHTRangeError,
)
from iotedge.hal.sensor import Reading
from iotedge.hal.sim_dht22 import SimPulseIn, SimulatedDHT22

PIN = object()  # adafruit never touches the pin once PulseIn / capture is replaced


class FakeClock:
    def __init__(self) -> None:
        self.now = 0

    def ms(self) -> int:
        return self.now

    def sleep(self, ms: int) -> None:
        self.now += ms


@pytest.fixture
def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """adafruit_dht sleeps 0.25 s per pulseio read; its clock stays real."""
    import time

    fake_time = types.SimpleNamespace(sleep=lambda s: None, monotonic=time.monotonic)
    monkeypatch.setattr(adafruit_dht, "time", fake_time)


def pulseio_device(monkeypatch: pytest.MonkeyPatch, sim: SimulatedDHT22) -> adafruit_dht.DHT22:
    pulse_in = SimPulseIn(sim)
    monkeypatch.setattr(adafruit_dht, "PulseIn", pulse_in, raising=False)
    return adafruit_dht.DHT22(PIN, use_pulseio=True)


def bitbang_device(sim: SimulatedDHT22) -> adafruit_dht.DHT22:
    device = adafruit_dht.DHT22(PIN, use_pulseio=False)

    def capture() -> array.array[int]:
        return array.array("H", dht22_sim.alternating_pulses(sim.next_segments(), 81))

    device._get_pulses_bitbang = capture
    return device


@pytest.fixture(params=["pulseio", "bitbang"])
def make_device(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, no_wait: None
) -> Iterator[object]:
    def make(sim: SimulatedDHT22) -> adafruit_dht.DHT22:
        if request.param == "pulseio":
            return pulseio_device(monkeypatch, sim)
        return bitbang_device(sim)

    yield make


def backend(device: adafruit_dht.DHT22, **policy: int) -> tuple[BlinkaDHT22, FakeClock]:
    clock = FakeClock()
    args: dict[str, Any] = {"max_age_ms": 0, **policy}
    sensor = BlinkaDHT22(
        device=device,
        policy=dht22_policy.ReadPolicy(**args),
        clock_ms=clock.ms,
        sleep=clock.sleep,
    )
    return sensor, clock


@pytest.mark.parametrize(
    ("temperature", "humidity"), [(351, 652), (-101, 652), (-400, 0), (0, 1000), (800, 5)]
)
def test_datasheet_values_through_adafruit(make_device, temperature: int, humidity: int) -> None:  # type: ignore[no-untyped-def]
    sim = SimulatedDHT22(temperature, humidity, jitter_us=15, seed=temperature & 0xFFFF)
    sensor, _ = backend(make_device(sim))
    assert sensor.read() == Reading(temperature, humidity)


def test_adafruit_alone_misreads_a_clone(make_device) -> None:  # type: ignore[no-untyped-def]
    """The trap: adafruit decodes 0xFF9B as -3266.7 C; the backend reads -10.1 C."""
    sim = SimulatedDHT22(-101, 652, clone=True)
    device = make_device(sim)
    device.measure()
    assert device._temperature == pytest.approx(-3266.7)
    sensor, _ = backend(device)
    assert sensor.read() == Reading(-101, 652)
    clone_min = SimulatedDHT22(-400, 100, clone=True)
    sensor, _ = backend(make_device(clone_min))
    assert sensor.read() == Reading(-400, 100)


def test_adafruit_alone_returns_none_after_a_failure(make_device) -> None:  # type: ignore[no-untyped-def]
    """The trap: within 2 s of a failed read adafruit returns None without reading."""
    sim = SimulatedDHT22(215, 456)
    sim.inject("checksum")
    device = make_device(sim)
    with pytest.raises(RuntimeError, match="Checksum"):
        device.measure()
    assert device.temperature is None  # no error, no reading, no trigger
    assert sim.triggers == 1
    # The backend really measures on its retry (after its own 2 s wait).
    sim.inject("checksum")
    sensor, clock = backend(device)
    assert sensor.read() == Reading(215, 456)
    assert sim.triggers == 3 and clock.now == 2000


@pytest.mark.parametrize(
    ("fault", "error", "reason"),
    [
        ("checksum", DHTChecksumError, "bad-checksum"),
        ("no-response", DHTNoResponseError, "no-response"),
    ],
)
def test_errors_are_ours(make_device, fault: str, error: type[DHTError], reason: str) -> None:  # type: ignore[no-untyped-def]
    sim = SimulatedDHT22(215, 456)
    sim.inject(fault, 3)
    sensor, clock = backend(make_device(sim), retries=2)
    with pytest.raises(error) as info:
        sensor.read()
    assert info.value.reason == reason
    assert "adafruit_dht" in str(info.value)
    assert sim.triggers == 3 and clock.now == 2000 + 4000
    assert sensor.read() == Reading(215, 456)


def test_truncated_train_is_too_few_pulses() -> None:
    sim = SimulatedDHT22(215, 456)
    device = bitbang_device(sim)
    sim.inject("truncate")
    sensor, _ = backend(device, retries=0)
    with pytest.raises(DHTError) as info:
        sensor.read()
    assert info.value.reason in {"too-few-pulses", "no-response"}


def test_message_table() -> None:
    assert isinstance(
        translate(RuntimeError("A full buffer was not returned. Try again.")), DHTPulseError
    )
    assert isinstance(
        translate(RuntimeError("Received unplausible data. Try again.")), DHTRangeError
    )
    other = translate(RuntimeError("something new"))
    assert type(other) is DHTError and other.reason == "backend-error"


def test_value_rebuild() -> None:
    assert tenths_from_adafruit(-3266.7, 65.2) == (-101, 652)
    assert tenths_from_adafruit(-3276.7, 25.6) == (-1, 256)
    assert tenths_from_adafruit(-10.1, 65.2) == (-101, 652)
    assert tenths_from_adafruit(-0.0, 0.0) == (0, 0)
    with pytest.raises(DHTRangeError):
        tenths_from_adafruit(-50.0, 10.0)  # -50.0 sign-magnitude, -3226.8 clone: neither


@pytest.mark.parametrize("name", ["_last_called", "_temperature", "_humidity"])
def test_a_device_without_the_private_attributes_fails_at_construction(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Another adafruit_dht release that renamed an internal fails when the backend is
    built, naming the attribute and the supported versions, not mid-read."""
    device = bitbang_device(SimulatedDHT22(215, 456))
    delattr(device, name)
    with pytest.raises(DHTError) as info:
        backend(device)
    assert info.value.reason == "unsupported-adafruit-dht"
    text = str(info.value)
    assert f"adafruit_dht.DHT22 has no {name};" in text
    assert "adafruit-circuitpython-dht >=4.0,<5" in text
    assert f"installed: {adafruit_dht.__version__}" in text


def test_the_guard_names_every_missing_attribute_at_once() -> None:
    class Renamed:  # a hypothetical 5.x device: public API only
        def measure(self) -> None:
            raise AssertionError("never read")

        def exit(self) -> None:
            return None

    with pytest.raises(DHTError, match="Renamed has no _last_called, _temperature, _humidity;"):
        BlinkaDHT22(device=Renamed())
    with pytest.raises(DHTError, match="has no measure, exit;"):
        BlinkaDHT22(device=types.SimpleNamespace(_last_called=0, _temperature=0, _humidity=0))


def test_the_guard_accepts_the_installed_release() -> None:
    from importlib import metadata

    version = metadata.version("adafruit-circuitpython-dht")
    assert version == adafruit_dht.__version__
    major, minor = (int(x) for x in version.split(".")[:2])
    assert (4, 0) <= (major, minor) < (5, 0)
    backend(bitbang_device(SimulatedDHT22(215, 456)))  # no error
