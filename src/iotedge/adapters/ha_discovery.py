"""Home Assistant MQTT discovery: room occupancy and the BTHome sensors the gateways hear.

Per Home Assistant's MQTT discovery: a retained JSON config on
``<discovery_prefix>/<component>/<node_id>/<object_id>/config`` creates an entity; an
empty retained payload on the same topic removes it. ``node_id`` and ``object_id`` are
restricted to ``[a-zA-Z0-9_-]`` (:func:`slug`). Every config carries a ``unique_id`` (so
users can rename entities) and a ``device`` block (so entities group under one device).
The entity id is suggested twice: ``default_entity_id`` (Home Assistant >= 2025.10) and
the older ``object_id`` it replaces (still read until 2026.4), so both old and new
versions name entities the same.

* :func:`room_occupancy` - one ``sensor`` per room: how many people, from the presence
  service's retained occupancy topic; unavailable when that service's status is offline.
* :func:`bthome_entity` - one ``sensor`` or ``binary_sensor`` per BTHome measurement of a
  device (temperature, humidity, battery, claps ...), with Home Assistant's device class
  and unit for it; ``expire_after`` makes it unavailable when the device goes quiet.
* :class:`DiscoveryPublisher` - publishes each config once when first needed and again
  after every reconnect (hook it with ``MqttLink.add_connect_hook``), so a broker that
  lost its retained messages is repopulated.

No MQTT library is imported here: configs are ``(topic, payload)`` pairs.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DISCOVERY_PREFIX = "homeassistant"
NODE_ID = "iotedge"
MANUFACTURER = "iotedge"

# BTHome property name -> (Home Assistant device_class or None, unit or None, state_class).
# Units are Home Assistant's spellings (lx, µg/m³, m³), which differ from bthome.io's.
SENSOR_CLASSES: dict[str, tuple[str | None, str | None, str]] = {
    "temperature": ("temperature", "°C", "measurement"),
    "dewpoint": ("temperature", "°C", "measurement"),
    "humidity": ("humidity", "%", "measurement"),
    "moisture": ("moisture", "%", "measurement"),
    "battery": ("battery", "%", "measurement"),
    "pressure": ("pressure", "hPa", "measurement"),
    "illuminance": ("illuminance", "lx", "measurement"),
    "co2": ("carbon_dioxide", "ppm", "measurement"),
    "tvoc": ("volatile_organic_compounds", "µg/m³", "measurement"),
    "pm2_5": ("pm25", "µg/m³", "measurement"),
    "pm10": ("pm10", "µg/m³", "measurement"),
    "voltage": ("voltage", "V", "measurement"),
    "current": ("current", "A", "measurement"),
    "power": ("power", "W", "measurement"),
    "energy": ("energy", "kWh", "total_increasing"),
    "gas": ("gas", "m³", "total_increasing"),
    "water": ("water", "L", "total_increasing"),
    "volume": ("volume", "L", "measurement"),
    "volume_storage": ("volume_storage", "L", "measurement"),
    "volume_flow_rate": ("volume_flow_rate", "m³/h", "measurement"),
    "precipitation": ("precipitation", "mm", "measurement"),
    "distance": ("distance", "m", "measurement"),
    "speed": ("speed", "m/s", "measurement"),
    "mass": ("weight", "kg", "measurement"),
    "duration": ("duration", "s", "measurement"),
    "conductivity": ("conductivity", "µS/cm", "measurement"),
    "rssi": ("signal_strength", "dBm", "measurement"),
    "count": (None, None, "measurement"),
    "claps": (None, None, "measurement"),
    "rotation": (None, "°", "measurement"),
    "uv_index": (None, None, "measurement"),
}

# BTHome binary property -> Home Assistant binary_sensor device_class (None = generic).
BINARY_CLASSES: dict[str, str | None] = {
    "battery_low": "battery",
    "battery_charging": "battery_charging",
    "carbon_monoxide": "carbon_monoxide",
    "cold": "cold",
    "connectivity": "connectivity",
    "door": "door",
    "garage_door": "garage_door",
    "gas_detected": "gas",
    "heat": "heat",
    "light": "light",
    "lock": "lock",
    "moisture_detected": "moisture",
    "motion": "motion",
    "moving": "moving",
    "occupancy": "occupancy",
    "opening": "opening",
    "plug": "plug",
    "power_on": "power",
    "presence": "presence",
    "problem": "problem",
    "running": "running",
    "safety": "safety",
    "smoke": "smoke",
    "sound": "sound",
    "tamper": "tamper",
    "vibration": "vibration",
    "window": "window",
    "generic_boolean": None,
}

_SLUG = re.compile(r"[^a-zA-Z0-9_-]+")


def slug(text: str) -> str:
    """A node/object id Home Assistant accepts: ``[a-zA-Z0-9_-]``, never empty."""
    out = _SLUG.sub("_", text).strip("_")
    return out or "_"


@dataclass(frozen=True, slots=True)
class Discovery:
    """One discovery message: publish ``payload`` retained (QoS 1) on ``topic``."""

    topic: str
    payload: bytes
    unique_id: str

    def removal(self) -> Discovery:
        """The message that deletes this entity (empty retained payload)."""
        return Discovery(self.topic, b"", self.unique_id)


def config_topic(component: str, object_id: str, node_id: str = NODE_ID,
                 prefix: str = DISCOVERY_PREFIX) -> str:  # fmt: skip
    return f"{prefix}/{component}/{slug(node_id)}/{slug(object_id)}/config"


def device_block(
    identifier: str, name: str, model: str, via_device: str | None = None
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "identifiers": [identifier],
        "name": name,
        "manufacturer": MANUFACTURER,
        "model": model,
    }
    if via_device:
        block["via_device"] = via_device
    return block


def _encode(config: dict[str, Any]) -> bytes:
    return json.dumps(config, separators=(",", ":"), ensure_ascii=False).encode()


def room_occupancy(
    room_id: str,
    room_name: str,
    state_topic: str,
    value_template: str = "{{ value_json.count }}",
    availability_topic: str | None = None,
    node_id: str = NODE_ID,
    prefix: str = DISCOVERY_PREFIX,
) -> Discovery:
    """A sensor counting the people in one room (state published by the presence service)."""
    unique_id = f"{slug(node_id)}_room_{slug(room_id)}_occupancy"
    config: dict[str, Any] = {
        "name": "Occupancy",
        "unique_id": unique_id,
        "object_id": unique_id,
        "default_entity_id": f"sensor.{unique_id}",
        "state_topic": state_topic,
        "value_template": value_template,
        "unit_of_measurement": "people",
        "state_class": "measurement",
        "icon": "mdi:account-group",
        "device": device_block(f"{slug(node_id)}_room_{slug(room_id)}", room_name, "Room"),
    }
    if availability_topic:
        config["availability_topic"] = availability_topic
    return Discovery(
        config_topic("sensor", f"room_{room_id}_occupancy", node_id, prefix),
        _encode(config),
        unique_id,
    )


def bthome_entity(
    device_id: str,
    measurement: str,
    state_topic: str,
    value_template: str | None = None,
    device_name: str | None = None,
    model: str = "BTHome v2",
    expire_after: int | None = 300,
    via_device: str | None = None,
    node_id: str = NODE_ID,
    prefix: str = DISCOVERY_PREFIX,
) -> Discovery | None:
    """The entity for one BTHome measurement of one device; None if it is not a sensor
    Home Assistant should show (packet id, raw, text, events ...).

    ``value_template`` defaults to ``{{ value_json.<measurement> }}``; binary sensors
    expect the template to render ``ON``/``OFF``.
    """
    dev = slug(device_id)
    unique_id = f"{slug(node_id)}_{dev}_{slug(measurement)}"
    template = value_template or f"{{{{ value_json.{measurement} }}}}"
    config: dict[str, Any] = {
        "name": measurement.replace("_", " ").capitalize(),
        "unique_id": unique_id,
        "object_id": unique_id,
        "state_topic": state_topic,
        "value_template": template,
        "device": device_block(
            f"{slug(node_id)}_{dev}", device_name or device_id, model, via_device
        ),
    }
    if expire_after:
        config["expire_after"] = expire_after
    if measurement in SENSOR_CLASSES:
        component = "sensor"
        device_class, unit, state_class = SENSOR_CLASSES[measurement]
        if device_class:
            config["device_class"] = device_class
        if unit:
            config["unit_of_measurement"] = unit
        config["state_class"] = state_class
    elif measurement in BINARY_CLASSES:
        component = "binary_sensor"
        binary_class = BINARY_CLASSES[measurement]
        if binary_class:
            config["device_class"] = binary_class
        if value_template is None:
            config["value_template"] = f"{{{{ 'ON' if value_json.{measurement} else 'OFF' }}}}"
    else:
        return None
    config["default_entity_id"] = f"{component}.{unique_id}"
    return Discovery(
        config_topic(component, f"{dev}_{measurement}", node_id, prefix), _encode(config), unique_id
    )


class DiscoveryPublisher:
    """Publishes each discovery config once, and all of them again after a reconnect.

    ``publish(topic, payload)`` must publish retained at QoS 1, e.g.
    ``lambda t, p: link.publish_direct(t, p, qos=1, retain=True)``. Thread-safe.
    """

    def __init__(self, publish: Callable[[str, bytes], object]) -> None:
        self._publish = publish
        self._configs: dict[str, Discovery] = {}
        self._lock = threading.Lock()

    def ensure(self, discovery: Discovery | None) -> bool:
        """Publish ``discovery`` unless an identical config was already published."""
        if discovery is None:
            return False
        with self._lock:
            if self._configs.get(discovery.topic) == discovery:
                return False
            self._configs[discovery.topic] = discovery
        self._publish(discovery.topic, discovery.payload)
        return True

    def remove(self, discovery: Discovery) -> None:
        with self._lock:
            self._configs.pop(discovery.topic, None)
        self._publish(discovery.topic, b"")

    def republish(self, *_: object) -> int:
        """Publish every known config again (use as a connect hook)."""
        with self._lock:
            configs = list(self._configs.values())
        for discovery in configs:
            self._publish(discovery.topic, discovery.payload)
        return len(configs)

    def __len__(self) -> int:
        return len(self._configs)

    def on_ha_status(self, topic: str, payload: bytes) -> None:
        """Subscription handler for ``homeassistant/status``: Home Assistant publishes
        ``online`` when it (re)starts and expects discovery configs to be sent again."""
        if payload.strip() == b"online":
            self.republish()
