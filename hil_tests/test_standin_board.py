"""The stand-in board behaves as a USB MicroPython board does at the byte level.

(test_mpremote.py drives it through mpremote; these check what mpremote takes for granted:
the serial device, the friendly REPL a person types into, resets, the heap, the flash.)
"""

from __future__ import annotations

import time

import pytest
import serial
from mpremote.transport_serial import SerialTransport

from hil_tests._board import Board, BoardError
from hil_tests.wiring import rp2

pytestmark = [pytest.mark.hil, pytest.mark.standin]


class Terminal:
    """A person at a serial terminal: type, then read what the board echoes and prints."""

    def __init__(self, port: str) -> None:
        self.serial = serial.Serial(port, 115200, timeout=0.05, exclusive=True)

    def type(self, text: bytes, until: bytes, timeout: float = 10) -> bytes:
        self.serial.write(text)
        got = b""
        deadline = time.monotonic() + timeout
        while not got.endswith(until):
            assert time.monotonic() < deadline, f"waited for {until!r}, got {got!r}"
            got += self.serial.read(4096)
        return got

    def settle(self, quiet: float = 0.3, timeout: float = 10) -> bytes:
        """Read until the board has been quiet for ``quiet`` s (earlier output drained)."""
        got = b""
        last = time.monotonic()
        while time.monotonic() - last < quiet:
            assert time.monotonic() - last < timeout
            chunk = self.serial.read(4096)
            if chunk:
                got += chunk
                last = time.monotonic()
        return got

    def close(self) -> None:
        self.serial.close()


def test_the_port_is_a_pty_serial_device_held_exclusively(board: Board) -> None:
    assert SerialTransport._is_pty_device(board.port)  # mpremote's own check
    first = serial.Serial(board.port, 115200, exclusive=True)
    try:
        with pytest.raises(serial.SerialException):
            serial.Serial(board.port, 115200, exclusive=True)  # busy, as a USB port is
    finally:
        first.close()


def test_friendly_repl_transcript(board: Board) -> None:
    with board.session():
        pass  # a fresh board in the friendly REPL (the session leaves it there)
    term = Terminal(board.port)
    try:
        term.serial.write(b"\x02")
        banner = term.settle()  # also whatever the session's goodbye left on the line
        assert banner.endswith(b'Type "help()" for more information.\r\n>>> ')
        assert banner.rsplit(b"\r\nMicroPython ", 1)[-1].count(b">>> ") == 1
        assert term.type(b"6 * 7\r", b">>> ") == b"6 * 7\r\n42\r\n>>> "
        out = term.type(b"for i in range(2):\r    print('i', i)\r\r", b">>> ")
        assert out.endswith(b"\r\ni 0\r\ni 1\r\n>>> ") and b"\r\n... " in out
        assert term.type(b"x = 5\x7f7\r", b">>> ") == b"x = 5\x08 \x087\r\n>>> "
        assert term.type(b"x\r", b">>> ").endswith(b"\r\n7\r\n>>> ")
        term.type(b"while True: pass\r\r", b"... \r\n")  # running now
        time.sleep(0.2)
        stopped = term.type(b"\x03", b">>> ")
        assert b"KeyboardInterrupt" in stopped
        rebooted = term.type(b"\x04", b">>> ")
        assert rebooted.startswith(b"\r\nMPY: soft reboot\r\nMicroPython ")
        assert b"NameError" in term.type(b"x\r", b">>> ")  # globals gone with the reset
    finally:
        term.close()


def test_heap_is_a_pico_ws_and_a_full_heap_does_not_wedge_the_board(board: Board) -> None:
    with board.session() as s:
        total = s.eval("__import__('gc').mem_alloc() + __import__('gc').mem_free()")
        assert total <= rp2.HEAP_TOTAL and total > rp2.HEAP_TOTAL - 1024
        s.exec(
            "hog = []\ntry:\n    while True:\n        hog.append(bytearray(512))\n"
            "except MemoryError:\n    pass"
        )
        # With the heap full, the board still answers every request, with MemoryError
        # when even the request does not fit, and a soft reset gives the heap back.
        for _ in range(3):
            with pytest.raises(BoardError, match="MemoryError"):
                s.exec("big = bytearray(4096)\n" + "x = 1\n" * 400)
    with board.session() as s:
        assert s.eval("__import__('gc').mem_free()") > total // 2


def test_flash_is_a_sandbox(board: Board) -> None:
    with board.session() as s:
        s.write_file("/sandbox.txt", b"on the board")
        assert board.standin is not None
        assert (board.standin.flash / "sandbox.txt").read_bytes() == b"on the board"
        # The host's own files are out of reach: "/" is the board's flash.
        with pytest.raises(BoardError, match="ENOENT"):
            s.exec("open('/etc/hostname')")
        assert "sandbox.txt" in s.eval("__import__('os').listdir('/')")
        s.exec("import os\nos.rename('/sandbox.txt', '/moved.txt')\nos.remove('/moved.txt')")


def test_simulated_sensor_heap_cost(board: Board, installed: str) -> None:
    # A real DHT22 costs the board no heap; the stand-in's simulator lives in the board's
    # heap once triggered. Measured (printed with -s) so docs/hil.md can say how much.
    assert board.standin is not None
    (board.standin.hw / "dht22.json").write_text('{"readings": [[215, 456]]}')
    with board.session() as s:
        cost = s.exec_value(
            "import gc\nfrom iotedge_mp.dht_builtin import BuiltinDHT22\n"
            "sensor = BuiltinDHT22(15)\ngc.collect()\nbefore = gc.mem_alloc()\n"
            "reading = sensor.read_raw()\ngc.collect()\n"
            "print(repr((reading, gc.mem_alloc() - before)))"
        )
    assert cost[0] == (215, 456)
    print("simulated DHT22 heap bytes:", cost[1])
    assert 0 < cost[1] < 16 * 1024
