"""A broker for ``iotedge demo`` when no ``--mqtt URL`` is given: nothing to install.

* ``amqtt`` (default): the pure-Python broker from the ``mqtt`` extra, run in this
  process on its own thread and event loop, listening on a free loopback port. It
  speaks MQTT 3.1.1 (clients use ``protocol="3.1.1"``), keeps retained messages,
  QoS 1 and persistent sessions in memory.
* ``mosquitto``: the system's mosquitto binary, started on a free loopback port with a
  temporary configuration (MQTT 5), stopped with the demo.

amqtt and mosquitto are imported/started only here (the demo's broker, not an app's
dependency: gateways in production point at the venue's broker).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KINDS = ("amqtt", "mosquitto")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mosquitto_binary() -> str | None:
    for candidate in (shutil.which("mosquitto"), "/usr/sbin/mosquitto"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


class EmbeddedBroker:
    """``start()`` a broker on 127.0.0.1; ``url`` and ``protocol`` say how to reach it."""

    def __init__(self, kind: str = "amqtt", port: int = 0) -> None:
        if kind not in KINDS:
            raise ValueError(f"broker kind must be one of {KINDS}")
        self.kind = kind
        self.port = port or free_port()
        self.protocol = "3.1.1" if kind == "amqtt" else "5"
        self.loop_errors = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> EmbeddedBroker:
        if self.kind == "amqtt":
            self._start_amqtt(timeout)
        else:
            self._start_mosquitto(timeout)
        return self

    def _start_amqtt(self, timeout: float) -> None:
        from amqtt.broker import Broker

        # amqtt logs a client take-over (a gateway reconnecting after a crash) as a
        # warning; ours to count, not to print over the demo's screen.
        for name in ("amqtt", "transitions"):
            logging.getLogger(name).setLevel(logging.ERROR)
        config: dict[str, Any] = {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        }
        ready: Future[None] = Future()

        def on_loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            # amqtt 0.12 can fail a connection handler when many clients connect at once
            # ("dictionary changed size during iteration"); the client retries and gets in.
            self.loop_errors += 1
            log.warning("amqtt broker: %s: %s", context.get("message"), context.get("exception"))

        def serve() -> None:
            loop = asyncio.new_event_loop()
            loop.set_exception_handler(on_loop_error)
            self._loop = loop

            async def main() -> None:
                self._stopped = asyncio.Event()
                broker = Broker(config)
                try:
                    await broker.start()
                except Exception as exc:  # report the failure to start() and end
                    ready.set_exception(exc)
                    return
                ready.set_result(None)
                await self._stopped.wait()
                await broker.shutdown()

            try:
                loop.run_until_complete(main())
            finally:
                loop.close()

        self._thread = threading.Thread(target=serve, name="amqtt-broker", daemon=True)
        self._thread.start()
        ready.result(timeout)
        log.info("amqtt broker listening on %s", self.url)

    def _start_mosquitto(self, timeout: float) -> None:
        binary = mosquitto_binary()
        if binary is None:
            raise RuntimeError("mosquitto is not installed (use the amqtt broker)")
        self._tmp = tempfile.TemporaryDirectory(prefix="iotedge-mosquitto-")
        conf = Path(self._tmp.name) / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "max_queued_messages 100000\nlog_dest none\n"
        )
        self._proc = subprocess.Popen(
            [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError("mosquitto exited at start")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    log.info("mosquitto listening on %s", self.url)
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"mosquitto did not listen on port {self.port}")

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            stopped = self._stopped
            try:
                self._loop.call_soon_threadsafe(stopped.set)
            except RuntimeError:  # the loop already ended (the broker failed to start)
                pass
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
