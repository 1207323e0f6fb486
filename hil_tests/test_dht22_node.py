"""The DHT22 node (micropython/apps/sensor_node.py) deployed and run on the board.

Deployed as a user deploys it: the app copied to the board as ``main.py`` with its
``sensor_node.json``, then ``mpremote reset``; the node boots, joins Wi-Fi, reads the DHT22
and publishes to a real mosquitto, checked by a CPython subscriber.

On the stand-in the sensor is the pulse-level DHT22 simulator behind the stand-in
``machine.Pin`` (its environment is written to ``/.standin/hw/dht22.json``), so every
published value is known in advance. On a real board with ``--hil-dht PIN`` the sensor is
real: values are checked for range and consistency, and a separate hardware test reads it
100 times at 2.5 s intervals (at least 95 must succeed).
"""

from __future__ import annotations

import itertools
import json
import time

import pytest
from tests._node_harness import (
    HUMIDITY_INDEX,
    TEMPERATURE_INDEX,
    Subscriber,
    parse_tenths,
    write_sim,
)

from hil_tests._board import ROOT, Board, Session
from hil_tests._target import Target
from hil_tests.conftest import STANDIN_ADC4, ReachableMosquitto, dht_pin, hw_path

pytestmark = [pytest.mark.hil, pytest.mark.board_dht, pytest.mark.board_wifi]

APP = "micropython/apps/sensor_node.py"
PREFIX = "hil"
# 27 - (14000 * 3.3 / 65535 - 0.706) / 0.001721 = 27.59 C (see tests/test_sensor_node.py)
INTERNAL = "27.6"
assert STANDIN_ADC4 == 14000


def _node_config(target: Target, broker: ReachableMosquitto, pin: int) -> dict[str, object]:
    config: dict[str, object] = {
        "mqtt_host": "127.0.0.1" if target.standin else target.broker_host,
        "mqtt_port": broker.port,
        "client_id": "hil-node",
        "topic_prefix": PREFIX,
        "dht_pin": pin,
        "dht_backend": "builtin",
        # The watchdog cannot be stopped once started (RP2040): off, so the board stays
        # quiet for the next test after this one interrupts the node.
        "watchdog_ms": 0,
        "backoff_min_ms": 200,
        "backoff_max_ms": 2000,
        "keepalive_s": 10,
    }
    if target.standin:
        # The simulator has no 2 s rule; the read policy logic is the same.
        config.update(wifi_ssid="hil-ap", interval_ms=250, dht_min_interval_ms=100)
    else:
        assert target.wifi is not None
        config.update(wifi_ssid=target.wifi[0], wifi_password=target.wifi[1])
        config.update(interval_ms=2500, dht_min_interval_ms=2000)
    return config


def _undeploy(s: Session) -> None:
    s.exec(
        "import os\nfor f in ('main.py', 'sensor_node.json'):\n"
        "    try:\n        os.remove(f)\n    except OSError:\n        pass\n"
    )


@pytest.mark.timeout(120)
def test_node_publishes_correct_readings(
    board: Board,
    installed: str,
    node_broker: ReachableMosquitto,
    hil_target: Target,
    wiring: object,
) -> None:
    if not hil_target.standin and hil_target.wifi is None:
        pytest.skip("a real board's node test needs --hil-wifi SSID:PASSWORD")
    if not hil_target.standin and hil_target.broker_host.startswith("127."):
        pytest.skip("a real board reaches the test broker on --hil-broker-host ADDR, not loopback")
    if board.is_standin:
        # Trigger 4 sends a bad checksum (retried), trigger 9 drops an edge (retried).
        write_sim(hw_path(board, "dht22.json"), {4: "checksum", 9: "drop-edge"}, jitter_us=15)
        hw_path(board, "wlan").write_text("up")
    config = _node_config(hil_target, node_broker, dht_pin(hil_target, wiring))
    sub = Subscriber(node_broker.port, PREFIX + "/#")
    try:
        with board.session() as s:
            s.write_file("sensor_node.json", json.dumps(config).encode())
            s.write_file("main.py", (ROOT / APP).read_bytes())
        board.mpremote("reset")  # the node starts as it would at power-on
        wanted = 8 if board.is_standin else 4
        sub.wait_for(
            lambda m: len(m.on(f"{PREFIX}/temperature/dht22")) >= wanted,
            timeout=60,
            what=f"{wanted} readings",
        )
        assert sub.on(f"{PREFIX}/status")[0] == b"online"
    finally:
        with board.session() as s:  # Ctrl-C stops the node; the soft reset drops its socket
            _undeploy(s)
        if board.is_standin:
            sub.wait_for(lambda m: m.on(f"{PREFIX}/status")[-1:] == [b"offline"], what="will")
        sub.close()
    temps = [parse_tenths(p.decode()) for p in sub.on(f"{PREFIX}/temperature/dht22")]
    hums = [parse_tenths(p.decode()) for p in sub.on(f"{PREFIX}/humidity/dht22")]
    internal = {p.decode() for p in sub.on(f"{PREFIX}/temperature/internal")}
    assert len(temps) == len(hums) >= wanted
    if board.is_standin:
        # Every value is a measurement of the simulated environment, in order, none
        # skipped except where the simulator was told to fail and the retry read the next.
        t_idx = [TEMPERATURE_INDEX[t] for t in temps]
        h_idx = [HUMIDITY_INDEX[h] for h in hums]
        assert t_idx == h_idx
        assert all(b > a for a, b in itertools.pairwise(t_idx)), t_idx
        assert t_idx[:3] == [0, 1, 2]
        assert internal == {INTERNAL}
    else:
        assert all(-400 <= t <= 800 for t in temps), temps  # the DHT22's -40..80 C
        assert all(0 <= h <= 1000 for h in hums), hums
        assert len(internal) >= 1


