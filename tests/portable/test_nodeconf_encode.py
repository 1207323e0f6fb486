"""NodeConf EU 2018 encoders: the bytes the decoder reads back, and field checks."""

import binascii

from iotedge.core import errors
from iotedge.core import nodeconf2018 as nc
from iotedge.core import nodeconf2018_encode as enc


def test_encoders_write_the_documented_bytes():
    assert enc.advert(enc.badge_json(21, 6)) == binascii.unhexlify(
        "020106" + "11FF9005" + "7B2274223A32312C2263223A367D"
    )
    assert enc.control_frame(25920000, 2, 3) == binascii.unhexlify("0100828B010203")
    backlight = ((1, 2, 3), (4, 5, 6), (7, 8, 9), (10, 11, 12))
    led = enc.led_frame((255, 0, 0), (0, 255, 0), backlight)
    assert led == binascii.unhexlify("02FF000000FF000102030405060708090A0B0C")
    assert enc.talk_frame(nc.MSG_NEXT2, 870, "Streams") == binascii.unhexlify("0A5753747265616D73")
    assert enc.text_frame(nc.MSG_INFO, "Café") == b"\x06Caf\xe9"


def test_round_trips():
    for temp, claps in ((21, 6), (-40, None), (0, 0)):
        assert nc.parse_badge_json(enc.badge_json(temp, claps)) == nc.BadgeBeacon(temp, claps)
    f = nc.decode_manufacturer(enc.control_frame(0xFFFFFFFF, 1, 13))
    assert f.seconds == 0xFFFFFFFF and f.room_name == "Reception"


def test_encoder_field_errors():
    for fn in (
        lambda: enc.control_frame(-1, 0, 0),
        lambda: enc.control_frame(0, 256, 0),
        lambda: enc.led_frame((1, 2, 3), (1, 2, 3), ((1, 2, 3),)),
        lambda: enc.talk_frame(7, 575, "x"),
        lambda: enc.text_frame(5, "€"),
        lambda: enc.advert(bytes(25)),
    ):
        try:
            fn()
        except errors.EncodeError as exc:
            assert exc.reason == "out-of-range"
        else:
            raise AssertionError("accepted a bad field")
    for fn in (lambda: enc.text_frame(7, "x"), lambda: enc.talk_frame(5, 0, "x")):
        try:
            fn()
        except errors.EncodeError as exc:
            assert exc.reason == "bad-type"
        else:
            raise AssertionError("accepted a bad type")
