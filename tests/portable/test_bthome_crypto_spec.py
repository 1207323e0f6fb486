"""Portable test of the bthome.io encryption example, block by block.

The values are the worked example of docs/wire-formats.md (RFC 3610 names:
B_0, X_1, B_1, X_2, A_0, S_0, A_1, S_1), stored in
``tests/vectors/bthome_encryption.json`` and checked here with every one-block
AES present (cryptolib and pure Python on MicroPython, cryptography and pure
Python on CPython).
"""

import gc

from vectors_crypto import SPEC_FRAME as FRAME
from vectors_crypto import SPEC_KEY as KEY
from vectors_crypto import SPEC_MAC as MAC
from vectors_crypto import SPEC_PLAIN as PLAIN
from vectors_crypto import h, load

# Compile the pure-Python AES first, while a 64 KiB heap is still unfragmented.
from iotedge.core import aes  # noqa: F401


def _xor(a, b, n):
    # zip(..., strict=...) is not on MicroPython.
    return bytes(a[i] ^ b[i] for i in range(n))


def test_spec_example_intermediate_values():
    # The worked example of docs/wire-formats.md, block by block (RFC 3610 names),
    # checked with every one-block AES present.
    gc.collect()
    from iotedge.core._compat import aes_ecb_encryptor, available_aes_backends

    v = load("bthome_encryption.json")["vectors"][0]
    step = v["intermediates"]
    nonce = MAC + b"\xd2\xfc" + b"\x41" + b"\x00\x11\x22\x33"
    assert nonce == h(v["nonce"])
    # B_0: flags 0x09 (no AAD, M = 4: (4-2)/2 << 3, L = 2: L-1), nonce, length 6.
    assert h(step["b0"]) == b"\x09" + nonce + b"\x00\x06"
    assert h(step["a0"]) == b"\x01" + nonce + b"\x00\x00"
    assert h(step["a1"]) == b"\x01" + nonce + b"\x00\x01"
    assert h(step["b1"]) == PLAIN + bytes(10)
    for backend in available_aes_backends():
        e = aes_ecb_encryptor(KEY, backend)
        x1 = e(h(step["b0"]))
        assert x1 == h(step["x1"]), backend
        x2 = e(_xor(x1, h(step["b1"]), 16))
        assert x2 == h(step["x2"]), backend
        s0 = e(h(step["a0"]))
        s1 = e(h(step["a1"]))
        assert s0 == h(step["s0"]) and s1 == h(step["s1"]), backend
        mic = _xor(x2, s0, 4)
        ct = _xor(PLAIN, s1, len(PLAIN))
        assert mic == h(step["mic"]) and ct == h(step["ciphertext"]), backend
        assert b"\x41" + ct + b"\x00\x11\x22\x33" + mic == FRAME
