"""Helpers for the portable presence tests (not a test module).

The estimator imported from source needs more than a 64 KB heap holds at once,
so each portable presence test imports what it uses inside the test and drops
the presence modules again afterwards (``unload``). The estimator's tests are
split into modules of their own so each runs in a fresh interpreter in the 64K
precompiled run (tests/test_portable_on_micropython.py).
"""

import gc
import sys

_KEEP = ("iotedge.core.presence_venue", "iotedge.core.presence_math")


def unload(keep=True):
    """Drop the presence modules (all of them with keep=False: the last test does,
    so later test modules get the whole heap back)."""
    import iotedge.core as core

    for name in list(sys.modules):
        # The venue and math modules stay: reloading them again and again would
        # fragment a small heap (their interned names are never freed anyway).
        if name.startswith("iotedge.core.presence_") and (not keep or name not in _KEEP):
            del sys.modules[name]
            short = name.split(".")[-1]
            if short in core.__dict__:
                delattr(core, short)
    gc.collect()


def i(x, scale=10000):
    """A float as a scaled integer, so both interpreters compare exactly."""
    return round(x * scale)


def _venue():
    from iotedge.core.presence_venue import Venue

    return Venue(
        {
            "rooms": ["a", "b"],
            "adjacent": [["a", "b"]],
            "gateways": {"ga": {"room": "a"}, "gb": {"room": "b"}},
        }
    )


def _burst(est, t0, gateway, badge, rssi):
    for k in range(6):
        est.update(t0 + 0.3 * k, gateway, badge, rssi)
