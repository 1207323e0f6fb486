"""Ed25519 (RFC 8032 PureEd25519): verify on every interpreter, sign for tests.

docs/ed25519.md states the verification rules and their reasons and the measured
cost; the comments below say where each rule is applied.
"""

# Rules, the same on the portable path and the ``cryptography`` fast path because
# _precheck() runs before either:
# 1. Key and signature are bytes-like of 32 and 64 bytes, the message bytes-like;
#    otherwise Ed25519Error ("bad-type", "bad-length"): a caller bug, not a forgery.
#    Every other problem makes verify() return False, never raise.
# 2. S < L (RFC 8032 5.1.7): S + L would be a second signature (malleability).
# 3. A and R are canonical (y < p, RFC 8032 5.1.3) and not one of the 8 points of
#    small order (also covering x = 0 with the sign bit set); OpenSSL alone
#    accepts small-order keys and nonces that make one signature fit many messages.
# 4. A decodes to a curve point.
# 5. Cofactorless equation [S]B = R + [k]A, checked as encode([S]B - [k]A) == R
#    byte for byte: what OpenSSL and libsodium compute, so both paths agree on
#    every input (RFC 8032 allows it; the cofactored form is "sufficient, not
#    required"). Mixed-order keys are caught by validate_public_key(), which a
#    keyring runs once per key: per signature it would cost a scalar multiplication.

from . import ed25519_group as _g
from . import sha512 as _sha512
from ._compat import fast_ed25519_verify
from .errors import Ed25519Error

L = 0x1000000000000000000000000000000014DEF9DEA2F79CD65812631A5CF5D3ED  # group order
PUBLIC_KEY_SIZE = 32
SECRET_KEY_SIZE = 32
SIGNATURE_SIZE = 64

_MASK255 = (1 << 255) - 1
# y of a point of order 8. With 0, 1, p - 1 and p - _Y8 these are the y values of
# all 8 points of small order (each y there is shared only by small-order points).
_Y8 = 0x05FC536D880238B13933C6D305ACDFD5F098EFF289F4C345B027B2C28F95E826
_SMALL_ORDER_Y = (0, 1, _g.P - 1, _Y8, _g.P - _Y8)


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


def _encode(x: int, y: int, z: int) -> int:
    # The integer y | (x & 1) << 255 that RFC 8032 5.1.2 writes little-endian.
    p = _g.P
    zinv = _g.invert(z)
    return (y * zinv % p) | ((x * zinv % p & 1) << 255)


def _decode(encoded: int) -> tuple[int, ...]:
    # RFC 8032 5.1.3: (x, y), or () for y >= p, no square root, or x = 0 with sign 1.
    p = _g.P
    sign = encoded >> 255
    y = encoded & _MASK255
    if y >= p:
        return ()
    yy = y * y % p
    u = (yy - 1) % p
    v = (_g.D * yy + 1) % p
    v3 = v * v % p * v % p
    uv3 = u * v3 % p
    uv7 = uv3 * v3 % p * v % p
    # Candidate x = u v^3 (u v^7)^((p-5)/8) with (p-5)/8 = 2^252 - 3 (step 2), times
    # sqrt(-1) when v x^2 == -u (step 3).
    t, _ = _g.pow_2_250_1(uv7)
    x = uv3 * (_g.sqn(t, 2) * uv7 % p) % p
    vxx = v * x % p * x % p
    if vxx != u:
        if vxx != p - u:
            return ()
        x = x * _g.SQRT_M1 % p
    if x == 0 and sign:
        return ()
    if (x & 1) != sign:
        x = p - x
    return (x, y)


def _precheck(public_key: bytes, signature: bytes) -> tuple[int, ...]:
    # Rules 2 and 3: (A, R, S) as ints, or () when verify must return False.
    a_int = int.from_bytes(public_key, "little")
    r_int = int.from_bytes(signature[:32], "little")
    s = int.from_bytes(signature[32:], "little")
    if s >= L:
        return ()
    for encoded in (a_int, r_int):
        y = encoded & _MASK255
        if y >= _g.P or y in _SMALL_ORDER_Y:
            return ()
    return (a_int, r_int, s)


