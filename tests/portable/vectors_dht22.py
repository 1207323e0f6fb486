"""DHT22 / AM2302 frame vectors shared by the portable tests.

Each entry: (name, frame bytes, temperature tenths, humidity tenths, encoding).
"""

# Aosong AM2302 / DHT22 datasheet, "single-bus data format" worked example:
# 0000 0010 1000 1100 0000 0001 0101 1111 1110 1110 -> 65.2 %RH, 35.1 C, checksum 0xEE.
DATASHEET_35_1 = bytes((0x02, 0x8C, 0x01, 0x5F, 0xEE))
# Same datasheet, negative temperature: "-10.1 C is 1000 0000 0110 0101" (0x8065),
# sent with the example's 65.2 %RH; checksum 0x02+0x8C+0x80+0x65 = 0x173 -> 0x73.
DATASHEET_MINUS_10_1 = bytes((0x02, 0x8C, 0x80, 0x65, 0x73))

VALID = (
    ("datasheet 65.2%RH 35.1C", DATASHEET_35_1, 351, 652, "sign-magnitude"),
    ("datasheet -10.1C as 0x8065", DATASHEET_MINUS_10_1, -101, 652, "sign-magnitude"),
    # Two's-complement clone: -10.1 C as 0xFF9B (0x10000 - 101).
    ("clone -10.1C as 0xFF9B", bytes((0x02, 0x8C, 0xFF, 0x9B, 0x28)), -101, 652, "twos-complement"),
    # Range ends: -40.0 C is 0x8190 (sign-magnitude) or 0xFE70 (clone); 80.0 C is 0x0320.
    ("-40.0C sign-magnitude", bytes((0x01, 0xF4, 0x81, 0x90, 0x06)), -400, 500, "sign-magnitude"),
    ("-40.0C clone", bytes((0x01, 0xF4, 0xFE, 0x70, 0x63)), -400, 500, "twos-complement"),
    ("80.0C", bytes((0x00, 0x00, 0x03, 0x20, 0x23)), 800, 0, "sign-magnitude"),
    ("0.0C 100.0%RH", bytes((0x03, 0xE8, 0x00, 0x00, 0xEB)), 0, 1000, "sign-magnitude"),
    # -0.0 C in sign-magnitude (0x8000) is 0.
    ("-0.0C sign-magnitude", bytes((0x00, 0x00, 0x80, 0x00, 0x80)), 0, 0, "sign-magnitude"),
    # Logic-analyser capture of a genuine AM2302 published on the Forth e.V. wiki
    # (page en:pfw:dht22tmpformat): 00000010 00100000 10000000 10101010 01001100.
    ("capture 54.4%RH -17.0C", bytes((0x02, 0x20, 0x80, 0xAA, 0x4C)), -170, 544, "sign-magnitude"),
    ("clone -0.1C as 0xFFFF", bytes((0x01, 0x00, 0xFF, 0xFF, 0xFF)), -1, 256, "twos-complement"),
)
