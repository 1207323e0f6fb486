"""Portable tests of the typed error hierarchy (run by pytest and by micropython)."""

from iotedge.core import errors


def test_every_error_is_a_value_error():
    for cls in (
        errors.ADError,
        errors.AdvertBudgetError,
        errors.BTHomeError,
        errors.UnknownObjectError,
        errors.EncodeError,
        errors.DecryptError,
        errors.ReplayError,
    ):
        exc = cls("some-reason", "detail", 3)
        assert isinstance(exc, errors.IotEdgeError)
        assert isinstance(exc, ValueError)
        assert exc.reason == "some-reason"
        assert exc.offset == 3


def test_message_names_reason_detail_and_offset():
    exc = errors.ADError("overrun", "length 9 runs past end of 4-byte data", 2)
    assert str(exc) == "overrun: length 9 runs past end of 4-byte data (at byte 2)"
    assert str(errors.ADError("empty")) == "empty"


def test_unknown_object_is_a_bthome_error():
    try:
        raise errors.UnknownObjectError("unknown-object", "id 0xfe", 5)
    except errors.BTHomeError as exc:
        assert exc.offset == 5
    else:
        raise AssertionError("not raised")
