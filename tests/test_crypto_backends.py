"""Every AES / AES-CCM backend against the same known answers (CPython).

The portable tests run the vectors through the fastest backend of each
interpreter; here each backend is named explicitly, the pure-Python AES
included, so a CPython with ``cryptography`` still proves the fallback that a
MicroPython build without ``cryptolib`` (or a CPython without ``cryptography``)
would use. NIST SP 800-38C example 4 (65536 bytes of associated data, the
0xfffe + 4-byte length encoding) is built here: too big for a 64 KiB board.
"""

from __future__ import annotations

import pytest
from vectors_crypto import run_aes_blocks, run_bthome_vectors, run_ccm_known_answers

from iotedge.core import _compat
from iotedge.core.ccm import CCM, ccm_backends, new_ccm

CPYTHON_AES = ["cryptography", "pure-python"]
CPYTHON_CCM = ["aead", "portable", "cryptography", "pure-python"]


def test_cpython_sees_the_real_backends() -> None:
    # The Blinka ``micropython`` stub on CPython must not make us think we are a board.
    assert _compat.IS_MICROPYTHON is False
    assert _compat.AES_BACKEND == "cryptography"
    assert _compat.HAS_FAST_AES_CCM is True
    assert ccm_backends() == ["aead", "cryptography", "pure-python"]


@pytest.mark.parametrize("backend", CPYTHON_AES)
def test_aes_known_answers(backend: str) -> None:
    assert run_aes_blocks(backend) == 6


@pytest.mark.parametrize("backend", CPYTHON_CCM)
def test_ccm_known_answers(backend: str) -> None:
    assert run_ccm_known_answers(backend) == 27


@pytest.mark.parametrize("backend", CPYTHON_CCM)
def test_bthome_golden_frames(backend: str) -> None:
    assert run_bthome_vectors(backend) == 3


def test_backend_names_are_what_was_asked() -> None:
    key = bytes(range(16))
    assert new_ccm(key, 4).backend == "aead"
    assert new_ccm(key, 4, "portable").backend == "cryptography"
    assert new_ccm(key, 4, "pure-python").backend == "pure-python"
    assert isinstance(new_ccm(key, 4, "pure-python"), CCM)


@pytest.mark.parametrize("backend", CPYTHON_CCM)
def test_sp800_38c_example_4_long_associated_data(backend: str) -> None:
    # NIST SP 800-38C appendix C.4: Klen 128, Tlen 112, Nlen 104, Alen 524288 bits
    # (A = 00 01 02 ... ff repeated 256 times), Plen 256 bits.
    key = bytes.fromhex("404142434445464748494a4b4c4d4e4f")
    nonce = bytes.fromhex("101112131415161718191a1b1c")
    aad = bytes(range(256)) * 256
    plain = bytes.fromhex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f")
    expected = bytes.fromhex(
        "69915dad1e84c6376a68c2967e4dab615ae0fd1faec44cc484828529463ccf72"
        "b4ac6bec93e8598e7f0dadbcea5b"
    )
    ccm = new_ccm(key, 14, backend)
    assert ccm.encrypt(nonce, plain, aad) == expected
    assert ccm.decrypt(nonce, expected, aad) == plain


def test_codec_decode_through_the_pure_python_aes() -> None:
    from iotedge.core import bthome, bthome_crypto

    key = bytes.fromhex("231d39c1d7cc1ab1aee224cd096db932")
    mac = bytes.fromhex("5448e68f80a5")
    frame = bytes.fromhex("41a47266c95f730011223378237214")
    try:
        bthome_crypto.set_backend("pure-python")
        assert bthome_crypto.cipher_for(key).backend == "pure-python"
        decoded = bthome.decode(frame, key=key, mac=mac)
    finally:
        bthome_crypto.set_backend("")
    assert bthome_crypto.cipher_for(key).backend == "aead"
    assert decoded.counter == 0x33221100
    assert [(o[0], o[2]) for o in decoded.objects] == [(2, 2506), (3, 5055)]
