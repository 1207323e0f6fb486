"""RFC 8032 vectors checked against OpenSSL, and the scalar recoding's invariants.

tests/vectors/ed25519_rfc8032.json is copied from RFC 8032 section 7.1; here the
``cryptography`` package (OpenSSL) re-derives each public key and signature, so a
transcription error in the file would fail loudly. The portable tests then hold
our implementation to the same file.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from vectors_ed25519 import cases, unhex

from iotedge.core import _compat, ed25519, ed25519_group
from iotedge.core._compat import fast_ed25519_verify


def test_rfc8032_file_agrees_with_openssl() -> None:
    names = []
    for case in cases("ed25519_rfc8032.json"):
        key = Ed25519PrivateKey.from_private_bytes(unhex(case["secret_key"]))
        message = unhex(case["message"])
        assert key.public_key().public_bytes_raw() == unhex(case["public_key"])
        assert key.sign(message) == unhex(case["signature"])
        assert case["source"].startswith("RFC 8032 section 7.1")
        names.append(case["name"])
    assert names == ["TEST 1", "TEST 2", "TEST 3", "TEST 1024", "TEST SHA(abc)"]


def test_fast_path_is_available_on_cpython() -> None:
    # With cryptography installed the default path must really be OpenSSL's.
    case = next(iter(cases("ed25519_rfc8032.json")))
    public = unhex(case["public_key"])
    message = unhex(case["message"])
    signature = unhex(case["signature"])
    assert fast_ed25519_verify(public, message, signature) is True
    assert fast_ed25519_verify(public, message + b"x", signature) is False


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**253 - 1), st.sampled_from([4, 5, 6, 7]))
def test_wnaf_digits_sum_to_the_scalar(scalar: int, width: int) -> None:
    digits = ed25519_group.wnaf(scalar, width)
    total = 0
    last = -width
    for i, byte in enumerate(digits):
        if byte:
            value = byte if byte < 128 else byte - 256
            assert value % 2 == 1
            assert abs(value) < 1 << (width - 1)
            assert i - last >= width  # at least width - 1 zeros between digits
            last = i
            total += value << i
    assert total == scalar


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=ed25519.L - 1))
def test_validate_accepts_every_multiple_of_b(scalar: int) -> None:
    public = ed25519._base_mul(scalar)
    ed25519.validate_public_key(public)


def test_without_cryptography_verify_falls_back_to_portable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # [None] is what _compat caches when cryptography cannot be imported.
    monkeypatch.setattr(_compat, "_ed25519", [None])
    case = next(iter(cases("ed25519_rfc8032.json")))
    public = unhex(case["public_key"])
    message = unhex(case["message"])
    signature = unhex(case["signature"])
    assert _compat.fast_ed25519_verify(public, message, signature) is None
    assert ed25519.verify(public, message, signature) is True
    assert ed25519.verify(public, message + b"x", signature) is False
