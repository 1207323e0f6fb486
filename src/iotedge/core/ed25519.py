"""Ed25519 (RFC 8032, "PureEd25519") for the portable core: verify, and sign for tests.

Badges verify alert signatures made by the venue's back-end, so verification is
what must be fast and exact on MicroPython; signing is here so tests and back-ends
without the ``cryptography`` package can make signatures (it is not hardened
against side channels: sign on the back-end with ``cryptography``).

Verification rules (the same on the portable path and the ``cryptography`` fast
path, because the checks below run in Python before either computes anything):

* ``public_key`` must be 32 bytes and ``signature`` 64 bytes (bytes, bytearray or
  memoryview); anything else raises :class:`~iotedge.core.errors.Ed25519Error`
  (``reason`` ``"bad-type"`` or ``"bad-length"``): that is a caller bug, not a
  forgery. Every other problem makes :func:`verify` return False, never raise.
* S must be canonical, ``S < L`` (RFC 8032 5.1.7 step 1): otherwise ``S + L``
  would be a second valid signature for the same message (malleability).
* A and R must be canonical encodings, ``y < p`` (RFC 8032 5.1.3 step 1), and
  neither may be one of the 8 points of small order (which also covers the
  ``x = 0`` with sign bit 1 encodings RFC 8032 5.1.3 step 4 rejects). A
  small-order key or R lets one signature verify for many messages or keys;
  honest keys and nonces are never of small order (libsodium rejects them too).
* A must decode to a curve point (RFC 8032 5.1.3).
* The group equation is checked *without* the cofactor, ``[S]B = R + [k]A``, as
  ``encode([S]B - [k]A) == R`` byte for byte. RFC 8032 allows this form
  ("sufficient, but not required" to use the cofactored one); it is what
  OpenSSL (behind ``cryptography``) and libsodium compute, so the portable and
  fast paths agree on every input, including crafted mixed-order points where
  the two equations differ. It also makes R's own decoding unnecessary.

A public key with a torsion component (mixed order) is not caught by these
per-signature checks (that needs a full scalar multiplication):
:func:`validate_public_key` checks it, and a keyring should call it once when a key
is loaded.

Arithmetic: extended twisted Edwards coordinates (Hisil-Wong-Carter-Dawson 2008),
field elements as Python ints reduced mod p after every multiplication only.
``[S]B - [k]A`` is one double-scalar multiplication (Straus/Shamir) over signed
sliding windows (width-w NAF): 253 shared doublings, additions of odd multiples
of -A (computed per verification) and of B (a constant table below in affine
"Niels" form, stored as bytes: a bytes literal costs a quarter of the RAM of the
same numbers as int literals on MicroPython, and frozen firmware keeps it in
flash). The only inversion is the final one to encode the result; decoding A
costs one exponentiation (the square root). Both exponentiations use the
fixed addition chain below (265 multiplications), which on MicroPython is faster
than the built-in three-argument ``pow`` (about 500 multiplications for p - 2).
Digits of the recoded scalars live in 256-byte bytearrays (two's complement),
not lists, to keep the heap small on boards.
"""

from . import sha512 as _sha512
from ._compat import fast_ed25519_verify
from .errors import Ed25519Error

# Field prime p = 2^255 - 19 and the prime group order L (RFC 8032 5.1).
_P = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFED
L = 0x1000000000000000000000000000000014DEF9DEA2F79CD65812631A5CF5D3ED
# Curve constant d = -121665/121666 mod p, and 2*d (used by the addition law).
_D = 0x52036CEE2B6FFE738CC740797779E89800700A4D4141D8AB75EB4DCA135978A3
_D2 = 0x2406D9DC56DFFCE7198E80F2EEF3D13000E0149A8283B156EBD69B9426B2F159
# sqrt(-1) mod p = 2^((p-1)/4).
_SQRT_M1 = 0x2B8324804FC1DF0B2B4D00993DFBD7A72F431806AD2FE478C4EE1B274A0EA0B0
# y coordinate of a point of order 8; with 0, 1 and p-1 (and p - _Y8) these are the
# y values of all 8 points of small order.
_Y8 = 0x05FC536D880238B13933C6D305ACDFD5F098EFF289F4C345B027B2C28F95E826
_SMALL_ORDER_Y = (0, 1, _P - 1, _Y8, _P - _Y8)
_MASK255 = (1 << 255) - 1

