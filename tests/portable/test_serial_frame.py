"""Portable tests of the serial bridge line protocol (pytest and micropython)."""

from checks import raises

from iotedge.core import errors, serial_frame
from iotedge.core.serial_frame_reader import FRAME, FrameReader

# Worked example of docs/sensor-node.md. The CRC is binascii.crc32 of the body
# "1A2B,42,R,215,456" (0xE7BC7871, checked against zlib.crc32 on CPython).
EXAMPLE = b"$1A2B,42,R,215,456*E7BC7871\n"


def _kinds(events):
    return [e[0] for e in events]


def _raises(fn, reason):
    return raises(fn, errors.SerialFrameError, reason)


def test_crc32_matches_the_check_value():
    # CRC-32/ISO-HDLC check value for "123456789".
    assert serial_frame.crc32(b"123456789") == 0xCBF43926


def test_worked_example():
    assert serial_frame.encode(0x1A2B, 42, "R", [215, 456]) == EXAMPLE
    frame = serial_frame.decode(EXAMPLE)
    assert frame == (0x1A2B, 42, "R", [215, 456])
    assert serial_frame.decode(EXAMPLE[:-1] + b"\r\n") == frame


def test_writer_numbers_and_wraps():
    writer = serial_frame.FrameWriter(0xBEEF, 65535)
    a = serial_frame.decode(writer.reading(-101, 652, 254))
    b = serial_frame.decode(writer.hello("pico-1"))
    c = serial_frame.decode(writer.error("bad-checksum"))
    assert a == (0xBEEF, 65535, "R", [-101, 652, 254])
    assert b == (0xBEEF, 0, "H", ["pico-1", 1])
    assert c == (0xBEEF, 1, "E", ["bad-checksum"])


def test_every_single_byte_flip_is_rejected():
    for i in range(len(EXAMPLE) - 1):
        for bit in (0x01, 0x20, 0x80):
            bad = bytearray(EXAMPLE)
            bad[i] ^= bit
            reader = FrameReader()
            events = reader.feed(bytes(bad))
            assert FRAME not in _kinds(events), (i, bit, bad)


def test_decode_errors():
    _raises(lambda: serial_frame.decode(b"1A2B,42,R,215,456*E7BC7871"), "bad-syntax")
    _raises(lambda: serial_frame.decode(b"$1A2B,42,R,215,456*BA4DE3A"), "bad-syntax")
    _raises(lambda: serial_frame.decode(b"$1A2B,42,R,215,456*e7bc7871"), "bad-syntax")
    _raises(lambda: serial_frame.decode(b"$1A2B,42,R,215,457*E7BC7871"), "bad-crc")
    body = b"1A2B,42,R,215,1001"
    crc = serial_frame.encode(1, 0, "E", ["x"])  # any valid frame: reuse its hex writer
    assert crc.startswith(b"$0001,0,E,x*")
    bad = b"$" + body + b"*" + b"%08X" % serial_frame.crc32(body)
    _raises(lambda: serial_frame.decode(bad), "bad-field")
    body = b"1A2B,042,R,215,100"
    _raises(
        lambda: serial_frame.decode(b"$" + body + b"*" + b"%08X" % serial_frame.crc32(body)),
        "bad-syntax",
    )
    body = b"1A2B,42,Q,215"
    _raises(
        lambda: serial_frame.decode(b"$" + body + b"*" + b"%08X" % serial_frame.crc32(body)),
        "bad-kind",
    )


def test_encode_errors():
    _raises(lambda: serial_frame.encode(1, 0, "R", [801, 0]), "bad-field")
    _raises(lambda: serial_frame.encode(1, 0, "R", [0]), "bad-field")
    _raises(lambda: serial_frame.encode(1, 65536, "R", [0, 0]), "bad-field")
    _raises(lambda: serial_frame.encode(1, 0, "H", ["bad,name", 1]), "bad-field")
    _raises(lambda: serial_frame.encode(1, 0, "X", []), "bad-kind")
