"""BTHome v2 object parsing: the decoder's per-id cache and the object loop."""

# Used by ``bthome`` (decode) and ``bthome_encode``; kept apart so each module
# compiles in little memory on a board. ``SPECS[oid]`` caches the decoder view of
# an id the first time it is met, so a board holds only the ids its sensors send.

import struct

from ._compat import IS_MICROPYTHON, const
from .bthome_objects import (
    BUTTON_EVENTS,
    COMMAND_OPCODES,
    DIMMER_ROTATE_LEFT,
    DIMMER_ROTATE_RIGHT,
    KIND_BINARY,
    KIND_BUTTON,
    KIND_COMMAND,
    KIND_DIMMER,
    KIND_RAW,
    KIND_SINT,
    KIND_TEXT,
    lookup,
)
from .errors import BTHomeError, UnknownObjectError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_SCALE_NONE = const(0)
_SCALE_DIV = const(1)
_SCALE_MUL_DIV = const(2)

_unpack_from = struct.unpack_from

# Decoder view of each id met so far (filled on first use, so a board only holds
# the ids its sensors send): (name, kind, size, fmt, scale_mode, divisor,
# multiplier). fmt is the struct code, or None for 1-byte unsigned and 3-byte
# values, which are assembled from bytes. On MicroPython the cache is bounded (a
# board meets a handful of ids; a tool that meets them all must not fill its heap):
# when full it is emptied and refills on use.
SPECS: "list[tuple | None]" = [None] * 256  # type: ignore[type-arg]
_CACHE_LIMIT = const(24) if IS_MICROPYTHON else const(256)
_cached = [0]


def load_spec(oid: int) -> "tuple | None":  # type: ignore[type-arg]
    row = lookup(oid)
    if row is None:
        return None
    _, name, kind, size, decimals, mult, _ = row
    fmt = None
    if kind == KIND_SINT:
        fmt = "<b" if size == 1 else "<h" if size == 2 else "<i" if size == 4 else None
    elif size == 2:
        fmt = "<H"
    elif size == 4:
        fmt = "<I"
    div = 1
    for _ in range(decimals):
        div *= 10
    mode = _SCALE_MUL_DIV if mult != 1 else _SCALE_DIV if div != 1 else _SCALE_NONE
    entry = (name, kind, size, fmt, mode, div, mult)
    if _cached[0] >= _CACHE_LIMIT:
        for k in range(256):
            SPECS[k] = None
        _cached[0] = 0
    SPECS[oid] = entry
    _cached[0] += 1
    return entry


def hex2(value: int) -> str:
    digits = "0123456789abcdef"
    return "0x" + digits[(value >> 4) & 15] + digits[value & 15]


def _stop(frame: "Any", strict: bool, error: "Any", reason: str, detail: str, at: int) -> None:
    # Strict decoding raises; lenient decoding records where and why it stopped.
    if strict:
        raise error(reason, detail, at)
    frame.stopped_at = at
    frame.stop_reason = reason


def parse_objects(
    data: "bytes | bytearray | memoryview",
    pos: int,
    end: int,
    strict: bool,
    base: int,
    frame: "Any",
) -> None:
    """Append every object in ``data[pos:end]`` to ``frame.objects``; ``base`` is
    added to reported offsets so they count from the device-info byte."""
    objs = frame.objects
    specs = SPECS
    prev = 0
    while pos < end:
        oid = data[pos]
        spec = specs[oid]
        if spec is None:
            spec = load_spec(oid)
            if spec is None:
                detail = "object id " + hex2(oid) + " is not in the table"
                _stop(frame, strict, UnknownObjectError, "unknown-object", detail, pos + base)
                return
        name, kind, size, fmt, mode, div, mult = spec
        if oid < prev and frame.out_of_order_at < 0:
            frame.out_of_order_at = pos + base
        prev = oid
        p = pos + 1
        if size:
            q = p + size
        elif p < end:  # length-prefixed: text, raw, command
            size = data[p]
            if kind == KIND_COMMAND:
                size = 1 + (size & 0x1F)  # low 5 bits count the arguments after the opcode
            p += 1
            q = p + size
        else:
            q = end + 1
        if q > end:
            detail = "object " + hex2(oid) + " runs past the end of the data"
            _stop(frame, strict, BTHomeError, "truncated", detail, pos + base)
            return
        if kind >= KIND_TEXT and kind <= KIND_COMMAND:
            raw: "Any" = bytes(data[p:q])
            if kind == KIND_TEXT:
                try:
                    value: object = raw.decode("utf-8")
                except UnicodeError:
                    _stop(frame, strict, BTHomeError, "bad-text", "text is not UTF-8", pos + base)
                    return
            elif kind == KIND_RAW:
                value = raw
            else:
                value = COMMAND_OPCODES.get(raw[0])
        else:
            if fmt is not None:
                raw = _unpack_from(fmt, data, p)[0]
            elif size == 1:
                raw = data[p]
            else:
                raw = data[p] | (data[p + 1] << 8) | (data[p + 2] << 16)
            if kind <= KIND_SINT:
                if mode == _SCALE_NONE:
                    value = raw
                elif mode == _SCALE_DIV:
                    value = raw / div
                else:
                    value = raw * mult / div
            elif kind == KIND_BINARY:
                value = raw != 0
            elif kind == KIND_BUTTON:
                value = BUTTON_EVENTS.get(raw)
            elif kind == KIND_DIMMER:
                value = _dimmer_value(raw)
            else:  # KIND_FIRMWARE
                value = _firmware_str(raw, size)
        objs.append((oid, name, raw, value))
        pos = q


def _dimmer_value(raw: int) -> int:
    event = raw & 0xFF
    steps = raw >> 8
    if event == DIMMER_ROTATE_RIGHT:
        return steps
    if event == DIMMER_ROTATE_LEFT:
        return -steps
    return 0


def _firmware_str(raw: int, size: int) -> str:
    parts = []
    shift = 8 * (size - 1)
    while shift >= 0:
        parts.append(str((raw >> shift) & 0xFF))
        shift -= 8
    return ".".join(parts)
