"""The one module of the core that knows which interpreter it runs on.

Other core modules import ``const`` and the AES primitives from here, never from
``micropython``, ``cryptolib`` or ``cryptography`` directly (a test enforces it).

* On MicroPython: ``const`` is the compiler's constant folding, AES blocks come
  from the built-in ``cryptolib`` (ECB, one block at a time).
* On CPython: ``const`` is the identity, AES blocks and whole AES-CCM come from the
  ``cryptography`` package when it is installed (the fast path), otherwise from the
  pure-Python block cipher in ``aes.py`` so the core still has no required
  dependency.
"""

try:
    from micropython import const  # type: ignore[import-not-found,attr-defined,unused-ignore]

    IS_MICROPYTHON = True
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

# Which AES the core uses, for reports and benchmarks.
if _cryptolib is not None:
    AES_BACKEND = "cryptolib"
elif _cryptography is not None:
    AES_BACKEND = "cryptography"
else:
    AES_BACKEND = "pure-python"


def aes_ecb_encryptor(key: bytes, backend: str = "") -> "Callable[[bytes], bytes]":
    """Return a function that encrypts one 16-byte block with AES under ``key``.

    ``backend`` forces ``"cryptolib"``, ``"cryptography"`` or ``"pure-python"``
    (tests use it to check the three agree); empty means the fastest available.
    """
    if not backend:
        backend = AES_BACKEND
    if backend == "cryptolib" and _cryptolib is not None:
        return _cryptolib.aes(bytes(key), 1).encrypt  # type: ignore[no-any-return]
    if backend == "cryptography" and _cryptography is not None:
        cipher, algorithms, modes, _ = _cryptography
        return cipher(algorithms.AES(bytes(key)), modes.ECB()).encryptor().update  # type: ignore[no-any-return]
    if backend == "pure-python":
        from .aes import AES

        return AES(key).encrypt_block
    raise ValueError("AES backend not available: " + backend)


def fast_aes_ccm(key: bytes, tag_length: int) -> "Any":
    """Return a ``cryptography`` AESCCM object, or None where it is not installed.

    Its ``encrypt(nonce, data, aad)`` returns ciphertext + tag, ``decrypt`` raises
    ``cryptography.exceptions.InvalidTag`` on a bad tag (callers translate it).
    """
    if _cryptography is None:
        return None
    return _cryptography[3](bytes(key), tag_length=tag_length)
