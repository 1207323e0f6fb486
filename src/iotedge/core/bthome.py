"""BTHome v2 service data (16-bit UUID 0xFCD2): decoding."""

# Service data after the UUID = a device-info byte, then objects: an id byte and a
# value whose size and scale come from ``bthome_objects`` (text, raw and command
# objects carry a length byte). Device info: bit 0 encrypted, bit 1 "MAC included"
# (reserved on bthome.io but read by bthome-ble as 6 MAC bytes, reversed, before the
# objects: decoded the same way, never set by us), bit 2 trigger based, bits 3-4
# ignored, bits 5-7 version (must be 2).
#
# Each decoded object is ``(object_id, name, raw, value)``: ``raw`` is the integer on
# the wire (bytes for text/raw/command), ``value`` the scaled value (raw / 10**n, an
# int when the factor is 1), a bool for binary sensors, the event name for a button,
# signed steps for a dimmer (+right, -left), a str for text, "4.2.1.0" for firmware.
# Compare ``raw`` in tests: boards have 32-bit floats.
#
# Policies (docs/wire-formats.md): an unknown id raises ``UnknownObjectError`` in
# strict mode; lenient mode keeps what was read and sets ``stopped_at`` and
# ``stop_reason`` (also for ``truncated`` objects and ``bad-text``). Ids out of
# ascending order are decoded, as bthome-ble does, and the first such offset is kept
# in ``out_of_order_at``. Offsets count from the device-info byte. Encrypted frames
# need ``key`` and ``mac``; ``bthome_crypto`` is imported only when one is met.
# Encoding is in ``bthome_encode``.

from ._compat import const
from .ad import find_service_data16, name_at
from .bthome_parse import hex2, parse_objects
from .errors import BTHomeError, DecryptError

UUID16 = const(0xFCD2)
INFO_ENCRYPTED = const(0x01)
INFO_MAC_INCLUDED = const(0x02)
INFO_TRIGGER_BASED = const(0x04)
INFO_VERSION_2 = const(0x40)  # bits 5-7 = 0b010
VERSION_MASK = const(0xE0)
_SLOW_BITS = const(0x03)  # encrypted or MAC included


class BTHomeFrame:
    """A decoded BTHome v2 service data frame."""

    # ``objects`` is a list of ``(object_id, name, raw, value)``. ``mac`` holds the
    # 6-byte MAC (display order) when the frame carried one; ``counter`` the
    # encryption counter of an encrypted frame; ``name`` the advert's local name
    # when decoded from a whole advert (``decode_advert``). ``stopped_at``/``stop_reason``
    # say where lenient decoding stopped (-1 / "" when every byte was read);
    # ``out_of_order_at`` is the offset of the first object whose id is lower than
    # the one before it (-1 when in order).

    mac: "bytes | None" = None
    counter: "int | None" = None
    name: "str | None" = None
    stopped_at = -1
    stop_reason = ""
    out_of_order_at = -1

    def __init__(self, device_info: int, objects: "list[tuple]") -> None:  # type: ignore[type-arg]
        self.device_info = device_info
        self.objects = objects

    @property
    def encrypted(self) -> bool:
        return bool(self.device_info & INFO_ENCRYPTED)

    @property
    def trigger_based(self) -> bool:
        return bool(self.device_info & INFO_TRIGGER_BASED)

    @property
    def version(self) -> int:
        return self.device_info >> 5

    @property
    def complete(self) -> bool:
        return self.stopped_at < 0

    def find(self, object_id: int) -> "tuple | None":  # type: ignore[type-arg]
        """The first object with this id, or None."""
        for obj in self.objects:
            if obj[0] == object_id:
                return obj
        return None

    def value(self, name: str) -> object:
        """The value of the first object with this name, or None."""
        for obj in self.objects:
            if obj[1] == name:
                return obj[3]
        return None

    def __repr__(self) -> str:
        return "BTHomeFrame(" + hex2(self.device_info) + ", " + repr(self.objects) + ")"


def decode(
    service_data: "bytes | bytearray | memoryview",
    strict: bool = True,
    key: "bytes | None" = None,
    mac: "bytes | None" = None,
    start: int = 0,
    end: int = -1,
) -> BTHomeFrame:
    """Decode BTHome v2 service data (the bytes after the 0xFCD2 UUID)."""
    # ``start``/``end`` select the service data inside a larger buffer (a whole
    # advert) without copying; offsets still count from ``start``.
    # Raises ``BTHomeError`` (``empty``, ``bad-version``, ``truncated``, ...),
    # ``UnknownObjectError`` in strict mode, ``DecryptError`` for encrypted frames
    # without a key or with a wrong key or tampered bytes.
    if end < 0:
        end = len(service_data)
    if start >= end:
        raise BTHomeError("empty", "no device information byte", 0)
    info = service_data[start]
    if info & VERSION_MASK != INFO_VERSION_2:
        raise BTHomeError(
            "bad-version", "device info " + hex2(info) + " says version " + str(info >> 5), 0
        )
    frame = BTHomeFrame(info, [])
    if not info & _SLOW_BITS:  # the common case: plain objects right after the info byte
        parse_objects(service_data, start + 1, end, strict, -start, frame)
        return frame
    pos = start + 1
    if info & INFO_MAC_INCLUDED:
        if end - pos < 6:
            raise BTHomeError("truncated", "MAC-included flag set but fewer than 6 bytes follow", 1)
        frame.mac = bytes(service_data[pos + 5 - k] for k in range(6))
        pos += 6
    if info & INFO_ENCRYPTED:
        _decode_encrypted(service_data, start, pos, end, strict, key, mac, frame)
    else:
        parse_objects(service_data, pos, end, strict, -start, frame)
    return frame


def _decode_encrypted(
    data: "bytes | bytearray | memoryview",
    start: int,
    pos: int,
    end: int,
    strict: bool,
    key: "bytes | None",
    mac: "bytes | None",
    frame: BTHomeFrame,
) -> None:
    if key is None:
        raise DecryptError("no-key", "the frame is encrypted and no key was given", 0)
    if frame.mac is not None:
        # The frame carries its MAC; bthome_crypto takes it from there (as bthome-ble does).
        mac = b""
    elif mac is None:
        raise DecryptError("no-mac", "the frame is encrypted and no MAC was given", 0)
    from . import bthome_crypto

    sealed = bytes(data) if start == 0 and end == len(data) else bytes(data[start:end])
    plaintext, counter = bthome_crypto.decrypt_payload(key, mac, sealed)
    frame.counter = counter
    parse_objects(plaintext, 0, len(plaintext), strict, pos - start, frame)


def decode_advert(
    adv: "bytes | bytearray | memoryview",
    strict: bool = True,
    key: "bytes | None" = None,
    mac: "bytes | None" = None,
) -> BTHomeFrame:
    """Find the BTHome service data in raw advertising data and decode it; the
    advert's local name (if any) goes to ``frame.name``."""
    # Raises ``ADError`` for malformed AD and ``BTHomeError`` (``no-bthome``) when
    # the advert has no 0xFCD2 service data. Offsets count from the device-info byte.
    s, e, name_offset = find_service_data16(adv, UUID16)
    if s < 0:
        raise BTHomeError("no-bthome", "no service data for UUID 0xFCD2 in the advert")
    frame = decode(adv, strict, key, mac, s, e)
    if name_offset >= 0:
        frame.name = name_at(adv, name_offset)
    return frame
