"""The alert relay: signed frames from the back-end, broadcast unchanged for their TTL.

    relay = AlertRelay(advertiser, prefix="iotedge")
    link.subscribe(topics.alerts_filter("iotedge"), on_loop(loop, relay.handle, link.stats))

The venue's back-end signs (``iotedge alert sign``, :class:`iotedge.alerts.signer.Signer`)
and publishes each message, retained at QoS 1, on ``<prefix>/alerts/<name>`` (one topic
per message, e.g. ``<key id>-<counter>``). Payload, either form:

* text: one frame per line in hex, exactly what ``iotedge alert sign`` prints, so
  ``iotedge alert sign ... | mosquitto_pub -t iotedge/alerts/1-7 -r -q 1 -s`` works;
* JSON: ``{"v": 1, "frames": ["0201061a...", ...], "ttl": 600}`` (``ttl`` optional).

An empty retained payload cancels the message: the relay stops broadcasting it.

The relay **never signs and never changes a byte**: it checks only that each frame
fits one legacy advert, is well-formed AD and carries an alert header for the
configured company id (junk published to the broker by mistake is logged and
dropped), then hands the frames to the :class:`~iotedge.hal.radio.Advertiser`, which
rotates them. It holds no key, so a compromised gateway cannot forge alerts.

Time-to-live: the body header of the first frame (``ttl`` minutes after ``issued``,
both inside the signature) gives the absolute expiry, so a redelivered or retained
message broadcast again after a relay restart keeps its original expiry and an
expired one is not broadcast at all. ``ttl`` 0 (no expiry, e.g. revocations) and
messages whose first fragment is missing use ``default_ttl``; nothing is broadcast
longer than ``max_ttl``. A JSON ``ttl`` shortens it further.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from iotedge.core.alert_frame import (
    ADVERT_BUDGET,
    DEFAULT_COMPANY,
    FRAG_HEADER_LEN,
    HEADER_LEN,
    FrameHeader,
)
from iotedge.core.alert_messages import BODY_HEADER_LEN, minutes_left
from iotedge.core.alert_receiver import find_payload
from iotedge.core.errors import IotEdgeError, PayloadError
from iotedge.gateway.throttle import LogThrottle
from iotedge.hal.radio import Advertiser, Frame, split_ad

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AlertMessageFrames:
    """One message as published: its frames, and its key id and counter (from the header)."""

    frames: tuple[bytes, ...]
    key_id: int
    counter: int
    ttl: float | None  # JSON override, seconds


def parse_alert_payload(payload: bytes, company: int = DEFAULT_COMPANY) -> AlertMessageFrames:
    """Frames of one published message; :class:`PayloadError` if anything is off."""
    text = payload.strip()
    ttl: float | None = None
    if text.startswith(b"{"):
        try:
            doc = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PayloadError("not-json", str(exc)) from None
        if not isinstance(doc, dict) or doc.get("v") != 1:
            raise PayloadError("bad-version", "alert JSON must be an object with v 1")
        lines = doc.get("frames")
        if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
            raise PayloadError("bad-field", "frames must be a list of hex strings")
        raw_ttl = doc.get("ttl")
        if raw_ttl is not None:
            if isinstance(raw_ttl, bool) or not isinstance(raw_ttl, int | float) or raw_ttl <= 0:
                raise PayloadError("bad-field", "ttl must be a positive number of seconds")
            ttl = float(raw_ttl)
    else:
        try:
            lines = [line.strip() for line in text.decode("ascii").splitlines() if line.strip()]
        except UnicodeDecodeError:
            raise PayloadError("bad-field", "alert text payload is not ASCII hex") from None
    if not lines:
        raise PayloadError("bad-field", "no frames in the alert message")
    frames: list[bytes] = []
    ids: set[tuple[int, int]] = set()
    for n, line in enumerate(lines, 1):
        try:
            frame = bytes.fromhex(line)
        except ValueError:
            raise PayloadError("bad-field", f"frame {n} is not hex") from None
        if not 0 < len(frame) <= ADVERT_BUDGET:
            raise PayloadError("bad-field", f"frame {n} is {len(frame)} bytes, not 1..31")
        try:
            split_ad(frame)
        except IotEdgeError as exc:
            raise PayloadError("bad-field", f"frame {n}: {exc}") from None
        start = find_payload(frame, company)
        if start < 0:
            raise PayloadError("bad-field", f"frame {n} has no alert for company {company:#06x}")
        header = FrameHeader(frame[start : start - 3 + frame[start - 4]])
        ids.add((header.key_id, header.counter))
        frames.append(frame)
    if len(ids) != 1:
        raise PayloadError("bad-field", "frames of one message must share key id and counter")
    key_id, counter = ids.pop()
    return AlertMessageFrames(tuple(frames), key_id, counter, ttl)


def seconds_left(frames: tuple[bytes, ...], now: float, company: int) -> float | None:
    """Seconds until the message expires by its signed body header; None when unknown
    (ttl 0 = no expiry, or the first fragment is not among the frames)."""
    for frame in frames:
        start = find_payload(frame, company)
        payload = frame[start : start - 3 + frame[start - 4]]
        header = FrameHeader(payload)
        if header.index != 0:
            continue
        body = payload[FRAG_HEADER_LEN if header.fragmented else HEADER_LEN :]
        if len(body) < BODY_HEADER_LEN:
            return None
        ttl, issued = body[2], body[3] | (body[4] << 8)
        if ttl == 0:
            return None
        return minutes_left(ttl, issued, int(now)) * 60.0 - (int(now) % 60)
    return None


@dataclass
class RelayStats:
    messages: int = 0  # accepted from the back-end
    frames: int = 0
    cancelled: int = 0
    expired: int = 0  # already past their TTL on arrival: not broadcast
    malformed: int = 0
    refused: int = 0  # the advertiser's rotation was full


class AlertRelay:
    """Puts every live alert message on air through ``advertiser`` (see the module)."""

    def __init__(
        self,
        advertiser: Advertiser,
        default_ttl: float = 600.0,
        max_ttl: float = 3600.0,
        company: int = DEFAULT_COMPANY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.advertiser = advertiser
        self.default_ttl = default_ttl
        self.max_ttl = max_ttl
        self.company = company
        self.clock = clock
        self.stats = RelayStats()
        self._by_topic: dict[str, tuple[tuple[bytes, ...], float]] = {}  # frames, expiry
        self._throttle = LogThrottle(log)

    def handle(self, topic: str, payload: bytes) -> None:
        """Subscription handler (run it on the advertiser's event loop)."""
        if not payload.strip():
            self._cancel(topic)
            return
        try:
            message = parse_alert_payload(payload, self.company)
        except IotEdgeError as exc:
            self.stats.malformed += 1
            self._throttle.warn(exc.reason, "dropped alert message on %s: %s", topic, exc)
            return
        now = self.clock()
        left = seconds_left(message.frames, now, self.company)
        ttl = self.default_ttl if left is None else left
        if message.ttl is not None:
            ttl = min(ttl, message.ttl)
        ttl = min(ttl, self.max_ttl)
        if ttl <= 0:
            self.stats.expired += 1
            log.info(
                "alert %d-%d on %s has expired; not broadcast",
                message.key_id,
                message.counter,
                topic,
            )
            return
        self._cancel(topic, count=False)  # a new version of a topic replaces the old one
        try:
            for frame in message.frames:
                self.advertiser.add_frame(Frame(frame, ttl))
        except IotEdgeError as exc:
            self.stats.refused += 1
            log.error("advertiser refused alert %d-%d: %s", message.key_id, message.counter, exc)
            for frame in message.frames:
                self.advertiser.remove_frame(frame)
            return
        self._by_topic[topic] = (message.frames, now + ttl)
        self.stats.messages += 1
        self.stats.frames += len(message.frames)
        log.info(
            "relaying alert %d-%d (%d frame(s)) for %.0f s",
            message.key_id,
            message.counter,
            len(message.frames),
            ttl,
        )

    def _cancel(self, topic: str, count: bool = True) -> None:
        entry = self._by_topic.pop(topic, None)
        if entry is None:
            return
        for frame in entry[0]:
            self.advertiser.remove_frame(frame)
        if count:
            self.stats.cancelled += 1
            log.info("alert on %s cancelled", topic)

    def current_frames(self) -> list[bytes]:
        """Frames of live messages, oldest first (the GATT service reads these)."""
        now = self.clock()
        for topic in [t for t, (_, expiry) in self._by_topic.items() if expiry <= now]:
            del self._by_topic[topic]
        return [frame for frames, _ in self._by_topic.values() for frame in frames]
