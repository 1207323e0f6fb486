"""``iotedge gateway badge|relay|presence|sensor``: run one gateway app.

    iotedge gateway badge    --config gateway.toml [--radio bleak|bumble:usb:0|virtual] ...
    iotedge gateway relay    --config gateway.toml [--gatt]
    iotedge gateway presence --config gateway.toml --venue venue.json [--shard K --shards N]
    iotedge gateway sensor   --config gateway.toml [--sensor sim|dht22 --pin D4]

Settings come from the TOML file (docs/gateway.md); flags override it. The app runs
until SIGINT/SIGTERM or ``--duration`` seconds, stops cleanly (flush, drain the outbox,
retained ``offline``) and prints its counters as one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import signal
from typing import Any

APPS = ("badge", "relay", "presence", "sensor")

# flag dest -> config setting
_COMMON = {
    "id": "id",
    "mqtt": "mqtt.url",
    "protocol": "mqtt.protocol",
    "prefix": "prefix",
    "state_dir": "state_dir",
    "radio": "radio.kind",
    "adapter": "radio.adapter",
    "virtual_scenario": "radio.virtual_scenario",
    "virtual_seed": "radio.virtual_seed",
    "virtual_speed": "radio.virtual_speed",
    "log_level": "log_level",
}
_PER_APP = {
    "badge": {"shards": "badge.shards", "relay": "relay.enabled"},
    "relay": {"gatt": "relay.gatt"},
    "presence": {
        "venue": "presence.venue",
        "shard": "presence.shard",
        "shards": "presence.shards",
        "clock": "presence.clock",
    },
    "sensor": {
        "sensor": "sensor.kind",
        "pin": "sensor.pin",
        "interval": "sensor.interval",
        "room": "sensor.room",
    },
}


def _common_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="TOML configuration file (docs/gateway.md)")
    parser.add_argument("--id", help="app id: gateway id, e.g. gw-01 (default from config)")
    parser.add_argument("--mqtt", help="broker URL, e.g. mqtt://127.0.0.1:1883")
    parser.add_argument("--protocol", choices=("5", "3.1.1"), help="MQTT protocol version")
    parser.add_argument("--prefix", help="topic prefix (default iotedge)")
    parser.add_argument("--state-dir", help="folder of the outbox and key files")
    parser.add_argument("--radio", help="bleak | bumble:<transport> | virtual")
    parser.add_argument("--adapter", help="BlueZ adapter for --radio bleak (default hci0)")
    parser.add_argument("--virtual-scenario", help="--radio virtual: scenario (default small)")
    parser.add_argument("--virtual-seed", type=int, help="--radio virtual: seed")
    parser.add_argument("--virtual-speed", type=float, help="--radio virtual: time compression")
    parser.add_argument("--duration", type=float, default=0.0, help="stop after S seconds")
    parser.add_argument("--log-level", help="DEBUG, INFO (default), WARNING")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "gateway",
        help="run a gateway app: badge, relay, presence, sensor",
        description="Run one gateway app against an MQTT broker (docs/gateway.md).",
    )
    sub = parser.add_subparsers(dest="gateway_app", metavar="APP")
    sub.required = True

    badge = sub.add_parser("badge", help="scan badges, publish pseudonymised report batches")
    _common_flags(badge)
    badge.add_argument("--shards", type=int, help="presence shards to split reports into")
    badge.add_argument(
        "--relay", action="store_true", default=None, help="also relay alerts on this radio"
    )

    relay = sub.add_parser("relay", help="broadcast signed alert frames from the back-end")
    _common_flags(relay)
    relay.add_argument(
        "--gatt", action="store_true", default=None, help="also serve them over GATT (bless)"
    )

    presence = sub.add_parser("presence", help="reports in, room occupancy out")
    _common_flags(presence)
    presence.add_argument("--venue", help="venue JSON (docs/presence.md)")
    presence.add_argument("--shard", type=int, help="the shard this process owns (0..N-1)")
    presence.add_argument("--shards", type=int, help="number of shards N")
    presence.add_argument(
        "--clock", choices=("wall", "reports"), help="time of the estimator (default wall)"
    )

    sensor = sub.add_parser("sensor", help="a DHT22 (or simulated one) published over MQTT")
    _common_flags(sensor)
    sensor.add_argument("--sensor", choices=("sim", "dht22"), help="sensor backend")
    sensor.add_argument("--pin", help="board pin of the DHT22 (adafruit-blinka name, e.g. D4)")
    sensor.add_argument("--interval", type=float, help="seconds between readings (>= 2)")
    sensor.add_argument("--room", help="room the sensor is in (published in its info)")

    for app, p in (("badge", badge), ("relay", relay), ("presence", presence), ("sensor", sensor)):
        p.set_defaults(func=_run, app=app)


def config_from_args(args: argparse.Namespace) -> Any:
    """The configuration file with the flags applied on top (ConfigError if invalid)."""
    from iotedge.gateway.config import load_config, override, validate

    cfg = load_config(args.config)
    for dest, setting in {**_COMMON, **_PER_APP[args.app]}.items():
        override(cfg, setting, getattr(args, dest, None))
    validate(cfg)
    return cfg


async def _main(args: argparse.Namespace, cfg: Any) -> dict[str, Any]:
    from iotedge.gateway import runner

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    if args.duration > 0:
        loop.call_later(args.duration, stop.set)
    app: Any
    if args.app == "badge":
        app = await runner.run_badge(cfg, stop)
    elif args.app == "relay":
        app = await runner.run_relay(cfg, stop)
    elif args.app == "presence":
        app = await runner.run_presence(cfg, stop)
    else:
        app = await runner.run_sensor(cfg, stop)
    app_id = {"relay": f"{cfg.id}-relay", "presence": f"presence-{cfg.presence.shard}"}
    return {"app": args.app, "id": app_id.get(args.app, cfg.id), **dataclasses.asdict(app.stats)}


def _run(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    logging.basicConfig(
        level=getattr(logging, cfg.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    stats = asyncio.run(_main(args, cfg))
    print(json.dumps(stats, sort_keys=True), flush=True)
    return 0
