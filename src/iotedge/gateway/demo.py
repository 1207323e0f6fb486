"""``iotedge demo``: the whole system in one process, no hardware, nothing to install.

What runs (all of it the real code, wired as in a venue):

* the virtual venue (:mod:`iotedge.sim`): badges on lanyards, 20 gateways, people
  following a conference programme compressed into the run (``speed`` simulated
  seconds per wall second, the day's schedule scaled to fit);
* the virtual radio (:class:`~iotedge.gateway.venue_radio.VenueRadio`): every simulated
  advert is a real badge advert on an in-memory air, heard by each gateway with the
  simulation's RSSI. Why not bumble's virtual controllers: bumble's HCI path costs
  hundreds of microseconds per received report, the in-memory air a few, and the
  default run needs ~14,000 receptions per second (docs/gateway.md, "Why the in-memory
  air", gives both numbers and ``bench/bench_virtual_radio.py``, the command that
  measures them); the alert chain is also tested on bumble's virtual link
  (``tests/test_gateway_e2e.py``);
* 20 badge gateways (:class:`~iotedge.gateway.badge_gateway.BadgeGateway`), each also
  an alert relay, each with its own MQTT link and outbox; a gateway the simulation
  takes down really disconnects (retained ``offline``) and comes back;
* the presence service (``shards`` of it), six DHT22 sensor gateways (one per room, a
  simulated DHT22 warmed by the room's crowd);
* an embedded broker (amqtt in this process) unless ``mqtt`` names one;
* a back-end that signs an alert and publishes it; three attendees' badges run the
  badge-side receiver (:class:`~iotedge.core.alert_receiver.AlertReceiver`) on the air
  and hear the relays with RSSI from where they stand;
* the dashboard: an MQTT subscriber drawing the heatmap (ANSI) or plain text lines.

It ends by itself after ``duration`` wall seconds and returns a :class:`DemoSummary`.

The venue waits for the pipeline: ``speed`` is what it asks for, and while reports are
in flight the simulated clock may run at most ``lead`` simulated seconds past the
newest report the presence service has taken (:meth:`Demo.pipeline_limit`). On a
machine too slow or too busy for the asked speed the day then runs slower (the summary
says how much and for how long the venue waited) instead of the presence service
falling minutes behind a venue that has moved on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from iotedge.adapters.embedded_broker import EmbeddedBroker
from iotedge.adapters.mqtt import MqttLink
from iotedge.alerts.keys import SigningKey
from iotedge.alerts.signer import Signer, initialise_state
from iotedge.core.alert_frame import SCHEME_HMAC
from iotedge.core.alert_keyring import Keyring
from iotedge.core.alert_messages import TYPE_ALERT
from iotedge.core.alert_receiver import AlertReceiver, MemoryStore
from iotedge.gateway import heatmap, topics
from iotedge.gateway.alert_relay import AlertRelay
from iotedge.gateway.badge_gateway import BadgeGateway
from iotedge.gateway.config import GatewayConfig
from iotedge.gateway.handlers import on_loop
from iotedge.gateway.presence_service import PresenceService
from iotedge.gateway.pseudonym import Pseudonymiser, PseudonymKey
from iotedge.gateway.radios import derived_address
from iotedge.gateway.runner import make_link
from iotedge.gateway.sensor_gateway import SensorGateway
from iotedge.gateway.venue_radio import VenueRadio
from iotedge.hal.radio import Advertisement
from iotedge.hal.sim_dht22 import SimulatedDHT22, simulated_sensor
from iotedge.hal.sim_radio import SimAdvertiser, SimScanner
from iotedge.hal.waiting import done_or_timeout
from iotedge.sim.programme import DAY_TEMPLATE, slot_at
from iotedge.sim.scenarios import build_scenario
from iotedge.sim.simulation import Simulation

log = logging.getLogger(__name__)

DAY_SECONDS = sum(minutes for _kind, minutes, _title in DAY_TEMPLATE) * 60.0
START_OF_DAY = 9 * 3600.0  # simulated second 0 is 09:00 UTC today
WARM_UP = 300.0  # simulated seconds before occupancy errors are counted
# How far (a fraction of the presence service's hold) the venue may run ahead of the
# newest report taken: reports older than the hold arrive too late to count.
LEAD_OF_HOLD = 0.6
STALL_S = 5.0  # wall seconds without a report taken before back-pressure gives up
# Room climate for the DHT22s: the simulator's badge temperature model (21 C plus
# 2.5 C per person per m^2), and humidity rising with the crowd too.
ROOM_TEMP_C = 21.0
CROWD_HEAT_C = 2.5
ROOM_RH = 40.0
CROWD_RH = 12.0


@dataclass
class DemoOptions:
    duration: float = 75.0  # wall seconds
    speed: float = 80.0  # simulated seconds per wall second
    badges: int = 300
    seed: int = 1
    scenario: str = "conference"
    mqtt: str | None = None  # broker URL; None: embedded
    protocol: str = "5"  # with mqtt
    broker: str = "amqtt"  # embedded broker kind
    shards: int = 1
    receivers: int = 3
    refresh: float = 0.5  # wall seconds between screens
    ansi: bool = False
    alert_at: float = 0.35  # fraction of the run
    plain_every: float = 10.0  # wall seconds between plain-text reports
    schedule_scale: float = 1.0  # programme slot lengths x this; 0 = fit the whole day in


@dataclass
class AlertDelivery:
    receiver: str
    text: str
    sim_time: float
    wall_after_publish: float


@dataclass
class DemoSummary:
    wall_s: float = 0.0
    sim_s: float = 0.0
    badges: int = 0
    gateways: int = 0
    adverts: int = 0
    receptions: int = 0
    reports: int = 0
    batches: int = 0
    presence_items: int = 0
    presence_duplicates: int = 0
    malformed: int = 0
    occupancy_samples: int = 0
    occupancy_abs_error: float = 0.0  # sum over samples and rooms
    occupancy_truth: float = 0.0  # sum over samples and rooms
    alert_text: str = ""
    alert_published_sim: float | None = None
    alert_frames: int = 0
    deliveries: list[AlertDelivery] = field(default_factory=list)
    receivers: int = 0
    relay_duplicates: int = 0
    outages: int = 0
    sensor_readings: int = 0
    speed_asked: float = 0.0
    held_s: float = 0.0  # wall seconds the venue waited for the pipeline
    final_rooms: dict[str, tuple[float | None, int]] = field(default_factory=dict)
    broker: str = ""

    @property
    def wape(self) -> float | None:
        return self.occupancy_abs_error / self.occupancy_truth if self.occupancy_truth else None

    @property
    def delivered_twice(self) -> bool:
        """A badge accepted the alert more than once: that would be a bug."""
        names = [d.receiver for d in self.deliveries]
        return len(names) != len(set(names))

    @property
    def delivered_once(self) -> bool:
        names = [d.receiver for d in self.deliveries]
        return len(names) == len(set(names)) == self.receivers

    def text(self) -> str:
        w = max(self.wall_s, 1e-9)
        pace = f"x{self.sim_s / w:.0f}"
        if self.held_s >= 0.05 * w:  # the pipeline set the pace: say so
            pace += (
                f" of x{self.speed_asked:g} asked: the venue waited {self.held_s:.1f} s "
                "for the pipeline"
            )
        lines = [
            f"iotedge demo: {self.wall_s:.1f} s wall, {self.sim_s / 60:.0f} simulated minutes "
            f"({pace}), {self.badges} badges, {self.gateways} gateways, "
            f"broker {self.broker}",
            f"  adverts on air      {self.adverts:>9,} ({self.adverts / w:,.0f}/s); "
            f"heard by gateways {self.receptions:,} ({self.receptions / w:,.0f}/s)",
            f"  reports published   {self.reports:>9,} in {self.batches:,} batches "
            f"({self.reports / w:,.0f}/s); presence took {self.presence_items:,}, "
            f"{self.presence_duplicates} duplicate batches dropped, {self.malformed} malformed",
        ]
        if self.wape is not None:
            lines.append(
                f"  occupancy vs truth  WAPE {100 * self.wape:.1f} % over "
                f"{self.occupancy_samples} snapshots after the first "
                f"{WARM_UP / 60:.0f} simulated minutes"
            )
        if self.final_rooms:
            parts = [
                f"{room} {'-' if est is None else f'{est:.0f}'} (true {true})"
                for room, (est, true) in self.final_rooms.items()
            ]
            lines.append("  final occupancy     " + ", ".join(parts))
        if self.alert_published_sim is None:
            lines.append("  alert               not published (run too short)")
        else:
            got = len({d.receiver for d in self.deliveries})
            once = "each once" if self.delivered_once else "NOT each exactly once"
            first = min((d.wall_after_publish for d in self.deliveries), default=None)
            lines.append(
                f'  alert               "{self.alert_text}" ({self.alert_frames} signed frames) '
                f"delivered to {got}/{self.receivers} badges, {once}"
                + (f", first after {first:.1f} s" if first is not None else "")
                + f"; {self.relay_duplicates:,} relayed copies dropped as duplicates"
            )
        lines.append(
            f"  gateways            {self.outages} outage(s) simulated; "
            f"{self.sensor_readings} DHT22 readings published"
        )
        return "\n".join(lines) + "\n"


async def _off_loop(call: Callable[[], object], timeout: float, what: str) -> None:
    """Run a blocking stop call (of link ``what``) on a daemon thread, and wait for it
    ``timeout`` seconds at most.

    Stopping a link joins paho's network thread, which has no timeout of its own: a
    link that will not stop must not hold the demo, nor (as a worker of the loop's
    default executor, which ``asyncio.run`` waits for) the interpreter's exit.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def finish() -> None:
        if not done.done():
            done.set_result(None)

    def target() -> None:
        try:
            call()
        except Exception:
            log.exception("stopping %s failed", what)
        finally:
            with contextlib.suppress(RuntimeError):  # the loop may be gone by now
                loop.call_soon_threadsafe(finish)

    threading.Thread(target=target, name=f"demo-stop-{what}", daemon=True).start()
    if not await done_or_timeout(done, timeout):
        log.warning("stopping %s took over %.1f s; the demo goes on without it", what, timeout)


