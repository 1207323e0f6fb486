"""The bleak scanner adapter: translation from real bleak objects, scanner arguments, and the
whole path through bleak's BlueZ backend against a fake bluetoothd on a private bus."""

from __future__ import annotations

import asyncio

import pytest
from bleak.args.bluez import OrPattern
from bleak.assigned_numbers import AdvertisementDataType
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError
from dbus_fast import Variant

from iotedge.adapters.bleak_scanner import (
    BleakAdvertScanner,
    ad_bytes_from_bleak,
    advertisement_from_bleak,
    or_pattern_manufacturer,
    or_pattern_service_data16,
    scanner_kwargs,
)
from iotedge.hal.radio import Advertisement, Scanner, split_ad
from tests._fake_bluez import DBusDaemon, FakeBlueZ

BTHOME_UUID = "0000fcd2-0000-1000-8000-00805f9b34fb"
ADDR = "C0:98:E5:49:00:01"


def _adv(**kw: object) -> AdvertisementData:
    base: dict[str, object] = {
        "local_name": None,
        "manufacturer_data": {},
        "service_data": {},
        "service_uuids": [],
        "tx_power": None,
        "rssi": -70,
        "platform_data": ("/org/bluez/hci0/dev_C0_98_E5_49_00_01", {}),
    }
    base.update(kw)
    return AdvertisementData(**base)  # type: ignore[arg-type]


def test_ad_bytes_from_bleak_exact() -> None:
    adv = _adv(
        local_name="badge",
        manufacturer_data={0x0590: b"\x01\x02"},
        service_data={BTHOME_UUID: bytes.fromhex("4002ca0903bf13")},
        service_uuids=[
            "0000180f-0000-1000-8000-00805f9b34fb",
            "12345678-0000-1000-8000-00805f9b34fb",
            "6e400001-b5a3-f393-e0a9-e50e24dcca9e",
        ],
        tx_power=-4,
        platform_data=(
            "/p",
            {"AdvertisingFlags": b"\x06", "AdvertisingData": {0x26: b"\xaa", 0xFF: b"x"}},
        ),
    )
    data = ad_bytes_from_bleak(adv)
    assert split_ad(data) == [
        (0x01, b"\x06"),
        (0x09, b"badge"),
        (0x03, b"\x0f\x18"),
        (0x05, bytes.fromhex("78563412")),
        (0x07, bytes.fromhex("9eca dc24 0ee5 a9e0 93f3 a3b5 0100 406e")),
        (0x0A, b"\xfc"),
        (0x16, bytes.fromhex("d2fc4002ca0903bf13")),
        (0xFF, bytes.fromhex("90050102")),
        (0x26, b"\xaa"),  # from AdvertisingData; its 0xFF copy is not repeated
    ]


def test_advertisement_from_real_bleak_objects() -> None:
    device = BLEDevice(ADDR.lower(), "badge", {"path": "/x", "props": {}})
    adv = _adv(manufacturer_data={0xFFFF: b"\x07"}, rssi=-63)
    report = advertisement_from_bleak(device, adv, "gw-3", 1700000000.5)
    assert report == Advertisement(
        ADDR, -63, b"\x04\xff\xff\xff\x07", 1700000000.5, "gw-3", "merged"
    )


def test_scanner_kwargs() -> None:
    pattern = or_pattern_service_data16(0xFCD2)
    assert pattern == OrPattern(0, AdvertisementDataType.SERVICE_DATA_UUID16, b"\xd2\xfc")
    assert or_pattern_manufacturer(0x0590).content_of_pattern == b"\x90\x05"
    assert scanner_kwargs("passive", "hci1", [pattern]) == {
        "scanning_mode": "passive",
        "bluez": {"adapter": "hci1", "or_patterns": [pattern]},
    }
    assert scanner_kwargs("active", None, rssi_threshold=-90) == {
        "scanning_mode": "active",
        "bluez": {"filters": {"DuplicateData": True, "RSSI": -90}},
    }
    with pytest.raises(ValueError):
        scanner_kwargs("passive", "hci0")
    with pytest.raises(ValueError):
        BleakAdvertScanner("gw", mode="passive")
    assert isinstance(BleakAdvertScanner("gw"), Scanner)


