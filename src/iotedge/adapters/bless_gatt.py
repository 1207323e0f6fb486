"""A GATT service on the gateway (bless 0.3.0): read the current alerts and the gateway status.

A phone, or a badge that missed a broadcast, connects to the gateway and reads:

==========================  ======================================  =====================
characteristic              value                                   properties
==========================  ======================================  =====================
``ALERTS_UUID``             :func:`encode_alerts`: version byte     read
                            0x01, frame count, then each frame as
                            (length byte, the frame's AD bytes
                            exactly as broadcast)
``STATUS_UUID``             UTF-8 JSON object (``gateway``,         read
                            ``version``, ``uptime_s``, ``mqtt``,
                            ``alerts`` + whatever ``status()`` adds)
==========================  ======================================  =====================

Both are read-only: a write is refused. Values are computed at each read from the
callables given, so they are always current. The alert frames are the signed bytes the
relay broadcasts; a reader verifies them exactly as it would verify a received advert.

Limits: bless cannot put manufacturer data into its own adverts (the alert broadcast goes
through :mod:`iotedge.adapters.bluez_advertiser` or bumble); bless's BlueZ backend ignores
the read offset, so a value must fit one ATT read (ATT MTU - 1 bytes, up to 511 after MTU
exchange): :func:`encode_alerts` therefore caps the value at ``max_len`` (default 244 =
MTU 247 - 3) and keeps the newest frames that fit.

bless is imported only inside :meth:`GatewayGattService.gatt_tree` and ``start``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from iotedge import __version__
from iotedge.core.errors import PayloadError

log = logging.getLogger(__name__)

SERVICE_UUID = "5f1e0001-9b3c-4d2a-8c6e-7a1d0e5b9c40"
ALERTS_UUID = "5f1e0002-9b3c-4d2a-8c6e-7a1d0e5b9c40"
STATUS_UUID = "5f1e0003-9b3c-4d2a-8c6e-7a1d0e5b9c40"
ALERTS_VERSION = 1
DEFAULT_MAX_LEN = 244


def encode_alerts(frames: Sequence[bytes], max_len: int = DEFAULT_MAX_LEN) -> bytes:
    """``01 <count> (<len> <frame>)*``; over ``max_len``, the newest frames (last) are kept."""
    kept: list[bytes] = []
    size = 2
    for frame in reversed(frames):
        if len(frame) > 255:
            raise ValueError("an alert frame is at most 255 bytes")
        if size + 1 + len(frame) > max_len or len(kept) == 255:
            break
        kept.append(frame)
        size += 1 + len(frame)
    kept.reverse()
    out = bytearray((ALERTS_VERSION, len(kept)))
    for frame in kept:
        out.append(len(frame))
        out += frame
    return bytes(out)


def decode_alerts(value: bytes) -> list[bytes]:
    """Inverse of :func:`encode_alerts`; raises :class:`PayloadError` on malformed values."""
    if len(value) < 2 or value[0] != ALERTS_VERSION:
        raise PayloadError("bad-version", "alerts value must start with version 0x01")
    count, i, frames = value[1], 2, []
    for _ in range(count):
        if i >= len(value) or i + 1 + value[i] > len(value):
            raise PayloadError("bad-field", "alert frame runs past the value", i)
        frames.append(bytes(value[i + 1 : i + 1 + value[i]]))
        i += 1 + value[i]
    if i != len(value):
        raise PayloadError("bad-field", "bytes after the last alert frame", i)
    return frames


class GatewayGattService:
    """The gateway's GATT service over bless (BlueZ on Linux).

    ``alerts()`` returns the frames currently relayed (oldest first); ``status()`` returns
    extra JSON-able fields for the status value (e.g. ``{"mqtt": "online", "room": "A"}``).
    """

    def __init__(
        self,
        gateway_id: str,
        alerts: Callable[[], Sequence[bytes]],
        status: Callable[[], dict[str, Any]] = dict,
        name: str | None = None,
        max_len: int = DEFAULT_MAX_LEN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gateway_id = gateway_id
        self.alerts = alerts
        self.status = status
        self.name = name or f"iotedge-{gateway_id}"
        self.max_len = max_len
        self.clock = clock
        self.started = clock()
        self.reads = 0
        self.refused_writes = 0
        self._server: Any = None

    # -- values --------------------------------------------------------------------------

    def alerts_value(self) -> bytes:
        return encode_alerts(list(self.alerts()), self.max_len)

    def status_value(self) -> bytes:
        frames = list(self.alerts())
        doc: dict[str, Any] = {
            "gateway": self.gateway_id,
            "version": __version__,
            "uptime_s": int(self.clock() - self.started),
            "alerts": len(frames),
        }
        doc.update(self.status())
        data = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
        if len(data) > self.max_len:
            raise ValueError(f"status value of {len(data)} bytes exceeds {self.max_len}")
        return data

    # -- bless plumbing ------------------------------------------------------------------

    def gatt_tree(self) -> dict[str, dict[str, dict[str, Any]]]:
        """The service definition in bless's ``add_gatt`` form, with bless's own flag types
        (read-only, readable without encryption); values are filled at each read."""
        from bless.backends.attribute import GATTAttributePermissions
        from bless.backends.characteristic import GATTCharacteristicProperties

        def char() -> dict[str, Any]:
            return {
                "Properties": GATTCharacteristicProperties.read,
                "Permissions": GATTAttributePermissions.readable,
                "Value": None,
            }

        return {SERVICE_UUID: {ALERTS_UUID: char(), STATUS_UUID: char()}}

    def read_request(self, characteristic: Any, **kwargs: Any) -> bytearray:
        """bless ``read_request_func``: the current value of the characteristic read."""
        uuid = str(characteristic.uuid).lower()
        self.reads += 1
        if uuid == ALERTS_UUID:
            value = self.alerts_value()
        elif uuid == STATUS_UUID:
            value = self.status_value()
        else:
            raise KeyError(f"not a characteristic of this service: {uuid}")
        characteristic.value = bytearray(value)
        return bytearray(value)

    def write_request(self, characteristic: Any, value: Any, **kwargs: Any) -> None:
        """bless ``write_request_func``: everything here is read-only."""
        self.refused_writes += 1
        log.warning("refused a GATT write to %s", getattr(characteristic, "uuid", "?"))
        raise PermissionError("the gateway service is read-only")

    async def start(self, adapter: str | None = None) -> None:
        """Register the service with BlueZ and advertise the gateway name (bless)."""
        import bless  # the platform's server class (BlueZ on Linux)

        kwargs: dict[str, Any] = {}
        if adapter:
            kwargs["adapter"] = adapter
        server = bless.BlessServer(name=self.name, **kwargs)  # type: ignore[attr-defined]
        server.read_request_func = self.read_request
        server.write_request_func = self.write_request
        await server.add_gatt(self.gatt_tree())
        await server.start()
        self._server = server

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.stop()
