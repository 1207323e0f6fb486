"""Ed25519 verification refuses corrupted and non-canonical signatures (both interpreters).

Each case starts from an RFC 8032 section 7.1 vector and changes one thing; both the
pure-Python path (``portable=True``) and the default path must say False.
"""

import gc

from vectors_ed25519 import rfc8032

from iotedge.core import ed25519

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493


def _flip(data, bit):
    out = bytearray(data)
    out[bit >> 3] ^= 1 << (bit & 7)
    return bytes(out)


def _with_s(signature, s):
    return signature[:32] + s.to_bytes(32, "little")


def _refused(public, message, signature, why):
    assert ed25519.verify(public, message, signature, portable=True) is False, why
    assert ed25519.verify(public, message, signature) is False, why
    gc.collect()


def test_flipped_signature_bits_are_rejected():
    _, public, message, signature = rfc8032("TEST 2")
    # Bits of R (0-255), of S (256-511) and S's top bits, which make S >= L.
    for bit in (0, 9, 100, 254, 255, 256, 300, 480, 508, 511):
        _refused(public, message, _flip(signature, bit), bit)


def test_flipped_message_bits_are_rejected():
    _, public, message, signature = rfc8032("TEST 3")
    for bit in (0, 7, 8, 15):
        _refused(public, _flip(message, bit), signature, bit)
    _refused(public, message + b"\x00", signature, "extended")
    _refused(public, message[:1], signature, "truncated")


def test_flipped_key_bits_are_rejected():
    _, public, message, signature = rfc8032("TEST 1")
    for bit in (0, 1, 77, 128, 254, 255):
        _refused(_flip(public, bit), message, signature, bit)


def test_other_keys_message_is_rejected():
    _, public1, message1, signature1 = rfc8032("TEST 1")
    _, public2, message2, signature2 = rfc8032("TEST 2")
    _refused(public2, message1, signature1, "key 2, message 1")
    _refused(public1, message2, signature2, "key 1, message 2")


def test_non_canonical_s_is_rejected():
    # S + L satisfies the group equation as well ([L]B is the identity) but would make
    # signatures malleable; RFC 8032 5.1.7 requires S < L.
    _, public, message, signature = rfc8032("TEST 1")
    s = int.from_bytes(signature[32:], "little")
    assert s < _L
    for bad_s in (s + _L, _L, 2**256 - 1, s + 2**253):
        _refused(public, message, _with_s(signature, bad_s), bad_s)


def test_non_canonical_encodings_are_rejected():
    _, public, message, signature = rfc8032("TEST 1")
    # y = p + 3 encodes the same y as 3 (a curve point) but not canonically.
    _refused((_P + 3).to_bytes(32, "little"), message, signature, "key y = p + 3")
    # R with y = p + 1, a non-canonical encoding of the identity.
    _refused(public, message, (_P + 1).to_bytes(32, "little") + signature[32:], "R y = p + 1")
    # All-ones: y = 2^255 - 1 >= p with the sign bit set.
    ones = b"\xff" * 32
    _refused(ones, message, signature, "key all ones")
    _refused(public, message, ones + signature[32:], "R all ones")
