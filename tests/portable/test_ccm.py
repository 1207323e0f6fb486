"""Portable tests of AES-CCM (run by pytest and by micropython).

Known answers come from RFC 3610 section 8 and NIST SP 800-38C appendix C
(``tests/vectors/ccm_rfc3610.json``). Here they run through the fastest CCM of
the interpreter (cryptography's AESCCM on CPython, the portable CCM over
cryptolib on MicroPython) and through the portable CCM; tests/test_crypto_*.py
repeat them over every one-block AES, the pure-Python one included. Each test
starts with gc.collect(): under ``-X heapsize=64K`` a fragmented heap, not a
full one, is what fails first.
"""

import gc

from vectors_crypto import expect, h, run_ccm_known_answers

from iotedge.core.ccm import CCM, ccm_backends, new_ccm
from iotedge.core.errors import CipherParamError, DecryptError

# RFC 3610 packet vector #1, split as the RFC does: 8 header bytes (associated
# data), 23 payload bytes, M = 8.
KEY = h("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf")
NONCE = h("00000003020100a0a1a2a3a4a5")
AAD = h("0001020304050607")
PLAIN = h("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e")
SEALED = h("588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0")


def test_rfc3610_and_sp800_38c_fastest_backend():
    gc.collect()
    assert run_ccm_known_answers("") == 27


def test_rfc3610_and_sp800_38c_portable_ccm():
    gc.collect()
    assert run_ccm_known_answers("portable") == 27


def test_every_backend_is_listed_and_works():
    gc.collect()
    names = ccm_backends()
    assert "pure-python" in names
    for name in names:
        ccm = new_ccm(KEY, 8, name)
        assert ccm.encrypt(NONCE, PLAIN, AAD) == SEALED, name


def test_any_flipped_bit_is_refused():
    gc.collect()
    ccm = new_ccm(KEY, 8)
    for i in range(len(SEALED)):
        bad = bytearray(SEALED)
        bad[i] ^= 0x01 << (i % 8)
        expect(DecryptError, "bad-mic", ccm.decrypt, NONCE, bytes(bad), AAD)
    for i in range(len(AAD)):
        bad = bytearray(AAD)
        bad[i] ^= 0x80
        expect(DecryptError, "bad-mic", ccm.decrypt, NONCE, SEALED, bytes(bad))
    bad_nonce = bytearray(NONCE)
    bad_nonce[12] ^= 0x01
    expect(DecryptError, "bad-mic", ccm.decrypt, bytes(bad_nonce), SEALED, AAD)
    # Dropping the associated data or a byte of the message also breaks the tag.
    expect(DecryptError, "bad-mic", ccm.decrypt, NONCE, SEALED)
    expect(DecryptError, "bad-mic", ccm.decrypt, NONCE, SEALED[1:], AAD)


def test_wrong_key_is_refused():
    gc.collect()
    other = bytearray(KEY)
    other[0] ^= 0x01
    expect(DecryptError, "bad-mic", new_ccm(bytes(other), 8).decrypt, NONCE, SEALED, AAD)


def test_into_forms_in_place_with_a_detached_tag():
    gc.collect()
    ccm = CCM(KEY, 8)
    n = len(PLAIN)
    buf = bytearray(PLAIN)
    tag = bytearray(10)
    ccm.encrypt_into(NONCE, buf, 0, n, AAD, buf, 0, tag, 2)
    assert bytes(buf) == SEALED[:n]
    assert bytes(tag[2:]) == SEALED[n:]
    ccm.decrypt_into(NONCE, buf, 0, n, tag, 2, AAD, buf, 0)
    assert bytes(buf) == PLAIN


def test_failed_decryption_wipes_the_plaintext():
    gc.collect()
    ccm = CCM(KEY, 8)
    n = len(PLAIN)
    bad = bytearray(SEALED)
    bad[-1] ^= 0xFF
    out = bytearray(b"\xaa" * (n + 2))
    expect(DecryptError, "bad-mic", ccm.decrypt_into, NONCE, bad, 0, n, bad, n, AAD, out, 1)
    assert out[0] == 0xAA and out[-1] == 0xAA  # outside the plaintext: untouched
    assert bytes(out[1 : n + 1]) == bytes(n)


def test_empty_message_and_empty_aad():
    gc.collect()
    for name in ccm_backends():
        ccm = new_ccm(KEY, 4, name)
        sealed = ccm.encrypt(NONCE, b"")
        assert len(sealed) == 4
        assert ccm.decrypt(NONCE, sealed) == b""
        assert new_ccm(KEY, 4, "portable").encrypt(NONCE, b"") == sealed, name


def test_long_message_crosses_many_counter_blocks():
    gc.collect()
    # 300 bytes: 19 key-stream blocks, the counter's low byte carries nothing yet
    # but the block loop and partial last block are exercised; all backends agree.
    msg = bytes(i & 0xFF for i in range(300))
    sealed = None
    for name in ccm_backends():
        got = new_ccm(KEY, 16, name).encrypt(NONCE, msg, AAD)
        if sealed is None:
            sealed = got
        assert got == sealed, name
        assert new_ccm(KEY, 16, name).decrypt(NONCE, got, AAD) == msg


def test_short_nonce_uses_a_wide_counter_field():
    gc.collect()
    # A 7-byte nonce leaves L = 8: the 8-byte length field and counter encoding.
    nonce = NONCE[:7]
    sealed = None
    for name in ccm_backends():
        got = new_ccm(KEY, 6, name).encrypt(nonce, PLAIN, AAD)
        if sealed is None:
            sealed = got
        assert got == sealed, name


def test_parameter_errors():
    gc.collect()
    for name in ccm_backends():
        expect(CipherParamError, "bad-key-length", new_ccm, KEY[:15], 4, name)
        for tag in (0, 2, 3, 5, 17, 18):
            expect(CipherParamError, "bad-tag-length", new_ccm, KEY, tag, name)
        ccm = new_ccm(KEY, 4, name)
        for size in (6, 14):
            expect(CipherParamError, "bad-nonce-length", ccm.encrypt, bytes(size), PLAIN)
            expect(CipherParamError, "bad-nonce-length", ccm.decrypt, bytes(size), SEALED)
        expect(DecryptError, "too-short", ccm.decrypt, NONCE, b"\x00\x01\x02")


def test_message_too_long_for_the_length_field():
    gc.collect()
    # A 13-byte nonce leaves 2 length bytes: 65536 bytes cannot be described.
    # The check runs before any byte is read, so no 64 KiB buffer is needed.
    ccm = CCM(KEY, 4)
    out = bytearray(4)
    expect(
        CipherParamError, "too-long", ccm.encrypt_into, NONCE, b"", 0, 65536, b"", out, 0, out, 0
    )
