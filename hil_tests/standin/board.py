"""A stand-in board: the MicroPython unix port behind a pseudo-terminal, driven like a USB board.

The unix port's own REPL has no raw REPL, so this CPython process plays the board's UART and
REPL (``pyexec.c`` on a real port) and lets a ``micropython`` child process
(hil_tests/standin/agent.py) do the executing::

    mpremote / pyserial  <->  pty  <->  StandinBoard (this file)  <->  micropython agent.py
                                                                          flash = ROOT at "/"

What ``mpremote`` (transport_serial.py) relies on, implemented as a board does it:

* Ctrl-C interrupts running code (SIGINT to the child -> KeyboardInterrupt);
* Ctrl-A enters the raw REPL: ``raw REPL; CTRL-B to exit\\r\\n>``; Ctrl-D runs the buffered
  code: ``OK``, its output, ``\\x04``, the traceback, ``\\x04``, ``>``;
* raw-paste mode (``\\x05A\\x01``): ``R\\x01``, a 128-byte window, ``\\x01`` for each window
  consumed, ``\\x04`` acknowledging the end;
* Ctrl-D on an empty line is a soft reset: ``MPY: soft reboot``, the interpreter is replaced
  by a fresh one (new heap, modules and globals gone), ``boot.py`` runs, and ``main.py`` too
  when the reset came from the friendly REPL;
* Ctrl-B returns to the friendly REPL (banner, ``>>> ``, echo, line editing, paste mode);
* output goes out with CRLF line ends, as a board's UART sends it;
* a child that dies (the stand-in watchdog or ``machine.reset()``) is a hard reset: the board
  boots again into the friendly REPL and runs ``main.py``.

Run one by hand: ``python -m hil_tests.standin.board`` prints the pty path; then
``mpremote connect /dev/pts/N repl``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import tty
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
AGENT = HERE / "agent.py"

#: A Pico W's heap: ``micropython.mem_info()`` there says "GC: total: 192064" (docs/hil.md
#: names the source); ``-X heapsize=194300`` gives the unix port a GC total of 192000.
DEFAULT_HEAP = "194300"

#: Where the firmware modules come from (symlinked into the board's firmware directory).
FIRMWARE_MODULES = {
    "machine.py": REPO / "micropython" / "standins" / "machine.py",
    "dht.py": REPO / "micropython" / "standins" / "dht.py",
    "network.py": REPO / "micropython" / "standins" / "network.py",
    "bluetooth.py": HERE / "firmware" / "bluetooth.py",
    "_sim_dht22.py": REPO / "micropython" / "iotedge_mp" / "sim_dht22.py",
}
#: Board-side paths of the stand-in hardware's control files (under the firmware mount).
BOARD_HW = "/.standin/hw"

RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
SOFT_REBOOT = b"MPY: soft reboot\r\n"
PASTE_WINDOW = 128

CTRL_A, CTRL_B, CTRL_C, CTRL_D, CTRL_E = 1, 2, 3, 4, 5
_KIND_EXEC, _KIND_SINGLE, _KIND_FILE = ord("X"), ord("S"), ord("F")
_READY, _BEGIN, _DONE = ord("R"), ord("B"), ord("D")
_TX_LIMIT = 1 << 20  # bytes of output kept while nobody reads the port; then oldest dropped
_COMPOUND = ("def ", "class ", "if ", "for ", "while ", "try:", "with ", "async ", "@")


def assemble_firmware(target: Path) -> Path:
    """Lay out the firmware directory (mounted at ``/.standin`` on the board)."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "hw").mkdir(exist_ok=True)
    for name, source in FIRMWARE_MODULES.items():
        link = target / name
        if not link.exists():
            link.symlink_to(source)
    return target


def cooked(data: bytes) -> bytes:
    """LF -> CRLF, as MicroPython's ``mp_hal_stdout_tx_strn_cooked`` sends every newline."""
    return data.replace(b"\n", b"\r\n")


