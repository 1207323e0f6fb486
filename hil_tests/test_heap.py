"""Heap: the core a badge runs plus the badge receiver fit a Pico W with room to spare.

Measured on the board (``gc.mem_alloc()`` after ``gc.collect()``, from a fresh soft reset),
for the package as ``mip install`` leaves it (``.py`` sources, compiled on the board when
imported) and precompiled with ``mpy-cross`` (what a frozen build or an ``.mpy`` install
gives):

* ``imported``: bytes held after importing badge_receiver (alert receiver, keyring, frame,
  HMAC and message modules) and the badge telemetry codec;
* ``running``: bytes held while a BadgeReceiver works through rounds of genuine HMAC and
  fragmented Ed25519 alerts (which loads the Ed25519 verifier), relay duplicates and
  forgeries, its replay window on flash; it must not grow from round to round;
* ``headroom``: the largest block of the heap (in 8 KB steps, one ``bytearray`` allocated
  before anything else) the firmware could hold for itself while all of that still runs.
  It counts the transient memory too: compiling a module from source, a signature check.

The numbers go to ``build/hil-heap.json`` (``pytest -s`` prints them).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from tests._mpy import SRC, compile_tree, mpy_cross_binary

from hil_tests._board import ROOT, Board, BoardError
from hil_tests.wiring import rp2
from iotedge.alerts.keys import SigningKey
from iotedge.alerts.signer import sign_frames, unix_minutes
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_frame import SCHEME_ED25519, SCHEME_HMAC
from iotedge.core.alert_keyring import Keyring
from iotedge.core.alert_messages import TYPE_ALERT

pytestmark = pytest.mark.hil

KEYRING = "/heap_keyring.txt"
WINDOW = "/heap_window.bin"
ROUNDS = 6
REPORT = ROOT / "build" / "hil-heap.json"
MPY_LIB = "/mpylib"

SETUP = """
import gc, os, sys
if {libdir!r}:
    sys.path.insert(0, {libdir!r})
try:
    os.remove({window!r})
except OSError:
    pass
ROUNDS = [[bytes.fromhex(h) for h in r] for r in {rounds!r}]
NOW = {now}
ballast = bytearray({ballast}) if {ballast} else None
accepted = 0

def on_message(message):
    global accepted
    accepted += 1
gc.collect()
"""

MEASURE = """
base = gc.mem_alloc()
import badge_receiver
from iotedge.core import badge as badge_codec
gc.collect()
imported = gc.mem_alloc() - base
rx = badge_receiver.BadgeReceiver({keyring!r}, {window!r}, on_message)
gateway = b'\\xc0\\x1e\\xd6\\xe0\\x00\\x01'
buf = bytearray(31)
held = []
for n, frames in enumerate(ROUNDS):
    for adv in frames:
        rx.irq(5, (1, gateway, 3, -50, adv))
        rx.poll(NOW)
    badge_codec.encode_into(buf, 0x1234, n, 90, 2150, n, -1, b'')
    gc.collect()
    held.append(gc.mem_alloc() - base)
print(repr({{'imported': imported, 'held': held, 'accepted': accepted,
             'counts': rx.counts, 'total': gc.mem_alloc() + gc.mem_free(),
             'ballast': len(ballast) if ballast else 0}}))
