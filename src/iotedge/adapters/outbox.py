"""A durable on-disk outbox: what a gateway has accepted survives broker outages and restarts.

SQLite in WAL mode, one row per message. The contract:

* ``enqueue`` returns only after the row is committed (``synchronous=FULL`` by default:
  the WAL is fsync'ed, so the row survives a power cut; ``sync="normal"`` survives a
  process crash but may lose the last commits on power loss, for speed). Only then may
  the caller treat the message as accepted.
* Rows leave the queue by ``ack`` once the broker has acknowledged them (PUBACK), never
  before. With ``keep_acked`` > 0 an acknowledged row stays on disk, marked with the time
  of its PUBACK, for that many seconds, and :meth:`Outbox.requeue_acked_since` can put it
  back in the queue: a broker that dies (SIGKILL, power cut) forgets what it acknowledged
  and had not yet saved or delivered, so the MQTT link resends the messages acknowledged
  shortly before such a loss (docs/mqtt.md, "Delivery").
* Every message gets an id that is never reused in this file (``AUTOINCREMENT``), and the
  file has a random ``epoch`` chosen when it is created: ``(epoch, id)`` names a message
  uniquely even if the file is deleted and recreated, which is what receivers de-duplicate
  on (delivery is at-least-once: a crash between PUBLISH and the delete resends).
* Bounded: ``max_messages`` and ``max_bytes`` (payload bytes). When full, ``policy``
  decides: ``"reject"`` (default) raises :class:`OutboxFullError` and stores nothing, so
  nothing accepted is ever dropped; ``"drop_oldest"`` deletes the oldest rows to make
  room and counts them in ``dropped`` (fresh telemetry is worth more than stale).

Thread-safe: one connection guarded by a lock (enqueue from the app, ack from the MQTT pump).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

Policy = Literal["reject", "drop_oldest"]
Payload = bytes | Callable[[int], bytes]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    qos INTEGER NOT NULL,
    retain INTEGER NOT NULL,
    created REAL NOT NULL,
    acked REAL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class OutboxFullError(RuntimeError):
    """The outbox is at its bound and its policy is ``"reject"``: the message was not stored."""


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    topic: str
    payload: bytes
    qos: int
    retain: bool
    created: float


@dataclass(frozen=True, slots=True)
class Pending:
    """One message to enqueue: payload bytes, or a function of the message id giving them."""

    topic: str
    payload: Payload
    qos: int = 1
    retain: bool = False


class Outbox:
    """Durable FIFO of MQTT messages awaiting PUBACK. See the module docstring."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        max_messages: int = 1_000_000,
        max_bytes: int = 256 * 1024 * 1024,
        policy: Policy = "reject",
        sync: Literal["full", "normal"] = "full",
        keep_acked: float = 0.0,
    ) -> None:
        if policy not in ("reject", "drop_oldest"):
            raise ValueError(f"unknown outbox policy {policy!r}")
        if keep_acked < 0:
            raise ValueError(f"keep_acked must be >= 0 seconds, got {keep_acked}")
        #: Seconds an acknowledged row stays on disk, ready to be requeued.
        self.keep_acked = keep_acked
        self.path = Path(path)
        self.max_messages = max_messages
        self.max_bytes = max_bytes
        self.policy: Policy = policy
        self.dropped = 0
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            str(self.path), check_same_thread=False, isolation_level=None, timeout=30.0
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if sync == 'full' else 'NORMAL'}")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(outbox)")}
        if "acked" not in columns:  # a file written before acknowledged rows were kept
            self._db.execute("ALTER TABLE outbox ADD COLUMN acked REAL")
        # Only kept rows are indexed: every ack purges the expired ones, and a backlog of
        # a million pending rows must not make that a full scan.
        self._db.execute(
            "CREATE INDEX IF NOT EXISTS outbox_acked ON outbox (acked) WHERE acked IS NOT NULL"
        )
        with self._tx():
            row = self._db.execute("SELECT value FROM meta WHERE key='epoch'").fetchone()
            if row is None:
                self.epoch = os.urandom(6).hex()
                self._db.execute("INSERT INTO meta VALUES ('epoch', ?)", (self.epoch,))
            else:
                self.epoch = str(row[0])
            count, size = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(LENGTH(payload)), 0) FROM outbox WHERE acked IS NULL"
            ).fetchone()
        self._count = int(count)
        self._bytes = int(size)

    # -- accepting -----------------------------------------------------------------------

    def enqueue(self, topic: str, payload: Payload, qos: int = 1, retain: bool = False) -> int:
        """Store one message durably; return its id. Raises :class:`OutboxFullError`."""
        return self.enqueue_many([Pending(topic, payload, qos, retain)])[0]

    def enqueue_many(self, items: Iterable[Pending]) -> list[int]:
        """Store several messages in one transaction (one fsync); all or none are stored.

        A callable payload is called with the message's id inside the transaction, so the
        id can travel inside the payload (report batches carry it for de-duplication).
        """
        todo = list(items)
        for item in todo:
            _check_topic(item.topic)
            if item.qos not in (0, 1, 2):
                raise ValueError(f"qos must be 0, 1 or 2, got {item.qos}")
        ids: list[int] = []
        with self._lock, self._tx():
            next_id = self._last_id_locked() + 1
            rows = []
            added_bytes = 0
            now = time.time()
            for item in todo:
                payload = item.payload(next_id) if callable(item.payload) else item.payload
                payload = bytes(payload)
                rows.append((next_id, item.topic, payload, item.qos, int(item.retain), now))
                ids.append(next_id)
                added_bytes += len(payload)
                next_id += 1
            self._make_room_locked(len(rows), added_bytes)
            self._db.executemany(
                "INSERT INTO outbox (id, topic, payload, qos, retain, created)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._count += len(rows)
            self._bytes += added_bytes
        return ids

    def _make_room_locked(self, n: int, size: int) -> None:
        if n > self.max_messages or size > self.max_bytes:
            raise OutboxFullError(f"{n} messages / {size} bytes can never fit this outbox")
        over_n = self._count + n - self.max_messages
        over_b = self._bytes + size - self.max_bytes
        if over_n <= 0 and over_b <= 0:
            return
        if self.policy == "reject":
            raise OutboxFullError(
                f"outbox full ({self._count} messages, {self._bytes} bytes): not accepted"
            )
        # drop_oldest: delete from the head until both bounds hold.
        cur = self._db.execute(
            "SELECT id, LENGTH(payload) FROM outbox WHERE acked IS NULL ORDER BY id"
        )
        victims: list[int] = []
        freed = 0
        for row_id, length in cur:
            if len(victims) >= over_n and freed >= over_b:
                break
            victims.append(int(row_id))
            freed += int(length)
        self._db.executemany("DELETE FROM outbox WHERE id=?", [(v,) for v in victims])
        self._count -= len(victims)
        self._bytes -= freed
        self.dropped += len(victims)
        log.warning("outbox full: dropped %d oldest messages", len(victims))

    # -- delivering ----------------------------------------------------------------------

    def peek(self, after_id: int = 0, limit: int = 100) -> list[OutboxMessage]:
        """The oldest stored messages with id > ``after_id``, in id order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, topic, payload, qos, retain, created FROM outbox"
                " WHERE id > ? AND acked IS NULL ORDER BY id LIMIT ?",
                (after_id, limit),
            ).fetchall()
        return [OutboxMessage(r[0], r[1], bytes(r[2]), r[3], bool(r[4]), r[5]) for r in rows]

    def ack(self, ids: Sequence[int], now: float | None = None) -> int:
        """Take acknowledged messages out of the queue (unknown ids are ignored).

        They are deleted, or with ``keep_acked`` kept and stamped with ``now`` (default
        ``time.time()``); kept rows older than ``keep_acked`` are deleted here too.
        Returns how many left the queue.
        """
        if not ids:
            return 0
        stamp = time.time() if now is None else now
        unique = sorted(set(ids))
        removed = 0
        freed = 0
        with self._lock, self._tx():
            for start in range(0, len(unique), 500):  # stay under SQLite's variable limit
                chunk = unique[start : start + 500]
                marks = ",".join("?" * len(chunk))
                where = f"WHERE id IN ({marks}) AND acked IS NULL"
                n, size = self._db.execute(
                    f"SELECT COUNT(*), COALESCE(SUM(LENGTH(payload)), 0) FROM outbox {where}",
                    chunk,
                ).fetchone()
                if self.keep_acked > 0:
                    self._db.execute(f"UPDATE outbox SET acked=? {where}", [stamp, *chunk])
                else:
                    self._db.execute(f"DELETE FROM outbox {where}", chunk)
                removed += int(n)
                freed += int(size)
            if self.keep_acked > 0:
                self._db.execute("DELETE FROM outbox WHERE acked < ?", (stamp - self.keep_acked,))
            self._count -= removed
            self._bytes -= freed
        return removed

    def requeue_acked_since(self, since: float) -> list[int]:
        """Put rows acknowledged at or after ``since`` back in the queue; return their ids.

        Only rows still kept (``keep_acked``) can come back. Their ids are unchanged, so a
        receiver that saw a message before drops the repeat by ``(epoch, id)``.
        """
        with self._lock, self._tx():
            rows = sorted(  # sorted here: ORDER BY id would make SQLite scan the table
                self._db.execute(
                    "SELECT id, LENGTH(payload) FROM outbox WHERE acked >= ?", (since,)
                ).fetchall()
            )
            self._db.execute("UPDATE outbox SET acked=NULL WHERE acked >= ?", (since,))
            self._count += len(rows)
            self._bytes += sum(int(r[1]) for r in rows)
        return [int(r[0]) for r in rows]

    @property
    def last_ack_time(self) -> float | None:
        """When the newest kept acknowledged row was acknowledged (None if none is kept)."""
        with self._lock:
            row = self._db.execute("SELECT MAX(acked) FROM outbox").fetchone()
        return None if row[0] is None else float(row[0])

    # -- inspection ----------------------------------------------------------------------

    def __len__(self) -> int:
        """Messages waiting for a PUBACK (kept acknowledged rows do not count)."""
        return self._count

    @property
    def pending_bytes(self) -> int:
        return self._bytes

    @property
    def last_id(self) -> int:
        """The highest id ever given out by this file (0 if none)."""
        with self._lock:
            return self._last_id_locked()

    def _last_id_locked(self) -> int:
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name='outbox'").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on error)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def _check_topic(topic: str) -> None:
    if not topic or "+" in topic or "#" in topic or "\x00" in topic:
        raise ValueError(f"invalid MQTT topic to publish to: {topic!r}")
    if len(topic.encode()) > 65535:
        raise ValueError("MQTT topic longer than 65535 bytes")
