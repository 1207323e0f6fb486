"""Hypothesis properties of AES, AES-CCM, BTHome encryption and the replay guard.

The oracle is ``cryptography`` (OpenSSL): the portable CCM over each one-block
AES must produce its exact bytes for any key, nonce length (7..13), tag length,
message and associated data, and accept/refuse exactly what it accepts/refuses.
"""

from __future__ import annotations

import struct

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.core._compat import aes_ecb_encryptor
from iotedge.core.bthome_crypto import PayloadCipher, decrypt_payload, frame_counter
from iotedge.core.bthome_replay import ReplayGuard
from iotedge.core.ccm import CCM, new_ccm
from iotedge.core.errors import DecryptError, ReplayError

keys = st.binary(min_size=16, max_size=16)
tags = st.sampled_from([4, 6, 8, 10, 12, 14, 16])
nonces = st.integers(min_value=7, max_value=13).flatmap(lambda n: st.binary(min_size=n, max_size=n))
messages = st.binary(max_size=80)
aads = st.binary(max_size=40)
macs = st.binary(min_size=6, max_size=6)
counters = st.integers(min_value=0, max_value=0xFFFFFFFF)
# Version 2, encrypted bit either way (it is forced on), MAC flag, trigger flag.
device_infos = st.sampled_from([0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47])
PORTABLE = ("pure-python", "cryptography")


@settings(max_examples=150, deadline=None)
@given(key=keys, block=st.binary(min_size=16, max_size=16))
def test_aes_backends_agree_with_openssl(key: bytes, block: bytes) -> None:
    expected = Cipher(algorithms.AES(key), modes.ECB()).encryptor().update(block)
    for backend in PORTABLE:
        assert aes_ecb_encryptor(key, backend)(block) == expected


@settings(max_examples=150, deadline=None)
@given(key=keys, tag=tags, nonce=nonces, msg=messages, aad=aads)
def test_portable_ccm_equals_cryptography(
    key: bytes, tag: int, nonce: bytes, msg: bytes, aad: bytes
) -> None:
    expected = AESCCM(key, tag_length=tag).encrypt(nonce, msg, aad or None)
    for backend in PORTABLE + ("aead",):
        ccm = new_ccm(key, tag, backend)
        assert ccm.encrypt(nonce, msg, aad) == expected
        assert ccm.decrypt(nonce, expected, aad) == msg


@settings(max_examples=150, deadline=None)
@given(
    key=keys,
    tag=tags,
    nonce=nonces,
    msg=messages,
    aad=aads,
    flip=st.integers(min_value=0, max_value=10_000),
    bit=st.integers(min_value=0, max_value=7),
)
def test_portable_ccm_refuses_what_cryptography_refuses(
    key: bytes, tag: int, nonce: bytes, msg: bytes, aad: bytes, flip: int, bit: int
) -> None:
    sealed = bytearray(AESCCM(key, tag_length=tag).encrypt(nonce, msg, aad or None))
    sealed[flip % len(sealed)] ^= 1 << bit
    try:
        AESCCM(key, tag_length=tag).decrypt(nonce, bytes(sealed), aad or None)
    except InvalidTag:
        pass
    else:  # pragma: no cover - a 2^-32 forgery would be news
        raise AssertionError("OpenSSL accepted a flipped bit")
    for backend in PORTABLE + ("aead",):
        try:
            new_ccm(key, tag, backend).decrypt(nonce, bytes(sealed), aad)
        except DecryptError as exc:
            assert exc.reason == "bad-mic"
        else:
            raise AssertionError(backend + " accepted a flipped bit")


@settings(max_examples=100, deadline=None)
@given(key=keys, nonce=nonces, msg=messages, aad=aads, pad=st.integers(0, 5))
def test_into_forms_match_at_any_offset(
    key: bytes, nonce: bytes, msg: bytes, aad: bytes, pad: int
) -> None:
    ccm = CCM(key, 4, "pure-python")
    n = len(msg)
    src = bytearray(b"\x5a" * pad) + msg
    out = bytearray(pad + n + 4)
    ccm.encrypt_into(nonce, src, pad, n, aad, out, pad, out, pad + n)
    assert bytes(out[pad:]) == AESCCM(key, tag_length=4).encrypt(nonce, msg, aad or None)
    back = bytearray(n + 1)
    ccm.decrypt_into(nonce, out, pad, n, out, pad + n, aad, back, 1)
    assert bytes(back[1:]) == msg


