"""What a badge gateway makes of one advertisement: which device, which readings.

Three kinds of adverts are reported; everything else is ignored (counted, not an error):

=========  ==============================================  ============================
kind       recognised by                                   identity (then pseudonymised)
=========  ==============================================  ============================
badge      BTHome v2 service data with the badge objects   ``badge:<badge id>`` from the
           (iotedge.core.badge)                            payload: survives MAC
                                                           randomisation
bthome     any other BTHome v2 service data (sensors)      ``mac:<address>``
nodeconf   NodeConf EU 2018 badge beacon (company 0x0590,  ``mac:<address>``
           JSON ``{"t":..,"c":..}``)
=========  ==============================================  ============================

An advert that claims to be one of these but does not decode (bad AD structure,
truncated or garbled BTHome object, bad JSON) raises the core's :class:`IotEdgeError`: the
gateway logs and counts it by ``reason`` and goes on. Encrypted BTHome frames are
decoded with the key configured for their address (``[badge] bthome_keys``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iotedge.core import ad, badge, bthome, nodeconf2018
from iotedge.core.errors import BTHomeError, DecryptError

KIND_BADGE = "badge"
KIND_BTHOME = "bthome"
KIND_NODECONF = "nodeconf"


@dataclass(slots=True)
class Decoded:
    """A recognised advert: its kind, the identity to pseudonymise, and its fields."""

    kind: str
    identity: bytes
    fields: dict[str, Any]


def _mac_bytes(address: str) -> bytes:
    return bytes.fromhex(address.replace(":", ""))


def _bthome_values(frame: bthome.BTHomeFrame) -> dict[str, Any]:
    """Numeric and boolean measurements of a BTHome frame (text/raw/events left out)."""
    values: dict[str, Any] = {}
    for _oid, name, _raw, value in frame.objects:
        if name == "packet_id" or name in values:
            continue
        if isinstance(value, bool | int | float):
            values[name] = value
    return values


def decode_advert(
    data: bytes, address: str, bthome_keys: dict[str, bytes] | None = None
) -> Decoded | None:
    """Classify and decode one advert; None when it is none of ours (see the module)."""
    start, end, _name = ad.find_service_data16(data, bthome.UUID16)
    if start >= 0:
        key = bthome_keys.get(address) if bthome_keys else None
        # The AD is walked once (start, end above); the MAC is only the nonce of a frame
        # we can decrypt, so it is built only when there is a key.
        mac = None if key is None else _mac_bytes(address)
        try:
            frame = bthome.decode(data, False, key, mac, start, end)
        except DecryptError as exc:
            if exc.reason == "no-key":
                return None  # someone else's encrypted sensor: not ours to read
            raise
        if frame.stop_reason in ("truncated", "bad-text"):
            # Lenient decoding stops at an object it does not know (newer firmware:
            # fine); a cut-off or garbled object is a broken advert.
            raise BTHomeError(frame.stop_reason, "BTHome object cut short", frame.stopped_at)
        try:
            reading = badge.from_frame(frame)
        except BTHomeError:
            fields: dict[str, Any] = {"values": _bthome_values(frame)}
            packet = frame.find(badge.OBJ_PACKET_ID)
            if packet is not None:
                fields["pkt"] = packet[2]
            return Decoded(KIND_BTHOME, b"mac:" + address.encode(), fields)
        fields = {
            "pkt": reading.packet_id,
            "bat": reading.battery,
            "temp": reading.temperature_centi,
            "claps": reading.claps,
        }
        if reading.humidity != badge.NO_HUMIDITY:
            fields["hum"] = reading.humidity
        return Decoded(KIND_BADGE, b"badge:%d" % reading.badge_id, fields)
    s, _e = ad.find_manufacturer(data, nodeconf2018.COMPANY_ID)
    if s >= 0:
        item = nodeconf2018.decode_advert(data)
        if isinstance(item, nodeconf2018.BadgeBeacon):
            fields = {"temp": item.temperature * 100}
            if item.claps is not None:
                fields["claps10s"] = item.claps
            return Decoded(KIND_NODECONF, b"mac:" + address.encode(), fields)
        return None  # a 2018 gateway's broadcast, not a badge
    return None
