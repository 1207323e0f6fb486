"""Run MicroPython device apps under the unix port with the stand-in board modules,
and watch an MQTT broker with a CPython paho subscriber (shared by the node and
bridge tests, and reusable by hil_tests)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from tests._mpy import ROOT, SRC, micropython_binary

MP = ROOT / "micropython"
APPS = MP / "apps"
MP_PATH = [MP / "standins", MP, APPS, SRC]

# The simulated environment: unique temperatures and humidities per index, so every
# published value names the measurement it came from (and negatives are covered).
SCHEDULE = [(-400 + 3 * i, 1000 - 2 * i) for i in range(400)]
TEMPERATURE_INDEX = {t: i for i, (t, _) in enumerate(SCHEDULE)}
HUMIDITY_INDEX = {h: i for i, (_, h) in enumerate(SCHEDULE)}


def tenths_text(value: int) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value) // 10}.{abs(value) % 10}"


def parse_tenths(text: str) -> int:
    """Exact parse of the node's one-decimal text (never through float)."""
    sign = -1 if text.startswith("-") else 1
    whole, _, frac = text.lstrip("-").partition(".")
    assert whole.isdigit() and len(frac) == 1 and frac.isdigit(), text
    return sign * (int(whole) * 10 + int(frac))


def write_sim(path: Path, faults: dict[int, str] | None = None, **extra: object) -> Path:
    spec = {"readings": SCHEDULE, "faults": {str(k): v for k, v in (faults or {}).items()}}
    spec.update(extra)
    path.write_text(json.dumps(spec))
    return path


class MpApp:
    """One MicroPython app process on the stand-in board."""

    def __init__(
        self, script: Path, args: list[str], env: dict[str, str], log: Path, **popen: object
    ) -> None:
        full_env = dict(os.environ)
        full_env.update(env)
        full_env["MICROPYPATH"] = ":".join(str(p) for p in MP_PATH)
        self.log_path = log
        self._log = open(log, "ab")
        kwargs: dict[str, object] = {"stdout": self._log, "stderr": subprocess.STDOUT}
        kwargs.update(popen)
        self.proc = subprocess.Popen(
            [micropython_binary(), str(script), *args],
            env=full_env,
            **kwargs,  # type: ignore[call-overload]
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_output(self, needle: str, count: int = 1, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.output().count(needle) >= count:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no {count}x {needle!r} in app output:\n{self.output()[-3000:]}")

    def stop(self, sig: int = signal.SIGKILL) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=10)
        self._log.close()
        return code


class Subscriber:
    """A CPython paho 2.x subscriber that records every message, reconnecting as needed."""

    def __init__(self, port: int, topic: str = "#") -> None:
        self.messages: list[tuple[str, bytes, bool]] = []
        self.redelivered: list[tuple[str, bytes, bool]] = []
        self._lock = threading.Lock()
        self.connected = threading.Event()
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id="test-sub", clean_session=False
        )
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(0.05, 0.5)
        self.topic = topic
        self.client.connect("127.0.0.1", port, keepalive=5)
        self.client.loop_start()
        assert self.connected.wait(10), "subscriber did not connect"

    def _on_connect(
        self, client: paho.Client, userdata: object, flags: object, rc: object, props: object = None
    ) -> None:
        client.subscribe(self.topic, qos=1)
        self.connected.set()

    def _on_message(self, client: paho.Client, userdata: object, msg: paho.MQTTMessage) -> None:
        entry = (msg.topic, bytes(msg.payload), bool(msg.retain))
        with self._lock:
            # QoS 1 is at least once: a broker killed before it saved our PUBACK sends
            # the in-flight message again with DUP set. Count what the node published,
            # not the broker's redelivery of it.
            if msg.dup and entry[:2] in {m[:2] for m in self.messages[-50:]}:
                self.redelivered.append(entry)
                return
            self.messages.append(entry)

    def on(self, topic: str) -> list[bytes]:
        with self._lock:
            return [p for t, p, _ in self.messages if t == topic]

    def wait_for(
        self, predicate: Callable[[Subscriber], bool], timeout: float = 20, what: str = ""
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; got {self.messages[-20:]}")

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()
