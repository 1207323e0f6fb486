"""The presence service: gateway reports in, room per badge and occupancy per room out.

    pip install "iotedge[mqtt]"
    python presence_service.py --mqtt mqtt://broker.local --venue venue.json
    python presence_service.py --venue venue.json --shard 1 --shards 3   # one of three

The venue file names the rooms, which rooms are next to each other and where each
gateway is (docs/presence.md); ``iotedge presence simulate`` writes one for the virtual
venue. The service subscribes to the report batches of its shard, runs the HMM
estimator a few seconds behind the clock (reports still in flight get in first), and
publishes retained: each badge's room, this shard's per-room sums and (shard 0) the
occupancy of every room, which it also prints.

``--clock reports`` runs the estimator on the gateways' timestamps instead of this
machine's clock (use it when the two clocks may disagree, or to replay a recording).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal

from iotedge.gateway import topics
from iotedge.gateway.config import GatewayConfig
from iotedge.gateway.handlers import on_loop
from iotedge.gateway.presence_service import PresenceService, ReportClock
from iotedge.gateway.runner import make_link
from iotedge.presence.io import load_venue


def show(service: PresenceService) -> None:
    """EDIT: feed your dashboard here. Prints one line of room counts."""
    rooms = service.totals
    if rooms:
        print(" ".join(f"{room}={doc['count']:.1f}" for room, doc in rooms.items()), flush=True)


async def main(args: argparse.Namespace) -> None:
    cfg = GatewayConfig(state_dir=args.state_dir)
    cfg.mqtt.url = args.mqtt
    link = make_link(cfg, f"presence-{args.shard}", info={"app": "presence"})
    service = PresenceService(
        load_venue(args.venue),
        link,
        shard=args.shard,
        shards=args.shards,
        hold=args.hold,  # seconds the estimator stays behind the clock
        **({"clock": ReportClock()} if args.clock == "reports" else {}),
    )
    loop = asyncio.get_running_loop()
    link.subscribe(
        topics.reports_filter(cfg.prefix, args.shard), on_loop(loop, service.handle, link.stats)
    )
    if service.aggregate:  # shard 0 sums every shard's partial occupancy
        link.subscribe(
            topics.presence_shard_filter(cfg.prefix),
            on_loop(loop, service.handle_partial, link.stats),
        )
    link.start()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    if args.duration:
        loop.call_later(args.duration, stop.set)
    while not stop.is_set():
        await asyncio.sleep(args.interval)
        service.step()
        service.publish()
        show(service)
    await asyncio.to_thread(link.stop, 5.0, True)
    print(json.dumps(service.stats.__dict__), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mqtt", default="mqtt://127.0.0.1:1883")
    parser.add_argument("--venue", required=True, help="venue JSON")
    parser.add_argument("--shard", type=int, default=0)
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--hold", type=float, default=3.0)
    parser.add_argument("--clock", choices=("wall", "reports"), default="wall")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between updates")
    parser.add_argument("--state-dir", default=".")
    parser.add_argument("--duration", type=float, default=0)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parser.parse_args()))
