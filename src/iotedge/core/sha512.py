"""SHA-512 (FIPS 180-4, section 6.4) in pure Python, for interpreters without it.

Ed25519 hashes with SHA-512, and MicroPython's ``hashlib`` usually offers only
``sha256`` (and sometimes ``md5``/``sha1``). :func:`new` returns ``hashlib.sha512``
where the interpreter has it and this implementation otherwise; :class:`SHA512`
is always this implementation (tests compare the two).

The state is eight 64-bit words held as plain Python ints (arbitrary precision on
both interpreters), masked back to 64 bits after each addition. The round
constants are the FIPS 180-4 values (section 4.2.3: first 64 bits of the
fractional parts of the cube roots of the first 80 primes; the initial hash value
of section 5.3.5 from the square roots of the first 8 primes); a test re-derives
both from the primes.
"""

import binascii
import hashlib
import struct

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_M64 = 0xFFFFFFFFFFFFFFFF

# The constants are bytes (big-endian 64-bit words), unpacked 16 at a time while
# hashing: on MicroPython 80 int literals would hold about 6 KB of heap for as long
# as the module is loaded, the bytes hold 640.

# FIPS 180-4, 5.3.5: initial hash value H(0) for SHA-512.
# fmt: off
_IV = (
    b"\x6a\x09\xe6\x67\xf3\xbc\xc9\x08\xbb\x67\xae\x85\x84\xca\xa7\x3b"
    b"\x3c\x6e\xf3\x72\xfe\x94\xf8\x2b\xa5\x4f\xf5\x3a\x5f\x1d\x36\xf1"
    b"\x51\x0e\x52\x7f\xad\xe6\x82\xd1\x9b\x05\x68\x8c\x2b\x3e\x6c\x1f"
    b"\x1f\x83\xd9\xab\xfb\x41\xbd\x6b\x5b\xe0\xcd\x19\x13\x7e\x21\x79"
)

