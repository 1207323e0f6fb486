"""The Pico W DHT22 node under the MicroPython unix port, against a real mosquitto.

The node (micropython/apps/sensor_node.py) runs unchanged with stand-in ``machine``,
``dht``, ``network`` and ``bluetooth`` modules on its path and the simulated DHT22
behind its pin. A CPython paho subscriber checks every value it publishes against
the simulated environment, while the tests kill and restart the broker, cut Wi-Fi,
hang the sensor driver (watchdog) and kill the node (last will).
"""

from __future__ import annotations

import itertools
import json
import statistics
import time
from pathlib import Path

import pytest

from iotedge.core import bthome
from tests._broker import Mosquitto
from tests._node_harness import (
    APPS,
    HUMIDITY_INDEX,
    SCHEDULE,
    TEMPERATURE_INDEX,
    MpApp,
    Subscriber,
    parse_tenths,
    tenths_text,
    write_sim,
)

pytestmark = [pytest.mark.micropython, pytest.mark.broker]

NODE = APPS / "sensor_node.py"
# RP2040 ADC(4) reading given by the stand-in (IOTEDGE_STANDIN_ADC4): 14000 counts is
# 0.70499 V, 27 - (0.70499 - 0.706) / 0.001721 = 27.59 C -> "27.6".
ADC4 = 14000
INTERNAL = "27.6"
TEMPERATURE_TOPIC = "pico/temperature/dht22"
HUMIDITY_TOPIC = "pico/humidity/dht22"


def node_config(tmp_path: Path, broker: Mosquitto, **overrides: object) -> Path:
    config = {
        "wifi_ssid": "test-ap",
        "mqtt_host": "127.0.0.1",
        "mqtt_port": broker.port,
        "client_id": "node-under-test",
        "interval_ms": 250,
        "dht_min_interval_ms": 100,  # the simulator has no 2 s limit; the policy logic is the same
        "watchdog_ms": 2500,
        "wifi_timeout_ms": 500,
        "backoff_min_ms": 100,
        "backoff_max_ms": 800,
        "keepalive_s": 5,
        "socket_timeout_s": 1,
        "tick_ms": 20,
    }
    config.update(overrides)
    path = tmp_path / "node.json"
    path.write_text(json.dumps(config))
    return path


def start_node(tmp_path: Path, config: Path, sim: Path, name: str = "node") -> MpApp:
    env = {
        "IOTEDGE_SIM_DHT22": str(sim),
        "IOTEDGE_STANDIN_ADC4": str(ADC4),
        "IOTEDGE_STANDIN_WLAN": str(tmp_path / "wlan"),
        "IOTEDGE_STANDIN_BLE_LOG": str(tmp_path / "ble.log"),
    }
    return MpApp(NODE, [str(config)], env, tmp_path / f"{name}.log")


def indices(values: list[bytes], index: dict[int, int]) -> list[int]:
    out = []
    for payload in values:
        value = parse_tenths(payload.decode())
        assert value in index, f"published {payload!r} was never measured"
        out.append(index[value])
    return out


def assert_strictly_increasing(seq: list[int]) -> None:
    assert all(b > a for a, b in itertools.pairwise(seq)), seq


