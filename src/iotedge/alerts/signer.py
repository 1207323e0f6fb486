"""The back-end signer: never reuses a (key id, counter) pair, even across crashes.

Each message takes the next counter of the active key id. The counter is written
to the state file (``<key file>.state``, atomic replace + fsync) *before* the
frames exist, so a crash can skip a counter but never hand one out twice.

The state file and the key file's ``active`` must name the same key id. Whenever
they do not, or the state file is missing or unreadable, the signer cannot know
which counters were used, so it moves to the first provisioned key id *above
every id either file names* (recording the move in the state file, then in the
key file, before anything is signed) and starts that id at counter 1. It never
"catches up" by trusting the lower of the two: a key file restored from a backup
holds an older ``active``, and going back to it would hand out its counters again.
What no local file can tell is which ids were used when *both* the state file is
lost and the key file is an old copy: then ``--rotate`` (or a new key file from
``iotedge alert keygen``) is the way out; see docs/alerts.md.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from iotedge.alerts.files import atomic_write
from iotedge.alerts.keys import SigningKey, ed25519_sign
from iotedge.core.alert_auth import HmacKey
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_frame import MAX_COUNTER, SCHEME_ED25519
from iotedge.core.alert_keyring import type_names
from iotedge.core.alert_sign import build_ed25519_frames, build_hmac_frames
from iotedge.core.errors import KeyringError


def state_path_for(key_path: str | os.PathLike[str]) -> Path:
    return Path(str(key_path) + ".state")


def write_state(path: Path, key_id: int, next_counter: int) -> None:
    atomic_write(path, (json.dumps({"key_id": key_id, "next": next_counter}) + "\n").encode())


def initialise_state(key: SigningKey) -> Path:
    """Start the counter of a new key file at 1 (keygen). Never overwrites a state."""
    if key.path is None:
        raise ValueError("save the key file before initialising its state")
    path = state_path_for(key.path)
    if path.exists():
        raise KeyringError("state-exists", f"{path} already exists; refusing to reset a counter")
    write_state(path, key.active, 1)
    return path


def unix_minutes(now: float | None = None) -> int:
    """The ``issued`` stamp: unix minutes modulo 65536."""
    return int((time.time() if now is None else now) // 60) & 0xFFFF


class Signer:
    """Signs messages with a key file, keeping its counter in ``state_path``.

    ``rotated_from`` is the key id abandoned at start-up (state lost), else None.
    """

    def __init__(
        self,
        key: SigningKey,
        state_path: str | os.PathLike[str] | None = None,
        rotate: bool = False,
    ) -> None:
        if key.path is None and state_path is None:
            raise ValueError("a signer needs a state file path")
        self.key = key
        self.state_path = Path(state_path) if state_path else state_path_for(key.path or "")
        self.rotated_from: int | None = None
        self.key_id, self.next_counter = self._read_state()
        if rotate and self.rotated_from is None:
            self._rotate()

    @classmethod
    def open(cls, key_path: str | os.PathLike[str], rotate: bool = False) -> Signer:
        return cls(SigningKey.load(key_path), rotate=rotate)

    def _read_state(self) -> tuple[int, int]:
        try:
            doc = json.loads(self.state_path.read_text())
            key_id, next_counter = int(doc["key_id"]), int(doc["next"])
        except (OSError, ValueError, KeyError, TypeError):
            # Missing or unreadable: the counters used under ``active`` are unknown.
            return self._move_above(self.key.active, self.key.active)
        if key_id != self.key.active or next_counter < 1:
            # The files disagree: a crash between the two writes of a move, or a
            # key file (or state file) restored from a backup. Either may be the
            # stale one, so neither id may be used again.
            return self._move_above(max(key_id, self.key.active), key_id)
        return key_id, next_counter

    def _move_above(self, floor: int, abandoned: int) -> tuple[int, int]:
        """Move to the first provisioned key id above ``floor``, at counter 1.

        The state file records the new id before the key file does: a crash in
        between leaves the two disagreeing, which the next start treats as a
        reason to move again (one id more spent, no counter reused).
        """
        fresh = [k for k in self.key.key_ids if k > floor]
        if not fresh:
            raise KeyringError(
                "no-fresh-key-id",
                f"signer state lost or inconsistent and no key id above {floor} is "
                "provisioned: run 'iotedge alert keygen' and distribute the new keyring",
            )
        new_id = min(fresh)
        write_state(self.state_path, new_id, 1)
        self.key.active = new_id
        self.key.save()
        self.rotated_from = abandoned
        self.key_id, self.next_counter = new_id, 1
        return self.key_id, self.next_counter

    def _rotate(self) -> tuple[int, int]:
        """Abandon the current key id for the next provisioned one above it."""
        return self._move_above(max(self.key_id, self.key.active), self.key_id)

    def reserve_counter(self) -> int:
        """Take the next counter, persisted (fsync'd) before it is returned."""
        counter = self.next_counter
        if counter > MAX_COUNTER:
            self._rotate()
            counter = self.next_counter
        write_state(self.state_path, self.key_id, counter + 1)
        self.next_counter = counter + 1
        return counter

    def sign(self, msg_type: int, fields: dict[str, Any], now: float | None = None) -> list[bytes]:
        """Frames (full advertising data, one per advert) for one message.

        ``fields`` as for ``core.alert_messages.encode_body``; ``issued`` defaults
        to the current unix minute.
        """
        if not self.key.types >> msg_type & 1:
            # Badges would refuse it (type-not-allowed): don't spend a counter on it.
            raise KeyringError(
                "type-not-allowed",
                f"this key file may sign {','.join(type_names(self.key.types))}, "
                f"not type {msg_type}",
            )
        fields = dict(fields)
        fields.setdefault("issued", unix_minutes(now))
        body = encode_body(msg_type, fields)  # refuse bad fields before using a counter
        counter = self.reserve_counter()
        return sign_frames(self.key, self.key_id, counter, msg_type, body)


def sign_frames(
    key: SigningKey, key_id: int, counter: int, msg_type: int, body: bytes
) -> list[bytes]:
    """Frames for ``body`` under ``key_id`` and an explicit counter (no state kept)."""
    secret = key.secret(key_id)
    if key.scheme == SCHEME_ED25519:
        return build_ed25519_frames(
            lambda message: ed25519_sign(secret, message),
            key_id,
            counter,
            msg_type,
            body,
            key.company,
        )
    return build_hmac_frames(
        HmacKey(secret, key.company), key_id, counter, msg_type, body, key.company
    )
