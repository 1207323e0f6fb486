"""``iotedge codec``: decode adverts and BTHome frames to JSON, encode them from flags.

    iotedge codec decode HEX [--as ad|bthome] [--key HEX] [--mac MAC] [--lenient]
    iotedge codec encode --format bthome [--temperature C] [--humidity %] ... [--object ID=VALUE]
    iotedge codec encode --format badge --badge-id N --packet-id N --battery % \\
        --temperature C --claps N [--humidity %] [--name NAME]

``decode`` reads raw advertising data or bare BTHome service data (the bytes after
the 0xFCD2 UUID; with the UUID ``d2fc`` in front is accepted too) and prints one
JSON document. Without ``--as`` it decides from the first byte: a BTHome
device-info byte (0x40-0x5F) that would overrun as an AD length means BTHome.
``encode`` prints the advertising data as hex. docs/codec.md has examples.
"""

from __future__ import annotations

import argparse
import binascii
import json
from typing import Any

from iotedge.core import ad, ad_record, badge, bthome, bthome_encode, bthome_values, nodeconf2018
from iotedge.core.bthome_objects import KIND_COMMAND, KIND_RAW, lookup
from iotedge.core.bthome_values import to_raw
from iotedge.core.errors import BTHomeError, IotEdgeError

_AD_TYPE_NAMES = {
    ad.AD_FLAGS: "flags",
    ad.AD_UUID16_INCOMPLETE: "incomplete 16-bit UUIDs",
    ad.AD_UUID16_COMPLETE: "complete 16-bit UUIDs",
    ad.AD_UUID32_INCOMPLETE: "incomplete 32-bit UUIDs",
    ad.AD_UUID32_COMPLETE: "complete 32-bit UUIDs",
    ad.AD_UUID128_INCOMPLETE: "incomplete 128-bit UUIDs",
    ad.AD_UUID128_COMPLETE: "complete 128-bit UUIDs",
    ad.AD_SHORT_NAME: "shortened local name",
    ad.AD_COMPLETE_NAME: "complete local name",
    ad.AD_TX_POWER: "TX power level",
    ad.AD_SERVICE_DATA16: "service data, 16-bit UUID",
    ad.AD_SERVICE_DATA32: "service data, 32-bit UUID",
    ad.AD_SERVICE_DATA128: "service data, 128-bit UUID",
    ad.AD_MANUFACTURER: "manufacturer specific data",
}


# ---------------------------------------------------------------------------
# argument parsing helpers (bad input raises IotEdgeError: exit status 2)


def parse_hex(text: str, what: str = "data") -> bytes:
    cleaned = text.strip().replace(":", "").replace(" ", "").replace("-", "")
    if cleaned[:2].lower() == "0x":
        cleaned = cleaned[2:]
    try:
        return binascii.unhexlify(cleaned)
    except (binascii.Error, ValueError):
        raise IotEdgeError("bad-hex", f"{what} is not hexadecimal: {text!r}") from None


def parse_key(text: str) -> bytes:
    key = parse_hex(text, "key")
    if len(key) != 16:
        raise IotEdgeError("bad-key", f"a BTHome key is 16 bytes (32 hex digits), got {len(key)}")
    return key


def parse_mac(text: str) -> bytes:
    mac = parse_hex(text, "MAC")
    if len(mac) != 6:
        raise IotEdgeError("bad-mac", f"a MAC is 6 bytes like 54:48:E6:8F:80:A5, got {text!r}")
    return mac


