"""Portable tests of BTHome v2 encryption (run by pytest and by micropython).

Golden frames: ``tests/vectors/bthome_encryption.json`` (the bthome.io example,
bthome-ble's example script and MAC-in-frame test, and bthome-ble's wrong-key
frame). Error reasons and tampering: test_bthome_crypto_errors.py; the spec
example block by block: test_bthome_crypto_spec.py (separate modules keep each
one small enough for ``-X heapsize=64K``). Each test starts with gc.collect().
"""

import gc

from vectors_crypto import SPEC_COUNTER as COUNTER
from vectors_crypto import SPEC_FRAME as FRAME
from vectors_crypto import SPEC_KEY as KEY
from vectors_crypto import SPEC_MAC as MAC
from vectors_crypto import SPEC_PLAIN as PLAIN
from vectors_crypto import expect, h, run_bthome_vectors

from iotedge.core import bthome_crypto
from iotedge.core.bthome_crypto import (
    PayloadCipher,
    decrypt_payload,
    encrypt_payload,
    frame_counter,
)
from iotedge.core.errors import DecryptError, EncodeError


def test_golden_frames_fastest_backend():
    gc.collect()
    assert run_bthome_vectors("") == 3


def test_golden_frames_portable_ccm():
    gc.collect()
    assert run_bthome_vectors("portable") == 3


def test_spec_example_through_the_module_functions():
    gc.collect()
    assert encrypt_payload(KEY, MAC, 0x40, PLAIN, COUNTER) == FRAME
    assert encrypt_payload(KEY, MAC, 0x41, PLAIN, COUNTER) == FRAME
    assert decrypt_payload(KEY, MAC, FRAME) == (PLAIN, COUNTER)
    assert frame_counter(FRAME) == COUNTER


def test_empty_ciphertext_round_trips():
    gc.collect()
    frame = encrypt_payload(KEY, MAC, 0x40, b"", 7)
    assert len(frame) == 9
    assert decrypt_payload(KEY, MAC, frame) == (b"", 7)


def test_mac_in_frame_is_written_reversed_and_used_for_the_nonce():
    gc.collect()
    frame = encrypt_payload(KEY, MAC, 0x42, PLAIN, COUNTER)
    assert frame[0] == 0x43
    assert frame[1:7] == h("a5808fe64854")
    # The receiver's idea of the address does not matter: the frame's MAC does.
    assert decrypt_payload(KEY, b"", frame) == (PLAIN, COUNTER)
    assert decrypt_payload(KEY, h("a4c138000000"), frame) == (PLAIN, COUNTER)
    # ...and a forged MAC in the frame breaks the MIC.
    bad = bytearray(frame)
    bad[1] ^= 0x01
    expect(DecryptError, "bad-mic", decrypt_payload, KEY, b"", bytes(bad))


def test_into_forms_use_the_callers_buffer():
    gc.collect()
    cipher = PayloadCipher(KEY)
    buf = bytearray(b"\xee" * 31)
    size = cipher.encrypt_into(MAC, 0x40, PLAIN, COUNTER, buf, 3)
    assert size == len(FRAME)
    assert bytes(buf[3 : 3 + size]) == FRAME
    assert buf[2] == 0xEE and buf[3 + size] == 0xEE  # nothing written outside
    expect(EncodeError, "buffer-too-small", cipher.encrypt_into, MAC, 0x40, PLAIN, 1, buf, 20)
    out = bytearray(8)
    assert cipher.decrypt_into(MAC, FRAME, out, 2) == len(PLAIN)
    assert bytes(out[2:]) == PLAIN
    expect(DecryptError, "buffer-too-small", cipher.decrypt_into, MAC, FRAME, out, 3)


def test_module_cipher_cache_is_bounded():
    gc.collect()
    limit = bthome_crypto._CACHE_LIMIT
    first = bthome_crypto.cipher_for(KEY)
    assert bthome_crypto.cipher_for(bytearray(KEY)) is first  # reused, any bytes-like
    for i in range(min(limit + 2, 12)):
        key = bytes((i,)) * 16
        frame = encrypt_payload(key, MAC, 0x40, PLAIN, i)
        assert decrypt_payload(key, MAC, frame) == (PLAIN, i)
        assert len(bthome_crypto._ciphers) <= limit


def test_set_backend_switches_the_module_functions():
    # "portable" (the CCM built here over the fastest one-block AES) is on both
    # interpreters; tests/test_crypto_backends.py switches to the pure-Python AES.
    gc.collect()
    from iotedge.core.ccm import new_ccm

    fastest = bthome_crypto.cipher_for(KEY)
    try:
        bthome_crypto.set_backend("portable")
        cipher = bthome_crypto.cipher_for(KEY)
        assert cipher is not fastest
        assert cipher.backend == new_ccm(KEY, 4, "portable").backend
        assert decrypt_payload(KEY, MAC, FRAME) == (PLAIN, COUNTER)
        assert encrypt_payload(KEY, MAC, 0x40, PLAIN, COUNTER) == FRAME
        try:
            bthome_crypto.set_backend("no-such-backend")
        except ValueError:
            pass
        else:
            raise AssertionError("unknown backend accepted")
        assert bthome_crypto.cipher_for(KEY) is cipher  # a refused name changes nothing
    finally:
        bthome_crypto.set_backend("")
    assert bthome_crypto.cipher_for(KEY).backend == fastest.backend
