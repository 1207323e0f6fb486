"""The back-end's secret key file and the keyring entries badges get from it.

A key file (JSON, mode 0600, never leaves the back-end) holds one master secret
and the key ids provisioned from it. Each id's key is derived from the master
(``core.alert_auth.derive_key``): the HMAC key itself, or the Ed25519 seed whose
public key goes into the badges' keyring. Provisioning several ids at once is what
lets the signer move to a fresh id when it loses its counter state, without
anyone re-flashing badges::

    {"format": "iotedge-alert-key/1", "scheme": "hmac", "company": 65535,
     "master": "<64 hex digits>", "key_ids": [1, 2, 3, 4], "active": 1,
     "types": ["alert", "info"], "not_before": 0, "not_after": 0}

``active`` changes only when the signer rotates (rare, written atomically).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from iotedge.alerts.files import atomic_write
from iotedge.core.alert_auth import derive_key
from iotedge.core.alert_frame import DEFAULT_COMPANY, SCHEME_ED25519, SCHEME_NAMES
from iotedge.core.alert_keyring import KeyEntry, Keyring, type_names, types_mask
from iotedge.core.errors import KeyringError

KEY_FORMAT = "iotedge-alert-key/1"

# What a new key may sign unless told otherwise: every type but ``revoke``.
# Revocation is persisted by badges, so it is granted only on request, ideally to
# a dedicated Ed25519 key whose private half never leaves the back-end.
DEFAULT_TYPES = ["time", "led", "alert", "info", "schedule"]


def ed25519_public_key(seed: bytes) -> bytes:
    """Public key of a 32-byte Ed25519 seed (the ``cryptography`` package when present)."""
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    except ImportError:  # pragma: no cover - cryptography is in the crypto extra
        from iotedge.core import ed25519

        return ed25519.public_key(seed)
    private = Ed25519PrivateKey.from_private_bytes(seed)
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def ed25519_sign(seed: bytes, message: bytes) -> bytes:
    """RFC 8032 signature (deterministic: both implementations give the same bytes)."""
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    except ImportError:  # pragma: no cover
        from iotedge.core import ed25519

        return ed25519.sign(seed, message)
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


@dataclass
class SigningKey:
    """The contents of a key file."""

    scheme: int
    master: bytes
    key_ids: list[int]
    active: int
    company: int = DEFAULT_COMPANY
    types: int = 0
    not_before: int = 0
    not_after: int = 0
    path: Path | None = field(default=None, compare=False)

    @classmethod
    def generate(
        cls,
        scheme: int,
        first_key_id: int = 1,
        generations: int = 4,
        company: int = DEFAULT_COMPANY,
        types: list[str] | None = None,
        not_before: int = 0,
        not_after: int = 0,
    ) -> SigningKey:
        ids = list(range(first_key_id, first_key_id + generations))
        if not ids or ids[0] < 1 or ids[-1] > 255:
            raise KeyringError("bad-key-id", "key ids must stay within 1..255")
        return cls(
            scheme=scheme,
            master=secrets.token_bytes(32),
            key_ids=ids,
            active=ids[0],
            company=company,
            types=types_mask(types or DEFAULT_TYPES),
            not_before=not_before,
            not_after=not_after,
        )

    def secret(self, key_id: int) -> bytes:
        """The HMAC key or Ed25519 seed of ``key_id``."""
        if key_id not in self.key_ids:
            raise KeyringError("unknown-key", f"key id {key_id} is not in this key file")
        return derive_key(self.master, self.scheme, key_id)

    def keyring_entry(self, key_id: int) -> KeyEntry:
        """What a badge must trust for ``key_id`` (the secret for HMAC, public key else)."""
        material = self.secret(key_id)
        if self.scheme == SCHEME_ED25519:
            material = ed25519_public_key(material)
        return KeyEntry(key_id, self.scheme, material, self.types, self.not_before, self.not_after)

    def add_to_keyring(self, ring: Keyring) -> None:
        if ring.company != self.company:
            raise KeyringError(
                "company-mismatch",
                f"keyring is for company {ring.company:#06x}, key for {self.company:#06x}",
            )
        for key_id in self.key_ids:
            ring.add(self.keyring_entry(key_id))

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": KEY_FORMAT,
                "scheme": SCHEME_NAMES[self.scheme],
                "company": self.company,
                "master": self.master.hex(),
                "key_ids": self.key_ids,
                "active": self.active,
                "types": type_names(self.types),
                "not_before": self.not_before,
                "not_after": self.not_after,
            },
            indent=1,
        )

    def save(self, path: str | os.PathLike[str] | None = None) -> None:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("no path to save the key file to")
        atomic_write(target, (self.to_json() + "\n").encode(), mode=0o600)
        os.chmod(target, 0o600)
        self.path = target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SigningKey:
        target = Path(path)
        try:
            doc = json.loads(target.read_text())
        except (OSError, ValueError) as exc:
            raise KeyringError("bad-key-file", f"{target}: {exc}") from None
        if not isinstance(doc, dict) or doc.get("format") != KEY_FORMAT:
            raise KeyringError("bad-key-file", f"{target}: not an {KEY_FORMAT} file")
        try:
            key = cls(
                scheme=SCHEME_NAMES.index(doc["scheme"]),
                master=bytes.fromhex(doc["master"]),
                key_ids=[int(k) for k in doc["key_ids"]],
                active=int(doc["active"]),
                company=int(doc["company"]),
                types=types_mask(list(doc["types"])),
                not_before=int(doc.get("not_before", 0)),
                not_after=int(doc.get("not_after", 0)),
                path=target,
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise KeyringError("bad-key-file", f"{target}: {exc!r}") from None
        if key.active not in key.key_ids or len(key.master) < 16:
            raise KeyringError("bad-key-file", f"{target}: inconsistent key file")
        return key
