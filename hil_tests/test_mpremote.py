"""The board answers the real ``mpremote`` command line as a USB board does.

Each test runs ``mpremote connect PORT ...`` as a subprocess: ``exec``, ``eval``, ``run``,
``fs cp/ls/cat/rm``, ``soft-reset``, Ctrl-C of a running program, and ``mip install`` of
our package (the ``installed`` fixture; checked byte for byte here).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from hil_tests._board import ROOT, Board

pytestmark = pytest.mark.hil


def test_exec_eval_and_tracebacks(board: Board) -> None:
    out = board.mpremote("exec", "print('sum', sum(range(101)))", "eval", "6 * 7").stdout
    assert out.splitlines() == ["sum 5050", "42"]
    failed = board.mpremote("exec", "def f():\n    raise ValueError('boom')\nf()", check=False)
    assert failed.returncode == 1
    lines = failed.stdout.strip().splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: boom"
    assert any(line.strip().startswith('File "<stdin>", line 2, in f') for line in lines)
    # A compile error is reported the same way, and the board carries on.
    bad = board.mpremote("exec", "x = (1,", "exec", "print('after')", check=False)
    assert bad.returncode == 1 and "SyntaxError" in bad.stdout
    assert board.mpremote("exec", "print('after')").stdout.strip() == "after"


def test_globals_live_until_soft_reset(board: Board) -> None:
    out = board.mpremote(
        "exec", "x = 41", "exec", "print(x + 1)", "soft-reset", "exec", "print('x' in globals())"
    ).stdout
    assert out.splitlines() == ["42", "False"]


def test_run_a_local_script(board: Board, tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(
        "import sys\n"
        "values = [n * n for n in range(10)]\n"
        "print(sys.implementation.name, sum(values))\n"
        "for i in range(3):\n"
        "    print('line', i)\n"
    )
    out = board.mpremote("run", str(script)).stdout
    assert out.splitlines() == ["micropython 285", "line 0", "line 1", "line 2"]


def test_fs_roundtrip_is_byte_exact(board: Board, tmp_path: Path) -> None:
    # Every byte value, CR and LF included: the file path must not cook line ends.
    payload = bytes(range(256)) * 9 + b"\r\n\n\r" + os.urandom(1000)
    local = tmp_path / "blob.bin"
    local.write_bytes(payload)
    board.mpremote("fs", "mkdir", ":hil_fs", check=False)
    board.mpremote("fs", "cp", str(local), ":hil_fs/blob.bin", "+", "fs", "cp", str(local), ":x")
    listing = board.mpremote("fs", "ls", ":hil_fs").stdout
    assert f"{len(payload)} blob.bin" in " ".join(listing.split())
    back = tmp_path / "back.bin"
    board.mpremote("fs", "cp", ":hil_fs/blob.bin", str(back))
    assert back.read_bytes() == payload
    text = tmp_path / "note.txt"
    text.write_text("first line\nsecond line\n")
    board.mpremote("fs", "cp", str(text), ":hil_fs/note.txt")
    assert board.mpremote("fs", "cat", ":hil_fs/note.txt").stdout.splitlines() == [
        "first line",
        "second line",
    ]
    board.mpremote("fs", "rm", ":hil_fs/blob.bin", "+", "fs", "rm", ":hil_fs/note.txt")
    board.mpremote("fs", "rm", ":x", "+", "fs", "rmdir", ":hil_fs")
    assert "hil_fs" not in board.mpremote("fs", "ls").stdout


def test_ctrl_c_interrupts_a_running_program(board: Board) -> None:
    # --no-follow leaves the loop running; the next mpremote interrupts it (Ctrl-C), as it
    # does on a board running main.py.
    board.mpremote("exec", "--no-follow", "import time\nwhile True:\n    time.sleep_ms(5)")
    assert board.mpremote("exec", "print('alive')", timeout=30).stdout.strip() == "alive"


def test_mip_install_puts_every_package_file_on_the_board(board: Board, installed: str) -> None:
    package = json.loads((ROOT / "micropython" / "package.json").read_text())
    urls = package["urls"]
    assert installed.count("Installing: ") == len(urls), installed
    assert installed.rstrip().endswith("Done")
    with board.session() as s:
        target = s.eval("[p for p in __import__('sys').path if p.endswith('/lib')][0]")
        for remote, url in urls:
            local = (ROOT / "micropython" / url).resolve()
            digest = s.transport.fs_hashfile(f"{target}/{remote}", "sha256")
            assert digest == hashlib.sha256(local.read_bytes()).digest(), remote
        # And it imports from there.
        assert s.eval("__import__('iotedge').__version__") == _version()
        assert s.eval("__import__('iotedge.core.badge').core.badge.__file__") == (
            f"{target}/iotedge/core/badge.py"
        )


def _version() -> str:
    import iotedge

    return iotedge.__version__
