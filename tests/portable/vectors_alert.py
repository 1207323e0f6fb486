"""Golden alert vectors for the portable tests, read one line at a time.

The vectors live in tests/vectors/alerts_hmac.jsonl and alerts_ed25519.jsonl (made by
``python -m tests.test_alert_vectors --write``, whose CPython test checks them
against the standard library's hmac and the cryptography package). Both
interpreters read the same JSON and must produce the same bytes.

This module imports nothing from the alert core, so each test module loads only the
side it checks (a badge-side test never loads the signer's modules): that is what
lets every module pass in a 64 KB heap. Keyring and expected-message helpers for
the receiver are in alert_support.py.
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
    return base + "/../vectors/alerts_" + scheme + ".jsonl"


def _records(f):
    """Each line of an open vector file, parsed: a one-key object ``{kind: value}``."""
    while True:
        if _SMALL_HEAP:
            gc.collect()  # each line's buffer and parse get a collected heap
        line = f.readline()
        if not line:
            break
        yield json.loads(line)


def read_meta(records):
    """Company, receive time and keys: the records before the first vector."""
    doc = {"keys": []}
    for record in records:
        if "vector" in record:
            break
        if "meta" in record:
            doc.update(record["meta"])
        elif "key" in record:
            doc["keys"].append(record["key"])
        elif "secret" in record or "trusted" in record:
            doc["keys"][-1].update(record)
    return doc


def read_vectors(records):
    """Yield each vector: its header record plus its fields, body and frames."""
    vector = None
    for record in records:
        if "vector" in record:
            if vector is not None:
                yield vector
            vector = record["vector"]
            vector["fields"] = {}
            vector["frames"] = []
        elif vector is None:
            continue
        elif "field" in record:
            vector["fields"][record["field"][0]] = record["field"][1]
        elif "body" in record:
            vector["body"] = record["body"]
        elif "frame" in record:
            vector["frames"].append(record["frame"])
    if vector is not None:
        yield vector


def meta(scheme):
    """Company, receive time and keys of a vector file."""
    with open(_path(scheme)) as f:
        return read_meta(_records(f))


def vectors(scheme):
    """Yield the vectors of ``scheme`` ("hmac" or "ed25519") one at a time.

    The file is JSON Lines of short records (tests/test_alert_vectors.py writes
    it): a board with a 64 KB heap holds one short line and one vector at a time.
    """
    with open(_path(scheme)) as f:
        for vector in read_vectors(_records(f)):
            yield vector


def unhex(text):
    return binascii.unhexlify(text)


def frames_of(vector):
    return [unhex(f) for f in vector["frames"]]
