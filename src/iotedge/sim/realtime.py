"""Play a simulation against a clock, optionally compressed (``speed`` sim-seconds per second).

The demo drives the virtual venue with this: every so often it asks for the events
that are due and feeds them to the virtual radio / gateways. Nothing here sleeps
unless asked to: :class:`Pacer` only reads the clock it is given, so tests can pass a
fake one, and :func:`play` is an async generator for an asyncio event loop.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from iotedge.core.errors import SimulationError
from iotedge.sim.events import Event
from iotedge.sim.simulation import Simulation


class Pacer:
    """Hands out a simulation's events as a (compressed) clock advances.

    ``speed`` is simulated seconds per clock second (60 = an hour in a minute).
    ``start_at`` skips ahead: the first :meth:`due` returns everything that arrived
    before it at once.

    ``limit`` is back-pressure from whoever consumes the events: simulated time does not
    run past it. While it is reached the pacer waits (``held`` counts those clock
    seconds) and then resumes at ``speed`` from where it stopped, never jumping ahead
    and never going back, so a slow consumer slows the simulation down instead of
    falling behind it.
    """

    def __init__(
        self,
        sim: Simulation,
        speed: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        start_at: float = 0.0,
    ) -> None:
        if speed <= 0:
            raise SimulationError("bad-parameter", f"speed={speed} must be positive")
        self.sim = sim
        self.speed = speed
        self.clock = clock
        self.start_at = start_at
        self._t0 = clock()
        self.limit = math.inf
        self.held = 0.0
        self._last = start_at
        sim.reset()

    def sim_time(self) -> float:
        """The simulated time now (monotonic; at most ``limit`` unless already past it)."""
        t = self.start_at + (self.clock() - self._t0 - self.held) * self.speed
        if t > self.limit:
            stop_at = max(self.limit, self._last)  # a lowered limit does not turn time back
            self.held += (t - stop_at) / self.speed
            t = stop_at
        self._last = t
        return t

    def due(self) -> list[Event]:
        """Events whose arrival time has passed since the last call, in arrival order."""
        return self.sim.step(self.sim_time())

    def seconds_until(self, sim_ts: float) -> float:
        """Clock seconds from now until simulated time ``sim_ts`` (0 if past)."""
        return max(0.0, (sim_ts - self.sim_time()) / self.speed)

    @property
    def finished(self) -> bool:
        return self.sim.finished


async def play(
    sim: Simulation,
    speed: float = 1.0,
    tick_s: float = 0.1,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AsyncIterator[list[Event]]:
    """Yield batches of due events every ``tick_s`` clock seconds until the run ends."""
    pacer = Pacer(sim, speed, clock)
    while True:
        batch = pacer.due()
        if batch:
            yield batch
        if pacer.finished:
            return
        await sleep(tick_s)
