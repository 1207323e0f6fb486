"""BTHome encoding errors: order, ranges, types, unknown ids, room."""

import binascii

from checks import raises as _raises

from iotedge.core import bthome_encode, errors


def _unhex(text):
    return binascii.unhexlify(text)


def test_encode_errors():
    enc = bthome_encode.encode
    _raises(lambda: enc([(0x02, 1), (0x01, 1)]), errors.EncodeError, "out-of-order")
    _raises(lambda: enc([(0x01, 256)]), errors.EncodeError, "out-of-range")
    _raises(lambda: enc([(0x02, -32769)]), errors.EncodeError, "out-of-range")
    _raises(lambda: enc([(0x00, -1)]), errors.EncodeError, "out-of-range")
    _raises(lambda: enc([(0x02, "hot")]), errors.EncodeError, "bad-type")
    _raises(lambda: enc([(0x02, True)]), errors.EncodeError, "bad-type")
    _raises(lambda: enc([(0x30, 1)]), errors.UnknownObjectError, "unknown-object")
    _raises(lambda: enc([(0x53, b"x" * 256)]), errors.EncodeError, "out-of-range")
    _raises(lambda: enc([(0x3B, b"")]), errors.EncodeError, "out-of-range")
    _raises(lambda: enc([(0x54, 5)]), errors.EncodeError, "bad-type")
    assert enc([(0x0F, True), (0x10, False)]) == _unhex("400F011000")
    buf = bytearray(3)
    _raises(lambda: bthome_encode.encode_into(buf, 0, [(0x02, 1)]), errors.EncodeError, "no-room")
    assert bthome_encode.encode_into(bytearray(3), 0, [(0x01, 5)]) == 3
