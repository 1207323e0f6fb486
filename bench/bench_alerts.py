"""Benchmark of signed alert frames, reported as ratios to anchors measured in the same run.

    python bench/bench_alerts.py [--quick]

MicroPython unix port (the ``micropython`` binary, core loaded from src/):
  * median time for the receiver to accept a fresh single-frame HMAC message
    (target <= 20 us), without persistence and with an in-memory window store;
  * median time to drop a relay duplicate (target <= 3 us);
  * Ed25519 verify (portable pure-Python arithmetic) and a whole Ed25519 message;
  * RAM: heap the receiver's modules take once imported, heap of one receiver
    object, and bytes allocated per duplicate drop and per fresh accept.
  Anchors: one ``hashlib.sha256`` of the same advert and one dict lookup.
  * the badge's real persistence: median time to accept a fresh HMAC frame with
    ``micropython/badge_receiver.py``'s ``FileStore`` (the window written to a
    temporary file, then renamed over the old one, after every accepted frame),
    beside no store and an in-memory store, on the precompiled core (mpy-cross, as
    a board runs it) at the default heap and at ``-X heapsize=64K``, where the
    garbage collector runs far more often.
CPython: frames signed and verified per second (HMAC, Ed25519 with the
``cryptography`` fast path), and the crash-safe signer (fsync per message);
anchor: one stdlib ``hmac`` SHA-256 of the same bytes.

The last line is ``BENCH {json}`` for tests/test_alert_bench.py.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests._mpy: the mpy-cross helpers the 64K harness uses

from iotedge.core.alert_auth import HmacKey  # noqa: E402
from iotedge.core.alert_encode import encode_body  # noqa: E402
from iotedge.core.alert_keyring import KeyEntry, Keyring  # noqa: E402
from iotedge.core.alert_messages import TYPE_ALERT, TYPE_LED  # noqa: E402
from iotedge.core.alert_receiver import AlertReceiver  # noqa: E402
from iotedge.core.alert_sign import build_ed25519_frames, build_hmac_frames  # noqa: E402

MPY_SCRIPT = r"""
import gc, sys, time, hashlib
N = int(sys.argv[1])
BATCH = 50
gc.collect()
base = gc.mem_alloc()
from iotedge.core.alert_receiver import AlertReceiver, MemoryStore
from iotedge.core.alert_keyring import KeyEntry, Keyring
gc.collect()
code_heap = gc.mem_alloc() - base
from iotedge.core.alert_auth import HmacKey
from iotedge.core.alert_sign import build_hmac_frames
from iotedge.core.alert_encode import encode_body

KEY = bytes(range(32))
ring = Keyring()
ring.add(KeyEntry(1, 0, KEY))
hk = HmacKey(KEY, 0xFFFF)
frames = []
for c in range(1, N + 1):
    body = encode_body(2, {"code": 1, "red": c & 255})
    frames.append(build_hmac_frames(hk, 1, c, 2, body)[0])
NOW = 1767225600