READ_LOOP = """
import time
from iotedge_mp.dht_builtin import BuiltinDHT22
sensor = BuiltinDHT22({pin})
ok = 0
for i in range({count}):
    started = time.ticks_ms()
    try:
        t, h = sensor.read_raw()
        ok += 1
        print('R', i, t, h)
    except Exception as exc:
        print('E', i, type(exc).__name__, getattr(exc, 'reason', '-'), repr(exc))
    time.sleep_ms(max(0, {interval} - time.ticks_diff(time.ticks_ms(), started)))
print('OK', ok)
"""


def _read_loop(s: Session, pin: int, count: int, interval_ms: int) -> tuple[int, list[str]]:
    out = s.exec(READ_LOOP.format(pin=pin, count=count, interval=interval_ms), timeout=60)
    lines = out.splitlines()
    ok = int(lines[-1].split()[1])
    assert len(lines) == count + 1 and ok == sum(1 for x in lines if x.startswith("R "))
    return ok, lines


@pytest.mark.hardware
@pytest.mark.timeout(400)
def test_wired_dht22_reads_95_of_100_at_2_5_s(
    board: Board, installed: str, hil_target: Target, wiring: object
) -> None:
    with board.session() as s:
        ok, lines = _read_loop(s, dht_pin(hil_target, wiring), 100, 2500)
    assert ok >= 95, "\n".join(x for x in lines if x.startswith("E "))
    for line in lines[:-1]:
        if line.startswith("R "):
            _, _, t, h = line.split()
            assert -400 <= int(t) <= 800 and 0 <= int(h) <= 1000, line


@pytest.mark.standin
@pytest.mark.timeout(60)
def test_read_loop_counts_what_the_simulated_sensor_gets_wrong(
    board: Board, installed: str, wiring: object, hil_target: Target
) -> None:
    # The hardware test's read loop, at simulator speed: 3 of 100 reads fail (a bad
    # checksum, a hung-up sensor, a lost edge); the loop must count exactly 97, and each
    # failure must be the backend's own error type and reason, not whatever escaped.
    # A lost edge leaves the dht module's 40th bit waiting for an edge that never comes:
    # it times out (ETIMEDOUT), which is all the built-in module can say.
    write_sim(hw_path(board, "dht22.json"), {10: "checksum", 40: "no-response", 70: "drop-edge"})
    started = time.monotonic()
    with board.session() as s:
        ok, lines = _read_loop(s, dht_pin(hil_target, wiring), 100, 5)
    assert ok == 97, lines
    errors = [tuple(x.split()[1:4]) for x in lines if x.startswith("E ")]
    assert errors == [
        ("10", "DHTChecksumError", "bad-checksum"),
        ("40", "DHTNoResponseError", "no-response"),
        ("70", "DHTNoResponseError", "no-response"),
    ], lines
    assert time.monotonic() - started < 30


@pytest.mark.standin
def test_dht_probe_tells_a_wired_sensor_from_an_empty_pin(
    board: Board, installed: str, wiring: object, hil_target: Target
) -> None:
    # What decides board_dht on a real board, checked on the simulator: a sensor that
    # answers (even with a bad checksum) is wired; three start signals unanswered are not.
    pin = dht_pin(hil_target, wiring)
    write_sim(hw_path(board, "dht22.json"), {0: "checksum"})
    assert board.probe_dht(pin, delay_ms=10)
    write_sim(hw_path(board, "dht22.json"), dict.fromkeys(range(3), "no-response"))
    assert not board.probe_dht(pin, delay_ms=10)
