"""Home Assistant MQTT discovery configs, and their publication through MqttLink."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho
from hypothesis import given
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion

from iotedge.adapters.ha_discovery import (
    BINARY_CLASSES,
    SENSOR_CLASSES,
    DiscoveryPublisher,
    bthome_entity,
    room_occupancy,
    slug,
)
from iotedge.adapters.mqtt import MqttLink, MqttSettings, status_topic
from iotedge.adapters.outbox import Outbox
from iotedge.core import bthome_objects
from tests._broker import Mosquitto


@given(st.text(max_size=30))
def test_slug_is_always_a_valid_id(text: str) -> None:
    out = slug(text)
    assert out and all(c.isascii() and (c.isalnum() or c in "_-") for c in out)


def test_room_occupancy_exact_config() -> None:
    d = room_occupancy(
        "hall a",
        "Hall A",
        "iotedge/presence/room/hall-a",
        availability_topic="iotedge/presence/status",
    )
    assert d.topic == "homeassistant/sensor/iotedge/room_hall_a_occupancy/config"
    assert json.loads(d.payload) == {
        "name": "Occupancy",
        "unique_id": "iotedge_room_hall_a_occupancy",
        "object_id": "iotedge_room_hall_a_occupancy",
        "default_entity_id": "sensor.iotedge_room_hall_a_occupancy",
        "state_topic": "iotedge/presence/room/hall-a",
        "value_template": "{{ value_json.count }}",
        "unit_of_measurement": "people",
        "state_class": "measurement",
        "icon": "mdi:account-group",
        "availability_topic": "iotedge/presence/status",
        "device": {
            "identifiers": ["iotedge_room_hall_a"],
            "name": "Hall A",
            "manufacturer": "iotedge",
            "model": "Room",
        },
    }
    assert d.removal().payload == b"" and d.removal().topic == d.topic


def test_bthome_entities() -> None:
    t = bthome_entity(
        "badge-00c0ffee", "temperature", "iotedge/bthome/badge-00c0ffee", via_device="gw-1"
    )
    assert t is not None
    cfg = json.loads(t.payload)
    assert t.topic == "homeassistant/sensor/iotedge/badge-00c0ffee_temperature/config"
    assert (cfg["device_class"], cfg["unit_of_measurement"], cfg["state_class"]) == (
        "temperature",
        "°C",
        "measurement",
    )
    assert cfg["value_template"] == "{{ value_json.temperature }}"
    assert cfg["expire_after"] == 300 and cfg["device"]["via_device"] == "gw-1"
    m = bthome_entity("d1", "motion", "s")
    assert m is not None and m.topic.startswith("homeassistant/binary_sensor/")
    assert json.loads(m.payload)["value_template"] == "{{ 'ON' if value_json.motion else 'OFF' }}"
    assert json.loads(m.payload)["default_entity_id"] == "binary_sensor.iotedge_d1_motion"
    assert bthome_entity("d1", "packet_id", "s") is None
    assert bthome_entity("d1", "text", "s") is None
    claps = bthome_entity("d1", "claps", "s")
    assert claps is not None and "device_class" not in json.loads(claps.payload)


def test_every_bthome_measurement_with_a_unit_is_mapped() -> None:
    """Each BTHome table property that has a unit gets a Home Assistant sensor."""
    skip = {"timestamp", "acceleration", "gyroscope", "direction", "rotational_speed", "dimmer",
            "channel"}  # fmt: skip
    for _oid, name, _kind, _size, _dec, _mult, unit in bthome_objects.rows():
        if unit and name not in skip:
            assert name in SENSOR_CLASSES or name in BINARY_CLASSES, name


def test_publisher_dedupes_and_republishes() -> None:
    sent: list[tuple[str, bytes]] = []
    pub = DiscoveryPublisher(lambda t, p: sent.append((t, p)))
    a = room_occupancy("a", "A", "s/a")
    assert pub.ensure(a) and not pub.ensure(a) and not pub.ensure(None)
    b = bthome_entity("d", "humidity", "s/d")
    assert pub.ensure(b)
    assert len(sent) == 2 and len(pub) == 2
    pub.on_ha_status("homeassistant/status", b"offline")
    assert len(sent) == 2
    pub.on_ha_status("homeassistant/status", b"online")
    assert sent[2:] == sent[:2]
    pub.remove(a)
    assert sent[-1] == (a.topic, b"") and len(pub) == 1


def _retained(port: int, topic: str) -> bytes | None:
    got: list[bytes] = []
    ev = threading.Event()
    client = paho.Client(CallbackAPIVersion.VERSION2)

    def on_message(c: paho.Client, u: object, msg: paho.MQTTMessage) -> None:
        got.append(msg.payload)
        ev.set()

    client.on_message = on_message
    client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, qos=1)
    client.connect("127.0.0.1", port)
    client.loop_start()
    ev.wait(3)
    client.loop_stop()
    client.disconnect()
    return got[0] if got else None


def test_configs_are_retained_and_restored_after_broker_loses_them(tmp_path: Path) -> None:
    broker = Mosquitto(tmp_path / "b", persistence=False)  # forgets retained on restart
    broker.start()
    link = MqttLink(
        MqttSettings(port=broker.port, reconnect_min=0.1), "gw-1", Outbox(tmp_path / "o")
    )
    pub = DiscoveryPublisher(lambda t, p: link.publish_direct(t, p, qos=1, retain=True))
    link.add_connect_hook(pub.republish)
    link.subscribe("homeassistant/status", pub.on_ha_status)
    occ = room_occupancy(
        "a", "A", "iotedge/presence/room/a", availability_topic=status_topic("iotedge", "gw-1")
    )
    try:
        link.start()
        assert link.wait_connected(10)
        pub.ensure(occ)
        assert _retained(broker.port, occ.topic) == occ.payload
        broker.stop(hard=True)
        broker.start()
        deadline = time.monotonic() + 15
        while _retained(broker.port, occ.topic) != occ.payload:  # the connect hook resent it
            assert time.monotonic() < deadline
    finally:
        link.stop()
        broker.stop()
