"""Typed errors of the portable core.

Every error the core raises for bad input is a subclass of :class:`IotEdgeError`,
itself a ``ValueError``, so callers can catch one type for "the bytes were bad".
The core never uses ``assert`` for validation: frozen MicroPython builds strip it.

Each error carries:

* ``reason``: a short, stable, machine-readable code (``"zero-length"``,
  ``"overrun"``, ``"bad-mic"``, ...). Tests and callers match on it, never on text.
* ``detail``: a human sentence with the numbers that explain it.
* ``offset``: the byte offset where the problem was found, or -1.

The string form is ``"<reason>: <detail> (at byte N)"``.
"""


class IotEdgeError(ValueError):
    """Base class: the bytes, fields or keys given to the core were not acceptable."""

    def __init__(self, reason: str, detail: str = "", offset: int = -1) -> None:
        msg = reason
        if detail:
            msg = reason + ": " + detail
        if offset >= 0:
            msg = msg + " (at byte " + str(offset) + ")"
        super().__init__(msg)
        self.reason = reason
        self.detail = detail
        self.offset = offset


class ADError(IotEdgeError):
    """Advertising data (length-type-value structures) is malformed."""


class AdvertBudgetError(IotEdgeError):
    """Building advertising data would exceed the legacy (31) or extended (254) budget."""


class BTHomeError(IotEdgeError):
    """BTHome v2 service data is malformed or cannot be encoded."""


class UnknownObjectError(BTHomeError):
    """Strict decoding met a BTHome object id that is not in the object table."""


class EncodeError(IotEdgeError):
    """A field given to an encoder is missing, of the wrong kind or out of range."""


class DecryptError(IotEdgeError):
    """Decryption failed: wrong key, tampered bytes (MIC mismatch) or missing key."""


class ReplayError(IotEdgeError):
    """A counter did not move forward: the frame is a replay or out of order."""


class CipherParamError(IotEdgeError):
    """An AES or AES-CCM parameter is unusable: key, block, nonce or tag length, data size."""


# The errors of the codecs and ciphers above are defined here. Those of the other
# domains (DHT sensor, alerts, presence, gateway) live in small errors_* modules
# loaded on first use through PEP 562's module __getattr__, which MicroPython has
# too. A class costs about 250 bytes of heap on the 64-bit unix port, and a job
# needs the classes of its own domain only (docs/micropython.md, "Heap margin").
# ``from iotedge.core.errors import AlertError`` works as before.
# (name tuples, then the module for each tuple, in the same order; names of 11
# characters or more are plain strings on MicroPython, not interned qstrs).
# For type checkers, errors.pyi declares every class.
_LAZY = (
    (
        "DHTError",
        "DHTNoResponseError",
        "DHTPulseError",
        "DHTChecksumError",
        "DHTRangeError",
        "DHTTooSoonError",
    ),
    ("AlertError", "KeyringError", "Ed25519Error"),
    ("PresenceError", "SimulationError"),
    ("SerialFrameError", "PayloadError", "NodeConfError", "ConfigError"),
)


def __getattr__(name: str) -> "type[IotEdgeError]":
    if name in _LAZY[0]:
        from . import errors_dht as home
    elif name in _LAZY[1]:
        from . import errors_alert as home  # type: ignore[no-redef]
    elif name in _LAZY[2]:
        from . import errors_presence as home  # type: ignore[no-redef]
    elif name in _LAZY[3]:
        from . import errors_gateway as home  # type: ignore[no-redef]
    else:
        raise AttributeError("module 'iotedge.core.errors' has no attribute '" + name + "'")
    cls: type[IotEdgeError] = getattr(home, name)
    globals()[name] = cls  # later lookups find it without this function
    return cls
