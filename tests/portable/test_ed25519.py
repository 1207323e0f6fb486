"""Ed25519 (iotedge.core.ed25519) against RFC 8032, on CPython and MicroPython.

The vectors are RFC 8032 section 7.1 TEST 1, 2, 3, 1024 and SHA(abc)
(tests/vectors/ed25519_rfc8032.json). ``portable=True`` forces the pure-Python path;
without it CPython uses ``cryptography`` and MicroPython the same pure-Python path.
"""

import gc

from vectors_ed25519 import cases, rfc8032, unhex

from iotedge.core import ed25519

SHORT_VECTORS = ("TEST 1", "TEST 2", "TEST 3", "TEST SHA(abc)")


def test_rfc8032_public_keys():
    for case in cases("ed25519_rfc8032.json"):
        assert ed25519.public_key(unhex(case["secret_key"])) == unhex(case["public_key"])
        gc.collect()


def test_rfc8032_short_messages_sign_and_verify():
    for name in SHORT_VECTORS:
        secret, public, message, signature = rfc8032(name)
        assert ed25519.sign(secret, message) == signature, name
        assert ed25519.verify(public, message, signature, portable=True) is True
        assert ed25519.verify(public, message, signature) is True
        assert ed25519.verify_portable(public, message, signature) is True
        gc.collect()


def test_sign_verify_round_trip_over_derived_keys():
    # Keys and messages derived from SHA-512 of a counter (deterministic on both
    # interpreters); CPython runs the randomized version in test_ed25519_hypothesis.
    from iotedge.core import sha512

    for i in range(3):
        seed = sha512.digest(b"iotedge ed25519 round trip " + str(i).encode())
        secret = seed[:32]
        message = seed[32 : 32 + 7 * i]
        public = ed25519.public_key(secret)
        signature = ed25519.sign(secret, message)
        assert len(signature) == 64
        assert ed25519.verify(public, message, signature, portable=True) is True
        assert ed25519.verify(public, message + b"!", signature, portable=True) is False
        gc.collect()


def test_bytes_like_arguments_are_accepted():
    _, public, message, signature = rfc8032("TEST 3")
    assert ed25519.verify(
        bytearray(public), bytearray(message), bytearray(signature), portable=True
    )
    assert ed25519.verify(
        memoryview(public), memoryview(message), memoryview(signature), portable=True
    )
