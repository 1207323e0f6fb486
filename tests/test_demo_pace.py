"""The venue waits for the pipeline: back-pressure from the presence service to the
simulated clock.

* :class:`~iotedge.sim.realtime.Pacer` with a ``limit``: simulated time never passes it
  (unless already past), never goes back, resumes at ``speed`` from where it waited,
  and counts the wall seconds it waited (properties over random clock/limit walks).
* :meth:`Demo.pipeline_limit`: the rule (in flight or not, the newest report taken,
  a stuck pipeline) on stand-in counters and a fake wall clock.
* A whole demo whose presence service is made too slow for the asked speed: the venue
  slows down and the presence service stays within the lead; the same run without
  back-pressure falls further behind than the presence service's hold.
"""

from __future__ import annotations

import asyncio
import io
import math
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.gateway.badge_gateway import BadgeGatewayStats
from iotedge.gateway.demo import STALL_S, Demo, DemoOptions
from iotedge.gateway.presence_service import PresenceStats
from iotedge.sim.realtime import Pacer
from iotedge.sim.scenarios import build_scenario

SIM = build_scenario("small", 3, duration=120, badges=2)

steps = st.lists(
    st.tuples(
        st.floats(min_value=0.0, max_value=5.0),  # wall seconds that pass
        st.one_of(st.just(math.inf), st.floats(min_value=0.0, max_value=400.0)),  # limit
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(steps=steps, speed=st.floats(min_value=0.5, max_value=200.0))
def test_pacer_never_passes_its_limit_nor_goes_back(
    steps: list[tuple[float, float]], speed: float
) -> None:
    now = [1000.0]
    pacer = Pacer(SIM, speed, clock=lambda: now[0])
    last = pacer.sim_time()
    for dt, limit in steps:
        now[0] += dt
        pacer.limit = limit
        t = pacer.sim_time()
        assert t >= last - 1e-9
        assert t <= max(limit, last) + 1e-6
        # unlimited, it runs exactly at speed from where it stood
        if limit == math.inf:
            assert t == pytest.approx(last + dt * speed, rel=1e-9, abs=1e-6)
        # what it did not run, it waited: simulated + waited = elapsed
        assert t / speed + pacer.held == pytest.approx(now[0] - 1000.0, rel=1e-9, abs=1e-6)
        last = t


def test_pacer_waits_at_the_limit_and_resumes_where_it_stopped() -> None:
    now = [0.0]
    pacer = Pacer(SIM, 10.0, clock=lambda: now[0])
    pacer.limit = 25.0
    now[0] = 2.0
    assert pacer.sim_time() == 20.0
    now[0] = 5.0
    assert pacer.sim_time() == 25.0  # 5 clock seconds, but only 25 simulated ones allowed
    assert pacer.held == pytest.approx(2.5)
    pacer.limit = 10.0  # a lowered limit holds time where it is, never turns it back
    now[0] = 6.0
    assert pacer.sim_time() == 25.0
    pacer.limit = math.inf
    now[0] = 7.0
    assert pacer.sim_time() == pytest.approx(35.0)  # on from 25 at speed, no jump to 70


class _Wall:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _stand_in(demo: Demo, sent: int, taken: int, newest: float | None) -> None:
    demo.gateways = [SimpleNamespace(app=SimpleNamespace(stats=BadgeGatewayStats(reports=sent)))]  # type: ignore[list-item]
    demo.services = [SimpleNamespace(stats=PresenceStats(items=taken, newest_ts=newest))]  # type: ignore[list-item]


def test_pipeline_limit_rule() -> None:
    wall = _Wall()
    demo = Demo(DemoOptions(duration=10, badges=20), io.StringIO(), wall=wall)
    try:
        assert demo.lead > 0 and demo.lead < demo.hold
        _stand_in(demo, sent=100, taken=100, newest=demo.epoch0 + 500.0)
        demo.venue.start_clock()
        wall.t += 9.0
        now = demo.venue.sim_time()
        assert now == pytest.approx(9.0 * 80.0)
        # nothing in flight, nothing to wait for: it runs on, a lead past now
        assert demo.pipeline_limit() == pytest.approx(now + demo.lead)
        # a silence longer than STALL_S is not a stuck pipeline: nothing was in flight
        wall.t += STALL_S + 1.0
        now = demo.venue.sim_time()
        assert demo.pipeline_limit() == pytest.approx(now + demo.lead)
        _stand_in(demo, sent=150, taken=100, newest=demo.epoch0 + 500.0)
        assert demo.pipeline_limit() == pytest.approx(500.0 + demo.lead)
        _stand_in(demo, sent=150, taken=100, newest=demo.epoch0 + 500.0)
        assert demo.pipeline_limit() == pytest.approx(500.0 + demo.lead)
        _stand_in(demo, sent=150, taken=0, newest=None)
        wall.t += 1.0
        assert demo.pipeline_limit() == pytest.approx(demo.lead)  # first reports on their way
        # reads that stop for STALL_S: a stuck pipeline, the venue runs on
        _stand_in(demo, sent=150, taken=120, newest=demo.epoch0 + 600.0)
        wall.t += 1.0
        assert demo.pipeline_limit() == pytest.approx(600.0 + demo.lead)
        wall.t += STALL_S + 0.1
        assert demo.pipeline_limit() == math.inf
        _stand_in(demo, sent=150, taken=121, newest=demo.epoch0 + 601.0)  # reading again
        assert demo.pipeline_limit() == pytest.approx(601.0 + demo.lead)
        # refused items were read too; the newest of the slowest shard counts
        demo.services = [  # type: ignore[list-item]
            SimpleNamespace(
                stats=PresenceStats(items=100, old_epoch=30, newest_ts=demo.epoch0 + 700)
            ),
            SimpleNamespace(
                stats=PresenceStats(items=10, unknown_gateway=5, newest_ts=demo.epoch0 + 650)
            ),
        ]
        assert demo.pipeline_limit() == pytest.approx(650.0 + demo.lead)
        demo.services[1].stats.items = 20  # 150 sent, 150 read
        assert demo.pipeline_limit() == pytest.approx(demo.venue.sim_time() + demo.lead)
    finally:
        demo.tmp.cleanup()


def _run_slow_presence(backpressure: bool) -> tuple[Any, float, float, float]:
    """A demo whose presence service spends 0.25 ms more on every report: it can take
    fewer than 4,000 a wall second, where the venue's 20 gateways hear ~8,000 at x80
    with 120 badges (``iotedge demo --badges 120 --duration 5`` prints the rate).

    The lag (venue time minus the newest report taken) is measured after every batch.
    Without back-pressure the loop that runs everything falls further behind each
    round, so the slowness stops once the lag passes twice the hold: enough to show
    it, and the run ends in seconds instead of minutes."""
    opts = DemoOptions(duration=5.0, badges=120, speed=80.0)
    demo = Demo(opts, io.StringIO())
    if not backpressure:
        demo.venue.backpressure = None
    worst = [0.0]

    def lag() -> float:
        newest = [s.stats.newest_ts for s in demo.services]
        if demo.venue._frozen is not None or any(n is None for n in newest):
            return 0.0
        return demo.venue.clock() - min(n for n in newest if n is not None)

    async def main() -> Any:
        task = asyncio.create_task(demo.run())
        while not demo.services:
            await asyncio.sleep(0.01)
        for service in demo.services:
            fast = service.on_batch

            def slow(batch: Any, fast: Any = fast) -> None:
                if demo.venue._frozen is None and worst[0] <= 2 * demo.hold:
                    time.sleep(0.00025 * len(batch.items))
                fast(batch)
                worst[0] = max(worst[0], lag())

            service.on_batch = slow  # type: ignore[method-assign]
        return await task

    summary = asyncio.run(main())
    return summary, worst[0], demo.lead, demo.hold


def test_a_slow_presence_service_slows_the_venue_down() -> None:
    summary, worst_lag, lead, hold = _run_slow_presence(backpressure=True)
    assert summary.held_s > 1.0  # the venue waited
    assert summary.sim_s / summary.wall_s < 0.8 * summary.speed_asked
    assert "for the pipeline" in summary.text()
    # the presence service stays within the lead (plus one batch in flight)
    assert worst_lag < lead + 0.1 * hold, (worst_lag, lead, hold)
    assert summary.presence_items == summary.reports


def test_without_backpressure_the_same_service_falls_behind_its_hold() -> None:
    summary, worst_lag, _lead, hold = _run_slow_presence(backpressure=False)
    assert summary.held_s == 0.0
    assert worst_lag > hold  # what back-pressure prevents


def test_a_link_that_will_not_stop_does_not_hold_the_demo(caplog: pytest.LogCaptureFixture) -> None:
    """Stopping a link joins paho's thread, without a timeout of its own: the demo waits
    for it a bounded time, on a daemon thread, and goes on."""
    from iotedge.gateway.demo import _off_loop

    stuck = threading.Event()
    ran: list[str] = []

    def boom() -> None:
        raise OSError("socket already closed")

    async def main() -> float:
        started = time.monotonic()
        await _off_loop(stuck.wait, 0.3, "gw-stuck")  # would block forever
        await _off_loop(boom, 5.0, "gw-broken")
        await _off_loop(lambda: ran.append("done"), 5.0, "gw-fine")
        return time.monotonic() - started

    took = asyncio.run(main())
    stuck.set()
    assert 0.3 <= took < 2.0
    assert ran == ["done"]
    assert "stopping gw-stuck took over 0.3 s" in caplog.text
    assert "stopping gw-broken failed" in caplog.text and "socket already closed" in caplog.text