class StandinBoard:
    """One board: the pty, the REPL state machine and the interpreter child."""

    def __init__(
        self,
        root: Path,
        firmware: Path,
        heapsize: str = DEFAULT_HEAP,
        env: dict[str, str] | None = None,
        binary: str | None = None,
    ) -> None:
        self.root = Path(root)
        self.firmware = Path(firmware)
        self.heapsize = heapsize
        self.env = dict(env or {})
        self.binary = binary or shutil.which("micropython") or "micropython"
        self.master, self._slave = os.openpty()
        # The board's end stays open (pyserial finds a quiet, raw line); output is queued
        # while no host reads, as a USB CDC port buffers it.
        tty.setraw(self._slave)
        os.set_blocking(self.master, False)
        self.port = os.ttyname(self._slave)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.master, selectors.EVENT_READ, "host")
        self.child: subprocess.Popen[bytes] | None = None
        self._frames = -1
        self._ctl = -1
        self._ctl_buf = b""
        self._tx = bytearray()
        self.banner = ""
        self.raw = False  # raw REPL (True) or friendly REPL
        self.state = "boot"  # boot | idle | paste | run
        self._steps: list[tuple[int, bytes, str]] = []
        self._framing = ""  # how the running request reports: raw | friendly | boot
        self._started = False
        self._interrupt = False
        self._boot_interrupt = False
        self._pending = bytearray()  # host bytes typed ahead while booting or running
        self._line = bytearray()  # raw REPL buffer, or the friendly line being edited
        self._stmt: list[str] = []  # friendly REPL: lines of a compound statement
        self._paste_count = 0
        self._friendly_paste = False
        self._escape = 0
        self.boots = 0
        self.stopping = False
        # IOTEDGE_STANDIN_TRACE=1: every byte to and from the host on stderr.
        self.trace = os.environ.get("IOTEDGE_STANDIN_TRACE") == "1"
        self.parent = 0  # when set: stop once this process is no longer our parent

    # -- child process -------------------------------------------------------------------

    def _spawn(self) -> None:
        frames_r, frames_w = os.pipe()
        ctl_r, ctl_w = os.pipe()
        env = dict(os.environ)
        env.update(self.env)
        env["MICROPYPATH"] = ".frozen"
        self.child = subprocess.Popen(
            [
                self.binary,
                "-X",
                "heapsize=" + self.heapsize,
                str(AGENT),
                str(frames_r),
                str(ctl_w),
                str(self.root),
                str(self.firmware),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(frames_r, ctl_w),
            env=env,
            start_new_session=True,  # a Ctrl-C typed at this process's terminal is ours
        )
        os.close(frames_r)
        os.close(ctl_w)
        self._frames = frames_w
        self._ctl = ctl_r
        self._ctl_buf = b""
        assert self.child.stdout is not None and self.child.stdin is not None
        os.set_blocking(self.child.stdout.fileno(), False)
        os.set_blocking(self.child.stdin.fileno(), False)
        os.set_blocking(ctl_r, False)
        self.sel.register(self.child.stdout.fileno(), selectors.EVENT_READ, "stdout")
        self.sel.register(ctl_r, selectors.EVENT_READ, "ctl")
        self.boots += 1

    def _kill(self) -> None:
        child, self.child = self.child, None
        if child is None:
            return
        assert child.stdout is not None and child.stdin is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        for fd in (child.stdout.fileno(), self._ctl):
            with contextlib.suppress(KeyError, ValueError):
                self.sel.unregister(fd)
        child.stdout.close()
        with contextlib.suppress(OSError):
            child.stdin.close()
        for fd in (self._frames, self._ctl):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._frames = self._ctl = -1

    def boot(self, run_main: bool) -> None:
        """Power-on or reset: a fresh interpreter, then boot.py (and main.py)."""
        self._kill()
        self.state = "boot"
        self._steps = [(_KIND_FILE, b"boot.py", "boot")] if (self.root / "boot.py").exists() else []
        if run_main and (self.root / "main.py").exists():
            self._steps.append((_KIND_FILE, b"main.py", "boot"))
        self._spawn()

    def _send(self, kind: int, payload: bytes, framing: str) -> None:
        self.state = "run"
        self._framing = framing
        self._started = False
        self._interrupt = False
        data = struct.pack("<BI", kind, len(payload)) + payload
        view = memoryview(data)
        while view:  # the agent reads as fast as we write; a short blocking write is fine
            view = view[os.write(self._frames, view) :]

    def _next_step(self) -> None:
        """After boot or a finished request: run the next boot file, or show the prompt."""
        if self._steps:
            kind, payload, framing = self._steps.pop(0)
            self._send(kind, payload, framing)
            self._interrupt, self._boot_interrupt = self._boot_interrupt, False
            return
        self._boot_interrupt = False
        booted = self.state == "boot" or self._framing == "boot"
        self.state = "idle"
        self._framing = ""
        if booted:
            self._prompt(banner=True)
        if self._pending:
            pending, self._pending = bytes(self._pending), bytearray()
            self._feed(pending)

    def _prompt(self, banner: bool = False) -> None:
        if self.raw:
            self.emit(RAW_BANNER + b">")
        else:
            if banner:
                self.emit(self._friendly_banner())
            self.emit(b">>> ")

    def _friendly_banner(self) -> bytes:
        return (self.banner + '\r\nType "help()" for more information.\r\n').encode()

    # -- output to the host --------------------------------------------------------------

    def emit(self, data: bytes) -> None:
        if self.trace:
            print(f"board -> host {data!r}", file=sys.stderr, flush=True)
        self._tx += data
        if len(self._tx) > _TX_LIMIT:
            del self._tx[: len(self._tx) - _TX_LIMIT]
        self._flush()

    def _flush(self) -> None:
        while self._tx:
            try:
                n = os.write(self.master, self._tx)
            except BlockingIOError:
                break
            del self._tx[:n]
        self.sel.modify(
            self.master,
            selectors.EVENT_READ | (selectors.EVENT_WRITE if self._tx else 0),
            "host",
        )

    def _child_output(self) -> None:
        if self.child is None or self.child.stdout is None:
            return
        fd = self.child.stdout.fileno()
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            if not data:
                self._child_died()
                return
            self.emit(cooked(data))

    def _child_died(self) -> None:
        # The watchdog or machine.reset(): the board reboots into the friendly REPL.
        if self.stopping:
            return
        self.raw = False
        self._line.clear()
        self._stmt.clear()
        self.boot(run_main=True)

    def _control(self) -> None:
        try:
            data = os.read(self._ctl, 65536)
        except BlockingIOError:
            return
        if not data:
            child = self.child
            self._child_output()  # drain it; its end of output may already reboot the board
            if self.child is child:
                self._child_died()
            return
        self._ctl_buf += data
        while len(self._ctl_buf) >= 5:
            tag, size = struct.unpack_from("<BI", self._ctl_buf)
            if len(self._ctl_buf) < 5 + size:
                break
            text = self._ctl_buf[5 : 5 + size].decode(errors="replace")
            self._ctl_buf = self._ctl_buf[5 + size :]
            self._message(tag, text)

    def _message(self, tag: int, text: str) -> None:
        # Everything the child printed before this message is already in its stdout pipe.
        self._child_output()
        if tag == _READY:
            self.banner = text.replace("linux", "iotedge stand-in board, unix port", 1)
            self._next_step()
        elif tag == _BEGIN and self.state == "run":
            self._started = True
            if self._interrupt:
                self._sigint()
        elif tag == _DONE and self.state == "run" and self._started:
            self._finished(text.encode())

    def _finished(self, error: bytes) -> None:
        framing = self._framing
        if framing == "raw":
            self.emit(b"\x04" + cooked(error) + b"\x04>")
        else:
            self.emit(cooked(error))
            if framing == "friendly":
                self.emit(b">>> ")
        self._next_step()

    def _sigint(self) -> None:
        if self.child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.child.pid, signal.SIGINT)

    # -- input from the host -------------------------------------------------------------

    def _host_input(self) -> None:
        try:
            data = os.read(self.master, 4096)
        except (BlockingIOError, OSError):
            return
        if self.trace:
            print(f"host -> board {data!r} ({self.state})", file=sys.stderr, flush=True)
        self._feed(data)

    def _feed(self, data: bytes) -> None:
        for byte in data:
            if self.state in ("boot", "run"):
                # Type-ahead waits for the REPL, as in a board's receive buffer; only the
                # interrupt character acts at once.
                if byte == CTRL_C:
                    self._interrupt_request()
                else:
                    self._pending.append(byte)
            elif self.state == "paste":
                self._paste_byte(byte)
            elif self.raw:
                self._raw_byte(byte)
            else:
                self._friendly_byte(byte)

    def _interrupt_request(self) -> None:
        if self.state == "boot":
            self._boot_interrupt = True  # interrupts boot.py/main.py once it starts
        elif self._started:
            self._sigint()
        else:
            self._interrupt = True

    def _raw_byte(self, byte: int) -> None:
        if byte == CTRL_A:
            if bytes(self._line) == b"\x05A":
                # raw-paste: supported, with flow control in PASTE_WINDOW steps
                self._line.clear()
                self._paste_count = 0
                self.state = "paste"
                self.emit(b"R\x01" + struct.pack("<H", PASTE_WINDOW))
                return
            if len(self._line) == 2 and self._line[0] == CTRL_E:
                self._line.clear()
                self.emit(b"R\x00")
                return
            self._line.clear()
            self.emit(RAW_BANNER + b">")
        elif byte == CTRL_B:
            self._line.clear()
            self.raw = False
            self.emit(b"\r\n" + self._friendly_banner() + b">>> ")
        elif byte == CTRL_C:
            self._line.clear()
        elif byte == CTRL_D:
            self.emit(b"OK")
            if not self._line:
                self.emit(b"\r\n" + SOFT_REBOOT)
                self.boot(run_main=False)
                return
            code, self._line = bytes(self._line), bytearray()
            self._send(_KIND_EXEC, code, "raw")
        else:
            self._line.append(byte)

    def _paste_byte(self, byte: int) -> None:
        if byte == CTRL_D:
            code, self._line = bytes(self._line), bytearray()
            self.emit(b"\x04")
            self._send(_KIND_EXEC, code, "raw")
            return
        self._line.append(byte)
        self._paste_count += 1
        if self._paste_count % PASTE_WINDOW == 0:
            self.emit(b"\x01")

    def _friendly_byte(self, byte: int) -> None:
        if self._escape:  # skip terminal escape sequences (arrow keys and the like)
            self._escape = 0 if (self._escape > 1 and 0x40 <= byte <= 0x7E) else 2
            return
        if self._friendly_paste:
            self._friendly_paste_byte(byte)
            return
        if byte == 0x1B:
            self._escape = 1
        elif byte == CTRL_A:
            self._line.clear()
            self._stmt.clear()
            self.raw = True
            self.emit(b"\r\n" + RAW_BANNER + b">")
        elif byte == CTRL_B:
            self._line.clear()
            self._stmt.clear()
            self.emit(b"\r\n" + self._friendly_banner() + b">>> ")
        elif byte == CTRL_C:
            self._line.clear()
            self._stmt.clear()
            self.emit(b"\r\n>>> ")
        elif byte == CTRL_D and not self._line and not self._stmt:
            self.emit(b"\r\n" + SOFT_REBOOT)
            self.boot(run_main=True)
        elif byte == CTRL_E:
            self._line.clear()
            self._stmt.clear()
            self._friendly_paste = True
            self.emit(b"\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ")
        elif byte in (0x08, 0x7F):
            if self._line:
                self._line.pop()
                self.emit(b"\x08 \x08")
        elif byte == 0x0D:
            self.emit(b"\r\n")
            self._friendly_line(self._line.decode(errors="replace"))
            self._line.clear()
        elif byte >= 0x20 or byte == 0x09:
            self._line.append(byte)
            self.emit(bytes((byte,)))

    def _friendly_line(self, line: str) -> None:
        if self._stmt:
            if line.strip():
                self._stmt.append(line)
                self.emit(b"... ")
                return
            code, self._stmt = "\n".join(self._stmt) + "\n", []
            self._send(_KIND_SINGLE, code.encode(), "friendly")
            return
        if not line.strip():
            self.emit(b">>> ")
            return
        stripped = line.strip()
        if stripped.endswith((":", "\\")) or stripped.startswith(_COMPOUND) or _unbalanced(line):
            self._stmt.append(line)
            self.emit(b"... ")
            return
        self._send(_KIND_SINGLE, line.encode(), "friendly")

    def _friendly_paste_byte(self, byte: int) -> None:
        if byte == CTRL_C:
            self._friendly_paste = False
            self._line.clear()
            self.emit(b"\r\n>>> ")
        elif byte == CTRL_D:
            self._friendly_paste = False
            code, self._line = bytes(self._line), bytearray()
            self.emit(b"\r\n")
            self._send(_KIND_EXEC, code.replace(b"\r", b"\n"), "friendly")
        elif byte == 0x0D:
            self._line.append(0x0A)
            self.emit(b"\r\n=== ")
        elif byte != 0x0A:
            self._line.append(byte)
            self.emit(bytes((byte,)))

    # -- main loop -----------------------------------------------------------------------

    def serve(self) -> None:
        """Boot, then serve the pty until :meth:`stop` (or SIGTERM)."""
        self.boot(run_main=True)
        while not self.stopping:
            if self.parent and os.getppid() != self.parent:
                break  # the test run that started us is gone: no orphan boards
            for key, events in self.sel.select(timeout=0.2):
                if self.stopping:
                    break
                what = key.data
                if what == "host":
                    if events & selectors.EVENT_WRITE:
                        self._flush()
                    if events & selectors.EVENT_READ:
                        self._host_input()
                elif what == "stdout":
                    self._child_output()
                elif what == "ctl":
                    self._control()
        self._kill()

    def stop(self) -> None:
        self.stopping = True


def _unbalanced(line: str) -> bool:
    depth = 0
    for ch in line:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return depth > 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--root", help="host directory holding the board's flash (default: temp)")
    parser.add_argument("--firmware", help="firmware directory (default: <root>/../firmware)")
    parser.add_argument("--heapsize", default=DEFAULT_HEAP, help="MicroPython heap size")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the board")
    parser.add_argument(
        "--exit-with-parent", action="store_true", help="stop when the parent process exits"
    )
    args = parser.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="iotedge-board-"))
    root = Path(args.root) if args.root else base / "flash"
    root.mkdir(parents=True, exist_ok=True)
    firmware = assemble_firmware(Path(args.firmware) if args.firmware else base / "firmware")
    env = dict(item.split("=", 1) for item in args.env)
    board = StandinBoard(root, firmware, args.heapsize, env)
    if args.exit_with_parent:
        board.parent = os.getppid()
    signal.signal(signal.SIGTERM, lambda *_: board.stop())
    signal.signal(signal.SIGINT, lambda *_: board.stop())
    print(board.port, flush=True)
    print(f"flash: {root}  firmware: {firmware}", file=sys.stderr, flush=True)
    board.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
