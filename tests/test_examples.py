"""Every script in examples/ runs as a user would run it, on the virtual radio, against
a real mosquitto (and the MicroPython firmware under the MicroPython unix port)."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from iotedge.adapters.mqtt import (
    Deduplicator,
    MqttLink,
    MqttSettings,
    ReportBatch,
    batch_handler,
    encode_batch,
)
from iotedge.adapters.outbox import Outbox
from iotedge.alerts.keys import SigningKey
from iotedge.alerts.signer import Signer, initialise_state
from iotedge.core import badge
from iotedge.core.alert_frame import SCHEME_HMAC
from iotedge.core.alert_keyring import Keyring
from iotedge.core.alert_messages import TYPE_ALERT, TYPE_LED
from iotedge.gateway import topics
from iotedge.gateway.alert_relay import AlertRelay
from iotedge.gateway.badge_gateway import BadgeGateway
from iotedge.gateway.handlers import on_loop
from iotedge.gateway.pseudonym import Pseudonymiser, PseudonymKey
from iotedge.hal.radio import Advertisement
from iotedge.hal.sim_radio import SimAdvertiser, SimAir, SimScanner
from tests._broker import Mosquitto
from tests._mpy import ROOT, SRC, run_micropython

EXAMPLES = ROOT / "examples"

pytestmark = pytest.mark.broker


class Sub:
    """Collects every message under a filter (and report batches, de-duplicated)."""

    def __init__(self, broker: Mosquitto, tmp: Path, topic_filter: str) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.items: list[Any] = []
        self.lock = threading.Lock()
        self.dedupe = Deduplicator()
        self.link = MqttLink(MqttSettings(port=broker.port), "sub", Outbox(tmp / "sub.db"))
        self.link.subscribe(topic_filter, self._on)
        self.link.start()
        assert self.link.wait_connected(10)

    def _on(self, topic: str, payload: bytes) -> None:
        with self.lock:
            self.messages.append((topic, payload))
        if topic.endswith("/reports/0") or topic.endswith("/readings"):
            batch_handler(self._batch, self.dedupe)(topic, payload)

    def _batch(self, topic: str, batch: ReportBatch) -> None:
        with self.lock:
            self.items.extend(batch.items)


def _run(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def test_badge_gateway_pi_on_the_virtual_venue(mosquitto: Mosquitto, tmp_path: Path) -> None:
    sub = Sub(mosquitto, tmp_path, "iotedge/gateway/gw-01/#")
    proc = _run(
        [
            str(EXAMPLES / "badge_gateway_pi.py"),
            "--radio",
            "virtual",
            "--id",
            "gw-01",
            "--speed",
            "40",
            "--duration",
            "5",
            "--mqtt",
            mosquitto.url,
            "--state-dir",
            str(tmp_path / "state"),
        ]
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    time.sleep(0.5)
    sub.link.stop()
    assert stats["reports"] > 50 and stats["kinds"] == {"badge": stats["reports"]}
    assert len(sub.items) == stats["reports"]  # every report, once
    assert all(len(item["id"]) == 16 and item["kind"] == "badge" for item in sub.items)
    assert (tmp_path / "state" / "pseudonym.key").exists()
    status = [p for t, p in sub.messages if t == "iotedge/gateway/gw-01/status"]
    assert status[0] == b"online" and status[-1] == b"offline"


def test_sensor_bridge_with_a_simulated_dht22(mosquitto: Mosquitto, tmp_path: Path) -> None:
    sub = Sub(mosquitto, tmp_path, "iotedge/sensor/#")
    proc = _run(
        [
            str(EXAMPLES / "sensor_bridge.py"),
            "--sensor",
            "sim",
            "--id",
            "sensor-foyer",
            "--interval",
            "2",
            "--duration",
            "5",
            "--mqtt",
            mosquitto.url,
            "--state-dir",
            str(tmp_path),
        ]
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    time.sleep(0.3)
    sub.link.stop()
    assert stats["readings"] >= 1 and stats["errors"] == {}
    assert len(sub.items) == stats["readings"]
    assert sub.items[0]["temperature_tenths"] == 215 and sub.items[0]["humidity"] == 45.6
    texts = dict(sub.messages)
    assert texts["iotedge/sensor/sensor-foyer/temperature/dht22"] == b"21.5"
    assert texts["iotedge/sensor/sensor-foyer/humidity/dht22"] == b"45.6"


def _venue_key(tmp: Path) -> tuple[Signer, Path]:
    key = SigningKey.generate(SCHEME_HMAC)
    key.save(tmp / "venue.key")
    initialise_state(key)
    ring = Keyring(key.company)
    key.add_to_keyring(ring)
    keyring = tmp / "keyring.txt"
    keyring.write_text(ring.to_text())
    return Signer(key), keyring


def test_alert_relay_to_a_listening_badge(mosquitto: Mosquitto, tmp_path: Path) -> None:
    signer, keyring = _venue_key(tmp_path)
    proc = subprocess.Popen(
        [
            sys.executable,
            str(EXAMPLES / "alert_relay.py"),
            "--radio",
            "virtual",
            "--keyring",
            str(keyring),
            "--mqtt",
            mosquitto.url,
            "--state-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "relay ready"
        backend = MqttLink(MqttSettings(port=mosquitto.port), "backend", Outbox(tmp_path / "b.db"))
        backend.start()
        text = "\n".join(f.hex() for f in signer.sign(TYPE_ALERT, {"text": "Lunch is served"}))
        backend.publish(topics.alert("iotedge", "lunch"), text.encode(), retain=True)
        led = signer.sign(TYPE_LED, {"code": 2, "red": 255})
        doc = json.dumps({"v": 1, "frames": [f.hex() for f in led], "ttl": 60})
        backend.publish(topics.alert("iotedge", "led"), doc.encode(), retain=True)
        assert backend.wait_idle(10)
        backend.stop()
        lines = [proc.stdout.readline().strip() for _ in range(2)]
        time.sleep(1.0)  # the relay keeps repeating: no second acceptance
        proc.send_signal(signal.SIGTERM)
        rest, _err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    accepted = [
        json.loads(line.split(":", 1)[1])
        for line in lines + rest.splitlines()
        if line.startswith("badge accepted:")
    ]
    assert sorted((m["type"], m["counter"]) for m in accepted) == [("alert", 1), ("led", 2)]
    assert [m["text"] for m in accepted if m["type"] == "alert"] == ["Lunch is served"]
    stats = json.loads(rest.strip().splitlines()[-1])
    assert stats["messages"] == 2 and stats["malformed"] == 0


def test_presence_service_example(mosquitto: Mosquitto, tmp_path: Path) -> None:
    venue = tmp_path / "venue.json"
    venue.write_text(
        json.dumps(
            {
                "rooms": ["hall", "lab"],
                "adjacent": [["hall", "lab"]],
                "gateways": {"g1": {"room": "hall"}, "g2": {"room": "lab"}},
            }
        )
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            str(EXAMPLES / "presence_service.py"),
            "--venue",
            str(venue),
            "--mqtt",
            mosquitto.url,
            "--clock",
            "reports",
            "--hold",
            "2",
            "--interval",
            "0.3",
            "--state-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    sub = Sub(mosquitto, tmp_path, "iotedge/presence/#")
    try:
        assert sub.link.wait_connected(10)
        time.sleep(1.5)  # the service is up and subscribed
        gw = MqttLink(MqttSettings(port=mosquitto.port), "g", Outbox(tmp_path / "g.db"))
        gw.start()
        t0 = time.time() - 400  # five minutes of bursts: two badges, one per room
        seq = 0
        for minute in range(5):
            for pid, near in (("0123456789abcdef", "g1"), ("fedcba9876543210", "g2")):
                for gateway in ("g1", "g2"):
                    items = [
                        {
                            "id": pid,
                            "e": 1,
                            "ts": t0 + 60 * minute + 0.33 * k,
                            "rssi": -58 if gateway == near else -86,
                            "kind": "badge",
                        }
                        for k in range(9)
                    ]
                    seq += 1
                    payload = encode_batch(f"g/{gateway}", seq, gateway, items, t0)
                    gw.publish(topics.reports("iotedge", gateway, 0), payload)
        assert gw.wait_idle(10)
        gw.stop()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            rooms = dict(sub.messages).get("iotedge/presence/rooms")
            if rooms and json.loads(rooms)["badges"] == 2:
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, _err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
        sub.link.stop()
    rooms = json.loads(dict(sub.messages)["iotedge/presence/rooms"])["rooms"]
    assert rooms["hall"]["count"] == pytest.approx(1.0, abs=0.2)
    assert rooms["lab"]["count"] == pytest.approx(1.0, abs=0.2)
    assert "hall=1.0 lab=1.0" in out
    stats = json.loads(out.strip().splitlines()[-1])
    assert stats["items"] == 5 * 2 * 2 * 9 and stats["malformed_items"] == 0


# -- the MicroPython custom badge ----------------------------------------------------------------

DRIVER = """
import sys, binascii, json, bluetooth
import micropython_custom_badge as firmware

