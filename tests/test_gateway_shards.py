"""Sharded presence: three ``iotedge gateway presence`` processes side by side on mosquitto.

Twenty badge gateways (in this process, on the virtual venue at 75x) publish every
report to the shard that owns its badge (``shard_of(pseudonym, 3)``); three presence
processes, each subscribed to its own shard only, run the estimator on their badges;
shard 0 also sums the three shards' per-room sums into the published occupancy.
Checked: every report reached exactly one process and the right one (no
``wrong_shard``), each process got a share, the aggregate is the sum of the three
partials, with all three shards reporting, and it matches the simulation's truth.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from iotedge.adapters.mqtt import MqttLink, MqttSettings
from iotedge.adapters.outbox import Outbox
from iotedge.gateway.badge_gateway import BadgeGateway
from iotedge.gateway.pseudonym import Pseudonymiser, PseudonymKey, epoch_of, shard_of
from iotedge.gateway.venue_radio import VenueRadio
from iotedge.hal.sim_radio import SimScanner
from iotedge.sim.scenarios import build_scenario
from tests._broker import Mosquitto

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[1]
SHARDS = 3
SPEED = 75.0
DURATION = 600
PRESENCE = [sys.executable, "-m", "iotedge", "gateway", "presence"]


class Watcher:
    def __init__(self, broker: Mosquitto, tmp: Path) -> None:
        self.last: dict[str, bytes] = {}
        self.lock = threading.Lock()
        self.link = MqttLink(MqttSettings(port=broker.port), "watcher", Outbox(tmp / "w.db"))
        self.link.subscribe("iotedge/#", self._on)
        self.link.start()
        assert self.link.wait_connected(10)

    def _on(self, topic: str, payload: bytes) -> None:
        with self.lock:
            self.last[topic] = payload

    def json(self, topic: str) -> Any:
        with self.lock:
            payload = self.last.get(topic)
        return json.loads(payload) if payload else None

    def until(self, predicate: Any, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return False


async def _gateways(broker: Mosquitto, tmp: Path, sim: Any) -> tuple[int, dict[str, str], Any]:
    venue = VenueRadio(sim, SPEED)
    key = PseudonymKey(bytes(range(32)), epoch_of(venue.clock(), 86400, 14400))
    boxes = []
    for g in sim.gateways:
        settings = MqttSettings(port=broker.port, reconnect_min=0.2)
        link = MqttLink(settings, g.gw_id, Outbox(tmp / f"{g.gw_id}.db", sync="normal"))
        boxes.append((BadgeGateway(g.gw_id, link, Pseudonymiser(key), shards=SHARDS), link))
        link.start()
    assert all(link.wait_connected(10) for _, link in boxes)
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(gw.run(SimScanner(venue.air, gw.gateway_id), stop)) for gw, _ in boxes
    ]
    venue.start_clock()
    tasks.append(asyncio.create_task(venue.run(stop)))
    await asyncio.sleep(DURATION / SPEED)
    stop.set()
    await asyncio.gather(*tasks)
    await asyncio.to_thread(lambda: all(link.wait_idle(10) for _, link in boxes))
    for _, link in boxes:
        link.stop()
    return sum(gw.stats.reports for gw, _ in boxes), dict(venue.truth), key


def test_three_presence_processes_share_the_badges(mosquitto: Mosquitto, tmp_path: Path) -> None:
    sim = build_scenario("conference", 3, duration=DURATION, badges=40, schedule_scale=0.3)
    venue_file = tmp_path / "venue.json"
    venue_file.write_text(json.dumps(sim.venue_dict()))
    config = tmp_path / "presence.toml"
    config.write_text(
        f"""
        [gateway]
        state_dir = "state"
        log_level = "WARNING"
        [mqtt]
        url = "{mosquitto.url}"
        [presence]
        venue = "venue.json"
        shards = {SHARDS}
        clock = "reports"
        hold = {0.8 * SPEED}
        tick = 0.2
        publish_interval = 0.5
        """
    )
    watcher = Watcher(mosquitto, tmp_path)
    procs = [
        subprocess.Popen(
            [*PRESENCE, "--config", str(config), "--shard", str(k)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for k in range(SHARDS)
    ]
    try:
        assert watcher.until(
            lambda: all(
                watcher.last.get(f"iotedge/gateway/presence-{k}/status") == b"online"
                for k in range(SHARDS)
            ),
            20,
        ), [p.poll() for p in procs]
        time.sleep(0.3)  # subscriptions in place
        total, truth, _key = asyncio.run(_gateways(mosquitto, tmp_path, sim))
        shard_docs = [f"iotedge/presence/shard/{k}" for k in range(SHARDS)]
        assert watcher.until(
            lambda: sum((watcher.json(t) or {}).get("reports", 0) for t in shard_docs) == total,
            20,
        )
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        outputs = [proc.communicate(timeout=30) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    stats = [json.loads(out.strip().splitlines()[-1]) for out, _err in outputs]
    assert [s["id"] for s in stats] == [f"presence-{k}" for k in range(SHARDS)]
    assert all(proc.returncode == 0 for proc in procs)
    # every report reached exactly one process, the one owning its badge
    assert sum(s["items"] for s in stats) == total
    assert all(s["wrong_shard"] == 0 and s["malformed_items"] == 0 for s in stats)
    assert all(s["items"] > total / 10 for s in stats), [s["items"] for s in stats]
    # per-badge rooms: each published by the shard that owns it
    badges = [t.rsplit("/", 1)[1] for t in watcher.last if t.startswith("iotedge/presence/badge/")]
    assert len(badges) >= 30
    assert {shard_of(b, SHARDS) for b in badges} == set(range(SHARDS))
    # the aggregate (shard 0) is the sum of the three partials and matches the truth
    assert watcher.until(
        lambda: (watcher.json("iotedge/presence/rooms") or {}).get("shards_reporting") == SHARDS,
        5,
    )
    time.sleep(1.0)
    rooms = watcher.json("iotedge/presence/rooms")
    parts = [watcher.json(f"iotedge/presence/shard/{k}") for k in range(SHARDS)]
    watcher.link.stop()
    for room, doc in rooms["rooms"].items():
        summed = sum(p["rooms"][room]["mean"] for p in parts)
        assert doc["count"] == pytest.approx(summed, abs=0.6), room
    present = [b for b, room in truth.items() if room != "none"]
    total_est = sum(doc["count"] for doc in rooms["rooms"].values())
    assert abs(total_est - len(present)) <= max(3.0, 0.15 * len(present))
    hall = sum(1 for b in present if truth[b] == "main-hall")
    assert abs(rooms["rooms"]["main-hall"]["count"] - hall) <= max(3.0, 0.2 * hall)
