"""The badge profile: what a conference badge broadcasts, as a BTHome v2 advert."""

# One legacy (31-byte) advert, valid BTHome v2 so Home Assistant reads it unchanged::
#
#     off  bytes                    meaning
#     0    02 01 06                 flags: LE General Discoverable, no BR/EDR
#     3    LL 16 D2 FC              service data, UUID 0xFCD2 (BTHome); LL = 20 or 22
#     7    40                       BTHome device info: v2, not encrypted, regular
#     8    00 PP                    packet id (0-255, bumped on every new reading)
#     10   01 BB                    battery, %
#     12   02 TT TT                 temperature, sint16, 0.01 degC
#     15   [2E HH]                  humidity, uint8, % (optional)
#     ..   3D CC CC                 claps since boot, uint16, wraps at 65536
#     ..   54 04 II II II II        badge id: BTHome "raw" object, uint32 little-endian
#     ..   [NN 09 name...]          complete local name (optional), <= 5 bytes
#                                   (<= 3 with humidity)
#
# Why the badge id travels as a BTHome raw object (0x54) and not in the name:
# it must survive MAC address randomisation, so it has to be in the payload; inside
# the BTHome payload it is covered by BTHome encryption when that is used (the name
# never is), Home Assistant shows it as a "raw" sensor with the same hex on every
# address, it costs 6 bytes where a readable id in the name would cost more, and
# the local name stays free for people (scanners often drop it, which must not lose
# the id). Object ids are ascending, as BTHome requires.
#
# Claps are a running count modulo 65536 rather than "claps in the last window" so
# that a gateway that misses adverts still counts every clap (it takes differences
# modulo 65536). Humidity uses the 1 % object (0x2E) to leave room for a name.
#
# ``encode_into`` writes all of it into a caller's buffer with ``struct.pack_into``
# and returns the length: no allocation on MicroPython (a portable test measures
# ``gc.mem_alloc()``), so a badge can re-advertise every few hundred ms without
# feeding the garbage collector. Pass the name as bytes (a str would be encoded).

import struct

from . import ad
from ._compat import const
from .errors import AdvertBudgetError, BTHomeError, EncodeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .bthome import BTHomeFrame

OBJ_PACKET_ID = const(0x00)
OBJ_BATTERY = const(0x01)
OBJ_TEMPERATURE = const(0x02)
OBJ_HUMIDITY = const(0x2E)
OBJ_CLAPS = const(0x3D)
OBJ_BADGE_ID = const(0x54)

ADVERT_SIZE_NO_NAME = const(24)  # without humidity; +2 with it
MAX_NAME = const(5)  # bytes of name that fit without humidity
MAX_NAME_WITH_HUMIDITY = const(3)
NO_HUMIDITY = const(-1)
_BTHOME_UUID = const(0xFCD2)  # bthome.UUID16, repeated so a badge need not load bthome
_BTHOME_V2 = const(0x40)  # bthome.INFO_VERSION_2

# flags(3) + SD header(4) + device info + packet id + battery + temperature
_HEAD = "<BBBBBHBBBBBBh"
_HEAD_SIZE = const(15)
# humidity, then claps + badge id
_HUM = "<BB"
_TAIL = "<BHBBI"
_TAIL_SIZE = const(9)


def encode_into(
    buf: "bytearray | memoryview",
    badge_id: int,
    packet_id: int,
    battery: int,
    temperature_centi: int,
    claps: int,
    humidity: int = NO_HUMIDITY,
    name: "bytes | bytearray | memoryview | str" = b"",
) -> int:
    """Write the badge advert into ``buf`` (>= 31 bytes); return its length."""
    # ``temperature_centi`` is hundredths of a degree C (2150 = 21.50 degC); ``claps``
    # any count >= 0 (sent modulo 65536); ``humidity`` 0-100 % or ``NO_HUMIDITY``.
    # Raises ``EncodeError`` (``out-of-range``) for a field out of range and
    # ``AdvertBudgetError`` (``over-budget``) for a name that does not fit.
    if not 0 <= badge_id <= 0xFFFFFFFF:
        raise EncodeError("out-of-range", "badge id is a uint32")
    if not 0 <= packet_id <= 0xFF:
        raise EncodeError("out-of-range", "packet id is 0..255")
    if not 0 <= battery <= 100:
        raise EncodeError("out-of-range", "battery is 0..100 %")
    if not -32768 <= temperature_centi <= 32767:
        raise EncodeError("out-of-range", "temperature is -327.68..327.67 degC")
    if claps < 0:
        raise EncodeError("out-of-range", "claps is a count >= 0")
    if humidity != NO_HUMIDITY and not 0 <= humidity <= 100:
        raise EncodeError("out-of-range", "humidity is 0..100 %")
    if isinstance(name, str):
        name = name.encode("utf-8")
    n = len(name)
    has_hum = humidity != NO_HUMIDITY
    size = ADVERT_SIZE_NO_NAME + (2 if has_hum else 0)
    if n:
        size += 2 + n
    if size > ad.LEGACY_BUDGET or size > len(buf):
        raise AdvertBudgetError(
            "over-budget",
            "badge advert needs "
            + str(size)
            + " bytes, the budget is "
            + str(min(ad.LEGACY_BUDGET, len(buf))),
            0,
        )
    sd_len = 20 + (2 if has_hum else 0)
    struct.pack_into(
        _HEAD, buf, 0,
        2, ad.AD_FLAGS, ad.FLAGS_GENERAL_LE_ONLY,
        sd_len, ad.AD_SERVICE_DATA16, _BTHOME_UUID,
        _BTHOME_V2,
        OBJ_PACKET_ID, packet_id,
        OBJ_BATTERY, battery,
        OBJ_TEMPERATURE, temperature_centi,
    )  # fmt: skip
    pos = _HEAD_SIZE
    if has_hum:
        struct.pack_into(_HUM, buf, pos, OBJ_HUMIDITY, humidity)
        pos += 2
    struct.pack_into(_TAIL, buf, pos, OBJ_CLAPS, claps & 0xFFFF, OBJ_BADGE_ID, 4, badge_id)
    pos += _TAIL_SIZE
    if n:
        buf[pos] = n + 1
        buf[pos + 1] = ad.AD_COMPLETE_NAME
        buf[pos + 2 : pos + 2 + n] = name
        pos += 2 + n
    return pos


