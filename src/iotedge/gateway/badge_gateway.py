"""The badge gateway: scan -> decode -> pseudonymise -> batched, durable reports over MQTT.

    gateway = BadgeGateway("gw-01", link, Pseudonymiser(key), shards=1)
    await gateway.run(scanner, stop)      # until stop is set

Per advertisement (the scanner callback, on the event loop, ~10 us):

1. :func:`iotedge.gateway.adverts.decode_advert` says what it is (badge, other BTHome
   sensor, NodeConf 2018 badge) or that it is none of ours (ignored, counted);
   malformed adverts are logged (throttled), counted by reason and skipped.
2. The identity (badge id, or address) becomes a pseudonym (keyed BLAKE2s, key rotating
   every epoch: :mod:`iotedge.gateway.pseudonym`). Addresses and ids never leave.
3. The report item goes to the batcher of the badge's shard
   (``shard_of(pseudonym, shards)``); each batch is committed to the outbox and
   published at QoS 1 on ``<prefix>/gateway/<gw>/reports/<shard>``.

Report item (docs/gateway.md)::

    {"id": "3f2a9c0d11e3a4b5", "e": 20412, "ts": 1767225600.125, "rssi": -67,
     "kind": "badge", "pkt": 17, "bat": 88, "temp": 2312, "claps": 405}

Every few seconds a retained ``<prefix>/gateway/<gw>/stats`` JSON carries the counters.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from iotedge.adapters.mqtt import ReportBatcher
from iotedge.adapters.outbox import OutboxFullError
from iotedge.core.errors import IotEdgeError
from iotedge.gateway import topics
from iotedge.gateway.adverts import decode_advert
from iotedge.gateway.pseudonym import Pseudonymiser, shard_of
from iotedge.gateway.throttle import LogThrottle
from iotedge.hal.radio import Advertisement, Scanner

log = logging.getLogger(__name__)


@dataclass
class BadgeGatewayStats:
    adverts: int = 0  # heard
    reports: int = 0  # accepted into a batch
    ignored: int = 0  # not ours (alert frames, phones, other vendors)
    malformed: dict[str, int] = field(default_factory=dict)  # by reason
    batches: int = 0  # committed to the outbox
    refused: int = 0  # reports in batches the outbox refused (full)
    kinds: dict[str, int] = field(default_factory=dict)


class BadgeGateway:
    """One gateway's badge pipeline (see the module docstring)."""

    def __init__(
        self,
        gateway_id: str,
        link: topics.Link,
        pseudonymiser: Pseudonymiser,
        prefix: str = "iotedge",
        shards: int = 1,
        batch_items: int = 500,
        batch_delay: float = 0.25,
        bthome_keys: dict[str, bytes] | None = None,
        stats_interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if shards < 1:
            raise ValueError("shards must be >= 1")
        self.gateway_id = gateway_id
        self.link = link
        self.pseudonymiser = pseudonymiser
        self.prefix = prefix
        self.shards = shards
        self.bthome_keys = {a.upper(): k for a, k in (bthome_keys or {}).items()}
        self.stats_interval = stats_interval
        self.stats = BadgeGatewayStats()
        self.started = time.time()
        self._throttle = LogThrottle(log)
        self._batchers = [
            ReportBatcher(self._flusher(s), batch_items, batch_delay, clock) for s in range(shards)
        ]
        self._poll_every = min(0.05, batch_delay / 2)

    def _flusher(self, shard: int) -> Callable[[list[Any]], None]:
        topic = topics.reports(self.prefix, self.gateway_id, shard)

        def flush(items: list[Any]) -> None:
            try:
                self.link.publish_batch(topic, items)
            except OutboxFullError as exc:
                # Not accepted: nothing was stored, and the count says so.
                self.stats.refused += len(items)
                self._throttle.warn("outbox-full", "%d reports not accepted: %s", len(items), exc)
                return
            except Exception:  # a broken disk must not stop the scanning: count and go on
                self.stats.refused += len(items)
                log.exception("%d reports not accepted: the outbox failed", len(items))
                return
            self.stats.batches += 1

        return flush

    # -- the hot path --------------------------------------------------------------------

    def on_advert(self, adv: Advertisement) -> None:
        """Scanner callback: one advertisement in, at most one report item out."""
        stats = self.stats
        stats.adverts += 1
        try:
            decoded = decode_advert(adv.data, adv.address, self.bthome_keys)
        except IotEdgeError as exc:
            stats.malformed[exc.reason] = stats.malformed.get(exc.reason, 0) + 1
            self._throttle.warn(
                exc.reason, "skipped a malformed advert from %s: %s", adv.address, exc
            )
            return
        if decoded is None:
            stats.ignored += 1
            return
        epoch, pseudonym = self.pseudonymiser(decoded.identity, adv.timestamp)
        item: dict[str, Any] = {
            "id": pseudonym,
            "e": epoch,
            "ts": round(adv.timestamp, 3),
            "rssi": adv.rssi,
            "kind": decoded.kind,
        }
        item.update(decoded.fields)
        stats.reports += 1
        stats.kinds[decoded.kind] = stats.kinds.get(decoded.kind, 0) + 1
        shard = shard_of(pseudonym, self.shards) if self.shards > 1 else 0
        self._batchers[shard].add(item)

    # -- batching and running ------------------------------------------------------------

    def poll(self) -> None:
        """Flush batches whose delay is up (call often; ``run`` does)."""
        for batcher in self._batchers:
            batcher.poll()

    def flush(self) -> None:
        for batcher in self._batchers:
            batcher.flush()

    def stats_doc(self) -> dict[str, Any]:
        doc = asdict(self.stats)
        doc["gateway"] = self.gateway_id
        doc["uptime_s"] = round(time.time() - self.started, 1)
        doc["epoch"] = self.pseudonymiser.epoch
        return doc

    def publish_stats(self) -> None:
        payload = json.dumps(self.stats_doc(), separators=(",", ":")).encode()
        self.link.publish_direct(
            topics.gateway_stats(self.prefix, self.gateway_id), payload, qos=0, retain=True
        )

    async def run(self, scanner: Scanner, stop: asyncio.Event) -> None:
        """Scan until ``stop`` is set; then stop the scanner and flush what is batched."""
        await scanner.start(self.on_advert)
        log.info("badge gateway %s scanning (%d shard(s))", self.gateway_id, self.shards)
        next_stats = time.monotonic()
        try:
            while not stop.is_set():
                await asyncio.sleep(self._poll_every)
                self.poll()
                if time.monotonic() >= next_stats:
                    next_stats = time.monotonic() + self.stats_interval
                    self.publish_stats()
        finally:
            await scanner.stop()
            self.flush()
            self.publish_stats()
