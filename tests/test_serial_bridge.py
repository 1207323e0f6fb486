"""The serial bridge end to end: MicroPython node -> pty -> noisy relay -> pty ->
pyserial -> bridge -> mosquitto -> CPython subscriber.

The relay (CPython, between two pseudo-terminal pairs) flips, drops and inserts
bytes and injects bursts of garbage, and remembers which frames it damaged. The
test then proves: no damaged frame is ever published, every published reading is
exactly what the board sent under that sequence number, and every lost frame is
reported in a gap (and nothing else is).
"""

from __future__ import annotations

import json
import os
import random
import select
import threading
import tty
from pathlib import Path

import pytest

from iotedge.core import serial_frame
from iotedge.gateway.serial_bridge import PahoPublisher, SerialBridge, open_serial
from tests._broker import Mosquitto
from tests._node_harness import APPS, MpApp, Subscriber, parse_tenths, write_sim

pytestmark = [pytest.mark.micropython, pytest.mark.broker]

FRAMES = 400
NOISY = range(20, 370)  # frames inside this window may be damaged; the ends stay clean


class NoisyRelay(threading.Thread):
    """Copies board -> gateway, corrupting bytes of frames in NOISY (seeded)."""

    def __init__(self, src_fd: int, dst_fd: int, seed: int, rate: float) -> None:
        super().__init__(daemon=True)
        self.src, self.dst = src_fd, dst_fd
        self.rng = random.Random(seed)
        self.rate = rate
        self.frames: dict[int, bytes] = {}  # seq -> the clean frame the board sent
        self.damaged: set[int] = set()
        self.mutations = {"flip": 0, "drop": 0, "insert": 0, "garbage": 0}
        self.stop = threading.Event()
        self._line = bytearray()

    def run(self) -> None:
        while not self.stop.is_set():
            ready, _, _ = select.select([self.src], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.src, 4096)
            except OSError:
                return  # the board's side closed
            if not data:
                return
            out = bytearray()
            for byte in data:
                out += self._relay(byte)
            os.write(self.dst, bytes(out))

    def _relay(self, byte: int) -> bytes:
        """One clean byte in, what the noisy line delivers out."""
        if byte == ord("$"):
            self._line = bytearray()
        self._line.append(byte)
        seq = self._current_seq()
        noisy = seq is not None and seq in NOISY
        out = bytes((byte,))
        if noisy and byte == ord("$") and self.rng.random() < 0.05:
            self.mutations["garbage"] += 1  # a burst between frames: not damage
            out = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 30))) + out
        elif noisy and self.rng.random() < self.rate:
            action = self.rng.choice(["flip", "drop", "insert"])
            self.mutations[action] += 1
            if action == "flip":
                out = bytes((byte ^ (1 << self.rng.randrange(8)),))
            elif action == "drop":
                out = b""
            else:  # a stray byte before this one
                out = bytes((self.rng.randrange(256),)) + out
            if not (action == "insert" and byte == ord("$")):
                self.damaged.add(seq)  # a stray byte before '$' is garbage between frames
        if byte == ord("\n") and self._line.startswith(b"$"):
            frame = serial_frame.decode(bytes(self._line))  # the board never sends a bad one
            self.frames[frame[1]] = bytes(self._line)
        return out

    def _current_seq(self) -> int | None:
        # The seq of the frame being relayed: parsed from the clean bytes seen so far;
        # before its seq field is complete, it is the one after the last frame.
        parts = bytes(self._line).split(b",")
        if len(parts) >= 3 and parts[1].isdigit():
            return int(parts[1])
        if self.frames:
            return max(self.frames) + 1
        return 0


def raw_pty() -> tuple[int, int]:
    master, slave = os.openpty()
    tty.setraw(slave)
    tty.setraw(master)
    return master, slave


@pytest.mark.parametrize("seed", [20240601, 7])
def test_bridge_publishes_only_good_frames_and_reports_every_gap(
    tmp_path: Path, mosquitto: Mosquitto, seed: int
) -> None:
    board_master, board_slave = raw_pty()
    gw_master, gw_slave = raw_pty()
    relay = NoisyRelay(board_master, gw_master, seed=seed, rate=0.004)
    relay.start()

    sub = Subscriber(mosquitto.port, "serial/#")
    publisher = PahoPublisher(mosquitto.url, "serial/bridge/status")
    bridge = SerialBridge(publisher, topic_prefix="serial", fmt="json")
    link = open_serial(os.ttyname(gw_slave), timeout=0.05)
    stop = threading.Event()
    bridge_thread = threading.Thread(target=bridge.run, args=(link, stop), daemon=True)
    bridge_thread.start()

    sim = write_sim(tmp_path / "sim.json", {30: "checksum", 31: "checksum", 32: "checksum"})
    config = tmp_path / "serial.json"
    config.write_text(
        json.dumps(
            {
                "device": "bench-1",
                "interval_ms": 5,
                "dht_min_interval_ms": 2,
                "frames": FRAMES,
                "hello_every": 100,
                "watchdog_ms": 0,
            }
        )
    )
    node = MpApp(
        APPS / "serial_node.py",
        [str(config)],
        {"IOTEDGE_SIM_DHT22": str(sim)},
        tmp_path / "node.log",
        stdout=board_slave,
        stderr=None,
    )
    try:
        assert node.proc.wait(timeout=60) == 0, node.output()
        sub.wait_for(
            lambda s: (
                len(relay.frames) == FRAMES
                and bridge.stats.frames + bridge.stats.missing >= FRAMES - 1
                and len(s.on("serial/dht22")) >= bridge.stats.readings
            ),
            what="every frame accounted for",
        )
    finally:
        stop.set()
        bridge_thread.join(5)
        relay.stop.set()
        relay.join(5)
        publisher.close()
        link.close()
        sub.close()
        for fd in (board_master, board_slave, gw_master, gw_slave):
            os.close(fd)

    assert len(relay.frames) == FRAMES
    assert len(relay.damaged) >= 10, relay.mutations  # the line really was noisy
    # 1. Every published reading is exactly what the board sent with that seq, and
    #    no damaged frame was published.
    published = {}
    for payload in sub.on("serial/dht22"):
        doc = json.loads(payload)
        text = payload.decode()
        seq = doc["seq"]
        session, sent_seq, kind, fields = serial_frame.decode(relay.frames[seq])
        assert (kind, sent_seq, f"{session:04X}") == ("R", seq, doc["session"])
        temperature = parse_tenths(text.split('"temperature":')[1].split(",")[0])
        humidity = parse_tenths(text.split('"humidity":')[1].split(",")[0])
        assert [temperature, humidity] == fields[:2], (text, fields)
        published[seq] = fields
    assert not set(published) & relay.damaged
    # 2. Gaps name exactly the damaged frames (all of them, nothing else).
    gaps = set()
    for payload in sub.on("serial/gap") + sub.on("serial/bridge/gap"):
        doc = json.loads(payload)
        gaps |= set(range(doc["first"], doc["first"] + doc["count"]))
    assert gaps == relay.damaged
    # 3. Every frame is either received (reading, hello or error) or in a gap.
    received = bridge.stats.frames
    assert received + len(gaps) == FRAMES
    assert sub.on("serial/error/dht22") == [b"bad-checksum"]
    assert bridge.stats.corrupt >= len(relay.damaged) - relay.mutations["drop"]
    assert bridge.stats.garbage_bytes > 0
    devices = [json.loads(p) for p in sub.on("serial/bridge/device")]
    assert {d["device"] for d in devices} == {"bench-1"}
    assert sub.on("serial/bridge/status")[-1] == b"offline"
