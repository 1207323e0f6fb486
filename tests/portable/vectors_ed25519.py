"""Loader for the Ed25519 vector files in tests/vectors/ (portable: CPython and MicroPython).

* ``ed25519_rfc8032.json``: RFC 8032 section 7.1 TEST 1, 2, 3, 1024 and SHA(abc),
  copied from the RFC (the ``source`` field of each entry names it);
  tests/test_ed25519_vectors.py re-checks every entry against ``cryptography``.
* ``ed25519_edge_cases.json``: edge cases derived by construction in
  tests/test_ed25519_edge_cases.py (which regenerates and compares the file).

The files are JSON arrays with one object per line, so a board-sized heap can read
them one case at a time instead of holding the whole file.
"""

import binascii
import json


def _vectors_dir():
    cut = __file__.rfind("/")
    return (__file__[:cut] if cut >= 0 else ".") + "/../vectors/"


def cases(filename):
    """Yield each entry of tests/vectors/``filename`` as a dict, one line at a time."""
    with open(_vectors_dir() + filename) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                if line.endswith(","):
                    line = line[:-1]
                yield json.loads(line)


def unhex(text):
    return binascii.unhexlify(text)


def rfc8032(name):
    """(secret, public, message, signature) bytes of the RFC 8032 test called ``name``."""
    for case in cases("ed25519_rfc8032.json"):
        if case["name"] == name:
            return (
                unhex(case["secret_key"]),
                unhex(case["public_key"]),
                unhex(case["message"]),
                unhex(case["signature"]),
            )
    raise KeyError(name)