def per_frame(fn, items):
    out = []
    for i in range(0, len(items) - BATCH + 1, BATCH):
        chunk = items[i:i + BATCH]
        t = time.ticks_us()
        for x in chunk:
            fn(x)
        out.append(time.ticks_diff(time.ticks_us(), t) / BATCH)
    out.sort()
    return out[len(out) // 2]

def empty(x):
    pass

gc.collect()
before = gc.mem_alloc()
r = AlertReceiver(ring)
gc.collect()
receiver_heap = gc.mem_alloc() - before
feed = r.feed
fresh = per_frame(lambda f: feed(f, NOW), frames)
assert r.accepted == N
dup = per_frame(lambda f: feed(f, NOW), frames)
assert r.reason == "duplicate"
r2 = AlertReceiver(ring, MemoryStore())
feed2 = r2.feed
fresh_store = per_frame(lambda f: feed2(f, NOW), frames)
call = per_frame(empty, frames)
sha = per_frame(lambda f: hashlib.sha256(f).digest(), frames)
d = {1: 2}
look = per_frame(lambda f: d.get(1), frames)

some = frames[:200]
r3 = AlertReceiver(ring)
feed3 = r3.feed
gc.collect()
gc.disable()
a = gc.mem_alloc()
for f in some:
    feed(f, NOW)
dup_alloc = (gc.mem_alloc() - a) / 200
a = gc.mem_alloc()
for f in some:
    feed3(f, NOW)
fresh_alloc = (gc.mem_alloc() - a) / 200
gc.enable()
gc.collect()

from iotedge.core import ed25519
from iotedge.core.alert_frame import SCHEME_ED25519
from iotedge.core.alert_sign import build_ed25519_frames
seed = bytes(range(7, 39))
pub = ed25519.public_key(seed)
msg = bytes(40)
sig = ed25519.sign(seed, msg)
times = []
for i in range(int(sys.argv[2])):
    t = time.ticks_us()
    ok = ed25519.verify(pub, msg, sig)
    times.append(time.ticks_diff(time.ticks_us(), t))
    assert ok
times.sort()
ed_verify = times[len(times) // 2]
ring.add(KeyEntry(2, SCHEME_ED25519, pub))
body = encode_body(5, {"text": "Evacuate Hall A now, use exit B"})
ed_frames = build_ed25519_frames(lambda m: ed25519.sign(seed, m), 2, 1, 5, body)
r4 = AlertReceiver(ring)
t = time.ticks_us()
for f in ed_frames:
    m = r4.feed(f, NOW)
ed_message = time.ticks_diff(time.ticks_us(), t)
assert m is not None
print("RESULT " + repr({
    "fresh_us": fresh, "fresh_store_us": fresh_store, "duplicate_us": dup,
    "call_us": call, "sha256_us": sha, "dict_us": look,
    "ed25519_verify_us": ed_verify, "ed25519_message_us": ed_message,
    "ed25519_fragments": len(ed_frames),
    "code_heap": code_heap, "receiver_heap": receiver_heap,
    "duplicate_alloc": dup_alloc, "fresh_alloc": fresh_alloc,
}))
"""


STORE_SCRIPT = r"""
import gc, sys, time, os
from badge_receiver import FileStore, load_keyring
from iotedge.core.alert_receiver import AlertReceiver, MemoryStore

keyring, frames_path, size, count, window = sys.argv[1:6]
L = int(size)
N = int(count)
BATCH = 50
NOW = 1767225600
ring = load_keyring(keyring)
buf = bytearray(BATCH * L)


def timed(receiver):
    # Frames are read from the file one batch at a time (a 64K heap cannot hold
    # them all); only the feeds are timed.
    # Batch totals are small ints in a list made up front: nothing of the
    # measurement itself allocates on the heap being measured.
    feed = receiver.feed
    out = [0] * (N // BATCH)
    with open(frames_path, "rb") as f:
        for k in range(N // BATCH):
            f.readinto(buf)
            chunk = []
            for i in range(BATCH):
                chunk.append(bytes(buf[i * L:(i + 1) * L]))
            gc.collect()
            t = time.ticks_us()
            for x in chunk:
                feed(x, NOW)
            out[k] = time.ticks_diff(time.ticks_us(), t)
            chunk = None
    out.sort()
    return out[len(out) // 2] / BATCH


result = {}
for name in ("none", "memory", "file"):
    store = None
    if name == "memory":
        store = MemoryStore()
    elif name == "file":
        store = FileStore(window)
    receiver = AlertReceiver(ring, store)
    result["fresh_" + name + "_us"] = timed(receiver)
    assert receiver.accepted == N // BATCH * BATCH, receiver.reason
    result["duplicate_" + name + "_us"] = timed(receiver)
    assert receiver.reason == "duplicate", receiver.reason
    if store is not None:
        assert store.writes == receiver.accepted
# Anchor: the store's write-temp-then-rename alone, same record size, same heap.
anchor = FileStore(window + ".anchor")
record = bytes(9)
times = [0] * (N // BATCH)
for k in range(N // BATCH):
    gc.collect()
    t = time.ticks_us()
    for _ in range(BATCH):
        anchor.save(record)
    times[k] = time.ticks_diff(time.ticks_us(), t)
times.sort()
result["save_only_us"] = times[len(times) // 2] / BATCH
gc.collect()
result["heap_free"] = gc.mem_free()
result["heap_used"] = gc.mem_alloc()
print("RESULT " + repr(result))
"""


def run_micropython_store(n: int, heaps: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Fresh accepts with the badge's FileStore, precompiled core, per heap size."""
    from tests._mpy import compile_tree, mpy_cross_binary

    key = bytes(range(32))
    hk = HmacKey(key, 0xFFFF)
    ring = Keyring()
    ring.add(KeyEntry(1, 0, key))
    frames = [
        build_hmac_frames(hk, 1, c, TYPE_LED, encode_body(TYPE_LED, {"code": 1, "red": c & 255}))[0]
        for c in range(1, n + 1)
    ]
    size = len(frames[0])
    assert all(len(f) == size for f in frames)
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        lib = tmp / "lib"
        compile_tree(ROOT / "src" / "iotedge" / "core", lib / "iotedge" / "core")
        (lib / "iotedge" / "__init__.mpy").write_bytes(
            (lib / "iotedge" / "core" / "__init__.mpy").read_bytes()
        )
        subprocess.run(
            [
                mpy_cross_binary(),
                "-o",
                str(lib / "badge_receiver.mpy"),
                "-s",
                "badge_receiver.py",
                str(ROOT / "micropython" / "badge_receiver.py"),
            ],
            check=True,
            capture_output=True,
        )
        (tmp / "keyring.txt").write_text(ring.to_text())
        (tmp / "frames.bin").write_bytes(b"".join(frames))
        script = tmp / "bench_store.py"
        script.write_text(STORE_SCRIPT)
        for heap in heaps:
            window = tmp / f"window-{heap}.bin"
            args = [str(tmp / "keyring.txt"), str(tmp / "frames.bin"), str(size), str(n)]
            proc = subprocess.run(
                ["micropython", "-X", f"heapsize={heap}", str(script), *args, str(window)],
                env=dict(os.environ, MICROPYPATH=str(lib)),
                capture_output=True,
                text=True,
                timeout=300,
            )
            if proc.returncode != 0:
                raise SystemExit(
                    f"micropython store run ({heap}) failed:\n" + proc.stdout + proc.stderr
                )
            line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
            out[heap] = eval(line[7:], {})  # a dict literal of numbers we printed
    return out


def run_micropython(n: int, ed_runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench_alerts_mpy.py"
        script.write_text(MPY_SCRIPT)
        env = dict(os.environ, MICROPYPATH=str(ROOT / "src"))
        proc = subprocess.run(
            ["micropython", "-X", "heapsize=16M", str(script), str(n), str(ed_runs)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    if proc.returncode != 0:
        raise SystemExit("micropython run failed:\n" + proc.stdout + proc.stderr)
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, float] = eval(line[7:], {})  # a dict literal of numbers we printed
    return result


def _rate(fn: object, items: Sequence[object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for x in items:
            fn(x)  # type: ignore[operator]
        best = min(best, time.perf_counter() - t)
    return len(items) / best


def run_cpython(n: int) -> dict[str, float]:
    key = bytes(range(32))
    hk = HmacKey(key, 0xFFFF)
    ring = Keyring()
    ring.add(KeyEntry(1, 0, key))
    body = encode_body(TYPE_LED, {"code": 1, "red": 9})
    counters = list(range(1, n + 1))
    sign_rate = _rate(lambda c: build_hmac_frames(hk, 1, c, TYPE_LED, body), counters)
    frames = [build_hmac_frames(hk, 1, c, TYPE_LED, body)[0] for c in counters]
    best = float("inf")
    for _ in range(3):
        receiver = AlertReceiver(ring)
        t = time.perf_counter()
        for f in frames:
            receiver.feed(f, 0)
        best = min(best, time.perf_counter() - t)
    verify_rate = n / best
    dup_rate = _rate(lambda f: receiver.feed(f, 0), frames)
    anchor = _rate(lambda f: hmac.new(key, f, hashlib.sha256).digest(), frames)

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from iotedge.core import ed25519

    seed = bytes(range(7, 39))
    private = Ed25519PrivateKey.from_private_bytes(seed)
    ed_body = encode_body(TYPE_ALERT, {"text": "Evacuate Hall A now, use exit B"})
    m = max(20, n // 50)
    ed_sign_rate = _rate(
        lambda c: build_ed25519_frames(private.sign, 2, c, TYPE_ALERT, ed_body),
        list(range(1, m + 1)),
    )
    ring.add(KeyEntry(2, 1, ed25519.public_key(seed)))
    ed_messages = [
        build_ed25519_frames(private.sign, 2, c, TYPE_ALERT, ed_body) for c in range(1, m + 1)
    ]
    receiver = AlertReceiver(ring)
    t = time.perf_counter()
    for msg in ed_messages:
        for f in msg:
            receiver.feed(f, 0)
    ed_verify_rate = m / (time.perf_counter() - t)
    assert receiver.accepted == m

    from iotedge.alerts.keys import SigningKey
    from iotedge.alerts.signer import Signer, initialise_state

    with tempfile.TemporaryDirectory() as tmp:
        key_file = SigningKey.generate(0)
        key_file.save(Path(tmp) / "bench.key")
        initialise_state(key_file)
        signer = Signer(key_file)
        k = max(20, n // 100)
        t = time.perf_counter()
        for _ in range(k):
            signer.sign(TYPE_LED, {"code": 1})
        durable_rate = k / (time.perf_counter() - t)
    return {
        "hmac_sign_per_s": sign_rate,
        "hmac_verify_per_s": verify_rate,
        "duplicate_drop_per_s": dup_rate,
        "stdlib_hmac_per_s": anchor,
        "ed25519_sign_per_s": ed_sign_rate,
        "ed25519_verify_per_s": ed_verify_rate,
        "durable_signer_per_s": durable_rate,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    args = parser.parse_args()
    n = 500 if args.quick else 4000
    mp = run_micropython(n, 1 if args.quick else 5)
    heaps = ("16M", "64K")
    mp_store = run_micropython_store(n, heaps)
    cp = run_cpython(1000 if args.quick else 20000)
    print("== MicroPython unix port (" + ("quick" if args.quick else "full") + f", {n} frames)")
    print(f"accept fresh HMAC frame   {mp['fresh_us']:7.2f} us  (target <= 20)")
    print(f"  with in-memory store    {mp['fresh_store_us']:7.2f} us")
    print(f"drop duplicate            {mp['duplicate_us']:7.2f} us  (target <= 3)")
    print(f"anchor: sha256 of advert  {mp['sha256_us']:7.2f} us")
    print(f"anchor: dict lookup       {mp['dict_us']:7.2f} us")
    print(f"anchor: empty call        {mp['call_us']:7.2f} us (included in every figure)")
    print(
        f"ratios: fresh/sha256 {mp['fresh_us'] / mp['sha256_us']:.1f}x, "
        f"duplicate/sha256 {mp['duplicate_us'] / mp['sha256_us']:.2f}x, "
        f"duplicate/dict lookup {mp['duplicate_us'] / mp['dict_us']:.1f}x"
    )
    print(f"Ed25519 verify            {mp['ed25519_verify_us'] / 1000:7.1f} ms (portable)")
    print(
        f"Ed25519 message           {mp['ed25519_message_us'] / 1000:7.1f} ms "
        f"({mp['ed25519_fragments']} fragments, reassembly + verify)"
    )
    for heap in heaps:
        st = mp_store[heap]
        print(
            f"precompiled, heap {heap:>3}:   fresh accept {st['fresh_none_us']:6.2f} us no store, "
            f"{st['fresh_memory_us']:6.2f} us in memory, {st['fresh_file_us']:6.2f} us badge "
            f"FileStore (temp+rename); anchor: the save alone {st['save_only_us']:6.2f} us; "
            f"duplicate {st['duplicate_file_us']:5.2f} us; heap free {st['heap_free']} B"
        )
    print(f"heap: receiver modules    {mp['code_heap']:7d} B (source-compiled, unix port)")
    print(f"heap: one receiver        {mp['receiver_heap']:7d} B (1 key, 4 reassembly slots)")
    print(f"alloc per duplicate drop  {mp['duplicate_alloc']:7.1f} B")
    print(f"alloc per fresh accept    {mp['fresh_alloc']:7.1f} B")
    print("== CPython " + sys.version.split()[0])
    print(f"HMAC frames signed        {cp['hmac_sign_per_s']:10.0f} /s")
    print(f"HMAC frames verified      {cp['hmac_verify_per_s']:10.0f} /s (fresh, accepted)")
    print(f"duplicates dropped        {cp['duplicate_drop_per_s']:10.0f} /s")
    print(f"anchor: stdlib hmac       {cp['stdlib_hmac_per_s']:10.0f} /s")
    print(
        f"ratios: verify/stdlib hmac {cp['hmac_verify_per_s'] / cp['stdlib_hmac_per_s']:.2f}, "
        f"sign/stdlib hmac {cp['hmac_sign_per_s'] / cp['stdlib_hmac_per_s']:.2f}"
    )
    print(f"Ed25519 messages signed   {cp['ed25519_sign_per_s']:10.0f} /s (cryptography)")
    print(f"Ed25519 messages verified {cp['ed25519_verify_per_s']:10.0f} /s (whole message)")
    print(f"durable signer (fsync)    {cp['durable_signer_per_s']:10.0f} messages/s")
    report = {"micropython": mp, "micropython_store": mp_store, "cpython": cp}
    print("BENCH " + json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
