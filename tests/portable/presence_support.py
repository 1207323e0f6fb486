"""Helpers for the portable presence tests (not a test module).

The estimator imported from source needs more than a 64 KB heap holds at once,
so each portable presence test imports what it uses inside the test and drops
the presence modules again afterwards (``unload``); ``roomy_heap`` tells whether
the whole estimator fits (a board runs it frozen as .mpy, which costs less).
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


def roomy_heap():
    """True when the heap can hold the whole estimator compiled from source."""
    if not hasattr(gc, "mem_free"):
        return True
    return gc.mem_alloc() + gc.mem_free() >= 160 * 1024


def i(x, scale=10000):
    """A float as a scaled integer, so both interpreters compare exactly."""
    return round(x * scale)
