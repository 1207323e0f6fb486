"""Ed25519 edge cases (tests/vectors/ed25519_edge_cases.json) on both interpreters.

The cases are derived by construction in tests/test_ed25519_edge_cases.py:
small-order and mixed-order keys and nonces, non-canonical encodings, S >= L.
Each must get its ``expected`` answer from the pure-Python verifier.
"""

import gc

from vectors_ed25519 import cases, unhex

from iotedge.core import ed25519


def test_edge_cases_get_the_expected_answer():
    count = 0
    for case in cases("ed25519_edge_cases.json"):
        public = unhex(case["public_key"])
        message = unhex(case["message"])
        signature = unhex(case["signature"])
        got = ed25519.verify(public, message, signature, portable=True)
        assert got is case["expected"], case["name"]
        count += 1
        gc.collect()
    assert count >= 20


def test_some_refused_cases_satisfy_the_bare_equation():
    # Guards the point of the file: these are refused by the rules alone.
    names = []
    for case in cases("ed25519_edge_cases.json"):
        if case["cofactorless"] is True and case["expected"] is False:
            names.append(case["name"])
    assert "r-identity" in names
    assert "a-small-order-0" in names
    assert "s-plus-l" in names
