"""Hypothesis: round trips over the full range of every BTHome object id, AD builds
that never exceed their budget (or raise the documented error), badge and NodeConf
round trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from iotedge.core import ad_build, ad_record, badge, bthome, bthome_encode, bthome_objects
from iotedge.core import nodeconf2018 as nc
from iotedge.core import nodeconf2018_encode as nce
from iotedge.core.errors import AdvertBudgetError

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


adverts = st.builds(
    lambda flags, u16, name, sd, mfr: (flags, u16, name, sd, mfr),
    st.none() | st.integers(0, 255),
    st.lists(st.integers(0, 0xFFFF), max_size=4),
    st.none() | st.text(max_size=40),
    st.lists(st.tuples(st.integers(0, 0xFFFF), st.binary(max_size=40)), max_size=3),
    st.lists(st.tuples(st.integers(0, 0xFFFF), st.binary(max_size=40)), max_size=3),
)


@settings(max_examples=400, deadline=None)
@given(adverts, st.booleans(), st.booleans())
def test_build_never_exceeds_the_budget(parts: Any, extended: bool, shorten: bool) -> None:
    flags, u16, name, sd, mfr = parts
    adv = ad_record.Advert()
    adv.flags = flags
    adv.uuids16 = u16
    adv.local_name = name
    adv.service_data = [(0x16, u, d) for u, d in sd]
    adv.manufacturer_data = mfr
    budget = 254 if extended else 31
    try:
        data = ad_build.build(adv, extended, shorten)
    except AdvertBudgetError as exc:
        assert exc.reason in ("over-budget", "structure-too-long")
        return
    assert len(data) <= budget
    back = ad_record.parse(data)
    if back.local_name == name or name is None:
        assert back == adv
    else:  # shortened on a character boundary
        assert shorten and not back.name_complete and name.startswith(back.local_name or "")


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
