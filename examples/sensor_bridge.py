"""A DHT22 on a Raspberry Pi, published over MQTT (or a simulated one, to try it anywhere).

    pip install "iotedge[mqtt,dht]"          # adafruit-circuitpython-dht + blinka
    python sensor_bridge.py --mqtt mqtt://broker.local --pin D4 --room foyer
    python sensor_bridge.py --sensor sim      # no sensor: a simulated DHT22

Every --interval seconds (at least 2: the DHT22's own limit) it takes a reading through
the read policy (first read after power-up discarded, retries with backoff), in a worker
thread because a DHT22 read blocks, and publishes it durably (outbox, QoS 1):

    iotedge/sensor/<id>/readings           one-item report batch (src, seq: de-duplicable)
    iotedge/sensor/<id>/temperature/dht22  21.5   (the sensor node's text topics)
    iotedge/sensor/<id>/humidity/dht22     45.6

Wire DATA to GPIO4 (board pin 7) with a 10 kOhm pull-up to 3.3 V (docs/dht22.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal

from iotedge.gateway.config import GatewayConfig
from iotedge.gateway.runner import make_link
from iotedge.gateway.sensor_gateway import SensorGateway
from iotedge.hal.sensor import TemperatureHumiditySensor


def open_sensor(kind: str, pin: str) -> TemperatureHumiditySensor:
    if kind == "dht22":
        from iotedge.adapters.dht_blinka import BlinkaDHT22  # adafruit_dht on the Pi's GPIO

        return BlinkaDHT22(pin)
    from iotedge.hal.sim_dht22 import SimulatedDHT22, simulated_sensor

    return simulated_sensor(SimulatedDHT22(temperature_tenths=215, humidity_tenths=456))


async def main(args: argparse.Namespace) -> None:
    cfg = GatewayConfig(id=args.id, state_dir=args.state_dir)
    cfg.mqtt.url = args.mqtt
    link = make_link(cfg, cfg.id, info={"app": "sensor", "room": args.room})
    sensor = open_sensor(args.sensor, args.pin)
    # EDIT: formats=("text",) with base="pico" publishes exactly the Pico W node's topics.
    gateway = SensorGateway(cfg.id, sensor, link, interval=args.interval, formats=("batch", "text"))
    link.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    if args.duration:
        loop.call_later(args.duration, stop.set)
    try:
        await gateway.run(stop)
    finally:
        await asyncio.to_thread(link.stop, 5.0, True)
    print(json.dumps({"readings": gateway.stats.readings, "errors": gateway.stats.errors}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mqtt", default="mqtt://127.0.0.1:1883")
    parser.add_argument("--id", default="sensor-1")
    parser.add_argument("--sensor", choices=("dht22", "sim"), default="dht22")
    parser.add_argument("--pin", default="D4", help="board pin name (adafruit-blinka)")
    parser.add_argument("--room", default="")
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--state-dir", default=".")
    parser.add_argument("--duration", type=float, default=0)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parser.parse_args()))
