"""NodeConf EU 2018 badge frames (manufacturer data, company id 0x0590)."""

# For anyone replaying that event's captures. The layouts are our reading of the
# badge firmware published after the event (nearform/nceubadge2018, ``js/badge.js``):
# the badge side is the only published code, so the gateway layouts are what the
# badge *accepted*; docs/wire-formats.md gives byte tables and examples.
#
# * Badge -> gateways: the manufacturer data is ASCII JSON from Espruino's
#   ``JSON.stringify({t: 0|E.getTemperature(), c: claps})``: ``{"t":21,"c":6}``,
#   with ``"c"`` absent when the wearer switched the clapometer off. ``t`` is the
#   nRF52 die temperature in whole degrees C, ``c`` the claps in the last 10 s
#   window. Parsed here without the json module by a strict parser for exactly
#   that shape (no whitespace, integer values, ``t`` first).
# * Gateways -> badges: a type byte, then a payload:
#
#   ====  ===========  ==========================================================
#   type  name         payload
#   ====  ===========  ==========================================================
#   1     control      uint32 LE seconds since 2018-01-01T00:00:00Z, uint8 state
#                      (bit 0 sleepy, bit 1 active listening), uint8 room number
#   2     led          18 bytes: top LED RGB, bottom LED RGB, 4 backlight RGB zones
#   5     alert        text shown full screen with vibration
#   6     info         text shown full screen
#   7-10  now1, now2,  one byte: start time in units of 10 minutes after midnight,
#         next1,       then the talk title
#         next2
#   ====  ===========  ==========================================================
#
#   Text is Espruino's 8-bit strings, decoded here byte-for-character (Latin-1).

from ._compat import const
from .ad import find_manufacturer
from .errors import NodeConfError

COMPANY_ID = const(0x0590)
EPOCH_2018 = const(1514764800)  # 2018-01-01T00:00:00Z as Unix time

MSG_CONTROL = const(1)
MSG_LED = const(2)
MSG_ALERT = const(5)
MSG_INFO = const(6)
MSG_NOW1 = const(7)
MSG_NOW2 = const(8)
MSG_NEXT1 = const(9)
MSG_NEXT2 = const(10)

STATE_SLEEPY = const(1)
STATE_ACTIVE_LISTENING = const(2)

_KINDS = {
    MSG_CONTROL: "control",
    MSG_LED: "led",
    MSG_ALERT: "alert",
    MSG_INFO: "info",
    MSG_NOW1: "now1",
    MSG_NOW2: "now2",
    MSG_NEXT1: "next1",
    MSG_NEXT2: "next2",
}

# Room numbers as the badge's "Map" app names them (badge.js ROOMS table).
ROOMS = (
    "Unknown",
    "McCurdy 12",
    "McCurdy 3",
    "Maginnes",
    "Preassembly",
    "Lounge",
    "Hotel Bar",
    "Restaurant",
    "Hotel Checkin",
    "McCurdy 1",
    "McCurdy 2",
    "Preassembly 1",
    "Maginnes 1",
    "Reception",
)

_MAX_DIGITS = const(10)


class BadgeBeacon:
    """What a 2018 badge broadcast: die temperature (whole degrees C) and the
    claps counted in the last 10 s (None when the clapometer was off)."""

    def __init__(self, temperature: int, claps: "int | None") -> None:
        self.temperature = temperature
        self.claps = claps

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, BadgeBeacon)
            and self.temperature == other.temperature
            and self.claps == other.claps
        )

    def __repr__(self) -> str:
        return "BadgeBeacon(" + str(self.temperature) + ", " + str(self.claps) + ")"


