"""Portable tests of BTHome encryption errors: reasons, tampering, wrong key or MAC.

The frame is the bthome.io/encryption example (see test_bthome_crypto.py).
"""

import gc

from vectors_crypto import SPEC_FRAME as FRAME
from vectors_crypto import SPEC_KEY as KEY
from vectors_crypto import SPEC_MAC as MAC
from vectors_crypto import SPEC_PLAIN as PLAIN
from vectors_crypto import expect

from iotedge.core.bthome_crypto import (
    PayloadCipher,
    decrypt_payload,
    encrypt_payload,
    frame_counter,
)
from iotedge.core.errors import DecryptError, EncodeError


def test_every_tampered_byte_is_refused():
    gc.collect()
    cipher = PayloadCipher(KEY)
    for i in range(len(FRAME)):
        for mask in (0x01, 0x10, 0x80):
            bad = bytearray(FRAME)
            bad[i] ^= mask
            try:
                cipher.decrypt(MAC, bytes(bad))
            except DecryptError as exc:
                if i == 0:
                    # The device info byte: encrypted bit, version bits or the
                    # nonce (MIC) all catch it.
                    assert exc.reason in ("not-encrypted", "bad-version", "bad-mic", "too-short")
                else:
                    assert exc.reason == "bad-mic", (i, mask, exc.reason)
            else:
                raise AssertionError("tampered byte " + str(i) + " accepted")


def test_wrong_mac_or_key_is_refused():
    gc.collect()
    other_mac = bytearray(MAC)
    other_mac[5] ^= 0x01
    expect(DecryptError, "bad-mic", decrypt_payload, KEY, bytes(other_mac), FRAME)
    other_key = bytearray(KEY)
    other_key[15] ^= 0x01
    expect(DecryptError, "bad-mic", decrypt_payload, bytes(other_key), MAC, FRAME)


def test_decrypt_error_reasons():
    gc.collect()
    expect(DecryptError, "no-key", decrypt_payload, None, MAC, FRAME)
    expect(DecryptError, "no-key", decrypt_payload, b"", MAC, FRAME)
    expect(DecryptError, "bad-key-length", decrypt_payload, KEY[:15], MAC, FRAME)
    expect(DecryptError, "bad-key-length", decrypt_payload, KEY + b"\x00", MAC, FRAME)
    expect(DecryptError, "bad-mac-length", decrypt_payload, KEY, MAC[:5], FRAME)
    expect(DecryptError, "bad-mac-length", decrypt_payload, KEY, b"", FRAME)
    expect(DecryptError, "too-short", decrypt_payload, KEY, MAC, b"")
    expect(DecryptError, "too-short", decrypt_payload, KEY, MAC, FRAME[:8])
    # MAC in the frame: 1 + 6 + 8 bytes at least.
    expect(DecryptError, "too-short", decrypt_payload, KEY, MAC, b"\x43" + bytes(13))
    expect(DecryptError, "not-encrypted", decrypt_payload, KEY, MAC, b"\x40" + FRAME[1:])
    expect(DecryptError, "bad-version", decrypt_payload, KEY, MAC, b"\x21" + FRAME[1:])
    expect(DecryptError, "bad-version", decrypt_payload, KEY, MAC, b"\x61" + FRAME[1:])
    # Structure is judged before the key: a plain frame says so even without a key.
    expect(DecryptError, "not-encrypted", decrypt_payload, None, MAC, b"\x40\x02\xca\x09")
    expect(DecryptError, "not-encrypted", frame_counter, b"\x40" + FRAME[1:])


def test_encrypt_error_reasons():
    gc.collect()
    expect(EncodeError, "no-key", encrypt_payload, b"", MAC, 0x40, PLAIN, 1)
    expect(EncodeError, "bad-key-length", encrypt_payload, KEY[:8], MAC, 0x40, PLAIN, 1)
    expect(EncodeError, "bad-mac-length", encrypt_payload, KEY, MAC[:5], 0x40, PLAIN, 1)
    expect(EncodeError, "bad-device-info", encrypt_payload, KEY, MAC, 0x140, PLAIN, 1)
    expect(EncodeError, "bad-device-info", encrypt_payload, KEY, MAC, -1, PLAIN, 1)
    expect(EncodeError, "bad-version", encrypt_payload, KEY, MAC, 0x20, PLAIN, 1)
    expect(EncodeError, "bad-counter", encrypt_payload, KEY, MAC, 0x40, PLAIN, -1)
    expect(EncodeError, "bad-counter", encrypt_payload, KEY, MAC, 0x40, PLAIN, 0x100000000)
    # Counter range ends are fine.
    for counter in (0, 0xFFFFFFFF):
        frame = encrypt_payload(KEY, MAC, 0x40, PLAIN, counter)
        assert frame_counter(frame) == counter
        assert decrypt_payload(KEY, MAC, frame) == (PLAIN, counter)
