"""BTHome v2 golden vectors shared by the portable tests (plain data, no imports).

SPEC_TEXT: one line per example of the object tables on the BTHome format page
(https://bthome.io/format/, "Sensor data", "Binary Sensor data", "Events",
"Device information", "Misc data"): (example hex after the device-info byte,
object id in hex, raw wire value). Raw values are the page's "Result" divided by the
factor. 0x5F is the page's example (factor 1 there); we read it with bthome-ble's
factor 0.1 (see bthome_objects), which changes the value, not the raw integer.

BTHOME_BLE: frames from bthome-ble's tests/test_parser_v2.py for ids the page
has no example for, named by test: (service data hex, [(object id, raw), ...]).
"""

SPEC_TEXT = """
518756 51 22151
0161 01 97
12E204 12 1250
56E803 56 1000
0960 09 96
3D0960 3D 24585
3E2A2C0960 3E 1611213866
59EA 59 -22
5AEAEA 5A -5398
5BEA0234EA 5B -365690134
434E34 43 13390
5D02EA 5D -5630
08CA06 08 1738
400C00 40 12
414E00 41 78
424E3400 42 13390
4D12138A14 4D 344593170
0A138A14 0A 1346067
4B138A14 4B 1346067
4C41018A01 4C 25821505
528756 52 22151
03BF13 03 5055
2E23 2E 35
05138A14 05 1346067
065E1F 06 8030
073E1D 07 7486
14020C 14 3074
2F23 2F 35
0D120C 0D 3090
0E021C 0E 7170
0B021B00 0B 6914
5C02FBFFFF 5C -1278
04138A01 04 100883
540C48656C6C6F20576F726C6421 54 x48656C6C6F20576F726C6421
3F020C 3F 3074
444E34 44 13390
57EA 57 -22
58EA 58 -22
451101 45 273
02CA09 02 2506
530C48656C6C6F20576F726C6421 53 x48656C6C6F20576F726C6421
505D396164 50 1684093277
133301 13 307
0C020C 0C 3074
4A020C 4A 3074
4E87562A01 4E 19551879
478756 47 22151
48DC87 48 34780
5587562A01 55 19551879
49DC87 49 34780
4632 46 50
4F87562A01 4F 19551879
5E9F8C 5E 35999
5FA00F 5F 4000
1501 15 1
1601 16 1
1700 17 0
1801 18 1
1900 19 0
1A00 1A 0
1B01 1B 1
1C01 1C 1
0F01 0F 1
1D00 1D 0
1E01 1E 1
1F01 1F 1
2001 20 1
2100 21 0
2201 22 1
2301 23 1
1100 11 0
2400 24 0
1001 10 1
2500 25 0
2601 26 1
2701 27 1
2800 28 0
2901 29 1
2A00 2A 0
2B00 2B 0
2C01 2C 1
2D01 2D 1
3A00 3A 0
3A01 3A 1
3A02 3A 2
3A03 3A 3
3A04 3A 4
3A05 3A 5
3A06 3A 6
3A80 3A 128
3C0000 3C 0
3C0103 3C 769
3C020A 3C 2562
F00100 F0 1
F100010204 F1 67240192
F2000106 F2 393472
0009 00 9
"""


def spec_rows():
    """Yield (example hex, object id, raw) from SPEC_TEXT; raw "x..." is bytes."""
    import binascii

    i = 1
    while i < len(SPEC_TEXT):
        j = SPEC_TEXT.find("\n", i)
        example, oid, raw = SPEC_TEXT[i:j].split(" ")
        i = j + 1
        if raw[0] == "x":
            value = binascii.unhexlify(raw[1:])
        else:
            value = int(raw)
        yield example, int(oid, 16), value


# Scaled values the page prints, as (object id, raw, numerator, denominator):
# value == numerator / denominator. Integers only so boards compare exactly.
SPEC_VALUES = (
    (0x02, 2506, 2506, 100),
    (0x45, 273, 273, 10),
    (0x58, -22, -77, 10),
    (0x63, -3123456, -3123456, 1000000),
    (0x0C, 3074, 3074, 1000),
)

BTHOME_BLE = (
    # test_bthome_channel (local name SBRC-005B)
    ("406001", [(0x60, 1)]),
    # test_bthome_revolutions_per_minute
    ("4061AC0D", [(0x61, 3500)]),
    # test_bthome_acceleration_signed
    ("40630057D0FF", [(0x63, -3123456)]),
    # test_bthome_light_level
    ("406402", [(0x64, 2)]),
    # test_bthome_direction_precipitation (local name SBWS-90CM)
    ("405E3F755F11D5", [(0x5E, 30015), (0x5F, 54545)]),
    # test_shelly_blu_ht_display_zb (SBHT-103C, Shelly BLU H&T Display ZB)
    ("40002E01641E012E34451601", [(0x00, 46), (0x01, 100), (0x1E, 1), (0x2E, 52), (0x45, 278)]),
    # test_bthome_shelly_button
    ("4000520164" + "3A01", [(0x00, 82), (0x01, 100), (0x3A, 1)]),
    # test_bthome_shelly_button_no_press (SBBT-002C, Shelly BLU Button1)
    ("440021015E3A01", [(0x00, 33), (0x01, 94), (0x3A, 1)]),
    # test_bthome_packet_id_temperature_humidity_battery (local name ATC_8D18B2)
    ("400009015D025D0903B718", [(0x00, 9), (0x01, 93), (0x02, 2397), (0x03, 6327)]),
    # test_bthome_double_voltage_different_object_id (ids out of order)
    (
        "4000010B0000004A0D0901330CE90C",
        [(0x00, 1), (0x0B, 0), (0x4A, 2317), (0x01, 51), (0x0C, 3305)],
    ),
)
