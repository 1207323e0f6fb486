"""Build advertising data within the legacy (31) or extended (254) byte budget."""

# Going over the budget raises ``AdvertBudgetError`` (``over-budget``); a value
# too long for one structure (more than 254 bytes) ``structure-too-long``; a field
# that does not fit its bytes ``EncodeError``.

from ._compat import const
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
    EXTENDED_BUDGET,
    LEGACY_BUDGET,
)
from .ad_record import Advert
from .errors import AdvertBudgetError, EncodeError

_MAX_VALUE = const(254)  # the length byte (255 max) also counts the type byte


def budget_for(extended: bool) -> int:
    return EXTENDED_BUDGET if extended else LEGACY_BUDGET


def pack_structure_into(
    buf: "bytearray | memoryview",
    offset: int,
    ad_type: int,
    value: "bytes | bytearray | memoryview",
    budget: int = LEGACY_BUDGET,
) -> int:
    """Write one structure at ``offset``; return the offset after it."""
    # Raises ``AdvertBudgetError`` (``over-budget``) when it would end past ``budget``
    # (counted from the start of ``buf``) or past the buffer, and
    # (``structure-too-long``) when the value is longer than one structure can hold.
    n = len(value)
    if n > _MAX_VALUE:
        raise AdvertBudgetError(
            "structure-too-long", "a value of " + str(n) + " bytes exceeds 254", offset
        )
    end = offset + 2 + n
    if end > budget or end > len(buf):
        raise AdvertBudgetError(
            "over-budget",
            "needs " + str(end) + " bytes, the budget is " + str(min(budget, len(buf))),
            offset,
        )
    buf[offset] = n + 1
    buf[offset + 1] = ad_type
    buf[offset + 2 : end] = value
    return end


def build_structures(items: "list[tuple[int, bytes]]", budget: int = LEGACY_BUDGET) -> bytes:
    """``[(ad_type, value), ...]`` -> advertising data, within ``budget``."""
    total = 0
    for ad_type, value in items:
        if not 0 <= ad_type <= 0xFF:
            raise EncodeError("bad-type", "AD type must be 0..255, got " + str(ad_type))
        total += 2 + len(value)
    buf = bytearray(total)
    off = 0
    for ad_type, value in items:
        off = pack_structure_into(buf, off, ad_type, value, budget)
    return bytes(buf)


def _le(value: int, width: int, what: str) -> bytes:
    if not isinstance(value, int) or not 0 <= value < (1 << (8 * width)):
        raise EncodeError("out-of-range", what + " does not fit " + str(width) + " bytes")
    out = bytearray(width)
    for k in range(width):
        out[k] = (value >> (8 * k)) & 0xFF
    return bytes(out)


def _uuid128(wire: "bytes | bytearray") -> bytes:
    if len(wire) != 16:
        raise EncodeError("bad-uuid", "a 128-bit UUID is 16 bytes, got " + str(len(wire)))
    return bytes(wire)


def structures_of(adv: Advert) -> "list[tuple[int, bytes]]":
    """The ``(ad_type, value)`` list that ``build`` writes for ``adv``, in order:
    flags, UUID lists, TX power, service data, manufacturer data, others, name last"""
    # (so that ``build(shorten_name=True)`` can cut the name to what is left).
    items: "list[tuple[int, bytes]]" = []
    if adv.flags is not None:
        items.append((AD_FLAGS, _le(adv.flags, 1, "flags")))
    if adv.uuids16:
        t = AD_UUID16_COMPLETE if adv.uuids16_complete else AD_UUID16_INCOMPLETE
        items.append((t, b"".join(_le(u, 2, "16-bit UUID") for u in adv.uuids16)))
    if adv.uuids32:
        t = AD_UUID32_COMPLETE if adv.uuids32_complete else AD_UUID32_INCOMPLETE
        items.append((t, b"".join(_le(u, 4, "32-bit UUID") for u in adv.uuids32)))
    if adv.uuids128:
        t = AD_UUID128_COMPLETE if adv.uuids128_complete else AD_UUID128_INCOMPLETE
        items.append((t, b"".join(_uuid128(u) for u in adv.uuids128)))
    if adv.tx_power is not None:
        if not isinstance(adv.tx_power, int) or not -128 <= adv.tx_power <= 127:
            raise EncodeError("out-of-range", "TX power must be -128..127 dBm")
        items.append((AD_TX_POWER, bytes((adv.tx_power & 0xFF,))))
    for ad_type, uuid, data in adv.service_data:
        if ad_type == AD_SERVICE_DATA16:
            head = _le(uuid, 2, "16-bit UUID")  # type: ignore[arg-type]
        elif ad_type == AD_SERVICE_DATA32:
            head = _le(uuid, 4, "32-bit UUID")  # type: ignore[arg-type]
        elif ad_type == AD_SERVICE_DATA128:
            head = _uuid128(uuid)  # type: ignore[arg-type]
        else:
            raise EncodeError("bad-type", "not a service data AD type: " + str(ad_type))
        items.append((ad_type, head + bytes(data)))
    for company, data in adv.manufacturer_data:
        items.append((AD_MANUFACTURER, _le(company, 2, "company id") + bytes(data)))
    for ad_type, data in adv.other:
        if 0 < ad_type <= AD_TX_POWER or ad_type in (
            AD_SERVICE_DATA16,
            AD_SERVICE_DATA32,
            AD_SERVICE_DATA128,
            AD_MANUFACTURER,
        ):
            # parse() reads these into their own fields (and rejects some of them
            # empty): written from ``other`` they would not come back as written.
            raise EncodeError("bad-type", "AD type " + hex(ad_type) + " has its own Advert field")
        items.append((ad_type, bytes(data)))
    if adv.local_name is not None:
        t = AD_COMPLETE_NAME if adv.name_complete else AD_SHORT_NAME
        items.append((t, adv.local_name.encode("utf-8")))
    return items


def _shorten_utf8(name: bytes, room: int) -> bytes:
    """The longest prefix of ``name`` of at most ``room`` bytes that ends on a
    character boundary (never splits a UTF-8 sequence)."""
    if room >= len(name):
        return name
    cut = room
    while cut > 0 and (name[cut] & 0xC0) == 0x80:
        cut -= 1
    return name[:cut]


def build(adv: Advert, extended: bool = False, shorten_name: bool = False) -> bytes:
    """Advertising data for ``adv`` within the legacy (default) or extended budget."""
    # With ``shorten_name`` a complete name that does not fit is cut (on a UTF-8
    # character boundary) and sent as a shortened name (AD type 0x08), as the spec
    # intends; without it, or when not even one character fits, the build fails
    # with ``AdvertBudgetError``.
    budget = budget_for(extended)
    items = structures_of(adv)
    if shorten_name and adv.local_name is not None:
        used = 0
        for _, value in items[:-1]:
            used += 2 + len(value)
        name = items[-1][1]
        room = budget - used - 2
        if used + 2 + len(name) > budget and room > 0:
            short = _shorten_utf8(name, room)
            if short:
                items[-1] = (AD_SHORT_NAME, short)
    return build_structures(items, budget)
