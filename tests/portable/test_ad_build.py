"""AD building: round trips, budgets (31 legacy, 254 extended), name shortening."""

import binascii

from iotedge.core import ad, ad_build, ad_record, errors


def _budget_error(fn, reason):
    try:
        fn()
    except errors.AdvertBudgetError as exc:
        assert exc.reason == reason, exc.reason
        return
    raise AssertionError("no AdvertBudgetError " + reason)


def test_build_reproduces_the_bthome_io_example():
    example = binascii.unhexlify("0201060B094449592D73656E736F720A16D2FC4002C40903BF13")
    adv = ad_record.parse(example)
    # build writes the name last; the example has it second, so compare parses
    rebuilt = ad_build.build(adv)
    assert ad_record.parse(rebuilt) == adv and len(rebuilt) == len(example)


def test_round_trip_of_every_field():
    adv = ad_record.Advert()
    adv.flags = 6
    adv.uuids16 = [0xFCD2, 0x180F]
    adv.uuids16_complete = False
    adv.uuids32 = [0x12345678]
    adv.tx_power = -4
    adv.service_data = [(0x16, 0xFCD2, b"\x40\x01\x64"), (0x20, 0xABCD0001, b"")]
    adv.manufacturer_data = [(0x0590, b"{}")]
    adv.other = [(0x19, b"\x00\x02")]
    adv.local_name = "Bé"
    _budget_error(lambda: ad_build.build(adv), "over-budget")  # 46 bytes
    data = ad_build.build(adv, extended=True)
    assert len(data) == 46
    assert ad_record.parse(data) == adv


def test_budgets():
    big = ad_record.Advert()
    big.manufacturer_data = [(0xFFFF, bytes(27))]  # 2 + 2 + 27 = 31: exactly fits
    assert len(ad_build.build(big)) == 31
    big.manufacturer_data = [(0xFFFF, bytes(28))]
    _budget_error(lambda: ad_build.build(big), "over-budget")
    assert len(ad_build.build(big, extended=True)) == 32
    big.manufacturer_data = [(0xFFFF, bytes(250))]  # one structure, 254-byte value
    assert len(ad_build.build(big, extended=True)) == 254
    big.manufacturer_data = [(0xFFFF, bytes(251))]
    _budget_error(lambda: ad_build.build(big, extended=True), "over-budget")
    big.manufacturer_data = [(0xFFFF, bytes(253))]  # 255-byte value: no length byte fits
    _budget_error(lambda: ad_build.build(big, extended=True), "structure-too-long")
    items = [(0xFF, bytes(100)), (0xFF, bytes(100)), (0xFF, bytes(49))]
    _budget_error(lambda: ad_build.build_structures(items, ad.EXTENDED_BUDGET), "over-budget")


def test_name_is_shortened_on_a_character_boundary():
    adv = ad_record.Advert()
    adv.flags = 6
    adv.manufacturer_data = [(0xFFFF, bytes(16))]
    adv.local_name = "Ünïcode badge name"  # does not fit in the 6 bytes left
    _budget_error(lambda: ad_build.build(adv), "over-budget")
    data = ad_build.build(adv, shorten_name=True)
    back = ad_record.parse(data)
    assert len(data) <= 31 and not back.name_complete
    assert back.local_name == "Ünïc"  # 6 bytes: Ü(2) n ï(2) c


def test_pack_structure_into_a_buffer():
    buf = bytearray(31)
    end = ad_build.pack_structure_into(buf, 0, ad.AD_FLAGS, b"\x06")
    end = ad_build.pack_structure_into(buf, end, ad.AD_COMPLETE_NAME, b"abc")
    assert bytes(buf[:end]) == binascii.unhexlify("0201060409616263")
    _budget_error(lambda: ad_build.pack_structure_into(buf, end, 0xFF, bytes(25)), "over-budget")


def test_field_errors():
    adv = ad_record.Advert()
    adv.tx_power = 200
    try:
        ad_build.build(adv)
    except errors.EncodeError as exc:
        assert exc.reason == "out-of-range"
    else:
        raise AssertionError("tx power not checked")
    adv = ad_record.Advert()
    adv.uuids128 = [b"short"]
    try:
        ad_build.build(adv)
    except errors.EncodeError as exc:
        assert exc.reason == "bad-uuid"
    else:
        raise AssertionError("uuid length not checked")
    # ``other`` is for the AD types without a field of their own: flags (0x01) or
    # manufacturer data (0xFF) written empty from it would not parse back (found by
    # tests/test_bthome_codec_props.py with a random seed).
    for own in (0x01, 0x03, 0x09, 0x0A, 0x16, 0x21, 0xFF):
        adv = ad_record.Advert()
        adv.other = [(own, b"")]
        try:
            ad_build.build(adv)
        except errors.EncodeError as exc:
            assert exc.reason == "bad-type", own
        else:
            raise AssertionError("AD type %d accepted in other" % own)
    adv = ad_record.Advert()
    adv.other = [(0x0B, b""), (0x19, b"\xc0\x03")]
    assert ad_record.parse(ad_build.build(adv)).other == adv.other
    u = "0000fcd2-0000-1000-8000-00805f9b34fb"
    assert ad_record.uuid128_to_str(ad_record.uuid128_from_str(u)) == u
