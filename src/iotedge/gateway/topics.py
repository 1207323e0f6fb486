"""Every MQTT topic the gateway apps use, in one place (docs/mqtt.md has the table).

``prefix`` is ``[gateway] prefix`` (default ``iotedge``), ``gw`` an app's id.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

Handler = Callable[[str, bytes], None]

_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def room_slug(room: str) -> str:
    """A room name as one topic level: lower case, ``[a-z0-9_-]`` (``Hall A`` -> ``hall-a``)."""
    return _UNSAFE.sub("-", room.lower()).strip("-") or "_"


def reports(prefix: str, gw: str, shard: int) -> str:
    """Report batches of one gateway for one shard of badges (QoS 1)."""
    return f"{prefix}/gateway/{gw}/reports/{shard}"


def reports_filter(prefix: str, shard: int) -> str:
    """What the presence service owning ``shard`` subscribes to."""
    return f"{prefix}/gateway/+/reports/{shard}"


def gateway_stats(prefix: str, gw: str) -> str:
    """Retained counters of one gateway app (JSON, refreshed every few seconds)."""
    return f"{prefix}/gateway/{gw}/stats"


def gateway_status_filter(prefix: str) -> str:
    return f"{prefix}/gateway/+/status"


def alerts_filter(prefix: str) -> str:
    """Signed alert frames from the back-end, one retained message per alert."""
    return f"{prefix}/alerts/#"


def alert(prefix: str, name: str) -> str:
    return f"{prefix}/alerts/{name}"


def presence_badge(prefix: str, pseudonym: str) -> str:
    """Retained room of one badge (by pseudonym)."""
    return f"{prefix}/presence/badge/{pseudonym}"


def presence_shard(prefix: str, shard: int) -> str:
    """Retained per-room partial sums of one presence shard."""
    return f"{prefix}/presence/shard/{shard}"


def presence_shard_filter(prefix: str) -> str:
    return f"{prefix}/presence/shard/+"


def presence_room(prefix: str, room: str) -> str:
    """Retained occupancy of one room (all shards summed)."""
    return f"{prefix}/presence/room/{room_slug(room)}"


def presence_rooms(prefix: str) -> str:
    """Retained occupancy of every room in one message (dashboards, the demo)."""
    return f"{prefix}/presence/rooms"


def bthome_state(prefix: str, pseudonym: str) -> str:
    """Latest measurements of one BTHome device the gateways hear (JSON, QoS 0)."""
    return f"{prefix}/bthome/{pseudonym}/state"


def sensor_base(prefix: str, gw: str) -> str:
    return f"{prefix}/sensor/{gw}"


class Link(Protocol):
    """What the apps need from an MQTT link (:class:`iotedge.adapters.mqtt.MqttLink`)."""

    def publish_batch(self, topic: str, items: list[Any]) -> int: ...

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> int: ...

    def publish_direct(
        self, topic: str, payload: bytes, qos: int = 0, retain: bool = False
    ) -> object: ...

    def subscribe(self, topic_filter: str, handler: Handler, qos: int = 1) -> None: ...
