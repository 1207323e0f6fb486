"""The pure-Python SHA-512 (iotedge.core.sha512) against hashlib (OpenSSL) on CPython.

tests/portable/test_sha512.py holds the short published vectors for both
interpreters; here: FIPS 180-2 Appendix C.3 (one million "a"), every published
digest of the portable test re-checked against OpenSSL, and random messages fed in
random pieces.
"""

from __future__ import annotations

import hashlib

import test_sha512 as published
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.core import sha512

# FIPS 180-2, Appendix C.3: SHA-512 of 1,000,000 repetitions of "a".
MILLION_A = (
    "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
    "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"
)


def test_fips_180_million_a() -> None:
    h = sha512.SHA512()
    chunk = b"a" * 10_000
    for _ in range(100):
        h.update(chunk)
    assert h.hexdigest() == MILLION_A
    assert hashlib.sha512(b"a" * 1_000_000).hexdigest() == MILLION_A


def test_published_digests_agree_with_openssl() -> None:
    assert hashlib.sha512(b"abc").hexdigest() == published.ABC
    assert hashlib.sha512(published.TWO_BLOCK_MSG).hexdigest() == published.TWO_BLOCK
    assert hashlib.sha512(b"").hexdigest() == published.EMPTY
    assert hashlib.sha512(published.MSG_448).hexdigest() == published.DIGEST_448
    data = published._pattern()
    chain = hashlib.sha512()
    for n in published.BOUNDARY_LENGTHS:
        chain.update(hashlib.sha512(data[:n]).digest())
    assert chain.hexdigest() == published.BOUNDARY_CHAIN


def test_new_uses_hashlib_on_cpython() -> None:
    assert sha512.HAVE_NATIVE
    assert type(sha512.new()) is type(hashlib.sha512())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=700), st.lists(st.integers(min_value=0, max_value=700), max_size=6))
def test_matches_hashlib_in_any_pieces(data: bytes, cuts: list[int]) -> None:
    h = sha512.SHA512()
    start = 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        h.update(data[start:cut])
        start = cut
    h.update(data[start:])
    assert h.digest() == hashlib.sha512(data).digest()
    assert sha512.SHA512(data).hexdigest() == hashlib.sha512(data).hexdigest()
