"""MqttLink against a real mosquitto: nothing accepted is lost, none delivered twice.

Delivery is at-least-once (a crash between PUBLISH and the outbox delete resends), so the
subscriber de-duplicates on the batch id (src, seq); every test counts exactly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from iotedge.adapters.mqtt import (
    Deduplicator,
    MqttLink,
    MqttSettings,
    ReportBatch,
    batch_handler,
    encode_batch,
    reports_topic,
)
from iotedge.adapters.outbox import Outbox
from tests._broker import Mosquitto

pytestmark = pytest.mark.broker

TOPIC = reports_topic("iotedge", "pub")


class Collector:
    """A persistent-session QoS 1 subscriber built on MqttLink, de-duplicating batches."""

    def __init__(self, broker: Mosquitto, tmp: Path, protocol: str, name: str = "sub") -> None:
        self.numbers: list[int] = []
        self.dedupe = Deduplicator()
        self.lock = threading.Lock()
        settings = MqttSettings(port=broker.port, protocol=protocol, reconnect_min=0.2)  # type: ignore[arg-type]
        self.link = MqttLink(settings, name, Outbox(tmp / f"{name}.sqlite"))
        self.link.subscribe("iotedge/gateway/+/reports", batch_handler(self._on, self.dedupe))

    def _on(self, topic: str, batch: ReportBatch) -> None:
        with self.lock:
            self.numbers.extend(batch.items)

    def wait_for(self, n: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(set(self.numbers)) >= n:
                    return True
            time.sleep(0.05)
        return False


def _retained(broker: Mosquitto, topic: str, timeout: float = 5.0) -> bytes | None:
    """The retained message on ``topic`` as a fresh client sees it."""
    got: list[bytes] = []
    ev = threading.Event()
    client = paho.Client(CallbackAPIVersion.VERSION2)

    def on_message(c: paho.Client, u: object, msg: paho.MQTTMessage) -> None:
        got.append(msg.payload)
        ev.set()

    client.on_message = on_message
    client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, qos=1)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    ev.wait(timeout)
    client.loop_stop()
    client.disconnect()
    return got[0] if got else None


def _stream(pub: MqttLink, n: int, broker: Mosquitto, crash: bool) -> None:
    """Publish 0..n-1; the broker goes down at n/3 and comes back at n/2."""
    for i in range(n):
        pub.publish_batch(TOPIC, [i])
        if i == n // 3:
            if crash:
                broker.crash()  # SIGKILL: no save, no goodbye
            else:
                broker.stop()  # SIGTERM, as `systemctl restart` does: the broker saves first
        if i == n // 2:
            time.sleep(0.5)
            broker.start()
        if i % 100 == 0:
            time.sleep(0.01)  # a stream, not one burst


@pytest.mark.parametrize("crash", [False, True], ids=["restarted", "crashed"])
def test_broker_down_mid_stream_nothing_lost(
    mosquitto: Mosquitto, tmp_path: Path, crash: bool
) -> None:
    """A restarted broker saved first; a SIGKILLed one forgets what it acknowledged since
    its last save, so the link resends what was acknowledged just before the loss. Either
    way every message arrives, and the subscriber's de-duplication drops the repeats."""
    n = 3000
    sub = Collector(mosquitto, tmp_path, protocol="5")
    sub.link.start()
    assert sub.link.wait_connected(10)
    time.sleep(2.5)  # mosquitto saves the subscriber's persistent session (autosave)
    settings = MqttSettings(port=mosquitto.port, protocol="5", reconnect_min=0.2)
    pub = MqttLink(settings, "pub", Outbox(tmp_path / "pub.sqlite"))
    pub.start()
    assert pub.wait_connected(10)
    try:
        _stream(pub, n, mosquitto, crash)
        assert sub.wait_for(n, timeout=60), f"got {len(set(sub.numbers))} of {n}"
        assert pub.wait_idle(10)
        time.sleep(0.3)  # late redeliveries would show up now
    finally:
        pub.stop()
        sub.link.stop()
    assert sorted(set(sub.numbers)) == list(range(n))
    assert len(sub.numbers) == n  # duplicates were dropped by the de-duplicator...
    assert pub.stats.connects >= 2 and sub.link.stats.connects >= 2
    assert pub.stats.redelivered > 0  # the window reached back over acknowledged messages
    # ...and every message that arrived more than once was counted there.
    assert sub.dedupe.duplicates == sub.link.stats.received - n
    assert len(pub.outbox) == 0


