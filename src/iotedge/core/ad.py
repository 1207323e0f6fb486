"""Advertising data (AD): walk length-type-value structures without copying."""

# AD (Core Spec Vol 3 Part C §11) is a run of ``[length][type][value...]`` where
# ``length`` counts the type byte and the value. ``iter_ad`` yields
# ``(ad_type, value_offset, value_length)``; ``find``, ``find_service_data16`` and
# ``find_manufacturer`` locate what sensors and badges put in adverts. ``ad_record``
# parses a whole advert into a record, ``ad_build`` builds one within a budget.
#
# Malformed input raises ``ADError`` with the offset of the structure's length byte
# and a reason: ``overrun`` (a length runs past the end), ``zero-length`` (a zero
# length byte followed by a non-zero byte), ``truncated`` (a value too short for its
# type), ``bad-length`` (a UUID list or TX power of the wrong size), ``bad-name``
# (a local name that is not UTF-8).
#
# Zero length: the spec allows it only to end the "significant part" early, the rest
# being zeros. Controllers and BlueZ do pad to 31 bytes with zeros, so a zero length
# followed only by zeros ends the data; anything non-zero after it is rejected, since
# it is corruption or a structure other parsers (bluetooth-data-tools skips zero
# bytes) would read and we would not.

from ._compat import const
from .errors import ADError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

# AD types (Bluetooth Assigned Numbers, "Common Data Types").
AD_FLAGS = const(0x01)
AD_UUID16_INCOMPLETE = const(0x02)
AD_UUID16_COMPLETE = const(0x03)
AD_UUID32_INCOMPLETE = const(0x04)
AD_UUID32_COMPLETE = const(0x05)
AD_UUID128_INCOMPLETE = const(0x06)
AD_UUID128_COMPLETE = const(0x07)
AD_SHORT_NAME = const(0x08)
AD_COMPLETE_NAME = const(0x09)
AD_TX_POWER = const(0x0A)
AD_SERVICE_DATA16 = const(0x16)
AD_SERVICE_DATA32 = const(0x20)
AD_SERVICE_DATA128 = const(0x21)
AD_MANUFACTURER = const(0xFF)

# "LE General Discoverable, BR/EDR not supported": what BTHome and our badges send.
FLAGS_GENERAL_LE_ONLY = const(0x06)

# A legacy advert carries 31 bytes of AD; one extended advertising PDU
# (AUX_ADV_IND with an empty extended header) 254.
LEGACY_BUDGET = const(31)
EXTENDED_BUDGET = const(254)


def next_structure(data: "bytes | bytearray | memoryview", i: int, end: int) -> int:
    """End offset of the structure whose length byte is at ``i``, or -1 when a zero
    length byte ends the data (the rest must be zeros). ``ADError`` otherwise."""
    n = data[i]
    if n == 0:
        k = i + 1
        while k < end:
            if data[k]:
                raise ADError("zero-length", "non-zero byte at " + str(k) + " after it", i)
            k += 1
        return -1
    j = i + 1 + n
    if j > end:
        raise ADError("overrun", "length " + str(n) + " runs past the end (" + str(end) + ")", i)
    return j


def iter_ad(data: "bytes | bytearray | memoryview") -> "Iterator[tuple[int, int, int]]":
    """Yield ``(ad_type, value_offset, value_length)`` for every structure, slicing
    nothing. Raises ``ADError`` at the first malformed structure (after yielding"""
    # the good ones before it).
    end = len(data)
    i = 0
    while i < end:
        j = next_structure(data, i, end)
        if j < 0:
            return
        yield data[i + 1], i + 2, j - i - 2
        i = j


def find(data: "bytes | bytearray | memoryview", ad_type: int, start: int = 0) -> int:
    """Offset of the value of the first structure of ``ad_type`` from ``start`` (a
    length byte's offset) on, or -1; its length is ``data[offset - 2] - 1``. Only"""
    # the structures walked before the match are validated.
    end = len(data)
    i = start
    while i < end:
        j = next_structure(data, i, end)
        if j < 0:
            break
        if data[i + 1] == ad_type:
            return i + 2
        i = j
    return -1


def find_service_data16(
    data: "bytes | bytearray | memoryview", uuid16: int
) -> "tuple[int, int, int]":
    """One walk for what a sensor advert holds: ``(start, end, name_at)``."""
    # ``start``/``end`` bound the payload of the first 16-bit service data for
    # ``uuid16`` (after the UUID), ``(-1, -1)`` when absent; ``name_at`` is the
    # offset of the local name's value or -1. ``ADError`` like ``iter_ad``, and
    # ``truncated`` for 16-bit service data shorter than its UUID.
    lo = uuid16 & 0xFF
    hi = uuid16 >> 8
    start = stop = name_offset = -1
    end = len(data)
    i = 0
    while i < end:
        # The walk of next_structure, inlined: this is every scanned advert's path.
        n = data[i]
        j = i + 1 + n
        if n == 0 or j > end:
            j = next_structure(data, i, end)  # raises, or -1 for zero padding
            if j < 0:
                break
        t = data[i + 1]
        if t == AD_SERVICE_DATA16:
            if n < 3:
                raise ADError("truncated", "16-bit service data shorter than its UUID", i)
            if start < 0 and data[i + 2] == lo and data[i + 3] == hi:
                start = i + 4
                stop = j
        elif t == AD_COMPLETE_NAME or t == AD_SHORT_NAME:
            name_offset = i + 2
        i = j
    return start, stop, name_offset


def name_at(data: "bytes | bytearray | memoryview", offset: int) -> "str | None":
    """The local name whose value starts at ``offset`` (from ``find_service_data16``),
    or None for -1; ``ADError`` (``bad-name``) when it is not UTF-8."""
    if offset < 0:
        return None
    value = data[offset : offset + data[offset - 2] - 1]
    try:
        return (value if isinstance(value, bytes) else bytes(value)).decode("utf-8")
    except UnicodeError:
        raise ADError("bad-name", "local name is not UTF-8", offset - 2) from None


def find_manufacturer(data: "bytes | bytearray | memoryview", company: int) -> "tuple[int, int]":
    """``(start, end)`` of the manufacturer data of ``company`` (after the company
    id), or ``(-1, -1)``. Raises ``ADError`` like ``iter_ad``."""
    lo = company & 0xFF
    hi = company >> 8
    for ad_type, off, n in iter_ad(data):
        if ad_type == AD_MANUFACTURER:
            if n < 2:
                raise ADError("truncated", "manufacturer data shorter than its company id", off - 2)
            if data[off] == lo and data[off + 1] == hi:
                return off + 2, off + n
    return -1, -1
