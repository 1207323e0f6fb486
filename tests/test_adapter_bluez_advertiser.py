"""BlueZ LE advertising over D-Bus, against a fake bluetoothd on a real private dbus-daemon."""

from __future__ import annotations

import asyncio

import pytest
from dbus_fast import Variant

from iotedge.adapters.bluez_advertiser import BlueZAdvertiser, frame_to_properties, uuid_string
from iotedge.core.errors import ADError
from iotedge.hal.radio import Advertiser, Frame, join_ad
from tests._fake_bluez import DBusDaemon, FakeBlueZ

# Alert-like manufacturer data, company 0xFFFF (reserved for tests).
ALERT_A = join_ad([(0xFF, b"\xff\xff\x01ALERT-A")])
ALERT_B = join_ad([(0xFF, b"\xff\xff\x01ALERT-B")])
# BTHome v2 (service data UUID 0xFCD2), with a flags structure BlueZ must not get.
BTHOME = join_ad([(0x01, b"\x06"), (0x16, bytes.fromhex("d2fc4002ca0903bf13"))])


def test_uuid_strings() -> None:
    assert uuid_string(b"\xd2\xfc") == "0000fcd2-0000-1000-8000-00805f9b34fb"
    assert uuid_string(b"\x0d\x18\x00\x00") == "0000180d-0000-1000-8000-00805f9b34fb"
    le = bytes.fromhex("fb349b5f80000080001000000f180000")  # 0000180f-... little-endian
    assert uuid_string(le) == "0000180f-0000-1000-8000-00805f9b34fb"
    with pytest.raises(ADError):
        uuid_string(b"\x01\x02\x03")


def test_frame_to_properties_exact() -> None:
    props = frame_to_properties(ALERT_A, interval_ms=100)
    assert props == {
        "Type": Variant("s", "broadcast"),
        "ManufacturerData": Variant("a{qv}", {0xFFFF: Variant("ay", b"\x01ALERT-A")}),
        "MinInterval": Variant("u", 100),
        "MaxInterval": Variant("u", 100),
    }
    props = frame_to_properties(
        BTHOME + join_ad([(0x03, b"\x0f\x18"), (0x09, b"gw"), (0x0A, b"\x00"), (0x26, b"\x01")])
    )
    assert props == {
        "Type": Variant("s", "broadcast"),
        "ServiceData": Variant(
            "a{sv}",
            {
                "0000fcd2-0000-1000-8000-00805f9b34fb": Variant(
                    "ay", bytes.fromhex("4002ca0903bf13")
                )
            },
        ),
        "ServiceUUIDs": Variant("as", ["0000180f-0000-1000-8000-00805f9b34fb"]),
        "LocalName": Variant("s", "gw"),
        "Includes": Variant("as", ["tx-power"]),
        "Data": Variant("a{yv}", {0x26: Variant("ay", b"\x01")}),
    }


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (join_ad([(0xFF, b"\x01")]), "short"),
        (join_ad([(0xFF, b"\xff\xffa"), (0xFF, b"\xff\xffb")]), "unsupported"),
        (join_ad([(0x12, b"\x06\x00\x0c\x00")]), "unsupported"),  # conn interval range
        (join_ad([(0x03, b"\x0f")]), "bad-uuid"),
        (b"\x05\xff\x01", "overrun"),
    ],
)
def test_frame_to_properties_rejects(data: bytes, reason: str) -> None:
    with pytest.raises(ADError) as info:
        frame_to_properties(data)
    assert info.value.reason == reason


def _md(props: dict[str, object]) -> bytes:
    md = props["ManufacturerData"]
    assert isinstance(md, dict)
    return bytes(md[0xFFFF])


