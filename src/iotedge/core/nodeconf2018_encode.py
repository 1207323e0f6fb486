"""NodeConf EU 2018 frames: encoders (for tests, simulations and replays).

The layouts are documented in ``nodeconf2018`` and docs/wire-formats.md.
"""

from .ad import AD_FLAGS, AD_MANUFACTURER, FLAGS_GENERAL_LE_ONLY
from .errors import EncodeError
from .nodeconf2018 import (
    COMPANY_ID,
    MSG_ALERT,
    MSG_CONTROL,
    MSG_INFO,
    MSG_LED,
    MSG_NEXT1,
    MSG_NEXT2,
    MSG_NOW1,
    MSG_NOW2,
)


def _byte(value: int, what: str) -> int:
    if not isinstance(value, int) or not 0 <= value <= 255:
        raise EncodeError("out-of-range", what + " must be 0..255")
    return value


def badge_json(temperature: int, claps: "int | None" = None) -> bytes:
    """The badge's manufacturer data: ``badge_json(21, 6) == b'{"t":21,"c":6}'``."""
    text = '{"t":' + str(int(temperature))
    if claps is not None:
        text += ',"c":' + str(int(claps))
    return (text + "}").encode()


def control_frame(seconds: int, state: int, room: int) -> bytes:
    if not isinstance(seconds, int) or not 0 <= seconds <= 0xFFFFFFFF:
        raise EncodeError("out-of-range", "seconds must fit 32 bits")
    return bytes(
        (
            MSG_CONTROL,
            seconds & 0xFF,
            (seconds >> 8) & 0xFF,
            (seconds >> 16) & 0xFF,
            (seconds >> 24) & 0xFF,
            _byte(state, "state"),
            _byte(room, "room"),
        )
    )


def led_frame(
    top: "tuple[int, int, int]",
    bottom: "tuple[int, int, int]",
    backlight: "tuple[tuple[int, int, int], ...]",
) -> bytes:
    if len(backlight) != 4:
        raise EncodeError("out-of-range", "the backlight has 4 RGB zones")
    out = bytearray((MSG_LED,))
    for rgb in (top, bottom) + tuple(backlight):
        if len(rgb) != 3:
            raise EncodeError("out-of-range", "a colour is 3 bytes")
        for c in rgb:
            out.append(_byte(c, "colour"))
    return bytes(out)


def _latin1_bytes(text: str) -> bytes:
    out = bytearray()
    for ch in text:
        code = ord(ch)
        if code > 255:
            raise EncodeError("out-of-range", "text must be Latin-1")
        out.append(code)
    return bytes(out)


def text_frame(msg_type: int, text: str) -> bytes:
    """An alert (5) or info (6) frame."""
    if msg_type not in (MSG_ALERT, MSG_INFO):
        raise EncodeError("bad-type", "text frames are types 5 and 6")
    return bytes((msg_type,)) + _latin1_bytes(text)


def talk_frame(msg_type: int, minutes: int, title: str) -> bytes:
    """A now/next talk frame (7-10); ``minutes`` after midnight, a multiple of 10."""
    if msg_type not in (MSG_NOW1, MSG_NOW2, MSG_NEXT1, MSG_NEXT2):
        raise EncodeError("bad-type", "talk frames are types 7-10")
    if minutes % 10:
        raise EncodeError("out-of-range", "talk times are in 10-minute units")
    return bytes((msg_type, _byte(minutes // 10, "time code"))) + _latin1_bytes(title)


def advert(payload: bytes) -> bytes:
    """Flags + manufacturer data (0x0590 + payload), as the badges and gateways sent.
    Raises ``EncodeError`` when it would not fit a 31-byte legacy advert."""
    if len(payload) > 24:
        raise EncodeError("out-of-range", "a legacy advert holds 24 payload bytes here")
    head = bytes((2, AD_FLAGS, FLAGS_GENERAL_LE_ONLY, len(payload) + 3, AD_MANUFACTURER))
    return head + bytes((COMPANY_ID & 0xFF, COMPANY_ID >> 8)) + bytes(payload)
