"""Ed25519 edge cases derived by construction, in the spirit of Wycheproof.

Every case is built here from first principles with the independent affine
arithmetic of tests/portable/vectors_ed25519_reference.py (no vectors copied from
elsewhere): small-order and mixed-order points, non-canonical encodings, S >= L.
For each, the file records what our rules answer (``expected``) and what the bare
group equations say (``cofactorless``/``cofactored``: does [S]B = R + [k]A, resp.
[8][S]B = [8]R + [8][k]A hold, with points decoded mod p and S used as is; null
when A is not a point), so the rules' effect is visible case by case.

    python -m tests.test_ed25519_edge_cases            # rewrite the JSON file
    python -m tests.test_ed25519_edge_cases --openssl  # our answers next to OpenSSL's alone

The tests regenerate the cases and compare with the file, run the portable and the
``cryptography`` paths on every case, and check validate_public_key on their keys.
tests/portable/test_ed25519_edge.py runs the same file under MicroPython.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from iotedge.core import ed25519
from iotedge.core.errors import Ed25519Error

sys.path.insert(0, str(Path(__file__).resolve().parent / "portable"))
import vectors_ed25519_reference as ref

EDGE_FILE = Path(__file__).resolve().parent / "vectors" / "ed25519_edge_cases.json"
# The signer of the constructions: RFC 8032 section 7.1 TEST 1's secret key.
SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")

Point = tuple[int, int]
SMALL_ORDER = ref.small_order_points()


def _mul(k: int, point: Point) -> Point:
    # [k]P; for the 8 small-order points only k mod 8 matters (much faster).
    return ref.mul(k % 8, point) if point in SMALL_ORDER else ref.mul(k, point)


def _h(*parts: bytes) -> int:
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little")


def _secret_scalar() -> tuple[int, bytes]:
    digest = hashlib.sha512(SECRET).digest()
    a = int.from_bytes(digest[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return a, digest[32:]


def _lenient_decode(data: bytes) -> Point | None:
    # y taken mod p and x = 0 accepted with either sign: what a lax decoder does.
    value = int.from_bytes(data, "little")
    y = (value & ((1 << 255) - 1)) % ref.P
    x = ref.recover_x(y, value >> 255)
    if x is None:
        x = ref.recover_x(y, 0)
    return None if x is None else (x, y)


def _equations(public: bytes, message: bytes, signature: bytes) -> tuple[Any, Any]:
    a = _lenient_decode(public)
    r = _lenient_decode(signature[:32])
    if a is None or r is None:
        return None, None
    s = int.from_bytes(signature[32:], "little")
    k = _h(signature[:32], public, message) % ref.L
    diff = ref.add(ref.mul(s, ref.BASE), ref.neg(ref.add(r, _mul(k, a))))
    return diff == ref.IDENTITY, ref.mul(8, diff) == ref.IDENTITY


def _case(
    name: str, public: bytes, message: bytes, signature: bytes, expected: bool, why: str
) -> dict[str, Any]:
    cofactorless, cofactored = _equations(public, message, signature)
    hexmsg = message.hex()
    return {
        "name": name,
        "why": why,
        "public_key": public.hex(),
        "message": [hexmsg[i : i + 64] for i in range(0, len(hexmsg), 64)],
        "signature": signature.hex(),
        "expected": expected,
        "cofactorless": cofactorless,
        "cofactored": cofactored,
    }


def _sig(r_bytes: bytes, s: int) -> bytes:
    return r_bytes + s.to_bytes(32, "little")


def _order8() -> Point:
    return next(p for p in SMALL_ORDER if ref.mul(4, p) != ref.IDENTITY and p[0] & 1 == 0)


def _with_k(public: bytes, r_bytes: bytes, want: Any, label: bytes = b"k") -> tuple[bytes, int]:
    # The first message "label N" whose k = H(R || A || M) mod L satisfies want(k).
    for counter in range(1000):
        message = label + b" " + str(counter).encode()
        k = _h(r_bytes, public, message) % ref.L
        if want(k):
            return message, k
    raise AssertionError("no message found")


def _small_order_forgery(key: bytes, point: Point) -> tuple[bytes, bytes]:
    # (R, M) with R small-order and R + [k]A = O for k = H(R || A || M).
    for counter in range(100):
        message = b"edge: small-order key " + str(counter).encode()
        for candidate in SMALL_ORDER:
            r_bytes = ref.encode(candidate)
            k = _h(r_bytes, key, message) % ref.L
            if ref.add(candidate, _mul(k, point)) == ref.IDENTITY:
                return r_bytes, message
    raise AssertionError("no forgery found")


def build_cases() -> list[dict[str, Any]]:
    a, prefix = _secret_scalar()
    big_a = ref.mul(a, ref.BASE)
    pub = ref.encode(big_a)
    t8 = _order8()
    identity = ref.encode(ref.IDENTITY)
    cases = []

    def honest(message: bytes, public: bytes = pub) -> tuple[bytes, int, int]:
        r = _h(prefix, message) % ref.L
        r_bytes = ref.encode(ref.mul(r, ref.BASE))
        k = _h(r_bytes, public, message) % ref.L
        return r_bytes, r, k

    msg = b"edge: honest"
    r_bytes, r, k = honest(msg)
    s = (r + k * a) % ref.L
    cases.append(_case("valid", pub, msg, _sig(r_bytes, s), True, "an honest signature"))
    cases.append(
        _case(
            "s-plus-l",
            pub,
            msg,
            _sig(r_bytes, s + ref.L),
            False,
            "S + L: the equation holds ([L]B = O) but S >= L is refused (malleability)",
        )
    )
    cases.append(_case("s-max", pub, msg, _sig(r_bytes, 2**256 - 1), False, "S = 2^256 - 1"))
    cases.append(_case("message-changed", pub, msg + b"!", _sig(r_bytes, s), False, "M + '!'"))

    # R forms for which the *point* equation holds but the encoding or order is wrong.
    non_canonical_identity = (ref.P + 1).to_bytes(32, "little")
    msg = b"edge: R non-canonical"
    k = _h(non_canonical_identity, pub, msg) % ref.L
    cases.append(
        _case(
            "r-non-canonical-identity",
            pub,
            msg,
            _sig(non_canonical_identity, k * a % ref.L),
            False,
            "R = y of p + 1 (the identity, non-canonical), S = k a: [S]B - [k]A = O",
        )
    )
    msg = b"edge: R identity"
    k = _h(identity, pub, msg) % ref.L
    cases.append(
        _case(
            "r-identity",
            pub,
            msg,
            _sig(identity, k * a % ref.L),
            False,
            "R = identity (small order), S = k a: the cofactorless equation holds; "
            "OpenSSL alone accepts it",
        )
    )
    msg = b"edge: R order 8"
    t8_bytes = ref.encode(t8)
    k = _h(t8_bytes, pub, msg) % ref.L
    cases.append(
        _case(
            "r-order-8",
            pub,
            msg,
            _sig(t8_bytes, k * a % ref.L),
            False,
            "R of order 8, S = k a: only the cofactored equation holds",
        )
    )
    msg = b"edge: R mixed order"
    r = _h(prefix, msg) % ref.L
    r_mixed = ref.encode(ref.add(ref.mul(r, ref.BASE), t8))
    k = _h(r_mixed, pub, msg) % ref.L
    cases.append(
        _case(
            "r-mixed-order",
            pub,
            msg,
            _sig(r_mixed, (r + k * a) % ref.L),
            False,
            "R = [r]B + T8, S = r + k a: only the cofactored equation holds",
        )
    )

    # Keys of small order: S = 0 and R = -[k]A (found by trying messages) satisfy
    # the cofactorless equation for *every* such message: one signature, many messages.
    for index, point in enumerate(SMALL_ORDER):
        key = ref.encode(point)
        found = _small_order_forgery(key, point)
        cases.append(
            _case(
                "a-small-order-" + str(index),
                key,
                found[1],
                _sig(found[0], 0),
                False,
                "A of small order, R = -[k]A, S = 0: the cofactorless equation holds",
            )
        )
    msg = b"edge: A non-canonical identity"
    cases.append(
        _case(
            "a-non-canonical-identity",
            (ref.P + 1).to_bytes(32, "little"),
            msg,
            _sig(identity, 0),
            False,
            "A = y of p + 1 (identity, non-canonical), R = identity, S = 0",
        )
    )
    cases.append(
        _case(
            "a-x-zero-sign-bit",
            (1 | 1 << 255).to_bytes(32, "little"),
            msg,
            _sig(identity, 0),
            False,
            "A = identity with the sign bit set, which RFC 8032 5.1.3 rejects",
        )
    )
    r_bytes, r, k = honest(b"edge: bad keys")
    sig = _sig(r_bytes, (r + k * a) % ref.L)
    cases.append(
        _case(
            "a-non-canonical-on-curve",
            (ref.P + 3).to_bytes(32, "little"),
            b"edge: bad keys",
            sig,
            False,
            "A = y of p + 3 (y = 3 is on the curve), not canonical",
        )
    )
    cases.append(
        _case(
            "a-not-a-point",
            (2).to_bytes(32, "little"),
            b"edge: bad keys",
            sig,
            False,
            "A = y of 2, which has no x on the curve",
        )
    )

    # A mixed-order key A' = A + T8 with the secret of A: S = r + k a gives
    # [S]B - [k]A' = R - [k]T8, which is R exactly when 8 divides k.
    mixed = ref.encode(ref.add(big_a, t8))
    for label, want, expected, why in (
        (
            b"edge: mixed key k%8=0",
            lambda kk: kk % 8 == 0,
            True,
            "mixed-order key, 8 | k: both equations hold and verify accepts; "
            "validate_public_key refuses the key",
        ),
        (
            b"edge: mixed key k%8!=0",
            lambda kk: kk % 8 != 0,
            False,
            "mixed-order key, 8 does not divide k: only the cofactored equation holds",
        ),
    ):
        r = _h(prefix, label) % ref.L
        rb = ref.encode(ref.mul(r, ref.BASE))
        message, k = _with_k(mixed, rb, want, label)
        name = "a-mixed-order-k-mod-8-" + ("zero" if expected else "nonzero")
        cases.append(_case(name, mixed, message, _sig(rb, (r + k * a) % ref.L), expected, why))
    return cases


def render(cases: list[dict[str, Any]]) -> str:
    return json.dumps(cases, indent=1) + "\n"


@pytest.fixture(scope="module")
def cases() -> list[dict[str, Any]]:
    return build_cases()


def _bytes(case: dict[str, Any]) -> tuple[bytes, bytes, bytes]:
    return (
        bytes.fromhex(case["public_key"]),
        bytes.fromhex("".join(case["message"])),
        bytes.fromhex(case["signature"]),
    )


def test_file_matches_construction(cases: list[dict[str, Any]]) -> None:
    assert EDGE_FILE.read_text() == render(cases)


def test_both_paths_give_expected_answer(cases: list[dict[str, Any]]) -> None:
    for case in cases:
        public, message, signature = _bytes(case)
        assert ed25519.verify(public, message, signature, portable=True) is case["expected"]
        assert ed25519.verify(public, message, signature) is case["expected"], case["name"]


def test_rules_refuse_cases_the_bare_equation_accepts(cases: list[dict[str, Any]]) -> None:
    # The point of the canonicality and small-order rules: these all satisfy
    # [S]B = R + [k]A as points, yet are refused.
    refused = {c["name"] for c in cases if c["cofactorless"] and not c["expected"]}
    assert {"s-plus-l", "r-non-canonical-identity", "r-identity", "a-x-zero-sign-bit"} <= refused
    assert {"a-small-order-" + str(i) for i in range(8)} <= refused
    # And cofactorless: cases only the cofactored equation accepts are refused.
    only_cofactored = {c["name"] for c in cases if c["cofactored"] and c["cofactorless"] is False}
    assert {"r-order-8", "r-mixed-order", "a-mixed-order-k-mod-8-nonzero"} <= only_cofactored
    assert not any(c["expected"] for c in cases if c["name"] in only_cofactored)


def test_keys_of_the_cases_are_classified(cases: list[dict[str, Any]]) -> None:
    reasons = {}
    for case in cases:
        public = bytes.fromhex(case["public_key"])
        try:
            ed25519.validate_public_key(public)
            reasons[case["name"]] = "ok"
        except Ed25519Error as exc:
            reasons[case["name"]] = exc.reason
    assert reasons["valid"] == "ok"
    assert reasons["a-mixed-order-k-mod-8-zero"] == "not-prime-order"
    assert reasons["a-non-canonical-identity"] == "non-canonical"
    assert reasons["a-non-canonical-on-curve"] == "non-canonical"
    assert reasons["a-x-zero-sign-bit"] == "not-a-point"
    assert reasons["a-not-a-point"] == "not-a-point"
    for i in range(8):
        assert reasons["a-small-order-" + str(i)] == "small-order"


def openssl_alone_table() -> str:
    """Each case's answer from our verify and from OpenSSL without our prechecks."""
    from iotedge.core._compat import fast_ed25519_verify

    lines = ["| case | ours | OpenSSL alone |", "|---|---|---|"]
    for case in json.loads(EDGE_FILE.read_text()):
        public, message, signature = _bytes(case)
        openssl = fast_ed25519_verify(public, message, signature)
        lines.append(f"| `{case['name']}` | {case['expected']} | {openssl} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:] == ["--openssl"]:
        print(openssl_alone_table())
    else:
        EDGE_FILE.write_text(render(build_cases()))
        print("wrote", EDGE_FILE)
