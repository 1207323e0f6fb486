"""Portable tests of DHT22 frame and pulse decoding (pytest and micropython)."""

from checks import raises as _raises
from vectors_dht22 import DATASHEET_35_1, DATASHEET_MINUS_10_1, VALID

from iotedge.core import dht22, errors


def test_vectors_decode():
    for name, frame, temperature, humidity, encoding in VALID:
        assert dht22.decode_frame(frame) == (temperature, humidity), name
        assert dht22.temperature_encoding(frame) == encoding, name


def test_datasheet_minus_10_1_is_0x8065():
    assert DATASHEET_MINUS_10_1[2:4] == b"\x80\x65"
    assert dht22.encode_frame(-101, 652) == DATASHEET_MINUS_10_1
    assert dht22.encode_frame(351, 652) == DATASHEET_35_1


def test_encode_round_trips_every_vector():
    for name, frame, temperature, humidity, encoding in VALID:
        if frame[2:4] == b"\x80\x00":
            continue  # -0.0 re-encodes as +0.0
        clone = encoding == "twos-complement"
        assert dht22.encode_frame(temperature, humidity, clone) == frame, name


def test_clone_and_datasheet_encodings_of_range_ends():
    assert dht22.encode_frame(-400, 0)[2:4] == b"\x81\x90"
    assert dht22.encode_frame(-400, 0, True)[2:4] == b"\xfe\x70"
    assert dht22.encode_frame(800, 0, True)[2:4] == b"\x03\x20"
    assert dht22.encode_frame(0, 0, True)[2:4] == b"\x00\x00"


def test_bad_checksum():
    frame = bytearray(DATASHEET_35_1)
    frame[4] = 0xEF
    exc = _raises(lambda: dht22.decode_frame(frame), errors.DHTChecksumError, "bad-checksum")
    assert exc.offset == 4
    assert "0xef" in str(exc) and "0xee" in str(exc)
    assert isinstance(exc, errors.DHTError)


def test_humidity_above_100():
    frame = dht22.pack_raw(1001, 200)
    _raises(lambda: dht22.decode_frame(frame), errors.DHTRangeError, "humidity-range")
    assert dht22.decode_frame(dht22.pack_raw(1000, 200)) == (200, 1000)


def test_temperature_outside_both_encodings():
    # 80.1 C: positive, too hot.
    _raises(
        lambda: dht22.decode_frame(dht22.pack_raw(500, 801)),
        errors.DHTRangeError,
        "temperature-range",
    )
    # 0x8191: -40.1 C sign-magnitude; as two's complement -3263.9 C: neither fits.
    _raises(
        lambda: dht22.decode_frame(dht22.pack_raw(500, 0x8191)),
        errors.DHTRangeError,
        "temperature-range",
    )
    # 0xFE6F: -40.1 C two's complement: too cold.
    _raises(
        lambda: dht22.decode_frame(dht22.pack_raw(500, 0xFE6F)),
        errors.DHTRangeError,
        "temperature-range",
    )
    assert dht22.decode_frame(dht22.pack_raw(500, 0x8190)) == (-400, 500)
    assert dht22.decode_frame(dht22.pack_raw(500, 0xFE70)) == (-400, 500)


def test_frame_length():
    _raises(lambda: dht22.decode_frame(b"\x00\x00\x00\x00"), errors.DHTPulseError, "frame-length")


def test_encode_rejects_out_of_range():
    _raises(lambda: dht22.encode_frame(801, 0), errors.EncodeError, "temperature-range")
    _raises(lambda: dht22.encode_frame(-401, 0), errors.EncodeError, "temperature-range")
    _raises(lambda: dht22.encode_frame(0, 1001), errors.EncodeError, "humidity-range")
    _raises(lambda: dht22.encode_frame(0, -1), errors.EncodeError, "humidity-range")


def test_frame_from_bits():
    bits = []
    for ch in "0000001010001100000000010101111111101110":
        bits.append(1 if ch == "1" else 0)
    assert bytes(dht22.frame_from_bits(bits)) == DATASHEET_35_1
    _raises(lambda: dht22.frame_from_bits(bits[:39]), errors.DHTPulseError, "bit-count")
    bits[3] = 2
    exc = _raises(lambda: dht22.frame_from_bits(bits), errors.DHTPulseError, "bad-bit")
    assert "bit 3" in str(exc)


def test_pulses_decode_with_and_without_response_pulse():
    widths = dht22.bit_widths(DATASHEET_MINUS_10_1)
    assert len(widths) == 40
    assert dht22.read_pulses(widths) == (-101, 652)
    assert dht22.read_pulses([80] + widths) == (-101, 652)


def test_pulses_tolerate_20us_jitter_at_the_worst_edges():
    # Every 0 at its longest datasheet width (28 us) + 20, every 1 at 70 - 20 (and the reverse).
    for zero, one in ((48, 50), (2, 90), (28 + 20, 70 + 20), (26 - 20, 70 - 20)):
        widths = dht22.bit_widths(DATASHEET_35_1, zero, one)
        assert bytes(dht22.decode_pulses(widths)) == DATASHEET_35_1, (zero, one)


def test_too_few_pulses():
    widths = dht22.bit_widths(DATASHEET_35_1)[:39]
    exc = _raises(lambda: dht22.read_pulses(widths), errors.DHTPulseError, "too-few-pulses")
    assert "got 39" in str(exc)
    _raises(lambda: dht22.read_pulses([]), errors.DHTPulseError, "too-few-pulses")


def test_bad_widths():
    widths = [80] + dht22.bit_widths(DATASHEET_35_1)
    merged = list(widths)
    merged[11] = 26 + 50 + 70 + 10  # two bits merged by a missed edge
    exc = _raises(lambda: dht22.read_pulses(merged), errors.DHTPulseError, "bad-width")
    assert exc.offset == 11
    timeout = list(widths)
    timeout[40] = -1  # machine.time_pulse_us timeout code
    exc = _raises(lambda: dht22.read_pulses(timeout), errors.DHTPulseError, "bad-width")
    assert exc.offset == 40
    zero = list(widths)
    zero[1] = 0
    _raises(lambda: dht22.read_pulses(zero), errors.DHTPulseError, "bad-width")


def test_pulses_with_bad_checksum():
    frame = dht22.pack_raw(652, 351, 0x00)
    _raises(
        lambda: dht22.read_pulses(dht22.bit_widths(frame)), errors.DHTChecksumError, "bad-checksum"
    )


def test_format_tenths():
    assert dht22.format_tenths(-101) == "-10.1"
    assert dht22.format_tenths(-5) == "-0.5"
    assert dht22.format_tenths(0) == "0.0"
    assert dht22.format_tenths(800) == "80.0"
    assert dht22.format_tenths(652) == "65.2"
