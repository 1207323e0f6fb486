"""``iotedge demo``: a virtual venue, the real gateway apps, a live heatmap. No hardware.

    iotedge demo [--duration 75] [--speed 80] [--badges 300] [--seed 1]
                 [--mqtt URL [--protocol 5|3.1.1]] [--broker amqtt|mosquitto]
                 [--shards N] [--plain]

A conference's day (300 badges, 20 gateways, people moving between talks, breaks and
lunch) is compressed into ``--duration`` wall seconds at ``--speed`` simulated seconds
per second; badges advertise real frames on a virtual radio, the gateway apps scan,
pseudonymise and publish over MQTT (an embedded amqtt broker unless ``--mqtt``), the
presence service turns reports into room occupancy, a back-end signs an alert that the
relays broadcast to attendees' badges. On a terminal the screen is a live floor-plan
heatmap; otherwise (``--plain``, or stdout not a TTY) plain text every few seconds.
It ends by itself and prints a summary.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "demo",
        help="the whole system in a virtual venue, with a live heatmap (no hardware)",
        description=(
            "Run a virtual conference (badges, 20 gateways, people on a schedule) through "
            "the real gateway apps and an embedded MQTT broker, showing room occupancy live."
        ),
    )
    parser.add_argument("--duration", type=float, default=75.0, help="wall seconds (75)")
    parser.add_argument(
        "--speed", type=float, default=80.0, help="simulated seconds per second (80)"
    )
    parser.add_argument("--badges", type=int, default=300, help="badges in the venue (300)")
    parser.add_argument("--seed", type=int, default=1, help="simulation seed (1)")
    parser.add_argument("--mqtt", help="use this broker (mqtt://host:port) instead of amqtt")
    parser.add_argument(
        "--protocol", choices=("5", "3.1.1"), default="5", help="with --mqtt: MQTT version"
    )
    parser.add_argument(
        "--broker",
        choices=("amqtt", "mosquitto"),
        default="amqtt",
        help="embedded broker when no --mqtt: amqtt in-process (default) or mosquitto",
    )
    parser.add_argument("--shards", type=int, default=1, help="presence service shards (1)")
    parser.add_argument(
        "--schedule-scale",
        type=float,
        default=1.0,
        help="programme slot lengths x this (1 = real schedule; 0 = fit the whole day in)",
    )
    parser.add_argument("--plain", action="store_true", help="plain text, no screen drawing")
    parser.add_argument("--log-level", default="ERROR", help="log level of the apps (ERROR)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from iotedge.gateway.demo import Demo, DemoOptions

    if args.duration <= 0 or args.speed <= 0 or args.badges < 1 or args.shards < 1:
        print(
            "iotedge: error: duration, speed, badges and shards must be positive", file=sys.stderr
        )
        return 2
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper(), logging.ERROR),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ansi = sys.stdout.isatty() and not args.plain
    opts = DemoOptions(
        duration=args.duration,
        speed=args.speed,
        badges=args.badges,
        seed=args.seed,
        mqtt=args.mqtt,
        protocol=args.protocol,
        broker=args.broker,
        shards=args.shards,
        schedule_scale=args.schedule_scale,
        ansi=ansi,
        plain_every=min(10.0, max(1.0, args.duration / 6)),
    )
    try:
        summary = asyncio.run(Demo(opts, sys.stdout).run())
    except KeyboardInterrupt:
        return 130
    sys.stdout.write("\n" + summary.text())
    sys.stdout.flush()
    return 1 if summary.delivered_twice else 0
