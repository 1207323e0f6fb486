"""AD walking and parsing: the bthome.io example advert, errors with reasons and offsets."""

import binascii

from checks import raises

from iotedge.core import ad, ad_record, errors

# bthome.io/format "Advertising payload" example: flags, name "DIY-sensor", BTHome data
EXAMPLE = binascii.unhexlify("0201060B094449592D73656E736F720A16D2FC4002C40903BF13")


def _raises(fn, reason, offset):
    raises(fn, errors.ADError, reason, offset)


def test_iter_ad_yields_type_offset_length_without_copying():
    assert list(ad.iter_ad(EXAMPLE)) == [(0x01, 2, 1), (0x09, 5, 10), (0x16, 17, 9)]
    assert list(ad.iter_ad(memoryview(EXAMPLE))) == list(ad.iter_ad(EXAMPLE))
    assert list(ad.iter_ad(b"")) == []


def test_find_helpers():
    assert ad.find(EXAMPLE, ad.AD_COMPLETE_NAME) == 5
    assert ad.find(EXAMPLE, ad.AD_MANUFACTURER) == -1
    assert ad.find_service_data16(EXAMPLE, 0xFCD2) == (19, 26, 5)
    assert ad.find_service_data16(EXAMPLE, 0x181A) == (-1, -1, 5)
    assert ad.name_at(EXAMPLE, 5) == "DIY-sensor"
    mfr = binascii.unhexlify("020106" + "05FF9005AABB")
    assert ad.find_manufacturer(mfr, 0x0590) == (7, 9)
    assert ad.find_manufacturer(mfr, 0x004C) == (-1, -1)


def test_parse_record():
    adv = ad_record.parse(EXAMPLE)
    assert adv.flags == 6 and adv.local_name == "DIY-sensor" and adv.name_complete
    assert adv.service_data == [(0x16, 0xFCD2, binascii.unhexlify("4002C40903BF13"))]
    assert adv.service_data_for(0xFCD2)[0] == 0x40 and adv.manufacturer(1) is None


def test_parse_every_common_type():
    data = binascii.unhexlify(
        "020105"  # flags
        "050212341856"  # incomplete 16-bit UUIDs 0x3412, 0x5618
        "0505D2FC0000"  # complete 32-bit UUID 0x0000FCD2
        "1107" + "00112233445566778899AABBCCDDEEFF"  # complete 128-bit UUID
        "0408414243"  # shortened name ABC
        "020AF4"  # TX power -12 dBm
        "0620D2FC0000AA"  # 32-bit service data
        "1221" + "00112233445566778899AABBCCDDEEFF" + "BB"  # 128-bit service data
        "04FF4C0001"  # manufacturer 0x004C
        "0319C003"  # appearance, kept raw
    )
    adv = ad_record.parse(data)
    assert adv.flags == 5
    assert adv.uuids16 == [0x3412, 0x5618] and not adv.uuids16_complete
    assert adv.uuids32 == [0xFCD2] and adv.uuids32_complete
    assert ad_record.uuid128_to_str(adv.uuids128[0]) == "ffeeddcc-bbaa-9988-7766-554433221100"
    assert adv.local_name == "ABC" and not adv.name_complete
    assert adv.tx_power == -12
    assert adv.service_data[0] == (0x20, 0xFCD2, b"\xaa")
    assert adv.service_data[1][2] == b"\xbb" and len(adv.service_data[1][1]) == 16
    assert adv.manufacturer_data == [(0x004C, b"\x01")]
    assert adv.other == [(0x19, b"\xc0\x03")]
    assert ad_record.uuid16_to_str(0xFCD2) == "0000fcd2-0000-1000-8000-00805f9b34fb"


def test_zero_length_policy():
    # trailing zero padding (controllers pad to 31 bytes) ends the data
    padded = EXAMPLE + bytes(5)
    assert list(ad.iter_ad(padded)) == list(ad.iter_ad(EXAMPLE))
    assert ad_record.parse(padded) == ad_record.parse(EXAMPLE)
    # a zero length followed by something non-zero is rejected
    _raises(lambda: ad_record.parse(binascii.unhexlify("020106000201")), "zero-length", 3)


def test_malformed_structures():
    _raises(lambda: ad_record.parse(binascii.unhexlify("0201060509414243")), "overrun", 3)
    _raises(lambda: ad_record.parse(binascii.unhexlify("02")), "overrun", 0)
    _raises(lambda: ad_record.parse(binascii.unhexlify("0216D2")), "truncated", 0)
    _raises(lambda: ad.find_service_data16(binascii.unhexlify("0216D2"), 0xFCD2), "truncated", 0)
    _raises(lambda: ad_record.parse(binascii.unhexlify("0101")), "truncated", 0)
    _raises(lambda: ad_record.parse(binascii.unhexlify("02FF4C")), "truncated", 0)
    _raises(lambda: ad_record.parse(binascii.unhexlify("0403123456")), "bad-length", 0)
    _raises(lambda: ad_record.parse(binascii.unhexlify("030AF4F4")), "bad-length", 0)
    _raises(lambda: ad_record.parse(binascii.unhexlify("0309C328")), "bad-name", 0)
    _raises(lambda: ad.name_at(binascii.unhexlify("0309C328"), 2), "bad-name", 0)
