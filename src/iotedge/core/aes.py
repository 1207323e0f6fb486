"""AES-128 block encryption in pure Python (FIPS-197), the last-resort backend."""

# The core gets its AES from ``_compat.aes_ecb_into``: MicroPython's built-in
# ``cryptolib`` on boards, the ``cryptography`` package on CPython. This module is
# used only where neither exists (a MicroPython build without ``cryptolib``, or a
# CPython without ``cryptography``), so the core keeps no required dependency.
#
# Only the encryption direction is here: CCM (and CTR inside it) never runs the
# block cipher backwards. Tables are ``bytes`` literals, so a frozen build keeps
# them in flash; the state lives in sixteen local variables (registers on
# MicroPython) and one block costs no heap beyond its 16-byte result.
#
# State layout follows FIPS-197 section 3.4: byte ``i`` of a block is row ``i % 4``
# of column ``i // 4``. A round is SubBytes and ShiftRows (read the S-box at the
# shifted index), then MixColumns written as ``x ^ u ^ xtime(x ^ next)`` with ``u``
# the XOR of the column, then AddRoundKey.
#
# This is a straightforward table implementation: its timing depends on the data
# (S-box lookups), acceptable for a fallback that checks advert integrity, not for
# a device holding long-term secrets against a local timing attacker.
#
# The four columns of a round are written out (locals, no list indexing) but the
# ten rounds share one loop: unrolling those too ran 1.5x faster yet needed 8 KiB
# more heap to compile from source, which a 64 KiB board cannot spare.

from .errors import CipherParamError

# FIPS-197 figure 7 (S-box), generated from the GF(2^8) inverse and the affine map.
_SBOX = (
    b"\x63\x7c\x77\x7b\xf2\x6b\x6f\xc5\x30\x01\x67\x2b\xfe\xd7\xab\x76"
    b"\xca\x82\xc9\x7d\xfa\x59\x47\xf0\xad\xd4\xa2\xaf\x9c\xa4\x72\xc0"
    b"\xb7\xfd\x93\x26\x36\x3f\xf7\xcc\x34\xa5\xe5\xf1\x71\xd8\x31\x15"
    b"\x04\xc7\x23\xc3\x18\x96\x05\x9a\x07\x12\x80\xe2\xeb\x27\xb2\x75"
    b"\x09\x83\x2c\x1a\x1b\x6e\x5a\xa0\x52\x3b\xd6\xb3\x29\xe3\x2f\x84"
    b"\x53\xd1\x00\xed\x20\xfc\xb1\x5b\x6a\xcb\xbe\x39\x4a\x4c\x58\xcf"
    b"\xd0\xef\xaa\xfb\x43\x4d\x33\x85\x45\xf9\x02\x7f\x50\x3c\x9f\xa8"
    b"\x51\xa3\x40\x8f\x92\x9d\x38\xf5\xbc\xb6\xda\x21\x10\xff\xf3\xd2"
    b"\xcd\x0c\x13\xec\x5f\x97\x44\x17\xc4\xa7\x7e\x3d\x64\x5d\x19\x73"
    b"\x60\x81\x4f\xdc\x22\x2a\x90\x88\x46\xee\xb8\x14\xde\x5e\x0b\xdb"
    b"\xe0\x32\x3a\x0a\x49\x06\x24\x5c\xc2\xd3\xac\x62\x91\x95\xe4\x79"
    b"\xe7\xc8\x37\x6d\x8d\xd5\x4e\xa9\x6c\x56\xf4\xea\x65\x7a\xae\x08"
    b"\xba\x78\x25\x2e\x1c\xa6\xb4\xc6\xe8\xdd\x74\x1f\x4b\xbd\x8b\x8a"
    b"\x70\x3e\xb5\x66\x48\x03\xf6\x0e\x61\x35\x57\xb9\x86\xc1\x1d\x9e"
    b"\xe1\xf8\x98\x11\x69\xd9\x8e\x94\x9b\x1e\x87\xe9\xce\x55\x28\xdf"
    b"\x8c\xa1\x89\x0d\xbf\xe6\x42\x68\x41\x99\x2d\x0f\xb0\x54\xbb\x16"
)

