"""Interop with bthome-ble (the parser Home Assistant uses), both directions.

* bthome-ble, given the bindkey, decodes every frame we encrypt to the values we
  put in (its parser, its nonce, its counter checks);
* we decrypt what bthome-ble's own encryption example function produces;
* bthome-ble decodes our golden frames, and refuses the wrong-key one.

bthome-ble is an oracle only (test extra), never imported by the library.
"""

from __future__ import annotations

import contextlib
import io
import json
import struct
from pathlib import Path
from typing import Any

from bthome_ble import BTHomeBluetoothDeviceData
from bthome_ble.bthome_v2_encryption import encrypt_payload as ble_encrypt_payload
from habluetooth import BluetoothServiceInfoBleak
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.core.bthome_crypto import decrypt_payload, encrypt_payload

VECTORS = Path(__file__).parent / "vectors" / "bthome_encryption.json"
UUID = "0000fcd2-0000-1000-8000-00805f9b34fb"


def _mac_text(mac: bytes) -> str:
    return ":".join(f"{b:02X}" for b in mac)


def _service_info(mac: bytes, frame: bytes) -> BluetoothServiceInfoBleak:
    return BluetoothServiceInfoBleak(
        name="iotedge test",
        address=_mac_text(mac),
        rssi=-60,
        manufacturer_data={},
        service_data={UUID: frame},
        service_uuids=[UUID],
        source="local",
        device=None,
        advertisement=None,
        connectable=False,
        time=0.0,
        tx_power=None,
    )


def _values(key: bytes, mac: bytes, frame: bytes) -> tuple[dict[str, Any], bool]:
    parser = BTHomeBluetoothDeviceData(bindkey=key)
    update = parser.update(_service_info(mac, frame))
    values = {k.key: v.native_value for k, v in update.entity_values.items()}
    values.pop("signal_strength", None)
    return values, parser.bindkey_verified


def _objects(battery: int, temp_centi: int, humidity_centi: int) -> bytes:
    # BTHome v2 objects in ascending id order: 0x01 battery (uint8 %),
    # 0x02 temperature (sint16, 0.01 C), 0x03 humidity (uint16, 0.01 %).
    return struct.pack("<BBBhBH", 0x01, battery, 0x02, temp_centi, 0x03, humidity_centi)


def test_bthome_ble_decodes_the_golden_frames() -> None:
    doc = json.loads(VECTORS.read_text())
    for v in doc["vectors"]:
        values, verified = _values(
            bytes.fromhex(v["key"]), bytes.fromhex(v["mac"]), bytes.fromhex(v["service_data"])
        )
        assert verified, v["name"]
        assert values == {"temperature": 25.06, "humidity": 50.55}, v["name"]
    for v in doc["rejected"]:
        values, verified = _values(
            bytes.fromhex(v["key"]), bytes.fromhex(v["mac"]), bytes.fromhex(v["service_data"])
        )
        assert not verified and values == {}, v["name"]


@settings(max_examples=60, deadline=None)
@given(
    key=st.binary(min_size=16, max_size=16),
    mac=st.binary(min_size=6, max_size=6),
    mac_in_frame=st.booleans(),
    battery=st.integers(0, 100),
    temp=st.integers(-4000, 8500),
    humidity=st.integers(0, 10000),
    counter=st.integers(0, 0xFFFFFFFF),
)
def test_bthome_ble_decodes_what_we_encrypt(
    key: bytes,
    mac: bytes,
    mac_in_frame: bool,
    battery: int,
    temp: int,
    humidity: int,
    counter: int,
) -> None:
    info = 0x42 if mac_in_frame else 0x40
    frame = encrypt_payload(key, mac, info, _objects(battery, temp, humidity), counter)
    # With the MAC in the frame, bthome-ble must use it, not the advertiser address.
    adv_mac = b"\xc0\x00\x00\x00\x00\x01" if mac_in_frame else mac
    values, verified = _values(key, adv_mac, frame)
    assert verified
    assert values == {
        "battery": battery,
        "temperature": round(temp * 0.01, 2),
        "humidity": round(humidity * 0.01, 2),
    }


@settings(max_examples=60, deadline=None)
@given(
    key=st.binary(min_size=16, max_size=16),
    mac=st.binary(min_size=6, max_size=6),
    plain=st.binary(max_size=24),
    counter=st.integers(0, 0xFFFFFFFF),
)
def test_we_decrypt_what_bthome_ble_encrypts(
    key: bytes, mac: bytes, plain: bytes, counter: int
) -> None:
    counter_bytes = counter.to_bytes(4, "little")
    with contextlib.redirect_stdout(io.StringIO()):  # the example function prints
        out = ble_encrypt_payload(
            data=plain,
            mac=mac,
            uuid16=b"\xd2\xfc",
            sw_version=b"\x41",
            count_id=counter_bytes,
            key=key,
        )
    assert out[:2] == b"\xd2\xfc"
    frame = out[2:]
    assert decrypt_payload(key, mac, frame) == (plain, counter)
    assert encrypt_payload(key, mac, 0x41, plain, counter) == frame


def test_whole_advert_of_the_spec_example_decodes_with_the_key() -> None:
    from iotedge.core import bthome

    v = json.loads(VECTORS.read_text())["vectors"][0]
    key, mac = bytes.fromhex(v["key"]), bytes.fromhex(v["mac"])
    advert = bytes.fromhex(v["advert"])
    frame = bthome.decode_advert(advert, key=key, mac=mac)
    assert frame.encrypted and frame.counter == v["counter"]
    assert [(o[0], o[2]) for o in frame.objects] == [tuple(o) for o in v["objects"]]
    assert advert.endswith(bytes.fromhex(v["service_data"]))
