"""Broadcast custom AD frames through BlueZ's LE advertising D-Bus API (dbus-fast).

bless cannot put manufacturer data into adverts, so the alert relay talks to BlueZ
directly: one ``org.bluez.LEAdvertisement1`` object of ``Type`` ``"broadcast"`` is
registered with ``org.bluez.LEAdvertisingManager1.RegisterAdvertisement`` on the adapter,
and each rotation step changes its properties with a ``PropertiesChanged`` signal, which
BlueZ answers by refreshing the advertising data in the controller (no re-registration,
no gap on air). ``UnregisterAdvertisement`` on stop; if our process dies, BlueZ drops the
advertisement itself when our bus connection goes.

BlueZ builds the advert from structured properties, not raw bytes, so each frame is split
into its AD structures and mapped (:func:`frame_to_properties`):

=============================  ==============================================
AD type                        LEAdvertisement1 property
=============================  ==============================================
0xFF manufacturer data         ``ManufacturerData`` {company: value}
0x16/0x20/0x21 service data    ``ServiceData`` {128-bit UUID string: value}
0x02..0x07 service UUID lists  ``ServiceUUIDs`` (128-bit strings)
0x14/0x15/0x1F solicitation    ``SolicitUUIDs``
0x08/0x09 local name           ``LocalName``
0x19 appearance                ``Appearance``
0x0A TX power level            ``Includes`` ["tx-power"] (BlueZ fills the value)
0x01 flags                     dropped: BlueZ writes the flags itself
anything else                  ``Data`` {type: value}
=============================  ==============================================

What stays exact: the value bytes of every AD structure (an alert's manufacturer data is
relayed byte for byte). What BlueZ decides: the order of the structures and the flags, so
keep legacy frames to 28 bytes to leave room for a flags structure.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from dbus_fast import BusType, Message, MessageType, Variant
from dbus_fast.aio import MessageBus

from iotedge.core.errors import ADError
from iotedge.hal.radio import LEGACY_AD_MAX, RotatingAdvertiser, split_ad

log = logging.getLogger(__name__)

BLUEZ = "org.bluez"
ADVERTISEMENT_IFACE = "org.bluez.LEAdvertisement1"
MANAGER_IFACE = "org.bluez.LEAdvertisingManager1"
PROPERTIES_IFACE = "org.freedesktop.DBus.Properties"
_BASE_UUID_TAIL = "-0000-1000-8000-00805f9b34fb"

_UUID_LISTS = {0x02: 2, 0x03: 2, 0x04: 4, 0x05: 4, 0x06: 16, 0x07: 16}
_SOLICIT_LISTS = {0x14: 2, 0x1F: 4, 0x15: 16}
_SERVICE_DATA = {0x16: 2, 0x20: 4, 0x21: 16}
# Types BlueZ refuses in ``Data`` because another property (or BlueZ itself) owns them
# (src/shared/ad.c, type_reject_list) and that we do not map above.
_REJECTED_IN_DATA = frozenset(
    {0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x17, 0x18, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E}
    | {0x22, 0x23, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x3D}
)


def uuid_string(le_bytes: bytes) -> str:
    """A 16-, 32- or 128-bit UUID as sent over the air (little-endian) -> BlueZ's form."""
    if len(le_bytes) in (2, 4):
        return f"{int.from_bytes(le_bytes, 'little'):08x}{_BASE_UUID_TAIL}"
    if len(le_bytes) == 16:
        h = le_bytes[::-1].hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    raise ADError("bad-uuid", f"a UUID is 2, 4 or 16 bytes, not {len(le_bytes)}")


def _uuid_list(value: bytes, width: int, offset: int) -> list[str]:
    if len(value) % width:
        raise ADError("bad-uuid", f"UUID list of {len(value)} bytes, not a multiple of {width}")
    return [uuid_string(value[i : i + width]) for i in range(0, len(value), width)]