# Multiplication by x (0x02) in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (FIPS-197 4.2.1).
_XTIME = (
    b"\x00\x02\x04\x06\x08\x0a\x0c\x0e\x10\x12\x14\x16\x18\x1a\x1c\x1e"
    b"\x20\x22\x24\x26\x28\x2a\x2c\x2e\x30\x32\x34\x36\x38\x3a\x3c\x3e"
    b"\x40\x42\x44\x46\x48\x4a\x4c\x4e\x50\x52\x54\x56\x58\x5a\x5c\x5e"
    b"\x60\x62\x64\x66\x68\x6a\x6c\x6e\x70\x72\x74\x76\x78\x7a\x7c\x7e"
    b"\x80\x82\x84\x86\x88\x8a\x8c\x8e\x90\x92\x94\x96\x98\x9a\x9c\x9e"
    b"\xa0\xa2\xa4\xa6\xa8\xaa\xac\xae\xb0\xb2\xb4\xb6\xb8\xba\xbc\xbe"
    b"\xc0\xc2\xc4\xc6\xc8\xca\xcc\xce\xd0\xd2\xd4\xd6\xd8\xda\xdc\xde"
    b"\xe0\xe2\xe4\xe6\xe8\xea\xec\xee\xf0\xf2\xf4\xf6\xf8\xfa\xfc\xfe"
    b"\x1b\x19\x1f\x1d\x13\x11\x17\x15\x0b\x09\x0f\x0d\x03\x01\x07\x05"
    b"\x3b\x39\x3f\x3d\x33\x31\x37\x35\x2b\x29\x2f\x2d\x23\x21\x27\x25"
    b"\x5b\x59\x5f\x5d\x53\x51\x57\x55\x4b\x49\x4f\x4d\x43\x41\x47\x45"
    b"\x7b\x79\x7f\x7d\x73\x71\x77\x75\x6b\x69\x6f\x6d\x63\x61\x67\x65"
    b"\x9b\x99\x9f\x9d\x93\x91\x97\x95\x8b\x89\x8f\x8d\x83\x81\x87\x85"
    b"\xbb\xb9\xbf\xbd\xb3\xb1\xb7\xb5\xab\xa9\xaf\xad\xa3\xa1\xa7\xa5"
    b"\xdb\xd9\xdf\xdd\xd3\xd1\xd7\xd5\xcb\xc9\xcf\xcd\xc3\xc1\xc7\xc5"
    b"\xfb\xf9\xff\xfd\xf3\xf1\xf7\xf5\xeb\xe9\xef\xed\xe3\xe1\xe7\xe5"
)

# Round constants Rcon[i] = x^(i-1) (FIPS-197 5.2), enough for AES-128's ten rounds.
_RCON = b"\x01\x02\x04\x08\x10\x20\x40\x80\x1b\x36"