def test_node_publishes_every_value_through_broker_and_wifi_loss(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    # Triggers 6-8 fail the checksum (more than the 2 retries: one error is published),
    # trigger 11 has a dropped edge (retried at once).
    faults = {6: "checksum", 7: "checksum", 8: "checksum", 11: "drop-edge"}
    sim = write_sim(tmp_path / "sim.json", faults, jitter_us=15)
    sub = Subscriber(mosquitto.port, "pico/#")
    node = start_node(tmp_path, node_config(tmp_path, mosquitto), sim)
    try:
        sub.wait_for(lambda s: len(s.on("pico/temperature/dht22")) >= 8, what="8 readings")
        assert sub.on("pico/status")[0] == b"online"

        # The broker crashes and comes back on the same port.
        mosquitto.stop(hard=True)
        time.sleep(1.0)
        before = len(sub.on("pico/temperature/dht22"))
        mosquitto.start()
        sub.wait_for(
            lambda s: len(s.on("pico/temperature/dht22")) >= before + 6,
            what="readings after the broker restart",
        )
        node.wait_for_output("mqtt: connected", 2)

        # Wi-Fi goes away: the node drops MQTT (the broker publishes its last will),
        # retries with backoff, and comes back online when the AP returns.
        (tmp_path / "wlan").write_text("down")
        sub.wait_for(lambda s: s.on("pico/status")[-1:] == [b"offline"], what="last will")
        node.wait_for_output("wifi: connecting", 2)
        time.sleep(0.5)
        (tmp_path / "wlan").write_text("up")
        before = len(sub.on("pico/temperature/dht22"))
        sub.wait_for(
            lambda s: len(s.on("pico/temperature/dht22")) >= before + 4,
            what="readings after Wi-Fi returns",
        )
        assert sub.on("pico/status")[-1] == b"online"
    finally:
        code = node.stop()
    assert code != 0
    # Killed: the broker publishes the will.
    sub.wait_for(lambda s: s.on("pico/status")[-1:] == [b"offline"], what="final last will")
    sub.close()

    temps = indices(sub.on("pico/temperature/dht22"), TEMPERATURE_INDEX)
    hums = indices(sub.on("pico/humidity/dht22"), HUMIDITY_INDEX)
    assert_strictly_increasing(temps)
    assert_strictly_increasing(hums)
    assert set(sub.on("pico/temperature/internal")) == {INTERNAL.encode()}
    # The first trigger's value (the power-up measurement) is discarded: the first
    # published reading is the environment at trigger 0, read at trigger 1.
    assert temps[0] == 0
    # Trigger n returns measurement n-1; faulty triggers publish errors, never values.
    assert temps[:3] == [0, 1, 2]
    assert not {5, 6, 7, 10} & set(temps)
    assert sub.on("pico/error/dht22") == [b"bad-checksum"]
    statuses = sub.on("pico/status")
    assert statuses.count(b"offline") >= 2 and statuses.count(b"online") >= 3
    assert "mqtt: connection dropped" in node.output()
    assert_pairs_of_one_reading(sub.messages)
    assert_interval(node.output(), 250)


def assert_pairs_of_one_reading(messages: list[tuple[str, bytes, bool]]) -> None:
    """Each cycle publishes the temperature, then the humidity, of one measurement. In
    arrival order (one publisher, one subscription: mosquitto keeps the order) every
    humidity must follow the temperature of the same schedule index."""
    stream = [
        (topic, parse_tenths(payload.decode()))
        for topic, payload, _ in messages
        if topic in (TEMPERATURE_TOPIC, HUMIDITY_TOPIC)
    ]
    unpaired = 0
    for k, (topic, value) in enumerate(stream):
        if topic == HUMIDITY_TOPIC:
            index = HUMIDITY_INDEX[value]
            assert k > 0 and stream[k - 1] == (TEMPERATURE_TOPIC, SCHEDULE[index][0]), stream[
                max(0, k - 3) : k + 1
            ]
        elif k + 1 == len(stream) or stream[k + 1][0] != HUMIDITY_TOPIC:
            unpaired += 1
    # A temperature without its humidity only where the connection broke between the two
    # publishes: the broker crash and the final kill. (Wi-Fi loss drops MQTT between
    # cycles, before the next read.)
    assert unpaired <= 2, stream
    assert len(stream) - unpaired >= 2 * 15


def assert_interval(output: str, interval_ms: int) -> None:
    """The node's own clock (``reading ... at TICKS_MS`` log lines, no network in the way):
    readings of consecutive measurements, with no failed trigger between them, are one
    interval apart.

    The node schedules drift-free (next = previous slot + interval) and reads at the first
    20 ms tick after each slot, so a gap is ``interval + late(k) - late(k-1)``: a load that
    delays every read alike leaves the gaps exact. The median over 10 or more gaps must be
    within 20 % (50 ms); outages (no reads while offline) make a few long gaps that the
    median ignores. A node reading on a wrong interval (or twice a slot) cannot pass.
    """
    period = 1 << 30  # ticks_ms wraps at 2**30 on the unix port
    reads = []
    for line in output.splitlines():
        if line.startswith("node: reading "):
            fields = line.split()  # node: reading SEQ T H at MS
            reads.append((TEMPERATURE_INDEX[parse_tenths(fields[3])], int(fields[6])))
    gaps = [
        (b_ms - a_ms) % period for (a, a_ms), (b, b_ms) in itertools.pairwise(reads) if b == a + 1
    ]
    assert len(gaps) >= 10, reads
    assert abs(statistics.median(gaps) - interval_ms) <= interval_ms // 5, gaps


def json_texts(text: str) -> tuple[str, str]:
    """Exact text of the temperature and humidity (JSON floats are only for consumers)."""
    return (
        text.split('"temperature":')[1].split(",")[0],
        text.split('"humidity":')[1].split(",")[0],
    )


def json_index(text: str) -> int:
    """The schedule index a JSON reading measured; both values must name the same one."""
    t_text, h_text = json_texts(text)
    index = TEMPERATURE_INDEX[parse_tenths(t_text)]
    assert HUMIDITY_INDEX[parse_tenths(h_text)] == index, text
    return index


# Faults for the pulse-capture backend, by trigger: single ones are retried unseen; three
# in a row exhaust the 2 retries and publish the backend's reason on pico/error/dht22.
PULSE_FAULTS = {
    3: "drop-edge",
    6: "no-response",
    7: "no-response",
    8: "no-response",
    11: "truncate",
    12: "truncate",
    13: "drop-edge",  # bits 6-7 of humidity 97.6 % are 1, 1: a 190 us merged high
    15: "checksum",
}


def test_node_json_ble_and_clone_sensor(tmp_path: Path, mosquitto: Mosquitto) -> None:
    sim = write_sim(tmp_path / "sim.json", PULSE_FAULTS, clone=True, jitter_us=20)
    sub = Subscriber(mosquitto.port, "pico/#")
    config = node_config(
        tmp_path, mosquitto, format="json", ble_bthome=True, dht_backend="pulses", ble_name="node-t"
    )
    node = start_node(tmp_path, config, sim)

    def past_the_faults(s: Subscriber) -> bool:
        # Measurement n is read at trigger n + 1: index 16 comes after the last fault.
        return any(json_index(p.decode()) >= 16 for p in s.on("pico/dht22"))

    try:
        sub.wait_for(past_the_faults, timeout=40, what="readings past the injected faults")
    finally:
        node.stop()
    sub.close()
    # Each run of three faults surfaced once, as the pulse backend's own reason.
    assert sub.on("pico/error/dht22") == [b"no-response", b"too-few-pulses"]
    assert node.output().count("node: dht:") == 2
    docs = [json.loads(p) for p in sub.on("pico/dht22")]
    raw = [p.decode() for p in sub.on("pico/dht22")]
    seen = []
    for doc, text in zip(docs, raw, strict=False):
        t_text, h_text = json_texts(text)
        index = json_index(text)
        assert doc["internal"] == float(INTERNAL)
        seen.append((doc["seq"], index))
        t, h = SCHEDULE[index]
        assert (t_text, h_text) == (tenths_text(t), tenths_text(h))
    assert [s for s, _ in seen] == list(range(len(seen)))
    assert_strictly_increasing([i for _, i in seen])
    assert seen[0][1] == 0
    # A faulty trigger n loses measurement n - 1; none of those was ever published.
    assert not {n - 1 for n in PULSE_FAULTS} & {i for _, i in seen}
    assert any(SCHEDULE[i][0] < 0 for _, i in seen)  # clone encoding of negatives read right

    # What the node put on air: BTHome v2 with the same values (0.01 units).
    adverts = (tmp_path / "ble.log").read_text().split("\n")
    adverts = [a for a in adverts if a]
    assert len(adverts) >= len(seen)
    for line, (seq, index) in zip(adverts, seen, strict=False):
        frame = bthome.decode_advert(bytes.fromhex(line.split()[1]))
        assert frame.name == "node-t"
        values = {oid: obj[2] for oid in (0x00, 0x02, 0x03) if (obj := frame.find(oid))}
        assert values == {
            0x00: seq & 0xFF,
            0x02: SCHEDULE[index][0] * 10,
            0x03: SCHEDULE[index][1] * 10,
        }


def test_watchdog_resets_a_stuck_node(tmp_path: Path, mosquitto: Mosquitto) -> None:
    sim = write_sim(tmp_path / "sim.json", {4: "hang"})
    sub = Subscriber(mosquitto.port, "pico/#")
    config = node_config(tmp_path, mosquitto, watchdog_ms=1500)
    node = start_node(tmp_path, config, sim)
    code = node.proc.wait(timeout=20)
    node.stop()
    assert code == -9, node.output()
    assert "WDT: not fed for 1500 ms, resetting" in node.output()
    sub.wait_for(lambda s: s.on("pico/status")[-1:] == [b"offline"], what="will after reset")
    published = len(sub.on("pico/temperature/dht22"))
    assert published >= 2
    # The board reboots (a new process, the driver no longer stuck) and carries on.
    write_sim(tmp_path / "sim.json")
    node = start_node(tmp_path, config, sim, "node-after-reset")
    try:
        sub.wait_for(
            lambda s: len(s.on("pico/temperature/dht22")) >= published + 3,
            what="readings after the reset",
        )
        assert sub.on("pico/status")[-1] == b"online"
    finally:
        node.stop()
        sub.close()


def test_too_many_failed_reconnects_reset_the_board(tmp_path: Path, mosquitto: Mosquitto) -> None:
    """reset_after_failures: the broker dies for good; after that many failed reconnects
    in a row (with backoff between them) the node calls machine.reset(), which the
    stand-in carries out as a board would reboot (the process is killed)."""
    sim = write_sim(tmp_path / "sim.json")
    sub = Subscriber(mosquitto.port, "pico/#")
    config = node_config(tmp_path, mosquitto, reset_after_failures=4)
    node = start_node(tmp_path, config, sim)
    try:
        sub.wait_for(lambda s: len(s.on("pico/temperature/dht22")) >= 2, what="2 readings")
        sub.close()
        mosquitto.stop(hard=True)
        code = node.proc.wait(timeout=30)
    finally:
        node.stop()
    out = node.output()
    assert code == -9, out
    failures = [line for line in out.splitlines() if line.startswith("node: mqtt failed:")]
    # Backoff 100, 200, 400 ms between the four attempts, then the reset (no sleep).
    assert [line.split("failures ")[1] for line in failures] == ["1", "2", "3", "4"], out
    assert [line.split("retry in ")[1].split()[0] for line in failures] == [
        "100",
        "200",
        "400",
        "800",
    ]
    tail = out[out.index(failures[-1]) :].splitlines()
    assert tail[1:3] == ["node: too many failures, machine.reset()", "machine.reset()"], out
    assert "WDT" not in out  # the reset, not the watchdog, ended it
