"""Presence estimator cost: 300 badges x 20 gateways (a Pi's job) and 10,000 x 200.

    python bench/bench_presence.py [--quick] [--json FILE]

A synthetic venue (a grid of rooms, two gateways each, doors to the four
neighbours) and a synthetic report stream: every badge bursts 9 adverts every
60 s, each heard by the ~6 nearest gateways with fading and loss; 5 % of badges
change room each minute. A third case streams the 300 badges at 1 Hz instead
(the continuous mode: the estimator cuts each stream into 5 s windows), with the
same rate of room changes. Reports are generated before the clock starts.

For each size it feeds the stream through ``update``/``advance`` (advance every
5 s of report time, as the presence service does) and prints:

- reports per second and microseconds per report, for our estimator and, in
  the same run, the strongest-gateway baseline (the anchor: what people run
  today; the ratio is machine-independent);
- CPU per simulated second ("real-time load": 0.01 = 1 % of a core);
- memory held by the estimator per badge (resident set growth / badges).

The 10,000 x 200 case runs as two processes, each owning half the badges (the
sharding of the gateway's presence service), to show it fits a 2-core machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from iotedge.core.presence_baselines import StrongestGateway
from iotedge.core.presence_estimator import PresenceEstimator
from iotedge.core.presence_venue import Venue

ROOM_M = 12.0


def grid_venue(gateways: int) -> dict[str, object]:
    rooms_n = max(1, gateways // 2)
    side = math.ceil(math.sqrt(rooms_n))
    rooms = [f"r{i}" for i in range(rooms_n)]
    adjacent = []
    for i in range(rooms_n):
        x, y = i % side, i // side
        if x + 1 < side and i + 1 < rooms_n:
            adjacent.append([rooms[i], rooms[i + 1]])
        if i + side < rooms_n:
            adjacent.append([rooms[i], rooms[i + side]])
    gws = {}
    for g in range(gateways):
        r = g % rooms_n
        x, y = r % side, r // side
        off = 3.0 if g < rooms_n else -3.0
        gws[f"gw-{g}"] = {
            "room": rooms[r],
            "x": ROOM_M * x + ROOM_M / 2 + off,
            "y": ROOM_M * y + ROOM_M / 2,
            "z": 2.5,
        }
    return {"rooms": rooms, "adjacent": adjacent, "gateways": gws}


def make_stream(
    venue: dict[str, object], badges: range, seconds: int, seed: int, streaming: bool = False
) -> list[tuple[float, str, str, int]]:
    """Reports of the given badges, time-ordered: bursts of 9 adverts a minute,
    or one advert a second when ``streaming``."""
    rng = random.Random(seed)
    gws = venue["gateways"]
    assert isinstance(gws, dict)
    pos = [(g, info["x"], info["y"]) for g, info in gws.items()]
    side = max(info["x"] for info in gws.values()) + ROOM_M
    out = []
    for b in badges:
        name = f"badge-{b}"
        x, y = rng.uniform(0, side), rng.uniform(0, side)
        every, adverts, moves = (1.0, 1, 0.05 / 60) if streaming else (60.0, 9, 0.05)
        t = rng.uniform(0, every)
        tx = rng.uniform(-65, -59)
        while t < seconds:
            if rng.random() < moves:
                x, y = rng.uniform(0, side), rng.uniform(0, side)
            near = sorted(pos, key=lambda p: (p[1] - x) ** 2 + (p[2] - y) ** 2)[:6]
            for k in range(adverts):
                ts = round(t + 0.32 * k, 3)
                for g, gx, gy in near:
                    if rng.random() < 0.25:
                        continue
                    d = max(1.0, math.hypot(gx - x, gy - y))
                    rssi = tx - 21 * math.log10(d) + rng.gauss(0, 5)
                    if rssi > -100:
                        out.append((ts, g, name, round(rssi)))
            t += every
    out.sort()
    return out


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def feed(est: object, stream: list[tuple[float, str, str, int]]) -> float:
    update = est.update  # type: ignore[attr-defined]
    advance = est.advance  # type: ignore[attr-defined]
    next_step = 5.0
    started = time.process_time()
    for ts, g, b, rssi in stream:
        if ts >= next_step:
            advance(ts)
            next_step = ts + 5.0
        update(ts, g, b, rssi)
    advance(stream[-1][0] + 5.0)
    return time.process_time() - started


def run_case(args: tuple[int, int, int, int, int, str, bool]) -> dict[str, float]:
    """One worker: a shard of badges through one method."""
    gateways, badges_total, shard, shards, seconds, method, streaming = args
    venue_spec = grid_venue(gateways)
    mine = range(shard, badges_total, shards)
    stream = make_stream(venue_spec, mine, seconds, seed=shard, streaming=streaming)
    venue = Venue(venue_spec)
    gc.collect()
    before = rss_bytes()
    est: object = PresenceEstimator(venue) if method == "hmm" else StrongestGateway(venue)
    cpu = feed(est, stream)
    gc.collect()
    held = rss_bytes() - before
    return {"reports": len(stream), "cpu": cpu, "held": held, "badges": len(mine)}


def measure(
    gateways: int, badges: int, seconds: int, method: str, shards: int, streaming: bool
) -> dict[str, object]:
    jobs = [(gateways, badges, s, shards, seconds, method, streaming) for s in range(shards)]
    wall0 = time.perf_counter()
    if shards == 1:
        results = [run_case(jobs[0])]
    else:
        with multiprocessing.get_context("fork").Pool(shards) as pool:
            results = pool.map(run_case, jobs)
    wall = time.perf_counter() - wall0
    reports = sum(r["reports"] for r in results)
    cpu = sum(r["cpu"] for r in results)
    slowest = max(r["cpu"] for r in results)
    held = sum(r["held"] for r in results)
    return {
        "method": method,
        "adverts": "1 Hz" if streaming else "9 / min",
        "badges": badges,
        "gateways": gateways,
        "shards": shards,
        "seconds": seconds,
        "reports": reports,
        "us_per_report": 1e6 * cpu / reports,
        "reports_per_s_per_core": reports / cpu,
        "load_per_core": slowest / seconds,  # busiest core's CPU per simulated second
        "bytes_per_badge": held / badges,
        "wall_s": wall,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    if args.quick:
        cases = [(20, 300, 120, 1, False), (200, 1000, 60, 2, False), (20, 300, 30, 1, True)]
    else:
        cases = [(20, 300, 600, 1, False), (200, 10_000, 180, 2, False), (20, 300, 120, 1, True)]
    rows = []
    for gateways, badges, seconds, shards, streaming in cases:
        ours = measure(gateways, badges, seconds, "hmm", shards, streaming)
        anchor = measure(gateways, badges, seconds, "strongest", shards, streaming)
        ours["cost_vs_strongest"] = cast(float, ours["us_per_report"]) / cast(
            float, anchor["us_per_report"]
        )
        rows += [ours, anchor]
    print(
        "| method | adverts | badges x gateways | cores | simulated s | reports | us/report "
        "| reports/s/core | load per core | bytes/badge | cost vs strongest |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ratio = r.get("cost_vs_strongest")
        print(
            f"| {r['method']} | {r['adverts']} | {r['badges']} x {r['gateways']} | {r['shards']} "
            f"| {r['seconds']} | {r['reports']} | {r['us_per_report']:.2f} "
            f"| {r['reports_per_s_per_core']:.0f} | {r['load_per_core']:.4f} "
            f"| {r['bytes_per_badge']:.0f} | {'' if ratio is None else f'{ratio:.2f}x'} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
