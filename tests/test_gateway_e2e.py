"""End to end against a real mosquitto: adverts in, occupancy out; alerts out, once each.

* The virtual conference (40 badges, 20 gateways, the programme at 0.3x) plays its
  first 10 minutes at 75x on the in-memory air; twenty badge gateways publish through
  their own MqttLinks; the presence service subscribes through its own link; a watcher
  reads the retained results from the broker. Every accepted report reaches the
  presence service exactly once, the rooms it publishes match the simulation's truth,
  and nothing identifying leaves the gateways.
* A back-end signs alerts (HMAC, fragmented and single-frame, and Ed25519) and
  publishes them; relays broadcast them on the air with 30 % loss per reception; two
  badges run the badge-side receiver: each message is accepted exactly once per badge,
  and a relay that starts late gets the retained alerts too.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from iotedge.adapters.mqtt import MqttLink, MqttSettings
from iotedge.adapters.outbox import Outbox
from iotedge.alerts.keys import SigningKey
from iotedge.alerts.signer import Signer, initialise_state
from iotedge.core.alert_frame import SCHEME_ED25519, SCHEME_HMAC
from iotedge.core.alert_keyring import Keyring
from iotedge.core.alert_messages import TYPE_ALERT, TYPE_INFO, TYPE_LED
from iotedge.core.alert_receiver import AlertReceiver, MemoryStore
from iotedge.gateway import topics
from iotedge.gateway.alert_relay import AlertRelay
from iotedge.gateway.badge_gateway import BadgeGateway
from iotedge.gateway.handlers import on_loop
from iotedge.gateway.presence_service import PresenceService
from iotedge.gateway.pseudonym import Pseudonymiser, PseudonymKey, epoch_of
from iotedge.gateway.venue_radio import VenueRadio, badge_number
from iotedge.hal.radio import Advertisement
from iotedge.hal.sim_radio import SimAdvertiser, SimAir, SimScanner
from iotedge.sim.scenarios import build_scenario
from tests._broker import Mosquitto

pytestmark = pytest.mark.broker


class Retained:
    """A subscriber keeping the last payload of every topic under a filter."""

    def __init__(self, broker: Mosquitto, tmp: Path, topic_filter: str, name: str) -> None:
        self.last: dict[str, bytes] = {}
        self.count: dict[str, int] = {}
        self.lock = threading.Lock()
        self.link = MqttLink(
            MqttSettings(port=broker.port, reconnect_min=0.2), name, Outbox(tmp / f"{name}.db")
        )
        self.link.subscribe(topic_filter, self._on)
        self.link.start()
        assert self.link.wait_connected(10)

    def _on(self, topic: str, payload: bytes) -> None:
        with self.lock:
            self.last[topic] = payload
            self.count[topic] = self.count.get(topic, 0) + 1

    def get(self, topic: str) -> bytes | None:
        with self.lock:
            return self.last.get(topic)

    def wait(self, predicate: Any, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self.last):
                    return True
            time.sleep(0.05)
        return False


def _link(broker: Mosquitto, tmp: Path, name: str) -> MqttLink:
    settings = MqttSettings(port=broker.port, reconnect_min=0.2)
    return MqttLink(settings, name, Outbox(tmp / f"{name}.sqlite", sync="normal"))


# -- adverts in, occupancy out -----------------------------------------------------------------

SPEED = 75.0
DURATION = 600


async def _venue_run(broker: Mosquitto, tmp: Path) -> dict[str, Any]:
    sim = build_scenario("conference", 3, duration=DURATION, badges=40, schedule_scale=0.3)
    venue = VenueRadio(sim, SPEED)
    key = PseudonymKey(bytes(range(32)), epoch_of(venue.clock(), 86400, 14400))
    loop = asyncio.get_running_loop()
    hold = 0.8 * SPEED
    plink = _link(broker, tmp, "presence-0")
    service = PresenceService(sim.venue_dict(), plink, hold=hold, clock=venue.clock)
    plink.subscribe(topics.reports_filter("iotedge", 0), on_loop(loop, service.handle, plink.stats))
    boxes = []
    for g in sim.gateways:
        link = _link(broker, tmp, g.gw_id)
        boxes.append((BadgeGateway(g.gw_id, link, Pseudonymiser(key)), link))
    links = [plink] + [link for _, link in boxes]
    for link in links:
        link.start()
    assert all(link.wait_connected(10) for link in links)
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(gw.run(SimScanner(venue.air, gw.gateway_id), stop)) for gw, _ in boxes
    ]
    venue.start_clock()
    tasks.append(asyncio.create_task(venue.run(stop)))
    tasks.append(asyncio.create_task(service.run(stop, 0.1, 0.5)))
    await asyncio.sleep(DURATION / SPEED)
    stop.set()
    await asyncio.gather(*tasks)
    await asyncio.to_thread(lambda: all(link.wait_idle(10) for _, link in boxes))
    total = sum(gw.stats.reports for gw, _ in boxes)
    deadline = time.monotonic() + 10
    while service.stats.items < total and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    now = venue.clock()
    service.step(now)
    service.publish(now)
    await asyncio.to_thread(lambda: plink.wait_idle(5))
    for link in links:
        link.stop()
    pseudonyms = {
        b.badge_id: Pseudonymiser(key)(b"badge:%d" % badge_number(b.badge_id), now)[1]
        for b in sim.badges
    }
    return {
        "total": total,
        "items": service.stats.items,
        "service": service,
        "truth": dict(venue.truth),
        "pseudonyms": pseudonyms,
        "now": now,
        "adverts": venue.stats.adverts,
        "gateway_items": [gw.stats for gw, _ in boxes],
    }


def test_adverts_in_occupancy_out(mosquitto: Mosquitto, tmp_path: Path) -> None:
    watcher = Retained(mosquitto, tmp_path, "iotedge/#", "watcher")
    try:
        run = asyncio.run(_venue_run(mosquitto, tmp_path))
        assert watcher.wait(
            lambda last: (
                json.loads(last.get("iotedge/presence/rooms", b"{}")).get("ts")
                == round(run["now"], 3)
            ),
            10,
        )
        rooms = json.loads(watcher.get("iotedge/presence/rooms") or b"{}")
        badge_rooms = {
            t.rsplit("/", 1)[1]: json.loads(p)["room"]
            for t, p in watcher.last.items()
            if t.startswith("iotedge/presence/badge/")
        }
        reports_topics = [t for t in watcher.count if "/reports/" in t]
    finally:
        watcher.link.stop()
    # every accepted report reached the presence service, exactly once
    assert run["adverts"] > 500 and run["total"] > 1000
    assert run["items"] == run["total"]
    assert run["service"].stats.duplicates == 0 and run["service"].stats.malformed_items == 0
    assert sorted(reports_topics) == [f"iotedge/gateway/gw-{i:02d}/reports/0" for i in range(1, 21)]
    # occupancy out: per room close to the truth, and badges in their rooms
    truth: dict[str, str] = run["truth"]
    present = [b for b, room in truth.items() if room != "none"]
    counts = {room: sum(1 for b in present if truth[b] == room) for room in set(truth.values())}
    total_est = sum(r["count"] for r in rooms["rooms"].values())
    assert abs(total_est - len(present)) <= max(2.0, 0.15 * len(present)), (rooms, counts)
    for room, doc in rooms["rooms"].items():
        assert abs(doc["count"] - counts.get(room, 0)) <= max(2.5, 0.25 * counts.get(room, 0))
        assert doc["low"] <= doc["count"] <= doc["high"]
    right = sum(1 for b in present if badge_rooms.get(run["pseudonyms"][b]) == truth[b])
    assert right >= 0.75 * len(present), (right, len(present))
    # pseudonyms only: no badge id or address on the broker
    addresses = {b.lower() for b in truth}
    assert not any(b in t.lower() for t in watcher.last for b in addresses)


# -- alerts: back-end -> broker -> relays -> air -> badges, once each ----------------------------


def _signer(tmp: Path, scheme: int, first_id: int) -> tuple[Signer, SigningKey]:
    key = SigningKey.generate(scheme, first_key_id=first_id)
    key.save(tmp / f"venue-{first_id}.key")
    initialise_state(key)
    return Signer(key), key


class _Radio:
    """Scanners and advertisers on one shared medium with 30 % loss: the in-memory air,
    or bumble virtual controllers on one ``VenueLink`` (the virtual radio of the HIL
    stand-ins), so the alert chain is proven on both."""

    def __init__(self, kind: str) -> None:
        rng = random.Random(7)

        def rssi(address: str, receiver: str) -> int | None:
            return None if rng.random() < 0.3 else -70

        self.kind = kind
        self.air = SimAir(rssi=rssi)
        self.link: Any = None
        if kind == "bumble":
            from iotedge.adapters.bumble_radio import VenueLink

            self.link = VenueLink(rssi=rssi)

    async def scanner(self, name: str, n: int) -> Any:
        if self.kind == "sim":
            return SimScanner(self.air, name)
        from iotedge.adapters.bumble_radio import BumbleScanner, virtual_device

        return BumbleScanner(await virtual_device(self.link, name, f"C0:00:00:00:00:{n:02X}"), name)

    async def advertiser(self, n: int) -> Any:
        address = f"F0:00:00:00:00:{n:02X}"
        if self.kind == "sim":
            return SimAdvertiser(self.air, address, interval=0.01, slot=0.03)
        from iotedge.adapters.bumble_radio import BumbleAdvertiser, virtual_device

        device = await virtual_device(self.link, f"relay-{n}", address)
        return BumbleAdvertiser(device, interval_ms=20, slot=0.03)


async def _alert_run(broker: Mosquitto, tmp: Path, radio_kind: str) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    radio = _Radio(radio_kind)
    hmac_signer, hmac_key = _signer(tmp, SCHEME_HMAC, 1)
    ed_signer, ed_key = _signer(tmp, SCHEME_ED25519, 10)
    ring = Keyring(hmac_key.company)
    hmac_key.add_to_keyring(ring)
    ed_key.add_to_keyring(ring)
    accepted: dict[str, list[tuple[int, int, str]]] = {}
    receivers = {}
    for n, name in enumerate(("badge-a", "badge-b"), start=1):
        rx = AlertReceiver(ring, MemoryStore())
        receivers[name] = rx
        accepted[name] = []

        def on_advert(adv: Advertisement, rx: AlertReceiver = rx, name: str = name) -> None:
            msg = rx.feed(adv.data, int(time.time()))
            if msg is not None:
                accepted[name].append((msg.key_id, msg.counter, msg.type_name))

        await (await radio.scanner(name, n)).start(on_advert)

    relays = []

    async def start_relay(n: int) -> AlertRelay:
        adv = await radio.advertiser(n)
        relay = AlertRelay(adv)
        link = _link(broker, tmp, f"gw-{n}-relay")
        link.subscribe(topics.alerts_filter("iotedge"), on_loop(loop, relay.handle, link.stats))
        link.start()
        await asyncio.to_thread(link.wait_connected, 10)
        await adv.start()
        relays.append((relay, link, adv))
        return relay

    for n in range(3):
        await start_relay(n)
    backend = _link(broker, tmp, "backend")
    backend.start()
    now = time.time()
    messages = [
        hmac_signer.sign(TYPE_ALERT, {"text": "Evacuate Hall A now, use exit B", "ttl": 30}, now),
        hmac_signer.sign(TYPE_LED, {"code": 2, "red": 255, "ttl": 10}, now),
        ed_signer.sign(TYPE_INFO, {"text": "Signed by the venue", "ttl": 30}, now),
    ]
    for i, frames in enumerate(messages):
        payload = json.dumps({"v": 1, "frames": [f.hex() for f in frames]}).encode()
        backend.publish(topics.alert("iotedge", f"m{i}"), payload, qos=1, retain=True)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not all(len(v) >= 3 for v in accepted.values()):
        await asyncio.sleep(0.05)
    late = await start_relay(9)  # a relay (re)started after the back-end published
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and late.stats.messages < 3:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # more copies on air: still accepted once
    for _relay, link, adv in relays:
        await adv.stop()
        link.stop()
    backend.stop()
    return {
        "accepted": accepted,
        "reasons": {name: rx.reason for name, rx in receivers.items()},
        "late": late.stats.messages,
        "relays": [r.stats for r, _, _ in relays],
        "ids": [(1, 1, "alert"), (1, 2, "led"), (10, 1, "info")],
        "receivers": receivers,
        "frames": sum(len(m) for m in messages),
    }


@pytest.mark.parametrize("radio", ["sim", "bumble"])
def test_alerts_reach_each_badge_once(mosquitto: Mosquitto, tmp_path: Path, radio: str) -> None:
    run = asyncio.run(_alert_run(mosquitto, tmp_path, radio))
    for name, got in run["accepted"].items():
        assert sorted(got) == sorted(run["ids"]), (name, got)  # every message, once
    assert run["late"] == 3
    for stats in run["relays"]:
        assert stats.malformed == 0 and stats.expired == 0
        assert stats.frames == run["frames"] == 4 + 1 + 6  # HMAC 4 fragments + 1, Ed25519 6
