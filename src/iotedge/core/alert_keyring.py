"""The alert keyring: which key ids a badge trusts, for what, and until when.

A keyring maps a key id (1..255) to a key: an HMAC secret or an Ed25519 public
key, the message types that key may sign, a validity window (unix seconds) and a
revoked flag. Rotation is by key id: a venue adds the new id, the signer moves to
it, and the old id is revoked (by a signed revoke frame, or in the file).

The file is plain UTF-8 text so that the same parser (this module, no ``json``)
reads it on CPython and on a board::

    # comments and blank lines are ignored
    iotedge-alert-keyring 1
    company 0xffff
    key 1 hmac 00112233...(64 hex digits) types=alert,info,schedule,time,led,revoke
    key 2 ed25519 d75a9801...(64 hex digits) types=all not-before=1767225600 not-after=0
    key 3 hmac 8899aabb... types=alert revoked

Fields after the key: ``types=`` (comma-separated names, or ``all``), optional
``not-before=`` and ``not-after=`` (unix seconds, 0 = unbounded) and the bare word
``revoked``. Unknown words are refused, so a typo never silently widens a key.
"""

import binascii

from ._compat import const
from .alert_messages import ALL_TYPES_MASK, TYPE_CODES, TYPE_NAMES
from .errors import KeyringError

MAGIC = "iotedge-alert-keyring"
_FORMAT_VERSION = const(1)
_MIN_HMAC_KEY = const(16)
_ED25519_KEY_LEN = const(32)

# Private copies of alert_frame's numbers: a badge loads this module, never
# alert_frame (tests/test_alert_layout.py pins them to alert_frame's).
_SCHEME_HMAC = const(0)
_SCHEME_ED25519 = const(1)
_SCHEME_NAMES = ("hmac", "ed25519")
_DEFAULT_COMPANY = const(0xFFFF)


def types_mask(names: "list[str]") -> int:
    """Bit mask (bit = type code) of a list of type names; ``["all"]`` is every type."""
    mask = 0
    for name in names:
        if name == "all":
            mask |= ALL_TYPES_MASK
        elif name in TYPE_CODES:
            mask |= 1 << TYPE_CODES[name]
        else:
            raise KeyringError("unknown-type", "message type " + repr(name))
    return mask


def type_names(mask: int) -> "list[str]":
    names = []
    for code in sorted(TYPE_NAMES):
        if mask >> code & 1:
            names.append(TYPE_NAMES[code])
    return names


def _check_ed25519_key(material: bytes) -> None:
    # Per-signature checks cannot see a small-order component in a public key, and
    # with one the verdict depends on the verifier (cofactored or not): refuse such
    # keys once, at load. Imported here so HMAC-only badges never load Ed25519.
    from .ed25519 import validate_public_key
    from .errors import Ed25519Error

    try:
        validate_public_key(material)
    except Ed25519Error as exc:
        raise KeyringError("bad-key", "Ed25519 public key refused: " + exc.reason) from None


class KeyEntry:
    """One trusted key. ``material`` is the HMAC key or the Ed25519 public key."""

    def __init__(
        self,
        key_id: int,
        scheme: int,
        material: bytes,
        types: int = ALL_TYPES_MASK,
        not_before: int = 0,
        not_after: int = 0,
        revoked: bool = False,
    ) -> None:
        if key_id < 1 or key_id > 255:
            raise KeyringError("bad-key-id", "key id must be 1..255, got " + str(key_id))
        if scheme == _SCHEME_HMAC:
            if len(material) < _MIN_HMAC_KEY:
                raise KeyringError("short-key", "HMAC keys are at least 16 bytes")
        elif scheme == _SCHEME_ED25519:
            if len(material) != _ED25519_KEY_LEN:
                raise KeyringError("bad-key", "an Ed25519 public key is 32 bytes")
            _check_ed25519_key(material)
        else:
            raise KeyringError("bad-scheme", "scheme " + str(scheme))
        if types & ~ALL_TYPES_MASK or types == 0:
            raise KeyringError("bad-types", "allowed types mask " + str(types))
        if not_before < 0 or not_after < 0 or (not_after and not_after < not_before):
            raise KeyringError("bad-window", "validity window is empty or negative")
        self.key_id = key_id
        self.scheme = scheme
        self.material = bytes(material)
        self.types = types
        self.not_before = not_before
        self.not_after = not_after
        self.revoked = revoked

    def to_line(self) -> str:
        words = [
            "key",
            str(self.key_id),
            _SCHEME_NAMES[self.scheme],
            str(binascii.hexlify(self.material), "ascii"),
            "types=" + ",".join(type_names(self.types)),
        ]
        if self.not_before:
            words.append("not-before=" + str(self.not_before))
        if self.not_after:
            words.append("not-after=" + str(self.not_after))
        if self.revoked:
            words.append("revoked")
        return " ".join(words)


