"""Adversarial suite: over a million forged, mangled and replayed frames, none accepted.

Seeded: the seed is printed (``-s`` shows it); set IOTEDGE_ALERT_SEED to replay a
run. An attempt is one advert fed to a receiver. The mix is chosen so that most
attempts reach the expensive checks rather than the cheap duplicate drop:

* HMAC frames, mostly mutated *behind* a valid header (bit flips in the body and
  tag, random tags, fresh counters, another trusted key's id): these reach the
  HMAC verification (at least 300,000 times, counted at ``HmacKey.check``); the
  rest: truncation and extension, type swaps, fragment splicing, bad versions;
* Ed25519 messages whose complete fragment set carries one mutated fragment (a
  flipped bit in body or signature, another message's fragment): each is a
  signature verification, thousands through the ``cryptography`` fast path and a
  few hundred through the pure-Python verifier a badge runs;
* revocation frames from the dedicated Ed25519 revocation key: mutated, retargeted
  at the spare key ids, replayed (also after a reboot), and revocations signed with
  the badges' shared HMAC key (which may not revoke);
* replay of accepted frames, and again after a simulated reboot (a receiver rebuilt
  from the persisted window); genuine signatures from an expired key, a revoked
  key, and a key used for a type it may not sign.

An accepted message counts as a forgery unless it is byte-for-byte one the signer
produced for that (key id, counter), and as a replay if that pair was already
delivered. Both counts must be 0, and no key id may end up revoked that the venue
did not revoke.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from typing import Any

import pytest

from iotedge.alerts.keys import ed25519_sign
from iotedge.core import alert_receiver, ed25519
from iotedge.core.alert_auth import HmacKey
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_frame import SCHEME_ED25519, SCHEME_HMAC
from iotedge.core.alert_keyring import KeyEntry, Keyring, types_mask
from iotedge.core.alert_messages import TYPE_ALERT, TYPE_LED, TYPE_NAMES, TYPE_REVOKE, decode_body
from iotedge.core.alert_reasons import REASONS
from iotedge.core.alert_receiver import AlertReceiver, MemoryStore
from iotedge.core.alert_sign import build_ed25519_frames, build_hmac_frames

NOW = 1767225600
MINUTE = (NOW // 60) & 0xFFFF
TARGET_ATTEMPTS = 1_000_000
MIN_HMAC_CHECKS = 300_000
MIN_ED_FAST = 4_000
MIN_ED_PORTABLE = 200
KEY = bytes(range(100, 132))
SPARE_KEY = bytes(range(140, 172))
ED_SEED = bytes(range(32))
REVOKE_SEED = bytes(range(40, 72))
TEXTS = ["Fire!", "Evacuate Hall A via exit B", "Lunch is served", "Keynote moved to room 2"]
USABLE = {1: None, 5: None, 6: None, 7: None}  # key id -> None: every type it may sign
SPARES = (7, 8)  # ids kept for rotation: what a revocation attacker wants to kill
DECOYS = range(100, 160)  # ids the venue genuinely revokes during the run (not in use)
REVOKER = 6


def _ring() -> Keyring:
    hmac_types = types_mask(["time", "led", "alert", "info", "schedule"])  # keygen default
    ring = Keyring()
    ring.add(KeyEntry(1, SCHEME_HMAC, KEY, hmac_types))
    ring.add(KeyEntry(2, SCHEME_HMAC, KEY, types_mask(["led"])))  # led only
    ring.add(KeyEntry(3, SCHEME_HMAC, KEY, hmac_types, not_after=NOW - 1))  # expired
    ring.add(KeyEntry(4, SCHEME_HMAC, KEY, hmac_types, revoked=True))
    ring.add(KeyEntry(5, SCHEME_ED25519, ed25519.public_key(ED_SEED), hmac_types))
    ring.add(KeyEntry(REVOKER, SCHEME_ED25519, ed25519.public_key(REVOKE_SEED), 1 << TYPE_REVOKE))
    for key_id in SPARES:
        ring.add(KeyEntry(key_id, SCHEME_HMAC, SPARE_KEY, hmac_types))
    return ring


class CountingHmacKey(HmacKey):
    """The receiver's HmacKey, counting how many frames reach the MAC verification."""

    checks = 0

    def check(self, data: bytes | memoryview, frame: bytes | memoryview, tag_at: int) -> bool:
        CountingHmacKey.checks += 1
        return super().check(data, frame, tag_at)


