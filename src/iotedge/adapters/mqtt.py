"""MQTT over paho-mqtt 2.x: durable, batched, at-least-once, with gateway status.

What :class:`MqttLink` gives a gateway (docs/mqtt.md has every topic and payload):

* **Status**: a retained ``online`` on ``<prefix>/gateway/<id>/status`` at each connect,
  the same topic as last will (``offline``, retained, QoS 1) for a crash, and an explicit
  retained ``offline`` on a clean stop. Plain strings, so Home Assistant's availability
  defaults read them. A retained JSON ``.../info`` carries version, client id and start time.
* **Nothing accepted is lost**: :meth:`MqttLink.publish` and :meth:`MqttLink.publish_batch`
  first commit the message to the :class:`~iotedge.adapters.outbox.Outbox` (SQLite), and
  a pump thread feeds the outbox to paho, at most ``inflight`` messages at a time; a row
  leaves the queue only when its PUBACK arrives. Across a broker outage paho resends what is in
  flight on reconnect; across a gateway restart everything still in the outbox is sent
  again. So delivery is **at-least-once**; each message carries ``(src, seq)`` (client id
  + outbox epoch, outbox id), and receivers drop repeats with :class:`Deduplicator`.
* **A broker crash loses nothing either**: a broker acknowledges a QoS 1 PUBLISH before
  it has saved or delivered it (mosquitto saves every ``autosave_interval``), so a broker
  killed without a clean shutdown forgets messages it acknowledged. The outbox keeps
  acknowledged rows for ``redeliver_window`` seconds, and after every connection loss
  the link sends again those acknowledged within that window before the loss (and,
  after its own restart, before its last acknowledgement); receivers drop the repeats.
* **Persistent sessions**: fixed client id; MQTT 5 with ``clean_start=False`` and a
  session expiry interval, or MQTT 3.1.1 with ``clean_session=False``. Subscriptions are
  QoS 1 and re-made on every connect, so a subscriber that was away gets what it missed.
* **Reconnect with backoff**: paho's exponential backoff from ``reconnect_min`` (jittered
  per client so a fleet does not reconnect in lockstep) to ``reconnect_max`` seconds.
* **Batching**: :class:`ReportBatcher` groups advert reports into one message per
  ``max_items`` or ``max_delay``; :func:`encode_batch` / :func:`decode_batch` are the wire form.
* **Malformed input** never stops anything: a handler raising an
  :class:`~iotedge.core.errors.IotEdgeError` is logged and counted in ``stats["malformed"]``;
  any other handler exception is logged with its traceback and counted in ``handler_errors``.

paho is imported here, so import this module only when MQTT is used.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import random
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from iotedge import __version__
from iotedge.adapters.outbox import Outbox, OutboxMessage
from iotedge.core.errors import IotEdgeError, PayloadError

log = logging.getLogger(__name__)

BATCH_VERSION = 1
ONLINE = b"online"
OFFLINE = b"offline"

Handler = Callable[[str, bytes], None]


# -- settings and topics -------------------------------------------------------------------


@dataclass
class MqttSettings:
    """Where and how to connect. ``from_url("mqtt://user:pass@host:1883")`` builds one."""

    host: str = "127.0.0.1"
    port: int = 1883
    protocol: Literal["5", "3.1.1"] = "5"
    client_id: str = ""
    username: str | None = None
    password: str | None = None
    tls: bool = False
    keepalive: int = 30
    session_expiry: int = 7 * 24 * 3600
    reconnect_min: float = 0.5
    reconnect_max: float = 30.0
    inflight: int = 100
    #: Seconds of acknowledged messages resent after a connection loss (at least the
    #: broker's save interval plus its delivery delay; see docs/mqtt.md, "Delivery").
    redeliver_window: float = 10.0

    @classmethod
    def from_url(cls, url: str, **overrides: Any) -> MqttSettings:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
            raise ValueError(f"unsupported MQTT URL scheme {parts.scheme!r} in {url!r}")
        tls = parts.scheme in ("mqtts", "ssl")
        settings = cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (8883 if tls else 1883),
            username=urllib.parse.unquote(parts.username) if parts.username else None,
            password=urllib.parse.unquote(parts.password) if parts.password else None,
            tls=tls,
        )
        for key, value in overrides.items():
            if not hasattr(settings, key):
                raise TypeError(f"unknown MQTT setting {key!r}")
            setattr(settings, key, value)
        return settings


def status_topic(prefix: str, gateway: str) -> str:
    """Retained ``online``/``offline`` (also the last will) of one gateway."""
    return f"{prefix}/gateway/{gateway}/status"


def info_topic(prefix: str, gateway: str) -> str:
    """Retained JSON describing one gateway (version, client id, started)."""
    return f"{prefix}/gateway/{gateway}/info"


def reports_topic(prefix: str, gateway: str) -> str:
    """Batches of advert reports published by one gateway (QoS 1, not retained)."""
    return f"{prefix}/gateway/{gateway}/reports"


# -- batches on the wire -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportBatch:
    """A decoded batch: who sent it (``src``, ``gw``), its id ``seq``, when, and the items."""

    src: str
    seq: int
    gw: str
    sent: float
    items: list[Any]

    @property
    def message_id(self) -> tuple[str, int]:
        return (self.src, self.seq)


def encode_batch(src: str, seq: int, gateway: str, items: Iterable[Any], sent: float) -> bytes:
    """``{"v":1,"src":..,"seq":..,"gw":..,"sent":..,"items":[..]}`` as compact UTF-8 JSON."""
    doc = {"v": BATCH_VERSION, "src": src, "seq": seq, "gw": gateway, "sent": sent}
    doc["items"] = items if isinstance(items, list) else list(items)
    return json.dumps(doc, separators=(",", ":")).encode()


def decode_batch(payload: bytes) -> ReportBatch:
    """Parse and validate a batch; raise :class:`PayloadError` (with ``reason``) if bad."""
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError("not-json", str(exc)) from None
    if not isinstance(doc, dict):
        raise PayloadError("bad-envelope", f"expected a JSON object, got {type(doc).__name__}")
    if doc.get("v") != BATCH_VERSION:
        raise PayloadError("bad-version", f"batch version {doc.get('v')!r} is not 1")
    src, seq, gw, sent, items = (doc.get(k) for k in ("src", "seq", "gw", "sent", "items"))
    if not isinstance(src, str) or not src:
        raise PayloadError("bad-field", "src must be a non-empty string")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise PayloadError("bad-field", "seq must be an integer >= 1")
    if not isinstance(gw, str):
        raise PayloadError("bad-field", "gw must be a string")
    if isinstance(sent, bool) or not isinstance(sent, int | float):
        raise PayloadError("bad-field", "sent must be a number")
    if not isinstance(items, list):
        raise PayloadError("bad-field", "items must be a list")
    return ReportBatch(src, seq, gw, float(sent), items)


class Deduplicator:
    """Remembers message ids ``(src, seq)`` and says which were seen before.

    Per source it keeps every seq above a floor; everything at or below the floor counts as
    seen. When more than ``window`` seqs are held, the oldest half is folded into the floor,
    so memory stays bounded; a duplicate older than ``window`` messages of its source would
    be dropped as seen (redeliveries come within seconds, far inside the window).
    """

    def __init__(self, window: int = 65536) -> None:
        self.window = window
        self.duplicates = 0
        self._floor: dict[str, int] = {}
        self._seen: dict[str, set[int]] = {}

    def seen_before(self, src: str, seq: int) -> bool:
        """True if ``(src, seq)`` was already offered; records it otherwise."""
        floor = self._floor.get(src, 0)
        seen = self._seen.setdefault(src, set())
        if seq <= floor or seq in seen:
            self.duplicates += 1
            return True
        seen.add(seq)
        if len(seen) > self.window:
            ordered = sorted(seen)
            cut = ordered[len(ordered) // 2]
            self._floor[src] = cut
            self._seen[src] = {s for s in seen if s > cut}
        return False


def batch_handler(
    on_batch: Callable[[str, ReportBatch], None], dedupe: Deduplicator | None = None
) -> Handler:
    """A subscription handler that decodes batches, drops repeats, calls ``on_batch``.

    Malformed payloads raise :class:`PayloadError`, which :class:`MqttLink` logs and skips.
    """

    def handle(topic: str, payload: bytes) -> None:
        batch = decode_batch(payload)
        if dedupe is not None and dedupe.seen_before(batch.src, batch.seq):
            return
        on_batch(topic, batch)

    return handle


def loop_handler(loop: asyncio.AbstractEventLoop, handler: Handler) -> Handler:
    """Wrap ``handler`` so it runs in ``loop`` (paho calls handlers on its own thread)."""

    def handle(topic: str, payload: bytes) -> None:
        loop.call_soon_threadsafe(handler, topic, payload)

    return handle


class ReportBatcher:
    """Groups items into batches: a batch is flushed at ``max_items`` or ``max_delay`` s.

    ``flush_to`` receives each non-empty batch (e.g. ``lambda items:
    link.publish_batch(topic, items)``). Call :meth:`poll` regularly (or run
    :meth:`run`) so a partial batch leaves within ``max_delay`` of its first item.
    Not thread-safe: use it from one thread or event loop.
    """

    def __init__(
        self,
        flush_to: Callable[[list[Any]], object],
        max_items: int = 500,
        max_delay: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_items < 1 or max_delay <= 0:
            raise ValueError("max_items must be >= 1 and max_delay > 0")
        self.flush_to = flush_to
        self.max_items = max_items
        self.max_delay = max_delay
        self.clock = clock
        self.batches = 0
        self._items: list[Any] = []
        self._deadline = 0.0

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: Any) -> None:
        if not self._items:
            self._deadline = self.clock() + self.max_delay
        self._items.append(item)
        if len(self._items) >= self.max_items:
            self.flush()

    def poll(self) -> None:
        if self._items and self.clock() >= self._deadline:
            self.flush()

    def flush(self) -> None:
        items, self._items = self._items, []
        if items:
            self.batches += 1
            self.flush_to(items)

    async def run(self) -> None:
        """Flush partial batches on time, forever (cancel to stop; flushes what is left)."""
        try:
            while True:
                wait = self._deadline - self.clock() if self._items else self.max_delay
                await asyncio.sleep(max(wait, 0.001))
                self.poll()
        finally:
            self.flush()


# -- the link ------------------------------------------------------------------------------


@dataclass
class LinkStats:
    connects: int = 0
    disconnects: int = 0
    published: int = 0
    acked: int = 0
    rejected: int = 0
    received: int = 0
    redelivered: int = 0
    malformed: int = 0
    handler_errors: int = 0
    extra: dict[str, int] = field(default_factory=dict)


class MqttLink:
    """One gateway's MQTT connection: status/LWT, durable publishing, subscriptions.

    ::

        outbox = Outbox("/var/lib/iotedge/outbox.sqlite")
        link = MqttLink(MqttSettings.from_url("mqtt://broker"), "gw-01", outbox)
        link.start()
        link.publish_batch(reports_topic("iotedge", "gw-01"), [{"id": "...", "rssi": -60}])
        link.subscribe("iotedge/alerts/#", handler)
        ...
        link.stop()

    Handlers run on paho's network thread; wrap them with :func:`loop_handler` for asyncio.
    """

    def __init__(
        self,
        settings: MqttSettings,
        gateway_id: str,
        outbox: Outbox,
        prefix: str = "iotedge",
        info: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self.gateway_id = gateway_id
        self.outbox = outbox
        if settings.redeliver_window < 0:
            raise ValueError("redeliver_window must be >= 0 seconds")
        outbox.keep_acked = max(outbox.keep_acked, settings.redeliver_window)
        self.prefix = prefix
        self.client_id = settings.client_id or f"iotedge-{gateway_id}"
        self.source = f"{self.client_id}/{outbox.epoch}"
        self.status_topic = status_topic(prefix, gateway_id)
        self.info_topic = info_topic(prefix, gateway_id)
        self.info: dict[str, Any] = {
            "gateway": gateway_id,
            "client_id": self.client_id,
            "version": __version__,
        }
        self.info.update(info or {})
        self.stats = LinkStats()
        self.connected = threading.Event()
        self._v5 = settings.protocol == "5"
        self._subs: dict[str, int] = {}
        self._connect_hooks: list[Callable[[MqttLink], None]] = []
        self._inflight: dict[int, int] = {}  # paho mid -> outbox id
        self._sent_upto = 0
        # When the connection was last lost (wall clock, as the outbox stamps acks); the
        # pump resends what was acknowledged shortly before it once connected again.
        self._lost_at: float | None = None
        self._lost_lock = threading.Lock()
        self._acks: collections.deque[tuple[int, bool]] = collections.deque()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._pump_thread: threading.Thread | None = None
        self.client = self._make_client()

    def _make_client(self) -> paho.Client:
        s = self.settings
        if self._v5:
            client = paho.Client(
                CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=paho.MQTTv5
            )
        else:
            client = paho.Client(
                CallbackAPIVersion.VERSION2,
                client_id=self.client_id,
                protocol=paho.MQTTv311,
                clean_session=False,
            )
        if s.username is not None:
            client.username_pw_set(s.username, s.password)
        if s.tls:
            client.tls_set()
        client.will_set(self.status_topic, OFFLINE, qos=1, retain=True)
        # Jitter the first retry so a fleet restarted together does not reconnect in step.
        client.reconnect_delay_set(
            min_delay=s.reconnect_min * random.uniform(0.75, 1.25),  # type: ignore[arg-type]
            max_delay=s.reconnect_max,  # type: ignore[arg-type]
        )
        client.max_inflight_messages_set(max(s.inflight, 1))
        client.max_queued_messages_set(0)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_unrouted_message
        return client

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background (retrying with backoff) and start the outbox pump."""
        s = self.settings
        self.info["started"] = time.time()
        # A restart may follow a power cut that took the broker down too: treat the end
        # of the previous run (its last acknowledgement) as a connection loss.
        with self._lost_lock:
            self._lost_at = self.outbox.last_ack_time
        props = None
        if self._v5:
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = s.session_expiry
        self.client.connect_async(
            s.host, s.port, keepalive=s.keepalive, clean_start=False, properties=props
        )
        self.client.loop_start()
        self._stopping.clear()
        self._pump_thread = threading.Thread(
            target=self._pump, name=f"mqtt-pump-{self.gateway_id}", daemon=True
        )
        self._pump_thread.start()

    def stop(self, timeout: float = 5.0, drain: bool = False) -> None:
        """Publish ``offline`` (retained), disconnect, stop threads.

        With ``drain`` it first waits up to ``timeout`` for the outbox to empty. What is not
        yet acknowledged stays in the outbox and is sent by the next ``start``.
        """
        if drain:
            self.wait_idle(timeout)
        if self.connected.is_set():
            info = self.client.publish(self.status_topic, OFFLINE, qos=1, retain=True)
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError):
                log.warning("could not publish offline status before stopping")
        self._stopping.set()
        self._wake.set()
        if self._pump_thread is not None:
            self._pump_thread.join(timeout)
            self._pump_thread = None
        self.client.disconnect()
        self.client.loop_stop()
        self.connected.clear()

    def wait_connected(self, timeout: float) -> bool:
        return self.connected.wait(timeout)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until the outbox is empty (everything acknowledged); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.outbox) == 0 and not self._inflight:
                return True
            time.sleep(0.01)
        return len(self.outbox) == 0 and not self._inflight

    def add_connect_hook(self, hook: Callable[[MqttLink], None]) -> None:
        """Call ``hook(link)`` after every (re)connect (e.g. to publish HA discovery)."""
        self._connect_hooks.append(hook)

    # -- publishing ----------------------------------------------------------------------

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> int:
        """Durably accept a message (committed to the outbox) and return its outbox id."""
        msg_id = self.outbox.enqueue(topic, payload, qos, retain)
        self._wake.set()
        return msg_id

    def publish_batch(self, topic: str, items: list[Any]) -> int:
        """Durably accept a batch of report items as one QoS 1 message; return its seq."""
        sent = time.time()

        def payload(seq: int) -> bytes:
            return encode_batch(self.source, seq, self.gateway_id, items, sent)

        msg_id = self.outbox.enqueue(topic, payload, qos=1)
        self._wake.set()
        return msg_id

    def publish_direct(
        self, topic: str, payload: bytes, qos: int = 0, retain: bool = False
    ) -> paho.MQTTMessageInfo:
        """Publish now, bypassing the outbox (state that is re-published on connect anyway)."""
        return self.client.publish(topic, payload, qos=qos, retain=retain)

    # -- subscribing ---------------------------------------------------------------------

    def subscribe(self, topic_filter: str, handler: Handler, qos: int = 1) -> None:
        """Route messages matching ``topic_filter`` to ``handler(topic, payload)``."""

        def on_message(client: paho.Client, userdata: Any, msg: paho.MQTTMessage) -> None:
            self._dispatch(handler, msg)

        self.client.message_callback_add(topic_filter, on_message)
        self._subs[topic_filter] = qos
        if self.connected.is_set():
            self.client.subscribe(topic_filter, qos=qos)

    def _dispatch(self, handler: Handler, msg: paho.MQTTMessage) -> None:
        self.stats.received += 1
        try:
            handler(msg.topic, bytes(msg.payload))
        except IotEdgeError as exc:
            self.stats.malformed += 1
            log.warning("skipped malformed message on %s: %s", msg.topic, exc)
        except Exception:
            self.stats.handler_errors += 1
            log.exception("handler for %s failed; message skipped", msg.topic)

    def _on_unrouted_message(self, client: paho.Client, userdata: Any, msg: Any) -> None:
        log.debug("message on %s matched no handler", msg.topic)

    # -- paho callbacks (network thread) -------------------------------------------------

    def _on_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: Any,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            log.error("MQTT connect refused: %s", reason_code)
            return
        self.stats.connects += 1
        log.info("MQTT connected to %s:%d", self.settings.host, self.settings.port)
        client.publish(self.status_topic, ONLINE, qos=1, retain=True)
        client.publish(
            self.info_topic, json.dumps(self.info, separators=(",", ":")), qos=1, retain=True
        )
        if self._subs:
            client.subscribe([(f, q) for f, q in self._subs.items()])
        self.connected.set()
        for hook in self._connect_hooks:
            try:
                hook(self)
            except Exception:
                log.exception("connect hook failed")
        self._wake.set()

    def _on_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: Any,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self.connected.clear()
        self.stats.disconnects += 1
        if self._stopping.is_set():
            log.info("MQTT disconnected on stop")
        else:
            with self._lost_lock:
                if self._lost_at is None:  # the first loss is the one that matters
                    self._lost_at = time.time()
            log.warning("MQTT disconnected (%s); paho retries with backoff", reason_code)

    def _on_publish(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        # Runs with paho's out-message lock held: only hand the ack to the pump thread.
        self._acks.append((mid, reason_code.is_failure))
        self._wake.set()

    # -- the pump (own thread) -----------------------------------------------------------

    def _pump(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(0.5)
            self._wake.clear()
            try:
                self._settle_acks()
                if self.connected.is_set():
                    self._requeue_after_loss()
                    self._fill_window()
            except Exception:  # never let the pump die: the outbox keeps everything
                log.exception("MQTT outbox pump error")
                time.sleep(0.1)
        self._settle_acks()

    def _settle_acks(self) -> None:
        done: list[int] = []
        while self._acks:
            mid, failed = self._acks.popleft()
            msg_id = self._inflight.pop(mid, None)
            if msg_id is None:
                continue  # status/info/direct publishes are not from the outbox
            if failed:
                # The broker refused it for good (e.g. not authorised): retrying cannot help.
                self.stats.rejected += 1
                log.error("broker refused outbox message %d; dropping it", msg_id)
            else:
                self.stats.acked += 1
            done.append(msg_id)
        if done:
            self.outbox.ack(done)

    def _requeue_after_loss(self) -> None:
        with self._lost_lock:
            lost, self._lost_at = self._lost_at, None
        if lost is None:
            return
        ids = self.outbox.requeue_acked_since(lost - self.settings.redeliver_window)
        if ids:
            self.stats.redelivered += len(ids)
            self._sent_upto = min(self._sent_upto, ids[0] - 1)
            log.info("resending %d messages acknowledged just before the connection loss", len(ids))

    def _fill_window(self) -> None:
        room = self.settings.inflight - len(self._inflight)
        if room <= 0:
            return
        # After a requeue the window may reach back over messages paho still has in
        # flight (it resends those itself on reconnect): skip them.
        inflight = set(self._inflight.values())
        for msg in self.outbox.peek(after_id=self._sent_upto, limit=room + len(inflight)):
            if msg.id in inflight:
                continue
            if not self._send(msg):
                break

    def _send(self, msg: OutboxMessage) -> bool:
        info = self.client.publish(msg.topic, msg.payload, qos=msg.qos, retain=msg.retain)
        if info.rc == MQTTErrorCode.MQTT_ERR_NO_CONN and msg.qos == 0:
            return False  # paho drops QoS 0 when offline: keep it for the next connect
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            log.warning("paho refused to queue message %d: %s", msg.id, info.rc)
            return False
        self._inflight[info.mid] = msg.id
        self._sent_upto = max(self._sent_upto, msg.id)
        self.stats.published += 1
        return True
