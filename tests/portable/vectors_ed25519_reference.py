"""Independent Ed25519 reference arithmetic, used only to derive test vectors.

Short and plain, sharing no code with ``iotedge.core.ed25519`` (completed
coordinates, NAF windows, byte tables), so the two can check each other:
:func:`add` is the affine addition law of RFC 8032 section 5.1.4 (one inversion
per addition); :func:`mul` is double-and-add with the unified extended-coordinate
addition of RFC 8032 section 6 (point_add, also used for doubling) and one
inversion at the end. Runs on CPython and MicroPython.
"""

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
IDENTITY = (0, 1)


def inv(x):
    return pow(x, P - 2, P)


def add(p1, p2):
    """Affine point addition (the complete Edwards addition law, a = -1)."""
    x1, y1 = p1
    x2, y2 = p2
    t = D * x1 * x2 * y1 * y2 % P
    return ((x1 * y2 + x2 * y1) * inv(1 + t) % P, (y1 * y2 + x1 * x2) * inv(1 - t) % P)


def neg(point):
    return ((-point[0]) % P, point[1])


def _add_extended(p1, p2):
    # RFC 8032 section 6 point_add on (X, Y, Z, T) with x = X/Z, y = Y/Z, xy = T/Z.
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def mul(k, point):
    """[k]point by double-and-add (k >= 0)."""
    x, y = point
    q = (x, y, 1, x * y % P)
    result = (0, 1, 1, 0)
    while k:
        if k & 1:
            result = _add_extended(result, q)
        q = _add_extended(q, q)
        k >>= 1
    zinv = inv(result[2])
    return (result[0] * zinv % P, result[1] * zinv % P)


def recover_x(y, sign):
    """x with the given sign bit for y (RFC 8032 5.1.3), or None when y is not on the curve."""
    if y >= P:
        return None
    x2 = (y * y - 1) * inv(D * y * y + 1) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return x


def encode(point):
    x, y = point
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def decode(data):
    value = int.from_bytes(data, "little")
    y = value & ((1 << 255) - 1)
    x = recover_x(y, value >> 255)
    return None if x is None else (x, y)


BASE = (recover_x(4 * inv(5) % P, 0), 4 * inv(5) % P)


def small_order_points():
    """The 8 points of order dividing 8: identity, (0, -1), (+-sqrt(-1), 0), 4 of order 8."""
    # An order-8 point has [2]P of order 4, i.e. y([2]P) = 0, so x^2 = -y^2; on the
    # curve that gives d y^4 + 2 y^2 - 1 = 0: y^2 = (-1 + sqrt(1 + d)) / d for the
    # root that is itself a square.
    points = []
    for r in (pow(1 + D, (P + 3) // 8, P), pow(1 + D, (P + 3) // 8, P) * SQRT_M1 % P):
        if r * r % P != (1 + D) % P:
            continue
        for root in (r, P - r):
            y2 = (root - 1) * inv(D) % P
            y = pow(y2, (P + 3) // 8, P)
            if (y * y - y2) % P:
                y = y * SQRT_M1 % P
            if (y * y - y2) % P:
                continue
            for yy in (y, P - y):
                for sign in (0, 1):
                    x = recover_x(yy, sign)
                    if x is not None and (x, yy) not in points:
                        points.append((x, yy))
    points += [IDENTITY, (0, P - 1), (SQRT_M1, 0), (P - SQRT_M1, 0)]
    return points
