"""NodeConf EU 2018 frames (company 0x0590): decoding badge JSON and gateway messages."""

import binascii

from iotedge.core import errors
from iotedge.core import nodeconf2018 as nc


def _fails(fn, reason, offset=None):
    try:
        fn()
    except errors.NodeConfError as exc:
        assert exc.reason == reason, exc.reason
        if offset is not None:
            assert exc.offset == offset, exc.offset
        return
    raise AssertionError("no NodeConfError " + reason)


def _frame(hexed):
    return nc.decode_manufacturer(binascii.unhexlify(hexed))


def test_badge_json_as_espruino_stringified_it():
    # Worked example of docs/wire-formats.md: flags + 0x0590 + {"t":21,"c":6}
    adv = binascii.unhexlify("020106" + "11FF9005" + "7B2274223A32312C2263223A367D")
    assert nc.decode_advert(adv) == nc.BadgeBeacon(21, 6)
    assert nc.parse_badge_json(b'{"t":-5}') == nc.BadgeBeacon(-5, None)
    assert nc.parse_badge_json(b'{"t":0,"c":1234567890}').claps == 1234567890


def test_badge_json_is_strict():
    for bad, at in (
        (b'{"t":21', 7),
        (b'{"t":21,"c":6} ', 14),
        (b'{ "t":21}', 1),
        (b'{"c":6,"t":21}', 2),
        (b'{"t":021}', 5),
        (b'{"t":-}', 6),
        (b'{"t":2.5}', 6),
        (b'{"t":12345678901}', 5),
        (b'{"t":1,"x":2}', 8),
    ):
        _fails(lambda b=bad: nc.parse_badge_json(b), "bad-json", at)


def test_control_frame():
    f = _frame("0100828B010203")  # 25920000 s after 2018-01-01Z, state 2, room 3
    assert f.kind == "control" and f.seconds == 25920000 and f.state == 2 and f.room == 3
    assert f.unix_time == 1514764800 + 25920000 and f.room_name == "Maginnes"
    assert _frame("0100A58A010201").seconds == 0x018AA500
    _fails(lambda: _frame("0100A58A0102"), "bad-length", 0)
    assert _frame("01000000000163").room_name == "Unknown"


def test_led_frame():
    f = _frame("02FF000000FF000102030405060708090A0B0C")
    assert f.kind == "led" and f.top == (255, 0, 0) and f.bottom == (0, 255, 0)
    assert f.backlight[3] == (10, 11, 12)
    _fails(lambda: _frame("02FF000000FF000102030405060708090A0B0C00"), "bad-length")


def test_alert_info_and_talks():
    a = _frame("0546697265206472696C6C2031313A3030")
    assert a.kind == "alert" and a.text == "Fire drill 11:00"
    i = nc.decode_manufacturer(b"\x06Caf\xe9 open")
    assert i.kind == "info" and i.text == "Café open"
    t = _frame("0A5753747265616D73")
    assert (t.kind, t.slot, t.part, t.minutes, t.time_text, t.title) == (
        "next2",
        "next",
        2,
        870,
        "14:30",
        "Streams",
    )
    assert nc.decode_manufacturer(b"\x07\x36Keynote").time_text == "9:00"
    _fails(lambda: nc.decode_manufacturer(b"\x08"), "bad-length")


def test_unknown_types_and_missing_data():
    for t in (0, 3, 4, 11, 0xFF):
        _fails(lambda t=t: nc.decode_manufacturer(bytes((t, 1, 2))), "unknown-type", 0)
    _fails(lambda: nc.decode_manufacturer(b""), "bad-length")
    _fails(lambda: nc.decode_advert(binascii.unhexlify("020106")), "not-nodeconf")
