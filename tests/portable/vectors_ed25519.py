"""Loader for the Ed25519 vector files in tests/vectors/ (portable: CPython and MicroPython).

* ``ed25519_rfc8032.json``: RFC 8032 section 7.1 TEST 1, 2, 3, 1024 and SHA(abc),
  copied from the RFC (each entry's ``source`` names it); tests/test_ed25519_vectors.py
  re-checks every entry against ``cryptography``.
* ``ed25519_edge_cases.json``: edge cases derived by construction in
  tests/test_ed25519_edge_cases.py, which regenerates the file and compares.

Both files are ``json.dumps(entries, indent=1)`` with messages as lists of hex
chunks of at most 32 bytes, so no line is long. :func:`cases` reads them a line at a
time: on a 64 KB MicroPython heap the largest free block can be under 2 KB, too
small for json.load of the whole file or even for one 2 KB line.
"""

import binascii
import json


def _vectors_dir():
    cut = __file__.rfind("/")
    return (__file__[:cut] if cut >= 0 else ".") + "/../vectors/"


def cases(filename):
    """Yield each entry of tests/vectors/``filename`` as a dict, one at a time."""
    entry = None
    key = None
    chunks = None
    with open(_vectors_dir() + filename) as f:
        for line in f:
            line = line.strip()
            if line.endswith(","):
                line = line[:-1]
            if entry is None:
                if line == "{":
                    entry = {}
            elif chunks is not None:
                if line == "]":
                    entry[key] = chunks
                    chunks = None
                else:
                    chunks.append(json.loads(line))
            elif line == "}":
                yield entry
                entry = None
            elif line.endswith("["):
                key = json.loads(line[: line.index(":")])
                chunks = []
            else:
                entry.update(json.loads("{" + line + "}"))


def unhex(value, into=None):
    """Bytes of a hex string; for a list of hex chunks, a bytearray of them joined
    (written into the bytearray ``into`` when given, which must be big enough)."""
    if not isinstance(value, list):
        return binascii.unhexlify(value)
    # Filled chunk by chunk: no list of pieces and no joined text is alive when the
    # big block is taken from a fragmented heap.
    size = sum([len(chunk) for chunk in value]) // 2
    out = bytearray(size) if into is None else into
    at = 0
    for chunk in value:
        piece = binascii.unhexlify(chunk)
        out[at : at + len(piece)] = piece
        at += len(piece)
    return out


def rfc8032(name, message_into=None):
    """(secret, public, message, signature) of the RFC 8032 test called ``name``
    (the message written into ``message_into`` when given)."""
    for case in cases("ed25519_rfc8032.json"):
        if case["name"] == name:
            return (
                unhex(case["secret_key"]),
                unhex(case["public_key"]),
                unhex(case["message"], message_into),
                unhex(case["signature"]),
            )
    raise KeyError(name)
