"""BTHome decoding policies: unknown ids, truncation, order, version, MAC."""

import binascii

from checks import raises as _raises

from iotedge.core import bthome, errors


def _unhex(text):
    return binascii.unhexlify(text)


def test_unknown_id_strict_raises_with_offset():
    # bthome-ble tests/test_parser_v2.py test_bthome_battery_wrong_object_id_humidity
    data = _unhex("40015DFE5D0903B718")
    exc = _raises(lambda: bthome.decode(data), errors.UnknownObjectError, "unknown-object", 3)
    assert isinstance(exc, errors.BTHomeError)


def test_unknown_id_lenient_keeps_what_was_read():
    frame = bthome.decode(_unhex("40015DFE5D0903B718"), strict=False)
    assert [(o[0], o[2]) for o in frame.objects] == [(0x01, 93)]
    assert frame.stopped_at == 3 and frame.stop_reason == "unknown-object"
    assert not frame.complete


def test_truncated_objects():
    # bthome-ble test_bthome_invalid_object_payload_data_length: humidity missing a byte
    data = _unhex("4002CA0903BF")
    _raises(lambda: bthome.decode(data), errors.BTHomeError, "truncated", 4)
    frame = bthome.decode(data, strict=False)
    assert frame.stopped_at == 4 and frame.stop_reason == "truncated"
    assert [o[2] for o in frame.objects] == [2506]
    _raises(lambda: bthome.decode(_unhex("4053")), errors.BTHomeError, "truncated", 1)
    _raises(lambda: bthome.decode(_unhex("40530341")), errors.BTHomeError, "truncated", 1)
    _raises(lambda: bthome.decode(_unhex("403B02AA")), errors.BTHomeError, "truncated", 1)


def test_bad_text_is_reported():
    # bthome-ble test_bthome_text_invalid: 0x87 alone is not UTF-8
    _raises(lambda: bthome.decode(_unhex("44530187")), errors.BTHomeError, "bad-text", 1)
    frame = bthome.decode(_unhex("440164530187"), strict=False)
    assert frame.stop_reason == "bad-text" and frame.objects[0][2] == 100


def test_out_of_order_ids_are_decoded_and_flagged():
    # bthome-ble test_bthome_not_sending_object_ids_in_numerical_order
    frame = bthome.decode(_unhex("4003BF1302CA09"))
    assert [o[0] for o in frame.objects] == [0x03, 0x02]
    assert frame.out_of_order_at == 4
    assert bthome.decode(_unhex("4002CA0903BF13")).out_of_order_at == -1


def test_version_and_empty():
    _raises(lambda: bthome.decode(b""), errors.BTHomeError, "empty", 0)
    # bthome-ble test_has_incorrect_version: version bits 7
    _raises(lambda: bthome.decode(_unhex("E102000C04")), errors.BTHomeError, "bad-version", 0)
    _raises(lambda: bthome.decode(_unhex("00")), errors.BTHomeError, "bad-version", 0)


def test_mac_included_bit():
    # bthome-ble test_bthome_with_mac: device info 0x42, MAC reversed, then pressure
    frame = bthome.decode(_unhex("42B2188D38C1A404138A01"))
    assert frame.mac == _unhex("A4C1388D18B2")
    assert [(o[0], o[2]) for o in frame.objects] == [(0x04, 100883)]
    _raises(lambda: bthome.decode(_unhex("42B2188D")), errors.BTHomeError, "truncated", 1)


def test_encrypted_frame_needs_a_key():
    data = _unhex("41A47266C95F730011223378237214")
    _raises(lambda: bthome.decode(data), errors.DecryptError, "no-key", 0)
    key = _unhex("231D39C1D7CC1AB1AEE224CD096DB932")
    _raises(lambda: bthome.decode(data, key=key), errors.DecryptError, "no-mac", 0)