def expand_key(key: bytes) -> bytes:
    """Return the 176-byte AES-128 key schedule (eleven 16-byte round keys)."""
    if len(key) != 16:
        raise CipherParamError(
            "bad-key-length", "AES-128 needs a 16-byte key, got " + str(len(key)) + " bytes"
        )
    sb = _SBOX
    w = bytearray(176)
    w[0:16] = key
    for o in range(16, 176, 4):
        t0 = w[o - 4]
        t1 = w[o - 3]
        t2 = w[o - 2]
        t3 = w[o - 1]
        if o % 16 == 0:
            # RotWord, SubWord, then Rcon on the first byte (FIPS-197 figure 11).
            t0, t1, t2, t3 = sb[t1] ^ _RCON[o // 16 - 1], sb[t2], sb[t3], sb[t0]
        w[o] = w[o - 16] ^ t0
        w[o + 1] = w[o - 15] ^ t1
        w[o + 2] = w[o - 14] ^ t2
        w[o + 3] = w[o - 13] ^ t3
    return bytes(w)


class AES:
    """AES-128 under one key, encryption direction only (all CCM needs)."""

    def __init__(self, key: bytes) -> None:
        self._rk = expand_key(key)

    def encrypt_block(self, block: bytes) -> bytes:
        """Encrypt one 16-byte block and return the 16-byte result."""
        out = bytearray(16)
        self.encrypt_into(block, out)
        return bytes(out)

    def encrypt_into(self, block: bytes, out: bytearray) -> None:
        """Encrypt the 16-byte ``block`` into ``out`` (which may be ``block`` itself)."""
        if len(block) != 16:
            raise CipherParamError(
                "bad-block-length", "AES blocks are 16 bytes, got " + str(len(block))
            )
        rk = self._rk
        sb = _SBOX
        xt = _XTIME
        s0 = block[0] ^ rk[0]
        s1 = block[1] ^ rk[1]
        s2 = block[2] ^ rk[2]
        s3 = block[3] ^ rk[3]
        s4 = block[4] ^ rk[4]
        s5 = block[5] ^ rk[5]
        s6 = block[6] ^ rk[6]
        s7 = block[7] ^ rk[7]
        s8 = block[8] ^ rk[8]
        s9 = block[9] ^ rk[9]
        s10 = block[10] ^ rk[10]
        s11 = block[11] ^ rk[11]
        s12 = block[12] ^ rk[12]
        s13 = block[13] ^ rk[13]
        s14 = block[14] ^ rk[14]
        s15 = block[15] ^ rk[15]
        for k in range(16, 160, 16):
            x0 = sb[s0]
            x1 = sb[s5]
            x2 = sb[s10]
            x3 = sb[s15]
            u = x0 ^ x1 ^ x2 ^ x3
            t0 = x0 ^ u ^ xt[x0 ^ x1] ^ rk[k]
            t1 = x1 ^ u ^ xt[x1 ^ x2] ^ rk[k + 1]
            t2 = x2 ^ u ^ xt[x2 ^ x3] ^ rk[k + 2]
            t3 = x3 ^ u ^ xt[x3 ^ x0] ^ rk[k + 3]
            x0 = sb[s4]
            x1 = sb[s9]
            x2 = sb[s14]
            x3 = sb[s3]
            u = x0 ^ x1 ^ x2 ^ x3
            t4 = x0 ^ u ^ xt[x0 ^ x1] ^ rk[k + 4]
            t5 = x1 ^ u ^ xt[x1 ^ x2] ^ rk[k + 5]
            t6 = x2 ^ u ^ xt[x2 ^ x3] ^ rk[k + 6]
            t7 = x3 ^ u ^ xt[x3 ^ x0] ^ rk[k + 7]
            x0 = sb[s8]
            x1 = sb[s13]
            x2 = sb[s2]
            x3 = sb[s7]
            u = x0 ^ x1 ^ x2 ^ x3
            t8 = x0 ^ u ^ xt[x0 ^ x1] ^ rk[k + 8]
            t9 = x1 ^ u ^ xt[x1 ^ x2] ^ rk[k + 9]
            t10 = x2 ^ u ^ xt[x2 ^ x3] ^ rk[k + 10]
            t11 = x3 ^ u ^ xt[x3 ^ x0] ^ rk[k + 11]
            x0 = sb[s12]
            x1 = sb[s1]
            x2 = sb[s6]
            x3 = sb[s11]
            u = x0 ^ x1 ^ x2 ^ x3
            t12 = x0 ^ u ^ xt[x0 ^ x1] ^ rk[k + 12]
            t13 = x1 ^ u ^ xt[x1 ^ x2] ^ rk[k + 13]
            t14 = x2 ^ u ^ xt[x2 ^ x3] ^ rk[k + 14]
            t15 = x3 ^ u ^ xt[x3 ^ x0] ^ rk[k + 15]
            s0 = t0
            s1 = t1
            s2 = t2
            s3 = t3
            s4 = t4
            s5 = t5
            s6 = t6
            s7 = t7
            s8 = t8
            s9 = t9
            s10 = t10
            s11 = t11
            s12 = t12
            s13 = t13
            s14 = t14
            s15 = t15
        out[0] = sb[s0] ^ rk[160]
        out[1] = sb[s5] ^ rk[161]
        out[2] = sb[s10] ^ rk[162]
        out[3] = sb[s15] ^ rk[163]
        out[4] = sb[s4] ^ rk[164]
        out[5] = sb[s9] ^ rk[165]
        out[6] = sb[s14] ^ rk[166]
        out[7] = sb[s3] ^ rk[167]
        out[8] = sb[s8] ^ rk[168]
        out[9] = sb[s13] ^ rk[169]
        out[10] = sb[s2] ^ rk[170]
        out[11] = sb[s7] ^ rk[171]
        out[12] = sb[s12] ^ rk[172]
        out[13] = sb[s1] ^ rk[173]
        out[14] = sb[s6] ^ rk[174]
        out[15] = sb[s11] ^ rk[175]