class Keyring:
    """Key id -> :class:`KeyEntry`, plus the company id the venue's frames use."""

    def __init__(self, company: int = _DEFAULT_COMPANY) -> None:
        if company < 0 or company > 0xFFFF:
            raise KeyringError("bad-company", "company id must be 0..0xffff")
        self.company = company
        self.keys: dict[int, KeyEntry] = {}

    def add(self, entry: KeyEntry) -> None:
        """Add or replace the key with ``entry.key_id``."""
        self.keys[entry.key_id] = entry

    def get(self, key_id: int) -> "KeyEntry | None":
        return self.keys.get(key_id)

    def to_text(self) -> str:
        lines = [MAGIC + " " + str(_FORMAT_VERSION), "company " + hex(self.company)]
        for key_id in sorted(self.keys):
            lines.append(self.keys[key_id].to_line())
        return "\n".join(lines) + "\n"


def _parse_int(word: str, offset: int) -> int:
    try:
        if word.startswith("0x"):
            return int(word[2:], 16)
        return int(word)
    except ValueError:
        raise KeyringError("bad-number", repr(word), offset) from None


def _parse_key(words: "list[str]", offset: int) -> KeyEntry:
    if len(words) < 5:
        raise KeyringError("short-line", "key ID SCHEME HEX types=... expected", offset)
    if words[2] not in _SCHEME_NAMES:
        raise KeyringError("bad-scheme", repr(words[2]), offset)
    try:
        material = binascii.unhexlify(words[3])
    except ValueError:
        raise KeyringError("bad-hex", "key material is not hex", offset) from None
    mask = -1
    not_before = 0
    not_after = 0
    revoked = False
    for word in words[4:]:
        if word == "revoked":
            revoked = True
        elif word.startswith("types="):
            mask = types_mask(word[6:].split(","))
        elif word.startswith("not-before="):
            not_before = _parse_int(word[11:], offset)
        elif word.startswith("not-after="):
            not_after = _parse_int(word[10:], offset)
        else:
            raise KeyringError("unknown-field", repr(word), offset)
    if mask < 0:
        raise KeyringError("no-types", "every key must say which types it may sign", offset)
    try:
        return KeyEntry(
            _parse_int(words[1], offset),
            _SCHEME_NAMES.index(words[2]),
            material,
            mask,
            not_before,
            not_after,
            revoked,
        )
    except KeyringError as exc:
        raise KeyringError(exc.reason, exc.detail, offset) from None


def parse_keyring(data: bytes) -> Keyring:
    """Parse keyring text (bytes as read from the file) into a :class:`Keyring`.

    Raises KeyringError with the byte offset of the offending line.
    """
    try:
        text = str(data, "utf-8")
    except UnicodeError:
        raise KeyringError("bad-text", "keyring is not UTF-8") from None
    ring: Keyring | None = None
    offset = 0
    for line in text.split("\n"):
        here = offset
        offset += len(line) + 1
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if ring is None:
            if words[0] != MAGIC or len(words) != 2 or words[1] != str(_FORMAT_VERSION):
                raise KeyringError("bad-magic", "first line must be '" + MAGIC + " 1'", here)
            ring = Keyring()
        elif words[0] == "company" and len(words) == 2:
            if ring.keys:
                raise KeyringError("late-company", "company must come before the keys", here)
            try:
                ring = Keyring(_parse_int(words[1], here))
            except KeyringError as exc:
                raise KeyringError(exc.reason, exc.detail, here) from None
        elif words[0] == "key":
            entry = _parse_key(words, here)
            if entry.key_id in ring.keys:
                raise KeyringError("duplicate-key", "key id " + str(entry.key_id), here)
            ring.add(entry)
        else:
            raise KeyringError("unknown-line", repr(words[0]), here)
    if ring is None:
        raise KeyringError("empty", "no keyring header")
    return ring
