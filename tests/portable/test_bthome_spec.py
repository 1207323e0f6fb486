"""BTHome v2 decoding of the spec's and bthome-ble's published frames."""

import binascii
import gc

from vectors_codec_bthome import BTHOME_BLE, spec_rows

from iotedge.core import bthome


def _unhex(text):
    return binascii.unhexlify(text)


def test_every_spec_example_decodes_to_its_raw_value():
    for example, oid, raw in spec_rows():
        if oid % 16 == 0:
            gc.collect()  # a 64K heap fragments over a hundred frames
        frame = bthome.decode(_unhex("40" + example))
        assert len(frame.objects) == 1, example
        got = frame.objects[0]
        assert got[0] == oid, example
        assert got[2] == raw, (example, got)


def test_values_of_special_kinds():
    text = bthome.decode(_unhex("40530C48656C6C6F20576F726C6421")).objects[0]
    assert text[3] == "Hello World!"
    assert bthome.decode(_unhex("403A80")).objects[0][3] == "hold_press"
    assert bthome.decode(_unhex("403A00")).objects[0][3] is None
    assert bthome.decode(_unhex("403C0103")).objects[0][3] == -3
    assert bthome.decode(_unhex("403C020A")).objects[0][3] == 10
    assert bthome.decode(_unhex("40F100010204")).objects[0][3] == "4.2.1.0"
    assert bthome.decode(_unhex("40F2000106")).objects[0][3] == "6.1.0"
    assert bthome.decode(_unhex("401501")).objects[0][3] is True
    assert bthome.decode(_unhex("402100")).objects[0][3] is False
    assert bthome.decode(_unhex("40020000")).objects[0][3] == 0


def test_bthome_ble_captures_decode_to_the_same_raw_values():
    for hexed, expected in BTHOME_BLE:
        frame = bthome.decode(_unhex(hexed))
        assert [(o[0], o[2]) for o in frame.objects] == expected, hexed
        assert frame.complete


def test_device_info_flags():
    frame = bthome.decode(_unhex("440021015E3A01"))
    assert frame.trigger_based and not frame.encrypted and frame.version == 2
    assert not bthome.decode(_unhex("40")).trigger_based
    assert bthome.decode(_unhex("40")).objects == []