# FIPS 180-4, 4.2.3: the eighty SHA-384/512/512-t round constants K0..K79.
_K = (
    b"\x42\x8a\x2f\x98\xd7\x28\xae\x22\x71\x37\x44\x91\x23\xef\x65\xcd"
    b"\xb5\xc0\xfb\xcf\xec\x4d\x3b\x2f\xe9\xb5\xdb\xa5\x81\x89\xdb\xbc"
    b"\x39\x56\xc2\x5b\xf3\x48\xb5\x38\x59\xf1\x11\xf1\xb6\x05\xd0\x19"
    b"\x92\x3f\x82\xa4\xaf\x19\x4f\x9b\xab\x1c\x5e\xd5\xda\x6d\x81\x18"
    b"\xd8\x07\xaa\x98\xa3\x03\x02\x42\x12\x83\x5b\x01\x45\x70\x6f\xbe"
    b"\x24\x31\x85\xbe\x4e\xe4\xb2\x8c\x55\x0c\x7d\xc3\xd5\xff\xb4\xe2"
    b"\x72\xbe\x5d\x74\xf2\x7b\x89\x6f\x80\xde\xb1\xfe\x3b\x16\x96\xb1"
    b"\x9b\xdc\x06\xa7\x25\xc7\x12\x35\xc1\x9b\xf1\x74\xcf\x69\x26\x94"
    b"\xe4\x9b\x69\xc1\x9e\xf1\x4a\xd2\xef\xbe\x47\x86\x38\x4f\x25\xe3"
    b"\x0f\xc1\x9d\xc6\x8b\x8c\xd5\xb5\x24\x0c\xa1\xcc\x77\xac\x9c\x65"
    b"\x2d\xe9\x2c\x6f\x59\x2b\x02\x75\x4a\x74\x84\xaa\x6e\xa6\xe4\x83"
    b"\x5c\xb0\xa9\xdc\xbd\x41\xfb\xd4\x76\xf9\x88\xda\x83\x11\x53\xb5"
    b"\x98\x3e\x51\x52\xee\x66\xdf\xab\xa8\x31\xc6\x6d\x2d\xb4\x32\x10"
    b"\xb0\x03\x27\xc8\x98\xfb\x21\x3f\xbf\x59\x7f\xc7\xbe\xef\x0e\xe4"
    b"\xc6\xe0\x0b\xf3\x3d\xa8\x8f\xc2\xd5\xa7\x91\x47\x93\x0a\xa7\x25"
    b"\x06\xca\x63\x51\xe0\x03\x82\x6f\x14\x29\x29\x67\x0a\x0e\x6e\x70"
    b"\x27\xb7\x0a\x85\x46\xd2\x2f\xfc\x2e\x1b\x21\x38\x5c\x26\xc9\x26"
    b"\x4d\x2c\x6d\xfc\x5a\xc4\x2a\xed\x53\x38\x0d\x13\x9d\x95\xb3\xdf"
    b"\x65\x0a\x73\x54\x8b\xaf\x63\xde\x76\x6a\x0a\xbb\x3c\x77\xb2\xa8"
    b"\x81\xc2\xc9\x2e\x47\xed\xae\xe6\x92\x72\x2c\x85\x14\x82\x35\x3b"
    b"\xa2\xbf\xe8\xa1\x4c\xf1\x03\x64\xa8\x1a\x66\x4b\xbc\x42\x30\x01"
    b"\xc2\x4b\x8b\x70\xd0\xf8\x97\x91\xc7\x6c\x51\xa3\x06\x54\xbe\x30"
    b"\xd1\x92\xe8\x19\xd6\xef\x52\x18\xd6\x99\x06\x24\x55\x65\xa9\x10"
    b"\xf4\x0e\x35\x85\x57\x71\x20\x2a\x10\x6a\xa0\x70\x32\xbb\xd1\xb8"
    b"\x19\xa4\xc1\x16\xb8\xd2\xd0\xc8\x1e\x37\x6c\x08\x51\x41\xab\x53"
    b"\x27\x48\x77\x4c\xdf\x8e\xeb\x99\x34\xb0\xbc\xb5\xe1\x9b\x48\xa8"
    b"\x39\x1c\x0c\xb3\xc5\xc9\x5a\x63\x4e\xd8\xaa\x4a\xe3\x41\x8a\xcb"
    b"\x5b\x9c\xca\x4f\x77\x63\xe3\x73\x68\x2e\x6f\xf3\xd6\xb2\xb8\xa3"
    b"\x74\x8f\x82\xee\x5d\xef\xb2\xfc\x78\xa5\x63\x6f\x43\x17\x2f\x60"
    b"\x84\xc8\x78\x14\xa1\xf0\xab\x72\x8c\xc7\x02\x08\x1a\x64\x39\xec"
    b"\x90\xbe\xff\xfa\x23\x63\x1e\x28\xa4\x50\x6c\xeb\xde\x82\xbd\xe9"
    b"\xbe\xf9\xa3\xf7\xb2\xc6\x79\x15\xc6\x71\x78\xf2\xe3\x72\x53\x2b"
    b"\xca\x27\x3e\xce\xea\x26\x61\x9c\xd1\x86\xb8\xc7\x21\xc0\xc2\x07"
    b"\xea\xda\x7d\xd6\xcd\xe0\xeb\x1e\xf5\x7d\x4f\x7f\xee\x6e\xd1\x78"
    b"\x06\xf0\x67\xaa\x72\x17\x6f\xba\x0a\x63\x7d\xc5\xa2\xc8\x98\xa6"
    b"\x11\x3f\x98\x04\xbe\xf9\x0d\xae\x1b\x71\x0b\x35\x13\x1c\x47\x1b"
    b"\x28\xdb\x77\xf5\x23\x04\x7d\x84\x32\xca\xab\x7b\x40\xc7\x24\x93"
    b"\x3c\x9e\xbe\x0a\x15\xc9\xbe\xbc\x43\x1d\x67\xc4\x9c\x10\x0d\x4c"
    b"\x4c\xc5\xd4\xbe\xcb\x3e\x42\xb6\x59\x7f\x29\x9c\xfc\x65\x7e\x2a"
    b"\x5f\xcb\x6f\xab\x3a\xd6\xfa\xec\x6c\x44\x19\x8c\x4a\x47\x58\x17"
)
# fmt: on

BLOCK_SIZE = 128
DIGEST_SIZE = 64