class GatewayFrame:
    """A gateway broadcast. ``msg_type`` and ``kind`` always; then per kind:"""

    # * control: ``seconds`` (since 2018-01-01Z), ``unix_time``, ``state``, ``room``,
    # ``room_name``;
    # * led: ``top``, ``bottom`` (RGB tuples), ``backlight`` (4 RGB tuples);
    # * alert, info: ``text``;
    # * now1/now2/next1/next2: ``slot`` ("now"/"next"), ``part`` (1/2), ``minutes``
    # after midnight, ``time_text`` ("9:30", as the badge showed it), ``title``.

    seconds = 0
    state = 0
    room = 0
    top: "tuple[int, int, int]" = (0, 0, 0)
    bottom: "tuple[int, int, int]" = (0, 0, 0)
    backlight: "tuple[tuple[int, int, int], ...]" = ()
    text = ""
    slot = ""
    part = 0
    minutes = 0
    title = ""

    def __init__(self, msg_type: int) -> None:
        self.msg_type = msg_type
        self.kind = _KINDS[msg_type]

    @property
    def unix_time(self) -> int:
        return EPOCH_2018 + self.seconds

    @property
    def room_name(self) -> str:
        return ROOMS[self.room] if self.room < len(ROOMS) else "Unknown"

    @property
    def time_text(self) -> str:
        m = self.minutes % 60
        return str(self.minutes // 60) + ":" + ("0" if m < 10 else "") + str(m)

    def __repr__(self) -> str:
        return "GatewayFrame(" + self.kind + ")"


def _latin1(data: "bytes | bytearray | memoryview") -> str:
    return "".join([chr(b) for b in data])


def _parse_int(data: "bytes | bytearray | memoryview", i: int, end: int) -> "tuple[int, int]":
    """Strict JSON integer at ``i``: ``-?(0|[1-9][0-9]*)``. Returns (value, next index)."""
    neg = False
    if i < end and data[i] == 0x2D:  # '-'
        neg = True
        i += 1
    start = i
    value = 0
    while i < end and 0x30 <= data[i] <= 0x39:
        value = value * 10 + data[i] - 0x30
        i += 1
    digits = i - start
    if digits == 0:
        raise NodeConfError("bad-json", "expected a digit", i)
    if digits > 1 and data[start] == 0x30:
        raise NodeConfError("bad-json", "leading zero in a number", start)
    if digits > _MAX_DIGITS:
        raise NodeConfError("bad-json", "number longer than " + str(_MAX_DIGITS) + " digits", start)
    return (-value if neg else value), i


def _expect(data: "bytes | bytearray | memoryview", i: int, end: int, lit: bytes) -> int:
    n = len(lit)
    if i + n > end:
        raise NodeConfError("bad-json", "ends early, expected " + repr(lit), i)
    for k in range(n):
        if data[i + k] != lit[k]:
            raise NodeConfError("bad-json", "expected " + repr(lit), i + k)
    return i + n


def parse_badge_json(data: "bytes | bytearray | memoryview") -> BadgeBeacon:
    """``{"t":21,"c":6}`` or ``{"t":21}`` -> ``BadgeBeacon``; ``NodeConfError``
    (``bad-json``, with the offset) for anything else."""
    end = len(data)
    i = _expect(data, 0, end, b'{"t":')
    temperature, i = _parse_int(data, i, end)
    claps = None
    if i < end and data[i] == 0x2C:  # ','
        i = _expect(data, i, end, b',"c":')
        claps, i = _parse_int(data, i, end)
    i = _expect(data, i, end, b"}")
    if i != end:
        raise NodeConfError("bad-json", "bytes after the closing brace", i)
    return BadgeBeacon(temperature, claps)


def _need(payload: "bytes | bytearray | memoryview", n: int, kind: str, exact: bool) -> None:
    got = len(payload) - 1
    if got < n or (exact and got != n):
        raise NodeConfError(
            "bad-length",
            kind
            + " payload is "
            + ("" if exact else "at least ")
            + str(n)
            + " bytes, got "
            + str(got),
            0,
        )


def decode_manufacturer(payload: "bytes | bytearray | memoryview") -> "BadgeBeacon | GatewayFrame":
    """Decode the manufacturer data after the 0x0590 company id."""
    if len(payload) == 0:
        raise NodeConfError("bad-length", "empty manufacturer data", 0)
    first = payload[0]
    if first == 0x7B:  # '{': a badge's JSON (no gateway type is 0x7B)
        return parse_badge_json(payload)
    if first not in _KINDS:
        raise NodeConfError("unknown-type", "message type " + str(first) + " is not 1, 2, 5-10", 0)
    frame = GatewayFrame(first)
    if first == MSG_CONTROL:
        _need(payload, 6, "control", True)
        frame.seconds = payload[1] | (payload[2] << 8) | (payload[3] << 16) | (payload[4] << 24)
        frame.state = payload[5]
        frame.room = payload[6]
    elif first == MSG_LED:
        _need(payload, 18, "led", True)
        rgb = [(payload[k], payload[k + 1], payload[k + 2]) for k in range(1, 19, 3)]
        frame.top = rgb[0]
        frame.bottom = rgb[1]
        frame.backlight = tuple(rgb[2:])
    elif first == MSG_ALERT or first == MSG_INFO:
        frame.text = _latin1(payload[1:])
    else:
        _need(payload, 1, frame.kind, False)
        frame.slot = "now" if first <= MSG_NOW2 else "next"
        frame.part = 1 if first in (MSG_NOW1, MSG_NEXT1) else 2
        frame.minutes = payload[1] * 10
        frame.title = _latin1(payload[2:])
    return frame


def decode_advert(adv: "bytes | bytearray | memoryview") -> "BadgeBeacon | GatewayFrame":
    """Find the 0x0590 manufacturer data in raw advertising data and decode it.
    ``NodeConfError`` (``not-nodeconf``) when there is none; ``ADError`` for bad AD."""
    s, e = find_manufacturer(adv, COMPANY_ID)
    if s < 0:
        raise NodeConfError("not-nodeconf", "no manufacturer data for company 0x0590")
    return decode_manufacturer(adv[s:e])
