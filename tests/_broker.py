"""A real mosquitto broker for tests: own port on loopback, temp config and data dir.

    from tests._broker import Mosquitto
    with Mosquitto(tmp_path) as broker:
        broker.port ...
        broker.stop(); broker.start()   # kill mid-stream, restart on the same port

Mosquitto comes from Debian (``apt-get install -y mosquitto``, done by tools/test.sh).
A missing binary is an error, not a skip: the integration tests are part of the suite.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType


def mosquitto_binary() -> str:
    for candidate in (shutil.which("mosquitto"), "/usr/sbin/mosquitto"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("mosquitto not installed: apt-get install -y mosquitto")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mosquitto:
    """One mosquitto process bound to 127.0.0.1 on a free port, with persistence."""

    def __init__(
        self,
        workdir: Path,
        port: int | None = None,
        persistence: bool = True,
        autosave_interval: int = 1,
    ) -> None:
        self.workdir = Path(workdir)
        self.autosave_interval = autosave_interval
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.persistence = persistence
        self.proc: subprocess.Popen[bytes] | None = None
        self.config = self.workdir / "mosquitto.conf"
        self.log = self.workdir / "mosquitto.log"

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def _write_config(self) -> None:
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            f"persistence {'true' if self.persistence else 'false'}",
            f"persistence_location {self.workdir}/",
            f"autosave_interval {self.autosave_interval}",
            f"log_dest file {self.log}",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "max_queued_messages 100000",
        ]
        if os.geteuid() == 0:
            # As root mosquitto drops to the 'mosquitto' user, which cannot write its
            # persistence file or log into pytest's private temp dir: a hard kill would
            # then lose every persistent session. Stay root for the test broker.
            lines.append("user root")
        self.config.write_text("\n".join(lines) + "\n")

    def start(self, timeout: float = 10.0) -> Mosquitto:
        self._write_config()
        self.proc = subprocess.Popen(
            [mosquitto_binary(), "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"mosquitto exited early: {err} {self._log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"mosquitto did not listen on {self.port}: {self._log_text()}")

    def _log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def stop(self, hard: bool = False) -> None:
        """Stop the broker; ``hard`` kills it (SIGKILL) as a crash would."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()
        self.proc = None

    def crash(self) -> None:
        """SIGKILL the broker as a power cut would: no save, no goodbye to clients."""
        self.stop(hard=True)

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
