"""Known-answer vectors for AES, AES-CCM and BTHome encryption, and their runners.

The vectors live in ``tests/vectors/*.json`` (each names its source); this module
loads them under either interpreter and runs them against a named backend, so
the portable tests (fastest backend here) and the CPython tests (every backend,
the pure-Python one explicitly) check exactly the same bytes.
"""

import gc
import json
from binascii import unhexlify

# The core modules are imported inside each runner: compiling them from source
# is the biggest heap cost under ``-X heapsize=64K``, so a test pays only for
# what it uses.


def _vectors_dir():
    path = __file__
    idx = path.rfind("/")
    here = path[:idx] if idx >= 0 else "."
    return here + "/../vectors/"


def load(name):
    """The parsed JSON of ``tests/vectors/<name>``."""
    gc.collect()
    with open(_vectors_dir() + name) as f:
        return json.load(f)


def h(text):
    """Bytes from hex text."""
    return unhexlify(text)


def expect(exc_type, reason, fn, *args):
    """Call ``fn(*args)``; it must raise ``exc_type`` with ``reason``."""
    try:
        fn(*args)
    except exc_type as exc:
        assert exc.reason == reason, (reason, exc.reason)
    else:
        raise AssertionError("no " + reason)


# The bthome.io/encryption worked example (first entry of bthome_encryption.json).
SPEC_KEY = h("231d39c1d7cc1ab1aee224cd096db932")
SPEC_MAC = h("5448e68f80a5")
SPEC_PLAIN = h("02ca0903bf13")  # temperature 25.06 C, humidity 50.55 %
SPEC_FRAME = h("41a47266c95f730011223378237214")
SPEC_COUNTER = 0x33221100  # the counter bytes 00 11 22 33, little-endian


def run_aes_blocks(backend):
    """FIPS-197 appendix B/C.1 and SP 800-38A F.1.1 through one AES backend."""
    from iotedge.core._compat import aes_ecb_encryptor
    from iotedge.core.aes import expand_key

    doc = load("aes_fips197.json")
    count = 0
    for v in doc["blocks"]:
        encrypt = aes_ecb_encryptor(h(v["key"]), backend)
        got = encrypt(h(v["plaintext"]))
        assert got == h(v["ciphertext"]), (backend, v["name"], got)
        count += 1
    exp = doc["key_expansion"]
    schedule = expand_key(h(exp["key"]))
    assert schedule[16:20] == h(exp["w4"])
    assert schedule[160:176] == h(exp["last_round_key"])
    return count


def run_ccm_known_answers(backend):
    """RFC 3610 packet vectors and SP 800-38C examples through one CCM backend:
    encrypt gives the published bytes, decrypt gives the plaintext back."""
    from iotedge.core.ccm import new_ccm

    doc = load("ccm_rfc3610.json")
    count = 0
    for v in doc["vectors"]:
        ccm = new_ccm(h(v["key"]), v["tag_length"], backend)
        nonce = h(v["nonce"])
        aad = h(v["aad"])
        sealed = h(v["sealed"])
        assert ccm.encrypt(nonce, h(v["plaintext"]), aad) == sealed, (backend, v["name"])
        assert ccm.decrypt(nonce, sealed, aad) == h(v["plaintext"]), (backend, v["name"])
        count += 1
    return count


def run_bthome_vectors(backend):
    """The BTHome encryption vectors both ways through one backend, and the
    rejected ones (wrong key) refused with their reason."""
    from iotedge.core.bthome_crypto import PayloadCipher, frame_counter
    from iotedge.core.errors import DecryptError

    doc = load("bthome_encryption.json")
    count = 0
    for v in doc["vectors"]:
        cipher = PayloadCipher(h(v["key"]), backend)
        mac = h(v["mac"])
        frame = h(v["service_data"])
        plain = h(v["plaintext"])
        sealed = cipher.encrypt(mac, v["device_info"], plain, v["counter"])
        assert sealed == frame, (backend, v["name"], sealed)
        assert cipher.decrypt(mac, frame) == (plain, v["counter"]), (backend, v["name"])
        assert frame_counter(frame) == v["counter"]
        if v["device_info"] & 0x02:
            # The MAC travels in the frame: the caller may not know it.
            assert cipher.decrypt(b"", frame) == (plain, v["counter"])
        count += 1
    for v in doc["rejected"]:
        cipher = PayloadCipher(h(v["key"]), backend)
        try:
            cipher.decrypt(h(v["mac"]), h(v["service_data"]))
        except DecryptError as exc:
            assert exc.reason == v["reason"], (backend, v["name"], exc.reason)
        else:
            raise AssertionError(v["name"] + " decrypted with " + backend)
    return count
