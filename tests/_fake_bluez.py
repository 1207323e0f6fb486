"""A fake ``bluetoothd`` on a private ``dbus-daemon``, for testing D-Bus clients for real.

``DBusDaemon`` starts ``dbus-daemon --session`` (Debian package ``dbus``) on a private
socket. ``FakeBlueZ`` owns ``org.bluez`` there with one adapter ``/org/bluez/hci0`` that
has the interfaces our adapters (and bleak and bless underneath them) talk to:

* ``org.freedesktop.DBus.ObjectManager`` at ``/`` (GetManagedObjects; InterfacesAdded);
* ``org.bluez.Adapter1``: SetDiscoveryFilter / StartDiscovery / StopDiscovery;
* ``org.bluez.LEAdvertisingManager1``: RegisterAdvertisement reads the client's
  ``LEAdvertisement1`` properties back with ``Properties.GetAll`` before replying and then
  follows its ``PropertiesChanged`` signals, as bluetoothd does;
* ``org.bluez.AdvertisementMonitorManager1``: RegisterMonitor reads the client's monitor
  objects with ``GetManagedObjects``;
* ``org.bluez.GattManager1``: RegisterApplication reads the application's objects, and
  :meth:`FakeBlueZ.read_value` calls ``ReadValue`` on one of its characteristics as a
  connected phone's read would make bluetoothd do.

Devices "advertise" through :meth:`FakeBlueZ.advertise`, which emits the same signals
bluetoothd emits for a received advert (InterfacesAdded, then PropertiesChanged).
Bus addresses never leave this machine: ``unix:`` sockets in a temp dir.
"""

import asyncio
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus

ADAPTER = "/org/bluez/hci0"
PROPS = "org.freedesktop.DBus.Properties"
OM = "org.freedesktop.DBus.ObjectManager"


class DBusDaemon:
    """``dbus-daemon --session`` on a private socket; ``address`` once started."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.address = ""

    def __enter__(self) -> "DBusDaemon":
        binary = shutil.which("dbus-daemon") or "/usr/bin/dbus-daemon"
        self.proc = subprocess.Popen(
            [binary, "--session", "--nofork", "--nopidfile", "--print-address=1"],
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        self.address = self.proc.stdout.readline().decode().strip()
        if not self.address.startswith("unix:"):
            raise RuntimeError(f"dbus-daemon gave no address: {self.address!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(5)
            if self.proc.stdout:
                self.proc.stdout.close()


@dataclass
class AdvertRecord:
    owner: str
    path: str
    history: list[dict[str, Any]] = field(default_factory=list)  # property snapshots
    times: list[float] = field(default_factory=list)
    unregistered: bool = False

    @property
    def props(self) -> dict[str, Any]:
        return self.history[-1]


def _unwrap(value: Any) -> Any:
    if isinstance(value, Variant):
        return _unwrap(value.value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_unwrap(v) for v in value]
    return value


_ROOT_XML = """<node>
 <interface name="org.freedesktop.DBus.ObjectManager">
  <method name="GetManagedObjects"><arg type="a{oa{sa{sv}}}" direction="out"/></method>
  <signal name="InterfacesAdded"><arg type="o"/><arg type="a{sa{sv}}"/></signal>
  <signal name="InterfacesRemoved"><arg type="o"/><arg type="as"/></signal>
 </interface>
 <node name="org"/>
</node>"""

_ADAPTER_XML = """<node>
 <interface name="org.bluez.Adapter1">
  <method name="SetDiscoveryFilter"><arg type="a{sv}" direction="in"/></method>
  <method name="StartDiscovery"/>
  <method name="StopDiscovery"/>
  <property name="Address" type="s" access="read"/>
  <property name="Powered" type="b" access="read"/>
 </interface>
 <interface name="org.bluez.LEAdvertisingManager1">
  <method name="RegisterAdvertisement"><arg type="o" direction="in"/>
   <arg type="a{sv}" direction="in"/></method>
  <method name="UnregisterAdvertisement"><arg type="o" direction="in"/></method>
 </interface>
 <interface name="org.bluez.GattManager1">
  <method name="RegisterApplication"><arg type="o" direction="in"/>
   <arg type="a{sv}" direction="in"/></method>
  <method name="UnregisterApplication"><arg type="o" direction="in"/></method>
 </interface>
 <interface name="org.bluez.AdvertisementMonitorManager1">
  <method name="RegisterMonitor"><arg type="o" direction="in"/></method>
  <method name="UnregisterMonitor"><arg type="o" direction="in"/></method>
 </interface>
 <interface name="org.freedesktop.DBus.Properties">
  <method name="Get"><arg type="s" direction="in"/><arg type="s" direction="in"/>
   <arg type="v" direction="out"/></method>
  <method name="GetAll"><arg type="s" direction="in"/><arg type="a{sv}" direction="out"/>
  </method>
  <method name="Set"><arg type="s" direction="in"/><arg type="s" direction="in"/>
   <arg type="v" direction="in"/></method>
  <signal name="PropertiesChanged"><arg type="s"/><arg type="a{sv}"/><arg type="as"/></signal>
 </interface>
