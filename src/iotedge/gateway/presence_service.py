"""The presence service: report batches in, room per badge and occupancy per room out.

    service = PresenceService(venue, link, shard=0, shards=1)   # Venue or its JSON dict
    link.subscribe(topics.reports_filter(prefix, 0), on_loop(loop, service.handle, link.stats))
    await service.run(stop)

It feeds every report item (docs/gateway.md) of its shard to the streaming estimator
(:class:`iotedge.core.presence_estimator.PresenceEstimator`), running ``hold`` seconds
behind the clock so that reports still in flight (batching, network) are in before a
burst is closed, and publishes (all retained, QoS 1):

* ``<prefix>/presence/badge/<pseudonym>``: ``{"room", "confidence", "gateways", "ts"}``
  when a badge's room or confidence (by 0.1) changes; cleared (empty) when forgotten;
* ``<prefix>/presence/shard/<k>``: this shard's per-room sums (expected count, variance,
  claps in the last minute, badge temperatures);
* when it aggregates (shard 0 by default): ``<prefix>/presence/room/<room>`` and
  ``<prefix>/presence/rooms``, the sums over every shard's latest partial, with a 95 %
  interval from the summed variances (the per-badge posteriors are independent, so
  variances add across shards exactly as within one).

Sharding: gateways publish each report to the shard ``shard_of(pseudonym, shards)``;
each service process subscribes to its own shard only, so every badge's reports from
all gateways meet in exactly one process. A report that reaches the wrong shard (a
gateway configured with another shard count) is counted in ``wrong_shard`` and skipped.

Pseudonym epochs: the first report of a newer epoch starts a fresh estimator (see
:mod:`iotedge.gateway.pseudonym` for why nothing links across a rotation); reports of
older epochs are counted in ``old_epoch`` and skipped.

Claps: badges send a running count modulo 65536; the service adds each badge's
increase to the room it is in now, over a sliding minute. Temperatures: the mean of
the latest reading of badges confidently (>= 0.5) in the room and heard in the last
two minutes (a worn badge reads a little above the room).
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iotedge.adapters.mqtt import Deduplicator, ReportBatch, decode_batch
from iotedge.core.errors import PayloadError
from iotedge.core.presence_estimator import PresenceEstimator
from iotedge.core.presence_venue import NONE, Venue
from iotedge.gateway import topics
from iotedge.gateway.pseudonym import shard_of
from iotedge.gateway.sensor_entities import SensorEntities
from iotedge.gateway.throttle import LogThrottle

log = logging.getLogger(__name__)

CLAP_WINDOW = 60.0  # seconds of claps summed per room
TEMP_FRESH = 120.0  # a badge's temperature counts for this long after its last report
CONF_STEP = 0.1  # republish a badge when its confidence moved this much
Z95 = 1.96


@dataclass
class PresenceStats:
    batches: int = 0
    duplicates: int = 0  # batches dropped by (src, seq)
    items: int = 0  # fed to the estimator
    malformed_items: int = 0
    wrong_shard: int = 0
    old_epoch: int = 0
    late: int = 0  # older than the estimator's time when they arrived (still fed)
    unknown_gateway: int = 0
    rotations: int = 0
    badge_updates: int = 0  # per-badge room messages published
    newest_ts: float | None = None  # newest report time fed to the estimator (its progress)

    @property
    def refused(self) -> int:
        """Report items read and not fed to the estimator (malformed, elsewhere, stale)."""
        return self.malformed_items + self.wrong_shard + self.old_epoch + self.unknown_gateway


def _check_item(item: Any) -> tuple[str, int, float, int] | None:
    """``(id, epoch, ts, rssi)`` of a well-formed report item, else None."""
    if not isinstance(item, dict):
        return None
    pid, epoch, ts, rssi = item.get("id"), item.get("e"), item.get("ts"), item.get("rssi")
    if not isinstance(pid, str) or len(pid) != 16:
        return None
    try:
        int(pid, 16)
    except ValueError:
        return None
    if isinstance(epoch, bool) or not isinstance(epoch, int):
        return None
    if isinstance(ts, bool) or not isinstance(ts, int | float) or not math.isfinite(ts):
        return None
    if isinstance(rssi, bool) or not isinstance(rssi, int) or not -130 <= rssi <= 20:
        return None
    return pid, epoch, float(ts), rssi


class ReportClock:
    """Event time: the newest report timestamp seen, plus the wall time since it came.

    For a service whose gateways stamp reports with another clock than its own (a
    virtual venue running faster than real time, or a host whose clock is off): the
    estimator then follows the gateways' time, and between reports it moves on at the
    wall clock's rate so silence still counts.
    """

    def __init__(self, wall: Callable[[], float] = time.monotonic) -> None:
        self.wall = wall
        self.newest = -math.inf
        self._at = 0.0

    def observe(self, ts: float) -> None:
        if ts > self.newest:
            self.newest = ts
            self._at = self.wall()

    def __call__(self) -> float:
        if self.newest == -math.inf:
            return -math.inf
        return self.newest + (self.wall() - self._at)


class PresenceService:
    """One shard of the presence service (see the module docstring).

    ``clock`` gives "now" for the estimator: ``time.time`` (wall clock), a virtual
    venue's clock, or a :class:`ReportClock` (event time, fed by the reports).
    """

    def __init__(
        self,
        venue: Venue | dict[str, Any],
        link: topics.Link,
        prefix: str = "iotedge",
        shard: int = 0,
        shards: int = 1,
        aggregate: bool | None = None,
        hold: float = 3.0,
        forget_after: float = 900.0,
        clock: Callable[[], float] = time.time,
        estimator_settings: dict[str, Any] | None = None,
        sensors: SensorEntities | None = None,
    ) -> None:
        if not 0 <= shard < shards:
            raise ValueError("need 0 <= shard < shards")
        self.venue = venue if isinstance(venue, Venue) else Venue(venue)
        self.link = link
        self.prefix = prefix
        self.shard = shard
        self.shards = shards
        self.aggregate = shard == 0 if aggregate is None else aggregate
        self.hold = hold
        self.forget_after = forget_after
        self.clock = clock
        #: BTHome devices in this shard's reports, as Home Assistant entities (optional).
        self.sensors = sensors
        self._report_clock = clock if isinstance(clock, ReportClock) else None
        self.settings = dict(estimator_settings or {})
        self.settings.setdefault("forget_after", forget_after)
        self.stats = PresenceStats()
        self.dedupe = Deduplicator()
        self.epoch: int | None = None
        self.estimator = PresenceEstimator(self.venue, **self.settings)
        self._throttle = LogThrottle(log)
        self._reset_badges()
        self._partials: dict[int, tuple[dict[str, Any], float]] = {}
        self.totals: dict[str, dict[str, Any]] = {}

    def _reset_badges(self) -> None:
        self._last_seen: dict[str, float] = {}
        self._claps: dict[str, int] = {}
        self._temps: dict[str, int] = {}
        self._published: dict[str, tuple[str, float]] = {}
        self._clap_events: collections.deque[tuple[float, str, int]] = collections.deque()

    # -- input ---------------------------------------------------------------------------

    def handle(self, topic: str, payload: bytes) -> None:
        """Subscription handler for report batches (run it on the service's loop)."""
        batch = decode_batch(payload)  # PayloadError: logged and counted by the link
        if self.dedupe.seen_before(batch.src, batch.seq):
            self.stats.duplicates += 1
            return
        self.on_batch(batch)

    def on_batch(self, batch: ReportBatch) -> None:
        self.stats.batches += 1
        for item in batch.items:
            self.add_item(batch.gw, item)

    def add_item(self, gateway: str, item: Any) -> None:
        stats = self.stats
        checked = _check_item(item)
        if checked is None:
            stats.malformed_items += 1
            self._throttle.warn("bad-item", "skipped a malformed report item from %s", gateway)
            return
        pid, epoch, ts, rssi = checked
        if self.shards > 1 and shard_of(pid, self.shards) != self.shard:
            stats.wrong_shard += 1
            self._throttle.warn(
                "wrong-shard", "report for another shard from %s: check [badge] shards", gateway
            )
            return
        if self.epoch is None or epoch > self.epoch:
            if self.epoch is not None:
                self._rotate(epoch)
            self.epoch = epoch
        elif epoch < self.epoch:
            stats.old_epoch += 1
            return
        est = self.estimator
        if ts < est.now:
            stats.late += 1
        unknown = est.unknown_gateway_reports
        est.update(ts, gateway, pid, rssi)
        if est.unknown_gateway_reports != unknown:
            stats.unknown_gateway += 1
            self._throttle.warn("unknown-gateway", "gateway %s is not in the venue", gateway)
            return
        stats.items += 1
        if stats.newest_ts is None or ts > stats.newest_ts:
            stats.newest_ts = ts
        if self.sensors is not None:
            self.sensors.add_item(pid, item, ts)
        if self._report_clock is not None:
            self._report_clock.observe(ts)
        if ts > self._last_seen.get(pid, -math.inf):
            self._last_seen[pid] = ts
        temp = item.get("temp")
        if isinstance(temp, int) and not isinstance(temp, bool):
            self._temps[pid] = temp
        claps = item.get("claps")
        if isinstance(claps, int) and not isinstance(claps, bool):
            last = self._claps.get(pid)
            self._claps[pid] = claps
            if last is not None:
                delta = (claps - last) & 0xFFFF
                if 0 < delta < 0x8000:  # a reordered older report reads as a huge jump
                    room = est.badge_state(pid)[0]
                    if room != NONE:
                        self._clap_events.append((ts, room, delta))
                else:
                    self._claps[pid] = last if delta else claps

    def _rotate(self, epoch: int) -> None:
        """A new pseudonym epoch: forget every badge (and clear their retained rooms)."""
        log.info("pseudonym epoch %s -> %d: starting a fresh estimator", self.epoch, epoch)
        for pid in list(self._published):
            self._clear_badge(pid)
        self.estimator = PresenceEstimator(self.venue, **self.settings)
        self._reset_badges()
        if self.sensors is not None:
            self.sensors.rotate()
        self.stats.rotations += 1

    # -- time and output -----------------------------------------------------------------

    def step(self, now: float | None = None) -> None:
        """Advance the estimator to ``now - hold``."""
        if now is None:
            now = self.clock()
        if now > -math.inf:
            self.estimator.advance(now - self.hold)

    def room_sums(
        self, now: float, states: dict[str, tuple[str, float, int]] | None = None
    ) -> dict[str, dict[str, float]]:
        """This shard's per-room sums: mean, var, claps (last minute), temperature sum/n.
        ``states``: the cycle's ``badge_states()`` snapshot, if the caller has one."""
        est = self.estimator
        if states is None:
            states = self.badge_states()
        rooms = self.venue.rooms
        out = {
            room: {
                "mean": round(max(0.0, est.occ.mean[r]), 4),
                "var": round(max(0.0, est.occ.var[r]), 4),
                "claps": 0,
                "temp_sum": 0.0,
                "temp_n": 0,
            }
            for r, room in enumerate(rooms)
        }
        events = self._clap_events
        while events and events[0][0] < now - CLAP_WINDOW:
            events.popleft()
        for _ts, room, delta in events:
            out[room]["claps"] += delta
        for pid, temp in self._temps.items():
            if self._last_seen.get(pid, -math.inf) < now - TEMP_FRESH:
                continue
            state = states.get(pid)
            if state is None:
                continue
            room, conf, _ = state
            if room != NONE and conf >= 0.5:
                out[room]["temp_sum"] = round(out[room]["temp_sum"] + temp / 100, 2)
                out[room]["temp_n"] += 1
        return out

    def publish(self, now: float | None = None) -> None:
        """Publish changed badge rooms, this shard's sums and (aggregator) the totals."""
        if now is None:
            now = self.clock()
        if now == -math.inf:
            return  # event time before the first report: nothing to say yet
        # One look at every badge per cycle: during an open burst badge_state scores
        # it (the provisional view), and three consumers below need the answer.
        states = self.badge_states()
        self._publish_badges(now, states)
        sums = self.room_sums(now, states)
        doc = {
            "v": 1,
            "shard": self.shard,
            "shards": self.shards,
            "ts": round(now, 3),
            "epoch": self.epoch,
            "badges": sum(1 for state in states.values() if state[0] != NONE),
            "reports": self.stats.items,
            "rooms": sums,
        }
        payload = json.dumps(doc, separators=(",", ":")).encode()
        self.link.publish_direct(topics.presence_shard(self.prefix, self.shard), payload, 1, True)
        if self.aggregate:
            self._partials[self.shard] = (doc, now)
            self.publish_totals(now)

    def badge_states(self) -> dict[str, tuple[str, float, int]]:
        """{badge: (room, confidence, gateways heard)} of every badge the estimator
        has seen, asked once each."""
        est = self.estimator
        return {pid: est.badge_state(pid) for pid in est.badges()}

    def _publish_badges(self, now: float, states: dict[str, tuple[str, float, int]]) -> None:
        forget_before = now - self.hold - self.forget_after
        for pid, (room, conf, heard) in states.items():
            if self._last_seen.get(pid, now) < forget_before:
                if pid in self._published:
                    self._clear_badge(pid)
                continue
            last = self._published.get(pid)
            if last is not None and last[0] == room and abs(last[1] - conf) < CONF_STEP:
                continue
            self._published[pid] = (room, conf)
            doc = {"room": room, "confidence": round(conf, 3), "gateways": heard, "ts": now}
            self.link.publish_direct(
                topics.presence_badge(self.prefix, pid),
                json.dumps(doc, separators=(",", ":")).encode(),
                1,
                True,
            )
            self.stats.badge_updates += 1

    def _clear_badge(self, pid: str) -> None:
        self._published.pop(pid, None)
        self._temps.pop(pid, None)
        self._claps.pop(pid, None)
        self.link.publish_direct(topics.presence_badge(self.prefix, pid), b"", 1, True)

    # -- aggregation across shards --------------------------------------------------------

    def handle_partial(self, topic: str, payload: bytes) -> None:
        """Subscription handler for ``<prefix>/presence/shard/+`` (aggregator only)."""
        if not payload:
            return
        try:
            doc = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PayloadError("not-json", str(exc)) from None
        if not isinstance(doc, dict) or doc.get("v") != 1:
            raise PayloadError("bad-version", "shard sums must be a JSON object with v 1")
        shard, rooms = doc.get("shard"), doc.get("rooms")
        if not isinstance(shard, int) or not isinstance(rooms, dict):
            raise PayloadError("bad-field", "shard sums need an integer shard and rooms")
        if shard == self.shard:
            return  # our own, already counted when we published it
        self._partials[shard] = (doc, self.clock())

    def publish_totals(self, now: float) -> None:
        """Sum every shard's latest partial into per-room occupancy (retained)."""
        rooms: dict[str, dict[str, Any]] = {}
        badges = 0
        for doc, _received in self._partials.values():
            badges += int(doc.get("badges", 0))
        for room in self.venue.rooms:
            mean = var = temp_sum = 0.0
            claps = temp_n = 0
            for doc, _received in self._partials.values():
                part = doc["rooms"].get(room)
                if not isinstance(part, dict):
                    continue
                mean += float(part.get("mean", 0.0))
                var += float(part.get("var", 0.0))
                claps += int(part.get("claps", 0))
                temp_sum += float(part.get("temp_sum", 0.0))
                temp_n += int(part.get("temp_n", 0))
            half = Z95 * math.sqrt(var)
            rooms[room] = {
                "room": room,
                "count": round(mean, 2),
                "low": round(max(0.0, mean - half), 2),
                "high": round(mean + half, 2),
                "claps_per_min": claps,
                "temperature": round(temp_sum / temp_n, 2) if temp_n else None,
            }
        reporting = len(self._partials)
        for room, entry in rooms.items():
            entry = dict(entry, ts=round(now, 3), shards=self.shards, shards_reporting=reporting)
            self.link.publish_direct(
                topics.presence_room(self.prefix, room),
                json.dumps(entry, separators=(",", ":")).encode(),
                1,
                True,
            )
        summary = {
            "ts": round(now, 3),
            "shards": self.shards,
            "shards_reporting": reporting,
            "badges": badges,
            "rooms": rooms,
        }
        self.link.publish_direct(
            topics.presence_rooms(self.prefix),
            json.dumps(summary, separators=(",", ":")).encode(),
            1,
            True,
        )
        self.totals = rooms

    # -- running --------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, tick: float = 1.0, publish_every: float = 5.0) -> None:
        """Step every ``tick`` and publish every ``publish_every`` wall seconds until stop."""
        next_publish = time.monotonic() + publish_every
        while not stop.is_set():
            await asyncio.sleep(tick)
            self.step()
            if time.monotonic() >= next_publish:
                next_publish = time.monotonic() + publish_every
                self.publish()
        self.step()
        self.publish()