@settings(max_examples=150, deadline=None)
@given(key=keys, mac=macs, info=device_infos, plain=st.binary(max_size=20), counter=counters)
def test_bthome_round_trip_and_layout(
    key: bytes, mac: bytes, info: int, plain: bytes, counter: int
) -> None:
    frames = set()
    for backend in ("", "portable", "pure-python"):
        cipher = PayloadCipher(key, backend)
        frame = cipher.encrypt(mac, info, plain, counter)
        frames.add(frame)
        assert frame[0] == info | 0x01
        start = 7 if info & 0x02 else 1
        if start == 7:
            assert frame[1:7] == mac[::-1]
        assert len(frame) == start + len(plain) + 8
        assert frame[-8:-4] == struct.pack("<I", counter)
        assert frame_counter(frame) == counter
        # The nonce of the spec, checked against OpenSSL directly.
        nonce = mac + b"\xd2\xfc" + frame[0:1] + frame[-8:-4]
        sealed = frame[start:-8] + frame[-4:]
        assert AESCCM(key, tag_length=4).decrypt(nonce, sealed, None) == plain
        assert cipher.decrypt(mac, frame) == (plain, counter)
        assert decrypt_payload(key, mac, frame) == (plain, counter)
    assert len(frames) == 1


@settings(max_examples=100, deadline=None)
@given(
    key=keys,
    mac=macs,
    plain=st.binary(min_size=1, max_size=20),
    counter=counters,
    flip=st.integers(min_value=1, max_value=10_000),
    bit=st.integers(min_value=0, max_value=7),
)
def test_bthome_any_flipped_bit_after_the_header_is_refused(
    key: bytes, mac: bytes, plain: bytes, counter: int, flip: int, bit: int
) -> None:
    frame = bytearray(PayloadCipher(key).encrypt(mac, 0x40, plain, counter))
    frame[1 + flip % (len(frame) - 1)] ^= 1 << bit
    for backend in ("", "pure-python"):
        try:
            PayloadCipher(key, backend).decrypt(mac, bytes(frame))
        except DecryptError as exc:
            assert exc.reason == "bad-mic"
        else:
            raise AssertionError("tampered frame accepted by " + repr(backend))


# A model of the documented policy: per device the last committed counter,
# least recently committed evicted first beyond the limit, one kind of id per
# guard (an id of another kind is refused while the guard holds any device).
ops = st.lists(
    st.tuples(
        st.sampled_from(["check", "commit", "forget"]),
        st.sampled_from([b"\x01" * 6, b"\x02" * 6, "badge-1", "badge-2", 7, 8]),
        st.integers(min_value=0, max_value=20),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(ops=ops, limit=st.integers(min_value=1, max_value=4))
def test_replay_guard_follows_the_model(
    ops: list[tuple[str, bytes | str | int, int]], limit: int
) -> None:
    guard = ReplayGuard(limit)
    model: dict[bytes | str | int, int] = {}  # insertion order = recency order
    for op, device, counter in ops:
        if model and type(next(iter(model))) is not type(device):
            args = (device,) if op == "forget" else (device, counter)
            with pytest.raises(ReplayError) as info:
                getattr(guard, op)(*args)
            assert info.value.reason == "bad-device"
            assert {d: guard.last(d) for d in model} == model
            continue
        last = model.get(device)
        refused = last is not None and counter <= last
        if op == "forget":
            assert guard.forget(device) is (device in model)
            model.pop(device, None)
            continue
        try:
            getattr(guard, op)(device, counter)
        except ReplayError as exc:
            assert refused
            assert exc.reason == ("duplicate" if counter == last else "old-counter")
            continue
        assert not refused
        if op == "commit":
            model.pop(device, None)
            model[device] = counter
            while len(model) > limit:
                del model[next(iter(model))]
        assert {d: guard.last(d) for d in model} == model
        assert len(guard) == len(model)
    # Persisting and restoring keeps both the counters and the eviction order.
    restored = ReplayGuard(limit)
    restored.import_state(guard.export_state())
    assert restored.export_state() == guard.export_state()


@settings(max_examples=300, deadline=None)
@given(
    key=st.one_of(st.none(), st.binary(max_size=18)),
    mac=st.binary(max_size=7),
    data=st.binary(max_size=40),
    info=st.integers(0, 255),
)
def test_decrypt_payload_raises_only_its_own_error(
    key: bytes | None, mac: bytes, data: bytes, info: int
) -> None:
    for service_data in (data, bytes((info,)) + data):
        for view in (service_data, bytearray(service_data), memoryview(service_data)):
            try:
                plain, counter = decrypt_payload(key, mac, view)  # type: ignore[arg-type]
            except DecryptError:
                continue
            assert 0 <= counter <= 0xFFFFFFFF and isinstance(plain, bytes)
