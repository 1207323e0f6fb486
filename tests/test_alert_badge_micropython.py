"""The badge receiver (micropython/badge_receiver.py) under the real MicroPython unix port.

CPython signs a scripted stream of adverts (relay copies from several gateways,
shuffled fragments, forgeries, foreign adverts, an Ed25519 message); the
``micropython`` binary plays it through ``BadgeReceiver.irq`` + ``poll`` exactly as
a board's BLE scan would, printing each message its callback receives. Then the
"badge reboots" (a new process, same window file) and hears the stream again.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from iotedge.core import ed25519
from iotedge.core.alert_auth import HmacKey
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_frame import SCHEME_ED25519
from iotedge.core.alert_keyring import KeyEntry, Keyring
from iotedge.core.alert_messages import TYPE_ALERT, TYPE_LED, TYPE_SCHEDULE, TYPE_TIME
from iotedge.core.alert_sign import build_ed25519_frames, build_hmac_frames
from tests._mpy import ROOT, run_micropython

KEY = bytes(range(50, 82))
ED_SEED = bytes(range(9, 41))
NOW = 1767225600
MINUTE = (NOW // 60) & 0xFFFF
GATEWAY = bytes.fromhex("c0ffee000001")

DRIVER = """
import sys, json
from badge_receiver import BadgeReceiver

keyring, window, stream = sys.argv[1], sys.argv[2], sys.argv[3]
allowed = None
if len(sys.argv) > 4:
    allowed = [bytes.fromhex(a) for a in sys.argv[4].split(",")]

def show(message):
    print("MSG " + json.dumps(message.to_dict()))

badge = BadgeReceiver(keyring, window, show, allowed_addresses=allowed)
with open(stream) as f:
    for line in f:
        addr, adv, now = line.split()
        badge.irq(5, (0, bytes.fromhex(addr), 3, -60, bytes.fromhex(adv)))
        badge.poll(int(now))
print("COUNTS " + json.dumps(badge.counts))
print("FILTERED " + str(badge.filtered) + " WRITES " + str(badge.receiver.store.writes))
"""


def _messages() -> list[list[bytes]]:
    key = HmacKey(KEY, 0xFFFF)
    out = []
    bodies: list[tuple[int, dict[str, Any]]] = [
        (TYPE_ALERT, {"text": "Evacuate Hall A now, use exit B", "ttl": 30}),
        (TYPE_LED, {"code": 2, "red": 255, "ttl": 10}),
        (
            TYPE_SCHEDULE,
            {
                "scope": 1,
                "now_start": 600,
                "next_start": 660,
                "now_title": "Keynote",
                "next_title": "Lunch",
                "ttl": 60,
            },
        ),
    ]
    for counter, (msg_type, fields) in enumerate(bodies, 1):
        body = encode_body(msg_type, dict(fields, issued=MINUTE))
        out.append(build_hmac_frames(key, 1, counter, msg_type, body))
    body = encode_body(TYPE_ALERT, {"text": "Signed by the venue", "issued": MINUTE, "ttl": 30})
    out.append(build_ed25519_frames(lambda m: ed25519.sign(ED_SEED, m), 2, 1, TYPE_ALERT, body))
    return out


def _write_inputs(tmp_path: Path) -> tuple[Path, Path, Path]:
    ring = Keyring()
    ring.add(KeyEntry(1, 0, KEY))
    ring.add(KeyEntry(2, SCHEME_ED25519, ed25519.public_key(ED_SEED)))
    keyring = tmp_path / "keyring.txt"
    keyring.write_text(ring.to_text())
    rng = random.Random(7)
    lines = []
    for frames in _messages():
        copies = [f for f in frames for _ in range(6)]  # several gateways' copies
        copies.append(bytes.fromhex("0201061aff4c000215") + bytes(21))  # an iBeacon
        rng.shuffle(copies)
        # A forgery heard before the genuine frames reaches the cryptography (once
        # the message is accepted, a forged copy is dropped as a duplicate).
        forged = bytearray(frames[-1])
        forged[-3] ^= 0x40
        copies.insert(0, bytes(forged))
        lines += [f"{GATEWAY.hex()} {c.hex()} {NOW + 30}" for c in copies]
    stream = tmp_path / "stream.txt"
    stream.write_text("\n".join(lines) + "\n")
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    return keyring, stream, driver


def _play(driver: Path, *args: str) -> tuple[list[dict[str, object]], dict[str, int], str]:
    proc = run_micropython([str(driver), *args], extra_path=[ROOT / "micropython"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    messages = [json.loads(x[4:]) for x in lines if x.startswith("MSG ")]
    counts = json.loads(next(x for x in lines if x.startswith("COUNTS "))[7:])
    tail = next(x for x in lines if x.startswith("FILTERED "))
    return messages, counts, tail


def test_badge_accepts_each_message_once_and_survives_reboot(tmp_path: Path) -> None:
    keyring, stream, driver = _write_inputs(tmp_path)
    window = tmp_path / "window.bin"
    messages, counts, tail = _play(driver, str(keyring), str(window), str(stream))
    got = sorted((m["key_id"], m["counter"], m["type"]) for m in messages)
    assert got == [(1, 1, "alert"), (1, 2, "led"), (1, 3, "schedule"), (2, 1, "alert")]
    texts = {m.get("text") for m in messages}
    assert {"Evacuate Hall A now, use exit B", "Signed by the venue"} <= texts
    assert counts.get("accepted") == 4 and counts.get("not-alert") == 4
    assert counts.get("bad-tag", 0) == 3 and counts.get("bad-signature", 0) == 1
    assert tail == "FILTERED 0 WRITES 4"
    assert window.read_bytes()[:3] == b"AW\x01"
    # Reboot: same window file, the whole stream again: nothing is delivered twice.
    messages, counts, _ = _play(driver, str(keyring), str(window), str(stream))
    assert messages == []
    assert counts.get("accepted", 0) == 0 and counts.get("duplicate", 0) > 0


def test_address_prefilter_is_only_a_prefilter(tmp_path: Path) -> None:
    keyring, stream, driver = _write_inputs(tmp_path)
    window = tmp_path / "window.bin"
    # A whitelist without the gateway's address drops everything before any check...
    messages, _, tail = _play(driver, str(keyring), str(window), str(stream), "aabbccddeeff")
    heard = len(stream.read_text().splitlines())
    assert messages == [] and tail == f"FILTERED {heard} WRITES 0"
    # ...and with it, forged frames from that (spoofable) address are still refused.
    messages, counts, _ = _play(driver, str(keyring), str(window), str(stream), GATEWAY.hex())
    assert len(messages) == 4 and counts.get("bad-tag", 0) == 3


LOAD_DRIVER = """
import sys
from badge_receiver import BadgeReceiver

