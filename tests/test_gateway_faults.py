"""Faults against a real mosquitto: nothing accepted is lost, nothing arrives twice.

* A badge gateway process (the real BadgeGateway and MqttLink, fed by a scripted air
  so every reading is numbered) prints each batch the moment its outbox committed it.
  The broker is SIGKILLed mid-stream and restarted; then the gateway itself is
  SIGKILLed and started again on the same state folder. A persistent-session QoS 1
  subscriber must end with every accepted reading, none twice (batches de-duplicated
  by ``(src, seq)``, readings counted one by one).
* Alerts: the back-end publishes while the broker is down (its outbox keeps them), the
  relay crashes and restarts: the badge accepts every alert, each exactly once.
* Malformed MQTT payloads (reports, alerts, shard sums) and malformed adverts are
  logged, counted and skipped; the traffic after them is handled normally.
"""

from __future__ import annotations

import asyncio
import json
import logging
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
from iotedge.core.alert_messages import TYPE_ALERT
from iotedge.core.alert_receiver import AlertReceiver, MemoryStore
from iotedge.gateway import topics
from iotedge.gateway.alert_relay import AlertRelay
from iotedge.gateway.badge_gateway import BadgeGateway
from iotedge.gateway.handlers import on_loop
from iotedge.gateway.presence_service import PresenceService
from iotedge.gateway.pseudonym import Pseudonymiser, PseudonymKey, epoch_of
from iotedge.hal.radio import Advertisement
from iotedge.hal.sim_radio import SimAdvertiser, SimAir, SimScanner
from tests._broker import Mosquitto

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[1]

HARNESS = r"""
import asyncio, sys, time
from iotedge.adapters.mqtt import MqttLink, MqttSettings
from iotedge.adapters.outbox import Outbox
from iotedge.core import badge
from iotedge.gateway.badge_gateway import BadgeGateway
from iotedge.gateway.pseudonym import PseudonymKey, Pseudonymiser, epoch_of
from iotedge.hal.sim_radio import SimAir, SimScanner

port, state, first, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


class Announcing:
    # Prints each batch once the outbox has committed it: from then on it is accepted.
    def __init__(self, link):
        self.link = link

    def publish_batch(self, topic, items):
        seq = self.link.publish_batch(topic, items)
        print("ACCEPTED", items[0]["claps"], items[-1]["claps"], len(items), flush=True)
        return seq

    def publish_direct(self, *args, **kwargs):
        return self.link.publish_direct(*args, **kwargs)


async def main():
    settings = MqttSettings(port=port, reconnect_min=0.2, reconnect_max=1.0)
    link = MqttLink(settings, "gw-h", Outbox(state + "/outbox.sqlite"))
    link.start()
    key = PseudonymKey(bytes(range(32)), epoch_of(time.time(), 86400, 14400))
    gateway = BadgeGateway("gw-h", Announcing(link), Pseudonymiser(key), batch_items=25,
                           batch_delay=0.05)
    air = SimAir(rssi=lambda address, gateway: -60)
    stop = asyncio.Event()
    task = asyncio.create_task(gateway.run(SimScanner(air, "gw-h"), stop))
    await asyncio.sleep(0.05)
    print("STARTED", flush=True)
    for n in range(first, first + count):
        b = n % 16 + 1
        air.transmit("C0:00:00:00:00:%02X" % b, badge.encode(b, n & 0xFF, 90, 2000, n))
        if n % 10 == 9:
            await asyncio.sleep(0.01)
    stop.set()
    await task
    print("IDLE", link.wait_idle(30), flush=True)
    link.stop()


asyncio.run(main())
"""


class Harness:
    """The gateway process; ``accepted`` collects what it reported committed."""

    def __init__(self, script: Path, port: int, state: Path, first: int, count: int) -> None:
        self.accepted: set[int] = set()
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(port), str(state), str(first), str(count)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.strip())
            if line.startswith("ACCEPTED"):
                _, lo, hi, n = line.split()
                span = set(range(int(lo), int(hi) + 1))
                assert len(span) == int(n)
                self.accepted |= span

    def wait_accepted(self, n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.accepted) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.accepted) >= n, self.lines[-5:]

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.reader.join(5)


