"""Encoding of alert message bodies (the back-end's half of alert_messages).

Kept apart from the decoder so a badge, which only receives, never loads it. The
byte layout is described in alert_messages and docs/alerts.md.
"""

import struct

from .alert_messages import (
    NO_START,
    TYPE_ALERT,
    TYPE_INFO,
    TYPE_LED,
    TYPE_NAMES,
    TYPE_SCHEDULE,
    TYPE_TIME,
)
from .errors import EncodeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _int_field(fields: "dict[str, Any]", name: str, low: int, high: int, default: int) -> int:
    value = fields.get(name, default)
    # type() rather than isinstance(): bool is an int on CPython, not on MicroPython.
    if type(value) is not int:
        raise EncodeError("bad-field", name + " must be an integer")
    if value < low or value > high:
        raise EncodeError(
            "out-of-range", name + "=" + str(value) + " not in " + str(low) + ".." + str(high)
        )
    return value


def _str_field(fields: "dict[str, Any]", name: str) -> bytes:
    value = fields.get(name, "")
    if type(value) is not str:
        raise EncodeError("bad-field", name + " must be text")
    return value.encode("utf-8")


def _short_strings(values: "list[bytes]") -> bytes:
    out = bytearray()
    for raw in values:
        if len(raw) > 255:
            raise EncodeError("too-long", "a text field is longer than 255 bytes")
        out.append(len(raw))
        out.extend(raw)
    return bytes(out)


def encode_body(msg_type: int, fields: "dict[str, Any]") -> bytes:
    """Encode the body of a message of ``msg_type`` from a dict of fields.

    Common fields: ``code``, ``scope``, ``ttl`` (minutes), ``issued`` (unix minutes
    modulo 65536). Per type: ``text`` or ``args`` (alert, info); ``now_start``,
    ``next_start``, ``now_title``, ``now_speaker``, ``next_title``, ``next_speaker``
    (schedule); ``unix``, ``tz_quarters`` (time); ``red``, ``green``, ``blue``,
    ``state`` (led, ``code`` is the pattern); ``key_ids`` (revoke).
    """
    if msg_type not in TYPE_NAMES:
        raise EncodeError("unknown-type", "message type " + str(msg_type))
    head = struct.pack(
        "<BBBH",
        _int_field(fields, "code", 0, 255, 0),
        _int_field(fields, "scope", 0, 255, 0),
        _int_field(fields, "ttl", 0, 255, 0),
        _int_field(fields, "issued", 0, 0xFFFF, 0),
    )
    code = head[0]
    if msg_type == TYPE_ALERT or msg_type == TYPE_INFO:
        if code == 0:
            if "args" in fields:
                raise EncodeError("bad-field", "code 0 carries text, not args")
            return head + _str_field(fields, "text")
        if "text" in fields:
            raise EncodeError("bad-field", "a template code carries args, not text")
        args = fields.get("args", [])
        if type(args) is not list:
            raise EncodeError("bad-field", "args must be a list of text")
        return head + _short_strings([_str_field({"a": a}, "a") for a in args])
    if msg_type == TYPE_SCHEDULE:
        starts = struct.pack(
            "<HH",
            _int_field(fields, "now_start", 0, NO_START, NO_START),
            _int_field(fields, "next_start", 0, NO_START, NO_START),
        )
        names = ("now_title", "now_speaker", "next_title", "next_speaker")
        return head + starts + _short_strings([_str_field(fields, n) for n in names])
    if msg_type == TYPE_TIME:
        return head + struct.pack(
            "<Ib",
            _int_field(fields, "unix", 0, 0xFFFFFFFF, 0),
            _int_field(fields, "tz_quarters", -64, 64, 0),
        )
    if msg_type == TYPE_LED:
        return head + bytes(
            [
                _int_field(fields, "red", 0, 255, 0),
                _int_field(fields, "green", 0, 255, 0),
                _int_field(fields, "blue", 0, 255, 0),
                _int_field(fields, "state", 0, 255, 0),
            ]
        )
    # TYPE_REVOKE
    ids = fields.get("key_ids", [])
    if type(ids) is not list or not ids:
        raise EncodeError("bad-field", "key_ids must be a non-empty list")
    return head + bytes([_int_field({"k": k}, "k", 1, 255, 0) for k in ids])