def _compress(state: list[int], data: bytes | bytearray, offset: int, w: list[int]) -> None:
    """Process the 128-byte block at ``data[offset:]`` into ``state`` (FIPS 180-4, 6.4.2).

    ``w`` is a 16-word scratch list: the message schedule is kept rolling (word t
    replaces word t - 16) and the constants are unpacked 16 at a time, so no
    allocation here is bigger than 16 words (small heaps fragment).
    """
    m = _M64
    w[0:16] = struct.unpack_from(">16Q", data, offset)
    a, b, c, d, e, f, g, h = state
    for first in range(0, 80, 16):
        k = struct.unpack_from(">16Q", _K, first << 3)
        for j in range(16):
            if first:
                # W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16], indices
                # mod 16; sigma0 = ROTR1 ^ ROTR8 ^ SHR7, sigma1 = ROTR19 ^ ROTR61 ^ SHR6.
                x = w[(j + 1) & 15]
                y = w[(j + 14) & 15]
                s0 = ((x >> 1) | (x << 63)) ^ ((x >> 8) | (x << 56)) ^ (x >> 7)
                s1 = ((y >> 19) | (y << 45)) ^ ((y >> 61) | (y << 3)) ^ (y >> 6)
                w[j] = (w[j] + s0 + w[(j + 9) & 15] + s1) & m
            # Sigma1(e) = ROTR14 ^ ROTR18 ^ ROTR41. The bits the left shifts push
            # above bit 63 are left in: sums only ever carry upwards, so masking e
            # and a below removes them, and nothing right-shifts t1 or t2.
            s1 = ((e >> 14) | (e << 50)) ^ ((e >> 18) | (e << 46)) ^ ((e >> 41) | (e << 23))
            t1 = h + s1 + (g ^ (e & (f ^ g))) + k[j] + w[j]
            # Sigma0(a) = ROTR28 ^ ROTR34 ^ ROTR39; Maj written with one fewer AND.
            s0 = ((a >> 28) | (a << 36)) ^ ((a >> 34) | (a << 30)) ^ ((a >> 39) | (a << 25))
            t2 = s0 + ((a & b) | (c & (a | b)))
            h = g
            g = f
            f = e
            e = (d + t1) & m
            d = c
            c = b
            b = a
            a = (t1 + t2) & m
    state[0] = (state[0] + a) & m
    state[1] = (state[1] + b) & m
    state[2] = (state[2] + c) & m
    state[3] = (state[3] + d) & m
    state[4] = (state[4] + e) & m
    state[5] = (state[5] + f) & m
    state[6] = (state[6] + g) & m
    state[7] = (state[7] + h) & m


class SHA512:
    """Incremental SHA-512 with the ``hashlib`` interface (update/digest/hexdigest/copy)."""

    digest_size = DIGEST_SIZE
    block_size = BLOCK_SIZE
    name = "sha512"

    def __init__(self, data: bytes = b"") -> None:
        self._state = list(struct.unpack(">8Q", _IV))
        self._buffer = bytearray()
        self._length = 0  # bytes hashed so far
        self._w = [0] * 16
        if data:
            self.update(data)

    def update(self, data: bytes) -> None:
        """Feed more bytes (any bytes-like object)."""
        # Whole blocks are compressed straight from ``data``; only a partial block
        # is copied, so a long message costs no buffer of its own size.
        size = len(data)
        self._length += size
        buf = self._buffer
        offset = 0
        if buf:
            offset = min(BLOCK_SIZE - len(buf), size)
            buf.extend(data[:offset])
            if len(buf) < BLOCK_SIZE:
                return
            _compress(self._state, buf, 0, self._w)
        while size - offset >= BLOCK_SIZE:
            _compress(self._state, data, offset, self._w)
            offset += BLOCK_SIZE
        self._buffer = bytearray(data[offset:])

    def copy(self) -> "SHA512":
        """An independent hash object with the same state."""
        other = SHA512()
        other._state = list(self._state)
        other._buffer = bytearray(self._buffer)
        other._length = self._length
        return other

    def digest(self) -> bytes:
        """The 64-byte digest of everything fed so far (the object stays usable)."""
        bit_length = self._length * 8
        # Padding (FIPS 180-4, 5.1.2): 0x80, zeros, then the 128-bit big-endian length.
        pad_len = (BLOCK_SIZE + 111 - self._length % BLOCK_SIZE) % BLOCK_SIZE
        tail = bytearray(self._buffer)
        tail.append(0x80)
        tail.extend(bytes(pad_len))
        tail.extend(struct.pack(">QQ", (bit_length >> 64) & _M64, bit_length & _M64))
        state = list(self._state)
        for offset in range(0, len(tail), BLOCK_SIZE):
            _compress(state, tail, offset, self._w)
        return struct.pack(">8Q", *state)

    def hexdigest(self) -> str:
        """The digest as lowercase hex."""
        return binascii.hexlify(self.digest()).decode()


def sha512(data: bytes = b"") -> SHA512:
    """A pure-Python SHA-512 object (always this module's implementation)."""
    return SHA512(data)


# The interpreter's own SHA-512 when it has one (CPython, some MicroPython ports).
_native = getattr(hashlib, "sha512", None)
HAVE_NATIVE = _native is not None


def new(data: bytes = b"") -> "Any":
    """The fastest SHA-512 available: ``hashlib.sha512`` if present, else :class:`SHA512`."""
    if _native is not None:
        return _native(data)
    return SHA512(data)


def digest(data: bytes) -> bytes:
    """One-shot SHA-512 of ``data`` with the fastest implementation available."""
    result: bytes = new(data).digest()
    return result
