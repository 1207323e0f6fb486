"""The radio seam (iotedge.hal.radio) and its in-memory implementation (hal.sim_radio)."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.core.errors import ADError, AdvertBudgetError
from iotedge.hal.radio import (
    Advertisement,
    Advertiser,
    AdvertQueue,
    Frame,
    FrameRotation,
    RotatingAdvertiser,
    Scanner,
    check_frame,
    join_ad,
    normalise_address,
    split_ad,
)
from iotedge.hal.sim_radio import SimAdvertiser, SimAir, SimScanner

# A BTHome v2 temperature+humidity advert: flags, then service data 0xFCD2
# (example "40 02 CA 09 03 BF 13" from the BTHome v2 format page: 25.06 C, 50.55 %).
BTHOME_AD = bytes.fromhex("020106") + bytes.fromhex("0a16d2fc4002ca0903bf13")
# Manufacturer-specific data, company 0xFFFF (reserved for testing), 4 payload bytes.
MFR_AD = bytes.fromhex("07ffffff01020304")

ad_structures = st.lists(
    st.tuples(st.integers(1, 255), st.binary(min_size=0, max_size=20)), max_size=6
)


@given(ad_structures)
def test_split_join_round_trip(structures: list[tuple[int, bytes]]) -> None:
    data = join_ad(structures)
    assert split_ad(data) == structures
    assert join_ad(split_ad(data)) == data


def test_split_known_bytes() -> None:
    assert split_ad(BTHOME_AD) == [(0x01, b"\x06"), (0x16, bytes.fromhex("d2fc4002ca0903bf13"))]
    # Zero padding after the significant part is allowed (controllers pad to 31).
    assert split_ad(MFR_AD + bytes(5)) == [(0xFF, bytes.fromhex("ffff01020304"))]


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"\x05\xff\x01", "overrun"), (b"\x00\x02\x01\x06", "zero-length"), (b"\x02", "overrun")],
)
def test_split_rejects_malformed(data: bytes, reason: str) -> None:
    with pytest.raises(ADError) as info:
        split_ad(data)
    assert info.value.reason == reason


def test_check_frame_budget() -> None:
    check_frame(Frame(MFR_AD, 1.0))
    long = join_ad([(0xFF, bytes(30))])  # 32 bytes
    with pytest.raises(AdvertBudgetError) as info:
        check_frame(Frame(long, 1.0))
    assert info.value.reason == "too-long"
    check_frame(Frame(long, 1.0), max_len=251)
    with pytest.raises(AdvertBudgetError):
        check_frame(Frame(MFR_AD, 0))
    with pytest.raises(AdvertBudgetError):
        check_frame(Frame(b"", 1.0))


def test_normalise_address() -> None:
    assert normalise_address("c0:98:e5:49:00:01/P") == "C0:98:E5:49:00:01"
    assert normalise_address("c0-98-e5-49-00-01") == "C0:98:E5:49:00:01"


def _frames(n: int) -> list[bytes]:
    return [join_ad([(0xFF, bytes([0xFF, 0xFF, i]))]) for i in range(n)]


@settings(max_examples=60)
@given(st.integers(1, 8), st.integers(1, 40))
def test_rotation_is_round_robin(n: int, steps: int) -> None:
    rot = FrameRotation()
    frames = _frames(n)
    rot.set([Frame(f, 100.0) for f in frames], now=0.0)
    shown = [rot.advance(now=float(i) * 0.01) for i in range(steps)]
    assert shown == [frames[i % n] for i in range(steps)]


def test_rotation_ttl_and_refresh() -> None:
    a, b, c = _frames(3)
    rot = FrameRotation()
    rot.set([Frame(a, 10.0), Frame(b, 5.0)], now=0.0)
    assert rot.frames(now=4.9) == [a, b]
    assert rot.frames(now=5.0) == [a]  # b expired at exactly its TTL
    rot.add(Frame(a, 10.0), now=9.0)  # same bytes: TTL restarts, no second copy
    assert rot.frames(now=15.0) == [a]
    assert rot.frames(now=19.0) == []
    assert rot.advance(now=19.0) is None
    rot.add(Frame(c, 1.0), now=20.0)
    assert rot.next_expiry() == 21.0
    rot.remove(c)
    assert len(rot) == 0


def test_rotation_bounded() -> None:
    rot = FrameRotation(max_frames=2)
    a, b, c = _frames(3)
    rot.add(Frame(a, 1), now=0)
    rot.add(Frame(b, 1), now=0)
    with pytest.raises(AdvertBudgetError) as info:
        rot.add(Frame(c, 1), now=0)
    assert info.value.reason == "too-many"
    rot.add(Frame(c, 1), now=1.0)  # a and b expired, room again
    assert rot.frames(now=1.0) == [c]


def test_advert_queue_bounded_and_iterable() -> None:
    async def main() -> list[int]:
        q = AdvertQueue(maxsize=3)
        for i in range(5):
            q(Advertisement("AA:BB:CC:DD:EE:FF", -i, MFR_AD, 0.0, "gw"))
        assert q.dropped == 2
        q.close()
        return [adv.rssi async for adv in q]

    assert asyncio.run(main()) == [-2, -3, -4]


def test_sim_types_satisfy_protocols() -> None:
    air = SimAir()
    assert isinstance(SimScanner(air, "gw"), Scanner)
    assert isinstance(SimAdvertiser(air, "C0:00:00:00:00:01"), Advertiser)


def test_sim_air_rssi_per_pair_and_range() -> None:
    table = {("C0:00:00:00:00:01", "gw-a"): -48, ("C0:00:00:00:00:01", "gw-b"): -91}
    air = SimAir(rssi=lambda addr, gw: table.get((addr, gw)), clock=lambda: 123.5)
    got: list[Advertisement] = []

    async def main() -> None:
        for gw in ("gw-a", "gw-b", "gw-c"):
            await SimScanner(air, gw).start(got.append)
        assert air.transmit("c0:00:00:00:00:01", BTHOME_AD) == 2

    asyncio.run(main())
    assert sorted((a.gateway, a.rssi) for a in got) == [("gw-a", -48), ("gw-b", -91)]
    assert {a.data for a in got} == {BTHOME_AD}
    assert {a.timestamp for a in got} == {123.5}
    assert {a.address for a in got} == {"C0:00:00:00:00:01"}


def test_sim_advertiser_rotates_frames_with_ttl() -> None:
    """Two frames share the air in turns; the short-lived one stops after its TTL."""
    air = SimAir()
    a, b = _frames(2)
    got: list[Advertisement] = []

    async def main() -> SimAdvertiser:
        await SimScanner(air, "gw").start(got.append)
        adv = SimAdvertiser(air, "C0:00:00:00:00:02", interval=0.005, slot=0.03)
        adv.set_frames([Frame(a, 10.0), Frame(b, 0.2)])
        await adv.start()
        await asyncio.sleep(0.5)
        await adv.stop()
        return adv

    adv = asyncio.run(main())
    datas = [g.data for g in got]
    assert set(datas) == {a, b}
    # b vanished after its 0.2 s TTL: the last ~0.3 s carry only a.
    last_b = max(i for i, d in enumerate(datas) if d == b)
    assert all(d == a for d in datas[last_b + 1 :])
    assert len(datas) - last_b > 20
    # While both were live they alternated in slots: several a->b switches happened.
    switches = sum(1 for x, y in itertools.pairwise(datas[: last_b + 1]) if x != y)
    assert switches >= 4
    assert adv.on_air is None  # stop() took the frame off air
    n = len(got)
    assert air.transmit("C0:00:00:00:00:02", a) == 1 and len(got) == n + 1


@pytest.mark.parametrize("ticks", range(8))
def test_stop_right_after_a_frame_change_never_hangs(ticks: int) -> None:
    """A frame change wakes the rotation; stop() in the same loop iteration cancels
    it. With asyncio.wait_for (Python 3.10/3.11, CPython gh-86296) the wake-up
    swallowed that cancellation at every offset but the first, the rotation ran on
    and stop() never returned: the demo hung there in the test suite."""

    async def scenario() -> bool:
        adv = SimAdvertiser(SimAir(), "AA:BB:CC:DD:EE:01", slot=0.05)
        await adv.start()
        adv.set_frames([Frame(MFR_AD, ttl=60.0)])
        for _ in range(ticks):
            await asyncio.sleep(0)
        adv.add_frame(Frame(BTHOME_AD, ttl=60.0))  # sets the rotation's wake-up
        stopping = asyncio.ensure_future(adv.stop())
        done, _ = await asyncio.wait({stopping}, timeout=2.0)
        return bool(done) and not adv.running and adv.on_air is None

    assert asyncio.run(scenario())


def test_stop_returns_when_the_backend_swallows_the_cancellation() -> None:
    """A backend whose ``_show`` loses the cancellation (bumble waits with
    asyncio.wait_for, which does that on Python 3.10/3.11): stop() still returns.
    Before the stop flag the rotation went on showing frames and stop() hung, as
    the bumble alert test once did in the suite."""

    class Swallowing(RotatingAdvertiser):
        async def _show(self, data: bytes | None) -> None:
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                pass  # lost, as inside asyncio.wait_for's race

    async def scenario() -> bool:
        adv = Swallowing(slot=0.02)
        await adv.start()
        adv.set_frames([Frame(MFR_AD, ttl=60.0), Frame(BTHOME_AD, ttl=60.0)])
        await asyncio.sleep(0.005)  # the rotation is inside _show
        stopping = asyncio.ensure_future(adv.stop())
        done, _ = await asyncio.wait({stopping}, timeout=2.0)
        return bool(done) and not adv.running

    assert asyncio.run(scenario())


def test_seam_and_adapter_package_import_no_third_party_library() -> None:
    """``import iotedge.adapters`` and the seam pull in no radio or MQTT library."""
    code = (
        "import sys, iotedge.adapters, iotedge.hal.radio, iotedge.hal.sim_radio, "
        "iotedge.adapters.ha_discovery, iotedge.adapters.outbox\n"
        "bad = [m for m in ('bleak', 'bumble', 'bless', 'paho', 'dbus_fast', 'dbus_next')"
        " if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
