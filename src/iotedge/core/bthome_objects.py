"""The BTHome v2 object table: object id -> how its value travels on the wire."""

# One text row per object, parsed only for the ids a program meets (``spec``), so a
# board keeps a few kilobytes of text instead of a hundred tuples::
#
#     id  kind+size  decimals  name  unit  [*multiplier]
#
# * kind: ``u`` unsigned, ``s`` signed (two's complement), ``b`` binary sensor
#   (uint8, value is a bool), ``e`` button event (uint8 event id), ``d`` dimmer
#   event (event id + steps), ``t`` text, ``r`` raw, ``c`` command (the last three
#   carry a length byte, size 0), ``f`` firmware version (least significant part
#   first). Integers are little-endian.
# * scaled value = raw * multiplier / 10**decimals. The multiplier is 1 except for
#   0x58 (factor 0.35), the one factor that is not a power of ten.
# * unit as printed on the BTHome format page, ``-`` for none.
#
# Sources (facts only): the tables of the BTHome v2 format page
# (https://bthome.io/format/: "Sensor data", "Binary Sensor data", "Events",
# "Device information", "Misc data") for every id it lists; bthome-ble 3.x
# ``const.py`` for ids the page did not list when checked (0x3B command, 0x60-0x65)
# and for 0x5F precipitation, which the page gives factor 1 and bthome-ble 0.1 (its
# captured test frames agree with 0.1): we follow bthome-ble so Home Assistant and
# iotedge read the same bytes the same way. Names are the page's "property" in
# snake_case; several ids share a name (temperature 0x02/0x45/0x57/0x58, ...), the
# id says which encoding was used. Binary sensors that would share a name with a
# measurement get their own (0x15 ``battery_low``, 0x10 ``power_on``, ...).
# tests/test_bthome_codec_interop.py (test_object_table_matches_bthome_ble) checks every
# row against bthome-ble's MEAS_TYPES.

from ._compat import const

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

KIND_UINT = const(0)
KIND_SINT = const(1)
KIND_BINARY = const(2)
KIND_BUTTON = const(3)
KIND_DIMMER = const(4)
KIND_TEXT = const(5)
KIND_RAW = const(6)
KIND_COMMAND = const(7)
KIND_FIRMWARE = const(8)

_KIND_CODES = "usbedtrcf"

_TABLE = """
00 u1 0 packet_id -
01 u1 0 battery %
02 s2 2 temperature °C
03 u2 2 humidity %
04 u3 2 pressure hPa
05 u3 2 illuminance lux
06 u2 2 mass kg
07 u2 2 mass lb
08 s2 2 dewpoint °C
09 u1 0 count -
0a u3 3 energy kWh
0b u3 2 power W
0c u2 3 voltage V
0d u2 0 pm2_5 ug/m3
0e u2 0 pm10 ug/m3
0f b1 0 generic_boolean -
10 b1 0 power_on -
11 b1 0 opening -
12 u2 0 co2 ppm
13 u2 0 tvoc ug/m3
14 u2 2 moisture %
15 b1 0 battery_low -
16 b1 0 battery_charging -
17 b1 0 carbon_monoxide -
18 b1 0 cold -
19 b1 0 connectivity -
1a b1 0 door -
1b b1 0 garage_door -
1c b1 0 gas_detected -
1d b1 0 heat -
1e b1 0 light -
1f b1 0 lock -
20 b1 0 moisture_detected -
21 b1 0 motion -
22 b1 0 moving -
23 b1 0 occupancy -
24 b1 0 plug -
25 b1 0 presence -
26 b1 0 problem -
27 b1 0 running -
28 b1 0 safety -
29 b1 0 smoke -
2a b1 0 sound -
2b b1 0 tamper -
2c b1 0 vibration -
2d b1 0 window -
2e u1 0 humidity %
2f u1 0 moisture %
3a e1 0 button -
3b c0 0 command -
3c d2 0 dimmer steps
3d u2 0 count -
3e u4 0 count -
3f s2 1 rotation °
40 u2 0 distance mm
41 u2 1 distance m
42 u3 3 duration s
43 u2 3 current A
44 u2 2 speed m/s
45 s2 1 temperature °C
46 u1 1 uv_index -
47 u2 1 volume L
48 u2 0 volume mL
49 u2 3 volume_flow_rate m3/hr
4a u2 1 voltage V
4b u3 3 gas m3
4c u4 3 gas m3
4d u4 3 energy kWh
4e u4 3 volume L
4f u4 3 water L
50 u4 0 timestamp s
51 u2 3 acceleration m/s²
52 u2 3 gyroscope °/s
53 t0 0 text -
54 r0 0 raw -
55 u4 3 volume_storage L
56 u2 0 conductivity µS/cm
57 s1 0 temperature °C
58 s1 2 temperature °C *35
59 s1 0 count -
5a s2 0 count -
5b s4 0 count -
5c s4 2 power W
5d s2 3 current A
5e u2 2 direction °
5f u2 1 precipitation mm
60 u1 0 channel -
61 u2 0 rotational_speed rpm
62 s4 6 speed m/s
63 s4 6 acceleration m/s²
64 u1 0 light_level -
65 u1 0 settings_revision -
f0 u2 0 device_type_id -
f1 f4 0 firmware_version -
f2 f3 0 firmware_version -
"""

# Event names (bthome.io "Events"; hold_press/hold_release and the command
# opcodes from bthome-ble 3.x event.py). None = "no event".
BUTTON_EVENTS = {
    0x00: None,
    0x01: "press",
    0x02: "double_press",
    0x03: "triple_press",
    0x04: "long_press",
    0x05: "long_double_press",
    0x06: "long_triple_press",
    0x80: "hold_press",
    0x81: "hold_release",
}
DIMMER_ROTATE_LEFT = const(0x01)
DIMMER_ROTATE_RIGHT = const(0x02)
COMMAND_OPCODES = {0x00: "off", 0x01: "on", 0x02: "toggle", 0x03: "step_up", 0x04: "step_down"}

_HEX = "0123456789abcdef"


def _parse(line: str) -> "tuple[int, str, int, int, int, int, str]":
    f = line.split(" ")
    mult = int(f[5][1:]) if len(f) > 5 else 1
    unit = "" if f[4] == "-" else f[4]
    return int(f[0], 16), f[3], _KIND_CODES.index(f[1][0]), int(f[1][1]), int(f[2]), mult, unit


def lookup(object_id: int) -> "tuple[int, str, int, int, int, int, str] | None":
    """``(object_id, name, kind, size, decimals, multiplier, unit)`` or None when
    the table has no such id. ``size`` is 0 for length-prefixed kinds."""
    if not 0 <= object_id <= 0xFF:
        return None
    key = "\n" + _HEX[object_id >> 4] + _HEX[object_id & 15] + " "
    i = _TABLE.find(key)
    if i < 0:
        return None
    return _parse(_TABLE[i + 1 : _TABLE.find("\n", i + 1)])


def iter_rows() -> "Iterator[tuple[int, str, int, int, int, int, str]]":
    """Every row of the table, in id order, one at a time (little memory on a board)."""
    i = 1
    end = len(_TABLE)
    while i < end:
        j = _TABLE.find("\n", i)
        yield _parse(_TABLE[i:j])
        i = j + 1


def rows() -> "list[tuple[int, str, int, int, int, int, str]]":
    """Every row of the table, in id order (for docs, tools and tests)."""
    return list(iter_rows())
