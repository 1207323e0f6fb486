"""Golden vectors for signed alert frames, and their independent cross-check.

The vector files (tests/vectors/alerts_hmac.jsonl, alerts_ed25519.jsonl) are the
format of docs/alerts.md applied to fixed inputs. Keys come from published test
vectors: the HMAC key is RFC 4231 test case 1's key padded to 32 bytes (20 x 0x0b
then 12 x 0x00), the Ed25519 secret is RFC 8032 section 7.1 TEST 1's. Regenerate
with ``python -m tests.test_alert_vectors --write`` (only when the format changes
on purpose).

What makes them golden rather than self-fulfilling: this test re-derives every
tag with the standard library's ``hmac`` and checks every signature with the
``cryptography`` package, rebuilding the authenticated bytes from the byte table
in docs/alerts.md by hand, not with the core's helpers. The portable tests then
check both interpreters produce and accept exactly these bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
import sys
import textwrap
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from iotedge.core import ed25519
from iotedge.core.alert_auth import HmacKey
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_messages import TYPE_CODES
from iotedge.core.alert_sign import build_ed25519_frames, build_hmac_frames

VECTORS = Path(__file__).resolve().parent / "vectors"
COMPANY = 0xFFFF
HMAC_KEY = bytes([0x0B] * 20) + bytes(12)  # RFC 4231 test case 1 key, zero-padded
ED_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
ED_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
NOW = 1767225600 + 90  # 2026-01-01T00:01:30Z, when the receiver sees them
ISSUED = (1767225600 // 60) & 0xFFFF

MESSAGES: list[tuple[str, str, dict[str, Any]]] = [
    ("alert-short", "alert", {"code": 0, "scope": 0, "ttl": 30, "text": "Fire!"}),
    (
        "alert-text",
        "alert",
        {"code": 0, "scope": 0, "ttl": 30, "text": "Evacuate Hall A now, use exit B"},
    ),
    ("alert-template", "alert", {"code": 3, "scope": 4, "ttl": 15, "args": ["B", "11:30"]}),
    ("info", "info", {"code": 0, "scope": 0, "ttl": 60, "text": "Lunch in the foyer"}),
    (
        "schedule",
        "schedule",
        {
            "code": 1,
            "scope": 2,
            "ttl": 60,
            "now_start": 630,
            "next_start": 690,
            "now_title": "Keynote",
            "now_speaker": "Ada L.",
            "next_title": "Lunch",
            "next_speaker": "",
        },
    ),
    ("time", "time", {"code": 0, "scope": 0, "ttl": 5, "unix": 1767225600, "tz_quarters": 4}),
    (
        "led",
        "led",
        {"code": 2, "scope": 0, "ttl": 10, "red": 255, "green": 64, "blue": 0, "state": 1},
    ),
    ("revoke", "revoke", {"code": 0, "scope": 0, "ttl": 0, "key_ids": [7]}),
]


def build(scheme: str) -> dict[str, Any]:
    key_id = 1 if scheme == "hmac" else 2
    vectors = []
    for counter, (name, kind, fields) in enumerate(MESSAGES, 1):
        fields = dict(fields, issued=ISSUED)
        msg_type = TYPE_CODES[kind]
        body = encode_body(msg_type, fields)
        if scheme == "hmac":
            frames = build_hmac_frames(
                HmacKey(HMAC_KEY, COMPANY), key_id, counter, msg_type, body, COMPANY
            )
        else:
            frames = build_ed25519_frames(
                lambda m: ed25519.sign(ED_SECRET, m), key_id, counter, msg_type, body, COMPANY
            )
        # No "message" entry: the accepted message is the header plus these fields
        # (vectors_alert.message_of), and a short line keeps a 64 KB board's parse small.
        vectors.append(
            {
                "name": name,
                "type": kind,
                "msg_type": msg_type,
                "key_id": key_id,
                "counter": counter,
                "fields": fields,
                "body": body.hex(),
                "frames": [f.hex() for f in frames],
            }
        )
    key = {
        "key_id": key_id,
        "scheme": scheme,
        "secret": (HMAC_KEY if scheme == "hmac" else ED_SECRET).hex(),
        "trusted": (HMAC_KEY if scheme == "hmac" else ED_PUBLIC).hex(),
    }
    meta = {
        "source": "docs/alerts.md format; keys from RFC 4231 case 1 (HMAC) and RFC 8032 "
        "7.1 TEST 1 (Ed25519); checked by tests/test_alert_vectors.py against stdlib hmac "
        "and the cryptography package",
        "company": COMPANY,
        "now": NOW,
        "keys": [key],
    }
    return {"meta": meta, "vectors": vectors}


# The longest line a vector file may have. A 64 KB MicroPython heap is fragmented
# once the modules are loaded: reading a 600-character line (one contiguous buffer,
# grown as it is read) needed 8 KB more heap than a 100-character one (measured with
# the portable accept test), so every record is a short line of its own.
MAX_LINE = 120


def records(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The file's records, one short one-key object per line.

    ``source`` (provenance, in pieces), ``meta`` (company, receive time), per key
    ``key`` then ``secret`` and ``trusted``, and per vector ``vector`` (name, type
    name and code, key id, counter) followed by one ``field`` per body field, the
    ``body`` and one ``frame`` per advert (hex). tests/portable/vectors_alert.py
    reassembles them on both interpreters.
    """
    meta = doc["meta"]
    out: list[dict[str, Any]] = [{"source": part} for part in textwrap.wrap(meta["source"], 80)]
    out.append({"meta": {"company": meta["company"], "now": meta["now"]}})
    for key in meta["keys"]:
        out.append({"key": {"key_id": key["key_id"], "scheme": key["scheme"]}})
        out.append({"secret": key["secret"]})
        out.append({"trusted": key["trusted"]})
    for vector in doc["vectors"]:
        out.append(
            {"vector": {k: vector[k] for k in ("name", "type", "msg_type", "key_id", "counter")}}
        )
        out += [{"field": [name, value]} for name, value in vector["fields"].items()]
        out.append({"body": vector["body"]})
        out += [{"frame": frame} for frame in vector["frames"]]
    return out