PUBLIC_KEY_SIZE = 32
SECRET_KEY_SIZE = 32
SIGNATURE_SIZE = 64

# Window widths of the signed-digit (width-w NAF) recodings: digits are odd and
# below 2^(w-1) in magnitude, so a table holds 2^(w-2) odd multiples.
_A_WIDTH = 5  # 8 multiples of -A built per verification
_B_WIDTH = 6  # 2^(w-2) constant multiples of B below

# Odd multiples 1B, 3B, 5B, ... of the base point B in affine Niels form: for each,
# (y + x, y - x, 2*d*x*y) mod p as three 32-byte little-endian numbers.
# tests/test_ed25519_constants.py re-derives every byte from B with independent
# affine arithmetic.
# fmt: off
_BASE = (
    b"\x85\x3b\x8c\xf5\xc6\x93\xbc\x2f\x19\x0e\x8c\xfb\xc6\x2d\x93\xcf"  # 1B y+x
    b"\xc2\x42\x3d\x64\x98\x48\x0b\x27\x65\xba\xd4\x33\x3a\x9d\xcf\x07"
    b"\x3e\x91\x40\xd7\x05\x39\x10\x9d\xb3\xbe\x40\xd1\x05\x9f\x39\xfd"  # 1B y-x
    b"\x09\x8a\x8f\x68\x34\x84\xc1\xa5\x67\x12\xf8\x98\x92\x2f\xfd\x44"
    b"\x68\xaa\x7a\x87\x05\x12\xc9\xab\x9e\xc4\xaa\xcc\x23\xe8\xd9\x26"  # 1B 2dxy
    b"\x8c\x59\x43\xdd\xcb\x7d\x1b\x5a\xa8\x65\x0c\x9f\x68\x7b\x11\x6f"
    b"\x30\x97\xee\x4c\xa8\xb0\x25\xaf\x8a\x4b\x86\xe8\x30\x84\x5a\x02"  # 3B y+x
    b"\x32\x67\x01\x9f\x02\x50\x1b\xc1\xf4\xf8\x80\x9a\x1b\x4e\x16\x7a"
    b"\x65\xd2\xfc\xa4\xe8\x1f\x61\x56\x7d\xba\xc1\xe5\xfd\x53\xd3\x3b"  # 3B y-x
    b"\xbd\xd6\x4b\x21\x1a\xf3\x31\x81\x62\xda\x5b\x55\x87\x15\xb9\x2a"
    b"\x89\xd8\xd0\x0d\x3f\x93\xae\x14\x62\xda\x35\x1c\x22\x23\x94\x58"  # 3B 2dxy
    b"\x4c\xdb\xf2\x8c\x45\xe5\x70\xd1\xc6\xb4\xb9\x12\xaf\x26\x28\x5a"
    b"\x33\xbb\xa5\x08\x44\xbc\x12\xa2\x02\xed\x5e\xc7\xc3\x48\x50\x8d"  # 5B y+x
    b"\x44\xec\xbf\x5a\x0c\xeb\x1b\xdd\xeb\x06\xe2\x46\xf1\xcc\x45\x29"
    b"\xba\xd6\x47\xa4\xc3\x82\x91\x7f\xb7\x29\x27\x4b\xd1\x14\x00\xd5"  # 5B y-x
    b"\x87\xa0\x64\xb8\x1c\xf1\x3c\xe3\xf3\x55\x1b\xeb\x73\x7e\x4a\x15"
    b"\x85\x82\x2a\x81\xf1\xdb\xbb\xbc\xfc\xd1\xbd\xd0\x07\x08\x0e\x27"  # 5B 2dxy
    b"\x2d\xa7\xbd\x1b\x0b\x67\x1b\xb4\x9a\xb6\x3b\x6b\x69\xbe\xaa\x43"
    b"\xbf\xa3\x4e\x94\xd0\x5c\x1a\x6b\xd2\xc0\x9d\xb3\x3a\x35\x70\x74"  # 7B y+x
    b"\x49\x2e\x54\x28\x82\x52\xb2\x71\x7e\x92\x3c\x28\x69\xea\x1b\x46"
    b"\xb1\x21\x32\xaa\x9a\x2c\x6f\xba\xa7\x23\xba\x3b\x53\x21\xa0\x6c"  # 7B y-x
    b"\x3a\x2c\x19\x92\x4f\x76\xea\x9d\xe0\x17\x53\x2e\x5d\xdd\x6e\x1d"
    b"\xa2\xb3\xb8\x01\xc8\x6d\x83\xf1\x9a\xa4\x3e\x05\x47\x5f\x03\xb3"  # 7B 2dxy
    b"\xf3\xad\x77\x58\xba\x41\x9c\x52\xa7\x90\x0f\x6a\x1c\xbb\x9f\x7a"
    b"\x2f\x63\xa8\xa6\x8a\x67\x2e\x9b\xc5\x46\xbc\x51\x6f\x9e\x50\xa6"  # 9B y+x
    b"\xb5\xf5\x86\xc6\xc9\x33\xb2\xce\x59\x7f\xdd\x8a\x33\xed\xb9\x34"
    b"\x64\x80\x9d\x03\x7e\x21\x6e\xf3\x9b\x41\x20\xf5\xb6\x81\xa0\x98"  # 9B y-x
    b"\x44\xb0\x5e\xe7\x08\xc6\xcb\x96\x8f\x9c\xdc\xfa\x51\x5a\xc0\x49"
    b"\x1b\xaf\x45\x90\xbf\xe8\xb4\x06\x2f\xd2\x19\xa7\xe8\x83\xff\xe2"  # 9B 2dxy
    b"\x16\xcf\xd4\x93\x29\xfc\xf6\xaa\x06\x8b\x00\x1b\x02\x72\xc1\x73"
    b"\xde\x2a\x80\x8a\x84\x00\xbf\x2f\x27\x2e\x30\x02\xcf\xfe\xd9\xe5"  # 11B y+x
    b"\x06\x34\x70\x17\x71\x84\x3e\x11\xaf\x8f\x6d\x54\xe2\xaa\x75\x42"
    b"\x48\x43\x86\x49\x02\x5b\x5f\x31\x81\x83\x08\x77\x69\xb3\xd6\x3e"  # 11B y-x
    b"\x95\xeb\x8d\x6a\x55\x75\xa0\xa3\x7f\xc7\xd5\x29\x80\x59\xab\x18"
    b"\xe9\x89\x60\xfd\xc5\x2c\x2b\xd8\xa4\xe4\x82\x32\xa1\xb4\x1e\x03"  # 11B 2dxy
    b"\x22\x86\x1a\xb5\x99\x11\x31\x44\x48\xf9\x3d\xb5\x22\x55\xc6\x3d"
    b"\x6d\x7f\x00\xa2\x22\xc2\x70\xbf\xdb\xde\xbc\xb5\x9a\xb3\x84\xbf"  # 13B y+x
    b"\x07\xba\x07\xfb\x12\x0e\x7a\x53\x41\xf2\x46\xc3\xee\xd7\x4f\x23"
    b"\x93\xbf\x7f\x32\x3b\x01\x6f\x50\x6b\x6f\x77\x9b\xc9\xeb\xfc\xae"  # 13B y-x
    b"\x68\x59\xad\xaa\x32\xb2\x12\x9d\xa7\x24\x60\x17\x2d\x88\x67\x02"
    b"\x78\xa3\x2e\x73\x19\xa1\x60\x53\x71\xd4\x8d\xdf\xb1\xe6\x37\x24"  # 13B 2dxy
    b"\x33\xe5\xa7\x91\xf8\x37\xef\xa2\x63\x78\x09\xaa\xfd\xa6\x7b\x49"
    b"\xa0\xea\xcf\x13\x03\xcc\xce\x24\x6d\x24\x9c\x18\x8d\xc2\x48\x86"  # 15B y+x
    b"\xd0\xd4\xf2\xc1\xfa\xbd\xbd\x2d\x2b\xe7\x2d\xf1\x17\x29\xe2\x61"
    b"\x0b\xcf\x8c\x46\x86\xcd\x0b\x04\xd6\x10\x99\x2a\xa4\x9b\x82\xd3"  # 15B y-x
    b"\x92\x51\xb2\x07\x08\x30\x08\x75\xbf\x5e\xd0\x18\x42\xcd\xb5\x43"
    b"\x16\xb5\xd0\x9b\x2f\x76\x9a\x5d\xee\xde\x3f\x37\x4e\xaf\x38\xeb"  # 15B 2dxy
    b"\x70\x42\xd6\x93\x7d\x5a\x2e\x03\x42\xd8\xe4\x0a\x21\x61\x1d\x51"
    b"\x81\x9d\x0e\x95\xef\x76\xc6\x92\x4f\x04\xd7\xc0\xcd\x20\x46\xa5"  # 17B y+x
    b"\x48\x12\x8f\x6f\x64\x36\x9b\xaa\xe3\x55\xb8\xdd\x24\x59\x32\x6d"
    b"\x87\xde\x20\x44\x48\x86\x13\x08\xb4\xed\x92\xb5\x16\xf0\x1c\x8a"  # 17B y-x
    b"\x25\x2d\x94\x29\x27\x4e\xfa\x39\x10\x28\x48\xe2\x6f\xfe\xa7\x71"
    b"\x54\xc8\xc8\xa5\xb8\x82\x71\x6c\x03\x2a\x5f\xfe\x79\x14\xfd\x33"  # 17B 2dxy
    b"\x0c\x8d\x77\x83\x18\x59\xcf\x72\xa9\xea\x9e\x55\xb6\xc4\x46\x47"
    b"\x2b\x9a\xc6\x6d\x3c\x7b\x77\xd3\x17\xf6\x89\x6f\x27\xb2\xfa\xde"  # 19B y+x
    b"\xb5\x16\x3a\xb5\xf7\x1c\x65\x45\xb7\x9f\xfe\x34\xde\x51\x9a\x5c"
    b"\x47\x11\x74\x64\xc8\x46\x85\x34\x49\xc8\xfc\x0e\xdd\xae\x35\x7d"  # 19B y-x
    b"\x32\xa3\x72\x06\x76\x9a\x93\xff\xd6\xe6\xb5\x7d\x49\x63\x96\x21"
    b"\x67\x0e\xf1\x79\xcf\xf1\x10\xf5\x5b\x51\x58\xe6\xa1\xda\xdd\xff"  # 19B 2dxy
    b"\x77\x22\x14\x10\x17\xa7\xc3\x09\xbb\x23\x82\x60\x3c\x50\x04\x48"
    b"\xc7\x7f\xa3\x2c\xd0\x9e\x24\xc4\xab\xac\x15\xa6\xe3\xa0\x59\xa0"  # 21B y+x
    b"\x23\x0e\x6e\xc9\xd7\x6e\xa9\x88\x6d\x69\x50\x16\xa5\x98\x33\x55"
    b"\x75\xd1\x36\x3a\xd2\x21\x68\x3b\x32\x9e\x9b\xe9\xa7\x0a\xb4\xbb"  # 21B y-x
    b"\x47\x8a\x83\x20\xe4\x5c\x9e\x5d\x5e\x4c\xde\x58\x88\x09\x1e\x77"
    b"\xdf\x1e\x45\x78\xd2\xf5\x12\x9a\xcb\x9c\x89\x85\x79\x5d\xda\x3a"  # 21B 2dxy
    b"\x08\x95\xa5\x9f\x2d\x4a\x7f\x47\x11\xa6\xf5\x8f\xd6\xd1\x5e\x5a"
    b"\x83\x0e\x15\xfe\x2a\x12\x95\x11\xd8\x35\x4b\x7e\x25\x9a\x20\xcf"  # 23B y+x
    b"\x20\x1e\x71\x1e\x29\xf8\x87\x73\xf0\x92\xbf\xd8\x97\xb8\xac\x44"
    b"\x59\x73\x52\x58\xc5\xe0\xe5\xba\x7e\x9d\xdb\xca\x19\x5c\x2e\x39"  # 23B y-x
    b"\xe9\xab\x1c\xda\x1e\x3c\x65\x28\x44\xdc\xef\x5f\x13\x60\x9b\x01"
    b"\x83\x4b\x13\x5e\x14\x68\x60\x1e\x16\x4c\x30\x24\x4f\xe6\xf5\xc4"  # 23B 2dxy
    b"\xd7\x3e\x1a\xfc\xa8\x88\x6e\x50\x92\x2f\xad\xe6\xfd\x49\x0c\x15"
    b"\x38\x11\x47\x09\x95\xf2\x7b\x8e\x51\xa6\x75\x4f\x39\xef\x6f\x5d"  # 25B y+x
    b"\xad\x08\xa7\x25\xc4\x79\xaf\x10\x22\x99\xb9\x5b\x07\x5a\x2b\x6b"
    b"\x68\xa8\xdc\x9c\x3c\x86\x49\xb8\xd0\x4a\x71\xb8\xdb\x44\x3f\xc8"  # 25B y-x
    b"\x8d\x16\x36\x0c\x56\xe3\x3e\xfe\xc1\xfb\x05\x1e\x79\xd7\xa6\x78"
    b"\x76\xb9\xa0\x47\x4b\x70\xbf\x58\xd5\x48\x17\x74\x55\xb3\x01\xa6"  # 25B 2dxy
    b"\x90\xf5\x42\xd5\xb1\x1f\x2b\xaa\x00\x5d\xd5\x4a\xfc\x7f\x5c\x72"
    b"\xb2\x99\xcf\xd1\x15\x67\x42\xe4\x34\x0d\xa2\x02\x11\xd5\x52\x73"  # 27B y+x
    b"\x9f\x10\x12\x8b\x7b\x15\xd1\x23\xa3\xf3\xb1\x7c\x27\xc9\x4c\x79"
    b"\xc0\x98\xd0\x1c\xf7\x2b\x80\x91\x66\x63\x5e\xed\xa4\x6c\x41\xfe"  # 27B y-x
    b"\x4c\x99\x02\x49\x71\x5d\x58\xdf\xe7\xfa\x55\xf8\x25\x46\xd5\x4c"
    b"\x53\x50\xac\xc2\x26\xc4\xf6\x4a\x58\x72\xf6\x32\xad\xed\x9a\xbc"  # 27B 2dxy
    b"\x21\x10\x31\x0a\xf1\x32\xd0\x2a\x85\x8e\xcc\x6f\x7b\x35\x08\x70"
    b"\x01\x3f\x77\x38\x27\x67\x88\x0b\xfb\xcc\xfb\x95\xfa\xc8\xcc\xb8"  # 29B y+x
    b"\xb6\x29\xad\xb9\xa3\xd5\x2d\x8d\x6a\x0f\xad\x51\x98\x7e\xef\x06"
    b"\x34\x4a\x58\x82\xbb\x9f\x1b\xd0\x2b\x79\xb4\xd2\x63\x64\xab\x47"  # 29B y-x
    b"\x02\x62\x53\x48\x9c\x63\x31\xb6\x28\xd4\xd6\x69\x36\x2a\xa9\x13"
    b"\xe5\x7d\x57\xc0\x1c\x77\x93\xca\x5c\xdc\x35\x50\x1e\xe4\x40\x75"  # 29B 2dxy
    b"\x71\xe0\x02\xd8\x01\x0f\x68\x24\x6a\xf8\x2a\x8a\xdf\x6d\x29\x3c"
    b"\x13\xa7\x14\xd9\xf9\x15\xad\xae\x12\xf9\x8f\x8c\xf9\x7b\x2f\xa9"  # 31B y+x
    b"\x30\xd7\x53\x9f\x17\x23\xf8\xaf\xba\x77\x0c\x49\x93\xd3\x99\x7a"
    b"\x41\x25\x1f\xbb\x2e\x4d\xeb\xfc\x1f\xb9\xad\x40\xc7\x10\x95\xb8"  # 31B y-x
    b"\x05\xad\xa1\xd0\x7d\xa3\x71\xfc\x7b\x71\x47\x07\x70\x2c\x89\x0a"
    b"\xe8\xa3\xbd\x36\x24\xed\x52\x8f\x94\x07\xe8\x57\x41\xc8\xa8\x77"  # 31B 2dxy
    b"\xe0\x9c\x2f\x26\x63\x65\xa9\xa5\xd2\xf7\x02\x83\xd2\x62\x67\x28"
)
# fmt: on


