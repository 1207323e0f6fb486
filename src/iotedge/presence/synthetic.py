"""A tiny synthetic venue for tests and examples: rooms in a row, one gateway each.

Not the virtual venue (``iotedge.sim``): no people, walls or crowds, just
log-distance path loss, a wall loss per room crossed, per-advert fading, packet
loss and a receiver floor, with badges that move on a fixed plan. Small enough
to generate in milliseconds, with known answers.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

ROOM_WIDTH = 12.0


@dataclass
class Synthetic:
    venue: dict[str, object]
    reports: list[tuple[float, str, str, int]] = field(default_factory=list)
    truth: list[tuple[int, str, str]] = field(default_factory=list)


def generate(
    seed: int = 1,
    n_rooms: int = 3,
    badges: int = 6,
    duration: int = 1800,
    period: float = 60.0,
    burst_adverts: int = 9,
    advert_interval: float = 0.32,
    fading_db: float = 4.0,
    loss: float = 0.2,
    wall_db: float = 8.0,
    move_every: float = 600.0,
    gateway_offsets: dict[str, float] | None = None,
) -> Synthetic:
    """Badges hop to a random neighbouring room every ``move_every`` seconds
    (badge i starts in room i mod n); each bursts ``burst_adverts`` adverts
    every ``period`` seconds with a random phase."""
    rng = random.Random(seed)
    rooms = [f"r{i}" for i in range(n_rooms)]
    gateways = {
        f"gw-{i}": {"room": rooms[i], "x": ROOM_WIDTH * i + ROOM_WIDTH / 2, "y": 5.0, "z": 2.5}
        for i in range(n_rooms)
    }
    venue: dict[str, object] = {
        "rooms": rooms,
        "adjacent": [[rooms[i], rooms[i + 1]] for i in range(n_rooms - 1)],
        "gateways": gateways,
    }
    offsets = gateway_offsets or {}
    out = Synthetic(venue)
    for b in range(badges):
        name = f"badge-{b}"
        tx = rng.uniform(-65.0, -59.0)
        phase = rng.uniform(0.0, period)
        room = b % n_rooms
        pos_x = ROOM_WIDTH * room + rng.uniform(1.0, ROOM_WIDTH - 1.0)
        pos_y = rng.uniform(1.0, 9.0)
        next_move = move_every + rng.uniform(0.0, 60.0)
        plan: list[tuple[float, int, float, float]] = [(0.0, room, pos_x, pos_y)]
        while next_move < duration:
            step = rng.choice([-1, 1])
            room = min(max(room + step, 0), n_rooms - 1)
            pos_x = ROOM_WIDTH * room + rng.uniform(1.0, ROOM_WIDTH - 1.0)
            pos_y = rng.uniform(1.0, 9.0)
            plan.append((next_move, room, pos_x, pos_y))
            next_move += move_every + rng.uniform(0.0, 60.0)
        for second in range(duration):
            current = [p for p in plan if p[0] <= second][-1]
            out.truth.append((second, name, rooms[current[1]]))
        start = phase
        while start < duration:
            current = [p for p in plan if p[0] <= start][-1]
            for k in range(burst_adverts):
                ts = round(start + k * advert_interval, 3)
                for gid, info in gateways.items():
                    if rng.random() < loss:
                        continue
                    g_room = rooms.index(str(info["room"]))
                    dx = float(info["x"]) - current[2]  # type: ignore[arg-type]
                    dy = float(info["y"]) - current[3]  # type: ignore[arg-type]
                    d = max(math.sqrt(dx * dx + dy * dy + 1.44), 1.0)
                    rssi = tx - 21.0 * math.log10(d) - wall_db * abs(g_room - current[1])
                    rssi += offsets.get(gid, 0.0) + rng.gauss(0.0, fading_db)
                    if rssi >= -98.0:
                        out.reports.append((ts, gid, name, round(rssi)))
            start += period
    out.reports.sort(key=lambda r: r[0])
    return out
