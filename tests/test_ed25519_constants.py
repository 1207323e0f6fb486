"""Every constant of the Ed25519 and SHA-512 code, re-derived from first principles.

The base-point table, curve constants and SHA-512 round constants are literals in
the core (for MicroPython's sake); here each is recomputed from its definition with
independent code, so a typo in a constant cannot hide.
"""

from __future__ import annotations

import struct

import vectors_ed25519_reference as ref

from iotedge.core import ed25519, ed25519_group, sha512


def test_field_and_curve_constants() -> None:
    assert ed25519_group.P == 2**255 - 19
    assert ed25519.L == 2**252 + 27742317777372353535851937790883648493
    # RFC 8032 5.1: d = -121665/121666 mod p.
    assert ed25519_group.D * 121666 % ref.P == (-121665) % ref.P
    assert ed25519_group.D2 == 2 * ed25519_group.D % ref.P
    assert ed25519_group.SQRT_M1 * ed25519_group.SQRT_M1 % ref.P == ref.P - 1
    assert ed25519_group.SQRT_M1 == pow(2, (ref.P - 1) // 4, ref.P)


def test_small_order_y_values() -> None:
    ys = {point[1] for point in ref.small_order_points()}
    assert ys == set(ed25519._SMALL_ORDER_Y)
    for point in ref.small_order_points():
        assert ref.mul(8, point) == ref.IDENTITY


def test_reference_arithmetic_is_consistent() -> None:
    # The reference's two formulas (affine add, extended mul) agree, and B has order L.
    point = ref.IDENTITY
    for k in range(1, 6):
        point = ref.add(point, ref.BASE)
        assert ref.mul(k, ref.BASE) == point
    assert ref.mul(ref.L, ref.BASE) == ref.IDENTITY
    # RFC 8032 5.1: B has y = 4/5 and positive (even) x.
    assert ref.encode(ref.BASE).hex() == "58" + "66" * 31


def test_base_table_is_odd_multiples_of_b_in_niels_form() -> None:
    count = 1 << (ed25519_group.B_WIDTH - 2)
    table = ed25519_group.BASE
    assert len(table) == 96 * count
    two_b = ref.add(ref.BASE, ref.BASE)
    point = ref.BASE
    for j in range(count):
        x, y = point
        want = ((y + x) % ref.P, (y - x) % ref.P, 2 * ref.D * x * y % ref.P)
        got = tuple(
            int.from_bytes(table[96 * j + 32 * i : 96 * j + 32 * (i + 1)], "little")
            for i in range(3)
        )
        assert got == want, 2 * j + 1
        point = ref.add(point, two_b)


def _primes(n: int) -> list[int]:
    found: list[int] = []
    candidate = 2
    while len(found) < n:
        if all(candidate % q for q in found):
            found.append(candidate)
        candidate += 1
    return found


def _iroot(n: int, k: int) -> int:
    x = 1 << ((n.bit_length() + k - 1) // k)
    while True:
        y = ((k - 1) * x + n // x ** (k - 1)) // k
        if y >= x:
            return x
        x = y


def test_sha512_constants_from_the_primes() -> None:
    # FIPS 180-4 4.2.3 and 5.3.5: the first 64 bits of the fractional parts of the
    # cube roots of the first 80 primes, and of the square roots of the first 8.
    primes = _primes(80)
    mask = 2**64 - 1
    k = [_iroot(q << 192, 3) & mask for q in primes]
    iv = [_iroot(q << 128, 2) & mask for q in primes[:8]]
    assert list(struct.unpack(">80Q", sha512._K)) == k
    assert list(struct.unpack(">8Q", sha512._IV)) == iv


def test_group_arithmetic_matches_reference() -> None:
    # straus() of the core against plain double-and-add, for scalars at the edges.
    for scalar in (1, 2, 3, 31, 32, 33, 2**252, ref.L - 1, 0x1234567890ABCDEF << 180):
        x, y, z = ed25519_group.straus(
            ed25519_group.wnaf(scalar, ed25519_group.B_WIDTH), bytearray(256), []
        )
        want = ref.mul(scalar, ref.BASE)
        zinv = pow(z, ref.P - 2, ref.P)
        assert (x * zinv % ref.P, y * zinv % ref.P) == want, scalar
