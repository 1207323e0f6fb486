"""Relay test: 20 gateways repeat every frame >= 50 times, out of order, with loss.

The back-end publishes a sequence of messages (alerts, info, Now/Next, time, LED,
single-frame and fragmented, HMAC and Ed25519). Each of 20 simulated gateways
relays the bytes unchanged: it repeats every frame of the current messages at
least 50 times in its own shuffled order, starting at its own offset (so the
copies of consecutive messages from different gateways interleave). The radio
loses 30% of transmissions. One badge receiver hears the merged stream and must
deliver every message exactly once, and nothing else.
"""

from __future__ import annotations

import random
from typing import Any

from iotedge.core import ed25519
from iotedge.core.alert_auth import HmacKey
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_frame import SCHEME_ED25519
from iotedge.core.alert_keyring import KeyEntry, Keyring
from iotedge.core.alert_messages import (
    TYPE_ALERT,
    TYPE_INFO,
    TYPE_LED,
    TYPE_SCHEDULE,
    TYPE_TIME,
)
from iotedge.core.alert_receiver import AlertReceiver, MemoryStore
from iotedge.core.alert_sign import build_ed25519_frames, build_hmac_frames

GATEWAYS = 20
REPEATS = 50
LOSS = 0.3
NOW = 1767225600
MINUTE = (NOW // 60) & 0xFFFF
KEY = bytes(range(7, 39))
ED_SEED = bytes(range(40, 72))


def _messages(rng: random.Random) -> list[tuple[int, list[bytes], dict[str, Any]]]:
    hmac_key = HmacKey(KEY, 0xFFFF)
    kinds: list[tuple[int, dict[str, Any]]] = [
        (TYPE_ALERT, {"text": "Evacuate Hall A now via exit B", "ttl": 30}),
        (TYPE_LED, {"code": 2, "red": 255, "ttl": 10}),
        (TYPE_INFO, {"text": "Coffee in the foyer", "ttl": 60}),
        (
            TYPE_SCHEDULE,
            {
                "scope": 2,
                "now_start": 600,
                "next_start": 660,
                "now_title": "Keynote",
                "now_speaker": "Ada L.",
                "next_title": "Lunch",
                "ttl": 60,
            },
        ),
        (TYPE_TIME, {"unix": NOW, "ttl": 5}),
        (TYPE_ALERT, {"code": 4, "args": ["B", "11:30"], "ttl": 15}),
        (TYPE_ALERT, {"text": "All clear", "ttl": 30}),
    ]
    out = []
    counter = 0
    for round_ in range(4):
        for msg_type, fields in kinds:
            counter += rng.randrange(1, 3)
            body = encode_body(msg_type, dict(fields, issued=MINUTE))
            if round_ == 1 and msg_type == TYPE_ALERT:
                frames = build_ed25519_frames(
                    lambda m: ed25519.sign(ED_SEED, m), 2, counter, msg_type, body
                )
                out.append((2, frames, {"counter": counter}))
            else:
                frames = build_hmac_frames(hmac_key, 1, counter, msg_type, body)
                out.append((1, frames, {"counter": counter}))
    return out


def _air(rng: random.Random, messages: list[tuple[int, list[bytes], Any]]) -> list[bytes]:
    """The merged, lossy stream the badge hears."""
    # Each message is "current" for one period; a gateway relays the frames of
    # the current message REPEATS times each, in its own order, starting late
    # by up to half a period, so neighbouring messages' copies interleave.
    timed: list[tuple[float, bytes]] = []
    for period, (_, frames, _) in enumerate(messages):
        for _gateway in range(GATEWAYS):
            offset = rng.random() * 0.5
            copies = [f for f in frames for _ in range(REPEATS)]
            rng.shuffle(copies)
            step = 1.0 / len(copies)
            for i, frame in enumerate(copies):
                if rng.random() >= LOSS:
                    timed.append((period + offset + i * step, frame))
    timed.sort(key=lambda item: item[0])
    return [frame for _, frame in timed]


def test_twenty_gateways_deliver_every_message_exactly_once() -> None:
    rng = random.Random(20181108)
    ring = Keyring()
    ring.add(KeyEntry(1, 0, KEY))
    ring.add(KeyEntry(2, SCHEME_ED25519, ed25519.public_key(ED_SEED)))
    messages = _messages(rng)
    stream = _air(rng, messages)
    receiver = AlertReceiver(ring, MemoryStore())
    delivered: list[tuple[int, int]] = []
    reasons: dict[str, int] = {}
    for i, frame in enumerate(stream):
        message = receiver.feed(frame, NOW + i // 2000)
        reasons[receiver.reason] = reasons.get(receiver.reason, 0) + 1
        if message is not None:
            delivered.append((message.key_id, message.counter))
    expected = [(key_id, info["counter"]) for key_id, _, info in messages]
    assert sorted(delivered) == sorted(expected)
    assert len(delivered) == len(set(delivered)) == len(messages) == 28
    frames_sent = sum(len(f) for _, f, _ in messages) * GATEWAYS * REPEATS
    assert len(stream) < frames_sent * (1 - LOSS + 0.02)
    # Nearly everything the badge hears is a relay copy dropped before any crypto.
    cheap = reasons.get("duplicate", 0) + reasons.get("duplicate-fragment", 0)
    assert cheap > 0.95 * len(stream), reasons
    assert set(reasons) <= {"accepted", "partial", "duplicate", "duplicate-fragment"}, reasons
