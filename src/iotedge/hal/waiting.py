"""Waiting with a timeout that never loses a cancellation.

``asyncio.wait_for`` on Python 3.10 and 3.11 swallows a cancellation that reaches
the waiting task in the same loop iteration as the awaited thing completes
(CPython gh-86296; 3.12 rewrote it). A loop around it then never ends: the
demo hung in an advertiser's ``stop()``, which cancels the rotation task just
after a new frame set its wake-up event. ``asyncio.wait`` neither raises the
awaited future's cancellation nor absorbs the caller's, so these helpers use it.
"""

from __future__ import annotations

import asyncio
from typing import Any


async def done_or_timeout(fut: asyncio.Future[Any], timeout: float) -> bool:
    """Wait until ``fut`` is done or ``timeout`` seconds pass; True if it is done.
    ``fut`` is left alone on a timeout (not cancelled); a cancellation of the
    caller always propagates."""
    if fut.done():
        return True
    done, _ = await asyncio.wait((fut,), timeout=timeout)
    return bool(done)


async def event_or_timeout(event: asyncio.Event, timeout: float) -> bool:
    """Wait until ``event`` is set or ``timeout`` seconds pass; True if it is set.
    A cancellation of the caller always propagates."""
    if event.is_set():
        return True
    waiter = asyncio.ensure_future(event.wait())
    try:
        return await done_or_timeout(waiter, timeout)
    finally:
        waiter.cancel()
