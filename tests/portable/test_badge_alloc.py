"""The badge encoder allocates nothing per call on MicroPython (gc.mem_alloc)."""

import gc
import sys

from iotedge.core import badge

_N = 200


def _encode_many(buf, name):
    n = 0
    for i in range(_N):
        n = badge.encode_into(buf, 0x1A2B3C4D, i & 0xFF, 90, 2150 - i, i, badge.NO_HUMIDITY, name)
        n = badge.encode_into(buf, 0x1A2B3C4D, i & 0xFF, 90, 2150 - i, i, 45, name)
    return n


def test_encode_into_a_reused_buffer_allocates_nothing():
    buf = bytearray(31)
    name = b"B3C"
    n = _encode_many(buf, name)  # warm up: first calls may intern or cache
    # 31 bytes with humidity and name; byte 9 is the packet id (docs/wire-formats.md)
    assert n == 31 and buf[9] == (_N - 1) & 0xFF and buf[16] == 45
    if sys.implementation.name != "micropython":
        return  # CPython has no gc.mem_alloc
    gc.collect()
    gc.disable()
    try:
        before = gc.mem_alloc()
        _encode_many(buf, name)
        after = gc.mem_alloc()
    finally:
        gc.enable()
    assert after - before == 0, after - before
