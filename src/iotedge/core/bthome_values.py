"""Human-facing BTHome helpers: values -> wire values (``to_raw(0x02, 21.5) == 2150``),
object names -> ids, whole adverts."""

from .bthome_objects import (
    BUTTON_EVENTS,
    COMMAND_OPCODES,
    DIMMER_ROTATE_LEFT,
    DIMMER_ROTATE_RIGHT,
    KIND_BINARY,
    KIND_BUTTON,
    KIND_COMMAND,
    KIND_DIMMER,
    KIND_FIRMWARE,
    KIND_RAW,
    KIND_TEXT,
    lookup,
    rows,
)
from .errors import EncodeError, UnknownObjectError


def object_id_for(name: str) -> int:
    """The lowest object id with this name (e.g. ``"temperature"`` -> 0x02)."""
    for row in rows():
        if row[1] == name:
            return row[0]
    raise UnknownObjectError("unknown-object", "no object is named " + repr(name))


def advert(
    objects: "list[tuple[int, object]]",
    name: "str | None" = None,
    trigger_based: bool = False,
    extended: bool = False,
    key: "bytes | None" = None,
    mac: "bytes | None" = None,
    counter: int = 0,
) -> bytes:
    """A whole advert: flags 0x06, BTHome service data, then the name (if any,
    shortened to fit). Raises ``AdvertBudgetError`` when the data does not fit."""
    from . import ad_build, ad_record  # only whole adverts need the builder
    from .ad import AD_SERVICE_DATA16, FLAGS_GENERAL_LE_ONLY
    from .bthome import UUID16
    from .bthome_encode import encode

    adv = ad_record.Advert()
    adv.flags = FLAGS_GENERAL_LE_ONLY
    sd = encode(objects, trigger_based, key, mac, counter)
    adv.service_data.append((AD_SERVICE_DATA16, UUID16, sd))
    adv.local_name = name
    return ad_build.build(adv, extended, shorten_name=True)


def to_raw(object_id: int, value: object) -> object:
    """The wire value for a human value: ``to_raw(0x02, 21.5) == 2150``."""
    # Numbers are divided by the object's factor and rounded to the nearest integer
    # (strings such as ``"21.5"`` are accepted); binary sensors take bools or 0/1;
    # buttons an event id or name; dimmers signed steps (+right, -left); firmware
    # versions "4.2.1.0" or an int; command objects bytes or an opcode name; text a
    # str; raw bytes. The result is range-checked by ``encode``.
    row = lookup(object_id)
    if row is None:
        raise UnknownObjectError(
            "unknown-object", "object id " + str(object_id) + " is not in the table"
        )
    _, name, kind, size, decimals, mult, _ = row
    if kind == KIND_TEXT:
        return value if isinstance(value, (str, bytes)) else str(value)
    if kind == KIND_RAW:
        if isinstance(value, str):
            return value.encode("utf-8")
        return value
    if kind == KIND_COMMAND:
        if isinstance(value, str):
            for code, label in COMMAND_OPCODES.items():
                if label == value:
                    return bytes((code,))
            raise EncodeError("bad-value", "unknown command " + repr(value))
        return value
    if kind == KIND_BUTTON and isinstance(value, str):
        for code, event in BUTTON_EVENTS.items():
            if event == value:
                return code
        if value == "none":
            return 0
        raise EncodeError("bad-value", "unknown button event " + repr(value))
    if kind == KIND_FIRMWARE and isinstance(value, str):
        parts = value.split(".")
        if len(parts) != size:
            raise EncodeError("bad-value", name + " needs " + str(size) + " dotted parts")
        raw = 0
        for part in parts:
            try:
                v = int(part)
            except ValueError:
                raise EncodeError("bad-value", "not a version: " + repr(value)) from None
            if not 0 <= v <= 255:
                raise EncodeError("out-of-range", "version parts are 0..255")
            raw = (raw << 8) | v
        return raw
    if kind == KIND_BINARY:
        if value is True or value is False:
            return 1 if value else 0
        if isinstance(value, str):
            low = value.lower()
            if low in ("1", "true", "on", "yes"):
                return 1
            if low in ("0", "false", "off", "no"):
                return 0
            raise EncodeError("bad-value", "not a boolean: " + repr(value))
    if kind == KIND_DIMMER:
        steps = _number(value)
        if steps != int(steps):
            raise EncodeError("bad-value", "dimmer steps are whole numbers")
        steps = int(steps)
        if not -255 <= steps <= 255:
            raise EncodeError("out-of-range", "dimmer steps are -255..255")
        if steps > 0:
            return DIMMER_ROTATE_RIGHT | (steps << 8)
        if steps < 0:
            return DIMMER_ROTATE_LEFT | ((-steps) << 8)
        return 0
    number = _number(value)
    if decimals == 0 and mult == 1 and isinstance(number, int):
        return number
    div = 1
    for _ in range(decimals):
        div *= 10
    return round(number * div / mult)


def _number(value: object) -> "int | float":
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value, 0)
        except ValueError:
            pass
        try:
            return float(value)
        except ValueError:
            raise EncodeError("bad-value", "not a number: " + repr(value)) from None
    raise EncodeError("bad-type", "not a number: " + repr(value))
