"""A badge gateway for a Raspberry Pi: scan badges, publish pseudonymised reports over MQTT.

    pip install "iotedge[ble,mqtt]"
    python badge_gateway_pi.py --mqtt mqtt://broker.local:1883 --id gw-hall-1
    python badge_gateway_pi.py --radio virtual --id gw-01     # no Bluetooth: virtual venue

What it does, per advertisement the Pi's Bluetooth adapter hears (BlueZ through bleak,
passive scanning where BlueZ allows it): decode the badge frame (or any BTHome sensor,
or a NodeConf 2018 badge), replace the badge's identity by a keyed hash whose key
rotates daily (the key file is created in --state-dir on first start: copy it to every
gateway of the venue), and publish the reports in batches at QoS 1 through a durable
outbox, so nothing accepted is lost when the broker or the Pi restarts.

Copy this file and edit it: the marked places are where installations usually differ.
The same pipeline as ``iotedge gateway badge`` (docs/gateway.md), spelled out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal

from iotedge.gateway.badge_gateway import BadgeGateway
from iotedge.gateway.config import GatewayConfig
from iotedge.gateway.radios import Radio
from iotedge.gateway.runner import make_link, make_pseudonymiser


async def main(args: argparse.Namespace) -> None:
    # -- EDIT: where this gateway is and where it reports -----------------------------
    cfg = GatewayConfig(id=args.id, state_dir=args.state_dir)
    cfg.mqtt.url = args.mqtt
    cfg.radio.kind = args.radio  # "bleak" on a Pi, "bumble:usb:0" for a USB dongle
    cfg.radio.adapter = args.adapter  # hci0 = the Pi's built-in Bluetooth
    cfg.radio.virtual_speed = args.speed
    cfg.badge.batch_delay = 0.25  # a batch leaves after 0.25 s or 500 reports
    room = "main-hall"  # shown to dashboards in the retained info message

    radio = await Radio(cfg.radio, cfg.id).open()
    link = make_link(cfg, cfg.id, info={"app": "badge", "room": room})
    gateway = BadgeGateway(
        cfg.id,
        link,
        make_pseudonymiser(cfg, radio.clock()),  # rotating keyed hash, key in state_dir
        prefix=cfg.prefix,
        batch_delay=cfg.badge.batch_delay,
    )
    link.start()  # connects in the background and keeps reconnecting

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    if args.duration:
        loop.call_later(args.duration, stop.set)
    try:
        await gateway.run(radio.scanner(), stop)  # until Ctrl-C / SIGTERM
    finally:
        # Give the outbox a few seconds to empty; what is left goes at the next start.
        await asyncio.to_thread(link.stop, 5.0, True)
        await radio.close()
    print(json.dumps(gateway.stats_doc()), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mqtt", default="mqtt://127.0.0.1:1883", help="broker URL")
    parser.add_argument("--id", default="gw-01", help="this gateway's id")
    parser.add_argument("--radio", default="bleak", help="bleak | bumble:usb:0 | virtual")
    parser.add_argument("--adapter", default="hci0", help="BlueZ adapter (bleak)")
    parser.add_argument("--state-dir", default=".", help="outbox and pseudonym key folder")
    parser.add_argument("--speed", type=float, default=1.0, help="virtual venue time x")
    parser.add_argument("--duration", type=float, default=0, help="stop after S seconds")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    asyncio.run(main(parser.parse_args()))
