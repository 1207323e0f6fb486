"""``iotedge dht22`` and ``iotedge bridge serial`` from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import tty
from pathlib import Path

import pytest

from iotedge.cli import main
from iotedge.core import dht22, serial_frame
from tests._broker import Mosquitto
from tests._node_harness import Subscriber


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_decode_datasheet_hex_and_bits(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "dht22", "decode", "028C8065", "73")
    assert code == 0
    doc = json.loads(out)
    assert (doc["temperature_c"], doc["humidity_percent"]) == ("-10.1", "65.2")
    assert doc["temperature_tenths"] == -101 and doc["temperature_encoding"] == "sign-magnitude"
    bits = "0000 0010 1000 1100 0000 0001 0101 1111 1110 1110"  # datasheet example
    code, out, _ = run(capsys, "dht22", "decode", *bits.split())
    assert json.loads(out)["temperature_c"] == "35.1"
    code, out, _ = run(capsys, "dht22", "decode", "0x02:8c:ff:9b:28")
    assert json.loads(out)["temperature_encoding"] == "twos-complement"


def test_decode_pulses(capsys: pytest.CaptureFixture[str]) -> None:
    widths = [80, *dht22.bit_widths(bytes.fromhex("028c806573"))]
    code, out, _ = run(capsys, "dht22", "decode", "--pulses", ",".join(map(str, widths)))
    assert code == 0 and json.loads(out)["temperature_tenths"] == -101


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["028c806574"], "bad-checksum: byte 4 is 0x74, sum of bytes 0-3 gives 0x73 (at byte 4)"),
        (["03e9000000"], "bad-checksum"),
        (["03e90000ec"], "humidity-range: raw 1001 is 100.1 %RH"),
        (["028c"], "bad-input: expected 5 bytes as 10 hex digits or 40 bits, got 4"),
        (["--pulses", "80,26,70"], "too-few-pulses: got 3 high pulses, need 40"),
        (["--pulses", ",".join(["26"] * 39 + ["150"])], "bad-width: bit 39 high lasted 150 us"),
    ],
)
def test_decode_errors_are_precise(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "dht22", "decode", *argv)
    assert code == 2 and out == ""
    assert err.startswith("iotedge: error: ") and message in err


def test_read_sim(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "dht22",
        "read",
        "--backend",
        "sim",
        "--count",
        "2",
        "--interval",
        "0",
        "--min-interval",
        "0.05",
        "--temperature",
        "-40",
        "--humidity",
        "0",
        "--clone",
        "--jitter",
        "20",
    )
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["temperature_tenths"] for d in lines] == [-400, -400]
    assert lines[0]["temperature"] == "-40.0"


@pytest.mark.broker
def test_bridge_serial_command(tmp_path: Path, mosquitto: Mosquitto) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    sub = Subscriber(mosquitto.port, "pico/#")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "iotedge",
            "bridge",
            "serial",
            "--port",
            os.ttyname(slave),
            "--mqtt",
            mosquitto.url,
            "--duration",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    writer = serial_frame.FrameWriter(0x0BAD)

    def feed() -> None:
        time.sleep(1.0)
        os.write(master, writer.hello("cli-test") + b"garbage" + writer.reading(-101, 652, 276))
        writer.reading(0, 0)  # lost on the way
        os.write(master, writer.reading(215, 456))

    threading.Thread(target=feed, daemon=True).start()
    out, err = proc.communicate(timeout=30)
    os.close(master)
    os.close(slave)
    assert proc.returncode == 0, err
    stats = json.loads(out.strip().splitlines()[-1])
    assert stats["readings"] == 2 and stats["missing"] == 1 and stats["garbage_bytes"] == 7
    sub.wait_for(lambda s: len(s.on("pico/humidity/dht22")) == 2, what="two readings")
    assert sub.on("pico/temperature/dht22") == [b"-10.1", b"21.5"]
    assert sub.on("pico/temperature/internal") == [b"27.6"]
    assert json.loads(sub.on("pico/bridge/gap")[0]) == {"session": "0BAD", "first": 2, "count": 1}
    assert sub.on("pico/bridge/status")[-1] == b"offline"
    sub.close()
