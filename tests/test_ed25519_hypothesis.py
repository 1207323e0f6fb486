"""Ed25519 property tests: our pure-Python code against OpenSSL (``cryptography``).

* Signing is deterministic (RFC 8032), so the portable signer must produce OpenSSL's
  bytes exactly, and each side must accept the other's signatures.
* On any corruption of a valid (key, message, signature), and on random garbage,
  the portable path and the fast path must give the same answer (which is False
  unless nothing changed).
"""

from __future__ import annotations

import vectors_ed25519_reference as ref
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.core import ed25519

L = ed25519.L
P = 2**255 - 19
secrets = st.binary(min_size=32, max_size=32)
messages = st.binary(max_size=300)


@settings(max_examples=40, deadline=None)
@given(secrets, messages)
def test_portable_signer_matches_openssl(secret: bytes, message: bytes) -> None:
    key = Ed25519PrivateKey.from_private_bytes(secret)
    public = key.public_key().public_bytes_raw()
    assert ed25519.public_key(secret) == public
    ours = ed25519.sign(secret, message)
    assert ours == key.sign(message)
    # Each side verifies the other's signature (here the same bytes, checked anyway).
    Ed25519PublicKey.from_public_bytes(public).verify(ours, message)
    assert ed25519.verify(public, message, key.sign(message), portable=True)


def _corrupt(data: bytes, position: int, value: int) -> bytes:
    out = bytearray(data)
    out[position % len(out)] ^= value
    return bytes(out)


@st.composite
def corrupted(draw: st.DrawFn) -> tuple[bytes, bytes, bytes, bool]:
    """(public key, message, signature, unchanged) from one valid signature and one change."""
    key = Ed25519PrivateKey.from_private_bytes(draw(secrets))
    message = draw(messages)
    public = key.public_key().public_bytes_raw()
    signature = key.sign(message)
    kind = draw(
        st.sampled_from(
            [
                "none",
                "sig-bits",
                "key-bits",
                "msg-bits",
                "msg-extend",
                "msg-truncate",
                "s-plus-l",
                "random-r",
                "random-s",
                "random-key",
                "swap-r-key",
            ]
        )
    )
    position = draw(st.integers(min_value=0, max_value=1023))
    value = draw(st.integers(min_value=1, max_value=255))
    if kind == "sig-bits":
        signature = _corrupt(signature, position, value)
    elif kind == "key-bits":
        public = _corrupt(public, position, value)
    elif kind == "msg-bits" and message:
        message = _corrupt(message, position, value)
    elif kind == "msg-extend":
        message = message + bytes([value])
    elif kind == "msg-truncate" and message:
        message = message[: position % len(message)]
    elif kind == "s-plus-l":
        s = int.from_bytes(signature[32:], "little") + L
        signature = signature[:32] + s.to_bytes(32, "little")
    elif kind == "random-r":
        signature = draw(st.binary(min_size=32, max_size=32)) + signature[32:]
    elif kind == "random-s":
        signature = signature[:32] + draw(st.binary(min_size=32, max_size=32))
    elif kind == "random-key":
        public = draw(st.binary(min_size=32, max_size=32))
    elif kind == "swap-r-key":
        public, signature = signature[:32], public + signature[32:]
    else:
        kind = "none"
    original = key.public_key().public_bytes_raw()
    unchanged = kind == "none" or (public == original and signature == key.sign(message))
    return public, message, signature, unchanged


@settings(max_examples=150, deadline=None)
@given(corrupted())
def test_portable_and_fast_paths_agree_on_corruptions(
    case: tuple[bytes, bytes, bytes, bool],
) -> None:
    public, message, signature, unchanged = case
    portable = ed25519.verify(public, message, signature, portable=True)
    fast = ed25519.verify(public, message, signature)
    assert portable is fast
    assert portable is unchanged


@settings(max_examples=150, deadline=None)
@given(
    st.binary(min_size=32, max_size=32),
    st.binary(max_size=64),
    st.binary(min_size=32, max_size=32),
    st.integers(min_value=0, max_value=L - 1),
)
def test_portable_and_fast_paths_agree_on_garbage(
    public: bytes, message: bytes, r_bytes: bytes, s: int
) -> None:
    # Random key and R, canonical S: most keys decode (half of all y are on the
    # curve, 7/8 of those of mixed order), so the whole verification runs.
    signature = r_bytes + s.to_bytes(32, "little")
    portable = ed25519.verify(public, message, signature, portable=True)
    assert portable is ed25519.verify(public, message, signature)
    # OpenSSL alone, for keys and signatures that pass our encoding rules, agrees too.
    if ed25519._precheck(public, signature):
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
            openssl = True
        except (InvalidSignature, ValueError):
            openssl = False
        assert openssl is portable


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.integers(min_value=0, max_value=2**255 - 1),
        st.integers(min_value=P - 20, max_value=2**255 - 1),
        st.integers(min_value=0, max_value=20),
    ),
    st.booleans(),
)
def test_decode_agrees_with_reference(y: int, sign: bool) -> None:
    # RFC 8032 5.1.3 decoding against the independent reference: same point or both fail.
    got = ed25519._decode(y | (int(sign) << 255))
    x = ref.recover_x(y, int(sign))
    assert got == (() if x is None else (x, y))
