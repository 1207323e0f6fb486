"""The stand-in board's firmware loop. MicroPython only: the unix port runs it, never CPython.

hil_tests/standin/board.py starts one ``micropython -X heapsize=N agent.py FRAMES CTL ROOT
FIRMWARE`` per boot (a soft reset kills it and starts a fresh one, as a board re-initialises
its heap). The agent makes the process look like a board's interpreter, then executes what
the REPL hands it:

* the host directory ROOT becomes the board's flash, mounted at ``/`` (``os.listdir('/')``,
  ``open('/main.py')``, ``/lib`` on ``sys.path`` as on a Pico), and FIRMWARE (the stand-in
  ``machine``, ``dht``, ``network``, ``bluetooth`` modules and the simulated sensor, built
  into a real board's firmware) at ``/.standin``, last on ``sys.path``;
* code arrives on pipe FRAMES as ``kind, u32 length, bytes`` (``X`` a block for the raw REPL,
  ``S`` one friendly-REPL statement whose expression values are printed, ``F`` a file to run,
  such as ``main.py``), runs in one persistent globals dict until the next reset, prints
  straight to stdout (the board process forwards it with CRLF, as a board's UART does),
  and is answered on pipe CTL: ``B`` as soon as it is read, then ``D, u32 length,
  traceback text`` when it ends (also when it did not compile or did not fit the heap);
* Ctrl-C reaches the running code as SIGINT, which the unix port raises as
  KeyboardInterrupt, as a board raises it on the interrupt character;
* stdin is a pipe nobody writes to: a program reading it waits, as on a board nobody types
  to (bytes typed while code runs wait for the REPL, in the board process).
"""

import gc
import io
import os
import select
import struct
import sys

import vfs

_EXEC = 0x58  # "X"
_SINGLE = 0x53  # "S"
_FILE = 0x46  # "F"
_READY = 0x52  # "R": booted, with the banner text
_BEGIN = 0x42  # "B": a request arrived (from here Ctrl-C may interrupt it)
_DONE = 0x44  # "D": finished, with the traceback text


class BoardFS:
    """The board's flash: a VfsPosix rooted at a host directory.

    VfsPosix builds both paths of ``rename`` in one buffer, so an absolute first path
    is overwritten by the second; giving it the first path relative to the current
    directory (VfsPosix passes relative paths through untouched) avoids that.
    """

    def __init__(self, root):
        self.fs = vfs.VfsPosix(root)

    def mount(self, readonly, mkfs):
        return self.fs.mount(readonly, mkfs)

    def umount(self):
        return self.fs.umount()

    def ilistdir(self, path):
        # (name, type, inode, size), as littlefs on a board reports it (VfsPosix gives 3).
        base = path + "/" if path and not path.endswith("/") else path
        for entry in self.fs.ilistdir(path):
            size = 0
            if entry[1] == 0x8000:
                size = self.fs.stat(base + entry[0])[6]
            yield (entry[0], entry[1], entry[2], size)

    def chdir(self, path):
        return self.fs.chdir(path)

    def getcwd(self):
        return self.fs.getcwd()

    def mkdir(self, path):
        return self.fs.mkdir(path)

    def remove(self, path):
        return self.fs.remove(path)

    def rmdir(self, path):
        return self.fs.rmdir(path)

    def stat(self, path):
        return self.fs.stat(path)

    def statvfs(self, path):
        return self.fs.statvfs(path)

    def open(self, path, mode):
        return self.fs.open(path, mode)

    def rename(self, old, new):
        if old[:1] == "/":
            depth = len([p for p in self.fs.getcwd().split("/") if p])
            old = "../" * depth + old[1:] if depth else old[1:]
        return self.fs.rename(old, new)


class SimulatedSensorModule:
    """Stands in sys.modules for ``iotedge_mp.sim_dht22``, the simulated DHT22 wired to
    the stand-in ``machine.Pin``.

    The board's own ``/lib/iotedge_mp`` (installed by mip) holds no simulator, and a
    package is looked up in one directory only, so the firmware's copy is reached through
    this entry, loaded on the first trigger (a board without a sensor pays nothing).
    """

    def shared(self):
        import _sim_dht22

        return _sim_dht22.shared()


def _wait(poller):
    """Until a request arrives. Wakes every 20 ms so callbacks scheduled by the stand-in
    radio (scan results) run at the idle prompt too, as BLE IRQs do on a board; ipoll
    allocates nothing, so a heap the user's code has filled cannot wedge the board."""
    while True:
        for _ in poller.ipoll(20):
            return


