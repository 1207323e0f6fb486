"""The simulated DHT22, the sensor seam and the pulse decoder, on CPython (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.core import dht22, dht22_policy, dht22_sim
from iotedge.core.errors import (
    DHTChecksumError,
    DHTError,
    DHTNoResponseError,
    DHTPulseError,
)
from iotedge.hal.sensor import Reading, TemperatureHumiditySensor
from iotedge.hal.sim_dht22 import SimulatedDHT22, simulated_sensor

temperatures = st.integers(dht22.TEMPERATURE_MIN, dht22.TEMPERATURE_MAX)
humidities = st.integers(0, dht22.HUMIDITY_MAX)


@settings(max_examples=300, deadline=None)
@given(
    temperature=temperatures,
    humidity=humidities,
    clone=st.booleans(),
    seed=st.integers(1, 2**31),
    zero=st.integers(22, 30),
    one=st.integers(68, 75),
    data=st.data(),
)
def test_reading_to_pulses_to_reading(
    temperature: int,
    humidity: int,
    clone: bool,
    seed: int,
    zero: int,
    one: int,
    data: st.DataObject,
) -> None:
    """Any reading, either encoding, any datasheet bit timing (0: 22-30 us, 1: 68-75 us)
    with as much jitter as the 49 us threshold leaves: 20 us at the nominal 26-28/70 us."""
    margin = min(dht22.THRESHOLD_US - 1 - zero, one - dht22.THRESHOLD_US)
    if 26 <= zero <= 28 and one == 70:
        assert margin >= 20
    jitter = data.draw(st.integers(0, margin), label="jitter")
    frame = dht22.encode_frame(temperature, humidity, clone)
    segments = dht22_sim.train(frame, jitter, seed, zero, one)
    assert dht22.read_pulses(dht22_sim.high_widths(segments)) == (temperature, humidity)


@settings(max_examples=200, deadline=None)
@given(frame=st.binary(min_size=5, max_size=5))
def test_any_frame_decodes_or_raises_a_dht_error(frame: bytes) -> None:
    try:
        temperature, humidity = dht22.decode_frame(frame)
    except DHTError:
        return
    assert dht22.TEMPERATURE_MIN <= temperature <= dht22.TEMPERATURE_MAX
    assert 0 <= humidity <= dht22.HUMIDITY_MAX
    assert frame[4] == sum(frame[:4]) & 0xFF


class FakeClock:
    def __init__(self) -> None:
        self.now = 0

    def ms(self) -> int:
        return self.now

    def sleep(self, ms: int) -> None:
        self.now += ms


def test_sim_sensor_honours_previous_measurement_and_interval() -> None:
    sim = SimulatedDHT22(200, 500)
    clock = FakeClock()
    sensor = simulated_sensor(sim, clock_ms=clock.ms, sleep=clock.sleep)
    assert isinstance(sensor, TemperatureHumiditySensor)
    sim.set(-101, 652)  # the environment changes after power-up
    assert sensor.read() == Reading(-101, 652)
    # The first trigger returned the power-up value (discarded), 2 s later the real one.
    assert sim.triggers == 2 and clock.now == 2000
    sim.set(-400, 0)
    # One trigger, 2 s later: it returns what was measured at the previous trigger
    # (2 s old, fresh enough to keep); the change shows at the read after.
    assert sensor.read() == Reading(-101, 652)
    assert sim.triggers == 3 and clock.now == 4000
    assert sensor.read() == Reading(-400, 0)


@pytest.mark.parametrize(
    ("fault", "error", "reason"),
    [
        ("checksum", DHTChecksumError, "bad-checksum"),
        ("truncate", DHTPulseError, "too-few-pulses"),
        ("no-response", DHTNoResponseError, "no-response"),
    ],
)
def test_sim_faults_raise_our_errors(fault: str, error: type[DHTError], reason: str) -> None:
    sim = SimulatedDHT22(215, 456)
    sim.inject(fault)
    with pytest.raises(error) as info:
        sim.read_raw()
    assert info.value.reason == reason
    assert sim.read_raw() == (215, 456)


def test_dropped_edges_never_give_a_wrong_reading() -> None:
    sim = SimulatedDHT22(-101, 652, jitter_us=10, seed=5)
    sim.inject("drop-edge", 200)
    reasons = set()
    for _ in range(200):
        with pytest.raises(DHTError) as info:
            sim.read_raw()
        reasons.add(info.value.reason)
    assert reasons <= {"bad-width", "bad-checksum", "too-few-pulses"}
    assert "bad-width" in reasons


def test_policy_sensor_retries_through_faults_then_gives_up() -> None:
    sim = SimulatedDHT22(215, 456)
    clock = FakeClock()
    policy = dht22_policy.ReadPolicy(retries=2, max_age_ms=0)
    sensor = simulated_sensor(sim, policy, clock.ms, clock.sleep)
    sim.inject("checksum", 2)
    assert sensor.read() == Reading(215, 456)
    assert clock.now == 2000 + 4000
    sim.inject("checksum", 3)
    with pytest.raises(DHTChecksumError):
        sensor.read()


def test_clone_sim_reads_correctly() -> None:
    sim = SimulatedDHT22(-101, 652, clone=True, jitter_us=20, seed=3)
    assert sim.read_raw() == (-101, 652)
    frame = dht22.encode_frame(-101, 652, clone=True)
    assert frame[2:4] == b"\xff\x9b"


def test_reading_formats() -> None:
    assert Reading(-101, 652).as_dict() == {
        "temperature": "-10.1",
        "humidity": "65.2",
        "temperature_tenths": -101,
        "humidity_tenths": 652,
    }
    assert Reading(-101, 652).temperature_c == pytest.approx(-10.1)
