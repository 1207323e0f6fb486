"""Golden vectors in tests/vectors/ (each names its source): AD, BTHome, badge, NodeConf."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iotedge.commands.codec import _nodeconf_json
from iotedge.core import ad, ad_record, badge, bthome, bthome_encode, errors, nodeconf2018

VECTORS = Path(__file__).parent / "vectors"


def _load(name: str) -> list[dict[str, Any]]:
    doc = json.loads((VECTORS / name).read_text())
    for vector in doc["vectors"]:
        assert vector["source"], vector["name"]
        assert not vector["name"].endswith(","), vector["name"]  # a stray comma from a copy
    return doc["vectors"]  # type: ignore[no-any-return]


def _objects(frame: bthome.BTHomeFrame) -> list[dict[str, Any]]:
    return [
        {"id": o[0], "raw": o[2].hex() if isinstance(o[2], bytes) else o[2], "value": o[3]}
        for o in frame.objects
    ]


@pytest.mark.parametrize("vector", _load("ad_examples.json"), ids=lambda v: v["name"])
def test_ad_vectors(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["hex"])
    if "error" in vector:
        with pytest.raises(errors.ADError) as info:
            ad_record.parse(data)
        assert info.value.reason == vector["error"]["reason"]
        assert info.value.offset == vector["error"]["offset"]
        return
    assert [list(s) for s in ad.iter_ad(data)] == vector["structures"]
    adv = ad_record.parse(data)
    assert adv.flags == vector["flags"] and adv.local_name == vector["local_name"]


@pytest.mark.parametrize(
    "vector",
    _load("bthome_spec_examples.json") + _load("bthome_captures.json"),
    ids=lambda v: v["name"],
)
def test_bthome_vectors(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["service_data"])
    key = bytes.fromhex(vector["key"]) if "key" in vector else None
    mac = bytes.fromhex(vector["mac"]) if "mac" in vector else None
    frame = bthome.decode(data, key=key, mac=mac)
    got = _objects(frame)
    for mine in got:
        if isinstance(mine["value"], bytes):
            mine["value"] = mine["value"].hex()
    assert got == vector["objects"]
    assert frame.out_of_order_at == vector.get("out_of_order_at", -1)
    if "counter" in vector:
        assert frame.counter == vector["counter"]
    if "mac_in_frame" in vector:
        assert frame.mac == bytes.fromhex(vector["mac_in_frame"])
    if key is None and frame.mac is None and frame.out_of_order_at < 0:
        raws = [(o[0], o[2]) for o in frame.objects]
        trigger = bool(frame.device_info & bthome.INFO_TRIGGER_BASED)
        assert bthome_encode.encode(raws, trigger) == data  # the encoder writes the same bytes


@pytest.mark.parametrize("vector", _load("badge_examples.json"), ids=lambda v: v["name"])
def test_badge_vectors(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["hex"])
    reading = badge.decode(data)
    humidity = badge.NO_HUMIDITY if vector["humidity"] is None else vector["humidity"]
    assert reading == badge.BadgeReading(
        vector["badge_id"],
        vector["packet_id"],
        vector["battery"],
        vector["temperature_centi"],
        vector["claps"],
        humidity,
        vector["local_name"],
    )
    again = badge.encode(
        reading.badge_id,
        reading.packet_id,
        reading.battery,
        reading.temperature_centi,
        reading.claps,
        reading.humidity,
        (reading.name or "").encode(),
    )
    assert again == data


@pytest.mark.parametrize("vector", _load("nodeconf_examples.json"), ids=lambda v: v["name"])
def test_nodeconf_vectors(vector: dict[str, Any]) -> None:
    decoded = nodeconf2018.decode_manufacturer(bytes.fromhex(vector["payload"]))
    view = _nodeconf_json(decoded)
    view.pop("type", None)
    assert view == vector["decoded"]
