"""``iotedge gateway ...`` from the command line, and the demo's embedded brokers."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from iotedge.adapters.bless_gatt import GatewayGattService, decode_alerts
from iotedge.adapters.embedded_broker import EmbeddedBroker, mosquitto_binary
from iotedge.adapters.mqtt import MqttLink, MqttSettings
from iotedge.adapters.outbox import Outbox
from iotedge.gateway.alert_relay import AlertRelay
from iotedge.hal.sim_radio import SimAdvertiser, SimAir
from tests._broker import Mosquitto
from tests.test_gateway_units import NOW, _frames

ROOT = Path(__file__).resolve().parents[1]
IOTEDGE = [sys.executable, "-m", "iotedge", "gateway"]


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*IOTEDGE, *args], capture_output=True, text=True, timeout=60, cwd=ROOT)


@pytest.mark.broker
def test_sensor_and_relay_commands(mosquitto: Mosquitto, tmp_path: Path) -> None:
    config = tmp_path / "gw.toml"
    config.write_text(
        f'[gateway]\nid = "sensor-lab"\n[mqtt]\nurl = "{mosquitto.url}"\n'
        '[sensor]\nkind = "sim"\ninterval = 2.0\nsim_temperature = 19.5\n'
    )
    sensor = _run(
        ["sensor", "--config", str(config), "--state-dir", str(tmp_path), "--duration", "3.5"]
    )
    assert sensor.returncode == 0, sensor.stderr[-2000:]
    stats = json.loads(sensor.stdout.strip().splitlines()[-1])
    assert stats["app"] == "sensor" and stats["id"] == "sensor-lab" and stats["readings"] >= 1
    relay = _run(
        [
            "relay",
            "--mqtt",
            mosquitto.url,
            "--radio",
            "virtual",
            "--id",
            "gw-02",
            "--state-dir",
            str(tmp_path),
            "--duration",
            "1.5",
        ]
    )
    assert relay.returncode == 0, relay.stderr[-2000:]
    stats = json.loads(relay.stdout.strip().splitlines()[-1])
    assert stats["id"] == "gw-02-relay" and stats["messages"] == 0


def test_config_errors_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[badge]\nshardz = 3\n")
    proc = _run(["badge", "--config", str(config)])
    assert proc.returncode == 2
    assert "iotedge: error: unknown-key: no setting 'badge.shardz'" in proc.stderr
    proc = _run(["presence", "--shard", "3", "--shards", "2"])
    assert proc.returncode == 2 and "bad-value" in proc.stderr


def test_gatt_service_serves_the_relayed_frames() -> None:
    adv = SimAdvertiser(SimAir(), "F0:00:00:00:00:01")
    relay = AlertRelay(adv, clock=lambda: NOW)
    frames = _frames(now=NOW)
    relay.handle("iotedge/alerts/x", "\n".join(f.hex() for f in frames).encode())
    service = GatewayGattService("gw-01", alerts=relay.current_frames)
    assert decode_alerts(service.alerts_value()) == frames
    assert json.loads(service.status_value())["alerts"] == len(frames)


@pytest.mark.parametrize("kind", ["amqtt", "mosquitto"])
def test_embedded_brokers(kind: str, tmp_path: Path) -> None:
    if kind == "mosquitto" and mosquitto_binary() is None:
        pytest.fail("mosquitto is part of the test environment (apt-get install mosquitto)")
    got = threading.Event()
    with EmbeddedBroker(kind) as broker:
        settings = MqttSettings.from_url(broker.url, protocol=broker.protocol)
        pub = MqttLink(settings, "pub", Outbox(tmp_path / "pub.db"))
        pub.start()
        pub.publish("demo/retained", b"hello", retain=True)
        assert pub.wait_idle(10)
        sub = MqttLink(settings, "sub", Outbox(tmp_path / "sub.db"))
        sub.subscribe("demo/#", lambda t, p: got.set() if p == b"hello" else None)
        sub.start()
        assert got.wait(10)  # retained message delivered to a later subscriber
        pub.stop()
        sub.stop()


@pytest.mark.broker
def test_badge_command_reports_every_advert_it_accepts(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    """``iotedge gateway badge`` on the virtual radio: every report it counts arrives on
    the broker once, pseudonymised, on the topic of its shard."""
    from iotedge.adapters.mqtt import Deduplicator, ReportBatch, batch_handler
    from iotedge.gateway.pseudonym import shard_of

    got: list[tuple[str, dict[str, object]]] = []
    lock = threading.Lock()

    def on_batch(topic: str, batch: ReportBatch) -> None:
        with lock:
            got.extend((topic, item) for item in batch.items)

    sub = MqttLink(MqttSettings(port=mosquitto.port), "sub", Outbox(tmp_path / "sub.sqlite"))
    sub.subscribe("iotedge/gateway/gw-01/reports/+", batch_handler(on_batch, Deduplicator()))
    sub.start()
    assert sub.wait_connected(10)
    try:
        proc = _run(
            [
                "badge",
                "--mqtt",
                mosquitto.url,
                "--radio",
                "virtual",
                "--virtual-speed",
                "30",
                "--id",
                "gw-01",
                "--shards",
                "2",
                "--state-dir",
                str(tmp_path),
                "--duration",
                "4",
            ]
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        stats = json.loads(proc.stdout.strip().splitlines()[-1])
        deadline = time.monotonic() + 10
        while len(got) < stats["reports"] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sub.stop()
    assert stats["app"] == "badge" and stats["id"] == "gw-01"
    assert stats["reports"] > 50 and stats["kinds"]["badge"] == stats["reports"]
    assert len(got) == stats["reports"]  # every accepted report, once
    for topic, item in got:
        pid = str(item["id"])
        assert len(pid) == 16 and int(pid, 16) >= 0
        assert topic == f"iotedge/gateway/gw-01/reports/{shard_of(pid, 2)}"
        assert isinstance(item["rssi"], int) and item["kind"] == "badge"
