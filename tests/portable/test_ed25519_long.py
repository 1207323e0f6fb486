"""RFC 8032 section 7.1 TEST 1024 (a 1023-byte message), on CPython and MicroPython.

The message buffer is taken when this module is imported, before the core is: run
from source on a 64 KB MicroPython heap, compiling the core leaves no free block of
1 KB (the precompiled run of tests/test_portable_on_micropython.py has room).
"""

import gc

MESSAGE = bytearray(1023)

from vectors_ed25519 import rfc8032  # noqa: E402

from iotedge.core import ed25519  # noqa: E402


def test_rfc8032_test_1024():
    secret, public, message, signature = rfc8032("TEST 1024", MESSAGE)
    assert message is MESSAGE
    assert ed25519.verify(public, message, signature, portable=True) is True
    assert ed25519.verify(public, message, signature) is True
    gc.collect()
    assert ed25519.sign(secret, message) == signature
    gc.collect()
    # Changing the last byte of the long message breaks it (changed in place).
    message[-1] ^= 1
    try:
        assert ed25519.verify(public, message, signature, portable=True) is False
        assert ed25519.verify(public, message, signature) is False
    finally:
        message[-1] ^= 1
