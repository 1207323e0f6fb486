"""BTHome v2 service data: encoding (decoding is in ``bthome``)."""

# Objects are ``[(object_id, raw), ...]`` in ascending id order (equal ids allowed:
# repeated measurements); ``raw`` is the integer on the wire (``to_raw`` converts a
# human value), bytes for raw/command objects, str or bytes for text. Errors:
# ``EncodeError`` (``out-of-order``, ``out-of-range``, ``bad-type``, ``bad-value``,
# ``no-room``) and ``UnknownObjectError``.

import struct

from .bthome import (
    INFO_MAC_INCLUDED,
    INFO_TRIGGER_BASED,
    INFO_VERSION_2,
    VERSION_MASK,
)
from .bthome_objects import (
    KIND_BINARY,
    KIND_COMMAND,
    KIND_SINT,
    KIND_TEXT,
)
from .bthome_parse import SPECS, hex2, load_spec
from .errors import EncodeError, UnknownObjectError

_pack_into = struct.pack_into


def _spec_of(oid: object) -> tuple:  # type: ignore[type-arg]
    if isinstance(oid, int) and 0 <= oid <= 0xFF:
        entry = SPECS[oid] or load_spec(oid)
        if entry is not None:
            return entry
    raise UnknownObjectError("unknown-object", "object id " + str(oid) + " is not in the table")


def _check_raw(oid: int, spec: tuple, raw: object) -> int:  # type: ignore[type-arg]
    # A numeric raw value must be an int that fits the object's bytes.
    if raw is True or raw is False:  # bool is not an int on MicroPython
        if spec[1] == KIND_BINARY:
            return 1 if raw else 0
        raw = None
    if not isinstance(raw, int):
        raise EncodeError("bad-type", "object " + hex2(oid) + " takes an integer")
    top = 1 << (8 * spec[2])
    lo = -(top >> 1) if spec[1] == KIND_SINT else 0
    if not lo <= raw < lo + top:
        raise EncodeError(
            "out-of-range", "object " + hex2(oid) + " raw " + str(raw) + " does not fit"
        )
    return raw


def _payload_bytes(oid: int, spec: tuple, raw: object) -> bytes:  # type: ignore[type-arg]
    # Text takes str or bytes; raw and command objects bytes (a command 1-32 bytes).
    if spec[1] == KIND_TEXT and isinstance(raw, str):
        raw = raw.encode("utf-8")
    if not isinstance(raw, (bytes, bytearray)):
        raise EncodeError("bad-type", "object " + hex2(oid) + " takes bytes")
    n = len(raw)
    if n > 255 or (spec[1] == KIND_COMMAND and not 1 <= n <= 32):
        raise EncodeError("out-of-range", "object " + hex2(oid) + " of " + str(n) + " bytes")
    return bytes(raw)


def encode_into(
    buf: "bytearray | memoryview",
    offset: int,
    objects: "list[tuple[int, object]]",
    device_info: int = INFO_VERSION_2,
) -> int:
    """Write device-info + objects into ``buf`` at ``offset``; return the end offset."""
    # ``objects`` is ``[(object_id, raw), ...]`` in ascending id order (equal ids
    # allowed); ``raw`` is the integer on the wire (see ``to_raw``), bytes for raw
    # and command objects, str or bytes for text. Raises ``EncodeError``
    # (``out-of-order``, ``out-of-range``, ``bad-type``, ``no-room``) and
    # ``UnknownObjectError``.
    if device_info & VERSION_MASK != INFO_VERSION_2 or device_info & INFO_MAC_INCLUDED:
        raise EncodeError("bad-device-info", "device info must say version 2, no MAC included")
    limit = len(buf)
    if offset >= limit:
        raise EncodeError("no-room", "no room for the device info byte", offset)
    buf[offset] = device_info
    pos = offset + 1
    prev = -1
    for oid, raw in objects:
        spec = _spec_of(oid)
        if oid < prev:
            raise EncodeError(
                "out-of-order",
                "object " + hex2(oid) + " after " + hex2(prev) + ": ids must be ascending",
                pos,
            )
        prev = oid
        size = spec[2]
        if size:
            value = _check_raw(oid, spec, raw)
            if pos + 1 + size > limit:
                raise EncodeError("no-room", "buffer too small", pos)
            buf[pos] = oid
            fmt = spec[3]
            if fmt is not None:
                _pack_into(fmt, buf, pos + 1, value)
            else:
                for k in range(size):
                    buf[pos + 1 + k] = (value >> (8 * k)) & 0xFF
            pos += 1 + size
        else:
            body = _payload_bytes(oid, spec, raw)
            n = len(body)
            if pos + 2 + n > limit:
                raise EncodeError("no-room", "buffer too small", pos)
            buf[pos] = oid
            buf[pos + 1] = (n - 1) if spec[1] == KIND_COMMAND else n
            buf[pos + 2 : pos + 2 + n] = body
            pos += 2 + n
    return pos


def encode(
    objects: "list[tuple[int, object]]",
    trigger_based: bool = False,
    key: "bytes | None" = None,
    mac: "bytes | None" = None,
    counter: int = 0,
) -> bytes:
    """Service data (after the UUID) for ``objects``; encrypted when ``key`` is given
    (then ``mac``, the advertiser's address in display order, and ``counter`` are used)."""
    info = INFO_VERSION_2 | (INFO_TRIGGER_BASED if trigger_based else 0)
    size = 1
    for oid, raw in objects:
        spec = _spec_of(oid)
        size += 1 + (spec[2] or 1 + len(_payload_bytes(oid, spec, raw)))
    buf = bytearray(size)
    encode_into(buf, 0, objects, info)
    if key is None:
        return bytes(buf)
    if mac is None:
        raise EncodeError("missing-mac", "encrypting needs the advertiser's MAC")
    from . import bthome_crypto

    return bthome_crypto.encrypt_payload(key, mac, info, bytes(buf[1:]), counter)
