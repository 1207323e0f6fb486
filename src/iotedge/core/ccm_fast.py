"""``cryptography``'s AESCCM behind the interface of :class:`ccm.CCM` (CPython)."""

# Loaded by :func:`iotedge.core.ccm.new_ccm` only when the ``cryptography``
# package is installed, so boards never compile it. Parameters are checked with
# the portable CCM's own checks first and a tag mismatch (``InvalidTag``, which
# ``_compat`` exposes as ``AEAD_INVALID_TAG``) becomes DecryptError ``"bad-mic"``:
# both implementations raise the same errors for the same inputs.

from ._compat import AEAD_INVALID_TAG, fast_aes_ccm
from .ccm import _check_nonce, _check_params
from .errors import DecryptError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class FastCCM:
    # ``cryptography``'s AESCCM behind the interface of :class:`CCM`.
    # Same arguments, same errors: parameters are checked here first, and a tag
    # mismatch becomes DecryptError ``"bad-mic"`` instead of InvalidTag.

    backend = "aead"

    def __init__(self, key: bytes, tag_length: int = 4) -> None:
        _check_params(len(key), tag_length)
        aead = fast_aes_ccm(key, tag_length)
        if aead is None:
            raise ValueError("the cryptography package is not installed")
        self.tag_length = tag_length
        self._aead = aead

    def encrypt(self, nonce: "bytes | bytearray", data: bytes, aad: bytes = b"") -> bytes:
        _check_nonce(len(nonce), len(data))
        return self._aead.encrypt(bytes(nonce), bytes(data), bytes(aad) if aad else None)  # type: ignore[no-any-return]

    def decrypt(self, nonce: "bytes | bytearray", data: bytes, aad: bytes = b"") -> bytes:
        n = len(data) - self.tag_length
        if n < 0:
            raise DecryptError(
                "too-short",
                str(len(data)) + " bytes cannot hold a " + str(self.tag_length) + "-byte tag",
            )
        _check_nonce(len(nonce), n)
        return self.open_checked(bytes(nonce), bytes(data), bytes(aad) if aad else None)

    def open_checked(self, nonce: bytes, sealed: bytes, aad: "bytes | None") -> bytes:
        # :meth:`decrypt` for a caller that has already checked the lengths
        # (the BTHome hot path): only the tag check and its translation remain.
        try:
            return self._aead.decrypt(nonce, sealed, aad)  # type: ignore[no-any-return]
        except AEAD_INVALID_TAG:
            raise DecryptError("bad-mic", "the message integrity check does not match") from None

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
        """As :meth:`CCM.encrypt_into` (allocates: cryptography returns new bytes)."""
        sealed = self.encrypt(nonce, bytes(src[src_start : src_start + length]), aad)
        dst[dst_start : dst_start + length] = sealed[:length]
        tag_dst[tag_start : tag_start + self.tag_length] = sealed[length:]

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
        """As :meth:`CCM.decrypt_into` (allocates: cryptography returns new bytes)."""
        sealed = bytes(src[src_start : src_start + length]) + bytes(
            tag[tag_start : tag_start + self.tag_length]
        )
        dst[dst_start : dst_start + length] = self.decrypt(nonce, sealed, aad)
