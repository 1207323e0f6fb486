"""An alert relay: signed frames from the venue's back-end, broadcast over BLE unchanged.

    pip install "iotedge[ble,mqtt]"
    python alert_relay.py --mqtt mqtt://broker.local --radio bleak      # BlueZ (Linux)
    python alert_relay.py --radio virtual --keyring keyring.txt          # try it anywhere

The back-end signs (``iotedge alert sign ...`` prints one hex frame per line) and
publishes retained, QoS 1, one topic per message::

    iotedge alert sign --key venue.key --type alert --text "Lunch is served" \\
        | mosquitto_pub -t iotedge/alerts/lunch -r -q 1 -s

The relay holds no key and never changes a byte: it checks the frames are well formed,
reads their time-to-live from the signed body and keeps them in the advertiser's
rotation until it runs out. An empty retained message on the topic cancels the alert.

With ``--radio virtual`` the frames go on bumble's virtual radio (two virtual
controllers on one in-process link) where an attendee's badge listens: it verifies
them with ``--keyring`` exactly as badge firmware does and prints each message it
accepts (once, however many times the relay repeats it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import time
from typing import Any

from iotedge.core.alert_keyring import parse_keyring
from iotedge.core.alert_receiver import AlertReceiver, MemoryStore
from iotedge.gateway import topics
from iotedge.gateway.alert_relay import AlertRelay
from iotedge.gateway.config import GatewayConfig
from iotedge.gateway.handlers import on_loop
from iotedge.gateway.radios import Radio
from iotedge.gateway.runner import make_link
from iotedge.hal.radio import Advertisement, Advertiser


async def virtual_radio(keyring_path: str | None) -> Advertiser:
    """bumble virtual controllers on one in-process link (the HCI path a USB dongle
    takes): the relay's, and an attendee's badge listening (prints what it accepts)."""
    from iotedge.adapters.bumble_radio import (
        BumbleAdvertiser,
        BumbleScanner,
        VenueLink,
        virtual_device,
    )

    link = VenueLink(rssi=lambda address, receiver: -60)  # the badge is a few metres away
    if keyring_path:
        with open(keyring_path, "rb") as f:
            receiver = AlertReceiver(parse_keyring(f.read()), MemoryStore())

        def badge_hears(adv: Advertisement) -> None:
            message = receiver.feed(adv.data, int(time.time()))
            if message is not None:
                print("badge accepted:", json.dumps(message.to_dict()), flush=True)

        badge = await virtual_device(link, "attendee-badge", "C0:00:00:00:00:01")
        await BumbleScanner(badge, "attendee-badge").start(badge_hears)
    relay = await virtual_device(link, "relay", "F0:00:00:00:00:01")
    return BumbleAdvertiser(relay, interval_ms=50, slot=0.2)


async def main(args: argparse.Namespace) -> None:
    cfg = GatewayConfig(id=args.id, state_dir=args.state_dir)
    cfg.mqtt.url = args.mqtt
    cfg.radio.kind = args.radio
    radio: Any = None
    if args.radio == "virtual":
        advertiser = await virtual_radio(args.keyring)
    else:
        radio = await Radio(cfg.radio, cfg.id).open()
        advertiser = radio.advertiser()  # BlueZ LE advertising, or a bumble dongle
    # EDIT: max_ttl bounds how long any one message stays on air.
    relay = AlertRelay(advertiser, default_ttl=600, max_ttl=3600)
    link = make_link(cfg, f"{cfg.id}-relay", info={"app": "relay"})
    loop = asyncio.get_running_loop()
    link.subscribe(topics.alerts_filter(cfg.prefix), on_loop(loop, relay.handle, link.stats))
    link.start()
    await advertiser.start()
    await asyncio.to_thread(link.wait_connected, 10)
    print("relay ready", flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    if args.duration:
        loop.call_later(args.duration, stop.set)
    try:
        await stop.wait()
    finally:
        await advertiser.stop()
        await asyncio.to_thread(link.stop)
        if radio is not None:
            await radio.close()
    print(json.dumps(relay.stats.__dict__), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mqtt", default="mqtt://127.0.0.1:1883")
    parser.add_argument("--id", default="gw-01")
    parser.add_argument("--radio", default="bleak", help="bleak | bumble:usb:0 | virtual")
    parser.add_argument("--keyring", help="virtual radio: a listening badge's keyring")
    parser.add_argument("--state-dir", default=".")
    parser.add_argument("--duration", type=float, default=0)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parser.parse_args()))
