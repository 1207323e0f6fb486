"""Smallest MicroPython heap each portable test module passes in, precompiled.

    python tools/heap_margin.py [test_module ...]     (default: every tests/portable/test_*.py)

Builds the tree that tests/test_portable_on_micropython.py runs at 64K (the core and
the tests compiled with mpy-cross, as tests/_mpy.compile_tree does), then for each
module finds, by bisection between 16K and 80K, the smallest ``-X heapsize`` at which
``run.main([module])`` passes in a fresh ``micropython`` interpreter. It does that for
three MICROPYPATH prefix lengths (the same tree reached through symlinks whose names
are 1, 40 and 120 characters long), because the heap a module needs depends on the
length of its path: paths become qstrs (``__file__``) and import-time garbage that
fragments a small heap. Prints one line per module: the three sizes in KiB and the
margin left under 64K by the largest of them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests._mpy import PORTABLE, SRC, compile_tree, micropython_binary  # noqa: E402

PREFIX_LENGTHS = (1, 40, 120)
LOW, HIGH, CI_HEAP = 16, 80, 64


def build(root: Path) -> None:
    src_mpy = root / "src"
    compile_tree(SRC / "iotedge" / "core", src_mpy / "iotedge" / "core")
    (src_mpy / "iotedge" / "__init__.mpy").write_bytes(
        (src_mpy / "iotedge" / "core" / "__init__.mpy").read_bytes()
    )
    compile_tree(PORTABLE, root / "portable")
    (root / "vectors").symlink_to(PORTABLE.parent / "vectors")


def passes(tree: Path, module: str, kib: int) -> bool:
    env = dict(os.environ)
    env["MICROPYPATH"] = ":".join([str(tree / "src"), str(tree / "portable"), ".frozen"])
    code = f"import sys, run; sys.exit(run.main([{module!r}]))"
    cmd = [micropython_binary(), "-X", f"heapsize={kib}K", "-c", code]
    proc = subprocess.run(cmd, env=env, capture_output=True, timeout=300, cwd=tree)
    return proc.returncode == 0


def smallest(tree: Path, module: str) -> int | None:
    if not passes(tree, module, HIGH):
        return None
    lo, hi = LOW, HIGH
    while lo < hi:
        mid = (lo + hi) // 2
        if passes(tree, module, mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="test modules (default: all)")
    args = parser.parse_args(argv)
    modules = args.modules or sorted(p.stem for p in PORTABLE.glob("test_*.py"))
    work = Path(tempfile.mkdtemp(prefix="heap-margin-"))
    try:
        tree = work / "t"
        build(tree)
        trees = []
        for n in PREFIX_LENGTHS:
            link = work / ("p" * n)
            link.symlink_to(tree)
            trees.append(link)
        print(f"module  smallest heap (KiB) at MICROPYPATH prefixes {PREFIX_LENGTHS}  margin")
        for module in modules:
            sizes = [smallest(t, module) for t in trees]
            shown = " ".join(str(s) if s is not None else f">{HIGH}" for s in sizes)
            worst = max(s if s is not None else HIGH + 1 for s in sizes)
            print(f"{module} {shown} margin {CI_HEAP - worst}K", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
