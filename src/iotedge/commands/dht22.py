"""``iotedge dht22``: decode DHT22 frames and read a sensor.

    iotedge dht22 decode 028C8065 73          # 5 bytes in hex (spaces, ':' and 0x allowed)
    iotedge dht22 decode 0000001010001100...  # or 40 bits
    iotedge dht22 decode --pulses 80,26,26,...  # or high-pulse widths in us (40 or 41)
    iotedge dht22 read --backend sim|blinka [--pin D4] [--count N] [--interval S]

``decode`` prints one JSON document, or ``iotedge: error: <reason>: <detail>`` and
exit status 2 (bad checksum, out of range, bad bits or widths). ``read`` prints one
JSON line per reading; the ``sim`` backend is the simulated DHT22 (``--temperature``,
``--humidity``, ``--clone``, ``--jitter``), ``blinka`` is adafruit-circuitpython-dht on
a Raspberry Pi pin (``board`` name such as D4). docs/dht22.md has examples.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from typing import Any

from iotedge.core import dht22, dht22_policy
from iotedge.core.errors import IotEdgeError


def parse_frame(text: str) -> bytes:
    """5 bytes from hex (10 digits) or 40 binary digits; separators ignored."""
    cleaned = re.sub(r"0x|[\s:,_-]", "", text.strip().lower())
    if len(cleaned) == 40 and set(cleaned) <= {"0", "1"}:
        return bytes(dht22.frame_from_bits([int(c) for c in cleaned]))
    if len(cleaned) == 10 and re.fullmatch(r"[0-9a-f]{10}", cleaned):
        return bytes.fromhex(cleaned)
    raise IotEdgeError(
        "bad-input",
        f"expected 5 bytes as 10 hex digits or 40 bits, got {len(cleaned)} characters",
    )


def parse_pulses(text: str) -> list[int]:
    try:
        return [int(p) for p in re.split(r"[\s,]+", text.strip()) if p]
    except ValueError:
        raise IotEdgeError(
            "bad-input", "pulse widths are integers in us, comma separated"
        ) from None


def describe(frame: bytes) -> dict[str, Any]:
    temperature, humidity = dht22.decode_frame(frame)
    return {
        "frame": frame.hex(),
        "temperature_c": dht22.format_tenths(temperature),
        "humidity_percent": dht22.format_tenths(humidity),
        "temperature_tenths": temperature,
        "humidity_tenths": humidity,
        "temperature_encoding": dht22.temperature_encoding(frame),
        "checksum": f"0x{frame[4]:02x}",
    }


def _decode(args: argparse.Namespace) -> int:
    if args.pulses is not None:
        frame = bytes(dht22.decode_pulses(parse_pulses(args.pulses)))
    elif args.frame:
        frame = parse_frame(" ".join(args.frame))
    else:
        raise IotEdgeError("bad-input", "give a frame (hex or bits) or --pulses")
    print(json.dumps(describe(frame), indent=2))
    return 0


def _tenths(value: str) -> int:
    return round(float(value) * 10)


def _open_sensor(args: argparse.Namespace) -> Any:
    policy = dht22_policy.ReadPolicy(
        min_interval_ms=int(args.min_interval * 1000),
        max_age_ms=max(int(args.min_interval * 1000) * 5, 10000),
    )
    if args.backend == "sim":
        from iotedge.hal.sim_dht22 import SimulatedDHT22, simulated_sensor

        sim = SimulatedDHT22(
            _tenths(args.temperature),
            _tenths(args.humidity),
            jitter_us=args.jitter,
            clone=args.clone,
        )
        return simulated_sensor(sim, policy)
    from iotedge.adapters.dht_blinka import BlinkaDHT22

    return BlinkaDHT22(args.pin, policy=policy)


def _read(args: argparse.Namespace) -> int:
    sensor = _open_sensor(args)
    try:
        for i in range(args.count):
            if i:
                time.sleep(args.interval)
            reading = sensor.read()
            print(json.dumps({"backend": args.backend, **reading.as_dict()}), flush=True)
    finally:
        sensor.close()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("dht22", help="decode DHT22 frames, read a DHT22")
    sub = parser.add_subparsers(dest="dht22_command", metavar="ACTION")
    sub.required = True

    dec = sub.add_parser("decode", help="decode 5 bytes, 40 bits or pulse widths to JSON")
    dec.add_argument("frame", nargs="*", help="10 hex digits or 40 bits (spaces allowed)")
    dec.add_argument("--pulses", help="high-pulse widths in us, comma separated")
    dec.set_defaults(func=_decode)

    read = sub.add_parser("read", help="read a sensor, one JSON line per reading")
    read.add_argument("--backend", choices=("sim", "blinka"), default="sim")
    read.add_argument("--pin", default="D4", help="board pin for blinka (default D4)")
    read.add_argument("--count", type=int, default=1)
    read.add_argument("--interval", type=float, default=2.0, help="seconds between readings")
    read.add_argument(
        "--min-interval",
        type=float,
        default=2.0,
        help="sensor's minimum seconds between triggers (datasheet: 2; lower only for sim)",
    )
    read.add_argument("--temperature", default="21.5", help="sim: temperature in C")
    read.add_argument("--humidity", default="45.6", help="sim: humidity in %%")
    read.add_argument("--clone", action="store_true", help="sim: two's-complement clone")
    read.add_argument("--jitter", type=int, default=0, help="sim: +/- us on every pulse")
    read.set_defaults(func=_read)