"""


def _rounds(hmac: SigningKey, ed: SigningKey) -> list[list[str]]:
    """Per round: a forged copy, a one-advert HMAC alert heard three times (relays), and a
    fragmented Ed25519 alert heard twice (fragments in reverse order, then in order)."""
    minute = unix_minutes()
    rounds = []
    for n in range(ROUNDS):
        short = encode_body(TYPE_ALERT, {"text": f"R{n}", "ttl": 30, "issued": minute})
        long = encode_body(
            TYPE_ALERT, {"text": f"Round {n}: session moved to Hall C", "ttl": 30, "issued": minute}
        )
        one = sign_frames(hmac, hmac.active, n + 1, TYPE_ALERT, short)
        many = sign_frames(ed, ed.active, n + 1, TYPE_ALERT, long)
        forged = bytearray(one[0])
        forged[-1] ^= 0x80
        # The forgery comes first: after the genuine copy it would be dropped as a
        # duplicate before any cryptography.
        frames = [bytes(forged), *one * 3, *reversed(many), *many]
        rounds.append([f.hex() for f in frames])
    return rounds


def _run(
    board: Board, ring: Keyring, rounds: list[list[str]], ballast: int, libdir: str = ""
) -> dict[str, Any]:
    with board.session() as s:  # soft reset: a fresh heap
        s.write_file(KEYRING, ring.to_text().encode())
        setup = SETUP.format(
            window=WINDOW, rounds=rounds, now=int(time.time()), ballast=ballast, libdir=libdir
        )
        s.exec(setup)
        # (The files stay: the next run's SETUP replaces them; a full heap may not even
        # leave room to delete them now.)
        result: dict[str, Any] = s.exec_value(MEASURE.format(keyring=KEYRING, window=WINDOW))
    return result


def _headroom(board: Board, ring: Keyring, rounds: list[list[str]], libdir: str) -> int:
    """Largest ballast (8 KB steps, up to a whole Pico W heap) with which the workload runs.

    The ceiling is the heap itself, so the answer is a measurement, not the search's cap.
    """
    step = 8192
    lo, hi = 0, rp2.HEAP_TOTAL // step + 1  # in steps; lo runs, hi is not tried
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            ok = _run(board, ring, rounds, mid * step, libdir)["accepted"] == 2 * ROUNDS
        except BoardError as exc:
            assert "MemoryError" in str(exc), exc
            ok = False
        lo, hi = (mid, hi) if ok else (lo, mid)
    return lo * step


def _install_mpy(board: Board, workdir: Path) -> None:
    """The core and badge_receiver precompiled with mpy-cross, in MPY_LIB on the board."""
    out = workdir / "mpy"
    compile_tree(SRC / "iotedge" / "core", out / "iotedge" / "core")
    cross = mpy_cross_binary()
    for source, target in (
        (SRC / "iotedge" / "__init__.py", out / "iotedge" / "__init__.mpy"),
        (ROOT / "micropython" / "badge_receiver.py", out / "badge_receiver.mpy"),
    ):
        subprocess.run([cross, "-o", str(target), "-s", source.name, str(source)], check=True)
    with board.session() as s:
        s.makedirs(MPY_LIB + "/iotedge/core")
        for path in sorted(out.rglob("*.mpy")):
            s.write_file(f"{MPY_LIB}/{path.relative_to(out).as_posix()}", path.read_bytes())


def _keys_and_rounds() -> tuple[Keyring, list[list[str]]]:
    hmac = SigningKey.generate(SCHEME_HMAC, first_key_id=1, generations=1)
    ed = SigningKey.generate(SCHEME_ED25519, first_key_id=2, generations=1)
    ring = Keyring(hmac.company)
    hmac.add_to_keyring(ring)
    ed.add_to_keyring(ring)
    return ring, _rounds(hmac, ed)


def _measure(board: Board, libdir: str) -> dict[str, Any]:
    ring, rounds = _keys_and_rounds()
    result = _run(board, ring, rounds, 0, libdir)
    assert result["accepted"] == 2 * ROUNDS, result["counts"]
    counts = result["counts"]
    assert counts["duplicate"] >= 2 * ROUNDS and counts["bad-tag"] == ROUNDS, counts
    held = result["held"]
    # Steady state: once the first rounds have built the receiver's tables (and loaded
    # the Ed25519 verifier), more messages hold no more memory.
    assert max(held[2:]) - held[1] <= 256, held
    return {
        "imported_bytes": result["imported"],
        "running_bytes": max(held),
        "held_after_each_round": held,
        "headroom_bytes": _headroom(board, ring, rounds, libdir),
        "board_heap_total": result["total"],
    }


@pytest.mark.timeout(300)
def test_badge_core_fits_a_pico_w_heap_with_room_to_spare(
    board: Board, installed: str, tmp_path: Path
) -> None:
    pico_w = rp2.HEAP_TOTAL
    source = _measure(board, "")
    _install_mpy(board, tmp_path)
    frozen = _measure(board, MPY_LIB)
    numbers = {
        "pico_w_heap_total": pico_w,
        "board_heap_total": source["board_heap_total"],
        "rounds": ROUNDS,
        "mip_install_py": source,
        "mpy_cross": frozen,
    }
    with board.session() as s:
        s.exec(f"import os\nfor f in ({KEYRING!r}, {WINDOW!r}):\n    os.remove(f)\n")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(numbers, indent=1) + "\n")
    print("heap:", json.dumps(numbers))
    # The budget: a Pico W's heap, or the board's own when it has less.
    budget = min(pico_w, int(source["board_heap_total"]))
    # Resident: well under half of it, either way the package is installed.
    for deployment in (source, frozen):
        assert deployment["running_bytes"] < 0.4 * budget, numbers
    # Room to spare: precompiled, the firmware can keep a quarter of the heap for itself
    # (display buffers, Wi-Fi) and the badge still verifies Ed25519 alerts. From source the
    # on-board compiler's transient peak leaves less (see docs/hil.md).
    assert frozen["headroom_bytes"] >= budget // 4, numbers
    assert source["headroom_bytes"] >= 8192, numbers