def frame_to_properties(data: bytes, interval_ms: int | None = None) -> dict[str, Variant]:
    """The ``LEAdvertisement1`` properties that make BlueZ broadcast ``data`` (see module)."""
    props: dict[str, Variant] = {"Type": Variant("s", "broadcast")}
    manufacturer: dict[int, Variant] = {}
    service_data: dict[str, Variant] = {}
    uuids: list[str] = []
    solicit: list[str] = []
    raw: dict[int, Variant] = {}
    offset = 0
    for ad_type, value in split_ad(data):
        if ad_type == 0x01:
            pass  # flags: BlueZ manages them
        elif ad_type == 0xFF:
            if len(value) < 2:
                raise ADError("short", "manufacturer data without a company id", offset)
            company = int.from_bytes(value[:2], "little")
            if company in manufacturer:
                raise ADError("unsupported", f"two manufacturer data for 0x{company:04x}", offset)
            manufacturer[company] = Variant("ay", value[2:])
        elif ad_type in _SERVICE_DATA:
            width = _SERVICE_DATA[ad_type]
            if len(value) < width:
                raise ADError("short", "service data shorter than its UUID", offset)
            service_data[uuid_string(value[:width])] = Variant("ay", value[width:])
        elif ad_type in _UUID_LISTS:
            uuids += _uuid_list(value, _UUID_LISTS[ad_type], offset)
        elif ad_type in _SOLICIT_LISTS:
            solicit += _uuid_list(value, _SOLICIT_LISTS[ad_type], offset)
        elif ad_type in (0x08, 0x09):
            props["LocalName"] = Variant("s", value.decode("utf-8", "replace"))
        elif ad_type == 0x19 and len(value) == 2:
            props["Appearance"] = Variant("q", int.from_bytes(value, "little"))
        elif ad_type == 0x0A:
            props["Includes"] = Variant("as", ["tx-power"])
        elif ad_type in _REJECTED_IN_DATA:
            raise ADError("unsupported", f"AD type 0x{ad_type:02x} cannot go through BlueZ")
        else:
            raw[ad_type] = Variant("ay", value)
        offset += 2 + len(value)
    if manufacturer:
        props["ManufacturerData"] = Variant("a{qv}", manufacturer)
    if service_data:
        props["ServiceData"] = Variant("a{sv}", service_data)
    if uuids:
        props["ServiceUUIDs"] = Variant("as", uuids)
    if solicit:
        props["SolicitUUIDs"] = Variant("as", solicit)
    if raw:
        props["Data"] = Variant("a{yv}", raw)
    if interval_ms is not None:
        props["MinInterval"] = Variant("u", interval_ms)
        props["MaxInterval"] = Variant("u", interval_ms)
    return props