def parse_int(text: str, what: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise IotEdgeError("bad-value", f"{what} is not an integer: {text!r}") from None


def parse_object_id(text: str) -> int:
    try:
        oid = int(text, 0)
    except ValueError:
        return bthome_values.object_id_for(text)
    if lookup(oid) is None:
        raise IotEdgeError("unknown-object", f"object id {text} is not in the BTHome table")
    return oid


# ---------------------------------------------------------------------------
# decode


def _jsonable(value: object) -> object:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    return value


def frame_json(frame: bthome.BTHomeFrame) -> dict[str, Any]:
    objects = []
    for oid, name, raw, value in frame.objects:
        row = lookup(oid)
        objects.append(
            {
                "id": f"0x{oid:02x}",
                "name": name,
                "raw": _jsonable(raw),
                "value": _jsonable(value),
                "unit": row[6] if row else "",
            }
        )
    return {
        "device_info": f"0x{frame.device_info:02x}",
        "version": frame.version,
        "encrypted": frame.encrypted,
        "trigger_based": frame.trigger_based,
        "mac": frame.mac.hex(":").upper() if frame.mac else None,
        "counter": frame.counter,
        "objects": objects,
        "complete": frame.complete,
        "stopped_at": frame.stopped_at if frame.stopped_at >= 0 else None,
        "stop_reason": frame.stop_reason or None,
        "out_of_order_at": frame.out_of_order_at if frame.out_of_order_at >= 0 else None,
    }


def _nodeconf_json(item: nodeconf2018.BadgeBeacon | nodeconf2018.GatewayFrame) -> dict[str, Any]:
    if isinstance(item, nodeconf2018.BadgeBeacon):
        return {"kind": "badge", "temperature": item.temperature, "claps": item.claps}
    out: dict[str, Any] = {"kind": item.kind, "type": item.msg_type}
    if item.kind == "control":
        out.update(
            seconds=item.seconds,
            unix_time=item.unix_time,
            state=item.state,
            room=item.room,
            room_name=item.room_name,
        )
    elif item.kind == "led":
        out.update(top=list(item.top), bottom=list(item.bottom))
        out["backlight"] = [list(rgb) for rgb in item.backlight]
    elif item.kind in ("alert", "info"):
        out["text"] = item.text
    else:
        out.update(
            slot=item.slot,
            part=item.part,
            minutes=item.minutes,
            time=item.time_text,
            title=item.title,
        )
    return out


def _uuid_text(ad_type: int, uuid: int | bytes) -> str:
    if isinstance(uuid, bytes):
        return ad_record.uuid128_to_str(uuid)
    return ad_record.uuid32_to_str(uuid)


def advert_json(data: bytes, key: bytes | None, mac: bytes | None, strict: bool) -> dict[str, Any]:
    adv = ad_record.parse(data)
    structures = [
        {
            "offset": off - 2,
            "type": f"0x{t:02x}",
            "type_name": _AD_TYPE_NAMES.get(t, "other"),
            "length": n,
            "value": data[off : off + n].hex(),
        }
        for t, off, n in ad.iter_ad(data)
    ]
    out: dict[str, Any] = {
        "format": "ad",
        "length": len(data),
        "structures": structures,
        "flags": adv.flags,
        "local_name": adv.local_name,
        "name_complete": adv.name_complete if adv.local_name is not None else None,
        "uuids16": [f"0x{u:04x}" for u in adv.uuids16],
        "uuids32": [f"0x{u:08x}" for u in adv.uuids32],
        "uuids128": [ad_record.uuid128_to_str(u) for u in adv.uuids128],
        "tx_power": adv.tx_power,
        "service_data": [
            {"uuid": _uuid_text(t, u), "data": d.hex()} for t, u, d in adv.service_data
        ],
        "manufacturer_data": [
            {"company": f"0x{c:04x}", "data": d.hex()} for c, d in adv.manufacturer_data
        ],
    }
    if adv.service_data_for(bthome.UUID16) is not None:
        frame = bthome.decode_advert(data, strict, key, mac)
        out["bthome"] = frame_json(frame)
        try:
            reading = badge.from_frame(frame, frame.name)
        except BTHomeError:
            pass
        else:
            out["badge"] = badge_json(reading)
    if adv.manufacturer(nodeconf2018.COMPANY_ID) is not None:
        out["nodeconf2018"] = _nodeconf_json(nodeconf2018.decode_advert(data))
    return out


def badge_json(reading: badge.BadgeReading) -> dict[str, Any]:
    return {
        "badge_id": f"0x{reading.badge_id:08x}",
        "packet_id": reading.packet_id,
        "battery": reading.battery,
        "temperature_centi": reading.temperature_centi,
        "temperature": reading.temperature,
        "claps": reading.claps,
        "humidity": None if reading.humidity == badge.NO_HUMIDITY else reading.humidity,
        "name": reading.name,
    }


def looks_like_bthome(data: bytes) -> bool:
    """Bare service data: a v2 device-info byte that, read as an AD length, would
    run past the end (so the bytes cannot be an advert)."""
    return (
        len(data) > 0
        and data[0] & bthome.VERSION_MASK == bthome.INFO_VERSION_2
        and (data[0] + 1 > len(data))
    )


def decode_json(
    data: bytes, as_: str | None, key: bytes | None, mac: bytes | None, strict: bool
) -> dict[str, Any]:
    if as_ is None and len(data) >= 3 and data[0] == 0xD2 and data[1] == 0xFC:
        data = data[2:]  # service data given with its UUID
        as_ = "bthome"
    if as_ is None:
        as_ = "bthome" if looks_like_bthome(data) else "ad"
    if as_ == "bthome":
        out = {"format": "bthome", **frame_json(bthome.decode(data, strict, key, mac))}
        return out
    return advert_json(data, key, mac, strict)


def _run_decode(args: argparse.Namespace) -> int:
    data = parse_hex(args.hex)
    key = parse_key(args.key) if args.key else None
    mac = parse_mac(args.mac) if args.mac else None
    doc = decode_json(data, args.as_, key, mac, not args.lenient)
    print(json.dumps(doc, ensure_ascii=False, indent=2))
    return 0


# ---------------------------------------------------------------------------
# encode

# Convenience flags -> BTHome object id (docs/wire-formats.md has the table).
_BTHOME_FLAGS = (
    ("packet_id", 0x00),
    ("battery", 0x01),
    ("temperature", 0x02),
    ("humidity", 0x03),
    ("pressure", 0x04),
    ("illuminance", 0x05),
    ("voltage", 0x0C),
    ("co2", 0x12),
)


def _count_object(count: int) -> int:
    if count < 0:
        raise IotEdgeError("out-of-range", "--count is >= 0 (use --object 0x59=N for signed)")
    return 0x09 if count <= 0xFF else 0x3D if count <= 0xFFFF else 0x3E


def bthome_objects_from_args(args: argparse.Namespace) -> list[tuple[int, object]]:
    objects: list[tuple[int, object]] = []
    for attr, oid in _BTHOME_FLAGS:
        text = getattr(args, attr)
        if text is not None:
            objects.append((oid, to_raw(oid, text)))
    if args.count is not None:
        count = parse_int(args.count, "--count")
        objects.append((_count_object(count), count))
    for item in args.object or []:
        ident, sep, text = item.partition("=")
        if not sep:
            raise IotEdgeError("bad-value", f"--object wants ID=VALUE, got {item!r}")
        oid = parse_object_id(ident.strip())
        row = lookup(oid)
        value: object = text
        if row is not None and row[2] in (KIND_RAW, KIND_COMMAND) and text:  # these take hex
            value = parse_hex(text, f"object {ident}")
        objects.append((oid, to_raw(oid, value)))
    if not objects:
        raise IotEdgeError("no-objects", "give at least one measurement (--temperature, ...)")
    objects.sort(key=lambda item: item[0])  # BTHome wants ascending ids; stable for repeats
    return objects


def _run_encode(args: argparse.Namespace) -> int:
    if args.format == "badge":
        out = _encode_badge(args)
    else:
        objects = bthome_objects_from_args(args)
        key = parse_key(args.key) if args.key else None
        mac = parse_mac(args.mac) if args.mac else None
        if key is not None and mac is None:
            raise IotEdgeError("no-mac", "--key needs --mac (the advertiser's address)")
        counter = parse_int(args.counter, "--counter") if args.counter is not None else 0
        if args.service_data:
            out = bthome_encode.encode(objects, args.trigger_based, key, mac, counter)
        else:
            out = bthome_values.advert(
                objects, args.name, args.trigger_based, args.extended, key, mac, counter
            )
    print(out.hex())
    return 0


def _encode_badge(args: argparse.Namespace) -> bytes:
    missing = [
        flag
        for flag, value in (
            ("--badge-id", args.badge_id),
            ("--packet-id", args.packet_id),
            ("--battery", args.battery),
            ("--temperature", args.temperature),
            ("--claps", args.claps),
        )
        if value is None
    ]
    if missing:
        raise IotEdgeError("missing-field", "a badge frame needs " + ", ".join(missing))
    temperature = to_raw(0x02, args.temperature)
    humidity = badge.NO_HUMIDITY
    if args.humidity is not None:
        humidity = to_raw(0x2E, args.humidity)  # type: ignore[assignment]
    return badge.encode(
        parse_int(args.badge_id, "--badge-id"),
        parse_int(args.packet_id, "--packet-id"),
        parse_int(args.battery, "--battery"),
        temperature,  # type: ignore[arg-type]
        parse_int(args.claps, "--claps"),
        humidity,
        args.name or b"",
    )


# ---------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "codec",
        help="decode/encode adverts, BTHome frames and badge frames",
        description="Decode advertising data or BTHome service data to JSON; encode "
        "BTHome and badge adverts to hex (docs/codec.md).",
    )
    sub = parser.add_subparsers(dest="codec_command", metavar="ACTION")
    sub.required = True

    dec = sub.add_parser("decode", help="HEX in, JSON out")
    dec.add_argument("hex", metavar="HEX", help="advertising data or BTHome service data")
    dec.add_argument("--as", dest="as_", choices=("ad", "bthome"), help="skip detection")
    dec.add_argument("--key", help="BTHome encryption key, 32 hex digits")
    dec.add_argument("--mac", help="advertiser address for encrypted frames, 54:48:E6:8F:80:A5")
    dec.add_argument(
        "--lenient",
        action="store_true",
        help="stop at an unknown BTHome object instead of failing (reports where)",
    )
    dec.set_defaults(func=_run_decode)

    enc = sub.add_parser("encode", help="fields in, hex advertising data out")
    enc.add_argument("--format", choices=("bthome", "badge"), required=True)
    for attr, oid in _BTHOME_FLAGS:
        row = lookup(oid)
        unit = f" ({row[6]})".replace("%", "%%") if row and row[6] else ""  # argparse formats %
        enc.add_argument("--" + attr.replace("_", "-"), dest=attr, help=f"object 0x{oid:02x}{unit}")
    enc.add_argument("--count", help="count (0x09, 0x3D or 0x3E, the smallest that fits)")
    enc.add_argument(
        "--object",
        action="append",
        metavar="ID=VALUE",
        help="any BTHome object by id (0x45) or name (uv_index); repeatable",
    )
    enc.add_argument("--name", help="local name (shortened to fit the advert)")
    enc.add_argument("--trigger-based", action="store_true", help="set device-info bit 2")
    enc.add_argument("--extended", action="store_true", help="254-byte extended budget")
    enc.add_argument("--service-data", action="store_true", help="print only the service data")
    enc.add_argument("--key", help="encrypt with this BTHome key (32 hex digits)")
    enc.add_argument("--mac", help="advertiser address (needed with --key)")
    enc.add_argument("--counter", help="encryption counter (default 0)")
    enc.add_argument("--badge-id", help="badge: stable 32-bit id")
    enc.add_argument("--claps", help="badge: claps since boot")
    enc.set_defaults(func=_run_encode)
