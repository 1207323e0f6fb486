"""Golden alert vectors for the portable tests, read one line at a time.

The vectors live in tests/vectors/alerts_hmac.json and alerts_ed25519.json (made by
``python -m tests.test_alert_vectors --write``, whose CPython test checks them
against the standard library's hmac and the cryptography package). Both
interpreters read the same JSON and must produce the same bytes.

This module imports nothing from the alert core at import time, so each test module
loads only the side it checks (a badge-side test never loads the signer's modules):
that is what lets every module pass in a 64 KB heap.
"""

import binascii
import gc
import json

# MicroPython has gc.mem_free; CPython's full collections are slow and not needed.
_SMALL_HEAP = hasattr(gc, "mem_free")


def _path(scheme):
    here = __file__
    cut = here.rfind("/")
    base = here[:cut] if cut >= 0 else "."
    return base + "/../vectors/alerts_" + scheme + ".json"


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
                gc.collect()  # give each line's parse an unfragmented heap
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


def frames_of(vector):
    return [unhex(f) for f in vector["frames"]]


def message_of(vector):
    """What ``AlertMessage.to_dict()`` must return for the vector's message."""
    message = {"type": vector["type"], "key_id": vector["key_id"], "counter": vector["counter"]}
    fields = vector["fields"]
    for name in fields:
        message[name] = fields[name]
    return message


def keyring_of(doc):
    """Keyring trusting every key of a vector file's meta (public half for Ed25519),
    loaded through the keyring file parser as a badge loads it."""
    from iotedge.core.alert_keyring import parse_keyring

    text = "iotedge-alert-keyring 1\ncompany " + str(doc["company"]) + "\n"
    for key in doc["keys"]:
        text += "key " + str(key["key_id"]) + " " + key["scheme"] + " " + key["trusted"]
        text += " types=all\n"
    return parse_keyring(text.encode())
