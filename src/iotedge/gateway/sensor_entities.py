"""BTHome sensors the gateways hear, as Home Assistant entities (state + discovery).

The badge gateways report every BTHome device they hear (room thermometers, buttons,
door sensors ...; ``kind`` ``"bthome"``) with its measurements under ``values`` and a
pseudonym as ``id``. The presence service that owns the device's shard feeds those
items here; per device this keeps the latest value of each measurement and

* publishes them as one JSON object on ``<prefix>/bthome/<id>/state`` (QoS 0, not
  retained: Home Assistant's ``expire_after`` marks a device that went quiet), at most
  once per ``min_interval`` seconds, and at once when a measurement appears for the
  first time;
* makes sure a Home Assistant discovery config exists for each measurement
  (:func:`iotedge.adapters.ha_discovery.bthome_entity`), via a
  :class:`~iotedge.adapters.ha_discovery.DiscoveryPublisher`.

Device ids are pseudonyms, so they change when the gateways' pseudonym key rotates
(daily by default): :meth:`SensorEntities.rotate` then removes the old epoch's discovery
configs, and the devices come back under their new pseudonyms as soon as they are heard.
Memory is bounded: at most ``max_devices`` devices are tracked; more are counted in
``refused`` and left out.
"""

from __future__ import annotations

import json
import math
from typing import Any

from iotedge.adapters.ha_discovery import DiscoveryPublisher, bthome_entity
from iotedge.gateway import topics


class SensorEntities:
    """See the module docstring."""

    def __init__(
        self,
        link: topics.Link,
        discovery: DiscoveryPublisher | None,
        prefix: str = "iotedge",
        min_interval: float = 10.0,
        expire_after: int = 300,
        max_devices: int = 1024,
    ) -> None:
        self.link = link
        self.discovery = discovery
        self.prefix = prefix
        self.min_interval = min_interval
        self.expire_after = expire_after
        self.max_devices = max_devices
        self.refused = 0
        self.published = 0
        self._values: dict[str, dict[str, Any]] = {}
        self._sent_at: dict[str, float] = {}
        self._announced: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._values)

    def add_item(self, pid: str, item: dict[str, Any], now: float) -> None:
        """One report item of any kind; only ``bthome`` items with ``values`` count."""
        values = item.get("values")
        if item.get("kind") != "bthome" or not isinstance(values, dict) or not values:
            return
        state = self._values.get(pid)
        if state is None:
            if len(self._values) >= self.max_devices:
                self.refused += 1
                return
            state = self._values[pid] = {}
        fresh = [name for name in values if name not in state]
        state.update(values)
        if fresh:
            self._announce(pid, fresh)
        if fresh or now - self._sent_at.get(pid, -math.inf) >= self.min_interval:
            self._sent_at[pid] = now
            payload = json.dumps(state, separators=(",", ":")).encode()
            self.link.publish_direct(topics.bthome_state(self.prefix, pid), payload)
            self.published += 1

    def _announce(self, pid: str, names: list[str]) -> None:
        if self.discovery is None:
            return
        announced = self._announced.setdefault(pid, set())
        for name in names:
            entity = bthome_entity(
                pid,
                name,
                topics.bthome_state(self.prefix, pid),
                device_name=f"BTHome {pid[:8]}",
                expire_after=self.expire_after,
            )
            if entity is not None and self.discovery.ensure(entity):
                announced.add(name)

    def rotate(self) -> None:
        """Forget every device and remove its discovery configs (a new pseudonym epoch)."""
        if self.discovery is not None:
            for pid, names in self._announced.items():
                for name in names:
                    entity = bthome_entity(pid, name, topics.bthome_state(self.prefix, pid))
                    if entity is not None:
                        self.discovery.remove(entity)
        self._values.clear()
        self._sent_at.clear()
        self._announced.clear()
