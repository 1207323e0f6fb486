"""Hypothesis: round trips over the full range of every BTHome object id, AD builds
that never exceed their budget (or raise the documented error), badge and NodeConf
round trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from iotedge.core import ad, ad_build, ad_record, badge, bthome, bthome_encode, bthome_objects
from iotedge.core import nodeconf2018 as nc
from iotedge.core import nodeconf2018_encode as nce
from iotedge.core.errors import AdvertBudgetError, EncodeError

ROWS = bthome_objects.rows()


def _range(kind: int, size: int) -> tuple[int, int]:
    if kind == bthome_objects.KIND_SINT:
        half = 1 << (8 * size - 1)
        return -half, half - 1
    if kind == bthome_objects.KIND_BINARY:
        return 0, 1
    return 0, (1 << (8 * size)) - 1


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"0x{r[0]:02x}")
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_object_round_trips_its_full_range(row: tuple[Any, ...], data: Any) -> None:
    oid, name, kind, size, decimals, mult, _ = row
    if size:
        lo, hi = _range(kind, size)
        raw: Any = data.draw(st.integers(lo, hi) | st.sampled_from([lo, hi]))
    elif kind == bthome_objects.KIND_COMMAND:
        raw = data.draw(st.binary(min_size=1, max_size=32))
    else:
        raw = data.draw(st.binary(max_size=255))
        if kind == bthome_objects.KIND_TEXT:
            raw = data.draw(st.text(max_size=60)).encode()
            assume(len(raw) <= 255)
    encoded = bthome_encode.encode([(oid, raw)])
    (got,) = bthome.decode(encoded).objects
    assert got[:3] == (oid, name, raw)
    if kind <= bthome_objects.KIND_SINT:
        assert got[3] == (raw * mult / 10**decimals if decimals or mult != 1 else raw)


frames = st.lists(
    st.sampled_from([r for r in ROWS if r[3]]).flatmap(
        lambda r: st.tuples(st.just(r[0]), st.integers(*_range(r[2], r[3])))
    ),
    max_size=12,
).map(lambda objs: sorted(objs, key=lambda o: o[0]))


@settings(max_examples=300, deadline=None)
@given(frames, st.booleans())
def test_multi_object_frames_round_trip(objects: list[tuple[int, int]], trigger: bool) -> None:
    frame = bthome.decode(bthome_encode.encode(objects, trigger))
    assert [(o[0], o[2]) for o in frame.objects] == objects
    assert frame.trigger_based == trigger and frame.out_of_order_at == -1


# Every AD type ad_build writes, in the record parse() gives back. ``other`` holds
# types the record has no field for, so it never carries one of these.
_KNOWN_TYPES = frozenset(
    (
        ad.AD_FLAGS,
        ad.AD_UUID16_INCOMPLETE,
        ad.AD_UUID16_COMPLETE,
        ad.AD_UUID32_INCOMPLETE,
        ad.AD_UUID32_COMPLETE,
        ad.AD_UUID128_INCOMPLETE,
        ad.AD_UUID128_COMPLETE,
        ad.AD_SHORT_NAME,
        ad.AD_COMPLETE_NAME,
        ad.AD_TX_POWER,
        ad.AD_SERVICE_DATA16,
        ad.AD_SERVICE_DATA32,
        ad.AD_SERVICE_DATA128,
        ad.AD_MANUFACTURER,
    )
)
_uuid128 = st.binary(min_size=16, max_size=16)
_payload = st.binary(max_size=40)


@st.composite
def adverts(draw: Any) -> ad_record.Advert:
    """An ``Advert`` with any mix of every part the builder supports, each in range."""
    adv = ad_record.Advert()
    adv.flags = draw(st.none() | st.integers(0, 255))
    adv.uuids16 = draw(st.lists(st.integers(0, 0xFFFF), max_size=4))
    adv.uuids16_complete = draw(st.booleans())
    adv.uuids32 = draw(st.lists(st.integers(0, 0xFFFFFFFF), max_size=3))
    adv.uuids32_complete = draw(st.booleans())
    adv.uuids128 = draw(st.lists(_uuid128, max_size=2))
    adv.uuids128_complete = draw(st.booleans())
    adv.tx_power = draw(st.none() | st.integers(-128, 127))
    service = st.one_of(
        st.tuples(st.just(ad.AD_SERVICE_DATA16), st.integers(0, 0xFFFF), _payload),
        st.tuples(st.just(ad.AD_SERVICE_DATA32), st.integers(0, 0xFFFFFFFF), _payload),
        st.tuples(st.just(ad.AD_SERVICE_DATA128), _uuid128, _payload),
    )
    adv.service_data = draw(st.lists(service, max_size=3))
    # now and then too long for the extended budget, or for one structure (> 254 bytes)
    big = st.binary(min_size=240, max_size=260)
    adv.manufacturer_data = draw(
        st.lists(st.tuples(st.integers(0, 0xFFFF), _payload | big), max_size=2)
    )
    other_type = st.integers(0, 255).filter(lambda t: t not in _KNOWN_TYPES)
    adv.other = draw(st.lists(st.tuples(other_type, st.binary(max_size=20)), max_size=2))
    adv.local_name = draw(st.none() | st.text(max_size=40))
    adv.name_complete = draw(st.booleans())
    return adv


def _check_build(adv: ad_record.Advert, extended: bool, shorten: bool) -> None:
    try:
        data = ad_build.build(adv, extended, shorten)
    except AdvertBudgetError as exc:
        assert exc.reason in ("over-budget", "structure-too-long")
        # it raised because the structures do not fit: never on something that does
        sizes = [2 + len(value) for _, value in ad_build.structures_of(adv)]
        assert sum(sizes) > ad_build.budget_for(extended) or max(sizes) > 256
        return
    assert len(data) <= (254 if extended else 31)
    back = ad_record.parse(data)
    name = adv.local_name
    if back.local_name != name:  # shortened on a character boundary, sent as 0x08
        assert shorten and name is not None and not back.name_complete
        assert name.startswith(back.local_name or "")
        back.local_name, back.name_complete = name, adv.name_complete
    assert back == adv  # every part came back as it was


def _legacy_example() -> ad_record.Advert:
    adv = ad_record.Advert()  # 128-bit service data and a complete name in 31 bytes
    adv.flags = 0x06
    adv.service_data = [(ad.AD_SERVICE_DATA128, bytes(range(16)), b"\x01")]
    adv.local_name = "B3C"
    return adv


@settings(max_examples=500, deadline=None)
@given(adverts(), st.booleans(), st.booleans())
@example(_legacy_example(), False, False)
def test_build_never_exceeds_the_budget(
    adv: ad_record.Advert, extended: bool, shorten: bool
) -> None:
    """Every AD type the builder supports round-trips through parse, and the build
    stays in the legacy (31) or extended (254) budget or raises AdvertBudgetError."""
    _check_build(adv, extended, shorten)


def test_every_supported_ad_type_is_built_and_parsed_back() -> None:
    """The strategy above draws every type; this pins one advert that has them all."""
    adv = ad_record.Advert()
    adv.flags = 0x06
    adv.uuids16, adv.uuids32, adv.uuids128 = [0xFCD2], [0x12345678], [bytes(range(16))]
    adv.uuids16_complete = adv.uuids32_complete = adv.uuids128_complete = False
    adv.tx_power = -12
    adv.service_data = [
        (ad.AD_SERVICE_DATA16, 0xFCD2, b"\x40"),
        (ad.AD_SERVICE_DATA32, 0x12345678, b"\x01"),
        (ad.AD_SERVICE_DATA128, bytes(range(16, 32)), b"\x02"),
    ]
    adv.manufacturer_data = [(0x0590, b"\x05")]
    adv.other = [(0x19, b"\x40\x02")]  # appearance
    adv.local_name = "badge"
    data = ad_build.build(adv, extended=True)
    types = {t for t, _, _ in ad.iter_ad(data)}
    assert types == (
        _KNOWN_TYPES
        - {ad.AD_SHORT_NAME, ad.AD_UUID16_COMPLETE, ad.AD_UUID32_COMPLETE, ad.AD_UUID128_COMPLETE}
    ) | {0x19}
    assert ad_record.parse(data) == adv
    with pytest.raises(AdvertBudgetError) as info:
        ad_build.build(adv)  # 90 bytes: not a legacy advert
    assert info.value.reason == "over-budget"


@settings(max_examples=400, deadline=None)
@given(
    st.integers(-1, 256),
    st.integers(-1, 0x10000),
    st.integers(-1, 0x100000000),
    st.binary(min_size=15, max_size=17),
    st.integers(-130, 129),
    st.sampled_from([ad.AD_SERVICE_DATA16, ad.AD_SERVICE_DATA32, ad.AD_SERVICE_DATA128, 0x17]),
    st.integers(-1, 0x10000),
    st.integers(-1, 256),
    st.booleans(),
)
# Falsifying examples of a CI run (flags or manufacturer data in ``other``, empty):
@example(0, 0, 0, bytes(16), 0, 0x16, 0, 0xFF, True)
@example(0, 0, 0, bytes(16), 0, 0x16, 0, 0x01, True)
def test_build_raises_only_the_documented_errors(
    flags: int,
    u16: int,
    u32: int,
    u128: bytes,
    tx: int,
    sd_type: int,
    company: int,
    other_type: int,
    extended: bool,
) -> None:
    """Fields out of range raise EncodeError (out-of-range, bad-uuid, bad-type), too
    much data AdvertBudgetError, and nothing else escapes; what builds parses back."""
    adv = ad_record.Advert()
    adv.flags, adv.uuids16, adv.uuids32, adv.uuids128 = flags, [u16], [u32], [u128]
    adv.tx_power = tx
    sd_uuid: Any = u128 if sd_type == ad.AD_SERVICE_DATA128 else u16
    adv.service_data = [(sd_type, sd_uuid, b"")]
    adv.manufacturer_data = [(company, b"")]
    adv.other = [(other_type, b"")]
    try:
        data = ad_build.build(adv, extended)
    except EncodeError as exc:
        assert exc.reason in ("out-of-range", "bad-uuid", "bad-type")
        return
    except AdvertBudgetError as exc:
        assert exc.reason in ("over-budget", "structure-too-long")
        return
    assert len(data) <= (254 if extended else 31)
    ad_record.parse(data)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 0xFFFFFFFF),
    st.integers(0, 255),
    st.integers(0, 100),
    st.integers(-32768, 32767),
    st.integers(0, 10**9),
    st.sampled_from([badge.NO_HUMIDITY]) | st.integers(0, 100),
    st.text(max_size=5),
)
def test_badge_round_trip(
    bid: int, pid: int, batt: int, temp: int, claps: int, hum: int, name: str
) -> None:
    raw_name = name.encode()
    limit = badge.MAX_NAME if hum == badge.NO_HUMIDITY else badge.MAX_NAME_WITH_HUMIDITY
    buf = bytearray(31)
    try:
        n = badge.encode_into(buf, bid, pid, batt, temp, claps, hum, raw_name)
    except AdvertBudgetError:
        assert len(raw_name) > limit
        return
    assert n <= 31
    expected = badge.BadgeReading(bid, pid, batt, temp, claps % 65536, hum, name or None)
    assert badge.decode(bytes(buf[:n])) == expected


@settings(max_examples=300, deadline=None)
@given(st.integers(-(10**9), 10**9), st.none() | st.integers(-(10**9), 10**9))
def test_nodeconf_badge_json_round_trip(temp: int, claps: int | None) -> None:
    assert nc.parse_badge_json(nce.badge_json(temp, claps)) == nc.BadgeBeacon(temp, claps)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 0xFFFFFFFF),
    st.integers(0, 255),
    st.integers(0, 255),
    st.sampled_from([7, 8, 9, 10]),
    st.integers(0, 255),
    st.text(st.characters(max_codepoint=255), max_size=20),
)
def test_nodeconf_gateway_round_trip(
    secs: int, state: int, room: int, talk: int, code: int, text: str
) -> None:
    c = nc.decode_manufacturer(nce.control_frame(secs, state, room))
    assert (c.seconds, c.state, c.room) == (secs, state, room)
    t = nc.decode_manufacturer(nce.talk_frame(talk, code * 10, text))
    assert (t.msg_type, t.minutes, t.title) == (talk, code * 10, text)
    a = nc.decode_manufacturer(nce.text_frame(nc.MSG_ALERT, text))
    assert a.text == text