def _receive(frames):
    """The next request as (kind, payload).

    The stream must stay in step with the board whatever happens, so the header is read
    into preallocated buffers, and when the payload does not fit the heap the rest of it
    is read into a preallocated scratch buffer and dropped before MemoryError is raised.
    """
    n = frames.readinto(_HEADER)
    if not n:
        raise EOFError
    while n < 5:
        if not frames.readinto(_ONE):
            raise EOFError
        _HEADER[n] = _ONE[0]
        n += 1
    size = _HEADER[1] | _HEADER[2] << 8 | _HEADER[3] << 16 | _HEADER[4] << 24
    got = 0
    try:
        payload = bytearray(size)
        view = memoryview(payload)
        while got < size:
            n = frames.readinto(view[got:])
            if not n:
                raise EOFError
            got += n
    except MemoryError:
        payload = view = None
        while got < size:
            n = frames.readinto(_SCRATCH, min(size - got, len(_SCRATCH)))
            if not n:
                raise EOFError from None
            got += n
        raise
    return _HEADER[0], payload


def _run(kind, payload, scope, ctl):
    """Execute one request; return the traceback text ("" when it finished normally)."""
    try:
        # Every request is answered B ... D, whatever happens (the board takes one D per
        # B); from here on Ctrl-C (SIGINT) may interrupt this run.
        _reply(ctl, _BEGIN, "")
        if kind == _FILE:
            path = payload.decode()
            with open(path) as f:
                source = f.read()
            code = compile(source, path, "exec")
        else:
            mode = "single" if kind == _SINGLE else "exec"
            code = compile(str(payload, "utf-8"), "<stdin>", mode)
        source = payload = None
        exec(code, scope)
    except SystemExit:
        return ""
    except BaseException as exc:  # a board reports every exception it sees
        return _traceback(exc)
    return ""


def _traceback(exc):
    """The traceback a board prints: without the agent's own frames."""
    text = io.StringIO()
    sys.print_exception(exc, text)
    own = '  File "' + __file__ + '"'
    return "".join(line + "\n" for line in text.getvalue().split("\n") if line and own not in line)


def _reply(ctl, tag, text):
    _reply_bytes(ctl, tag, text.encode())


def _reply_bytes(ctl, tag, data):
    # The header buffer is allocated once: a reply must get out even when the heap is full.
    struct.pack_into("<BI", _REPLY, 0, tag, len(data))
    ctl.write(_REPLY)
    ctl.write(data)


_HEADER = bytearray(5)
_ONE = bytearray(1)
_REPLY = bytearray(5)
_SCRATCH = bytearray(256)
_NO_MEMORY = b"MemoryError: memory allocation failed (the heap is full)\n"


def _banner():
    # sys.version is "3.4.0; MicroPython v1.2x.y on YYYY-MM-DD"
    return sys.version.split("; ", 1)[-1] + "; " + sys.implementation._machine


def main():
    frames = open("/dev/fd/" + sys.argv[1], "rb")
    ctl = open("/dev/fd/" + sys.argv[2], "wb")
    root, firmware = sys.argv[3], sys.argv[4]
    vfs.mount(BoardFS(root), "/")
    vfs.mount(vfs.VfsPosix(firmware), "/.standin")
    os.chdir("/")
    sys.path[:] = ["", ".frozen", "/lib", "/.standin"]
    sys.argv[:] = []
    sys.modules["iotedge_mp.sim_dht22"] = SimulatedSensorModule()
    poller = select.poll()
    poller.register(frames, select.POLLIN)
    scope = {"__name__": "__main__"}
    gc.collect()
    _reply(ctl, _READY, _banner())
    while True:
        running = False
        try:
            _wait(poller)
            running = True
            kind, payload = _receive(frames)
            error = _run(kind, payload, scope, ctl)
            payload = None
            _reply(ctl, _DONE, error)
            running = False
        except KeyboardInterrupt as exc:
            # Ctrl-C landed just outside the user's code. If the run was not answered
            # yet, answer it now; a second answer (the interrupt hit between the reply
            # and the flag) is ignored by the board, which takes one per "B".
            if running:
                _reply(ctl, _DONE, _traceback(exc))
        except MemoryError:
            # The request, or its traceback, did not fit: say so with what is preallocated.
            payload = None
            if running:
                _reply_bytes(ctl, _BEGIN, b"")
                _reply_bytes(ctl, _DONE, _NO_MEMORY)
        except EOFError:
            return


main()
