"""AES-CCM (RFC 3610, NIST SP 800-38C) on top of a one-block AES."""

# BTHome v2 encrypts with AES-128-CCM, a 13-byte nonce and a 4-byte tag (MIC).
# MicroPython's ``cryptolib`` only offers AES-ECB, so the mode is built here from
# single block encryptions, for any nonce length 7..13 (L = 15 - nonce length) and
# any even tag length 4..16, as RFC 3610 section 2 defines them:
#
# * authentication: CBC-MAC over B_0 (flags, nonce, message length), the associated
#   data prefixed with its encoded length, then the message, each zero-padded to
#   16 bytes; the tag T is the first M bytes of the last chain value;
# * encryption: CTR with blocks A_i (flags L-1, nonce, counter i); S_0 masks the
#   tag, S_1, S_2, ... the message.
#
# :class:`CCM` does that with three reused 16-byte buffers, so on MicroPython with
# ``cryptolib`` a decryption into a caller's buffer allocates nothing (and a CCM
# object must not be shared between threads). :func:`new_ccm` picks the fastest:
# ``cryptography``'s AESCCM on CPython when installed (``ccm_fast.FastCCM``, same
# interface and errors, loaded only then), else :class:`CCM`.

from ._compat import AES_BACKEND, HAS_FAST_AES_CCM, aes_ecb_into, available_aes_backends
from .errors import CipherParamError, DecryptError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .ccm_fast import FastCCM


def _check_params(key_length: int, tag_length: int) -> None:
    if key_length != 16:
        raise CipherParamError(
            "bad-key-length", "AES-128-CCM needs a 16-byte key, got " + str(key_length)
        )
    if tag_length < 4 or tag_length > 16 or tag_length % 2:
        raise CipherParamError(
            "bad-tag-length", "CCM tags are 4, 6, ..., 16 bytes, got " + str(tag_length)
        )


def _check_nonce(nonce_length: int, data_length: int) -> None:
    if nonce_length < 7 or nonce_length > 13:
        raise CipherParamError(
            "bad-nonce-length", "CCM nonces are 7..13 bytes, got " + str(nonce_length)
        )
    # The message length must fit the L = 15 - nonce_length bytes of B_0.
    width = 15 - nonce_length
    if width < 4 and data_length >= 1 << (8 * width):
        raise CipherParamError(
            "too-long",
            str(data_length) + " bytes do not fit a " + str(width) + "-byte length field",
        )