class _Receiver:
    """An attendee's badge running the badge-side alert receiver on the air."""

    def __init__(self, demo: Demo, badge_index: int, keyring: Keyring) -> None:
        self.demo = demo
        self.badge_index = badge_index
        self.badge_id = demo.sim.badges[badge_index].badge_id
        self.name = f"rx-{self.badge_id}"
        self.receiver = AlertReceiver(keyring, MemoryStore())
        self.scanner = SimScanner(demo.venue.air, self.name)
        self.reasons: dict[str, int] = {}

    def on_advert(self, adv: Advertisement) -> None:
        message = self.receiver.feed(adv.data, int(self.demo.venue.clock()))
        reason = self.receiver.reason
        self.reasons[reason] = self.reasons.get(reason, 0) + 1
        if message is not None:
            self.demo.on_alert(self, message.fields.get("text", ""))


class _Gateway:
    """One gateway box: badge gateway + alert relay on one MQTT link, going down and up."""

    def __init__(self, demo: Demo, gw_id: str, room: str) -> None:
        self.demo = demo
        self.gw_id = gw_id
        self.room = room
        self.address = derived_address(gw_id)
        self.scanner = SimScanner(demo.venue.air, gw_id)
        self.advertiser = SimAdvertiser(
            demo.venue.air, self.address, interval=0.2, slot=0.25, clock=demo.venue.clock
        )
        self.relay = AlertRelay(self.advertiser, clock=demo.venue.clock)
        self.link = self._link()
        self.app = BadgeGateway(
            gw_id,
            self.link,
            demo.pseudonymiser,
            prefix=demo.cfg.prefix,
            shards=demo.opts.shards,
            stats_interval=1.0,
        )
        self.online = True
        self.task: asyncio.Task[None] | None = None

    def _link(self) -> MqttLink:
        link = make_link(self.demo.cfg, self.gw_id, info={"app": "badge", "room": self.room})
        self.demo.subscribe(link, topics.alerts_filter(self.demo.cfg.prefix), self.relay.handle)
        return link

    async def start(self, stop: asyncio.Event) -> None:
        self.link.start()
        await self.advertiser.start()
        self.task = asyncio.create_task(self.app.run(self.scanner, stop), name=self.gw_id)

    async def down(self) -> None:
        """Power cut: no scanning, no broadcasting, the link goes away."""
        self.online = False
        await self.scanner.stop()
        self.app.flush()  # what was heard before the cut is in the outbox
        await self.advertiser.stop()
        link = self.link
        await _off_loop(partial(link.stop, 1.0), 15.0, self.gw_id)
        link.outbox.close()

    async def up(self) -> None:
        self.link = self._link()
        self.app.link = self.link
        self.link.start()
        await self.scanner.start(self.app.on_advert)
        await self.advertiser.start()
        self.online = True