class Collector:
    """Persistent-session QoS 1 subscriber: every reading (its claps number) received."""

    def __init__(self, broker: Mosquitto, tmp: Path) -> None:
        self.counts: dict[int, int] = {}
        self.lock = threading.Lock()
        self.dedupe = Deduplicator()
        settings = MqttSettings(port=broker.port, reconnect_min=0.2, reconnect_max=1.0)
        self.link = MqttLink(settings, "collector", Outbox(tmp / "collector.sqlite"))
        self.link.subscribe("iotedge/gateway/+/reports/+", batch_handler(self._on, self.dedupe))
        self.link.start()
        assert self.link.wait_connected(10)

    def _on(self, topic: str, batch: ReportBatch) -> None:
        with self.lock:
            for item in batch.items:
                self.counts[item["claps"]] = self.counts.get(item["claps"], 0) + 1

    def wait_for(self, wanted: set[int], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if wanted <= set(self.counts):
                    return True
            time.sleep(0.05)
        return False


def test_broker_and_gateway_killed_nothing_accepted_lost(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    script = tmp_path / "harness.py"
    script.write_text(HARNESS)
    state = tmp_path / "state"
    state.mkdir()
    collector = Collector(mosquitto, tmp_path)
    time.sleep(1.2)  # mosquitto saves the subscriber's session (autosave 1 s) before the kill
    try:
        first = Harness(script, mosquitto.port, state, 0, 4000)
        first.wait_accepted(800, 30)
        mosquitto.crash()  # the broker dies mid-stream (SIGKILL) ...
        time.sleep(0.8)
        mosquitto.start()  # ... and comes back on the same port
        first.wait_accepted(2500, 30)
        first.kill()  # the gateway dies mid-stream
        accepted = set(first.accepted)
        assert 2500 <= len(accepted) < 4000
        second = Harness(script, mosquitto.port, state, 4000, 1000)
        assert second.proc.wait(60) == 0
        second.reader.join(5)
        assert "IDLE True" in second.lines
        accepted |= second.accepted
        assert collector.wait_for(accepted, 30), len(accepted - set(collector.counts))
        time.sleep(0.5)  # anything sent twice would have arrived by now
    finally:
        collector.link.stop()
    counts = collector.counts
    assert accepted <= set(counts)
    assert set(counts) <= set(range(5000))
    twice = {n: c for n, c in counts.items() if c != 1}
    assert not twice, f"{len(twice)} readings delivered more than once"
    assert collector.dedupe.duplicates >= 0  # redeliveries, if any, were dropped here


# -- alerts through a broker outage and a relay crash ---------------------------------------------


def _crash(link: MqttLink) -> None:
    """Drop the connection as a power cut would: no DISCONNECT, no offline message."""
    link._stopping.set()
    link._wake.set()
    sock = link.client.socket()
    if sock is not None:
        sock.close()
    link.client.loop_stop()


async def _alerts_through_faults(broker: Mosquitto, tmp: Path) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    key = SigningKey.generate(SCHEME_HMAC)
    key.save(tmp / "venue.key")
    initialise_state(key)
    signer = Signer(key)
    ring = Keyring(key.company)
    key.add_to_keyring(ring)
    air = SimAir()
    rx = AlertReceiver(ring, MemoryStore())
    got: list[tuple[int, int]] = []

    def hear(adv: Advertisement) -> None:
        msg = rx.feed(adv.data, int(time.time()))
        if msg is not None:
            got.append((msg.key_id, msg.counter))

    await SimScanner(air, "badge").start(hear)
    settings = MqttSettings(port=broker.port, reconnect_min=0.2, reconnect_max=1.0)

    async def relay_box() -> tuple[AlertRelay, MqttLink, SimAdvertiser]:
        adv = SimAdvertiser(air, "F0:00:00:00:00:01", interval=0.01, slot=0.03)
        relay = AlertRelay(adv)
        link = MqttLink(settings, "gw-1-relay", Outbox(tmp / "relay.sqlite"))
        link.subscribe(topics.alerts_filter("iotedge"), on_loop(loop, relay.handle, link.stats))
        link.start()
        await asyncio.to_thread(link.wait_connected, 10)
        await adv.start()
        return relay, link, adv

    _relay, rlink, adv = await relay_box()
    backend = MqttLink(settings, "backend", Outbox(tmp / "backend.sqlite"))
    backend.start()
    await asyncio.to_thread(backend.wait_connected, 10)
    await asyncio.sleep(1.2)  # mosquitto saves the relay's subscription (autosave 1 s)
    broker.stop(hard=True)
    for i, text in enumerate(("Fire drill at 11:00", "Lunch is served")):
        frames = signer.sign(TYPE_ALERT, {"text": text, "ttl": 30})
        payload = "\n".join(f.hex() for f in frames).encode()  # the `alert sign` output
        backend.publish(topics.alert("iotedge", f"a{i}"), payload, qos=1, retain=True)
    accepted_while_down = len(backend.outbox)
    await asyncio.sleep(0.5)
    broker.start()
    deadline = time.monotonic() + 20
    while len(got) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    first_round = list(got)
    # the relay crashes and restarts: the retained alerts come back and go on air again
    await adv.stop()
    _crash(rlink)
    relay2, rlink2, adv2 = await relay_box()
    deadline = time.monotonic() + 10
    while relay2.stats.messages < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    await adv2.stop()
    rlink2.stop()
    backend.stop()
    return {
        "accepted_while_down": accepted_while_down,
        "first_round": first_round,
        "got": got,
        "relay2": relay2.stats.messages,
        "duplicates": rx.reason,
    }


def test_alerts_survive_broker_outage_and_relay_crash(mosquitto: Mosquitto, tmp_path: Path) -> None:
    run = asyncio.run(_alerts_through_faults(mosquitto, tmp_path))
    assert run["accepted_while_down"] == 2
    assert sorted(run["first_round"]) == [(1, 1), (1, 2)]
    assert run["relay2"] == 2  # the restarted relay broadcast both again ...
    assert sorted(run["got"]) == [(1, 1), (1, 2)]  # ... and the badge took each once


# -- malformed input never stops anything ----------------------------------------------------------

VENUE = {"rooms": ["hall"], "gateways": {"gw-1": {"room": "hall"}}}


async def _malformed(broker: Mosquitto, tmp: Path) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    settings = MqttSettings(port=broker.port, reconnect_min=0.2)
    air = SimAir(rssi=lambda a, g: -60)
    links = {
        name: MqttLink(settings, name, Outbox(tmp / f"{name}.sqlite", sync="normal"))
        for name in ("gw-1", "presence-0", "junk")
    }
    key = PseudonymKey(bytes(range(32)), epoch_of(time.time(), 86400, 14400))
    gateway = BadgeGateway("gw-1", links["gw-1"], Pseudonymiser(key), batch_delay=0.05)
    relay = AlertRelay(SimAdvertiser(air, "F0:00:00:00:00:01"))
    links["gw-1"].subscribe(
        topics.alerts_filter("iotedge"), on_loop(loop, relay.handle, links["gw-1"].stats)
    )
    service = PresenceService(VENUE, links["presence-0"], shards=1)
    plink = links["presence-0"]
    plink.subscribe(topics.reports_filter("iotedge", 0), on_loop(loop, service.handle, plink.stats))
    shard_sums = on_loop(loop, service.handle_partial, plink.stats)
    plink.subscribe(topics.presence_shard_filter("iotedge"), shard_sums)
    for link in links.values():
        link.start()
    await asyncio.to_thread(lambda: all(link.wait_connected(10) for link in links.values()))
    await asyncio.sleep(0.3)  # SUBACKs in
    stop = asyncio.Event()
    scanner = SimScanner(air, "gw-1")
    task = asyncio.create_task(gateway.run(scanner, stop))
    await asyncio.sleep(0.05)
    junk = links["junk"]
    now = time.time()
    good_item = {"id": "0123456789abcdef", "e": key.epoch, "ts": now, "rssi": -60}
    payloads = [
        (topics.reports("iotedge", "x", 0), b"\xff\xfe not json"),
        (topics.reports("iotedge", "x", 0), b'{"v": 2, "items": []}'),
        (topics.reports("iotedge", "x", 0), b"[1, 2, 3]"),
        (topics.alert("iotedge", "bad"), b"nothing hex here"),
        (topics.alert("iotedge", "bad2"), b'{"v": 1, "frames": ["0201"]}'),
        (topics.presence_shard("iotedge", 7), b"{broken"),
    ]
    for topic, payload in payloads:
        junk.publish(topic, payload)
    bad_items = encode_batch("junk/1", 1, "gw-1", [{"id": 5}, "x", dict(good_item, rssi=999)], now)
    junk.publish(topics.reports("iotedge", "gw-1", 0), bad_items)
    # broken adverts as a radio reports them: AD overrun, cut BTHome object, bad NodeConf JSON
    for data in (b"\x1f\x16\xd2\xfc", b"\x05\x16\xd2\xfc\x40\x02", b'\x09\xff\x90\x05{"t":x'):
        scanner.deliver(Advertisement("C0:00:00:00:00:09", -60, data, now, "gw-1"))
    # then the good traffic
    for n in range(30):
        air.transmit("C0:00:00:00:00:01", badge.encode(1, n, 90, 2000, n))
    key_ = SigningKey.generate(SCHEME_HMAC)
    key_.save(tmp / "k.key")
    initialise_state(key_)
    frames = Signer(key_).sign(TYPE_ALERT, {"text": "ok", "ttl": 30})
    doc = {"v": 1, "frames": [f.hex() for f in frames]}
    junk.publish(topics.alert("iotedge", "good"), json.dumps(doc).encode())
    deadline = time.monotonic() + 10
    while (service.stats.items < 30 or relay.stats.messages < 1) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stop.set()
    await task
    for link in links.values():
        link.stop()
    return {
        "gateway": gateway.stats,
        "service": service.stats,
        "relay": relay.stats,
        "malformed": {name: link.stats.malformed for name, link in links.items()},
    }


def test_malformed_payloads_and_adverts_are_skipped(
    mosquitto: Mosquitto, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        run = asyncio.run(_malformed(mosquitto, tmp_path))
    # the good traffic after the junk went through
    assert run["service"].items == 30 and run["relay"].messages == 1
    # adverts: the broken ones counted by reason, nothing else lost
    assert sum(run["gateway"].malformed.values()) == 3
    assert run["gateway"].reports == 30
    # MQTT: 3 broken batches + 1 broken shard sum (link level), 2 broken alerts (relay),
    # 3 broken items inside an otherwise valid batch (presence)
    assert run["malformed"]["presence-0"] == 4
    assert run["relay"].malformed == 2 and run["malformed"]["gw-1"] == 0
    assert run["service"].malformed_items == 3
    assert "skipped malformed message" in caplog.text
    assert "dropped alert message" in caplog.text
    assert "malformed advert" in caplog.text
