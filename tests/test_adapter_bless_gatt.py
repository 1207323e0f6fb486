"""The gateway's GATT service (bless): definition, read values, and a real registration of
bless's BlueZ backend with a fake bluetoothd on a private dbus-daemon, read over D-Bus."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from bless.backends.attribute import GATTAttributePermissions
from bless.backends.bluezdbus.characteristic import BlessGATTCharacteristicBlueZDBus
from bless.backends.characteristic import GATTCharacteristicProperties
from hypothesis import given
from hypothesis import strategies as st

from iotedge.adapters.bless_gatt import (
    ALERTS_UUID,
    SERVICE_UUID,
    STATUS_UUID,
    GatewayGattService,
    decode_alerts,
    encode_alerts,
)
from iotedge.core.errors import PayloadError
from tests._fake_bluez import DBusDaemon, FakeBlueZ

FRAME_1 = bytes.fromhex("0bff ffff 01 0203040506070809")
FRAME_2 = bytes.fromhex("06ff ffff 02 aabb")


@given(st.lists(st.binary(min_size=1, max_size=40), max_size=12), st.integers(2, 300))
def test_alerts_round_trip_keeps_newest_that_fit(frames: list[bytes], max_len: int) -> None:
    value = encode_alerts(frames, max_len)
    assert len(value) <= max_len
    kept = decode_alerts(value)
    assert kept == frames[len(frames) - len(kept) :]  # a suffix: the newest ones
    if len(kept) < len(frames):  # the next older one would not have fit
        assert len(value) + 1 + len(frames[len(frames) - len(kept) - 1]) > max_len


def test_alerts_exact_bytes_and_malformed() -> None:
    assert encode_alerts([FRAME_2]) == bytes.fromhex("0101 07 06ffffff02aabb")
    assert encode_alerts([]) == b"\x01\x00"
    for bad in (b"", b"\x02\x00", b"\x01\x01\x05ab", b"\x01\x00\x00"):
        with pytest.raises(PayloadError):
            decode_alerts(bad)


def _service(alerts: list[bytes]) -> GatewayGattService:
    now = [100.0]
    svc = GatewayGattService(
        "gw-9", lambda: alerts, lambda: {"mqtt": "online"}, clock=lambda: now[0]
    )
    now[0] = 142.7
    return svc


def test_tree_uses_bless_types_and_read_handlers_answer() -> None:
    svc = _service([FRAME_1, FRAME_2])
    tree = svc.gatt_tree()
    assert list(tree) == [SERVICE_UUID] and list(tree[SERVICE_UUID]) == [ALERTS_UUID, STATUS_UUID]
    for char in tree[SERVICE_UUID].values():
        assert char["Properties"] is GATTCharacteristicProperties.read
        assert char["Permissions"] is GATTAttributePermissions.readable
    # bless's own characteristic objects, as its server hands them to read_request_func.
    alerts_char = BlessGATTCharacteristicBlueZDBus(
        ALERTS_UUID, GATTCharacteristicProperties.read, GATTAttributePermissions.readable, None
    )
    assert decode_alerts(bytes(svc.read_request(alerts_char))) == [FRAME_1, FRAME_2]
    assert bytes(alerts_char.value) == encode_alerts([FRAME_1, FRAME_2])
    status_char = BlessGATTCharacteristicBlueZDBus(
        STATUS_UUID, GATTCharacteristicProperties.read, GATTAttributePermissions.readable, None
    )
    status = json.loads(bytes(svc.read_request(status_char)))
    version = status.pop("version")
    assert status == {"alerts": 2, "gateway": "gw-9", "mqtt": "online", "uptime_s": 42}
    assert isinstance(version, str)
    with pytest.raises(PermissionError):
        svc.write_request(status_char, bytearray(b"x"))
    assert svc.refused_writes == 1 and svc.reads == 2


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[DBusDaemon]:
    with DBusDaemon() as daemon:
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", daemon.address)  # bless uses the system bus
        yield daemon


def test_bless_registers_and_serves_reads_over_dbus(bus: DBusDaemon) -> None:
    alerts = [FRAME_1]

    async def main() -> tuple[bytes, bytes, bytes, FakeBlueZ]:
        bluez = await FakeBlueZ(bus.address).start()
        svc = GatewayGattService("gw-9", lambda: alerts, lambda: {"mqtt": "offline"})
        await svc.start()
        await asyncio.sleep(0.2)
        first = await bluez.read_value(ALERTS_UUID)
        alerts.append(FRAME_2)  # a new alert: the next read sees it
        second = await bluez.read_value(ALERTS_UUID)
        status = await bluez.read_value(STATUS_UUID)
        await svc.stop()
        await bluez.stop()
        return first, second, status, bluez

    first, second, status, bluez = asyncio.run(asyncio.wait_for(main(), 30))
    assert decode_alerts(first) == [FRAME_1]
    assert decode_alerts(second) == [FRAME_1, FRAME_2]
    assert json.loads(status)["mqtt"] == "offline"
    # bless also advertised the gateway name through LEAdvertisingManager1 (no custom data).
    (advert,) = bluez.unregistered
    assert advert.history[0]["LocalName"] == "iotedge-gw-9"
    assert SERVICE_UUID in advert.history[0]["ServiceUUIDs"]
    assert bluez.adapter_sets[0] == ("Alias", "iotedge-gw-9")
    assert bluez.apps == {}  # unregistered on stop
