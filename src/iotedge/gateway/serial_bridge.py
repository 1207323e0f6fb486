"""Serial bridge: readings from a tethered board's serial line, published to MQTT.

The board writes the iotedge serial protocol (``micropython/apps/serial_node.py``,
frames from :mod:`iotedge.core.serial_frame`); this side reads it from any
:class:`~iotedge.hal.serial_link.SerialLink` (pyserial in production, a pty in tests),
feeds :class:`~iotedge.core.serial_frame_reader.FrameReader`, and publishes:

==============================  ===========================================  ======
topic (prefix ``pico``)          payload                                       QoS
==============================  ===========================================  ======
pico/temperature/dht22           ``21.5`` (text format)                        1
pico/humidity/dht22              ``45.6`` (text format)                        1
pico/temperature/internal        ``27.6`` (text format, when the board sends)  1
pico/dht22                       JSON reading with seq and session (json)      1
pico/error/dht22                 sensor error reason from an ``E`` frame       1
pico/bridge/gap                  ``{"session","first","count"}`` lost frames   1
pico/bridge/restart              ``{"old","new"}`` board sessions              1
pico/bridge/device               ``{"device","session","version"}`` retained   1
pico/bridge/status               ``online`` / ``offline`` (last will) retained 1
==============================  ===========================================  ======

Corrupt frames are never published: they are counted, logged and show up as a gap
once the next good frame arrives. The same topic schema as the Wi-Fi node, so a
dashboard does not care which way a reading travelled.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from iotedge.core import serial_frame, serial_frame_reader
from iotedge.core.dht22 import format_tenths
from iotedge.hal.serial_link import SerialLink

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes, int, bool], None]


@dataclass
class BridgeStats:
    frames: int = 0
    readings: int = 0
    corrupt: int = 0
    missing: int = 0
    garbage_bytes: int = 0
    duplicates: int = 0
    restarts: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class SerialBridge:
    """Turns serial bytes into MQTT messages through ``publish(topic, payload, qos, retain)``."""

    def __init__(
        self, publish: Publish, topic_prefix: str = "pico", fmt: str = "text", qos: int = 1
    ) -> None:
        if fmt not in ("text", "json"):
            raise ValueError(f"format must be 'text' or 'json', not {fmt!r}")
        self.publish = publish
        self.prefix = topic_prefix
        self.fmt = fmt
        self.qos = qos
        self.reader = serial_frame_reader.FrameReader()
        self.stats = BridgeStats()

    def _send(self, topic: str, payload: str, retain: bool = False) -> None:
        self.publish(f"{self.prefix}/{topic}", payload.encode(), self.qos, retain)

    def feed(self, data: bytes) -> None:
        for event in self.reader.feed(data):
            self._event(event)

    def _event(self, event: tuple[Any, ...]) -> None:
        kind = event[0]
        stats = self.stats
        if kind == serial_frame_reader.FRAME:
            stats.frames += 1
            self._frame(*event[1])
        elif kind == serial_frame_reader.CORRUPT:
            stats.corrupt += 1
            stats.reasons[event[1]] = stats.reasons.get(event[1], 0) + 1
            log.warning("serial: corrupt frame dropped: %s: %s", event[1], event[2])
        elif kind == serial_frame_reader.GARBAGE:
            stats.garbage_bytes += event[1]
        elif kind == serial_frame_reader.GAP:
            _, session, first, count = event
            stats.missing += count
            log.warning(
                "serial: %d frame(s) lost from seq %d (session %04X)", count, first, session
            )
            self._send(
                "bridge/gap",
                json.dumps({"session": f"{session:04X}", "first": first, "count": count}),
            )
        elif kind == serial_frame_reader.DUPLICATE:
            stats.duplicates += 1
        elif kind == serial_frame_reader.RESTART:
            stats.restarts += 1
            log.info("serial: board restarted (session %04X -> %04X)", event[1], event[2])
            self._send(
                "bridge/restart", json.dumps({"old": f"{event[1]:04X}", "new": f"{event[2]:04X}"})
            )

    def _frame(self, session: int, seq: int, kind: str, fields: list[Any]) -> None:
        if kind == serial_frame.READING:
            self.stats.readings += 1
            if self.fmt == "json":
                doc = {"session": f"{session:04X}", "seq": seq}
                names = ("temperature", "humidity", "internal")
                body = ",".join(
                    [f'"{k}":{json.dumps(v)}' for k, v in doc.items()]
                    + [f'"{n}":{format_tenths(v)}' for n, v in zip(names, fields, strict=False)]
                )
                self._send("dht22", "{" + body + "}")
                return
            self._send("temperature/dht22", format_tenths(fields[0]))
            self._send("humidity/dht22", format_tenths(fields[1]))
            if len(fields) == 3:
                self._send("temperature/internal", format_tenths(fields[2]))
        elif kind == serial_frame.ERROR:
            self._send("error/dht22", fields[0])
        elif kind == serial_frame.HELLO:
            doc = {"device": fields[0], "session": f"{session:04X}", "version": fields[1]}
            self._send("bridge/device", json.dumps(doc), retain=True)

    def run(self, link: SerialLink, stop: threading.Event, chunk: int = 256) -> None:
        """Read ``link`` until ``stop`` is set (or the link fails with OSError)."""
        while not stop.is_set():
            data = link.read(chunk)
            if data:
                self.feed(data)


def open_serial(port: str, baudrate: int = 115200, timeout: float = 0.2) -> SerialLink:
    """A pyserial port as a SerialLink (pyserial is imported only here)."""
    import serial

    link: SerialLink = serial.Serial(port, baudrate=baudrate, timeout=timeout)
    return link


class PahoPublisher:
    """Publishes through paho-mqtt 2.x with a retained online/offline status and its
    last will, reconnecting with paho's backoff. ``__call__`` is a :data:`Publish`."""

    def __init__(
        self, url: str, status_topic: str, client_id: str = "iotedge-serial-bridge"
    ) -> None:
        import urllib.parse

        import paho.mqtt.client as paho
        from paho.mqtt.enums import CallbackAPIVersion

        parts = urllib.parse.urlparse(url)
        if parts.scheme not in ("mqtt", "tcp", ""):
            raise ValueError(f"unsupported MQTT URL scheme {parts.scheme!r} (use mqtt://host:port)")
        self.status_topic = status_topic
        self.connected = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        if parts.username:
            self.client.username_pw_set(parts.username, parts.password)
        self.client.will_set(status_topic, b"offline", qos=1, retain=True)
        self.client.reconnect_delay_set(1, 10)
        # Bounded: during a long outage the oldest readings are dropped, not memory.
        self.client.max_queued_messages_set(1000)
        self.client.on_connect = self._on_connect
        self.client.connect_async(parts.hostname or "127.0.0.1", parts.port or 1883, keepalive=30)
        self.client.loop_start()

    def _on_connect(
        self, client: Any, userdata: Any, flags: Any, rc: Any, props: Any = None
    ) -> None:
        client.publish(self.status_topic, b"online", qos=1, retain=True)
        self.connected.set()

    def __call__(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        # paho queues QoS 1 messages while disconnected (up to 1000) and sends them on
        # reconnect.
        self.client.publish(topic, payload, qos=qos, retain=retain)

    def close(self) -> None:
        info = self.client.publish(self.status_topic, b"offline", qos=1, retain=True)
        if self.connected.is_set():
            info.wait_for_publish(timeout=5)
        self.client.loop_stop()
        self.client.disconnect()
