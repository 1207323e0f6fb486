"""Scenario files: exact formats, reproducibility, the streaming and real-time APIs."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from iotedge.core.errors import SimulationError
from iotedge.sim.__main__ import main as sim_main
from iotedge.sim.__main__ import parse_override
from iotedge.sim.events import Report, Truth
from iotedge.sim.export import write_scenario
from iotedge.sim.realtime import Pacer, play
from iotedge.sim.scenarios import SCENARIOS, build_scenario

ROOT = Path(__file__).resolve().parents[1]
_JSONL = re.compile(
    r'\{"ts": \d+\.\d{3}, "gateway": "gw-\d\d", "badge": "badge-\d{3}", "rssi": -\d+\}'
)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_scenario_names() -> None:
    for name in (
        "conference",
        "low-gateways",
        "gateway-down",
        "packed-hall",
        "continuous",
        "small",
    ):
        assert name in SCENARIOS
        sim = build_scenario(name, 1, duration=60, badges=2)
        assert sim.config.duration == 60
    with pytest.raises(SimulationError) as err:
        build_scenario("nope", 1)
    assert err.value.reason == "unknown-scenario"
    with pytest.raises(SimulationError) as err:
        build_scenario("small", 1, warp_speed=9)
    assert err.value.reason == "unknown-parameter"
    with pytest.raises(SimulationError) as err:
        build_scenario("small", 1, packet_loss=(0.5, 0.1))
    assert err.value.reason == "bad-parameter"
    with pytest.raises(SimulationError):
        build_scenario("small", 1, gateways=21)


def test_venue_dict_is_the_presence_format() -> None:
    sim = build_scenario("conference", 1, duration=60, badges=1)
    venue = json.loads(json.dumps(sim.venue_dict()))
    assert set(venue) == {"rooms", "adjacent", "transit", "gateways"}
    assert venue["transit"] == ["corridor"]
    rooms = venue["rooms"]
    assert "none" not in rooms and len(rooms) == len(set(rooms)) == 6
    assert {"main-hall", "foyer", "corridor"} <= set(rooms)
    for a, b in venue["adjacent"]:
        assert a in rooms and b in rooms and a != b
    assert ["room-b", "room-c"] not in venue["adjacent"]  # a wall, no door
    assert len(venue["gateways"]) == 20
    for gw_id, gw in venue["gateways"].items():
        assert re.fullmatch(r"gw-\d\d", gw_id)
        assert set(gw) == {"room", "x", "y", "z"} and gw["room"] in rooms
        assert all(isinstance(gw[k], float) for k in "xyz")
    low = build_scenario("low-gateways", 1, duration=60, badges=1).venue_dict()
    heights = [g["z"] for g in low["gateways"].values()]  # type: ignore[attr-defined]
    assert heights.count(0.5) in (6, 7)


def test_files_parse_back_exactly(tmp_path: Path) -> None:
    write_scenario("small", 3, tmp_path, reports_format="both", duration=600)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "reports.csv",
        "reports.jsonl",
        "truth.csv",
        "venue.json",
    ]
    venue = json.loads((tmp_path / "venue.json").read_text())
    lines = (tmp_path / "reports.jsonl").read_text().splitlines()
    assert len(lines) > 1000
    reports = []
    for line in lines:
        assert _JSONL.fullmatch(line), line
        obj = json.loads(line)
        assert list(obj) == ["ts", "gateway", "badge", "rssi"]
        assert isinstance(obj["ts"], float) and isinstance(obj["rssi"], int)
        assert obj["gateway"] in venue["gateways"]
        reports.append(obj)
    with (tmp_path / "reports.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["ts", "gateway", "badge", "rssi"]
    assert [[f"{r['ts']:.3f}", r["gateway"], r["badge"], str(r["rssi"])] for r in reports] == rows[
        1:
    ]
    # Arrival order: not sorted by ts, but no line older than max_delay_s (3 s) plus the
    # gateways' clock offsets (+-20 ms) than any line before it.
    ts = [r["ts"] for r in reports]
    assert ts != sorted(ts)
    newest = 0.0
    for t in ts:
        assert t >= newest - 3.0 - 0.04
        newest = max(newest, t)
    with (tmp_path / "truth.csv").open(newline="") as fh:
        truth = list(csv.reader(fh))
    assert truth[0] == ["ts", "badge", "room"]
    assert len(truth) - 1 == 600 * 20
    assert {r[2] for r in truth[1:]} <= set(venue["rooms"]) | {"none"}
    assert [int(r[0]) for r in truth[1:]] == sorted(int(r[0]) for r in truth[1:])
    assert (tmp_path / "venue.json").read_bytes().endswith(b"}\n")
    assert b"\r" not in (tmp_path / "reports.jsonl").read_bytes()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    write_scenario("small", 11, tmp_path / "a", duration=300)
    write_scenario("small", 11, tmp_path / "b", duration=300)
    write_scenario("small", 12, tmp_path / "c", duration=300)
    a, b, c = (_digest(tmp_path / x) for x in "abc")
    assert a == b
    assert a["reports.jsonl"] != c["reports.jsonl"] and a["truth.csv"] != c["truth.csv"]
    assert a["venue.json"] == c["venue.json"]  # the venue is the scenario's, not the seed's


def test_same_bytes_in_another_process_with_another_hash_seed(tmp_path: Path) -> None:
    write_scenario("small", 13, tmp_path / "here", duration=240)
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(ROOT / "src"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "iotedge.sim",
            "small",
            "--seed",
            "13",
            "--duration",
            "240",
            "--out",
            str(tmp_path / "there"),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    assert _digest(tmp_path / "here") == _digest(tmp_path / "there")


def test_run_twice_and_step_give_the_same_stream() -> None:
    sim = build_scenario("small", 14, duration=200)
    first = list(sim.run())
    assert list(sim.run()) == first
    stepped = []
    t = 0.0
    while not sim.finished:
        t += 7.3
        chunk = sim.step(t)
        assert all(ev.arrival < t for ev in chunk)
        stepped.extend(chunk)
    assert stepped == first
    sim.reset()
    assert sim.step(50.0) == [ev for ev in first if ev.arrival < 50.0]


def test_reports_carry_badge_payload() -> None:
    sim = build_scenario("conference", 15, duration=4000, badges=30)
    reports = [ev for ev in sim.run() if isinstance(ev, Report)]
    # Rooms are 21 C and warm up with the crowd; outside the entrance it is 12 C.
    assert all(12.0 < r.temperature < 35.0 for r in reports)
    assert all(0 <= r.battery <= 100 for r in reports)
    last_claps: dict[str, int] = {}
    by_badge: dict[str, list[Report]] = {}
    for r in sorted(reports, key=lambda r: (r.badge, r.seq)):
        by_badge.setdefault(r.badge, []).append(r)
        assert r.claps >= last_claps.get(r.badge, 0)  # a running count never goes down
        last_claps[r.badge] = r.claps
    assert max(last_claps.values()) > 0  # the keynote ended at 3600 s
    infos = {b.badge_id: b for b in sim.badges}
    assert all(re.fullmatch(r"([0-9A-F]{2}:){5}[0-9A-F]{2}", b.address) for b in infos.values())
    assert all(int(b.address[:2], 16) >= 0xC0 for b in infos.values())  # static random


def test_pacer_hands_out_events_as_a_fake_clock_advances() -> None:
    now = [100.0]
    sim = build_scenario("small", 16, duration=120, badges=5)
    pacer = Pacer(sim, speed=10.0, clock=lambda: now[0])
    assert pacer.due() == []  # no time has passed
    now[0] += 3.0  # 30 simulated seconds
    batch = pacer.due()
    assert batch and all(ev.arrival < 30.0 for ev in batch)
    assert any(isinstance(ev, Truth) and ev.ts == 29 for ev in batch)
    assert pacer.seconds_until(40.0) == pytest.approx(1.0)
    now[0] += 100.0
    rest = pacer.due()
    assert pacer.finished
    assert batch + rest == list(sim.run())
    with pytest.raises(SimulationError):
        Pacer(sim, speed=0)


def test_async_play_yields_everything() -> None:
    sim = build_scenario("small", 17, duration=60, badges=3)
    clock = [0.0]

    async def fake_sleep(seconds: float) -> None:
        clock[0] += seconds

    async def collect() -> list[object]:
        out: list[object] = []
        async for batch in play(
            sim, speed=100.0, tick_s=0.1, clock=lambda: clock[0], sleep=fake_sleep
        ):
            out.extend(batch)
        return out

    assert asyncio.run(collect()) == list(sim.run())


def test_command_line_writes_files_and_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sim_main(["--list"]) == 0
    assert "packed-hall" in capsys.readouterr().out
    code = sim_main(
        [
            "small",
            "--seed",
            "2",
            "--out",
            str(tmp_path),
            "--format",
            "csv",
            "--duration",
            "60",
            "--set",
            "fading_db=0",
            "--set",
            "packet_loss=(0.2, 0.2)",
        ]
    )
    assert code == 0
    assert (tmp_path / "reports.csv").exists() and not (tmp_path / "reports.jsonl").exists()
    assert sim_main(["small", "--out", str(tmp_path), "--set", "nope=1"]) == 2
    assert parse_override("badges=12") == ("badges", 12)
    assert parse_override("fading_db=3") == ("fading_db", 3.0)
    assert parse_override("mode=continuous") == ("mode", "continuous")
    with pytest.raises(SimulationError):
        parse_override("badges=many")
