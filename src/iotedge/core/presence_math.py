"""Small float helpers for the presence estimator, portable to MicroPython.

The portable core may not import ``math`` (see tests/test_core_rules.py), so the
few transcendental functions the estimator needs are built from the ``**``
operator (which every Python has) and a short series. They are used when the
model's cached tables are rebuilt, not per advert.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .errors import PresenceError


def exp(x: float) -> float:
    """e**x, clamped so it never overflows (the estimator only needs ratios)."""
    if x < -745.0:
        return 0.0
    if x > 700.0:
        x = 700.0
    y: float = 2.718281828459045**x  # e**x
    return y


def ln(x: float) -> float:
    """Natural logarithm of a positive float (range reduction + atanh series)."""
    if x <= 0.0:
        return -1.0e300
    k = 0
    # Coarse reduction by 2**32 steps keeps the loops short for extreme inputs.
    while x >= 4294967296.0:
        x = x / 4294967296.0
        k += 32
    while x < 2.3283064365386963e-10:
        x = x * 4294967296.0
        k -= 32
    while x >= 2.0:
        x = x * 0.5
        k += 1
    while x < 1.0:
        x = x * 2.0
        k -= 1
    if x > 1.4142135623730951:  # sqrt 2
        x = x * 0.5
        k += 1
    # ln(x) = 2 atanh(t), t = (x - 1) / (x + 1), |t| <= 0.172 here.
    t = (x - 1.0) / (x + 1.0)
    t2 = t * t
    series = 1.0 + t2 * (
        1.0 / 3.0
        + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0 + t2 * (1.0 / 9.0 + t2 * (1.0 / 11.0 + t2 / 13.0))))
    )
    return 2.0 * t * series + k * 0.6931471805599453  # + k ln 2


def log10(x: float) -> float:
    return ln(x) / 2.302585092994046  # ln 10


def softplus(x: float) -> float:
    """ln(1 + e**x) without overflow. ``ln`` is only ever asked for a number in
    (1, 2], where it needs no range reduction (the reduction loop of ln(1 + e**30)
    runs 43 times, and the emission tables call this for every gateway-room pair
    each time a calibration moves)."""
    if x > 30.0:
        return x
    if x < -30.0:
        return exp(x)
    return log_add(x, 0.0)  # for x > 0: x + ln(1 + e^-x)


def log_add(a: float, b: float) -> float:
    """ln(e**a + e**b) without overflow."""
    if a < b:
        a, b = b, a
    return a + ln(1.0 + exp(b - a))


def huber(z: float, c: float) -> float:
    """Negative Huber loss of a standardised residual: a Gaussian log-density
    (up to a constant) whose tails are linear, so one wild reading cannot veto a room."""
    if z < 0.0:
        z = -z
    if z <= c:
        return -0.5 * z * z
    return -c * z + 0.5 * c * c


def huber_low(z: float, c: float) -> float:
    """Like ``huber`` but only readings *below* the expectation get linear tails:
    walls of people and bodies can take 20 dB off a signal, nothing adds 20 dB,
    so a reading far above what a room predicts stays strong evidence against it."""
    if z > 0.0:
        return -0.5 * z * z
    return huber(z, c)


def clamp(x: float, lo: float, hi: float) -> float:
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


def presence_error(reason: str, detail: str) -> "PresenceError":
    """A PresenceError to raise. errors.py is imported here, only once something is
    invalid: it defines every error class of the core, 7 KB of a small board's heap
    that a running estimator never needs."""
    from .errors import PresenceError

    return PresenceError(reason, detail)
