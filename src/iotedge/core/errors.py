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


class DHTError(IotEdgeError):
    """A DHT22/AM2302 reading failed. Every DHT backend raises only these."""


class DHTNoResponseError(DHTError):
    """The sensor did not answer the start signal (wiring, power, pull-up)."""


class DHTPulseError(DHTError):
    """The pulse train was unusable: too few pulses or a pulse of impossible width."""


class DHTChecksumError(DHTError):
    """The 5th byte is not the low byte of the sum of the first four."""


class DHTRangeError(DHTError):
    """A decoded value is outside the sensor's range (0-100 %RH, -40..80 C)."""


class DHTTooSoonError(DHTError):
    """A read was asked for before the sensor's 2 s minimum interval had passed."""


class SerialFrameError(IotEdgeError):
    """A serial bridge frame is corrupt (bad CRC, bad syntax, bad field)."""


class AlertError(IotEdgeError):
    """A signed alert frame was refused: malformed, unknown key, forged, replayed or expired.

    ``reason`` is one of the receiver's stable codes (see docs/alerts.md), e.g.
    ``"bad-tag"``, ``"duplicate"``, ``"key-revoked"``.
    """


class KeyringError(IotEdgeError):
    """An alert keyring file or key entry is malformed or inconsistent."""


class PresenceError(IotEdgeError):
    """A venue description, an RSSI report or a presence estimator setting is invalid."""


class SimulationError(IotEdgeError):
    """A virtual-venue scenario or parameter is unknown or out of its range."""


class PayloadError(IotEdgeError):
    """An MQTT payload (report batch, status, command) is malformed or of the wrong version.

    ``reason``: ``"not-json"``, ``"bad-envelope"``, ``"bad-version"``, ``"bad-field"``.
    """


class NodeConfError(IotEdgeError):
    """A NodeConf EU 2018 badge or gateway frame (company 0x0590) is malformed.

    ``reason``: ``"not-nodeconf"``, ``"bad-json"``, ``"unknown-type"``, ``"bad-length"``.
    """


class Ed25519Error(IotEdgeError):
    """An Ed25519 key, secret or signature is not bytes or has the wrong length, or a
    public key failed :func:`iotedge.core.ed25519.validate_public_key`.

    A signature that merely does not verify is not an error: ``verify`` returns False.
    ``reason``: ``"bad-type"``, ``"bad-length"``, ``"non-canonical"``, ``"not-a-point"``,
    ``"small-order"``, ``"not-prime-order"``.
    """


class ConfigError(IotEdgeError):
    """A gateway configuration file or command-line setting is invalid.

    ``reason``: ``"bad-toml"``, ``"unknown-key"``, ``"bad-type"``, ``"bad-value"``,
    ``"missing"``; ``detail`` names the setting (``section.key``).
    """
