"""Wiring the apps from a :class:`~iotedge.gateway.config.GatewayConfig`: link, radio, app.

``iotedge gateway badge|relay|presence|sensor`` call these; so can your own program::

    cfg = load_config("gateway.toml")
    stop = asyncio.Event()
    await run_badge(cfg, stop)          # until stop is set (SIGINT/SIGTERM in the CLI)

Each runner opens one :class:`~iotedge.adapters.mqtt.MqttLink` (client id
``iotedge-<app id>``, outbox ``<state_dir>/outbox-<app id>.sqlite``, retained
status and last will), runs its app until ``stop``, then stops cleanly: flushes its
batches, waits up to ``drain`` seconds for the outbox to empty (what is left is sent
by the next start) and publishes ``offline``.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from iotedge.adapters.mqtt import MqttLink, MqttSettings
from iotedge.adapters.outbox import Outbox
from iotedge.gateway import topics
from iotedge.gateway.alert_relay import AlertRelay
from iotedge.gateway.badge_gateway import BadgeGateway
from iotedge.gateway.config import GatewayConfig
from iotedge.gateway.handlers import on_loop
from iotedge.gateway.presence_service import PresenceService, ReportClock
from iotedge.gateway.pseudonym import Pseudonymiser, PseudonymKey
from iotedge.gateway.radios import Radio
from iotedge.gateway.sensor_entities import SensorEntities
from iotedge.gateway.sensor_gateway import SensorGateway
from iotedge.hal.sensor import TemperatureHumiditySensor

log = logging.getLogger(__name__)


def make_link(cfg: GatewayConfig, app_id: str, info: dict[str, Any] | None = None) -> MqttLink:
    """The durable MQTT link of one app."""
    m = cfg.mqtt
    settings = MqttSettings.from_url(
        m.url,
        protocol=m.protocol,
        keepalive=m.keepalive,
        client_id=m.client_id,
        redeliver_window=m.redeliver_window,
    )
    Path(cfg.state_dir).mkdir(parents=True, exist_ok=True)
    path = cfg.state_path(f"outbox-{app_id}.sqlite")
    outbox = Outbox(path, sync="full") if m.outbox_sync == "full" else Outbox(path, sync="normal")
    return MqttLink(settings, app_id, outbox, prefix=cfg.prefix, info=info)


def make_pseudonymiser(cfg: GatewayConfig, now: float) -> Pseudonymiser:
    b = cfg.badge
    key = PseudonymKey.open(
        cfg.state_path(b.key_file), now, b.rotation_hours * 3600, b.rotation_offset_hours * 3600
    )
    return Pseudonymiser(key)


def _bthome_keys(cfg: GatewayConfig) -> dict[str, bytes]:
    return {a.upper(): bytes.fromhex(k) for a, k in cfg.badge.bthome_keys.items()}


def add_relay(
    cfg: GatewayConfig, link: MqttLink, radio: Radio, loop: asyncio.AbstractEventLoop
) -> AlertRelay:
    """An alert relay on ``radio``'s advertiser, subscribed through ``link``."""
    r = cfg.relay
    relay = AlertRelay(radio.advertiser(), r.default_ttl, r.max_ttl, r.company, clock=radio.clock)
    link.subscribe(topics.alerts_filter(cfg.prefix), on_loop(loop, relay.handle, link.stats))
    return relay


async def _serve_gatt(cfg: GatewayConfig, relay: AlertRelay, link: MqttLink) -> Any:
    from iotedge.adapters.bless_gatt import GatewayGattService

    service = GatewayGattService(
        cfg.id,
        alerts=relay.current_frames,
        status=lambda: {"mqtt": "online" if link.connected.is_set() else "offline"},
    )
    await service.start(cfg.radio.adapter if cfg.radio.kind == "bleak" else None)
    return service


async def _stop_link(link: MqttLink, drain: float) -> None:
    await asyncio.to_thread(link.stop, drain, drain > 0)


async def run_badge(
    cfg: GatewayConfig, stop: asyncio.Event, radio: Radio | None = None, drain: float = 5.0
) -> BadgeGateway:
    """The badge gateway (plus the alert relay when ``[relay] enabled``) until ``stop``."""
    radio = radio or await Radio(cfg.radio, cfg.id).open()
    link = make_link(cfg, cfg.id, info={"app": "badge", "shards": cfg.badge.shards})
    relay = add_relay(cfg, link, radio, asyncio.get_running_loop()) if cfg.relay.enabled else None
    b = cfg.badge
    gateway = BadgeGateway(
        cfg.id,
        link,
        make_pseudonymiser(cfg, radio.clock()),
        prefix=cfg.prefix,
        shards=b.shards,
        batch_items=b.batch_items,
        batch_delay=b.batch_delay,
        bthome_keys=_bthome_keys(cfg),
    )
    link.start()
    gatt = None
    try:
        if relay is not None:
            await relay.advertiser.start()
            if cfg.relay.gatt:
                gatt = await _serve_gatt(cfg, relay, link)
        await gateway.run(radio.scanner(), stop)
    finally:
        if gatt is not None:
            await gatt.stop()
        if relay is not None:
            await relay.advertiser.stop()
        await _stop_link(link, drain)
        await radio.close()
    return gateway


