"""The crypto core on the real MicroPython unix port, driven from pytest.

* The three AES backends agree on random data: CPython computes AES-CCM with
  ``cryptography`` (OpenSSL) for seeded random keys, nonces, messages and
  associated data; MicroPython must reproduce every byte with the portable CCM
  over ``cryptolib`` and over the pure-Python AES.
* The BTHome hot paths allocate nothing on MicroPython: encrypting into a reused
  buffer and decrypting into a reused buffer leave ``gc.mem_alloc()`` unchanged.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from tests._mpy import run_micropython

AGREE_SCRIPT = """
import json, sys
from binascii import hexlify, unhexlify
from iotedge.core._compat import available_aes_backends
from iotedge.core.ccm import CCM
backends = available_aes_backends()
assert backends == ["cryptolib", "pure-python"], backends
with open(sys.argv[1]) as f:
    cases = json.load(f)
checked = 0
for key, nonce, msg, aad, tag, sealed in cases:
    for backend in backends:
        ccm = CCM(unhexlify(key), tag, backend)
        got = ccm.encrypt(unhexlify(nonce), unhexlify(msg), unhexlify(aad))
        if hexlify(got).decode() != sealed:
            print("MISMATCH", backend, key, nonce)
            sys.exit(1)
        if ccm.decrypt(unhexlify(nonce), got, unhexlify(aad)) != unhexlify(msg):
            print("ROUNDTRIP", backend, key, nonce)
            sys.exit(1)
        checked += 1
print("agreed", checked)
"""

ALLOC_SCRIPT = """
import gc
from iotedge.core.bthome_crypto import PayloadCipher
KEY = bytes(range(16))
MAC = b"\\x54\\x48\\xe6\\x8f\\x80\\xa5"
PLAIN = b"\\x01\\x5d\\x02\\xca\\x09\\x03\\xbf\\x13"

def measure():
    cipher = PayloadCipher(KEY)
    frame = bytearray(31)
    plain = bytearray(31)
    size = cipher.encrypt_into(MAC, 0x40, PLAIN, 1, frame, 0)
    view = bytes(frame[:size])
    cipher.decrypt_into(MAC, view, plain, 0)
    gc.collect()
    before = gc.mem_alloc()
    for counter in range(2, 202):
        cipher.encrypt_into(MAC, 0x40, PLAIN, counter, frame, 0)
    encrypt_bytes = gc.mem_alloc() - before
    gc.collect()
    before = gc.mem_alloc()
    for _ in range(200):
        n = cipher.decrypt_into(MAC, view, plain, 0)
    decrypt_bytes = gc.mem_alloc() - before
    assert bytes(plain[:n]) == PLAIN
    print("alloc", encrypt_bytes, decrypt_bytes, cipher.backend)

measure()
"""


def _cases(count: int, seed: int) -> list[list[object]]:
    rng = random.Random(seed)
    cases: list[list[object]] = []
    for _ in range(count):
        key = rng.randbytes(16)
        nonce = rng.randbytes(rng.randint(7, 13))
        msg = rng.randbytes(rng.randint(0, 70))
        aad = rng.randbytes(rng.choice([0, 0, 1, 15, 16, 17, 40]))
        tag = rng.choice([4, 6, 8, 10, 12, 14, 16])
        sealed = AESCCM(key, tag_length=tag).encrypt(nonce, msg, aad or None)
        cases.append([key.hex(), nonce.hex(), msg.hex(), aad.hex(), tag, sealed.hex()])
    return cases


def test_cryptolib_and_pure_python_reproduce_openssl(tmp_path: Path) -> None:
    seed = 20240917
    path = tmp_path / "ccm_cases.json"
    path.write_text(json.dumps(_cases(40, seed)))
    proc = run_micropython([_script(tmp_path, "agree.py", AGREE_SCRIPT), str(path)])
    assert proc.returncode == 0, (seed, proc.stdout + proc.stderr)
    assert proc.stdout.split() == ["agreed", "80"], proc.stdout


def test_bthome_hot_paths_allocate_nothing(tmp_path: Path) -> None:
    proc = run_micropython([_script(tmp_path, "alloc.py", ALLOC_SCRIPT)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split() == ["alloc", "0", "0", "cryptolib"], proc.stdout


def _script(directory: Path, name: str, text: str) -> str:
    path = directory / name
    path.write_text(text)
    return str(path)