async def _scan(
    address: str, scanner: BleakAdvertScanner, monitors: bool = True
) -> tuple[FakeBlueZ, list[Advertisement]]:
    bluez = await FakeBlueZ(address, monitors=monitors).start()
    got: list[Advertisement] = []
    await scanner.start(got.append)
    await asyncio.sleep(0.1)
    md = {0xFFFF: Variant("ay", b"\x01\x02")}
    await bluez.advertise(ADDR, RSSI=Variant("n", -61), ManufacturerData=Variant("a{qv}", md))
    # The same bytes again (DuplicateData=True makes bluetoothd signal them), then new RSSI.
    await bluez.advertise(ADDR, ManufacturerData=Variant("a{qv}", md))
    await bluez.advertise(ADDR, RSSI=Variant("n", -75), ManufacturerData=Variant("a{qv}", md))
    await asyncio.sleep(0.2)
    await scanner.stop()
    await bluez.stop()
    return bluez, got


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> object:
    with DBusDaemon() as daemon:
        # bleak (and bless) talk to the *system* bus: point it at the private daemon.
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", daemon.address)
        yield daemon


def test_active_scan_through_bleak_reports_every_advert(bus: DBusDaemon) -> None:
    scanner = BleakAdvertScanner("gw-1", mode="active", keep_duplicates=False)
    bluez, got = asyncio.run(asyncio.wait_for(_scan(bus.address, scanner), 20))
    assert scanner.active_mode == "active"
    assert bluez.discovery_filters[0] == {"Transport": "le", "DuplicateData": True}
    assert [(a.address, a.rssi, a.data, a.kind, a.gateway) for a in got] == [
        (ADDR, -61, b"\x05\xff\xff\xff\x01\x02", "merged", "gw-1"),
        (ADDR, -61, b"\x05\xff\xff\xff\x01\x02", "merged", "gw-1"),
        (ADDR, -75, b"\x05\xff\xff\xff\x01\x02", "merged", "gw-1"),
    ]
    assert bluez.monitors == [] and not bluez.discovering


def test_passive_scan_registers_or_patterns(bus: DBusDaemon) -> None:
    scanner = BleakAdvertScanner("gw-2", or_patterns=[or_pattern_manufacturer(0xFFFF)])
    bluez, got = asyncio.run(asyncio.wait_for(_scan(bus.address, scanner), 20))
    assert scanner.active_mode == "passive"
    assert bluez.discovery_filters == []  # no active discovery at all
    assert bluez.monitors == [{"Type": "or_patterns", "Patterns": [[0, 0xFF, b"\xff\xff"]]}]
    assert [a.rssi for a in got] == [-61, -61, -75]


def test_auto_falls_back_to_active_plus_nothing_when_no_monitors(bus: DBusDaemon) -> None:
    """bluetoothd without --experimental refuses monitors: scan actively instead."""
    scanner = BleakAdvertScanner("gw-3", or_patterns=[or_pattern_manufacturer(0xFFFF)])
    bluez, got = asyncio.run(asyncio.wait_for(_scan(bus.address, scanner, monitors=False), 20))
    assert scanner.active_mode == "active"
    assert bluez.discovery_filters[0]["DuplicateData"] is True
    assert len(got) == 3


def test_active_with_patterns_adds_companion_monitor(bus: DBusDaemon) -> None:
    scanner = BleakAdvertScanner(
        "gw-4", mode="active", or_patterns=[or_pattern_service_data16(0xFCD2)]
    )
    bluez, got = asyncio.run(asyncio.wait_for(_scan(bus.address, scanner), 20))
    assert scanner.active_mode == "active"
    assert bluez.monitors == [{"Type": "or_patterns", "Patterns": [[0, 0x16, b"\xd2\xfc"]]}]
    assert len(got) == 3  # the companion has no callback: no double reports


def test_forced_passive_without_monitors_raises(bus: DBusDaemon) -> None:
    async def main() -> None:
        bluez = await FakeBlueZ(bus.address, monitors=False).start()
        scanner = BleakAdvertScanner("gw", mode="passive", or_patterns=[or_pattern_manufacturer(1)])
        try:
            with pytest.raises(BleakError):
                await scanner.start(lambda adv: None)
        finally:
            await bluez.stop()

    asyncio.run(asyncio.wait_for(main(), 20))