class CCM:
    # AES-CCM under one key, built on a one-block AES (RFC 3610).
    # ``backend`` names the block cipher (``"cryptolib"``, ``"cryptography"``,
    # ``"pure-python"``; empty: the fastest available).

    def __init__(self, key: bytes, tag_length: int = 4, backend: str = "") -> None:
        _check_params(len(key), tag_length)
        self.tag_length = tag_length
        self.backend = backend or AES_BACKEND
        self._ecb = aes_ecb_into(key, self.backend)
        self._x = bytearray(16)  # CBC-MAC chain value X_i
        self._a = bytearray(16)  # counter block A_i
        self._s = bytearray(16)  # key stream block S_i

    # -- convenience forms (allocate their result) ------------------------------

    def encrypt(self, nonce: "bytes | bytearray", data: bytes, aad: bytes = b"") -> bytes:
        """Return ciphertext followed by the tag."""
        n = len(data)
        out = bytearray(n + self.tag_length)
        self.encrypt_into(nonce, data, 0, n, aad, out, 0, out, n)
        return bytes(out)

    def decrypt(self, nonce: "bytes | bytearray", data: bytes, aad: bytes = b"") -> bytes:
        # Check the tag at the end of ``data`` and return the plaintext.
        # Raises DecryptError ``"too-short"`` (shorter than the tag) or ``"bad-mic"``.
        n = len(data) - self.tag_length
        if n < 0:
            raise DecryptError(
                "too-short",
                str(len(data)) + " bytes cannot hold a " + str(self.tag_length) + "-byte tag",
            )
        out = bytearray(n)
        self.decrypt_into(nonce, data, 0, n, data, n, aad, out, 0)
        return bytes(out)

    # -- allocation-free forms ---------------------------------------------------

    def encrypt_into(
        self,
        nonce: "bytes | bytearray",
        src: "Any",
        src_start: int,
        length: int,
        aad: bytes,
        dst: "Any",
        dst_start: int,
        tag_dst: "Any",
        tag_start: int,
    ) -> None:
        # Encrypt ``src[src_start:src_start+length]`` into ``dst`` at ``dst_start``
        # and write the tag into ``tag_dst`` at ``tag_start``.
        #
        # ``dst`` may be ``src`` at the same offset (in place).
        _check_nonce(len(nonce), length)
        self._authenticate(nonce, src, src_start, length, aad)
        self._counter_block(nonce, 0)
        self._ecb(self._a, self._s)
        x = self._x
        s = self._s
        for i in range(self.tag_length):
            tag_dst[tag_start + i] = x[i] ^ s[i]
        self._ctr(nonce, src, src_start, length, dst, dst_start)

    def decrypt_into(
        self,
        nonce: "bytes | bytearray",
        src: "Any",
        src_start: int,
        length: int,
        tag: "Any",
        tag_start: int,
        aad: bytes,
        dst: "Any",
        dst_start: int,
    ) -> None:
        # Decrypt ``length`` bytes of ``src`` into ``dst`` and check the tag read
        # from ``tag`` at ``tag_start`` (the tag need not follow the ciphertext).
        #
        # On a mismatch the plaintext written to ``dst`` is wiped and DecryptError
        # ``"bad-mic"`` is raised. ``dst`` may be ``src`` at the same offset.
        _check_nonce(len(nonce), length)
        self._ctr(nonce, src, src_start, length, dst, dst_start)
        self._authenticate(nonce, dst, dst_start, length, aad)
        self._counter_block(nonce, 0)
        self._ecb(self._a, self._s)
        x = self._x
        s = self._s
        # Constant time: look at every tag byte whatever the first difference.
        diff = 0
        for i in range(self.tag_length):
            diff |= tag[tag_start + i] ^ x[i] ^ s[i]
        if diff:
            for i in range(length):
                dst[dst_start + i] = 0
            raise DecryptError("bad-mic", "the message integrity check does not match")

    # -- the two halves of the mode -------------------------------------------

    def _authenticate(
        self, nonce: "bytes | bytearray", msg: "Any", start: int, length: int, aad: bytes
    ) -> None:
        """CBC-MAC of B_0, the encoded associated data and the message into ``_x``."""
        x = self._x
        ecb = self._ecb
        n = len(nonce)
        width = 15 - n
        la = len(aad)
        # B_0: flags = Adata * 64 + ((M - 2) / 2) * 8 + (L - 1), nonce, length (RFC 3610 2.2).
        x[0] = (64 if la else 0) | (((self.tag_length - 2) // 2) << 3) | (width - 1)
        for i in range(n):
            x[1 + i] = nonce[i]
        value = length
        for i in range(15, n, -1):
            x[i] = value & 0xFF
            value >>= 8
        ecb(x, x)
        if la:
            # Associated data length: 2 bytes below 2^16 - 2^8, else 0xfffe + 4 bytes
            # (0xffff + 8 bytes for lengths of 2^32 and more), RFC 3610 2.2.
            if la < 0xFF00:
                x[0] ^= la >> 8
                x[1] ^= la & 0xFF
                pos = 2
            else:
                size = 4 if la < 0x100000000 else 8
                x[0] ^= 0xFF
                x[1] ^= 0xFE if size == 4 else 0xFF
                for i in range(size):
                    x[2 + i] ^= (la >> (8 * (size - 1 - i))) & 0xFF
                pos = 2 + size
            self._absorb(aad, 0, la, pos)
        self._absorb(msg, start, length, 0)

    def _absorb(self, data: "Any", start: int, length: int, pos: int) -> None:
        # XOR ``data`` into the chain from byte ``pos`` of the current block,
        # encrypting at every full block and once more for a partial last block
        # (zero padding is XOR with nothing).
        x = self._x
        ecb = self._ecb
        for i in range(start, start + length):
            x[pos] ^= data[i]
            pos += 1
            if pos == 16:
                ecb(x, x)
                pos = 0
        if pos:
            ecb(x, x)

    def _counter_block(self, nonce: "bytes | bytearray", counter: int) -> None:
        """A_i: flags (L - 1), nonce, then ``counter`` big-endian in L bytes."""
        a = self._a
        n = len(nonce)
        a[0] = 14 - n
        for i in range(n):
            a[1 + i] = nonce[i]
        for i in range(15, n, -1):
            a[i] = counter & 0xFF
            counter >>= 8

    def _ctr(
        self,
        nonce: "bytes | bytearray",
        src: "Any",
        src_start: int,
        length: int,
        dst: "Any",
        dst_start: int,
    ) -> None:
        """XOR the key stream S_1, S_2, ... over the message."""
        a = self._a
        s = self._s
        ecb = self._ecb
        self._counter_block(nonce, 1)
        first = 1 + len(nonce)  # first byte of the L-byte counter field
        done = 0
        while done < length:
            ecb(a, s)
            chunk = length - done
            if chunk > 16:
                chunk = 16
            for i in range(chunk):
                dst[dst_start + done + i] = src[src_start + done + i] ^ s[i]
            done += chunk
            # Next counter value: increment the big-endian L-byte field with carry.
            i = 15
            while True:
                a[i] = (a[i] + 1) & 0xFF
                if a[i] or i == first:
                    break
                i -= 1


def ccm_backends() -> "list[str]":
    # Names :func:`new_ccm` accepts here: ``"aead"`` (cryptography's AESCCM) when
    # installed, then the portable CCM over each available one-block AES.
    names = ["aead"] if HAS_FAST_AES_CCM else []
    return names + available_aes_backends()


def new_ccm(key: bytes, tag_length: int = 4, backend: str = "") -> "CCM | FastCCM":
    # The fastest AES-CCM here, or the one ``backend`` names.
    # ``backend``: ``""`` (fastest), ``"aead"`` (cryptography's AESCCM),
    # ``"portable"`` (:class:`CCM` over the fastest one-block AES) or a one-block
    # AES name (``"cryptolib"``, ``"cryptography"``, ``"pure-python"``) for
    # :class:`CCM` over that cipher.
    if backend == "aead" or (not backend and HAS_FAST_AES_CCM):
        from .ccm_fast import FastCCM

        return FastCCM(key, tag_length)
    if backend == "portable":
        backend = ""
    return CCM(key, tag_length, backend)