@pytest.mark.parametrize("window", [10.0, 0.0])
def test_broker_crash_forgets_what_it_acknowledged_and_the_link_resends_it(
    tmp_path: Path, window: float
) -> None:
    """Deterministic form of the crash above. mosquitto saves only at shutdown here (a
    one-hour autosave), so after a SIGKILL it has forgotten every message it acknowledged
    for an offline subscriber. With the redelivery window the link sends them again and
    the subscriber gets all; with the window at 0 (the behaviour before it) it gets none."""
    broker = Mosquitto(tmp_path / "broker", autosave_interval=3600)
    broker.start()
    sub = Collector(broker, tmp_path, protocol="5")
    pub = MqttLink(
        MqttSettings(port=broker.port, reconnect_min=0.2, redeliver_window=window),
        "pub",
        Outbox(tmp_path / "pub.sqlite"),
    )
    try:
        sub.link.start()
        assert sub.link.wait_connected(10)
        sub.link.stop()  # offline: the broker queues for its persistent session
        broker.stop()  # SIGTERM: mosquitto saves the session ...
        broker.start()
        pub.start()
        assert pub.wait_connected(10)
        for i in range(200):
            pub.publish_batch(TOPIC, [i])
        assert pub.wait_idle(10)  # every one acknowledged by the broker ...
        broker.crash()  # ... which dies before saving them
        broker.start()
        deadline = time.monotonic() + 10
        while (pub.stats.connects < 2 or not pub.wait_idle(0.1)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pub.stats.connects >= 2
        sub.link.start()
        sub.wait_for(200, timeout=5 if window else 2)
    finally:
        pub.stop()
        sub.link.stop()
        broker.stop()
    if window:
        assert pub.stats.redelivered == 200
        assert set(sub.numbers) == set(range(200)) and len(sub.numbers) == 200
    else:  # what the window exists for: the broker lost all 200
        assert pub.stats.redelivered == 0
        assert sub.numbers == []


_PUBLISHER = r"""
import sys, time
from iotedge.adapters.mqtt import MqttLink, MqttSettings
from iotedge.adapters.outbox import Outbox
db, port, n, topic = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
outbox = Outbox(db)
link = MqttLink(MqttSettings(port=port, protocol="3.1.1", reconnect_min=0.2), "pub", outbox)
link.start()
# Resume: number i is the batch with outbox id i + 1, so continue after the last id given.
for i in range(outbox.last_id, n):
    link.publish_batch(topic, [i])
    print("accepted", i, flush=True)
    time.sleep(0.0005)
link.wait_idle(60)
print("idle", flush=True)
link.stop()
"""


def _spawn(db: Path, port: int, n: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _PUBLISHER, str(db), str(port), str(n), TOPIC],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_publisher_killed_and_restarted(mosquitto: Mosquitto, tmp_path: Path) -> None:
    n = 2000
    sub = Collector(mosquitto, tmp_path, protocol="3.1.1")
    sub.link.start()
    assert sub.link.wait_connected(10)
    db = tmp_path / "pub.sqlite"
    status = "iotedge/gateway/pub/status"
    try:
        proc = _spawn(db, mosquitto.port, n)
        assert proc.stdout is not None
        accepted = -1
        for line in proc.stdout:
            accepted = int(line.split()[1])
            if accepted >= n // 3:
                break
        assert _retained(mosquitto, status) == b"online"
        os.kill(proc.pid, signal.SIGKILL)  # crash the gateway mid-stream
        proc.wait()
        # The broker published the last will: retained offline.
        deadline = time.monotonic() + 10
        while _retained(mosquitto, status, timeout=1) != b"offline":
            assert time.monotonic() < deadline, "last will not published"
        proc = _spawn(db, mosquitto.port, n)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out
        lines = out.split("\n")
        # The restart resumed right after the last accepted number (nothing re-accepted).
        assert int(lines[0].split()[1]) > accepted
        assert "idle" in lines
        assert sub.wait_for(n, timeout=30), f"got {len(set(sub.numbers))} of {n}"
        time.sleep(0.3)
    finally:
        sub.link.stop()
    assert sorted(set(sub.numbers)) == list(range(n))
    assert len(sub.numbers) == n
    assert sub.dedupe.duplicates == sub.link.stats.received - n
    assert _retained(mosquitto, status) == b"offline"  # the clean stop said so too
    with Outbox(db) as box:
        assert len(box) == 0


def test_malformed_payloads_logged_and_skipped(mosquitto: Mosquitto, tmp_path: Path) -> None:
    sub = Collector(mosquitto, tmp_path, protocol="5")
    sub.link.start()
    assert sub.link.wait_connected(10)
    raw = paho.Client(CallbackAPIVersion.VERSION2)
    raw.connect("127.0.0.1", mosquitto.port)
    raw.loop_start()
    try:
        time.sleep(0.2)
        for junk in (b"\xff", b"{}", b"[]", b'{"v":9}', b""):
            raw.publish(TOPIC, junk, qos=1).wait_for_publish(5)
        raw.publish(TOPIC, encode_batch("x/1", 1, "pub", [7], 0.0), qos=1).wait_for_publish(5)
        assert sub.wait_for(1, timeout=10)
    finally:
        raw.loop_stop()
        raw.disconnect()
        sub.link.stop()
    assert sub.numbers == [7]
    assert sub.link.stats.malformed == 5 and sub.link.stats.handler_errors == 0


def test_status_online_then_offline_on_clean_stop(mosquitto: Mosquitto, tmp_path: Path) -> None:
    link = MqttLink(
        MqttSettings(port=mosquitto.port), "gw-7", Outbox(tmp_path / "o"), info={"room": "A"}
    )
    hooks: list[str] = []
    link.add_connect_hook(lambda lk: hooks.append(lk.gateway_id))
    link.start()
    assert link.wait_connected(10)
    assert _retained(mosquitto, "iotedge/gateway/gw-7/status") == b"online"
    info = _retained(mosquitto, "iotedge/gateway/gw-7/info")
    assert info is not None and b'"room":"A"' in info and b'"client_id":"iotedge-gw-7"' in info
    link.stop()
    assert _retained(mosquitto, "iotedge/gateway/gw-7/status") == b"offline"
    assert hooks == ["gw-7"]