async def run_relay(
    cfg: GatewayConfig, stop: asyncio.Event, radio: Radio | None = None, drain: float = 5.0
) -> AlertRelay:
    """The alert relay alone (its link id is ``<id>-relay``) until ``stop``."""
    radio = radio or await Radio(cfg.radio, cfg.id).open()
    link = make_link(cfg, f"{cfg.id}-relay", info={"app": "relay"})
    relay = add_relay(cfg, link, radio, asyncio.get_running_loop())
    link.start()
    gatt = None
    try:
        await relay.advertiser.start()
        if cfg.relay.gatt:
            gatt = await _serve_gatt(cfg, relay, link)
        await stop.wait()
    finally:
        if gatt is not None:
            await gatt.stop()
        await relay.advertiser.stop()
        await _stop_link(link, drain)
        await radio.close()
    return relay


def make_presence(
    cfg: GatewayConfig, link: MqttLink, loop: asyncio.AbstractEventLoop, clock: Any = None
) -> PresenceService:
    """A presence service subscribed through ``link`` (reports of its shard, and the
    other shards' sums when it aggregates), with Home Assistant discovery for the rooms
    (the aggregating shard) and for the BTHome sensors in its shard."""
    from iotedge.adapters.ha_discovery import DiscoveryPublisher, room_occupancy
    from iotedge.presence.io import load_venue

    p = cfg.presence
    if not p.venue:
        raise ValueError("the presence service needs a venue: [presence] venue or --venue")
    aggregate = None if p.aggregate == "auto" else p.aggregate == "yes"
    if clock is None and p.clock == "reports":
        clock = ReportClock()
    kwargs: dict[str, Any] = {} if clock is None else {"clock": clock}
    publisher = None
    if p.discovery:
        publisher = DiscoveryPublisher(lambda t, b: link.publish_direct(t, b, 1, True))
    sensors = SensorEntities(link, publisher, cfg.prefix) if p.bthome_entities else None
    service = PresenceService(
        load_venue(p.venue),
        link,
        prefix=cfg.prefix,
        shard=p.shard,
        shards=p.shards,
        aggregate=aggregate,
        hold=p.hold,
        forget_after=p.forget_after,
        estimator_settings=dict(p.estimator),
        sensors=sensors,
        **kwargs,
    )
    link.subscribe(
        topics.reports_filter(cfg.prefix, p.shard), on_loop(loop, service.handle, link.stats)
    )
    if service.aggregate:
        link.subscribe(
            topics.presence_shard_filter(cfg.prefix),
            on_loop(loop, service.handle_partial, link.stats),
        )
        if publisher is not None:
            for room in service.venue.rooms:
                publisher.ensure(
                    room_occupancy(
                        topics.room_slug(room),
                        room,
                        topics.presence_room(cfg.prefix, room),
                        availability_topic=link.status_topic,
                    )
                )
    if publisher is not None:
        ha = publisher

        def republish(_link: MqttLink) -> None:
            ha.republish()

        link.add_connect_hook(republish)
        link.subscribe("homeassistant/status", ha.on_ha_status)
    return service


async def run_presence(
    cfg: GatewayConfig, stop: asyncio.Event, drain: float = 5.0
) -> PresenceService:
    """One presence shard (link id ``presence-<shard>``) until ``stop``."""
    p = cfg.presence
    link = make_link(cfg, f"presence-{p.shard}", info={"app": "presence", "shard": p.shard})
    service = make_presence(cfg, link, asyncio.get_running_loop())
    link.start()
    try:
        await service.run(stop, p.tick, p.publish_interval)
    finally:
        await _stop_link(link, drain)
    return service


def open_sensor(cfg: GatewayConfig) -> TemperatureHumiditySensor:
    s = cfg.sensor
    if s.kind == "dht22":
        from iotedge.adapters.dht_blinka import BlinkaDHT22

        return BlinkaDHT22(s.pin)
    from iotedge.hal.sim_dht22 import SimulatedDHT22, simulated_sensor

    return simulated_sensor(
        SimulatedDHT22(round(s.sim_temperature * 10), round(s.sim_humidity * 10))
    )


async def run_sensor(
    cfg: GatewayConfig,
    stop: asyncio.Event,
    sensor: TemperatureHumiditySensor | None = None,
    drain: float = 5.0,
) -> SensorGateway:
    """The sensor gateway until ``stop``."""
    s = cfg.sensor
    link = make_link(cfg, cfg.id, info={"app": "sensor", "room": s.room, "sensor": s.name})
    gateway = SensorGateway(
        cfg.id,
        sensor or open_sensor(cfg),
        link,
        prefix=cfg.prefix,
        base=s.topic_prefix,
        name=s.name,
        interval=s.interval,
        formats=s.formats,
    )
    link.start()
    try:
        await gateway.run(stop)
    finally:
        await _stop_link(link, drain)
    return gateway
