"""Alert message types and the body encoding shared by every signed alert frame.

A message body (the part of a frame between the header and the tag, reassembled
when fragmented) always starts with the same five bytes, then a payload whose
layout depends on the message type (docs/alerts.md has the byte tables):

====== ======= ==========================================================
offset size    field
====== ======= ==========================================================
0      1       ``code``: per-type code (template id, LED pattern, track)
1      1       ``scope``: room id, 0 = everyone
2      1       ``ttl``: minutes the message stays valid, 0 = no expiry
3      2       ``issued``: unix minutes modulo 65536, little endian
5      ...     payload (below)
====== ======= ==========================================================

Payloads: alert/info carry UTF-8 text (code 0) or template arguments (code > 0,
each a length byte then UTF-8); schedule carries Now/Next start minutes and four
length-prefixed strings; time carries unix seconds and a UTC offset; led carries
red, green, blue and a state byte; revoke carries the key ids it revokes.

The type codes 1, 2, 5, 6 and 7 are the ones NodeConf EU 2018 gateways used for
time/state, LED, alert, info and talks, so people who knew those frames find the
same numbers; 15 (revoke) is new.
"""

import struct

from ._compat import const
from .errors import AlertError

# const(): MicroPython's compiler drops the block below, so it costs a board no RAM.
TYPE_CHECKING = const(False)
if TYPE_CHECKING:
    from typing import Any

TYPE_TIME = const(1)
TYPE_LED = const(2)
TYPE_ALERT = const(5)
TYPE_INFO = const(6)
TYPE_SCHEDULE = const(7)
TYPE_REVOKE = const(15)

TYPE_NAMES = {
    TYPE_TIME: "time",
    TYPE_LED: "led",
    TYPE_ALERT: "alert",
    TYPE_INFO: "info",
    TYPE_SCHEDULE: "schedule",
    TYPE_REVOKE: "revoke",
}
TYPE_CODES = {name: code for code, name in TYPE_NAMES.items()}

# Bit mask with every defined type set: the keyring's ``types=all``.
ALL_TYPES_MASK = const((1 << 1) | (1 << 2) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 15))

LED_PATTERNS = ("off", "solid", "blink", "pulse")

BODY_HEADER_LEN = const(5)
# Start minute meaning "no session" in a Now/Next schedule.
NO_START = const(0xFFFF)
# How far in the future an ``issued`` stamp may be (back-end and badge clocks differ).
_SKEW_MINUTES = const(5)


def _utf8(raw: "bytes | memoryview", offset: int) -> str:
    try:
        return str(bytes(raw), "utf-8")
    except UnicodeError:
        raise AlertError("bad-body", "text is not UTF-8", offset) from None


def _read_short_strings(body: bytes, offset: int, count: int) -> "list[str]":
    """Read length-prefixed UTF-8 strings: ``count`` of them, or to the end when -1."""
    out: list[str] = []
    n = len(body)
    while offset < n and (count < 0 or len(out) < count):
        size = body[offset]
        end = offset + 1 + size
        if end > n:
            raise AlertError("bad-body", "text field runs past the body", offset)
        out.append(_utf8(body[offset + 1 : end], offset))
        offset = end
    if count >= 0 and (len(out) != count or offset != n):
        raise AlertError("bad-body", "expected exactly " + str(count) + " text fields", offset)
    return out


def decode_body(msg_type: int, body: bytes) -> "dict[str, Any]":
    """Decode a body into the same dict of fields :func:`encode_body` takes.

    Raises AlertError ``bad-body`` when the bytes do not match the type's layout.
    """
    n = len(body)
    if n < BODY_HEADER_LEN:
        raise AlertError("bad-body", "body shorter than its 5-byte header", n)
    code, scope, ttl, issued = struct.unpack_from("<BBBH", body, 0)
    fields: dict[str, Any] = {"code": code, "scope": scope, "ttl": ttl, "issued": issued}
    p = BODY_HEADER_LEN
    if msg_type == TYPE_ALERT or msg_type == TYPE_INFO:
        if code == 0:
            fields["text"] = _utf8(body[p:], p)
        else:
            fields["args"] = _read_short_strings(body, p, -1)
    elif msg_type == TYPE_SCHEDULE:
        if n < p + 4:
            raise AlertError("bad-body", "schedule body too short", n)
        fields["now_start"], fields["next_start"] = struct.unpack_from("<HH", body, p)
        strings = _read_short_strings(body, p + 4, 4)
        fields["now_title"] = strings[0]
        fields["now_speaker"] = strings[1]
        fields["next_title"] = strings[2]
        fields["next_speaker"] = strings[3]
    elif msg_type == TYPE_TIME:
        if n != p + 5:
            raise AlertError("bad-body", "time body must be 10 bytes", n)
        fields["unix"], fields["tz_quarters"] = struct.unpack_from("<Ib", body, p)
        if fields["tz_quarters"] < -64 or fields["tz_quarters"] > 64:
            raise AlertError("bad-body", "UTC offset out of range", p + 4)
    elif msg_type == TYPE_LED:
        if n != p + 4:
            raise AlertError("bad-body", "led body must be 9 bytes", n)
        fields["red"] = body[p]
        fields["green"] = body[p + 1]
        fields["blue"] = body[p + 2]
        fields["state"] = body[p + 3]
    elif msg_type == TYPE_REVOKE:
        if n == p:
            raise AlertError("bad-body", "revoke names no key id", n)
        ids = list(body[p:])
        if 0 in ids:
            raise AlertError("bad-body", "key id 0 is reserved", p)
        fields["key_ids"] = ids
    else:
        raise AlertError("bad-type", "message type " + str(msg_type), 0)
    return fields


def minutes_left(ttl: int, issued: int, now: int) -> int:
    """Minutes until a message issued at ``issued`` with ``ttl`` expires at unix time ``now``.

    ``issued`` wraps every 65536 minutes (45 days), so the age is taken modulo
    that; a message that claims to be up to 5 minutes (``_SKEW_MINUTES``) in the
    future (clock skew between back-end and badge) counts as age 0. Negative means
    expired; a ttl of 0 never expires (returns 65536).
    """
    if ttl == 0:
        return 65536
    age = ((now // 60) - issued) & 0xFFFF
    if age > 0xFFFF - _SKEW_MINUTES:
        age = 0
    return ttl - age


class AlertMessage:
    """One accepted message: who signed it (key id), its id (counter), type and fields."""

    def __init__(self, msg_type: int, key_id: int, counter: int, fields: "dict[str, Any]") -> None:
        self.msg_type = msg_type
        self.key_id = key_id
        self.counter = counter
        self.fields = fields

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.msg_type, str(self.msg_type))

    def to_dict(self) -> "dict[str, Any]":
        """Plain dict (JSON-ready) with ``type``, ``key_id``, ``counter`` and the fields."""
        out: dict[str, Any] = {
            "type": self.type_name,
            "key_id": self.key_id,
            "counter": self.counter,
        }
        for name in self.fields:
            out[name] = self.fields[name]
        return out

    def __repr__(self) -> str:
        return "AlertMessage(" + repr(self.to_dict()) + ")"
