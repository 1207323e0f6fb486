"""Assertion helpers shared by the portable tests (not a test module).

Plain functions, no pytest: the same file runs under CPython and MicroPython.
"""


def raises(fn, cls, reason, offset=None):
    """Check that ``fn()`` raises ``cls`` with the stable code ``reason`` (and, when
    given, at byte ``offset``); return the exception for further checks."""
    try:
        fn()
    except cls as exc:
        assert exc.reason == reason, (exc.reason, reason)
        if offset is not None:
            assert exc.offset == offset, (exc.offset, offset)
        return exc
    raise AssertionError("did not raise " + cls.__name__ + " " + reason)