class BlueZAdvertiser(RotatingAdvertiser):
    """An :class:`~iotedge.hal.radio.Advertiser` over BlueZ (Linux, ``bluetoothd``).

    ``adapter`` is ``"hci0"``-style; ``bus_address`` overrides the system bus (tests use a
    private ``dbus-daemon``). ``interval_ms`` sets Min/MaxInterval (BlueZ >= 5.59 honours
    them; older versions ignore unknown properties).
    """

    def __init__(
        self,
        adapter: str = "hci0",
        interval_ms: int | None = 100,
        slot: float = 1.0,
        max_frames: int = 32,
        max_len: int = LEGACY_AD_MAX,
        bus_address: str | None = None,
        object_path: str = "/org/iotedge/advertisement0",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(slot=slot, max_frames=max_frames, max_len=max_len, clock=clock)
        self.adapter_path = f"/org/bluez/{adapter}"
        self.interval_ms = interval_ms
        self.bus_address = bus_address
        self.object_path = object_path
        self.registered = False
        self.released = 0
        self._bus: MessageBus | None = None
        self._props: dict[str, Variant] = {}

    # -- backend hooks -------------------------------------------------------------------

    async def _open(self) -> None:
        if self.bus_address:
            bus = MessageBus(bus_address=self.bus_address)
        else:
            bus = MessageBus(bus_type=BusType.SYSTEM)
        self._bus = await bus.connect()
        self._bus.add_message_handler(self._handle)

    async def _close(self) -> None:
        bus, self._bus = self._bus, None
        if bus is not None:
            if self.registered:
                await self._unregister(bus)
            bus.remove_message_handler(self._handle)
            bus.disconnect()

    async def _show(self, data: bytes | None) -> None:
        bus = self._bus
        if bus is None:
            raise RuntimeError("advertiser not started")
        if data is None:
            if self.registered:
                await self._unregister(bus)
            return
        props = frame_to_properties(data, self.interval_ms)
        if not self.registered:
            self._props = props
            await self._call(
                bus, MANAGER_IFACE, "RegisterAdvertisement", "oa{sv}", [self.object_path, {}]
            )
            self.registered = True
            return
        changed = {k: v for k, v in props.items() if self._props.get(k) != v}
        gone = [k for k in self._props if k not in props]
        self._props = props
        if changed or gone:
            await bus.send(
                Message.new_signal(
                    self.object_path,
                    PROPERTIES_IFACE,
                    "PropertiesChanged",
                    "sa{sv}as",
                    [ADVERTISEMENT_IFACE, changed, gone],
                )
            )

    # -- D-Bus plumbing ------------------------------------------------------------------

    async def _unregister(self, bus: MessageBus) -> None:
        self.registered = False
        try:
            await self._call(bus, MANAGER_IFACE, "UnregisterAdvertisement", "o", [self.object_path])
        except RuntimeError as exc:
            log.warning("UnregisterAdvertisement failed: %s", exc)

    async def _call(
        self, bus: MessageBus, interface: str, member: str, signature: str, body: list[Any]
    ) -> Message:
        reply = await bus.call(
            Message(
                destination=BLUEZ,
                path=self.adapter_path,
                interface=interface,
                member=member,
                signature=signature,
                body=body,
            )
        )
        if reply is None or reply.message_type == MessageType.ERROR:
            detail = reply.body if reply is not None else "no reply"
            name = reply.error_name if reply is not None else ""
            raise RuntimeError(f"BlueZ {member} failed: {name} {detail}")
        return reply

    def _handle(self, msg: Message) -> Message | bool | None:
        """Serve our advertisement object: Properties.GetAll/Get, Release, Introspect."""
        if msg.message_type != MessageType.METHOD_CALL or msg.path != self.object_path:
            return None
        if msg.interface == PROPERTIES_IFACE and msg.member == "GetAll":
            if msg.body[0] != ADVERTISEMENT_IFACE:
                return Message.new_method_return(msg, "a{sv}", [{}])
            return Message.new_method_return(msg, "a{sv}", [self._props])
        if msg.interface == PROPERTIES_IFACE and msg.member == "Get":
            iface, name = msg.body
            if iface == ADVERTISEMENT_IFACE and name in self._props:
                return Message.new_method_return(msg, "v", [self._props[name]])
            return Message.new_error(msg, "org.freedesktop.DBus.Error.InvalidArgs", name)
        if msg.member == "Release":
            self.registered = False  # BlueZ dropped it; the next frame re-registers
            self.released += 1
            return Message.new_method_return(msg)
        if msg.member == "Introspect":
            return Message.new_method_return(msg, "s", [_INTROSPECTION])
        return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", str(msg.member))


_INTROSPECTION = """<node>
 <interface name="org.bluez.LEAdvertisement1">
  <method name="Release"/>
  <property name="Type" type="s" access="read"/>
  <property name="ManufacturerData" type="a{qv}" access="read"/>
  <property name="ServiceData" type="a{sv}" access="read"/>
  <property name="ServiceUUIDs" type="as" access="read"/>
  <property name="SolicitUUIDs" type="as" access="read"/>
  <property name="LocalName" type="s" access="read"/>
  <property name="Appearance" type="q" access="read"/>
  <property name="Includes" type="as" access="read"/>
  <property name="Data" type="a{yv}" access="read"/>
  <property name="MinInterval" type="u" access="read"/>
  <property name="MaxInterval" type="u" access="read"/>
 </interface>
 <interface name="org.freedesktop.DBus.Properties">
  <method name="Get"><arg type="s" direction="in"/><arg type="s" direction="in"/>
   <arg type="v" direction="out"/></method>
  <method name="GetAll"><arg type="s" direction="in"/><arg type="a{sv}" direction="out"/>
  </method>
  <signal name="PropertiesChanged"><arg type="s"/><arg type="a{sv}"/><arg type="as"/></signal>
 </interface>
</node>"""
