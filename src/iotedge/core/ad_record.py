"""A whole advert parsed into a small record (``Advert``), and UUID strings."""

# ``parse`` validates every structure (``ADError`` reasons in ``ad``) and keeps the
# common parts; anything else is kept raw in ``Advert.other``. ``ad_build.build``
# turns a record back into bytes: ``parse(build(a)) == a``.

import binascii

from .ad import (
    AD_COMPLETE_NAME,
    AD_FLAGS,
    AD_MANUFACTURER,
    AD_SERVICE_DATA16,
    AD_SERVICE_DATA32,
    AD_SERVICE_DATA128,
    AD_SHORT_NAME,
    AD_TX_POWER,
    AD_UUID16_COMPLETE,
    AD_UUID16_INCOMPLETE,
    AD_UUID32_COMPLETE,
    AD_UUID32_INCOMPLETE,
    AD_UUID128_COMPLETE,
    AD_UUID128_INCOMPLETE,
    iter_ad,
)
from .errors import ADError, EncodeError

# Base UUID tail for 16/32-bit UUIDs: xxxxxxxx-0000-1000-8000-00805f9b34fb.
_BASE_TAIL = "-0000-1000-8000-00805f9b34fb"


def uuid16_to_str(uuid: int) -> str:
    """``0xFCD2`` -> ``"0000fcd2-0000-1000-8000-00805f9b34fb"``."""
    return uuid32_to_str(uuid)


def uuid32_to_str(uuid: int) -> str:
    """A 16- or 32-bit UUID in the Bluetooth base UUID, canonical lower-case form."""
    be = bytes(((uuid >> 24) & 0xFF, (uuid >> 16) & 0xFF, (uuid >> 8) & 0xFF, uuid & 0xFF))
    return binascii.hexlify(be).decode() + _BASE_TAIL


def uuid128_to_str(wire: "bytes | bytearray") -> str:
    """A 128-bit UUID as sent on the air (little-endian, 16 bytes) -> canonical string."""
    if len(wire) != 16:
        raise EncodeError("bad-uuid", "a 128-bit UUID is 16 bytes, got " + str(len(wire)))
    h = binascii.hexlify(_reverse16(wire)).decode()
    return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]


def uuid128_from_str(text: str) -> bytes:
    """Canonical UUID string -> the 16 bytes sent on the air (little-endian)."""
    h = text.replace("-", "")
    if len(h) != 32:
        raise EncodeError("bad-uuid", "a 128-bit UUID has 32 hex digits: " + text)
    try:
        raw = binascii.unhexlify(h)
    except ValueError:
        raise EncodeError("bad-uuid", "not hexadecimal: " + text) from None
    return _reverse16(raw)


def _reverse16(b: "bytes | bytearray") -> bytes:
    # reversed() is optional on MicroPython builds; index from the end instead.
    return bytes(b[15 - k] for k in range(16))


def _u16(data: "bytes | bytearray | memoryview", i: int) -> int:
    return data[i] | (data[i + 1] << 8)


def _u32(data: "bytes | bytearray | memoryview", i: int) -> int:
    return data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)


class Advert:
    """One advert (or scan response) parsed into its common parts."""

    # * ``flags``: the flags byte, or None when absent.
    # * ``local_name``: str or None; ``name_complete``: True for AD type 0x09.
    # * ``uuids16`` / ``uuids32``: lists of ints; ``uuids128``: list of 16-byte
    # ``bytes`` in air order (little-endian; see ``uuid128_to_str``);
    # ``uuids16_complete`` etc. say which AD type carried them (True = complete list).
    # * ``tx_power``: signed dBm, or None.
    # * ``service_data``: list of ``(ad_type, uuid, data)``: ``uuid`` is an int for
    # 0x16/0x20 and 16 bytes in air order for 0x21.
    # * ``manufacturer_data``: list of ``(company_id, data)``.
    # * ``other``: list of ``(ad_type, value)`` for every type not listed above.

    def __init__(self) -> None:
        self.flags: "int | None" = None
        self.local_name: "str | None" = None
        self.name_complete = True
        self.uuids16: "list[int]" = []
        self.uuids32: "list[int]" = []
        self.uuids128: "list[bytes]" = []
        self.uuids16_complete = True
        self.uuids32_complete = True
        self.uuids128_complete = True
        self.tx_power: "int | None" = None
        self.service_data: "list[tuple[int, int | bytes, bytes]]" = []
        self.manufacturer_data: "list[tuple[int, bytes]]" = []
        self.other: "list[tuple[int, bytes]]" = []

    def _key(self) -> tuple:  # type: ignore[type-arg]
        return (
            self.flags,
            self.local_name,
            self.name_complete if self.local_name is not None else True,
            self.uuids16,
            self.uuids32,
            self.uuids128,
            self.uuids16_complete if self.uuids16 else True,
            self.uuids32_complete if self.uuids32 else True,
            self.uuids128_complete if self.uuids128 else True,
            self.tx_power,
            self.service_data,
            self.manufacturer_data,
            self.other,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Advert) and self._key() == other._key()

    def __repr__(self) -> str:
        return "Advert" + repr(self._key())

    def service_data_for(self, uuid: "int | bytes") -> "bytes | None":
        """Data of the first service data entry for ``uuid`` (int or 16 air-order bytes)."""
        for _, u, d in self.service_data:
            if u == uuid:
                return d
        return None

    def manufacturer(self, company: int) -> "bytes | None":
        """Data (after the company id) of the first manufacturer entry for ``company``."""
        for c, d in self.manufacturer_data:
            if c == company:
                return d
        return None


