"""The board under test, reached only through its serial port, with mpremote.

``Board`` wraps one port: a real board's USB serial device, or the pty of a stand-in board
(hil_tests/standin/board.py, started here as a separate process). Tests use it two ways:

* :meth:`Board.mpremote` runs the real ``mpremote`` command line (``connect PORT ...``), as a
  user does;
* :meth:`Board.session` opens mpremote's own ``SerialTransport`` (the library behind that
  command line) for many quick exec/eval round trips in one raw-REPL session.
"""

from __future__ import annotations

import ast
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mpremote.transport import TransportError, TransportExecError
from mpremote.transport_serial import SerialTransport

ROOT = Path(__file__).resolve().parents[1]


class BoardError(AssertionError):
    """Code run on the board raised; the message is the board's traceback."""


@dataclass
class BoardInfo:
    """What the board says about itself (queried once per session)."""

    platform: str
    machine: str
    version: str
    heap_total: int
    ble: bool
    wifi: bool


_INFO = """
import sys, gc
gc.collect()
info = {"platform": sys.platform, "machine": sys.implementation._machine,
        "version": sys.version, "heap_total": gc.mem_alloc() + gc.mem_free()}
try:
    import bluetooth
    info["ble"] = hasattr(bluetooth, "BLE")
except ImportError:
    info["ble"] = False
try:
    import network
    info["wifi"] = hasattr(network, "WLAN")
except ImportError:
    info["wifi"] = False
print(repr(info))
"""


_DHT_PROBE = """
import dht, machine, time
sensor = dht.DHT22(machine.Pin({pin}))
answered = False
for attempt in range(3):
    try:
        sensor.measure()
        answered = True
    except OSError:  # ETIMEDOUT: nothing pulled the line low
        time.sleep_ms({delay_ms})
    except Exception:  # a checksum error: something answered
        answered = True
    if answered:
        break
print(repr(answered))
"""


class Session:
    """One raw-REPL session over mpremote's SerialTransport (state persists between calls)."""

    def __init__(self, port: str, soft_reset: bool = True) -> None:
        # A read timeout lets a dead board fail the test instead of blocking forever.
        self.transport = SerialTransport(port, baudrate=115200, timeout=2)
        try:
            self.transport.enter_raw_repl(soft_reset=soft_reset)
        except Exception:
            self.transport.close()
            raise

    def exec(self, code: str, timeout: float = 30) -> str:
        """Run ``code`` on the board; its output (CRLF turned into LF) or BoardError."""
        try:
            out, err = self.transport.exec_raw(code, timeout=timeout)
        except TransportError as exc:
            raise BoardError(f"board did not answer: {exc}") from None
        if err:
            raise BoardError(err.decode(errors="replace").replace("\r\n", "\n"))
        return str(out.decode(errors="replace")).replace("\r\n", "\n")

    def eval(self, expression: str, timeout: float = 30) -> Any:
        return ast.literal_eval(self.exec(f"print(repr({expression}))", timeout).strip())

    def exec_value(self, code: str, timeout: float = 60) -> Any:
        """Run ``code``, which prints ``repr(value)`` last; return that value."""
        return ast.literal_eval(self.exec(code, timeout).strip().splitlines()[-1])

    def write_file(self, remote: str, data: bytes) -> None:
        try:
            self.transport.fs_writefile(remote, data)
        except TransportExecError as exc:
            raise BoardError(exc.error_output) from None

    def read_file(self, remote: str) -> bytes:
        return bytes(self.transport.fs_readfile(remote))

    def makedirs(self, remote: str) -> None:
        self.exec(
            "import os\n"
            f"p = ''\nfor part in {remote!r}.strip('/').split('/'):\n"
            "    p += '/' + part\n"
            "    try:\n        os.mkdir(p)\n    except OSError:\n        pass\n"
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.transport.exit_raw_repl()
        self.transport.close()


class StandinProcess:
    """A stand-in board process: ``python -m hil_tests.standin.board``."""

    def __init__(self, workdir: Path, heapsize: str, env: dict[str, str]) -> None:
        self.workdir = Path(workdir)
        self.flash = self.workdir / "flash"
        self.firmware = self.workdir / "firmware"
        self.hw = self.firmware / "hw"  # host side of /.standin/hw on the board
        self.flash.mkdir(parents=True, exist_ok=True)
        self.log = self.workdir / "board.log"
        args = [
            sys.executable,
            "-m",
            "hil_tests.standin.board",
            "--root",
            str(self.flash),
            "--firmware",
            str(self.firmware),
            "--heapsize",
            heapsize,
            "--exit-with-parent",
        ]
        for name, value in env.items():
            args += ["--env", f"{name}={value}"]
        self._log = open(self.log, "ab")
        self.proc = subprocess.Popen(
            args, cwd=ROOT, stdout=subprocess.PIPE, stderr=self._log, start_new_session=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("/dev/"):
            self.stop()
            raise RuntimeError(f"stand-in board did not start: {line!r} {self.log.read_text()}")
        self.port = line

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


class Board:
    """The board under test (see module docstring)."""

    def __init__(self, port: str, standin: StandinProcess | None = None) -> None:
        self.port = port
        self.standin = standin
        self._info: BoardInfo | None = None
        self._dht: dict[int, bool] = {}

    @property
    def is_standin(self) -> bool:
        return self.standin is not None

    def mpremote(
        self, *args: str, timeout: float = 60, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """``mpremote connect PORT ARGS...`` as a subprocess, from the repository root."""
        cmd = [sys.executable, "-m", "mpremote", "connect", self.port, *args]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise BoardError(
                f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    @contextlib.contextmanager
    def session(self, soft_reset: bool = True) -> Iterator[Session]:
        session = self._open(soft_reset)
        try:
            yield session
        finally:
            session.close()

    def _open(self, soft_reset: bool, attempts: int = 20) -> Session:
        # A real board re-enumerates on USB for a moment after a hard reset.
        for attempt in range(attempts):
            try:
                return Session(self.port, soft_reset)
            except (OSError, TransportError):
                if attempt == attempts - 1:
                    raise
                time.sleep(0.25)
        raise AssertionError("unreachable")

    def probe_dht(self, pin: int, delay_ms: int = 2100) -> bool:
        """Whether a DHT22 answers the board's own ``dht`` driver on ``pin`` (3 tries,
        ``delay_ms`` apart: the sensor's 2 s between reads, plus margin)."""
        with self.session() as s:
            return bool(s.exec_value(_DHT_PROBE.format(pin=pin, delay_ms=delay_ms)))

    def dht_answers(self, pin: int) -> bool:
        """:meth:`probe_dht`, once per pin and session."""
        if pin not in self._dht:
            self._dht[pin] = self.probe_dht(pin)
        return self._dht[pin]

    def info(self) -> BoardInfo:
        if self._info is None:
            with self.session() as s:
                self._info = BoardInfo(**s.exec_value(_INFO))
        return self._info
