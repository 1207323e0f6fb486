"""``iotedge bridge serial``: a tethered board's serial readings, published to MQTT.

    iotedge bridge serial --port /dev/ttyACM0 --mqtt mqtt://127.0.0.1:1883 \\
        [--baud 115200] [--prefix pico] [--format text|json] [--duration S]

Reads the iotedge serial line protocol (written by micropython/apps/serial_node.py),
rejects corrupt frames, reports gaps, and publishes with the Wi-Fi node's topic
schema (docs/sensor-node.md). Runs until Ctrl-C or ``--duration`` seconds, then
prints its counters as JSON.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import threading
import time


def _serial(args: argparse.Namespace) -> int:
    from iotedge.gateway.serial_bridge import PahoPublisher, SerialBridge, open_serial

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    publisher = PahoPublisher(args.mqtt, f"{args.prefix}/bridge/status")
    bridge = SerialBridge(publisher, topic_prefix=args.prefix, fmt=args.format)
    link = open_serial(args.port, args.baud)
    stop = threading.Event()
    worker = threading.Thread(target=bridge.run, args=(link, stop), daemon=True)
    worker.start()
    try:
        if args.duration:
            time.sleep(args.duration)
        else:
            while worker.is_alive():
                worker.join(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        worker.join(5)
        link.close()
        publisher.close()
    print(json.dumps(dataclasses.asdict(bridge.stats)))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("bridge", help="bridge tethered sensor boards to MQTT")
    sub = parser.add_subparsers(dest="bridge_command", metavar="KIND")
    sub.required = True
    serial = sub.add_parser("serial", help="read the serial line protocol, publish to MQTT")
    serial.add_argument("--port", required=True, help="serial device, e.g. /dev/ttyACM0")
    serial.add_argument("--mqtt", required=True, help="broker URL, e.g. mqtt://127.0.0.1:1883")
    serial.add_argument("--baud", type=int, default=115200)
    serial.add_argument("--prefix", default="pico", help="topic prefix (default pico)")
    serial.add_argument("--format", choices=("text", "json"), default="text")
    serial.add_argument("--duration", type=float, default=0, help="stop after S seconds")
    serial.set_defaults(func=_serial)
