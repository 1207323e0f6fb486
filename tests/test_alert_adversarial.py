"""Adversarial suite: over a million forged, mangled and replayed frames, none accepted.

Seeded: the seed is printed (``-s`` shows it); set IOTEDGE_ALERT_SEED to replay a
run. An attempt is one advert fed to a receiver. Attacks:

* bit flips anywhere in the alert payload, random tags, truncation and extension
  of the advert, key-id swaps (to other trusted ids) and type swaps;
* fragment splicing (a fragment of one message relabelled with another message's
  counter or index) and reordering of genuine fragments;
* replay of every accepted frame, and again after a simulated reboot (a receiver
  rebuilt from the persisted window);
* genuine signatures from an expired key, a revoked key, and a key used for a type
  it may not sign;
* the same mutations against Ed25519 fragments (fewer: each complete message costs
  a signature verification).

An accepted message counts as a forgery unless it is byte-for-byte one the signer
produced for that (key id, counter), and as a replay if that pair was already
delivered. Both counts must be 0. Most attempts are cheap by design: the receiver
drops duplicates and malformed headers before any cryptography.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

from iotedge.core import ed25519
from iotedge.core.alert_auth import HmacKey
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_frame import SCHEME_ED25519, SCHEME_HMAC
from iotedge.core.alert_keyring import KeyEntry, Keyring, types_mask
from iotedge.core.alert_messages import TYPE_ALERT, TYPE_CODES, TYPE_LED
from iotedge.core.alert_reasons import REASONS
from iotedge.core.alert_receiver import AlertReceiver, MemoryStore
from iotedge.core.alert_sign import build_ed25519_frames, build_hmac_frames

NOW = 1767225600
MINUTE = (NOW // 60) & 0xFFFF
TARGET_ATTEMPTS = 1_000_000
KEY = bytes(range(100, 132))
ED_SEED = bytes(range(32))
ED_PUBLIC = ed25519.public_key(ED_SEED)
TEXTS = ["Fire!", "Evacuate Hall A via exit B", "Lunch is served", "Keynote moved to room 2"]


def _ring() -> Keyring:
    ring = Keyring()
    ring.add(KeyEntry(1, SCHEME_HMAC, KEY))
    ring.add(KeyEntry(2, SCHEME_HMAC, KEY, types_mask(["led"])))  # led only
    ring.add(KeyEntry(3, SCHEME_HMAC, KEY, not_after=NOW - 1))  # expired
    ring.add(KeyEntry(4, SCHEME_HMAC, KEY, revoked=True))
    ring.add(KeyEntry(5, SCHEME_ED25519, ED_PUBLIC))
    return ring


def _body(rng: random.Random, msg_type: int) -> bytes:
    if msg_type == TYPE_LED:
        fields: dict[str, Any] = {"code": rng.randrange(4), "red": rng.randrange(256)}
    else:
        fields = {"text": rng.choice(TEXTS)[: rng.randrange(1, 40)]}
    fields["issued"] = MINUTE
    return encode_body(msg_type, fields)


class Campaign:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.store = MemoryStore()
        self.receiver = AlertReceiver(_ring(), self.store)
        self.hmac = HmacKey(KEY, 0xFFFF)
        self.attempts = 0
        self.forgeries = 0
        self.replays = 0
        self.genuine: dict[tuple[int, int], dict[str, Any]] = {}
        self.delivered: set[tuple[int, int]] = set()
        self.accepted_frames: list[bytes] = []
        self.reasons: dict[str, int] = {}

    def feed(self, adv: bytes | bytearray) -> None:
        self.attempts += 1
        message = self.receiver.feed(adv, NOW)
        reason = self.receiver.reason
        self.reasons[reason] = self.reasons.get(reason, 0) + 1
        if message is None:
            return
        ident = (message.key_id, message.counter)
        if self.genuine.get(ident) != message.to_dict():
            self.forgeries += 1
        elif ident in self.delivered:
            self.replays += 1
        self.delivered.add(ident)

    def sign(self, key_id: int, counter: int, msg_type: int, ed: bool = False) -> list[bytes]:
        body = _body(self.rng, msg_type)
        if ed:
            frames = build_ed25519_frames(
                lambda m: ed25519.sign(ED_SEED, m), key_id, counter, msg_type, body
            )
        else:
            frames = build_hmac_frames(self.hmac, key_id, counter, msg_type, body)
        from iotedge.core.alert_messages import decode_body

        expected = {"type": _name(msg_type), "key_id": key_id, "counter": counter}
        expected.update(decode_body(msg_type, body))
        if key_id in (1, 5) or (key_id == 2 and msg_type == TYPE_LED):
            self.genuine[(key_id, counter)] = expected
        return frames

    def mutate(self, frame: bytes, others: list[bytes]) -> bytearray:
        rng = self.rng
        adv = bytearray(frame)
        kind = rng.randrange(9)
        n = len(adv)
        if kind <= 2:  # flip 1..3 bits of the alert payload (after the company id)
            for _ in range(kind + 1):
                adv[rng.randrange(7, n)] ^= 1 << rng.randrange(8)
        elif kind == 3:  # random tag (or random last 8 bytes of an Ed25519 fragment)
            adv[n - 8 :] = rng.randbytes(8)
        elif kind == 4:  # truncation
            cut = rng.randrange(1, n - 7)
            del adv[n - cut :]
            if rng.random() < 0.5:
                adv[3] = len(adv) - 4  # keep the AD length consistent
        elif kind == 5:  # extension
            adv += rng.randbytes(rng.randrange(1, 8))
            if rng.random() < 0.5:
                adv[3] = min(255, len(adv) - 4)
        elif kind == 6:  # key-id swap
            adv[8] = rng.choice((1, 2, 3, 4, 5, rng.randrange(256)))
        elif kind == 7:  # type swap (keeping the version, fragment and scheme bits)
            adv[7] = (adv[7] & 0xF0) | rng.randrange(16)
        else:  # splice: another message's fragment relabelled as one of this message
            other = bytearray(rng.choice(others))
            other[9:13] = adv[9:13]  # this message's counter
            if len(other) > 13 and len(adv) > 13 and rng.random() < 0.5:
                other[13] = adv[13]  # and this fragment's index byte
            adv = other
        if bytes(adv) == frame:
            adv[rng.randrange(7, len(adv))] ^= 0x01
        return adv

    def attack(self, frames: list[bytes], others: list[bytes], tries: int) -> None:
        for _ in range(tries):
            self.feed(self.mutate(self.rng.choice(frames), others))

    def deliver(self, frames: list[bytes], ident: tuple[int, int]) -> None:
        # Genuine fragments in any order, repeated as gateways do: an Ed25519
        # partial poisoned by a forged fragment fails its signature check once,
        # is dropped, and the next repetition completes it.
        for _ in range(3):
            order = list(frames)
            self.rng.shuffle(order)
            for frame in order:
                self.feed(frame)
            if ident in self.delivered:
                break
        self.accepted_frames.extend(frames)

    def replay_all(self) -> None:
        for frame in self.accepted_frames:
            self.feed(frame)

    def reboot(self) -> None:
        self.receiver = AlertReceiver(_ring(), MemoryStore(self.store.data))
        self.store = self.receiver.store  # type: ignore[assignment]


def _name(msg_type: int) -> str:
    return {code: name for name, code in TYPE_CODES.items()}[msg_type]


def test_no_forgery_or_replay_in_a_million_attempts() -> None:
    seed = int(os.environ.get("IOTEDGE_ALERT_SEED", random.randrange(2**32)))
    print(f"\nalert adversarial seed: {seed} (IOTEDGE_ALERT_SEED={seed} to replay)")
    started = time.perf_counter()
    c = Campaign(seed)
    counter = 0
    previous: list[bytes] = c.sign(1, 10**6, TYPE_ALERT)  # splice material, never sent
    ed_messages = 0
    while c.attempts < TARGET_ATTEMPTS:
        counter += c.rng.randrange(1, 4)
        if counter % 25 == 0 and ed_messages < 40:
            ed_messages += 1
            frames = c.sign(5, counter, TYPE_ALERT, ed=True)
            c.attack(frames, previous, 40)
        else:
            frames = c.sign(1, counter, c.rng.choice((TYPE_ALERT, TYPE_LED)))
            c.attack(frames, previous, 1500)
        # Genuine signatures the keyring must still refuse.
        for key_id, msg_type in ((3, TYPE_LED), (4, TYPE_LED), (2, TYPE_ALERT)):
            for frame in c.sign(key_id, counter, msg_type):
                c.feed(frame)
        c.deliver(frames, (5 if frames[0][7] & 0x10 else 1, counter))
        for frame in c.rng.sample(c.accepted_frames, min(800, len(c.accepted_frames))):
            c.feed(frame)  # replays of earlier accepted frames
        if counter % 97 < 3:
            c.reboot()
            c.replay_all()
        previous = frames
    c.reboot()
    c.replay_all()
    elapsed = time.perf_counter() - started
    print(
        f"attempts {c.attempts}, messages delivered {len(c.delivered)}, "
        f"forgeries {c.forgeries}, replays {c.replays}, {elapsed:.1f} s"
    )
    print("reasons:", dict(sorted(c.reasons.items(), key=lambda kv: -kv[1])))
    assert c.attempts >= TARGET_ATTEMPTS
    assert c.forgeries == 0
    assert c.replays == 0
    # Every genuine message from a usable key was delivered exactly once.
    assert c.delivered == set(c.genuine) - {(1, 10**6)}
    assert set(c.reasons) <= set(REASONS)
    for reason in ("bad-tag", "duplicate", "key-expired", "key-revoked", "type-not-allowed"):
        assert c.reasons.get(reason, 0) > 0, reason
