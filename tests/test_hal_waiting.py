"""iotedge.hal.waiting: timeouts that never lose the caller's cancellation."""

from __future__ import annotations

import asyncio

import pytest

from iotedge.hal.waiting import done_or_timeout, event_or_timeout


def test_event_or_timeout_reports_set_and_timed_out() -> None:
    async def scenario() -> tuple[bool, bool, bool]:
        event = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.call_later(0.01, event.set)
        got = await event_or_timeout(event, 5.0)
        already = await event_or_timeout(event, 0.0)
        late = await event_or_timeout(asyncio.Event(), 0.01)
        return got, already, late

    assert asyncio.run(scenario()) == (True, True, False)


def test_done_or_timeout_leaves_the_future_alone() -> None:
    async def scenario() -> tuple[bool, bool, bool]:
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        timed_out = await done_or_timeout(fut, 0.01)
        cancelled = fut.cancelled()  # a timeout does not cancel what it waited for
        fut.set_result(7)
        return timed_out, cancelled, await done_or_timeout(fut, 1.0)

    assert asyncio.run(scenario()) == (False, False, True)


@pytest.mark.parametrize("ticks", range(6))
def test_a_cancellation_with_the_event_in_the_same_tick_is_never_lost(ticks: int) -> None:
    """The race of CPython gh-86296: the event is set and the waiting task cancelled
    in the same loop iteration, at several offsets from the start of the wait. A
    loop around the helper must end every time."""

    async def scenario() -> bool:
        event = asyncio.Event()
        rounds = 0

        async def waiting_loop() -> None:
            nonlocal rounds
            while True:  # like a rotation or a sensor loop: only cancellation ends it
                event.clear()
                await event_or_timeout(event, 10.0)
                rounds += 1

        task = asyncio.ensure_future(waiting_loop())
        for _ in range(ticks):
            await asyncio.sleep(0)
        event.set()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=2.0)
        return bool(done) and task.cancelled()

    assert asyncio.run(scenario())
