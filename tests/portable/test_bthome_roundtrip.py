"""Every object id of the table: encode then decode the extremes and a middle value."""

import gc

from iotedge.core import bthome, bthome_encode, bthome_objects


def _extremes(kind, size):
    if kind == bthome_objects.KIND_SINT:
        top = (1 << (8 * size - 1)) - 1
        return (-top - 1, -1, 0, 1, top)
    if kind == bthome_objects.KIND_BINARY:
        return (0, 1)
    top = (1 << (8 * size)) - 1
    return (0, 1, top // 3, top)


def test_every_fixed_size_object_round_trips_its_extremes():
    count = 0
    for oid, name, kind, size, _, _, _ in bthome_objects.iter_rows():
        if not size:
            continue
        gc.collect()  # a 64K heap fragments over a few hundred frames
        for raw in _extremes(kind, size):
            data = bthome_encode.encode([(oid, raw)])
            assert len(data) == 2 + size, (oid, raw)
            got = bthome.decode(data).objects
            assert got[0][0] == oid and got[0][1] == name and got[0][2] == raw, (oid, raw, got)
            count += 1
    assert count > 300


def test_length_prefixed_objects_round_trip():
    for oid, body in ((0x53, b""), (0x53, "Grüße".encode()), (0x54, bytes(range(40)))):
        data = bthome_encode.encode([(oid, body)])
        assert data[2] == len(body)
        assert bthome.decode(data).objects[0][2] == body
    long_text = b"x" * 255
    assert bthome.decode(bthome_encode.encode([(0x53, long_text)])).objects[0][2] == long_text
    for body in (b"\x02", b"\x04" + bytes(31)):  # command: opcode + 0..31 arguments
        data = bthome_encode.encode([(0x3B, body)])
        assert data[2] == len(body) - 1
        assert bthome.decode(data).objects[0][2] == body


def test_table_rows_are_ascending_and_complete():
    ids = [row[0] for row in bthome_objects.iter_rows()]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    for must in (0x00, 0x01, 0x02, 0x45, 0x03, 0x2E, 0x09, 0x3D, 0x3E, 0x0C, 0x4A, 0x51, 0x3A):
        assert must in ids
    for must in (0x3C, 0xF0, 0xF1, 0xF2, 0x53, 0x54):
        assert must in ids
    assert bthome_objects.lookup(0x30) is None and bthome_objects.lookup(0x100) is None
    assert bthome_objects.lookup(0x58)[5] == 35


def test_many_objects_in_one_frame_keep_their_order():
    objects = [(0x00, 7), (0x01, 100), (0x02, -1234), (0x02, 2222), (0x03, 4567), (0x3D, 65535)]
    objects.append((0x54, b"\x01\x02\x03\x04"))
    data = bthome_encode.encode(objects)
    assert [(o[0], o[2]) for o in bthome.decode(data).objects] == objects
