"""Pseudonyms for badges: a keyed hash whose key moves forward every epoch.

The original system hashed MAC addresses before they left the venue. Here every
badge identity (the badge id from its payload, or the advertiser address for
devices without one) becomes ``BLAKE2s-64(identity, key=K_e)``: 16 hex digits that
every gateway of the venue computes identically, that the presence service can
count and follow, and that nobody without the key can turn back into a badge.

**Rotation.** Time is cut into epochs of ``period_s`` seconds starting at
``offset_s`` past midnight UTC (default: one day starting 04:00, when a venue is
closed): ``e = floor((unix - offset_s) / period_s)``. The key of the next epoch is
derived from the current one by a one-way step, ``K_{e+1} = BLAKE2s(label, key=K_e)``,
and the old key is overwritten in the key file: a gateway stolen today cannot
recompute yesterday's pseudonyms (forward secrecy), and pseudonyms of two epochs
cannot be linked by anyone, us included.

**Why the presence service does not link across a rotation.** That unlinkability is
the point of rotating: a day's pseudonyms must not join up with the next day's.
Presence needs continuity only within a day, and the boundary falls when the venue
is empty; the service starts a fresh estimator when the first report of a new epoch
arrives (reports carry their epoch ``e``) and clears the old epoch's retained
per-badge topics. A badge present at the boundary is simply a new badge, found
again at its next burst (within a minute).

**Sharing the key.** All gateways of a venue hold a copy of the same key file
(created once, e.g. by the first gateway started, then copied). Each ratchets its
copy forward on its own; copies at different epochs agree once both have moved to
the current one. A copy kept in a backup defeats the forward secrecy: don't back the
file up.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from iotedge.alerts.files import atomic_write
from iotedge.core.errors import ConfigError

log = logging.getLogger(__name__)

FORMAT = "iotedge-pseudonym-key/1"
_RATCHET = b"ratchet1"  # BLAKE2s personalisation strings: ratchet and pseudonyms never mix
_PSEUDO = b"pseudo01"
DIGEST = 8  # bytes: 16 hex digits; 300 badges collide with probability ~2.4e-15


def epoch_of(now: float, period_s: float, offset_s: float) -> int:
    """The epoch number of unix time ``now``."""
    return int((now - offset_s) // period_s)


def ratchet(key: bytes) -> bytes:
    """The next epoch's key: a one-way step (BLAKE2s keyed with this epoch's key)."""
    return hashlib.blake2s(b"iotedge/pseudonym/next", key=key, person=_RATCHET).digest()


class PseudonymKey:
    """The current epoch and its key, kept in a JSON file and ratcheted forward.

    File: ``{"format": "iotedge-pseudonym-key/1", "period_s": 86400, "offset_s": 14400,
    "epoch": 20412, "key": "<64 hex digits>"}`` (mode 0600). ``path=None`` keeps it in
    memory only (tests, the demo).
    """

    def __init__(
        self,
        key: bytes,
        epoch: int,
        period_s: float = 86400.0,
        offset_s: float = 14400.0,
        path: Path | None = None,
    ) -> None:
        if len(key) != 32:
            raise ConfigError("bad-value", "a pseudonym key is 32 bytes")
        if period_s <= 0:
            raise ConfigError("bad-value", "the rotation period must be > 0")
        self.key = key
        self.epoch = epoch
        self.period_s = period_s
        self.offset_s = offset_s
        self.path = path

    @classmethod
    def generate(
        cls,
        now: float,
        period_s: float = 86400.0,
        offset_s: float = 14400.0,
        path: Path | None = None,
    ) -> PseudonymKey:
        key = cls(os.urandom(32), epoch_of(now, period_s, offset_s), period_s, offset_s, path)
        key.save()
        return key

    @classmethod
    def load(cls, path: Path) -> PseudonymKey:
        try:
            doc = json.loads(Path(path).read_text())
            if doc.get("format") != FORMAT:
                raise ValueError(f"format is not {FORMAT}")
            return cls(
                bytes.fromhex(doc["key"]),
                int(doc["epoch"]),
                float(doc["period_s"]),
                float(doc["offset_s"]),
                Path(path),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError("bad-value", f"pseudonym key file {path}: {exc}") from None

    @classmethod
    def open(
        cls, path: Path, now: float, period_s: float = 86400.0, offset_s: float = 14400.0
    ) -> PseudonymKey:
        """Load ``path``, or create it with a fresh random key when it does not exist."""
        path = Path(path)
        if path.exists():
            key = cls.load(path)
            if (key.period_s, key.offset_s) != (period_s, offset_s):
                log.warning(
                    "pseudonym key file %s rotates every %.0f s at +%.0f s; using the file's "
                    "schedule, not the configured one",
                    path,
                    key.period_s,
                    key.offset_s,
                )
            return key
        log.warning("created a new pseudonym key %s: copy it to every gateway of the venue", path)
        return cls.generate(now, period_s, offset_s, path)

    def save(self) -> None:
        if self.path is None:
            return
        doc = {
            "format": FORMAT,
            "period_s": self.period_s,
            "offset_s": self.offset_s,
            "epoch": self.epoch,
            "key": self.key.hex(),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, (json.dumps(doc) + "\n").encode(), mode=0o600)

    def advance_to(self, epoch: int) -> bool:
        """Ratchet forward to ``epoch`` (never back); True if the key changed."""
        if epoch <= self.epoch:
            return False
        key = self.key
        for _ in range(epoch - self.epoch):
            key = ratchet(key)
        self.key, self.epoch = key, epoch
        try:
            self.save()
        except OSError as exc:  # keep working; the file will catch up at the next step
            log.error("could not save the ratcheted pseudonym key: %s", exc)
        return True


class Pseudonymiser:
    """``(epoch, pseudonym)`` of a badge identity at time ``now``; caches per epoch.

    If the clock goes back across an epoch boundary the key cannot follow (it only moves
    forward): the current epoch is kept and the event logged.
    """

    def __init__(
        self, key: PseudonymKey, clock: Callable[[], float] = time.time, cache_max: int = 65536
    ) -> None:
        self.key = key
        self.clock = clock
        self.cache_max = cache_max
        self.rotations = 0
        self._cache: dict[bytes, str] = {}
        self._next_boundary = self._boundary_after(key.epoch)

    def _boundary_after(self, epoch: int) -> float:
        return (epoch + 1) * self.key.period_s + self.key.offset_s

    def _rotate(self, now: float) -> None:
        epoch = epoch_of(now, self.key.period_s, self.key.offset_s)
        if self.key.advance_to(epoch):
            self.rotations += 1
            log.info("pseudonym key rotated to epoch %d", epoch)
        self._cache.clear()
        self._next_boundary = self._boundary_after(self.key.epoch)

    @property
    def epoch(self) -> int:
        return self.key.epoch

    def __call__(self, identity: bytes, now: float | None = None) -> tuple[int, str]:
        if now is None:
            now = self.clock()
        if now >= self._next_boundary:
            self._rotate(now)
        cached = self._cache.get(identity)
        if cached is None:
            if len(self._cache) >= self.cache_max:
                self._cache.clear()
            cached = hashlib.blake2s(
                identity, key=self.key.key, digest_size=DIGEST, person=_PSEUDO
            ).hexdigest()
            self._cache[identity] = cached
        return self.key.epoch, cached


def shard_of(pseudonym: str, shards: int) -> int:
    """The shard that owns a pseudonym: its first 32 bits modulo ``shards``.

    A pseudonym is already a keyed hash, so its bits are uniform: shards get equal
    shares, and all reports of one badge (from every gateway) go to one shard.
    """
    return int(pseudonym[:8], 16) % shards
