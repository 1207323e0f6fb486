"""Hypothesis round trips and invariants of the alert format.

* every message type: decode(encode(fields)) == fields over the full field ranges;
* fragment/reassemble: any body split into frames arrives whole, in any order,
  with any duplicates, for both schemes;
* the reassembler alone: any data, any chunk size, any arrival order;
* keyring text round trip;
* the receiver takes any bytes without raising and always leaves a known reason;
* frames never exceed the 31-byte legacy advert.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.core import ed25519
from iotedge.core.alert_auth import HmacKey
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_fragments import PUT_COMPLETE, Reassembler
from iotedge.core.alert_frame import SCHEME_ED25519, SCHEME_HMAC
from iotedge.core.alert_keyring import KeyEntry, Keyring, parse_keyring
from iotedge.core.alert_messages import (
    ALL_TYPES_MASK,
    TYPE_ALERT,
    TYPE_INFO,
    TYPE_LED,
    TYPE_REVOKE,
    TYPE_SCHEDULE,
    TYPE_TIME,
    decode_body,
)
from iotedge.core.alert_reasons import REASONS
from iotedge.core.alert_receiver import AlertReceiver
from iotedge.core.alert_sign import build_ed25519_frames, build_hmac_frames, split
from iotedge.core.errors import EncodeError

KEY = bytes(range(32))
ED_SEED = bytes(range(1, 33))
ED_PUBLIC = ed25519.public_key(ED_SEED)

u8 = st.integers(0, 255)
u16 = st.integers(0, 0xFFFF)
short_text = st.text(max_size=12)
common = {"code": u8, "scope": u8, "ttl": u8, "issued": u16}


def _fields(extra: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({**common, **extra})


BODIES = st.one_of(
    st.tuples(
        st.sampled_from([TYPE_ALERT, TYPE_INFO]), _fields({"text": st.text(max_size=40)})
    ).map(lambda t: (t[0], dict(t[1], code=0))),
    st.tuples(
        st.sampled_from([TYPE_ALERT, TYPE_INFO]),
        _fields({"args": st.lists(short_text, max_size=4)}),
    ).map(lambda t: (t[0], dict(t[1], code=max(1, t[1]["code"])))),
    st.tuples(
        st.just(TYPE_SCHEDULE),
        _fields(
            {
                "now_start": u16,
                "next_start": u16,
                "now_title": short_text,
                "now_speaker": short_text,
                "next_title": short_text,
                "next_speaker": short_text,
            }
        ),
    ),
    st.tuples(
        st.just(TYPE_TIME),
        _fields({"unix": st.integers(0, 2**32 - 1), "tz_quarters": st.integers(-64, 64)}),
    ),
    st.tuples(st.just(TYPE_LED), _fields({"red": u8, "green": u8, "blue": u8, "state": u8})),
    st.tuples(
        st.just(TYPE_REVOKE), _fields({"key_ids": st.lists(st.integers(1, 255), min_size=1)})
    ),
)


@settings(max_examples=400, deadline=None)
@given(BODIES)
def test_every_body_round_trips(case: tuple[int, dict[str, Any]]) -> None:
    msg_type, fields = case
    assert decode_body(msg_type, encode_body(msg_type, fields)) == fields


def _ring() -> Keyring:
    ring = Keyring()
    ring.add(KeyEntry(1, SCHEME_HMAC, KEY))
    ring.add(KeyEntry(2, SCHEME_ED25519, ED_PUBLIC))
    return ring


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(min_size=0, max_size=139).filter(lambda t: len(t.encode()) <= 139),
    counter=st.integers(1, 2**32 - 1),
    order=st.randoms(use_true_random=False),
    ed=st.booleans(),
)
def test_fragment_and_reassemble_in_any_order(
    text: str, counter: int, order: Any, ed: bool
) -> None:
    body = encode_body(TYPE_ALERT, {"text": text})
    if ed:
        if len(body) > 16 * 17 - 64:
            return
        frames = build_ed25519_frames(
            lambda m: ed25519.sign(ED_SEED, m), 2, counter, TYPE_ALERT, body
        )
    else:
        frames = build_hmac_frames(HmacKey(KEY, 0xFFFF), 1, counter, TYPE_ALERT, body)
    assert all(len(f) <= 31 for f in frames)
    stream = frames + [order.choice(frames) for _ in range(len(frames))]
    order.shuffle(stream)
    receiver = AlertReceiver(_ring(), clock_trusted=False)
    got = [m for m in (receiver.feed(f, 0) for f in stream) if m is not None]
    assert len(got) == 1
    assert got[0].fields["text"] == text and got[0].counter == counter
    assert receiver.pending() == 0


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(min_size=1, max_size=64),
    chunk=st.integers(1, 17),
    order=st.randoms(use_true_random=False),
)
def test_reassembler_rebuilds_any_split(data: bytes, chunk: int, order: Any) -> None:
    if len(data) > 16 * chunk:  # more than 16 fragments: split() refuses it
        with pytest.raises(EncodeError):
            split(data, chunk)
        return
    parts = split(data, chunk)
    r = Reassembler(slots=2, chunk=chunk, max_fragments=16)
    indices = list(range(len(parts)))
    order.shuffle(indices)
    results = [r.put(1, 9, 0x65, i, len(parts) - 1, parts[i], 0, len(parts[i]), 0) for i in indices]
    assert results[-1] == PUT_COMPLETE and PUT_COMPLETE not in results[:-1]
    assert bytes(r.take(r.find(1, 9))) == data


@functools.cache
def _ed25519_public(seed: int) -> bytes:
    return ed25519.public_key(bytes([seed]) * 32)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 255),
            st.booleans(),
            st.integers(1, ALL_TYPES_MASK).map(lambda m: m & ALL_TYPES_MASK or 1 << 5),
            st.integers(0, 2**32),
            st.booleans(),
        ),
        max_size=6,
        unique_by=lambda t: t[0],
    ),
    st.integers(0, 0xFFFF),
)
def test_keyring_text_round_trips(entries: list[Any], company: int) -> None:
    ring = Keyring(company)
    for key_id, ed, types, window, revoked in entries:
        # An Ed25519 entry needs a real public key (small-order keys are refused).
        material = _ed25519_public(key_id) if ed else bytes([key_id]) * 32
        ring.add(KeyEntry(key_id, int(ed), material, types, window // 2, window, revoked))
    back = parse_keyring(ring.to_text().encode())
    assert back.to_text() == ring.to_text()
    for key_id in ring.keys:
        a, b = ring.keys[key_id], back.keys[key_id]
        assert (a.scheme, a.material, a.types, a.not_before, a.not_after, a.revoked) == (
            b.scheme,
            b.material,
            b.types,
            b.not_before,
            b.not_after,
            b.revoked,
        )


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=40))
def test_receiver_takes_any_bytes(adv: bytes) -> None:
    receiver = AlertReceiver(_ring(), clock_trusted=False)
    assert receiver.feed(adv, 0) is None
    assert receiver.reason in REASONS
    # The same with our manufacturer header in front, so the header checks run.
    assert receiver.feed(b"\x02\x01\x06" + bytes([len(adv) + 3]) + b"\xff\xff\xff" + adv, 0) is None
    assert receiver.reason in REASONS
