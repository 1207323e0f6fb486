"""Crash-safe small files: write to a temporary name, fsync, rename, fsync the folder.

After :func:`atomic_write` returns, the file holds either the old or the new bytes
in full, even if the machine loses power right after, which is what both the
signer's counter and a CPython receiver's replay window need.
"""

from __future__ import annotations

import os
from pathlib import Path


def atomic_write(path: str | os.PathLike[str], data: bytes, mode: int = 0o644) -> None:
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, target)
    # The rename itself is only durable once the directory entry is on disk.
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class FileWindowStore:
    """The receiver's window store backed by one file (CPython side of the seam)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.writes = 0

    def load(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def save(self, data: bytes | bytearray) -> None:
        atomic_write(self.path, bytes(data))
        self.writes += 1
