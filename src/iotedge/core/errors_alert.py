"""Signed alert, keyring and Ed25519 errors.

Import them from :mod:`iotedge.core.errors`, which loads this module on first use.
"""

from .errors import IotEdgeError


class AlertError(IotEdgeError):
    """A signed alert frame was refused: malformed, unknown key, forged, replayed or expired.

    ``reason`` is one of the receiver's stable codes (see docs/alerts.md), e.g.
    ``"bad-tag"``, ``"duplicate"``, ``"key-revoked"``.
    """


class KeyringError(IotEdgeError):
    """An alert keyring file or key entry is malformed or inconsistent."""


class Ed25519Error(IotEdgeError):
    """An Ed25519 key, secret or signature is not bytes or has the wrong length, or a
    public key failed :func:`iotedge.core.ed25519.validate_public_key`.

    A signature that merely does not verify is not an error: ``verify`` returns False.
    ``reason``: ``"bad-type"``, ``"bad-length"``, ``"non-canonical"``, ``"not-a-point"``,
    ``"small-order"``, ``"not-prime-order"``.
    """
