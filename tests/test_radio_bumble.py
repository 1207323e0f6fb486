"""The bumble radio: badges and gateways as bumble Devices on one in-process VenueLink."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from iotedge.adapters.bumble_radio import (
    BumbleAdvertiser,
    BumbleScanner,
    VenueLink,
    virtual_device,
)
from iotedge.core.errors import AdvertBudgetError
from iotedge.hal.radio import Advertisement, Advertiser, Frame, Scanner, join_ad

BADGE = "C0:00:00:00:00:01"
OTHER = "C0:00:00:00:00:02"
# Manufacturer-specific data for company 0xFFFF (reserved for tests), padded to the full
# 31-byte legacy budget so truncation would show.
MFR_FULL = join_ad([(0xFF, bytes([0xFF, 0xFF]) + bytes(range(27)))])
MFR_A = join_ad([(0xFF, b"\xff\xffA1")])
MFR_B = join_ad([(0xFF, b"\xff\xffB2")])


def run(coro: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(coro(), timeout=30))


def test_two_devices_exact_bytes_and_injected_rssi() -> None:
    table = {(BADGE, "gw-near"): -41, (BADGE, "gw-far"): -88}
    got: dict[str, list[Advertisement]] = {"gw-near": [], "gw-far": [], "gw-deaf": []}

    async def main() -> None:
        link = VenueLink(rssi=lambda addr, rx: table.get((addr, rx)))
        badge = await virtual_device(link, "badge", BADGE)
        for name in got:
            gw = await virtual_device(link, name, f"F0:00:00:00:00:0{len(name)}")
            await BumbleScanner(gw, name).start(got[name].append)
        adv = BumbleAdvertiser(badge, interval_ms=20)
        assert len(MFR_FULL) == 31
        adv.set_frames([Frame(MFR_FULL, ttl=60)])
        await adv.start()
        await asyncio.sleep(0.3)
        await adv.stop()

    run(main)
    for name, rssi in (("gw-near", -41), ("gw-far", -88)):
        advs = got[name]
        assert len(advs) >= 5, name
        assert {a.data for a in advs} == {MFR_FULL}
        assert {a.rssi for a in advs} == {rssi}
        assert {(a.address, a.kind, a.extended, a.gateway) for a in advs} == {
            (BADGE, "adv", False, name)
        }
    assert got["gw-deaf"] == []  # the model said out of range


def test_rotation_over_the_virtual_link() -> None:
    got: list[Advertisement] = []

    async def main() -> None:
        link = VenueLink()
        badge = await virtual_device(link, "badge", BADGE)
        gw = await virtual_device(link, "gw", "F0:00:00:00:00:09")
        scanner = BumbleScanner(gw, "gw")
        assert isinstance(scanner, Scanner)
        await scanner.start(got.append)
        adv = BumbleAdvertiser(badge, interval_ms=10, slot=0.05)
        assert isinstance(adv, Advertiser)
        adv.set_frames([Frame(MFR_A, ttl=60), Frame(MFR_B, ttl=0.4)])
        await adv.start()
        await asyncio.sleep(0.8)
        await adv.stop()
        n = len(got)
        await asyncio.sleep(0.1)
        assert len(got) == n  # nothing on air after stop
        await scanner.stop()

    run(main)
    datas = [a.data for a in got]
    assert set(datas) == {MFR_A, MFR_B}
    last_b = max(i for i, d in enumerate(datas) if d == MFR_B)
    assert all(d == MFR_A for d in datas[last_b + 1 :]) and len(datas) - last_b > 10
    switches = sum(1 for i in range(1, last_b + 1) if datas[i] != datas[i - 1])
    assert switches >= 4  # alternated while both lived


def test_extended_adverts_and_legacy_scanner() -> None:
    """A 100-byte frame needs extended advertising; a legacy-only scan cannot see it."""
    big = join_ad([(0xFF, b"\xff\xff" + bytes(range(96)))])
    ext: list[Advertisement] = []
    legacy: list[Advertisement] = []

    async def main() -> None:
        link = VenueLink()
        badge = await virtual_device(link, "badge", OTHER)
        gw1 = await virtual_device(link, "gw1", "F0:00:00:00:00:01")
        gw2 = await virtual_device(link, "gw2", "F0:00:00:00:00:02")
        await BumbleScanner(gw1, "gw1").start(ext.append)
        s2 = BumbleScanner(gw2, "gw2")
        s2.device.host.on("advertising_report", s2._on_report)
        s2._callback = legacy.append
        await gw2.start_scanning(legacy=True, active=False)
        with pytest.raises(AdvertBudgetError):
            BumbleAdvertiser(badge).set_frames([Frame(big, 10)])  # legacy: 31 bytes max
        adv = BumbleAdvertiser(badge, interval_ms=20, extended=True)
        adv.set_frames([Frame(big, 10)])
        await adv.start()
        await asyncio.sleep(0.2)
        await adv.stop()

    run(main)
    assert ext and {(a.data, a.extended) for a in ext} == {(big, True)}
    assert legacy == []


def test_active_scan_gets_scan_response_separately() -> None:
    got: list[Advertisement] = []
    scan_rsp = join_ad([(0x09, b"badge-7")])  # complete local name

    async def main() -> None:
        link = VenueLink(rssi=lambda a, r: -60)
        badge = await virtual_device(link, "badge", BADGE)
        gw = await virtual_device(link, "gw", "F0:00:00:00:00:03")
        await BumbleScanner(gw, "gw", active=True).start(got.append)
        await badge.start_advertising(  # a connectable, scannable legacy ADV_IND
            advertising_data=MFR_A,
            scan_response_data=scan_rsp,
            advertising_interval_min=20,
            advertising_interval_max=20,
        )
        await asyncio.sleep(0.2)
        await badge.stop_advertising()

    run(main)
    advs = [a.data for a in got if a.kind == "adv"]
    rsps = [a.data for a in got if a.kind == "scan_rsp"]
    assert advs and rsps and set(advs) == {MFR_A} and set(rsps) == {scan_rsp}
    assert abs(len(advs) - len(rsps)) <= 1


def test_controller_duplicate_filter_is_honoured() -> None:
    plain: list[Advertisement] = []
    filtered: list[Advertisement] = []

    async def main() -> None:
        link = VenueLink()
        badge = await virtual_device(link, "badge", BADGE)
        gw1 = await virtual_device(link, "gw1", "F0:00:00:00:00:04")
        gw2 = await virtual_device(link, "gw2", "F0:00:00:00:00:05")
        await BumbleScanner(gw1, "gw1").start(plain.append)
        await BumbleScanner(gw2, "gw2", filter_duplicates=True).start(filtered.append)
        adv = BumbleAdvertiser(badge, interval_ms=10, slot=10)
        adv.set_frames([Frame(MFR_A, 60)])
        await adv.start()
        await asyncio.sleep(0.2)
        await adv.stop()

    run(main)
    assert len(plain) >= 10
    assert [a.data for a in filtered] == [MFR_A]