def _check_bytes(value: bytes, size: int, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise Ed25519Error("bad-type", what + " must be bytes, not " + type(value).__name__)
    if len(value) != size:
        raise Ed25519Error(
            "bad-length", what + " must be " + str(size) + " bytes, got " + str(len(value))
        )
    return bytes(value)


def _check_message(message: bytes) -> None:
    if not isinstance(message, (bytes, bytearray, memoryview)):
        raise Ed25519Error("bad-type", "message must be bytes, not " + type(message).__name__)


def _sqn(x: int, n: int) -> int:
    """x^(2^n) mod p."""
    p = _P
    for _ in range(n):
        x = x * x % p
    return x


def _pow_2_250_1(z: int) -> tuple[int, int]:
    """(z^(2^250 - 1), z^11) mod p: the shared part of inversion and square root."""
    p = _P
    z2 = z * z % p
    z9 = _sqn(z2, 2) * z % p
    z11 = z9 * z2 % p
    t5 = z11 * z11 % p * z9 % p  # z^(2^5 - 1)
    t10 = _sqn(t5, 5) * t5 % p
    t20 = _sqn(t10, 10) * t10 % p
    t40 = _sqn(t20, 20) * t20 % p
    t50 = _sqn(t40, 10) * t10 % p
    t100 = _sqn(t50, 50) * t50 % p
    t200 = _sqn(t100, 100) * t100 % p
    return _sqn(t200, 50) * t50 % p, z11


def _invert(z: int) -> int:
    """z^(p - 2) = 1/z mod p (Fermat), by the addition chain."""
    t, z11 = _pow_2_250_1(z)
    return _sqn(t, 5) * z11 % _P


def _wnaf(scalar: int, width: int) -> bytearray:
    """Width-``width`` NAF of ``0 <= scalar < 2^254``: 256 signed digits, one byte each
    in two's complement (0 for none, 256 - |d| for a negative odd d).

    Reads the scalar a byte pair at a time so every step works on small ints
    (big-int shifts allocate on MicroPython). Each non-zero digit is followed by at
    least ``width - 1`` zeros; sum(digit[i] * 2^i) == scalar.
    """
    naf = bytearray(256)
    data = scalar.to_bytes(34, "little")
    size = 1 << width
    half = size >> 1
    mask = size - 1
    pos = 0
    carry = 0
    while pos < 256:
        index = pos >> 3
        window = carry + (((data[index] | (data[index + 1] << 8)) >> (pos & 7)) & mask)
        if not window & 1:
            # Even window: no digit here; a pending carry stays pending.
            pos += 1
            continue
        if window < half:
            carry = 0
            naf[pos] = window
        else:
            carry = 1
            naf[pos] = 256 + window - size
        pos += width
    return naf


def _cached_multiples(x: int, y: int, count: int) -> list[int]:
    """Odd multiples 1P, 3P, ... of affine P = (x, y), ``count`` of them, flattened in
    the cached form (Y + X, Y - X, 2dT, 2Z) that :func:`_add` takes."""
    p = _P
    d2 = _D2
    out = [(y + x) % p, (y - x) % p, d2 * x % p * y % p, 2]
    # 2P: the doubling of _straus with Z = 1, completed (E, F, G, H) ...
    xx = x * x % p
    yy = y * y % p
    h = xx + yy
    e = 2 * (x * y % p)
    g = yy - xx
    f = 2 - g
    # ... to extended (X, Y, Z, T), then cached.
    px = e * f % p
    py = g * h % p
    two_ypx = (py + px) % p
    two_ymx = (py - px) % p
    two_t2d = d2 * (e * h % p) % p
    two_z2 = 2 * (f * g % p) % p
    # P as the completed point (E, F, G, H) = (x, 1, 1, y), which converts back to
    # (X, Y, Z, T) = (E F, G H, F G, E H) = (x, y, 1, x y).
    e = x
    f = 1
    g = 1
    h = y
    for _ in range(count - 1):
        e, f, g, h = _add(e, f, g, h, two_ypx, two_ymx, two_t2d, two_z2)
        px = e * f % p
        py = g * h % p
        out.append((py + px) % p)
        out.append((py - px) % p)
        out.append(d2 * (e * h % p) % p)
        out.append(2 * (f * g % p) % p)
    return out


def _add(
    e: int, f: int, g: int, h: int, ypx: int, ymx: int, t2d: int, z2: int
) -> tuple[int, int, int, int]:
    """Completed point (E, F, G, H) plus a cached point -> completed sum.

    The cached point is (Y + X, Y - X, 2dT, 2Z), with ``z2 = 0`` meaning an affine
    point (Z = 1, one multiplication fewer). To add its negative, swap the first two
    and pass p - 2dT. add-2008-hwcd-3 (a = -1): 4 multiplications to get (X, Y, Z, T),
    then 3 or 4 for the sum.
    """
    p = _P
    x = e * f % p
    y = g * h % p
    z = f * g % p
    a = (y - x) * ymx % p
    b = (y + x) * ypx % p
    c = e * h % p * t2d % p
    dd = z * z2 % p if z2 else z + z
    return b - a, dd - c, dd + c, b + a


def _straus(b_digits: bytearray, a_digits: bytearray, a_table: list[int]) -> tuple[int, int, int]:
    """Projective (X, Y, Z) of sum(b_digits[i] 2^i) B + sum(a_digits[i] 2^i) P, where
    ``a_table`` holds P's odd multiples from :func:`_cached_multiples`.

    One doubling per bit from the top non-zero digit down, then at most one addition
    from each table. Doubling and addition produce "completed" coordinates
    (E, F, G, H); converting to (X, Y, Z) costs 3 multiplications and to
    (X, Y, Z, T) 4, so T is only computed when an addition follows. The doubling is
    written inline: it runs 253 times and a call costs more than its arithmetic.
    """
    p = _P
    base = memoryview(_BASE)
    top = 255
    while top >= 0 and not b_digits[top] and not a_digits[top]:
        top -= 1
    x = 0
    y = 1
    z = 1
    i = top
    while i >= 0:
        # Doubling, dbl-2008-hwcd for a = -1 with every output negated (the same
        # projective point): E = 2XY, G = Y^2 - X^2, F = 2Z^2 - G, H = X^2 + Y^2.
        xx = x * x % p
        yy = y * y % p
        h = xx + yy
        e = 2 * (x * y % p)
        g = yy - xx
        f = 2 * (z * z % p) - g
        digit = b_digits[i]
        if digit:
            # +-(odd multiple of B) from the byte table; negative digits are stored
            # as 256 - |d| and negate the point: swap y+x with y-x, negate 2dxy.
            j = ((digit if digit < 128 else 256 - digit) >> 1) * 96
            ypx = int.from_bytes(base[j : j + 32], "little")
            ymx = int.from_bytes(base[j + 32 : j + 64], "little")
            t2d = int.from_bytes(base[j + 64 : j + 96], "little")
            if digit < 128:
                e, f, g, h = _add(e, f, g, h, ypx, ymx, t2d, 0)
            else:
                e, f, g, h = _add(e, f, g, h, ymx, ypx, p - t2d, 0)
        digit = a_digits[i]
        if digit:
            j = (digit if digit < 128 else 256 - digit) >> 1 << 2
            if digit < 128:
                e, f, g, h = _add(
                    e, f, g, h, a_table[j], a_table[j + 1], a_table[j + 2], a_table[j + 3]
                )
            else:
                e, f, g, h = _add(
                    e, f, g, h, a_table[j + 1], a_table[j], p - a_table[j + 2], a_table[j + 3]
                )
        x = e * f % p
        y = g * h % p
        z = f * g % p
        i -= 1
    return x, y, z


def _encode(x: int, y: int, z: int) -> int:
    """The integer (y | sign of x << 255) that RFC 8032 5.1.2 encodes little-endian."""
    p = _P
    zinv = _invert(z)
    return (y * zinv % p) | ((x * zinv % p & 1) << 255)


def _decode(encoded: int) -> tuple[int, ...]:
    """RFC 8032 5.1.3 point decoding of the integer form: (x, y), or () when invalid.

    Non-canonical y (>= p) and x = 0 with the sign bit set are rejected.
    """
    p = _P
    sign = encoded >> 255
    y = encoded & _MASK255
    if y >= p:
        return ()
    yy = y * y % p
    u = (yy - 1) % p
    v = (_D * yy + 1) % p
    v3 = v * v % p * v % p
    uv3 = u * v3 % p
    # Candidate root x = u v^3 (u v^7)^((p-5)/8), with (p-5)/8 = 2^252 - 3 (RFC 8032
    # 5.1.3 step 2), then times sqrt(-1) if v x^2 == -u (step 3).
    uv7 = uv3 * v3 % p * v % p
    t, _ = _pow_2_250_1(uv7)
    x = uv3 * (_sqn(t, 2) * uv7 % p) % p
    vxx = v * x % p * x % p
    if vxx != u:
        if vxx != p - u:
            return ()
        x = x * _SQRT_M1 % p
    if x == 0 and sign:
        return ()
    if (x & 1) != sign:
        x = p - x
    return (x, y)


def _precheck(public_key: bytes, signature: bytes) -> tuple[int, ...]:
    """Checks shared by both paths: (A as int, R as int, S), or () when verify is False."""
    a_int = int.from_bytes(public_key, "little")
    r_int = int.from_bytes(signature[:32], "little")
    s = int.from_bytes(signature[32:], "little")
    if s >= L:
        return ()
    for encoded in (a_int, r_int):
        y = encoded & _MASK255
        if y >= _P or y in _SMALL_ORDER_Y:
            return ()
    return (a_int, r_int, s)


def _hash_int(part1: bytes, part2: bytes, part3: bytes) -> int:
    """SHA-512(part1 || part2 || part3) as a little-endian integer."""
    h = _sha512.new(part1)
    h.update(part2)
    h.update(part3)
    return int.from_bytes(h.digest(), "little")


def verify(public_key: bytes, message: bytes, signature: bytes, portable: bool = False) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message`` by ``public_key``.

    Returns False for every forged, corrupted or non-canonical input (the rules are in
    the module docstring) and raises :class:`Ed25519Error` only when an argument is not
    bytes-like or a key or signature has the wrong length. Uses the ``cryptography``
    package when it is available, unless ``portable`` is True.
    """
    public_key = _check_bytes(public_key, PUBLIC_KEY_SIZE, "public key")
    signature = _check_bytes(signature, SIGNATURE_SIZE, "signature")
    _check_message(message)
    checked = _precheck(public_key, signature)
    if not checked:
        return False
    if not portable:
        fast = fast_ed25519_verify(public_key, bytes(message), signature)
        if fast is not None:
            return fast
    a_int, r_int, s = checked
    point = _decode(a_int)
    if not point:
        return False
    k = _hash_int(signature[:32], public_key, message) % L
    # [S]B - [k]A computed as [S]B + [k](-A), with -A = (-x, y).
    a_table = _cached_multiples(_P - point[0], point[1], 1 << (_A_WIDTH - 2))
    x, y, z = _straus(_wnaf(s, _B_WIDTH), _wnaf(k, _A_WIDTH), a_table)
    return _encode(x, y, z) == r_int


def verify_portable(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """:func:`verify` forced onto the pure-Python path (what a board runs)."""
    return verify(public_key, message, signature, True)


def _base_mul(scalar: int) -> bytes:
    """Encoding of [scalar]B for 0 <= scalar < L."""
    x, y, z = _straus(_wnaf(scalar, _B_WIDTH), bytearray(256), [])
    return _encode(x, y, z).to_bytes(32, "little")


def _expand_secret(secret: bytes) -> tuple[int, bytes]:
    """RFC 8032 5.1.5: (clamped scalar a, reduced mod L; prefix) from the 32-byte secret."""
    h = _sha512.digest(_check_bytes(secret, SECRET_KEY_SIZE, "secret key"))
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8  # clear the 3 low bits and bit 255 ...
    a |= 1 << 254  # ... and set bit 254
    return a % L, h[32:]


def public_key(secret: bytes) -> bytes:
    """The 32-byte public key of a 32-byte secret key (RFC 8032 5.1.5)."""
    return _base_mul(_expand_secret(secret)[0])


def sign(secret: bytes, message: bytes) -> bytes:
    """The 64-byte signature R || S of ``message`` (RFC 8032 5.1.6). Not constant time."""
    a, prefix = _expand_secret(secret)
    _check_message(message)
    pub = _base_mul(a)
    r = _hash_int(prefix, message, b"") % L
    r_bytes = _base_mul(r)
    k = _hash_int(r_bytes, pub, message) % L
    return r_bytes + ((r + k * a) % L).to_bytes(32, "little")


def validate_public_key(public_key: bytes) -> None:
    """Raise :class:`Ed25519Error` unless ``public_key`` encodes a point of prime order L.

    Stricter than :func:`verify`'s per-signature checks: also refuses keys with a
    small-order (torsion) component, at the cost of one scalar multiplication, so a
    keyring calls it once per key when loading. ``reason``: ``"bad-type"``,
    ``"bad-length"``, ``"non-canonical"``, ``"not-on-curve"``, ``"small-order"``,
    ``"not-prime-order"``.
    """
    encoded = int.from_bytes(_check_bytes(public_key, PUBLIC_KEY_SIZE, "public key"), "little")
    y = encoded & _MASK255
    if y >= _P:
        raise Ed25519Error("non-canonical", "public key y coordinate is not below p")
    point = _decode(encoded)
    if not point:
        raise Ed25519Error("not-on-curve", "public key is not the encoding of a curve point")
    if y in _SMALL_ORDER_Y:
        raise Ed25519Error("small-order", "public key is a point of small order")
    # [L]A must be the neutral element (0, 1): X == 0 and Y == Z.
    table = _cached_multiples(point[0], point[1], 1 << (_A_WIDTH - 2))
    x, y, z = _straus(bytearray(256), _wnaf(L, _A_WIDTH), table)
    if x % _P or (y - z) % _P:
        raise Ed25519Error("not-prime-order", "public key has a small-order component")