def encode(
    badge_id: int,
    packet_id: int,
    battery: int,
    temperature_centi: int,
    claps: int,
    humidity: int = NO_HUMIDITY,
    name: "bytes | str" = b"",
) -> bytes:
    """``encode_into`` a fresh buffer; returns the advert bytes."""
    buf = bytearray(ad.LEGACY_BUDGET)
    n = encode_into(buf, badge_id, packet_id, battery, temperature_centi, claps, humidity, name)
    return bytes(buf[:n])


class BadgeReading:
    """A decoded badge advert. ``humidity`` is ``NO_HUMIDITY`` (-1) when absent,
    ``name`` None when the advert had none; ``temperature`` is degrees C."""

    def __init__(
        self,
        badge_id: int,
        packet_id: int,
        battery: int,
        temperature_centi: int,
        claps: int,
        humidity: int = NO_HUMIDITY,
        name: "str | None" = None,
    ) -> None:
        self.badge_id = badge_id
        self.packet_id = packet_id
        self.battery = battery
        self.temperature_centi = temperature_centi
        self.claps = claps
        self.humidity = humidity
        self.name = name

    @property
    def temperature(self) -> float:
        return self.temperature_centi / 100

    def _key(self) -> "tuple[Any, ...]":
        return (
            self.badge_id,
            self.packet_id,
            self.battery,
            self.temperature_centi,
            self.claps,
            self.humidity,
            self.name,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BadgeReading) and self._key() == other._key()

    def __repr__(self) -> str:
        return "BadgeReading" + repr(self._key())


def from_frame(frame: "BTHomeFrame", name: "str | None" = None) -> BadgeReading:
    """The badge fields of a decoded BTHome frame; ``BTHomeError`` (``not-a-badge``)
    when one of packet id, battery, temperature, claps or a 4-byte badge id is"""
    # missing. Other objects are ignored, so later firmware can add some.
    badge_id = packet_id = battery = temp = claps = None
    humidity = NO_HUMIDITY
    for oid, _, raw, _ in frame.objects:
        if oid == OBJ_PACKET_ID:
            packet_id = raw
        elif oid == OBJ_BATTERY:
            battery = raw
        elif oid == OBJ_TEMPERATURE:
            temp = raw
        elif oid == OBJ_HUMIDITY:
            humidity = raw
        elif oid == OBJ_CLAPS:
            claps = raw
        elif oid == OBJ_BADGE_ID and len(raw) == 4:
            badge_id = raw[0] | (raw[1] << 8) | (raw[2] << 16) | (raw[3] << 24)
    if badge_id is None or packet_id is None or battery is None or temp is None or claps is None:
        raise BTHomeError(
            "not-a-badge",
            "a badge frame has packet id, battery, temperature, claps and a 4-byte badge id",
        )
    return BadgeReading(badge_id, packet_id, battery, temp, claps, humidity, name)


def decode(
    adv: "bytes | bytearray | memoryview",
    key: "bytes | None" = None,
    mac: "bytes | None" = None,
) -> BadgeReading:
    """Decode a badge advert (raw advertising data) into a ``BadgeReading``."""
    # Lenient BTHome decoding: objects the table does not know end the frame and
    # what was read before them is used. Raises ``ADError``, ``BTHomeError``
    # (``no-bthome``, ``not-a-badge``, ...) or ``DecryptError``.
    from .bthome import decode_advert  # the encoder alone (on a badge) never loads it

    frame = decode_advert(adv, False, key, mac)
    return from_frame(frame, frame.name)
