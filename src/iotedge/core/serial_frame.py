"""Frames of the serial line protocol for tethered sensor boards (CRC-32, sequence).

``$SSSS,SEQ,KIND,FIELDS*CCCCCCCC\n``: session (4 hex), sequence 0..65535, kind
(H hello, R reading, E error), then the CRC-32 of the text between '$' and '*'.
Byte-by-byte layout: docs/sensor-node.md. Stream reading: serial_frame_reader.
(Kept short: the unix port lexes a long docstring in one growing buffer.)
"""

import binascii

from ._compat import const
from .errors import SerialFrameError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PROTOCOL_VERSION = const(1)
MAX_FRAME = const(80)
# The DHT22's range in tenths (as iotedge.core.dht22; repeated here so a board that
# only writes frames does not have to load the decoder).
TEMPERATURE_MIN = const(-400)
TEMPERATURE_MAX = const(800)
HUMIDITY_MAX = const(1000)
SEQ_MODULO = const(65536)

HELLO = "H"
READING = "R"
ERROR = "E"

_DOLLAR = const(0x24)
_HEX = "0123456789ABCDEF"


def crc32(data: bytes) -> int:
    """CRC-32 (IEEE 802.3), as ``binascii.crc32``; bitwise where a port lacks it."""
    fast = getattr(binascii, "crc32", None)
    if fast is not None:
        return int(fast(data)) & 0xFFFFFFFF
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def _bad(reason: str, detail: str) -> SerialFrameError:
    return SerialFrameError(reason, detail)


def _int(value: int, low: int, high: int, what: str) -> str:
    if value < low or value > high:
        raise _bad("bad-field", what + " " + str(value) + " outside " + str(low) + ".." + str(high))
    return str(value)


def _word(text: str) -> str:
    if not 0 < len(text) <= 24:
        raise _bad("bad-field", "a name has 1..24 characters")
    for ch in text:
        if not ("a" <= ch <= "z" or "A" <= ch <= "Z" or "0" <= ch <= "9" or ch in "-_."):
            raise _bad("bad-field", repr(text) + " has " + repr(ch))
    return text


def _fields(kind: str, fields: "list[Any]") -> "list[str]":
    n = len(fields)
    if kind == READING and (n == 2 or n == 3):
        out = [
            _int(fields[0], TEMPERATURE_MIN, TEMPERATURE_MAX, "temperature"),
            _int(fields[1], 0, HUMIDITY_MAX, "humidity"),
        ]
        if n == 3:
            out.append(_int(fields[2], -1000, 1500, "internal temperature"))
        return out
    if kind == HELLO and n == 2:
        return [_word(fields[0]), _int(fields[1], 0, 99, "version")]
    if kind == ERROR and n == 1:
        return [_word(fields[0])]
    if kind in (READING, HELLO, ERROR):
        raise _bad("bad-field", kind + " frame with " + str(n) + " fields")
    raise _bad("bad-kind", "unknown frame kind " + repr(kind))


def encode(session: int, seq: int, kind: str, fields: "list[Any]") -> bytes:
    """One frame with its CRC and newline; fields are checked as the reader checks them."""
    _int(session, 0, 0xFFFF, "session")
    _int(seq, 0, SEQ_MODULO - 1, "seq")
    body = ("%04X,%d," % (session, seq) + kind + "," + ",".join(_fields(kind, fields))).encode()
    if not fields:
        body = body[:-1]
    if len(body) + 11 > MAX_FRAME:
        raise _bad("too-long", str(len(body) + 11) + " bytes > " + str(MAX_FRAME))
    return b"$" + body + b"*" + ("%08X\n" % crc32(body)).encode()


def _dec(text: str) -> int:
    digits = text[1:] if text[:1] == "-" else text
    if not digits.isdigit() or (digits[0] == "0" and text != "0"):
        raise _bad("bad-syntax", repr(text) + " is not a plain integer")
    return int(text)


def _hexnum(text: str, digits: int) -> int:
    if len(text) != digits or [c for c in text if c not in _HEX]:
        raise _bad("bad-syntax", repr(text) + " is not " + str(digits) + " upper-case hex digits")
    return int(text, 16)


def decode(line: bytes) -> "tuple[int, int, str, list[Any]]":
    """(session, seq, kind, fields) of one line starting with '$' ('\r\n' optional).

    Raises SerialFrameError: ``bad-syntax``, ``bad-crc``, ``bad-kind``, ``bad-field``.
    """
    line = bytes(line).rstrip(b"\r\n")
    star = line.find(b"*")
    if line[:1] != b"$" or star < 0 or len(line) - star != 9:
        raise _bad("bad-syntax", "not '$' ... '*' and 8 hex digits")
    body = line[1:star]
    for ch in line:
        if ch < 0x20 or ch > 0x7E:
            raise _bad("bad-syntax", "non-printable byte in frame")
    expected = _hexnum(line[star + 1 :].decode(), 8)
    if crc32(body) != expected:
        raise _bad("bad-crc", "CRC-32 of the body is not " + line[star + 1 :].decode())
    parts = body.decode().split(",")
    if len(parts) < 3:
        raise _bad("bad-syntax", "need session, seq and kind")
    kind = parts[2]
    fields: "list[Any]" = parts[3:]
    if kind == READING or kind == HELLO:
        start = 0 if kind == READING else 1
        for i in range(start, len(fields)):
            fields[i] = _dec(fields[i])
    _fields(kind, fields)
    seq = _dec(parts[1])
    _int(seq, 0, SEQ_MODULO - 1, "seq")
    return _hexnum(parts[0], 4), seq, kind, fields


class FrameWriter:
    """The board side: numbers frames and encodes them (one session per boot)."""

    def __init__(self, session: int, first_seq: int = 0) -> None:
        self.session = session & 0xFFFF
        self.seq = first_seq % SEQ_MODULO

    def _next(self, kind: str, fields: "list[Any]") -> bytes:
        data = encode(self.session, self.seq, kind, fields)
        self.seq = (self.seq + 1) % SEQ_MODULO
        return data

    def hello(self, device: str) -> bytes:
        return self._next(HELLO, [device, PROTOCOL_VERSION])

    def reading(self, temperature: int, humidity: int, internal: "int | None" = None) -> bytes:
        fields = [temperature, humidity]
        if internal is not None:
            fields.append(internal)
        return self._next(READING, fields)

    def error(self, reason: str) -> bytes:
        return self._next(ERROR, [reason])
