"""Ed25519 typed errors: wrong types and lengths raise Ed25519Error, bad keys are named.

verify() answers False for any forgery, but a key or signature of the wrong type or
length is a caller bug and raises; validate_public_key() names what is wrong.
"""

import gc

from vectors_ed25519 import rfc8032

from iotedge.core import ed25519
from iotedge.core.errors import Ed25519Error, IotEdgeError

_P = 2**255 - 19


def _raises(reason, func, *args):
    try:
        func(*args)
    except Ed25519Error as exc:
        assert exc.reason == reason, (exc.reason, reason)
        assert isinstance(exc, IotEdgeError)
        assert isinstance(exc, ValueError)
        return
    raise AssertionError("no Ed25519Error " + reason)


def test_validate_public_key_reasons():
    for name in ("TEST 1", "TEST 1024"):
        ed25519.validate_public_key(rfc8032(name)[1])
        gc.collect()
    _raises("non-canonical", ed25519.validate_public_key, (_P + 3).to_bytes(32, "little"))
    # y = 2 has no x on the curve; x = 0 with the sign bit set is not an encoding.
    _raises("not-a-point", ed25519.validate_public_key, (2).to_bytes(32, "little"))
    _raises("not-a-point", ed25519.validate_public_key, (1 | 1 << 255).to_bytes(32, "little"))
    # The identity and the point of order 2.
    _raises("small-order", ed25519.validate_public_key, (1).to_bytes(32, "little"))
    _raises("small-order", ed25519.validate_public_key, (_P - 1).to_bytes(32, "little"))
    _raises("bad-length", ed25519.validate_public_key, b"\x01" * 31)
    _raises("bad-type", ed25519.validate_public_key, "00" * 32)


def test_wrong_lengths_and_types_raise_typed_errors():
    _, public, message, signature = rfc8032("TEST 2")
    _raises("bad-length", ed25519.verify, public[:31], message, signature)
    _raises("bad-length", ed25519.verify, public + b"\x00", message, signature)
    _raises("bad-length", ed25519.verify, public, message, signature[:63])
    _raises("bad-length", ed25519.verify, public, message, b"")
    _raises("bad-type", ed25519.verify, None, message, signature)
    _raises("bad-type", ed25519.verify, public, "r", signature)
    _raises("bad-type", ed25519.verify, public, message, 7)
    _raises("bad-length", ed25519.sign, b"\x00" * 31, message)
    _raises("bad-type", ed25519.sign, b"\x00" * 32, None)
    _raises("bad-length", ed25519.public_key, b"\x00" * 64)
