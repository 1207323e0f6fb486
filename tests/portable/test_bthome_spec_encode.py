"""BTHome v2 encoding reproduces the spec's example frames byte for byte."""

import binascii
import gc

from vectors_codec_bthome import SPEC_VALUES, spec_rows

from iotedge.core import bthome, bthome_encode


def _unhex(text):
    return binascii.unhexlify(text)


def test_every_spec_example_encodes_back_to_the_same_bytes():
    for example, oid, raw in spec_rows():
        if oid % 16 == 0:
            gc.collect()  # a 64K heap fragments over a hundred frames
        assert bthome_encode.encode([(oid, raw)]) == _unhex("40" + example), example


def test_scaled_values_are_raw_over_a_power_of_ten():
    for oid, raw, num, den in SPEC_VALUES:
        buf = bthome_encode.encode([(oid, raw)])
        value = bthome.decode(buf).objects[0][3]
        assert value == num / den, (oid, value)
