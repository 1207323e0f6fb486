"""The signed alert frame: layout, building (signer side) and locating it in an advert.

Every frame is one legacy 31-byte advertisement (docs/alerts.md, byte by byte)::

    02 01 06                 flags AD (LE general discoverable, BR/EDR not supported)
    LL FF CC CC              manufacturer-specific AD, company id CC CC (little endian)
    VT                       version (bits 7-6 = 01), F = fragmented (bit 5),
                             S = scheme (bit 4: 0 HMAC, 1 Ed25519), type (bits 3-0)
    KK                       key id (1..255)
    NN NN NN NN              counter = message id (uint32 little endian, >= 1)
    [FR]                     only when F: fragment index (high nibble), last index (low)
    body or body chunk
    TT x 8                   HMAC scheme only: the 8-byte tag

The payload (from VT on) is at most 24 bytes, so an HMAC frame carries up to 10
body bytes unfragmented and 9 per fragment, an Ed25519 fragment 17 (no per-frame
tag; the 64-byte signature travels at the end of the reassembled data).

Company id: 0xFFFF by default, the value the Bluetooth SIG keeps for tests and
for products without an assigned id; a venue with its own id puts it in the
keyring. 0x0590, which NodeConf's 2018 gateways used, is an assigned id of another
member, and NodeConf decoders would read our frames as their type bytes, so it is
not reused.

This module is the documented home of the layout numbers, for the back-end
(alert_sign) and tools. A badge never loads it: the modules a badge loads
(alert_receiver, alert_keyring) keep private ``const`` copies of the few numbers
they need, which MicroPython folds into their bytecode at no RAM cost, and
tests/test_alert_layout.py pins every copy to the value here.
"""

import struct

from ._compat import const
from .errors import AlertError

DEFAULT_COMPANY = const(0xFFFF)
NODECONF_COMPANY = const(0x0590)

VERSION = const(1)
VT_VERSION_MASK = const(0xC0)
VT_VERSION_BITS = const(0x40)  # VERSION << 6
VT_FRAGMENT = const(0x20)
VT_ED25519 = const(0x10)
VT_TYPE_MASK = const(0x0F)

SCHEME_HMAC = const(0)
SCHEME_ED25519 = const(1)
SCHEME_NAMES = ("hmac", "ed25519")

SIG_LEN = const(64)
FLAGS_AD = b"\x02\x01\x06"
ADVERT_BUDGET = const(31)
# 31 - flags AD (3) - manufacturer AD length, type and company id (4).
MAX_PAYLOAD = const(24)
HEADER_LEN = const(6)  # VT, key id, counter
FRAG_HEADER_LEN = const(7)  # + fragment byte
MAX_FRAGMENTS = const(16)
HMAC_SINGLE_BODY = const(10)  # MAX_PAYLOAD - HEADER_LEN - TAG_LEN
HMAC_CHUNK = const(9)  # MAX_PAYLOAD - FRAG_HEADER_LEN - TAG_LEN
ED25519_CHUNK = const(17)  # MAX_PAYLOAD - FRAG_HEADER_LEN
MAX_COUNTER = const(0xFFFFFFFF)


def chunk_size(scheme: int) -> int:
    """Bytes of body (or body + signature) each full fragment carries."""
    return ED25519_CHUNK if scheme == SCHEME_ED25519 else HMAC_CHUNK


def max_message_len(scheme: int) -> int:
    """Largest reassembled data (body, plus the signature for Ed25519)."""
    return MAX_FRAGMENTS * chunk_size(scheme)


def vt_byte(msg_type: int, scheme: int, fragmented: bool) -> int:
    vt = VT_VERSION_BITS | (msg_type & VT_TYPE_MASK)
    if fragmented:
        vt |= VT_FRAGMENT
    if scheme == SCHEME_ED25519:
        vt |= VT_ED25519
    return vt


class FrameHeader:
    """The cleartext header of one frame, read without any key (for tools and logs)."""

    def __init__(self, payload: "bytes | memoryview") -> None:
        n = len(payload)
        if n < HEADER_LEN:
            raise AlertError("short", "payload of " + str(n) + " bytes", n)
        vt = payload[0]
        if vt & VT_VERSION_MASK != VT_VERSION_BITS:
            raise AlertError("bad-version", "version bits " + str(vt >> 6), 0)
        self.msg_type = vt & VT_TYPE_MASK
        self.scheme = SCHEME_ED25519 if vt & VT_ED25519 else SCHEME_HMAC
        self.fragmented = bool(vt & VT_FRAGMENT)
        self.key_id = payload[1]
        self.counter = struct.unpack_from("<I", payload, 2)[0]
        self.index = 0
        self.last = 0
        if self.fragmented:
            if n < FRAG_HEADER_LEN:
                raise AlertError("short", "fragment without its fragment byte", n)
            self.index = payload[6] >> 4
            self.last = payload[6] & 0x0F