</node>"""


class FakeBlueZ:
    def __init__(self, address: str, monitors: bool = True) -> None:
        self.address = address
        self.monitors_supported = monitors
        self.bus: MessageBus | None = None
        self.adverts: dict[str, AdvertRecord] = {}
        self.unregistered: list[AdvertRecord] = []
        self.discovery_filters: list[dict[str, Any]] = []
        self.discovering = False
        self.monitors: list[dict[str, Any]] = []
        self.monitor_roots: dict[str, list[str]] = {}  # sender -> registered root paths
        self.apps: dict[str, tuple[str, dict[str, Any]]] = {}  # path -> (owner, objects)
        self.devices: dict[str, dict[str, Variant]] = {}
        self.adapter_sets: list[tuple[str, Any]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> "FakeBlueZ":
        self.bus = await MessageBus(bus_address=self.address).connect()
        await self.bus.request_name("org.bluez")
        self.bus.add_message_handler(self._handle)
        # Follow clients' PropertiesChanged (advertisement objects).
        await self._call_bus("AddMatch", "s", [f"type='signal',interface='{PROPS}'"])
        # Clients export monitors after registering their root: follow InterfacesAdded.
        await self._call_bus("AddMatch", "s", [f"type='signal',interface='{OM}'"])
        return self

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self.bus is not None:
            self.bus.disconnect()

    async def _call_bus(self, member: str, signature: str, body: list[Any]) -> None:
        assert self.bus is not None
        await self.bus.call(
            Message(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus",
                member=member,
                signature=signature,
                body=body,
            )
        )

    # -- what bluetoothd would emit for received adverts --------------------------------

    async def advertise(self, address: str, **props: Variant) -> None:
        """A device was heard: InterfacesAdded the first time, then PropertiesChanged."""
        assert self.bus is not None
        path = f"{ADAPTER}/dev_{address.replace(':', '_')}"
        if path not in self.devices:
            base = {
                "Address": Variant("s", address),
                "AddressType": Variant("s", "random"),
                "Alias": Variant("s", address.replace(":", "-")),
                "Adapter": Variant("o", ADAPTER),
                "Paired": Variant("b", False),
                "Connected": Variant("b", False),
            }
            base.update(props)
            self.devices[path] = base
            await self.bus.send(
                Message.new_signal(
                    "/", OM, "InterfacesAdded", "oa{sa{sv}}", [path, {"org.bluez.Device1": base}]
                )
            )
        else:
            self.devices[path].update(props)
            await self.bus.send(
                Message.new_signal(
                    path, PROPS, "PropertiesChanged", "sa{sv}as", ["org.bluez.Device1", props, []]
                )
            )

    # -- GATT, as a connected central's read makes bluetoothd do -------------------------

    async def read_value(self, char_uuid: str) -> bytes:
        assert self.bus is not None
        for owner, objects in self.apps.values():
            for path, ifaces in objects.items():
                char = ifaces.get("org.bluez.GattCharacteristic1")
                if char and char["UUID"] == char_uuid:
                    reply = await self.bus.call(
                        Message(
                            destination=owner,
                            path=path,
                            interface="org.bluez.GattCharacteristic1",
                            member="ReadValue",
                            signature="a{sv}",
                            body=[{}],
                        )
                    )
                    assert reply is not None and reply.message_type == MessageType.METHOD_RETURN
                    return bytes(reply.body[0])
        raise KeyError(char_uuid)

    # -- the method calls bluetoothd serves ----------------------------------------------

    def _managed_objects(self) -> dict[str, dict[str, dict[str, Variant]]]:
        objects: dict[str, dict[str, dict[str, Variant]]] = {
            ADAPTER: {
                "org.bluez.Adapter1": {
                    "Address": Variant("s", "00:00:00:00:00:00"),
                    "Name": Variant("s", "fake"),
                    "Powered": Variant("b", True),
                    "Discovering": Variant("b", self.discovering),
                },
                "org.bluez.LEAdvertisingManager1": {
                    "ActiveInstances": Variant("y", len(self.adverts)),
                    "SupportedInstances": Variant("y", 5),
                },
                "org.bluez.GattManager1": {},
                "org.bluez.AdvertisementMonitorManager1": {
                    "SupportedMonitorTypes": Variant("as", ["or_patterns"]),
                    "SupportedFeatures": Variant("as", []),
                },
            }
        }
        for path, props in self.devices.items():
            objects[path] = {"org.bluez.Device1": props}
        return objects

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _handle(self, msg: Message) -> Message | bool | None:
        if msg.message_type == MessageType.SIGNAL:
            if msg.member == "InterfacesAdded" and msg.sender != self.bus.unique_name:  # type: ignore[union-attr]
                obj_path, ifaces = msg.body
                roots = self.monitor_roots.get(str(msg.sender), [])
                monitor = ifaces.get("org.bluez.AdvertisementMonitor1")
                if monitor is not None and any(obj_path.startswith(r) for r in roots):
                    self.monitors.append(_unwrap(monitor))
                return None
            if msg.member == "PropertiesChanged" and msg.path in self.adverts:
                _iface, changed, invalidated = msg.body
                record = self.adverts[msg.path]
                snapshot = dict(record.props)
                snapshot.update(_unwrap(changed))
                for name in invalidated:
                    snapshot.pop(name, None)
                record.history.append(snapshot)
                record.times.append(time.monotonic())
            return None
        if msg.message_type != MessageType.METHOD_CALL:
            return None
        key = (msg.path, msg.interface, msg.member)
        if msg.member == "Introspect":
            xml = {
                "/": _ROOT_XML,
                "/org": '<node><node name="bluez"/></node>',
                "/org/bluez": '<node><node name="hci0"/></node>',
                ADAPTER: _ADAPTER_XML,
            }
            if msg.path in xml:
                return Message.new_method_return(msg, "s", [xml[msg.path]])
        if key == ("/", OM, "GetManagedObjects"):
            return Message.new_method_return(msg, "a{oa{sa{sv}}}", [self._managed_objects()])
        if msg.path != ADAPTER:
            return None
        if msg.interface == PROPS and msg.member == "Set":
            self.adapter_sets.append((msg.body[1], _unwrap(msg.body[2])))  # bless sets Alias
            return Message.new_method_return(msg)
        if msg.interface == PROPS and msg.member in ("Get", "GetAll"):
            props = self._managed_objects()[ADAPTER].get(msg.body[0], {})
            if msg.member == "GetAll":
                return Message.new_method_return(msg, "a{sv}", [props])
            if msg.body[1] in props:
                return Message.new_method_return(msg, "v", [props[msg.body[1]]])
            return Message.new_error(msg, "org.freedesktop.DBus.Error.InvalidArgs", "no such")
        if msg.member == "SetDiscoveryFilter":
            self.discovery_filters.append(_unwrap(msg.body[0]))
            return Message.new_method_return(msg)
        if msg.member == "StartDiscovery":
            self.discovering = True
            return Message.new_method_return(msg)
        if msg.member == "StopDiscovery":
            self.discovering = False
            return Message.new_method_return(msg)
        if msg.member == "RegisterAdvertisement":
            self._spawn(self._register_advertisement(msg))
            return True
        if msg.member == "UnregisterAdvertisement":
            record = self.adverts.get(msg.body[0])
            if record is None:
                return Message.new_error(msg, "org.bluez.Error.DoesNotExist", "no such advert")
            record.unregistered = True
            del self.adverts[msg.body[0]]
            self.unregistered.append(record)
            return Message.new_method_return(msg)
        if msg.member == "RegisterMonitor" and not self.monitors_supported:
            # What bluetoothd without --experimental answers.
            return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "no")
        if msg.member == "RegisterMonitor":
            self.monitor_roots.setdefault(str(msg.sender), []).append(msg.body[0])
            self._spawn(self._read_objects(msg, "monitor"))
            return True
        if msg.member == "UnregisterMonitor":
            return Message.new_method_return(msg)
        if msg.member == "RegisterApplication":
            self._spawn(self._read_objects(msg, "app"))
            return True
        if msg.member == "UnregisterApplication":
            self.apps.pop(msg.body[0], None)
            return Message.new_method_return(msg)
        return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", str(key))

    async def _register_advertisement(self, msg: Message) -> None:
        assert self.bus is not None
        path = msg.body[0]
        if path in self.adverts:
            await self.bus.send(Message.new_error(msg, "org.bluez.Error.AlreadyExists", path))
            return
        reply = await self.bus.call(
            Message(
                destination=msg.sender,
                path=path,
                interface=PROPS,
                member="GetAll",
                signature="s",
                body=["org.bluez.LEAdvertisement1"],
            )
        )
        assert reply is not None
        if reply.message_type == MessageType.ERROR:
            await self.bus.send(Message.new_error(msg, "org.bluez.Error.Failed", "GetAll"))
            return
        record = AdvertRecord(owner=str(msg.sender), path=path)
        record.history.append(_unwrap(reply.body[0]))
        record.times.append(time.monotonic())
        self.adverts[path] = record
        await self.bus.send(Message.new_method_return(msg))

    async def _read_objects(self, msg: Message, kind: str) -> None:
        assert self.bus is not None
        path = msg.body[0]
        await self.bus.send(Message.new_method_return(msg))  # bluetoothd replies first
        await asyncio.sleep(0.05)  # bleak exports its monitor only after registering
        reply = await self.bus.call(
            Message(destination=msg.sender, path=path, interface=OM, member="GetManagedObjects")
        )
        if reply is None or reply.message_type == MessageType.ERROR:
            return
        objects = _unwrap(reply.body[0])
        if kind == "monitor":
            for obj in objects.values():
                if "org.bluez.AdvertisementMonitor1" in obj:
                    self.monitors.append(obj["org.bluez.AdvertisementMonitor1"])
        else:
            self.apps[path] = (str(msg.sender), objects)