try:
    badge = BadgeReceiver(sys.argv[1], sys.argv[2], print)
except Exception as exc:
    print("REFUSED " + type(exc).__name__ + " " + str(exc.errno) + " " + str(exc))
else:
    print("STARTED " + repr(badge.receiver.state_bytes()))
"""


def test_unreadable_window_file_is_an_error_not_a_fresh_badge(tmp_path: Path) -> None:
    keyring, _, _ = _write_inputs(tmp_path)
    driver = tmp_path / "load.py"
    driver.write_text(LOAD_DRIVER)

    def start(window: Path) -> str:
        args = [str(driver), str(keyring), str(window)]
        proc = run_micropython(args, extra_path=[ROOT / "micropython"])
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout.strip()

    # Absent (ENOENT): the one case that means a badge that never accepted anything.
    assert start(tmp_path / "absent.bin").startswith("STARTED ")
    # Present but unreadable (here a folder in its place: EISDIR on read): refusing to
    # start is the only safe answer, an empty window would reopen every replay.
    unreadable = tmp_path / "window.bin"
    unreadable.mkdir()
    out = start(unreadable)
    assert out.startswith("REFUSED WindowReadError 21 cannot read replay window "), out


CLOCK_DRIVER = """
import sys
from badge_receiver import BadgeReceiver

got = []
badge = BadgeReceiver(sys.argv[1], sys.argv[2], got.append, clock_trusted=False)
with open(sys.argv[3]) as f:
    for line in f:
        adv, uptime = line.split()
        message = badge.on_advert(b"", bytes.fromhex(adv), int(uptime))
        print("FED " + badge.receiver.reason + " " + str(badge.clock_trusted))
print("CLOCK " + str(badge.clock_offset) + " " + str(badge.tz_quarters))
"""


def test_signed_time_message_makes_the_clock_trusted(tmp_path: Path) -> None:
    keyring, _, _ = _write_inputs(tmp_path)
    key = HmacKey(KEY, 0xFFFF)
    two_hours_ago = ((NOW - 7200) // 60) & 0xFFFF

    def frame(counter: int, msg_type: int, fields: dict[str, Any]) -> bytes:
        return build_hmac_frames(key, 1, counter, msg_type, encode_body(msg_type, fields))[0]

    stale = {"code": 1, "red": 9, "ttl": 30, "issued": two_hours_ago}
    stream = [
        # The badge has booted (uptime 40 s) and knows no date: TTLs cannot be judged.
        (frame(1, TYPE_LED, stale), 40),
        (frame(2, TYPE_TIME, {"unix": NOW, "tz_quarters": 4, "ttl": 5, "issued": MINUTE}), 50),
        # Now the same kind of two-hour-old message is refused, a fresh one accepted.
        (frame(3, TYPE_LED, stale), 60),
        (frame(4, TYPE_LED, {"code": 1, "red": 9, "ttl": 30, "issued": MINUTE}), 70),
    ]
    path = tmp_path / "clock.txt"
    path.write_text("".join(f"{adv.hex()} {uptime}\n" for adv, uptime in stream))
    driver = tmp_path / "clock.py"
    driver.write_text(CLOCK_DRIVER)
    window = tmp_path / "window.bin"
    args = [str(driver), str(keyring), str(window), str(path)]
    proc = run_micropython(args, extra_path=[ROOT / "micropython"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        "FED accepted False",
        "FED accepted True",
        "FED expired True",
        "FED accepted True",
        f"CLOCK {NOW - 50} 4",
    ]
