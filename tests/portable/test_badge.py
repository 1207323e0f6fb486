"""Badge profile: encode into a reused buffer, decode, budgets and field errors."""

import binascii

from iotedge.core import badge, bthome, errors

# The worked example of docs/wire-formats.md ("Badge profile").
EXAMPLE = binascii.unhexlify("0201061416D2FC400003015A0266083D070054044D3C2B1A06094233433444")


def test_encode_matches_the_documented_example():
    buf = bytearray(31)
    n = badge.encode_into(buf, 0x1A2B3C4D, 3, 90, 2150, 7, badge.NO_HUMIDITY, b"B3C4D")
    assert n == 31 and bytes(buf) == EXAMPLE


def test_decode_example():
    r = badge.decode(EXAMPLE)
    assert r.badge_id == 0x1A2B3C4D and r.packet_id == 3 and r.battery == 90
    assert r.temperature_centi == 2150 and r.claps == 7
    assert r.humidity == badge.NO_HUMIDITY and r.name == "B3C4D"


def test_it_is_plain_bthome():
    frame = bthome.decode_advert(EXAMPLE)
    ids = [o[0] for o in frame.objects]
    assert ids == [0x00, 0x01, 0x02, 0x3D, 0x54] and frame.out_of_order_at == -1
    assert frame.find(0x54)[2] == b"\x4d\x3c\x2b\x1a"


def test_reused_buffer_round_trips_many_readings():
    buf = bytearray(31)
    for i in range(0, 300, 7):
        humidity = badge.NO_HUMIDITY if i % 2 else i % 101
        name = b"" if i % 3 else b"B" + bytes((0x30 + i % 10,))
        temp = 100 * i - 15000
        n = badge.encode_into(
            buf, 0xFFFFFFFF - i, i % 256, i % 101, temp, 70000 + i, humidity, name
        )
        r = badge.decode(memoryview(buf)[:n])
        assert r.badge_id == 0xFFFFFFFF - i and r.packet_id == i % 256
        assert r.battery == i % 101 and r.temperature_centi == 100 * i - 15000
        assert r.claps == (70000 + i) % 65536 and r.humidity == humidity
        assert r.name == (name.decode() if name else None)


def test_budget_leaves_room_for_a_short_name():
    assert len(badge.encode(1, 1, 1, 1, 1, badge.NO_HUMIDITY, b"x" * badge.MAX_NAME)) == 31
    assert len(badge.encode(1, 1, 1, 1, 1, 50, b"x" * badge.MAX_NAME_WITH_HUMIDITY)) == 31
    for hum, name in ((badge.NO_HUMIDITY, b"x" * 6), (50, b"x" * 4)):
        try:
            badge.encode(1, 1, 1, 1, 1, hum, name)
        except errors.AdvertBudgetError as exc:
            assert exc.reason == "over-budget"
        else:
            raise AssertionError("name too long accepted")


def test_field_errors():
    cases = (
        (-1, 0, 0, 0, 0, -1),
        (0x100000000, 0, 0, 0, 0, -1),
        (1, 256, 0, 0, 0, -1),
        (1, 0, 101, 0, 0, -1),
        (1, 0, 0, 32768, 0, -1),
        (1, 0, 0, 0, -1, -1),
        (1, 0, 0, 0, 0, 101),
    )
    for args in cases:
        try:
            badge.encode(*args)
        except errors.EncodeError as exc:
            assert exc.reason == "out-of-range"
        else:
            raise AssertionError("accepted " + repr(args))


def test_a_frame_without_badge_fields_is_not_a_badge():
    # bthome.io example advert: temperature and humidity only
    adv = binascii.unhexlify("0201060B094449592D73656E736F720A16D2FC4002C40903BF13")
    try:
        badge.decode(adv)
    except errors.BTHomeError as exc:
        assert exc.reason == "not-a-badge"
    else:
        raise AssertionError("decoded a non-badge")
    try:
        badge.decode(binascii.unhexlify("020106"))
    except errors.BTHomeError as exc:
        assert exc.reason == "no-bthome"
    else:
        raise AssertionError("decoded an advert without BTHome")
