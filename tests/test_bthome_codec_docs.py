"""The worked examples of docs/wire-formats.md are what the codec reads.

Each example in the doc is a fenced block right after a marker line
``<!-- annotated: HEX -->``; its text must equal ``annotate(HEX)`` below, which
walks the bytes with the codec itself. Regenerate a block with
``python tests/test_bthome_codec_docs.py HEX``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from iotedge.core import ad, bthome, bthome_objects, nodeconf2018

DOC = Path(__file__).resolve().parents[1] / "docs" / "wire-formats.md"
_KINDS = {
    bthome_objects.KIND_UINT: "uint",
    bthome_objects.KIND_SINT: "sint",
    bthome_objects.KIND_BINARY: "uint8 binary",
    bthome_objects.KIND_BUTTON: "uint8 event",
    bthome_objects.KIND_DIMMER: "event + steps",
    bthome_objects.KIND_FIRMWARE: "version",
}
_AD_NAMES = {
    ad.AD_FLAGS: "flags",
    ad.AD_SHORT_NAME: "shortened local name",
    ad.AD_COMPLETE_NAME: "complete local name",
    ad.AD_SERVICE_DATA16: "service data, 16-bit UUID",
    ad.AD_MANUFACTURER: "manufacturer specific data",
}


def _hex(data: bytes) -> str:
    return " ".join(f"{b:02X}" for b in data)


def _line(data: bytes, text: str) -> str:
    return f"{_hex(data):<24} {text}".rstrip()


def _objects(payload: bytes, base_text: str = "") -> list[str]:
    out = []
    frame = bthome.decode(payload)
    info = payload[0]
    flags = ["version 2", "encrypted" if info & 1 else "not encrypted"]
    flags.append("trigger based" if info & 4 else "regular updates")
    out.append(_line(payload[:1], "BTHome device info: " + ", ".join(flags)))
    pos = 1
    for oid, name, raw, value in frame.objects:
        _, _, kind, size, decimals, mult, unit = bthome_objects.lookup(oid)  # type: ignore[misc]
        if size:
            chunk = payload[pos : pos + 1 + size]
            kind_text = _KINDS[kind] + (str(8 * size) if kind <= 1 else "")
            if kind <= bthome_objects.KIND_SINT and (decimals or mult != 1):
                factor = f"{mult / 10**decimals:g}"
                text = f"{raw} x {factor} = {value} {unit}".rstrip()
            else:
                text = f"{value} {unit}".rstrip() if kind <= 1 else repr(value)
            out.append(_line(chunk, f"object 0x{oid:02X} {name} ({kind_text}): {text}"))
            pos += 1 + size
        else:
            n = payload[pos + 1]
            length = 1 + (n & 0x1F) if kind == bthome_objects.KIND_COMMAND else n
            out.append(_line(payload[pos : pos + 2], f"object 0x{oid:02X} {name}, length {n}"))
            body = payload[pos + 2 : pos + 2 + length]
            shown = value.hex() if isinstance(value, bytes) else repr(value)
            out.append(_line(body, f"  = {shown}"))
            pos += 2 + length
    return out


def _nodeconf(payload: bytes) -> list[str]:
    item = nodeconf2018.decode_manufacturer(payload)
    if isinstance(item, nodeconf2018.BadgeBeacon):
        return [_line(payload, f"badge JSON: t = {item.temperature} degC, c = {item.claps} claps")]
    lines = [_line(payload[:1], f"message type {item.msg_type}: {item.kind}")]
    if item.kind == "control":
        lines.append(_line(payload[1:5], f"seconds since 2018-01-01Z = {item.seconds}"))
        lines.append(_line(payload[5:6], f"state = {item.state}"))
        lines.append(_line(payload[6:7], f"room = {item.room} ({item.room_name})"))
    elif item.kind == "led":
        lines.append(_line(payload[1:7], f"top {item.top}, bottom {item.bottom}"))
        lines.append(_line(payload[7:19], f"backlight {item.backlight}"))
    elif item.kind in ("alert", "info"):
        lines.append(_line(payload[1:], repr(item.text)))
    else:
        lines.append(_line(payload[1:2], f"time code {payload[1]} x 10 min = {item.time_text}"))
        lines.append(_line(payload[2:], repr(item.title)))
    return lines


def annotate(hexed: str) -> str:
    data = bytes.fromhex(hexed)
    if data[0] & 0xE0 == 0x40 and data[0] + 1 > len(data):
        return "\n".join(_objects(data))
    lines = []
    for ad_type, off, n in ad.iter_ad(data):
        head = data[off - 2 : off]
        name = _AD_NAMES.get(ad_type, f"type 0x{ad_type:02X}")
        value = data[off : off + n]
        intro = f"AD structure: length {head[0]}, type 0x{ad_type:02X} {name}"
        if ad_type == ad.AD_FLAGS:
            lines.append(_line(head + value, intro + f" = 0x{value[0]:02X}"))
        elif ad_type in (ad.AD_SHORT_NAME, ad.AD_COMPLETE_NAME):
            lines.append(_line(head, intro))
            lines.append(_line(value, f"  = {value.decode()!r}"))
        elif ad_type == ad.AD_SERVICE_DATA16 and value[:2] == b"\xd2\xfc":
            lines.append(_line(head + value[:2], intro + ", UUID 0xFCD2 (BTHome)"))
            lines.extend(_objects(value[2:]))
        elif ad_type == ad.AD_MANUFACTURER and value[:2] == b"\x90\x05":
            lines.append(_line(head + value[:2], intro + ", company 0x0590"))
            lines.extend(_nodeconf(value[2:]))
        else:
            lines.append(_line(head, intro))
            lines.append(_line(value, "  value"))
    return "\n".join(lines)


def table_rows() -> list[str]:
    """The object table of the doc, one markdown row per object id."""
    kinds = dict(_KINDS)
    kinds.update({5: "text", 6: "raw", 7: "command"})
    rows = []
    for oid, name, kind, size, decimals, mult, unit in bthome_objects.rows():
        if kind <= bthome_objects.KIND_SINT:
            wire = f"{_KINDS[kind]}{8 * size}"
        elif size:
            wire = f"{kinds[kind]}, {size} byte" + ("s" if size > 1 else "")
        else:
            wire = kinds[kind] + ", length-prefixed"
        factor = f"{mult / 10**decimals:g}" if kind <= bthome_objects.KIND_SINT else "-"
        rows.append(f"| 0x{oid:02X} | {name} | {wire} | {factor} | {unit or '-'} |")
    return rows


def test_doc_object_table_is_the_codec_table() -> None:
    text = DOC.read_text()
    for row in table_rows():
        assert row in text, row


def _examples() -> list[tuple[str, str]]:
    text = DOC.read_text()
    return re.findall(r"<!-- annotated: ([0-9A-Fa-f]+) -->\n```text\n(.*?)\n```", text, re.S)


def test_doc_has_worked_examples() -> None:
    assert len(_examples()) >= 6


def test_every_worked_example_matches_the_codec() -> None:
    for hexed, block in _examples():
        assert block == annotate(hexed), hexed


if __name__ == "__main__":
    if sys.argv[1] == "--table":
        print("\n".join(table_rows()))
    else:
        print(annotate(sys.argv[1]))
