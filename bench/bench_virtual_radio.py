"""Which virtual radio can carry the demo: bumble's virtual controllers or the in-memory air.

    python bench/bench_virtual_radio.py [--quick] [--json FILE]

The same load on both, in one run: badges transmit badge adverts, 20 gateways scan, and
each advert is heard by 4 of them (the conference scenario averages ~4.3 receptions per
advert) with per-link RSSI. Measured: receptions per second delivered to the scanners'
callbacks and CPU microseconds per reception.

* bumble: ``VenueLink`` + ``VenueController`` (iotedge.adapters.bumble_radio), one bumble
  ``Device`` per gateway and per badge, ``BumbleScanner`` on each gateway; each advert
  is one advertising PDU sent through the link by the badge's controller, reported as
  an HCI LE Advertising Report and parsed by the gateway's bumble host.
* air: ``SimAir`` + ``SimScanner`` (iotedge.hal.sim_radio), what ``iotedge demo`` uses.

The ratio is what decides: the demo's default run needs ~14,000 receptions per second
(300 badges, 20 gateways, 80x).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bumble import hci, ll

from iotedge.adapters.bumble_radio import BumbleScanner, VenueLink, virtual_device
from iotedge.core import badge
from iotedge.hal.radio import Advertisement
from iotedge.hal.sim_radio import SimAir, SimScanner

GATEWAYS = 20
HEARD = 4


def _heard(rng: random.Random) -> dict[str, int]:
    return {f"gw-{g:02d}": -55 - rng.randrange(40) for g in rng.sample(range(GATEWAYS), HEARD)}


async def bench_bumble(adverts: int, badges: int) -> dict[str, float]:
    current: dict[str, int] = {}
    link = VenueLink(lambda address, receiver: current.get(receiver))
    got = [0]

    def count(adv: Advertisement) -> None:
        got[0] += 1

    for g in range(GATEWAYS):
        device = await virtual_device(link, f"gw-{g:02d}", f"F0:00:00:00:00:{g + 1:02X}")
        await BumbleScanner(device, f"gw-{g:02d}").start(count)
    addresses = [f"C0:00:00:00:{b // 256:02X}:{b % 256:02X}" for b in range(badges)]
    for b, address in enumerate(addresses):
        await virtual_device(link, f"badge-{b}", address)
    controllers = {c.name: c for c in link.controllers}
    rng = random.Random(1)
    data = badge.encode(1, 1, 80, 2100, 5)
    t0, c0 = time.perf_counter(), time.process_time()
    for k in range(adverts):
        b = k % badges
        current.clear()
        current.update(_heard(rng))
        pdu = ll.AdvInd(advertiser_address=hci.Address(addresses[b]), data=data)
        controllers[f"badge-{b}"].send_advertising_pdu(pdu)
        if k % 50 == 49:
            await asyncio.sleep(0)  # let the link deliver (it schedules with call_soon)
    while got[0] < adverts * HEARD and time.perf_counter() - t0 < 120:
        await asyncio.sleep(0.001)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"receptions": got[0], "per_s": got[0] / wall, "cpu_us": cpu / got[0] * 1e6}


async def bench_air(adverts: int) -> dict[str, float]:
    current: dict[str, int] = {}
    air = SimAir(lambda address, receiver: current.get(receiver))
    got = [0]

    def count(adv: Advertisement) -> None:
        got[0] += 1

    for g in range(GATEWAYS):
        await SimScanner(air, f"gw-{g:02d}").start(count)
    rng = random.Random(1)
    data = badge.encode(1, 1, 80, 2100, 5)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(adverts):
        current.clear()
        current.update(_heard(rng))
        air.transmit("C0:00:00:00:00:01", data)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"receptions": got[0], "per_s": got[0] / wall, "cpu_us": cpu / got[0] * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    n_bumble, n_air, badges = (300, 3000, 30) if args.quick else (3000, 30000, 300)
    bumble = asyncio.run(bench_bumble(n_bumble, badges))
    air = asyncio.run(bench_air(n_air))
    ratio = air["per_s"] / bumble["per_s"]
    print(f"{'radio':<8} {'receptions':>10} {'per second':>11} {'CPU us each':>12}")
    for name, r in (("bumble", bumble), ("air", air)):
        print(f"{name:<8} {r['receptions']:>10,.0f} {r['per_s']:>11,.0f} {r['cpu_us']:>12.1f}")
    print(f"air / bumble throughput: x{ratio:.0f}")
    print(f"bumble at the demo's load (14,000 receptions/s): {14000 / bumble['per_s']:.1f} cores")
    if args.json:
        Path(args.json).write_text(json.dumps({"bumble": bumble, "air": air, "ratio": ratio}))


if __name__ == "__main__":
    main()