class Campaign:
    def __init__(self, seed: int, ed_verify: Callable[[bytes, bytes, bytes], bool]) -> None:
        self.rng = random.Random(seed)
        self.ed_calls = 0

        def counting_verify(public: bytes, message: bytes, signature: bytes) -> bool:
            self.ed_calls += 1
            return ed_verify(public, message, signature)

        self.ed_verify = counting_verify
        self.store = MemoryStore()
        self.receiver = self._receiver(None)
        self.keys = {1: HmacKey(KEY, 0xFFFF), 7: HmacKey(SPARE_KEY, 0xFFFF)}
        self.attempts = 0
        self.forgeries = 0
        self.replays = 0
        self.genuine: dict[tuple[int, int], dict[str, Any]] = {}
        self.delivered: set[tuple[int, int]] = set()
        self.accepted_frames: list[bytes] = []
        self.revoke_frames: list[bytes] = []
        self.revoked_by_venue: set[int] = set()
        self.reasons: dict[str, int] = {}
        self.counters = {key_id: 0 for key_id in (1, 2, 3, 4, 5, REVOKER, 7)}

    def _receiver(self, data: bytes | None) -> AlertReceiver:
        self.store = MemoryStore(data)
        receiver = AlertReceiver(_ring(), self.store)
        receiver._ed_verify = self.ed_verify  # count every signature verification
        return receiver

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

    def next_counter(self, key_id: int) -> int:
        self.counters[key_id] += self.rng.randrange(1, 4)
        return self.counters[key_id]

    def sign(self, key_id: int, msg_type: int, fields: dict[str, Any] | None = None) -> list[bytes]:
        counter = self.next_counter(key_id)
        body = encode_body(msg_type, dict(fields or self._fields(msg_type), issued=MINUTE))
        if key_id in (5, REVOKER):
            seed = ED_SEED if key_id == 5 else REVOKE_SEED
            frames = build_ed25519_frames(
                lambda m: ed25519_sign(seed, m), key_id, counter, msg_type, body
            )
        else:
            frames = build_hmac_frames(
                self.keys.get(key_id, self.keys[1]), key_id, counter, msg_type, body
            )
        if key_id in USABLE and (key_id == REVOKER) == (msg_type == TYPE_REVOKE):
            expected = {"type": TYPE_NAMES[msg_type], "key_id": key_id, "counter": counter}
            expected.update(decode_body(msg_type, body))
            self.genuine[(key_id, counter)] = expected
        return frames

    def _fields(self, msg_type: int) -> dict[str, Any]:
        if msg_type == TYPE_LED:
            return {"code": self.rng.randrange(4), "red": self.rng.randrange(256)}
        return {"text": self.rng.choice(TEXTS)[: self.rng.randrange(1, 40)]}

    # -- HMAC ------------------------------------------------------------------

    def mutate(self, frame: bytes, others: list[bytes]) -> bytearray:
        """A forged variant; about three in four keep a header that passes the cheap checks."""
        rng = self.rng
        adv = bytearray(frame)
        n = len(adv)
        kind = rng.randrange(16)
        if kind <= 3:  # flip 1..3 bits behind the header (body, fragment byte, tag)
            for _ in range(kind % 3 + 1):
                adv[rng.randrange(13, n)] ^= 1 << rng.randrange(8)
        elif kind <= 6:  # random tag
            adv[n - 8 :] = rng.randbytes(8)
        elif kind == 7:  # a body byte replaced
            adv[rng.randrange(13, max(14, n - 8))] = rng.randrange(256)
        elif kind <= 9:  # a fresh counter (the tag no longer covers it)
            counter = int.from_bytes(adv[9:13], "little") + rng.randrange(1, 20)
            adv[9:13] = counter.to_bytes(4, "little")
        elif kind == 10:  # another trusted HMAC key's id (different secret or type set)
            adv[8] = rng.choice((2, 7, 8))
        elif kind == 11:  # flip any bit of the payload, header included
            adv[rng.randrange(7, n)] ^= 1 << rng.randrange(8)
        elif kind == 12:  # truncation
            cut = rng.randrange(1, n - 7)
            del adv[n - cut :]
            if rng.random() < 0.5:
                adv[3] = len(adv) - 4  # keep the AD length consistent
        elif kind == 13:  # extension
            adv += rng.randbytes(rng.randrange(1, 8))
            if rng.random() < 0.5:
                adv[3] = min(255, len(adv) - 4)
        elif kind == 14:  # type swap (keeping the version, fragment and scheme bits)
            adv[7] = (adv[7] & 0xF0) | rng.randrange(16)
        else:  # splice: another message's fragment relabelled as one of this message
            other = bytearray(rng.choice(others))
            other[9:13] = adv[9:13]
            if len(other) > 13 and len(adv) > 13 and rng.random() < 0.5:
                other[13] = adv[13]
            adv = other
        if bytes(adv) == frame:
            adv[rng.randrange(7, len(adv))] ^= 0x01
        return adv

    def attack(self, frames: list[bytes], others: list[bytes], tries: int) -> None:
        # Bytes appended after the manufacturer AD leave the signed frame intact: such
        # a copy is the genuine message (accepted once, not a forgery), after which
        # every other variant would be a mere duplicate. Fed last, they stay few.
        genuine_copies = []
        for _ in range(tries):
            frame = self.rng.choice(frames)
            adv = self.mutate(frame, others)
            if adv[: len(frame)] == frame:
                genuine_copies.append(adv)
            else:
                self.feed(adv)
        for adv in genuine_copies:
            self.feed(adv)

    # -- Ed25519 -----------------------------------------------------------------

    def poison(self, frames: list[bytes], others: list[bytes], rounds: int) -> None:
        """Complete fragment sets with one forged fragment: one verification each."""
        rng = self.rng
        for _ in range(rounds):
            order = list(frames)
            rng.shuffle(order)
            at = rng.randrange(len(order))
            bad = bytearray(order[at])
            kind = rng.randrange(4)
            if kind <= 1:  # flip bits in the fragment's body or signature bytes
                for _ in range(kind + 1):
                    bad[rng.randrange(14, len(bad))] ^= 1 << rng.randrange(8)
            elif kind == 2:  # random bytes at the end (never into the header)
                start = max(14, len(bad) - 8)
                bad[start:] = rng.randbytes(len(bad) - start)
            else:  # same-index fragment of another message, relabelled
                donors = [f for f in others if len(f) == len(bad) and f[13] == bad[13]]
                if donors and bytes(rng.choice(donors))[14:] != bytes(bad)[14:]:
                    bad[14:] = rng.choice(donors)[14:]
                else:
                    bad[14] ^= 0x80
            order[at] = bytes(bad)
            for frame in order:
                self.feed(frame)

    # -- delivery, replay, reboot -----------------------------------------------

    def deliver(self, frames: list[bytes]) -> None:
        # Genuine fragments in any order, repeated as gateways do: a partial message
        # poisoned by a forged fragment fails once, is dropped, the next copy completes.
        ident = (frames[0][8], int.from_bytes(frames[0][9:13], "little"))
        for _ in range(3):
            order = list(frames)
            self.rng.shuffle(order)
            for frame in order:
                self.feed(frame)
            if ident in self.delivered:
                break
        self.accepted_frames.extend(frames)

    def replay_sample(self, count: int) -> None:
        for frame in self.rng.sample(self.accepted_frames, min(count, len(self.accepted_frames))):
            self.feed(frame)

    def replay_all(self) -> None:
        for frame in self.accepted_frames:
            self.feed(frame)

    def reboot(self) -> None:
        self.receiver = self._receiver(self.store.data)

    def revocation_round(self, others: list[bytes], rounds: int) -> None:
        """The venue revokes a decoy id; attackers try to revoke the spare ids instead."""
        decoy = DECOYS[len(self.revoked_by_venue)]
        frames = self.sign(REVOKER, TYPE_REVOKE, {"key_ids": [decoy]})
        self.poison(frames, others, rounds)
        # Retargeted: the genuine frames with the revoked id byte changed to a spare.
        for spare in SPARES:
            retargeted = []
            for frame in frames:
                adv = bytearray(frame)
                if adv[13] >> 4 == 0:  # first fragment: 5-byte body header, then ids
                    adv[19] = spare
                retargeted.append(bytes(adv))
            for frame in retargeted:
                self.feed(frame)
        # Signed with the badges' shared HMAC key (what anyone can read out of a badge):
        # the MAC is right, the authority is not.
        for key_id in (1, 2, 7):
            for frame in self.sign(key_id, TYPE_REVOKE, {"key_ids": list(SPARES)}):
                self.feed(frame)
        self.deliver(frames)
        self.revoked_by_venue.add(decoy)
        self.revoke_frames.extend(frames)
        for frame in self.revoke_frames:
            self.feed(frame)  # replays of every revocation so far