keyring, window, stream, now = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


class ReplayBLE(bluetooth.BLE):
    # The stand-in radio plus a scan: scan results are replayed into the firmware's irq.
    def irq(self, handler):
        self.handler = handler

    def gap_scan(self, duration_ms, interval_us=0, window_us=0):
        self.scanning = True


ble = ReplayBLE()
app = firmware.CustomBadge(ble, keyring, window, show=print)
app.start()
ms = 0
app.step(ms, now)
with open(stream) as f:
    for line in f:
        addr, adv = line.split()
        ble.handler(5, (0, binascii.unhexlify(addr), 3, -60, binascii.unhexlify(adv)))
        ms += 20
        app.step(ms, now)
print("COUNTS " + json.dumps(app.alerts.counts))
"""


async def _relayed_frames(broker: Mosquitto, tmp: Path, signer: Signer) -> list[Advertisement]:
    """What a relay puts on the air for two alerts published through the broker."""
    loop = asyncio.get_running_loop()
    air = SimAir()
    heard: list[Advertisement] = []
    await SimScanner(air, "capture").start(heard.append)
    advertiser = SimAdvertiser(air, "F0:00:00:00:00:07", interval=0.005, slot=0.02)
    relay = AlertRelay(advertiser)
    link = MqttLink(MqttSettings(port=broker.port), "gw-7-relay", Outbox(tmp / "r.db"))
    link.subscribe(topics.alerts_filter("iotedge"), on_loop(loop, relay.handle, link.stats))
    link.start()
    await asyncio.to_thread(link.wait_connected, 10)
    await advertiser.start()
    backend = MqttLink(MqttSettings(port=broker.port), "backend", Outbox(tmp / "b.db"))
    backend.start()
    for name, text in (("a", "Keynote in 5 minutes"), ("b", "Fire drill at 11:00, stay calm")):
        frames = signer.sign(TYPE_ALERT, {"text": text, "ttl": 30})
        backend.publish(topics.alert("iotedge", name), "\n".join(f.hex() for f in frames).encode())
    deadline = time.monotonic() + 10
    while relay.stats.messages < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    await advertiser.stop()
    link.stop()
    backend.stop()
    return heard


def test_micropython_custom_badge(
    mosquitto: Mosquitto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer, keyring = _venue_key(tmp_path)
    heard = asyncio.run(_relayed_frames(mosquitto, tmp_path, signer))
    assert len(heard) > 20  # every frame many times over
    stream = tmp_path / "stream.txt"
    other = badge.encode(7, 1, 90, 2100, 3)  # another badge's advert, heard too
    with stream.open("w") as f:
        for n, adv in enumerate(heard):
            f.write(f"{adv.address.replace(':', '').lower()} {adv.data.hex()}\n")
            if n % 5 == 0:
                f.write(f"c00000000007 {other.hex()}\n")
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    ble_log = tmp_path / "ble.log"
    monkeypatch.setenv("IOTEDGE_STANDIN_BLE_LOG", str(ble_log))
    proc = run_micropython(
        [
            str(driver),
            str(keyring),
            str(tmp_path / "window.bin"),
            str(stream),
            str(int(time.time())),
        ],
        paths=[SRC, ROOT / "micropython", ROOT / "micropython" / "standins", EXAMPLES],
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    alerts = [line for line in proc.stdout.splitlines() if line.startswith("ALERT ")]
    assert sorted(alerts) == ["ALERT Fire drill at 11:00, stay calm", "ALERT Keynote in 5 minutes"]
    counts = json.loads(proc.stdout.split("COUNTS ", 1)[1])
    assert counts["accepted"] == 2 and counts["duplicate"] > 10 and counts["not-alert"] > 0
    # the badge's own advert: what a gateway makes of it
    interval, adv_hex = ble_log.read_text().splitlines()[0].split()
    assert interval == "100000"
    reading = badge.decode(bytes.fromhex(adv_hex))
    assert (reading.badge_id, reading.battery, reading.temperature_centi) == (0xC0FFEE, 87, 2215)
    # ... heard by a badge gateway that reports it through the broker
    sub = Sub(mosquitto, tmp_path, "iotedge/gateway/gw-01/#")
    link = MqttLink(MqttSettings(port=mosquitto.port), "gw-01", Outbox(tmp_path / "gw.db"))
    link.start()
    try:
        assert link.wait_connected(10)
        gateway = BadgeGateway("gw-01", link, Pseudonymiser(PseudonymKey(bytes(32), 0)))
        gateway.on_advert(
            Advertisement("C0:FF:EE:00:00:01", -55, bytes.fromhex(adv_hex), 1.0, "gw-01")
        )
        gateway.flush()
        assert link.wait_idle(10)
        deadline = time.monotonic() + 10
        while not sub.items and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        link.stop()
        sub.link.stop()
    assert len(sub.items) == 1
    item = sub.items[0]
    assert item["kind"] == "badge" and item["temp"] == 2215 and item["rssi"] == -55
    assert item["bat"] == 87 and "C0FFEE" not in json.dumps(item).upper()  # pseudonymised
