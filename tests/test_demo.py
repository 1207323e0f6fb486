"""``iotedge demo`` end to end: it runs, shows occupancy, delivers the alert, and stops.

* As a user runs it (a subprocess, stdout not a TTY so plain text, the embedded amqtt
  broker): the room table appears with numbers, the signed alert reaches the three
  attendees' badges once each, every report the gateways published reached the
  presence service, and the summary is printed; exit status 0.
* In-process against the test's mosquitto (``--mqtt``, MQTT 5) with two presence shards
  and the ANSI screen: the heatmap is drawn and the same end-to-end counts hold.
"""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from iotedge.gateway.demo import Demo, DemoOptions
from tests._broker import Mosquitto

ROOT = Path(__file__).resolve().parents[1]


def test_demo_command_plain_text() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "iotedge", "demo", "--duration", "12", "--badges", "120"],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=ROOT,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "\x1b[" not in out  # not a terminal: plain text
    # the live table: every room with an estimate, a truth and a DHT22 temperature
    rows = re.findall(r"^main-hall\s+(\d+\.\d)\s+(\d+\.\d)-\s*(\d+\.\d)\s+(\d+)", out, re.M)
    assert len(rows) >= 2
    assert any(float(est) > 0 for est, *_ in rows)
    for room in ("foyer", "corridor", "room-b", "room-c", "workshop"):
        assert re.search(rf"^{room}\s+\d+\.\d", out, re.M), room
    assert re.search(r"gateways online \d+/20", out)
    # the alert: published by the back-end, delivered to each badge once
    assert "back-end published alert" in out
    assert len(re.findall(r"alert delivered to badge-\d+", out)) == 3
    assert "delivered to 3/3 badges, each once" in out
    # the summary: everything the gateways published reached the presence service
    m = re.search(
        r"reports published\s+([\d,]+) in [\d,]+ batches.*presence took (\d[\d,]*\d)", out
    )
    assert m is not None, out[-1500:]
    assert m.group(1) == m.group(2) and int(m.group(1).replace(",", "")) > 10000
    assert re.search(r"iotedge demo: 1\d\.\d s wall, \d+ simulated minutes", out)
    assert "0 malformed" in out


@pytest.mark.broker
def test_demo_against_mosquitto_with_shards_and_screen(mosquitto: Mosquitto) -> None:
    out = io.StringIO()
    opts = DemoOptions(
        duration=7.0,
        badges=80,
        mqtt=mosquitto.url,
        protocol="5",
        shards=2,
        ansi=True,
        refresh=0.5,
    )
    summary = asyncio.run(Demo(opts, out).run())
    screen = out.getvalue()
    assert screen.count("\x1b[H\x1b[2J") >= 8  # a screen every half second
    assert "people/m2" in screen and "◆" in screen
    last = screen.rsplit("\x1b[H\x1b[2J", 1)[1]
    assert re.search(r"main-hall\s+\d+\.\d", re.sub(r"\x1b\[[0-9;]*m", "", last))
    assert summary.broker == mosquitto.url
    assert summary.reports > 3000 and summary.presence_items == summary.reports
    assert summary.presence_duplicates == 0 and summary.malformed == 0
    assert summary.delivered_once and summary.receivers == 3
    assert summary.relay_duplicates > 0  # the badges heard many relay copies, kept one
    assert summary.sensor_readings >= 6
    assert "each once" in summary.text()