def _check(c: Campaign) -> None:
    assert c.forgeries == 0
    assert c.replays == 0
    assert c.delivered == set(c.genuine)
    assert set(c.reasons) <= set(REASONS)
    for key_id in SPARES + (1, 5):
        assert not c.receiver.is_revoked(key_id), key_id
    for key_id in DECOYS:
        assert c.receiver.is_revoked(key_id) == (key_id in c.revoked_by_venue), key_id


def _report(name: str, c: Campaign, elapsed: float, ed_name: str) -> None:
    print(
        f"{name}: attempts {c.attempts}, messages delivered {len(c.delivered)}, "
        f"forgeries {c.forgeries}, replays {c.replays}, revocations {len(c.revoked_by_venue)}, "
        f"HMAC checks {CountingHmacKey.checks}, Ed25519 verifications {c.ed_calls} "
        f"({ed_name}), {elapsed:.1f} s"
    )
    print("reasons:", dict(sorted(c.reasons.items(), key=lambda kv: -kv[1])))


@pytest.fixture
def counting_hmac(monkeypatch: pytest.MonkeyPatch) -> None:
    CountingHmacKey.checks = 0
    monkeypatch.setattr(alert_receiver, "HmacKey", CountingHmacKey)


@pytest.fixture
def seed() -> int:
    seed = int(os.environ.get("IOTEDGE_ALERT_SEED", random.randrange(2**32)))
    print(f"\nalert adversarial seed: {seed} (IOTEDGE_ALERT_SEED={seed} to replay)")
    return seed


