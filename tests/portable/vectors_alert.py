"""Shared helpers for the alert portable tests: golden vectors and a test keyring.

The vectors live in tests/vectors/alerts_hmac.json and alerts_ed25519.json
(made by ``python -m tests.test_alert_vectors --write``, whose CPython test checks
them against the standard library's hmac and the cryptography package). Both
interpreters read the same JSON and must produce the same bytes.
"""

import binascii
import gc
import json

from iotedge.core.alert_frame import SCHEME_NAMES
from iotedge.core.alert_keyring import KeyEntry, Keyring
from iotedge.core.alert_messages import TYPE_CODES

# MicroPython has gc.mem_free; CPython's full collections are slow and not needed.
_SMALL_HEAP = hasattr(gc, "mem_free")


def _vectors_dir():
    here = __file__
    cut = here.rfind("/")
    base = here[:cut] if cut >= 0 else "."
    return base + "/../vectors/"


def _path(scheme):
    return _vectors_dir() + "alerts_" + scheme + ".json"


def meta(scheme):
    """Company, receive time and keys of a vector file (its first line)."""
    with open(_path(scheme)) as f:
        line = f.readline().strip()
    return json.loads(line[len('{"meta": ') : -1])


def vectors(scheme):
    """Yield the vectors of ``scheme`` ("hmac" or "ed25519") one at a time.

    The file is ordinary JSON laid out one vector per line, so a board with a
    64 KB heap never holds more than one parsed vector.
    """
    with open(_path(scheme)) as f:
        while True:
            if _SMALL_HEAP:
                gc.collect()  # a line is ~700 bytes: give it an unfragmented heap
            line = f.readline()
            if not line:
                break
            line = line.strip()
            if line.startswith('{"name"'):
                if line.endswith(","):
                    line = line[:-1]
                yield json.loads(line)


def unhex(text):
    return binascii.unhexlify(text)


def keyring_of(doc):
    """Keyring trusting every key of a vector file's meta (public half for Ed25519)."""
    ring = Keyring(doc["company"])
    for key in doc["keys"]:
        ring.add(
            KeyEntry(
                key["key_id"],
                SCHEME_NAMES.index(key["scheme"]),
                unhex(key["trusted"]),
            )
        )
    return ring


def type_code(name):
    return TYPE_CODES[name]


# A test HMAC key: RFC 4231 test case 2's key "Jefe" is too short for a keyring
# (16 bytes minimum), so the portable receiver tests use 32 bytes 0x00..0x1f.
TEST_KEY = bytes(range(32))


def make_ring(company=0xFFFF, key_ids=(1,), types=None):
    ring = Keyring(company)
    for key_id in key_ids:
        if types is None:
            ring.add(KeyEntry(key_id, 0, TEST_KEY))
        else:
            ring.add(KeyEntry(key_id, 0, TEST_KEY, types))
    return ring
