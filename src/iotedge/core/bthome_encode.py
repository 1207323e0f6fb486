"""BTHome v2 service data: encoding (decoding is in ``bthome``)."""

# Objects are ``[(object_id, raw), ...]`` in ascending id order (equal ids allowed:
# repeated measurements); ``raw`` is the integer on the wire (``to_raw`` converts a
# human value), bytes for raw/command objects, str or bytes for text. Errors:
# ``EncodeError`` (``out-of-order``, ``out-of-range``, ``bad-type``, ``bad-value``,
# ``no-room``) and ``UnknownObjectError``.

import struct

from .ad import AD_SERVICE_DATA16, FLAGS_GENERAL_LE_ONLY
from .bthome import (
    INFO_MAC_INCLUDED,
    INFO_TRIGGER_BASED,
    INFO_VERSION_2,
    UUID16,
    VERSION_MASK,
)
from .bthome_objects import (
    KIND_BINARY,
    KIND_COMMAND,
    KIND_SINT,
    KIND_TEXT,
    rows,
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


def object_id_for(name: str) -> int:
    """The lowest object id with this name (e.g. ``"temperature"`` -> 0x02)."""
    for row in rows():
        if row[1] == name:
            return row[0]
    raise UnknownObjectError("unknown-object", "no object is named " + repr(name))


def _check_raw(oid: int, spec: tuple, raw: object) -> int:  # type: ignore[type-arg]
    """Validate a numeric raw value and return it (EncodeError when it does not fit)."""
    if raw is True or raw is False:
        # bool is not an int on MicroPython; only binary sensors take one.
        if spec[1] != KIND_BINARY:
            raise EncodeError(
                "bad-type", "object " + hex2(oid) + " (" + spec[0] + ") takes an integer"
            )
        return 1 if raw else 0
    if not isinstance(raw, int):
        raise EncodeError(
            "bad-type", "object " + hex2(oid) + " (" + spec[0] + ") takes an integer raw value"
        )
    value = raw
    bits = 8 * spec[2]
    if spec[1] == KIND_SINT:
        lo = -(1 << (bits - 1))
        hi = (1 << (bits - 1)) - 1
    else:
        lo = 0
        hi = (1 << bits) - 1
    if not lo <= value <= hi:
        raise EncodeError(
            "out-of-range",
            "object "
            + hex2(oid)
            + " ("
            + spec[0]
            + ") raw "
            + str(value)
            + " is outside "
            + str(lo)
            + ".."
            + str(hi),
        )
    return value


def _payload_bytes(oid: int, spec: tuple, raw: object) -> bytes:  # type: ignore[type-arg]
    kind = spec[1]
    if kind == KIND_TEXT and isinstance(raw, str):
        raw = raw.encode("utf-8")
    if not isinstance(raw, (bytes, bytearray)):
        raise EncodeError("bad-type", "object " + hex2(oid) + " (" + spec[0] + ") takes bytes")
    n = len(raw)
    if kind == KIND_COMMAND:
        if not 1 <= n <= 32:
            raise EncodeError("out-of-range", "a command is an opcode and at most 31 arguments")
    elif n > 255:
        raise EncodeError("out-of-range", spec[0] + " object of " + str(n) + " bytes exceeds 255")
    return bytes(raw)


def encoded_size(objects: "list[tuple[int, object]]") -> int:
    """Bytes the objects take after the device-info byte (before encryption)."""
    total = 0
    for oid, raw in objects:
        spec = _spec_of(oid)
        if spec[2]:
            total += 1 + spec[2]
        else:
            total += 2 + len(_payload_bytes(oid, spec, raw))
    return total


def encode_into(
    buf: "bytearray | memoryview",
    offset: int,
    objects: "list[tuple[int, object]]",
    device_info: int = INFO_VERSION_2,
) -> int:
    """Write device-info + objects into ``buf`` at ``offset``; return the end offset.

    ``objects`` is ``[(object_id, raw), ...]`` in ascending id order (equal ids
    allowed); ``raw`` is the integer on the wire (see ``to_raw``), bytes for raw
    and command objects, str or bytes for text. Raises ``EncodeError``
    (``out-of-order``, ``out-of-range``, ``bad-type``, ``no-room``) and
    ``UnknownObjectError``.
    """
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
    buf = bytearray(1 + encoded_size(objects))
    encode_into(buf, 0, objects, info)
    if key is None:
        return bytes(buf)
    if mac is None:
        raise EncodeError("missing-mac", "encrypting needs the advertiser's MAC")
    from . import bthome_crypto

    return bthome_crypto.encrypt_payload(key, mac, info, bytes(buf[1:]), counter)


def advert(
    objects: "list[tuple[int, object]]",
    name: "str | None" = None,
    trigger_based: bool = False,
    extended: bool = False,
    key: "bytes | None" = None,
    mac: "bytes | None" = None,
    counter: int = 0,
) -> bytes:
    """A whole advert: flags 0x06, BTHome service data, then the name (if any,
    shortened to fit). Raises ``AdvertBudgetError`` when the data does not fit."""
    from . import ad_build, ad_record  # only whole adverts need the builder

    adv = ad_record.Advert()
    adv.flags = FLAGS_GENERAL_LE_ONLY
    sd = encode(objects, trigger_based, key, mac, counter)
    adv.service_data.append((AD_SERVICE_DATA16, UUID16, sd))
    adv.local_name = name
    return ad_build.build(adv, extended, shorten_name=True)