def test_register_rotate_expire_unregister() -> None:
    """Registered once as a broadcast advert, rotated by PropertiesChanged, then removed."""

    async def main(address: str) -> tuple[FakeBlueZ, BlueZAdvertiser]:
        bluez = await FakeBlueZ(address).start()
        adv = BlueZAdvertiser(bus_address=address, slot=0.05, interval_ms=100)
        assert isinstance(adv, Advertiser)
        adv.set_frames([Frame(ALERT_A, ttl=60), Frame(ALERT_B, ttl=0.5)])
        await adv.start()
        await asyncio.sleep(0.2)
        record = bluez.adverts[adv.object_path]
        assert record.history[0] == {
            "Type": "broadcast",
            "ManufacturerData": {0xFFFF: b"\x01ALERT-A"},
            "MinInterval": 100,
            "MaxInterval": 100,
        }
        assert record.owner == adv._bus.unique_name  # type: ignore[union-attr]
        await asyncio.sleep(0.7)
        await adv.stop()
        await bluez.stop()
        return bluez, adv

    with DBusDaemon() as daemon:
        bluez, adv = asyncio.run(asyncio.wait_for(main(daemon.address), 20))
    assert bluez.adverts == {}  # unregistered on stop
    (record,) = bluez.unregistered
    seq = [_md(h) for h in record.history]
    assert set(seq) == {b"\x01ALERT-A", b"\x01ALERT-B"}
    # Every snapshot is a complete broadcast advert; frames alternated while both lived.
    assert all(
        h["Type"] == "broadcast" and set(h) == set(record.history[0]) for h in record.history
    )
    last_b = max(i for i, m in enumerate(seq) if m == b"\x01ALERT-B")
    assert sum(1 for i in range(1, last_b + 1) if seq[i] != seq[i - 1]) >= 4
    # After B's 0.5 s TTL: one switch back to A, then no more signals (A alone on air).
    assert seq[last_b + 1 :] == [b"\x01ALERT-A"]
    assert record.times[last_b] - record.times[0] < 0.65
    assert adv.registered is False and adv.on_air is None


def test_changing_structure_kind_invalidates_old_properties() -> None:
    """From manufacturer data to service data: ManufacturerData is invalidated, not kept."""

    async def main(address: str) -> FakeBlueZ:
        bluez = await FakeBlueZ(address).start()
        adv = BlueZAdvertiser(bus_address=address, slot=10, interval_ms=None)
        adv.set_frames([Frame(ALERT_A, ttl=60)])
        await adv.start()
        await asyncio.sleep(0.1)
        adv.set_frames([Frame(BTHOME, ttl=60)])
        await asyncio.sleep(0.1)
        record = bluez.adverts[adv.object_path]
        assert record.history[-1] == {
            "Type": "broadcast",
            "ServiceData": {
                "0000fcd2-0000-1000-8000-00805f9b34fb": bytes.fromhex("4002ca0903bf13")
            },
        }
        assert len(record.history) == 2  # one registration, one PropertiesChanged
        await adv.stop()
        await bluez.stop()
        return bluez

    with DBusDaemon() as daemon:
        asyncio.run(asyncio.wait_for(main(daemon.address), 20))


def test_no_bluez_is_reported_and_retried() -> None:
    """Without org.bluez on the bus the rotation logs the failure and keeps trying."""

    async def main(address: str) -> None:
        adv = BlueZAdvertiser(bus_address=address, slot=0.05)
        adv.set_frames([Frame(ALERT_A, ttl=60)])
        await adv.start()
        await asyncio.sleep(0.2)
        assert adv.registered is False and adv.on_air is None
        bluez = await FakeBlueZ(address).start()  # bluetoothd comes up late
        await asyncio.sleep(0.3)
        assert adv.registered and adv.on_air == ALERT_A
        assert bluez.adverts[adv.object_path].props["ManufacturerData"] == {0xFFFF: b"\x01ALERT-A"}
        await adv.stop()
        await bluez.stop()

    with DBusDaemon() as daemon:
        asyncio.run(asyncio.wait_for(main(daemon.address), 20))