@pytest.mark.usefixtures("counting_hmac")
def test_no_forgery_or_replay_in_a_million_attempts(seed: int) -> None:
    started = time.perf_counter()
    c = Campaign(seed, ed25519.verify)  # the cryptography fast path when installed
    previous = c.sign(1, TYPE_ALERT)  # splice material, never sent
    del c.genuine[(1, c.counters[1])]
    ed_others = c.sign(5, TYPE_ALERT)  # donor fragments, never sent
    del c.genuine[(5, c.counters[5])]
    step = 0
    while c.attempts < TARGET_ATTEMPTS:
        step += 1
        if step % 12 == 0 and c.ed_calls < MIN_ED_FAST + 1_000:
            frames = c.sign(5, TYPE_ALERT)
            c.poison(frames, ed_others, 100)
            c.attack(frames, previous, 100)
            ed_others = frames
        elif step % 25 == 1 and len(c.revoked_by_venue) < len(DECOYS):
            c.revocation_round(ed_others, 25)
            continue
        else:
            key_id = 7 if step % 10 == 3 else 1
            frames = c.sign(key_id, c.rng.choice((TYPE_ALERT, TYPE_LED)))
            c.attack(frames, previous, 1_300)
            previous = frames
        # Genuine signatures the keyring must still refuse.
        for key_id, msg_type in ((3, TYPE_LED), (4, TYPE_LED), (2, TYPE_ALERT)):
            for frame in c.sign(key_id, msg_type):
                c.feed(frame)
        c.deliver(frames)
        c.replay_sample(60)
        if step % 97 < 2:
            c.reboot()
            c.replay_all()
    c.reboot()
    c.replay_all()
    _report("fast path", c, time.perf_counter() - started, "cryptography")
    assert c.attempts >= TARGET_ATTEMPTS
    assert CountingHmacKey.checks >= MIN_HMAC_CHECKS
    assert c.ed_calls >= MIN_ED_FAST
    assert len(c.revoked_by_venue) >= 20
    _check(c)
    for reason in (
        "bad-tag",
        "bad-signature",
        "duplicate",
        "key-expired",
        "key-revoked",
        "type-not-allowed",
        "fragment-conflict",
    ):
        assert c.reasons.get(reason, 0) > 0, reason


@pytest.mark.usefixtures("counting_hmac")
def test_no_forgery_through_the_portable_ed25519_verifier(seed: int) -> None:
    # What a badge runs: the pure-Python verifier, on Ed25519 alerts and revocations.
    started = time.perf_counter()
    c = Campaign(seed ^ 0x5A5A5A5A, ed25519.verify_portable)
    others = c.sign(5, TYPE_ALERT)
    del c.genuine[(5, c.counters[5])]
    for round_no in range(8):
        if round_no % 2:
            c.revocation_round(others, 30)
        else:
            frames = c.sign(5, TYPE_ALERT)
            c.poison(frames, others, 30)
            c.deliver(frames)
            others = frames
        c.replay_sample(50)
    c.reboot()
    c.replay_all()
    _report("portable", c, time.perf_counter() - started, "pure Python")
    assert c.ed_calls >= MIN_ED_PORTABLE
    _check(c)
    assert c.reasons.get("bad-signature", 0) > 0
