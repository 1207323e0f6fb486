"""What authenticates an alert frame: HMAC-SHA256 on ``hashlib``, Ed25519's input.

MicroPython has ``hashlib.sha256`` but no ``hmac`` module and no ``copy()`` on a
hash object, so this is RFC 2104 by hand: the padded key XOR ipad/opad is computed
once per key (:class:`HmacKey`) and each tag costs two short SHA-256 runs.

What is authenticated (domain separation, docs/alerts.md):

    HMAC-SHA256(key, LABEL || company id (2 bytes, little endian) || frame header
                     || key id || counter || [fragment byte] || body)

truncated to the first 8 bytes. The label keeps these tags from ever being valid
for another protocol that shares a key; the company id binds a frame to one venue's
namespace. LABEL || company id are folded into the precomputed inner prefix, so the
per-frame input is just the frame bytes without the tag, exactly as they sit in the
advert (gateways relay the bytes unchanged; the advertiser address is not signed).

Ed25519 messages sign the same label and company id, then the header fields and
the whole reassembled body (:func:`ed25519_signed_input`). Both the back-end
(alert_sign) and the badge (alert_receiver) build it, so it lives here, in a module
a badge loads anyway.
"""

import hashlib
import struct

from ._compat import const

TAG_LEN = const(8)
# Fixed label of every alert MAC and signature; 16 bytes so that ipad (64) + label
# + company id + the longest unfragmented input (16) stays within two SHA-256 blocks.
LABEL = b"iotedge/alert/v1"
_BLOCK = const(64)


def _pads(key: bytes) -> "tuple[bytes, bytes]":
    """RFC 2104's key blocks: the key (hashed when longer than a block) XOR ipad, XOR opad."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    inner = bytearray(b"\x36" * _BLOCK)
    outer = bytearray(b"\x5c" * _BLOCK)
    for i in range(len(key)):
        inner[i] ^= key[i]
        outer[i] ^= key[i]
    return bytes(inner), bytes(outer)


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """Full 32-byte HMAC-SHA256 (RFC 2104) of ``data`` under ``key``."""
    ipad_key, opad_key = _pads(key)
    inner = hashlib.sha256(ipad_key)
    inner.update(data)
    outer = hashlib.sha256(opad_key)
    outer.update(inner.digest())
    return outer.digest()


def derive_key(master: bytes, scheme: int, key_id: int) -> bytes:
    """32-byte key (HMAC key, or Ed25519 seed) for one key id, derived from a master secret.

    A signer that loses its counter state moves to the next key id; deriving each
    id's key from one master lets a venue provision several ids at once.
    """
    return hmac_sha256(master, b"iotedge/alert/key/v1" + bytes([scheme, key_id]))


class HmacKey:
    """A key ready for the hot path: the two padded prefixes computed once."""

    def __init__(self, key: bytes, company: int) -> None:
        ipad_key, self.outer_prefix = _pads(key)
        self.inner_prefix = ipad_key + LABEL + struct.pack("<H", company)

    def digest(self, data: "bytes | memoryview") -> bytes:
        """Full HMAC-SHA256 over LABEL || company || ``data``."""
        h = hashlib.sha256(self.inner_prefix)
        h.update(data)
        o = hashlib.sha256(self.outer_prefix)
        o.update(h.digest())
        return o.digest()

    def tag(self, data: "bytes | memoryview") -> bytes:
        """The 8-byte tag of ``data`` (a frame without its tag)."""
        return self.digest(data)[:TAG_LEN]

    def check(self, data: "bytes | memoryview", frame: "bytes | memoryview", tag_at: int) -> bool:
        """True when ``frame[tag_at:tag_at + 8]`` is the tag of ``data``.

        The comparison looks at all 8 bytes whatever they hold (two 32-bit XORs),
        so its time does not tell how many leading bytes were right.
        """
        d = self.digest(data)
        a0, a1 = struct.unpack_from("<II", frame, tag_at)
        b0, b1 = struct.unpack_from("<II", d, 0)
        diff: int = (a0 ^ b0) | (a1 ^ b1)
        return diff == 0


def ed25519_signed_input(
    company: int, vt: int, key_id: int, counter: int, last: int, body: "bytes | memoryview"
) -> bytes:
    """What the back-end signs: LABEL || company || VT || key id || counter || last || body."""
    return LABEL + struct.pack("<HBBIB", company, vt, key_id, counter, last) + bytes(body)