def _hash_int(part1: bytes, part2: bytes, part3: bytes) -> int:
    # SHA-512(part1 || part2 || part3) as a little-endian integer.
    h = _sha512.new(part1)
    h.update(part2)
    h.update(part3)
    return int.from_bytes(h.digest(), "little")


def verify(public_key: bytes, message: bytes, signature: bytes, portable: bool = False) -> bool:
    """True if ``signature`` is ``public_key``'s Ed25519 signature of ``message``.

    False for anything forged, corrupted or non-canonical; Ed25519Error only for
    arguments of the wrong type or length. ``portable=True`` skips the
    ``cryptography`` fast path.
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
    # [S]B - [k]A as [S]B + [k](-A), with -A = (-x, y).
    table = _g.cached_multiples(_g.P - point[0], point[1], 1 << (_g.A_WIDTH - 2))
    x, y, z = _g.straus(_g.wnaf(s, _g.B_WIDTH), _g.wnaf(k, _g.A_WIDTH), table)
    return _encode(x, y, z) == r_int


def verify_portable(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """:func:`verify` on the pure-Python path, what a board runs."""
    return verify(public_key, message, signature, True)


def _base_mul(scalar: int) -> bytes:
    # Encoding of [scalar]B for 0 <= scalar < L.
    x, y, z = _g.straus(_g.wnaf(scalar, _g.B_WIDTH), bytearray(256), [])
    return _encode(x, y, z).to_bytes(32, "little")


def _expand_secret(secret: bytes) -> tuple[int, bytes]:
    # RFC 8032 5.1.5: the clamped scalar (reduced mod L) and the nonce prefix.
    h = _sha512.digest(_check_bytes(secret, SECRET_KEY_SIZE, "secret key"))
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8  # clear the 3 low bits and bit 255 ...
    a |= 1 << 254  # ... and set bit 254
    return a % L, h[32:]


def public_key(secret: bytes) -> bytes:
    """The 32-byte public key of a 32-byte secret key (RFC 8032 5.1.5)."""
    return _base_mul(_expand_secret(secret)[0])


def sign(secret: bytes, message: bytes) -> bytes:
    """The 64-byte signature R || S of ``message`` (RFC 8032 5.1.6); not constant time."""
    a, prefix = _expand_secret(secret)
    _check_message(message)
    pub = _base_mul(a)
    r = _hash_int(prefix, message, b"") % L
    r_bytes = _base_mul(r)
    k = _hash_int(r_bytes, pub, message) % L
    return r_bytes + ((r + k * a) % L).to_bytes(32, "little")


def validate_public_key(public_key: bytes) -> None:
    """Raise Ed25519Error unless ``public_key`` encodes a point of prime order L.

    Reasons: bad-type, bad-length, non-canonical, not-a-point, small-order,
    not-prime-order. One scalar multiplication: run it when a key is loaded.
    """
    encoded = int.from_bytes(_check_bytes(public_key, PUBLIC_KEY_SIZE, "public key"), "little")
    y = encoded & _MASK255
    if y >= _g.P:
        raise Ed25519Error("non-canonical", "public key y coordinate is not below p")
    point = _decode(encoded)
    if not point:
        raise Ed25519Error("not-a-point", "public key is not the encoding of a curve point")
    if y in _SMALL_ORDER_Y:
        raise Ed25519Error("small-order", "public key is a point of small order")
    # [L]A must be the neutral element (0, 1): X == 0 and Y == Z.
    table = _g.cached_multiples(point[0], point[1], 1 << (_g.A_WIDTH - 2))
    x, y, z = _g.straus(bytearray(256), _g.wnaf(L, _g.A_WIDTH), table)
    if x % _g.P or (y - z) % _g.P:
        raise Ed25519Error("not-prime-order", "public key has a small-order component")