def to_text(doc: dict[str, Any]) -> str:
    """JSON Lines: every record of :func:`records` on a line of its own."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records(doc))


def parse(text: str) -> dict[str, Any]:
    """The document ``to_text`` wrote, reassembled by the portable tests' reader."""
    from vectors_alert import read_meta, read_vectors  # tests/portable, on pytest's path

    rows = [json.loads(line) for line in text.splitlines()]
    meta = read_meta(iter(rows))
    meta["source"] = " ".join(r["source"] for r in rows if "source" in r)
    return {"meta": meta, "vectors": list(read_vectors(iter(rows)))}


def _load(scheme: str) -> dict[str, Any]:
    return parse((VECTORS / f"alerts_{scheme}.jsonl").read_text())


def _split_advert(adv: bytes) -> bytes:
    """The payload after the company id, checked against the byte table by hand."""
    assert adv[:3] == b"\x02\x01\x06"  # flags AD
    assert adv[4] == 0xFF and adv[5:7] == b"\xff\xff"  # manufacturer AD, company 0xFFFF
    assert adv[3] == len(adv) - 4  # AD length covers type + company + payload
    assert len(adv) <= 31
    return adv[7:]


def test_vector_files_match_the_generator() -> None:
    for scheme in ("hmac", "ed25519"):
        text = (VECTORS / f"alerts_{scheme}.jsonl").read_text()
        assert text == to_text(build(scheme)), f"alerts_{scheme}.jsonl is stale"
        assert parse(text) == build(scheme)
        assert max(len(line) for line in text.splitlines()) <= MAX_LINE


def test_every_message_type_has_vectors_in_both_schemes() -> None:
    for scheme in ("hmac", "ed25519"):
        kinds = {v["type"] for v in _load(scheme)["vectors"]}
        assert kinds == set(TYPE_CODES)
        for vector in _load(scheme)["vectors"]:
            assert vector["msg_type"] == TYPE_CODES[vector["type"]]


def test_hmac_tags_match_the_standard_library() -> None:
    doc = _load("hmac")
    for vector in doc["vectors"]:
        frames = [bytes.fromhex(f) for f in vector["frames"]]
        chunks = []
        for index, adv in enumerate(frames):
            payload = _split_advert(adv)
            vt, key_id, counter = struct.unpack_from("<BBI", payload)
            assert vt >> 6 == 1 and vt & 0x10 == 0  # version 1, HMAC scheme
            assert vt & 0x0F == TYPE_CODES[vector["type"]]
            assert (key_id, counter) == (vector["key_id"], vector["counter"])
            signed, tag = payload[:-8], payload[-8:]
            expected = hmac.new(
                HMAC_KEY, b"iotedge/alert/v1" + b"\xff\xff" + signed, hashlib.sha256
            ).digest()[:8]
            assert tag == expected, vector["name"]
            if len(frames) == 1:
                assert vt & 0x20 == 0
                chunks.append(signed[6:])
            else:
                assert vt & 0x20
                assert payload[6] == (index << 4) | (len(frames) - 1)
                chunks.append(signed[7:])
        assert b"".join(chunks).hex() == vector["body"]


def test_ed25519_signatures_match_the_cryptography_package() -> None:
    doc = _load("ed25519")
    public = Ed25519PublicKey.from_public_bytes(ED_PUBLIC)
    for vector in doc["vectors"]:
        frames = [bytes.fromhex(f) for f in vector["frames"]]
        data = b""
        for index, adv in enumerate(frames):
            payload = _split_advert(adv)
            vt = payload[0]
            assert vt >> 6 == 1 and vt & 0x30 == 0x30  # version 1, fragmented, Ed25519
            assert payload[6] == (index << 4) | (len(frames) - 1)
            if index < len(frames) - 1:
                assert len(payload) == 24  # every fragment but the last is full
            data += payload[7:]
        body, signature = data[:-64], data[-64:]
        assert body.hex() == vector["body"]
        signed = (
            b"iotedge/alert/v1"
            + b"\xff\xff"
            + bytes([vt, vector["key_id"]])
            + struct.pack("<I", vector["counter"])
            + bytes([len(frames) - 1])
            + body
        )
        public.verify(signature, signed)  # raises InvalidSignature when wrong


if __name__ == "__main__":
    if "--write" in sys.argv:
        for scheme in ("hmac", "ed25519"):
            path = VECTORS / f"alerts_{scheme}.jsonl"
            path.write_text(to_text(build(scheme)))
            print("wrote", path)