def _uuid_list(
    data: "bytes | bytearray | memoryview",
    off: int,
    n: int,
    width: int,
    out: list,  # type: ignore[type-arg]
) -> None:
    if n % width:
        raise ADError(
            "bad-length",
            str(n) + " bytes is not a whole number of " + str(width * 8) + "-bit UUIDs",
            off - 2,
        )
    i = off
    stop = off + n
    while i < stop:
        if width == 2:
            out.append(_u16(data, i))
        elif width == 4:
            out.append(_u32(data, i))
        else:
            out.append(bytes(data[i : i + 16]))
        i += width


def parse(data: "bytes | bytearray | memoryview") -> Advert:
    """Parse advertising data into an ``Advert``; raises ``ADError`` when malformed."""
    adv = Advert()
    for ad_type, off, n in iter_ad(data):
        where = off - 2
        if ad_type == AD_FLAGS:
            if n < 1:
                raise ADError("truncated", "flags structure has no flags byte", where)
            adv.flags = data[off]
        elif ad_type == AD_SHORT_NAME or ad_type == AD_COMPLETE_NAME:
            try:
                adv.local_name = bytes(data[off : off + n]).decode("utf-8")
            except UnicodeError:
                raise ADError("bad-name", "local name is not UTF-8", where) from None
            adv.name_complete = ad_type == AD_COMPLETE_NAME
        elif ad_type == AD_UUID16_INCOMPLETE or ad_type == AD_UUID16_COMPLETE:
            _uuid_list(data, off, n, 2, adv.uuids16)
            adv.uuids16_complete = ad_type == AD_UUID16_COMPLETE
        elif ad_type == AD_UUID32_INCOMPLETE or ad_type == AD_UUID32_COMPLETE:
            _uuid_list(data, off, n, 4, adv.uuids32)
            adv.uuids32_complete = ad_type == AD_UUID32_COMPLETE
        elif ad_type == AD_UUID128_INCOMPLETE or ad_type == AD_UUID128_COMPLETE:
            _uuid_list(data, off, n, 16, adv.uuids128)
            adv.uuids128_complete = ad_type == AD_UUID128_COMPLETE
        elif ad_type == AD_TX_POWER:
            if n != 1:
                raise ADError("bad-length", "TX power level is 1 byte, got " + str(n), where)
            p = data[off]
            adv.tx_power = p - 256 if p > 127 else p
        elif ad_type == AD_SERVICE_DATA16:
            if n < 2:
                raise ADError("truncated", "16-bit service data shorter than its UUID", where)
            adv.service_data.append((ad_type, _u16(data, off), bytes(data[off + 2 : off + n])))
        elif ad_type == AD_SERVICE_DATA32:
            if n < 4:
                raise ADError("truncated", "32-bit service data shorter than its UUID", where)
            adv.service_data.append((ad_type, _u32(data, off), bytes(data[off + 4 : off + n])))
        elif ad_type == AD_SERVICE_DATA128:
            if n < 16:
                raise ADError("truncated", "128-bit service data shorter than its UUID", where)
            adv.service_data.append(
                (ad_type, bytes(data[off : off + 16]), bytes(data[off + 16 : off + n]))
            )
        elif ad_type == AD_MANUFACTURER:
            if n < 2:
                raise ADError("truncated", "manufacturer data shorter than its company id", where)
            adv.manufacturer_data.append((_u16(data, off), bytes(data[off + 2 : off + n])))
        else:
            adv.other.append((ad_type, bytes(data[off : off + n])))
    return adv
