"""The one module of the core that knows which interpreter it runs on."""

# Other core modules import ``const`` and the AES primitives from here, never from
# ``micropython``, ``cryptolib`` or ``cryptography`` directly (a test enforces it).
#
# * On MicroPython: ``const`` is the compiler's constant folding, AES blocks come
#   from the built-in ``cryptolib`` (ECB, one block at a time).
# * On CPython: ``const`` is the identity, AES blocks and whole AES-CCM come from the
#   ``cryptography`` package when it is installed (the fast path), otherwise from the
#   pure-Python block cipher in ``aes.py`` so the core still has no required
#   dependency.

try:
    # ``as const`` marks an explicit re-export: other core modules import it from here.
    import micropython  # type: ignore[import-not-found,unused-ignore]
    from micropython import (  # type: ignore[import-not-found,attr-defined,unused-ignore]
        const as const,
    )

    # CPython can have a ``micropython`` *stub* on its path (Adafruit Blinka installs
    # one with adafruit-circuitpython-dht). The real module is built into the
    # interpreter, so it has no ``__file__``; a stub always comes from a file.
    IS_MICROPYTHON = not hasattr(micropython, "__file__")
except ImportError:
    IS_MICROPYTHON = False

    def const(value: int) -> int:  # type: ignore[misc,unused-ignore]
        """CPython stand-in for MicroPython's compile-time constant marker."""
        return value


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def _load_cryptolib() -> "Any":
    try:
        import cryptolib  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    return cryptolib


def _load_cryptography() -> "Any":
    if IS_MICROPYTHON:
        return None
    try:
        from cryptography.hazmat.primitives.ciphers import (  # type: ignore[import-not-found,unused-ignore]
            Cipher,
            algorithms,
            modes,
        )
        from cryptography.hazmat.primitives.ciphers.aead import (  # type: ignore[import-not-found,unused-ignore]
            AESCCM,
        )
    except ImportError:
        return None
    return (Cipher, algorithms, modes, AESCCM)


_cryptolib = _load_cryptolib()
_cryptography = _load_cryptography()

# Whether whole AES-CCM is available from ``cryptography`` (the CPython fast path).
HAS_FAST_AES_CCM = _cryptography is not None

# Which AES the core uses, for reports and benchmarks.
if _cryptolib is not None:
    AES_BACKEND = "cryptolib"
elif _cryptography is not None:
    AES_BACKEND = "cryptography"
else:
    AES_BACKEND = "pure-python"


def _check_key(key: bytes) -> None:
    # cryptolib and cryptography would both accept 24/32-byte keys (AES-192/256) and
    # silently change the cipher; BTHome and RFC 3610 CCM are AES-128 only.
    if len(key) != 16:
        from .errors import CipherParamError

        raise CipherParamError(
            "bad-key-length", "AES-128 needs a 16-byte key, got " + str(len(key)) + " bytes"
        )


def aes_ecb_into(key: bytes, backend: str = "") -> "Callable[[Any, bytearray], Any]":
    # Return ``f(src, dst)`` writing AES-128(``key``, 16-byte ``src``) into ``dst``.
    # ``dst`` may be ``src`` itself. This is the allocation-free form CCM is built on:
    # with ``cryptolib`` and the pure-Python cipher a block costs no heap at all.
    # ``backend`` forces ``"cryptolib"``, ``"cryptography"`` or ``"pure-python"``
    # (tests use it to check the three agree); empty means the fastest available.
    if not backend:
        backend = AES_BACKEND
    _check_key(key)
    if backend == "cryptolib" and _cryptolib is not None:
        # cryptolib.aes(key, 1) is ECB; encrypt(in, out) writes out in place.
        return _cryptolib.aes(bytes(key), 1).encrypt  # type: ignore[no-any-return]
    if backend == "cryptography" and _cryptography is not None:
        cipher, algorithms, modes, _ = _cryptography
        update = cipher(algorithms.AES(bytes(key)), modes.ECB()).encryptor().update

        def encrypt_into(src: "Any", dst: bytearray) -> None:
            dst[0:16] = update(bytes(src))

        return encrypt_into
    if backend == "pure-python":
        from .aes import AES

        return AES(key).encrypt_into
    raise ValueError("AES backend not available: " + backend)


def aes_ecb_encryptor(key: bytes, backend: str = "") -> "Callable[[bytes], bytes]":
    # Return a function that encrypts one 16-byte block with AES-128 under ``key``
    # and returns the result (the allocating form of :func:`aes_ecb_into`).
    #
    # ``backend`` forces ``"cryptolib"``, ``"cryptography"`` or ``"pure-python"``
    # (tests use it to check the three agree); empty means the fastest available.
    encrypt_into = aes_ecb_into(key, backend)

    def encrypt(block: bytes) -> bytes:
        out = bytearray(16)
        encrypt_into(block, out)
        return bytes(out)

    return encrypt


def available_aes_backends() -> "list[str]":
    """Names of the one-block AES backends present here, fastest first."""
    names = []
    if _cryptolib is not None:
        names.append("cryptolib")
    if _cryptography is not None:
        names.append("cryptography")
    names.append("pure-python")
    return names


def fast_aes_ccm(key: bytes, tag_length: int) -> "Any":
    # Return a ``cryptography`` AESCCM object, or None where it is not installed.
    # Its ``encrypt(nonce, data, aad)`` returns ciphertext + tag, ``decrypt`` raises
    # :data:`AEAD_INVALID_TAG` on a bad tag (``ccm.py`` translates it to DecryptError).
    if _cryptography is None:
        return None
    return _cryptography[3](bytes(key), tag_length=tag_length)


def _load_invalid_tag() -> "Any":
    if _cryptography is not None:
        try:
            from cryptography.exceptions import (  # type: ignore[import-not-found,unused-ignore]
                InvalidTag,
            )
        except ImportError:  # pragma: no cover - part of every cryptography release
            pass
        else:
            return InvalidTag

    class _NeverRaised(Exception):
        """Stand-in where ``cryptography`` is absent: nothing raises it."""

    return _NeverRaised


# The exception ``fast_aes_ccm(...).decrypt`` raises on a tag mismatch, so other core
# modules can catch it without importing ``cryptography`` themselves.
AEAD_INVALID_TAG = _load_invalid_tag()


# Ed25519 through ``cryptography`` (OpenSSL), loaded on first use so importing the
# core stays cheap: [] until then, afterwards [None] or [(public key class, error)].
_ed25519: "list[Any]" = []


def _load_ed25519() -> "Any":
    if IS_MICROPYTHON:
        return None
    try:
        from cryptography.exceptions import (  # type: ignore[import-not-found,unused-ignore]
            InvalidSignature,
        )
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # type: ignore[import-not-found,unused-ignore]
            Ed25519PrivateKey,
            Ed25519PublicKey,
        )

        # An OpenSSL built without Ed25519 fails here, not in the middle of a verify.
        Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key()
    except Exception:
        return None
    return (Ed25519PublicKey, InvalidSignature)


def fast_ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> "bool | None":
    # Verify an Ed25519 signature with ``cryptography``; None where it is not available.
    # True or False is OpenSSL's answer (a key that is not a curve point is False);
    # None means "use the portable path" (MicroPython, or no ``cryptography``).
    # ``iotedge.core.ed25519.verify`` runs its canonicality checks before calling this.
    if not _ed25519:
        _ed25519.append(_load_ed25519())
    lib = _ed25519[0]
    if lib is None:
        return None
    try:
        lib[0].from_public_bytes(bytes(public_key)).verify(bytes(signature), bytes(message))
    except (lib[1], ValueError):
        return False
    return True
