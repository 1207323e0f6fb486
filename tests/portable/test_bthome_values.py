"""Human values to BTHome wire values (to_raw)."""

from checks import raises as _raises

from iotedge.core import bthome_values, errors


def test_to_raw_converts_human_values():
    to_raw = bthome_values.to_raw
    assert to_raw(0x02, 21.5) == 2150
    assert to_raw(0x02, "-0.01") == -1
    assert to_raw(0x45, "21.34") == 213
    assert to_raw(0x58, -7.7) == -22
    assert to_raw(0x01, "90") == 90
    assert to_raw(0xF1, "4.2.1.0") == 0x04020100
    assert to_raw(0x3A, "long_press") == 4
    assert to_raw(0x3C, -3) == 0x0301 and to_raw(0x3C, 10) == 0x0A02 and to_raw(0x3C, 0) == 0
    assert to_raw(0x21, "on") == 1 and to_raw(0x21, False) == 0
    assert to_raw(0x3B, "toggle") == b"\x02"
    _raises(lambda: to_raw(0x02, "warm"), errors.EncodeError, "bad-value")
    _raises(lambda: to_raw(0xF2, "1.2"), errors.EncodeError, "bad-value")
    _raises(lambda: to_raw(0x30, 1), errors.UnknownObjectError, "unknown-object")
