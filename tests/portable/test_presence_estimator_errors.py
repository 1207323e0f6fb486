"""Portable known-answer tests of the presence estimator's input checks (pytest and MicroPython).

Each estimator test module runs in its own interpreter in the 64K run; helpers and
the two-room venue are in tests/portable/presence_support.py.
"""

from presence_support import _venue, unload


def test_estimator_rejects_bad_input():
    from iotedge.core.errors import PresenceError
    from iotedge.core.presence_estimator import PresenceEstimator

    try:
        est = PresenceEstimator(_venue())
        try:
            est.update(0.0, "ga", "x", 99)
        except PresenceError as exc:
            assert exc.reason == "bad-report"
        else:
            raise AssertionError("accepted rssi 99")
        est.update(0.0, "nobody", "x", -70)
        assert est.unknown_gateway_reports == 1
        try:
            PresenceEstimator(_venue(), stat="mode")
        except PresenceError:
            pass
        else:
            raise AssertionError("accepted an unknown statistic")
    finally:
        unload()