class Demo:
    """See the module docstring. ``run()`` once."""

    def __init__(self, opts: DemoOptions, out: TextIO, wall: Callable[[], float] = time.monotonic):
        if opts.duration <= 0 or opts.speed <= 0:
            raise ValueError("duration and speed must be > 0")
        self.opts = opts
        self.out = out
        self.wall = wall
        sim_seconds = math.ceil(opts.duration * opts.speed) + 60
        scale = opts.schedule_scale or min(1.0, max(0.01, sim_seconds / DAY_SECONDS))
        self.sim: Simulation = build_scenario(
            opts.scenario, opts.seed, badges=opts.badges, duration=sim_seconds, schedule_scale=scale
        )
        day0 = math.floor(time.time() / 86400.0) * 86400.0
        self.epoch0 = day0 + START_OF_DAY
        self.rng = random.Random(f"iotedge-demo/{opts.seed}")
        self.venue = VenueRadio(
            self.sim, opts.speed, self.epoch0, other_rssi=self._relay_rssi, wall=wall
        )
        self.hold = max(3.0, 0.8 * opts.speed)  # reports ride ~0.5 wall s of batching + MQTT
        self.lead = LEAD_OF_HOLD * self.hold
        self.venue.backpressure = self.pipeline_limit
        self._taken = 0
        self._taken_at = wall()
        self.tmp = tempfile.TemporaryDirectory(prefix="iotedge-demo-")
        self.cfg = GatewayConfig(state_dir=self.tmp.name)
        self.cfg.mqtt.outbox_sync = "normal"
        self.pseudonymiser = Pseudonymiser(
            PseudonymKey.generate(self.epoch0), clock=self.venue.clock
        )
        self.summary = DemoSummary(badges=opts.badges, gateways=len(self.sim.gateways))
        self.loop: asyncio.AbstractEventLoop | None = None
        self.gateways: list[_Gateway] = []
        self.receivers: list[_Receiver] = []
        self.services: list[PresenceService] = []
        self.sensors: dict[str, tuple[SimulatedDHT22, SensorGateway]] = {}
        self.links: list[MqttLink] = []
        self.rooms_doc: dict[str, Any] = {}
        self.status: dict[str, bool] = {}
        self.sensor_temp: dict[str, float] = {}
        self.truth_history: dict[int, dict[str, int]] = {}
        self._link_cache: dict[tuple[int, int], dict[str, float]] = {}
        self._gw_index = {derived_address(g.gw_id): i for i, g in enumerate(self.sim.gateways)}
        self._alert_published_wall: float | None = None
        self._alert_topic: str | None = None
        self._rooms = [r.name for r in self.sim.plan.rooms]

    # -- plumbing -------------------------------------------------------------------------

    def subscribe(self, link: MqttLink, topic: str, handler: Callable[[str, bytes], None]) -> None:
        """Subscribe ``handler`` to run on the demo's loop, bad input counted on ``link``."""
        if self.loop is None:
            raise RuntimeError("the demo's links are made inside run()")
        link.subscribe(topic, on_loop(self.loop, handler, link.stats))

    def _relay_rssi(self, address: str, receiver: str) -> int | None:
        """What an attendee's badge hears of a gateway's relay: the simulation's mean link
        from where the badge is now (reciprocal), plus fading and 20 % loss."""
        if not receiver.startswith("rx-"):
            return None  # gateways hear each other's relays too; the demo skips that work
        gi = self._gw_index.get(address)
        if gi is None:
            return None
        rx = next((r for r in self.receivers if r.name == receiver), None)
        if rx is None:
            return None
        t = self.venue.sim_time()
        key = (rx.badge_index, int(t))
        means = self._link_cache.get(key)
        if means is None:
            means = {}
            pos = self.sim.position_at(rx.badge_index, t)
            if pos is not None:
                for link in self.sim.links(rx.badge_index, pos[0], pos[1]):
                    means[self.sim.gateways[link[0]].gw_id] = link[1]
            if len(self._link_cache) > 1000:
                self._link_cache.clear()
            self._link_cache[key] = means
        mean = means.get(self.sim.gateways[gi].gw_id)
        if mean is None or self.rng.random() < 0.2:
            return None
        rssi = round(mean + self.rng.gauss(0.0, 4.0))
        return rssi if rssi >= -95 else None

    def on_alert(self, rx: _Receiver, text: str) -> None:
        after = self.wall() - (self._alert_published_wall or self.wall())
        self.summary.deliveries.append(
            AlertDelivery(rx.badge_id, text, self.venue.sim_time(), after)
        )
        if not self.opts.ansi:
            self.out.write(
                f"[{self._clock_text()}] alert delivered to {rx.badge_id} "
                f"({after:.2f} s after publishing): {text}\n"
            )
            self.out.flush()

    def _clock_text(self, sim_t: float | None = None) -> str:
        t = START_OF_DAY + (self.venue.sim_time() if sim_t is None else sim_t)
        return f"{int(t // 3600) % 24:02d}:{int(t // 60) % 60:02d}"

    def pipeline_limit(self) -> float:
        """The simulated time the venue may not run past (see the module docstring).

        In flight: report items the gateways accepted minus those the presence service
        read. Nothing in flight, nothing to wait for: a silent venue runs on, ``lead``
        past now, as the limit only moves when the venue asks again (a loop busy with
        a long batch must not let it run unbounded meanwhile). Nothing read for
        ``STALL_S`` wall seconds with items in flight means a stuck pipeline, not a slow
        one: the venue runs on, and the summary shows the loss.
        """
        sent = sum(gw.app.stats.reports - gw.app.stats.refused for gw in self.gateways)
        taken = 0
        newest = math.inf
        for service in self.services:
            stats = service.stats
            taken += stats.items + stats.refused
            ts = -math.inf if stats.newest_ts is None else stats.newest_ts
            newest = min(newest, ts)
        now = self.wall()
        if taken != self._taken or sent <= taken:  # the stall clock runs only in flight
            self._taken, self._taken_at = taken, now
        if sent <= taken:
            return self.venue.sim_time() + self.lead
        if now - self._taken_at > STALL_S or not self.services:
            return math.inf
        if newest == -math.inf:  # the first reports are still on their way
            return self.lead
        return newest - self.epoch0 + self.lead

    # -- dashboard subscriptions ------------------------------------------------------------

    def _on_rooms(self, topic: str, payload: bytes) -> None:
        import json

        if payload:
            self.rooms_doc = json.loads(payload)

    def _on_status(self, topic: str, payload: bytes) -> None:
        self.status[topic.split("/")[-2]] = payload == b"online"

    def _on_sensor(self, topic: str, payload: bytes) -> None:
        gw = topic.split("/")[-3]
        try:
            self.sensor_temp[gw] = float(payload)
        except ValueError:
            pass

    # -- the run --------------------------------------------------------------------------

    async def run(self) -> DemoSummary:
        self.loop = asyncio.get_running_loop()
        opts = self.opts
        broker: EmbeddedBroker | None = None
        if opts.mqtt:
            self.cfg.mqtt.url, self.cfg.mqtt.protocol = opts.mqtt, opts.protocol
            self.summary.broker = opts.mqtt
        else:
            broker = await asyncio.to_thread(EmbeddedBroker(opts.broker).start)
            self.cfg.mqtt.url, self.cfg.mqtt.protocol = broker.url, broker.protocol
            self.summary.broker = f"{opts.broker} (embedded, {broker.url})"
        stop = asyncio.Event()
        tasks: list[asyncio.Task[Any]] = []
        try:
            await self._start(stop, tasks)
            await self._play(stop)
        finally:
            stop.set()
            tasks += [gw.task for gw in self.gateways if gw.task is not None]
            if tasks:  # a sensor may be inside a 2 s DHT22 read: give it time to finish
                await asyncio.wait(tasks, timeout=10)
            await self._drain()
            await self._stop_links()
            if broker is not None:
                await asyncio.to_thread(broker.stop)
            self.tmp.cleanup()
        return self.summary

    async def _start(self, stop: asyncio.Event, tasks: list[asyncio.Task[Any]]) -> None:
        cfg, opts, sim = self.cfg, self.opts, self.sim
        venue_spec = sim.venue_dict()
        for k in range(opts.shards):
            link = make_link(cfg, f"presence-{k}", info={"app": "presence", "shard": k})
            service = PresenceService(
                venue_spec,
                link,
                prefix=cfg.prefix,
                shard=k,
                shards=opts.shards,
                hold=self.hold,
                clock=self.venue.clock,
            )
            self.subscribe(link, topics.reports_filter(cfg.prefix, k), service.handle)
            if service.aggregate:
                self.subscribe(
                    link, topics.presence_shard_filter(cfg.prefix), service.handle_partial
                )
            self.services.append(service)
            self.links.append(link)
        for room in self._rooms:
            dht = SimulatedDHT22(round(ROOM_TEMP_C * 10), round(ROOM_RH * 10))
            sensor_id = f"sensor-{room}"
            link = make_link(cfg, sensor_id, info={"app": "sensor", "room": room})
            app = SensorGateway(
                sensor_id, simulated_sensor(dht), link, prefix=cfg.prefix, interval=2.0
            )
            self.sensors[room] = (dht, app)
            self.links.append(link)
        dash = make_link(cfg, "demo-dashboard")
        self.subscribe(dash, topics.presence_rooms(cfg.prefix), self._on_rooms)
        self.subscribe(dash, topics.gateway_status_filter(cfg.prefix), self._on_status)
        self.subscribe(dash, f"{cfg.prefix}/sensor/+/temperature/dht22", self._on_sensor)
        self.links.append(dash)
        self.backend = make_link(cfg, "backend", info={"app": "alert back-end"})
        self.links.append(self.backend)
        self.gateways = [_Gateway(self, g.gw_id, g.room) for g in sim.gateways]
        for link in self.links:
            link.start()
        for gw in self.gateways:
            await gw.start(stop)
        await self._setup_alerts()
        for service in self.services:
            tasks.append(asyncio.create_task(service.run(stop, 0.1, opts.refresh / 2)))
        for _dht, app in self.sensors.values():
            tasks.append(asyncio.create_task(app.run(stop), name="sensor"))
        waiting = [link for link in self.links + [g.link for g in self.gateways]]
        await asyncio.to_thread(lambda: all(link.wait_connected(10) for link in waiting))

    async def _setup_alerts(self) -> None:
        """The back-end's key (HMAC, in the temp dir) and the attendees' keyring."""
        key = SigningKey.generate(SCHEME_HMAC)
        key.save(Path(self.tmp.name) / "venue.key")
        initialise_state(key)
        self.signer = Signer(key)
        self.keyring = Keyring(key.company)
        key.add_to_keyring(self.keyring)

    async def _choose_receivers(self, sim_t: float) -> None:
        """Three attendees who are in the venue now and a minute later (one per room
        while rooms last), their badges' receivers listening from now on. Chosen when
        the alert goes out, not in advance: the venue's pace depends on the machine."""
        stays = [
            (b, room)
            for b in range(len(self.sim.badges))
            if (room := self.sim.room_at(b, sim_t)) != "none"
            and self.sim.room_at(b, sim_t + 60) != "none"
        ]
        chosen: list[int] = []
        for room in self._rooms:
            pick = next((b for b, where in stays if where == room), None)
            if pick is not None and len(chosen) < self.opts.receivers:
                chosen.append(pick)
        chosen += [b for b, _ in stays if b not in chosen][: self.opts.receivers - len(chosen)]
        self.receivers = [_Receiver(self, b, self.keyring) for b in chosen]
        self.summary.receivers = len(self.receivers)
        for rx in self.receivers:
            await rx.scanner.start(rx.on_advert)

    async def _publish_alert(self) -> None:
        import json

        sim_t = self.venue.sim_time()
        await self._choose_receivers(sim_t)
        upcoming = [s for s in self.sim.programme if s.start > sim_t]
        now = slot_at(self.sim.programme, sim_t)
        if upcoming:
            text = f"Next: {upcoming[0].title} at {self._clock_text(upcoming[0].start)}"
        else:
            text = f"Now: {now.title}" if now is not None else "Thank you for coming!"
        text = text[:60]
        frames = self.signer.sign(TYPE_ALERT, {"text": text, "ttl": 30}, now=self.venue.clock())
        doc = {"v": 1, "frames": [f.hex() for f in frames]}
        name = f"{self.signer.key_id}-{self.signer.next_counter - 1}"
        self.backend.publish(
            topics.alert(self.cfg.prefix, name), json.dumps(doc).encode(), qos=1, retain=True
        )
        self._alert_published_wall = self.wall()
        self._alert_topic = topics.alert(self.cfg.prefix, name)
        self.summary.alert_text = text
        self.summary.alert_published_sim = sim_t
        self.summary.alert_frames = len(frames)
        if not self.opts.ansi:
            self.out.write(f"[{self._clock_text()}] back-end published alert: {text}\n")

    async def _play(self, stop: asyncio.Event) -> None:
        opts = self.opts
        venue = self.venue
        venue.start_clock()  # simulated second 0 is now, not when the demo was built
        player = asyncio.create_task(venue.run(stop))
        start = self.wall()
        alert_due = opts.alert_at * opts.duration
        next_plain = 0.0
        try:
            while True:
                elapsed = self.wall() - start
                if elapsed >= opts.duration or player.done():
                    break
                await self._follow_outages()
                self._update_climate()
                if self._alert_published_wall is None and elapsed >= alert_due:
                    await self._publish_alert()
                self._score()
                if opts.ansi:
                    self.out.write(heatmap.render_ansi(self.view(elapsed)))
                    self.out.flush()
                elif elapsed >= next_plain:
                    next_plain = elapsed + opts.plain_every
                    self.out.write(heatmap.render_plain(self.view(elapsed)) + "\n")
                    self.out.flush()
                await asyncio.sleep(opts.refresh)
        finally:
            stop.set()
            await asyncio.gather(player, return_exceptions=True)
            venue.stop_clock()
        self.summary.wall_s = self.wall() - start
        self.summary.sim_s = venue.sim_time()
        self.summary.speed_asked = opts.speed
        self.summary.held_s = venue.held

    async def _follow_outages(self) -> None:
        t = self.venue.sim_time()
        for gw in self.gateways:
            up = self.sim.gateway_up(gw.gw_id, t)
            if gw.online and not up:
                self.summary.outages += 1
                await gw.down()
            elif not gw.online and up:
                await gw.up()

    def _truth_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self._rooms, 0)
        for room in self.venue.truth.values():
            if room in counts:
                counts[room] += 1
        return counts

    def _update_climate(self) -> None:
        counts = self._truth_counts()
        self.truth_history[int(self.venue.sim_time())] = counts
        areas = {r.name: r.area for r in self.sim.plan.rooms}
        for room, (dht, _app) in self.sensors.items():
            density = counts[room] / areas[room]
            dht.set(
                round((ROOM_TEMP_C + CROWD_HEAT_C * density) * 10),
                round(min(95.0, ROOM_RH + CROWD_RH * density) * 10),
            )

    def _truth_at(self, sim_t: float) -> dict[str, int] | None:
        """Truth counts at (or just before) simulated time ``sim_t``."""
        best = None
        for second in self.truth_history:
            if second <= sim_t and (best is None or second > best):
                best = second
        return None if best is None else self.truth_history[best]

    def _reference_time(self) -> float | None:
        ts = self.rooms_doc.get("ts")
        return None if ts is None else float(ts) - self.epoch0 - self.hold

    def _score(self) -> None:
        ref = self._reference_time()
        rooms = self.rooms_doc.get("rooms") or {}
        if ref is None or ref < WARM_UP or not rooms:
            return
        truth = self._truth_at(ref)
        if truth is None:
            return
        s = self.summary
        s.occupancy_samples += 1
        for room in self._rooms:
            est = float(rooms.get(room, {}).get("count", 0.0))
            s.occupancy_abs_error += abs(est - truth[room])
            s.occupancy_truth += truth[room]

    def view(self, elapsed: float) -> heatmap.DashboardView:
        """What the screen shows now."""
        opts, sim = self.opts, self.sim
        sim_t = self.venue.sim_time()
        slot = slot_at(sim.programme, sim_t)
        title = (
            f"iotedge demo  {self._clock_text()}  (x{opts.speed:g})  "
            f"{elapsed:4.0f}/{opts.duration:.0f} s  {slot.title if slot else ''}"
        )
        rooms_doc = self.rooms_doc.get("rooms") or {}
        ref = self._reference_time()
        truth = self._truth_at(ref) if ref is not None else None
        rooms = []
        for r in sim.plan.rooms:
            doc = rooms_doc.get(r.name) or {}
            sensor = self.sensor_temp.get(f"sensor-{r.name}")
            rooms.append(
                heatmap.RoomView(
                    r.name,
                    r.area,
                    (r.x0, r.y0, r.x1, r.y1),
                    est=doc.get("count"),
                    low=doc.get("low"),
                    high=doc.get("high"),
                    true=truth[r.name] if truth else None,
                    claps_per_min=doc.get("claps_per_min"),
                    badge_temp=doc.get("temperature"),
                    sensor_temp=sensor,
                )
            )
        gws = [
            heatmap.GatewayView(
                g.gw_id, g.x, g.y, self.status.get(g.gw_id), self.gateways[i].app.stats.reports
            )
            for i, g in enumerate(sim.gateways)
        ]
        radio = self.venue.stats
        reports = sum(g.app.stats.reports for g in self.gateways)
        w = max(elapsed, 1e-9)
        lines = [
            f"radio {radio.adverts / w:,.0f} adverts/s, {radio.receptions / w:,.0f} receptions/s;"
            f" reports {reports / w:,.0f}/s; presence {self.rooms_doc.get('badges', 0)} badges"
            f" in view, {sum(s.stats.items for s in self.services):,} reports taken",
        ]
        if self.summary.alert_published_sim is not None:
            got = sorted({d.receiver for d in self.summary.deliveries})
            lines.append(
                f'alert "{self.summary.alert_text}": delivered to {len(got)}/'
                f"{len(self.receivers)} badges" + (f" ({', '.join(got)})" if got else "")
            )
        return heatmap.DashboardView(title, "", rooms, gws, lines)

    async def _drain(self, timeout: float = 5.0) -> None:
        """Let what the gateways accepted reach the presence service, then publish."""
        links = [gw.link for gw in self.gateways if gw.online]
        await asyncio.to_thread(lambda: all(link.wait_idle(timeout) for link in links))
        total = sum(gw.app.stats.reports for gw in self.gateways)
        deadline = self.wall() + timeout
        while sum(s.stats.items for s in self.services) < total and self.wall() < deadline:
            await asyncio.sleep(0.05)
        for service in self.services:
            service.step()
            service.publish()
        await asyncio.sleep(0.3)  # the dashboard's copy of the final rooms

    async def _stop_links(self) -> None:
        s = self.summary
        s.adverts = self.venue.stats.adverts
        s.receptions = self.venue.stats.receptions
        for gw in self.gateways:
            s.reports += gw.app.stats.reports
            s.batches += gw.app.stats.batches
            s.malformed += sum(gw.app.stats.malformed.values())
        for service in self.services:
            s.presence_items += service.stats.items
            s.presence_duplicates += service.stats.duplicates
            s.malformed += service.stats.malformed_items
        s.malformed += sum(link.stats.malformed for link in self.links)
        s.malformed += sum(gw.link.stats.malformed for gw in self.gateways)
        s.relay_duplicates = sum(rx.reasons.get("duplicate", 0) for rx in self.receivers)
        s.sensor_readings = sum(app.stats.readings for _d, app in self.sensors.values())
        ref = self._reference_time()
        truth = self._truth_at(ref) if ref is not None else None
        rooms_doc = self.rooms_doc.get("rooms") or {}
        for room in self._rooms:
            est = rooms_doc.get(room, {}).get("count")
            s.final_rooms[room] = (est, truth[room] if truth else 0)
        if self._alert_topic is not None:  # don't leave the alert retained on a real broker
            self.backend.publish(self._alert_topic, b"", qos=1, retain=True)
        links = self.links + [gw.link for gw in self.gateways if gw.online]
        for gw in self.gateways:
            await gw.advertiser.stop()
        await asyncio.gather(
            *(_off_loop(partial(link.stop, 2.0, True), 20.0, link.gateway_id) for link in links)
        )
        for link in links:
            link.outbox.close()


async def run_demo(opts: DemoOptions, out: TextIO) -> DemoSummary:
    return await Demo(opts, out).run()
