"""Building alert frames: the back-end's half of alert_frame (a badge never loads it).

``build_hmac_frames`` and ``build_ed25519_frames`` turn a message body into the
adverts to broadcast, each a full 31-byte-or-shorter advertising data block.
"""

import struct

from .alert_auth import HmacKey, ed25519_signed_input
from .alert_frame import (
    DEFAULT_COMPANY,
    ED25519_CHUNK,
    FLAGS_AD,
    HMAC_CHUNK,
    HMAC_SINGLE_BODY,
    MAX_COUNTER,
    MAX_FRAGMENTS,
    MAX_PAYLOAD,
    SCHEME_ED25519,
    SCHEME_HMAC,
    SIG_LEN,
    vt_byte,
)
from .errors import EncodeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable


def wrap_advert(payload: bytes, company: int = DEFAULT_COMPANY) -> bytes:
    """Full advertising data: flags AD then the manufacturer AD holding ``payload``."""
    if len(payload) > MAX_PAYLOAD:
        raise EncodeError("too-long", "alert payload over 24 bytes: " + str(len(payload)))
    return FLAGS_AD + struct.pack("<BBH", len(payload) + 3, 0xFF, company) + payload


def _check_header(key_id: int, counter: int) -> None:
    if key_id < 1 or key_id > 255:
        raise EncodeError("out-of-range", "key id must be 1..255")
    if counter < 1 or counter > MAX_COUNTER:
        raise EncodeError("out-of-range", "counter must be 1..2**32-1")


def split(data: bytes, size: int) -> "list[bytes]":
    """Cut ``data`` into ``size``-byte fragments (the last may be shorter), at most 16."""
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    if len(parts) > MAX_FRAGMENTS:
        raise EncodeError("too-long", "message needs " + str(len(parts)) + " fragments, at most 16")
    return parts


def build_hmac_frames(
    key: HmacKey,
    key_id: int,
    counter: int,
    msg_type: int,
    body: bytes,
    company: int = DEFAULT_COMPANY,
) -> "list[bytes]":
    """Adverts (full AD bytes) carrying ``body``, each with its own 8-byte tag.

    ``key`` must have been made for the same ``company``. A body of up to 10 bytes
    fits one unfragmented frame; longer bodies become up to 16 fragments of 9 bytes,
    every one authenticated on its own (its index and the last index are under the
    tag), so fragments of different messages or positions cannot be spliced.
    """
    _check_header(key_id, counter)
    if len(body) <= HMAC_SINGLE_BODY:
        head = struct.pack("<BBI", vt_byte(msg_type, SCHEME_HMAC, False), key_id, counter)
        signed = head + body
        return [wrap_advert(signed + key.tag(signed), company)]
    parts = split(body, HMAC_CHUNK)
    last = len(parts) - 1
    vt = vt_byte(msg_type, SCHEME_HMAC, True)
    frames = []
    for index, part in enumerate(parts):
        signed = struct.pack("<BBIB", vt, key_id, counter, (index << 4) | last) + part
        frames.append(wrap_advert(signed + key.tag(signed), company))
    return frames


def build_ed25519_frames(
    sign: "Callable[[bytes], bytes]",
    key_id: int,
    counter: int,
    msg_type: int,
    body: bytes,
    company: int = DEFAULT_COMPANY,
) -> "list[bytes]":
    """Adverts carrying ``body`` then its 64-byte Ed25519 signature, in 17-byte fragments.

    ``sign(message) -> signature`` holds the secret (the back-end's); the number of
    fragments is fixed before signing because the last index is signed too.
    """
    _check_header(key_id, counter)
    total = len(body) + SIG_LEN
    last = (total + ED25519_CHUNK - 1) // ED25519_CHUNK - 1
    if last >= MAX_FRAGMENTS:
        raise EncodeError("too-long", "message needs more than 16 fragments")
    vt = vt_byte(msg_type, SCHEME_ED25519, True)
    signature = sign(ed25519_signed_input(company, vt, key_id, counter, last, body))
    if len(signature) != SIG_LEN:
        raise EncodeError("bad-signature", "an Ed25519 signature is 64 bytes")
    frames = []
    for index, part in enumerate(split(body + signature, ED25519_CHUNK)):
        head = struct.pack("<BBIB", vt, key_id, counter, (index << 4) | last)
        frames.append(wrap_advert(head + part, company))
    return frames
