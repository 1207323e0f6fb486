"""Batch replay of recorded reports through an estimator, one row per badge per step.

At every step ``t`` (multiples of ``step`` seconds, from the first report to the
last) the replay writes ``ts,badge,room,confidence`` for every badge seen so
far (room ``none`` when it is nowhere) and ``ts,room,occupancy`` for every room.

Causal by default: the row at ``t`` is produced after feeding exactly the reports
with ``ts <= t`` (input sorted by the reorder buffer of :mod:`iotedge.presence.io`)
and advancing the estimator to ``t``, so appending later reports can never change
it. With ``lag > 0`` (our estimator only) the row at ``t`` is the fixed-lag
smoothed posterior using reports with ``ts <= t + lag``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from iotedge.core.errors import PresenceError
from iotedge.core.presence_estimator import PresenceEstimator
from iotedge.core.presence_hmm import argmax
from iotedge.core.presence_venue import Venue
from iotedge.presence.io import Report, format_ts
from iotedge.presence.methods import METHODS, OURS, check_settings, parse_method

__all__ = ["METHODS", "OURS", "Estimator", "make_estimator", "replay", "run"]


class Estimator(Protocol):
    def update(self, ts: float, gateway: str, badge: str, rssi: int) -> None: ...
    def advance(self, ts: float) -> None: ...
    def badges(self) -> list[str]: ...
    def badge_state(self, badge: str) -> tuple[str, float, int]: ...
    def occupancy(self) -> dict[str, tuple[float, float, float]]: ...


def make_estimator(
    method: str, venue: Venue, lag: float = 0.0, settings: dict[str, Any] | None = None
) -> Estimator:
    """Build ``method`` (a name or a spec such as ``hmm[temper=0.6]``, see
    :mod:`iotedge.presence.methods`) for ``venue``; ``settings`` add to the spec's."""
    name, options = parse_method(method)
    options.update(check_settings(name, settings or {}))
    if lag:
        if name != OURS:
            raise PresenceError("bad-method", f"--lag smoothing is only for method {OURS!r}")
        options["lag"] = lag
    estimator: Estimator = METHODS[name](venue, **options)
    return estimator


@dataclass
class Step:
    """What one estimator says at one step."""

    ts: float
    rows: list[tuple[str, str, float]]  # (badge, room, confidence)
    occupancy: dict[str, float]


def _state_at(est: Estimator, venue: Venue, badges: list[str], t: float, lag: float) -> Step:
    if lag and isinstance(est, PresenceEstimator):
        rows = []
        totals = [0.0] * venue.n_rooms
        for badge in badges:
            post = est.smoothed(badge, t)
            best = argmax(post)
            rows.append((badge, venue.room_name(best), post[best]))
            for r in range(venue.n_rooms):
                totals[r] += post[r]
        return Step(t, rows, {venue.rooms[r]: totals[r] for r in range(venue.n_rooms)})
    rows = []
    for badge in badges:
        room, conf, _ = est.badge_state(badge)
        rows.append((badge, room, conf))
    occ = {room: value[0] for room, value in est.occupancy().items()}
    return Step(t, rows, occ)


def run(
    venue: Venue,
    reports: Iterable[Report],
    estimators: list[Estimator],
    step: float = 5.0,
    lag: float = 0.0,
) -> Iterator[list[Step]]:
    """Feed time-ordered reports to several estimators at once; yield, per step,
    one :class:`Step` per estimator (same order)."""
    if step <= 0:
        raise PresenceError("bad-setting", "step must be positive")
    if lag < 0:
        raise PresenceError("bad-setting", "lag must be >= 0")
    first_seen: list[tuple[float, str]] = []
    seen: set[str] = set()
    next_t: float | None = None
    last_ts = -math.inf

    def emit(t: float) -> list[Step]:
        badges = [b for when, b in first_seen if when <= t]
        out = []
        for est in estimators:
            est.advance(t + lag)
            out.append(_state_at(est, venue, badges, t, lag))
        return out

    for rep in reports:
        if next_t is None:
            next_t = math.ceil(rep.ts / step) * step
        while next_t + lag < rep.ts:
            yield emit(next_t)
            next_t += step
        for est in estimators:
            est.update(rep.ts, rep.gateway, rep.badge, rep.rssi)
        if rep.badge not in seen:
            seen.add(rep.badge)
            first_seen.append((rep.ts, rep.badge))
        if rep.ts > last_ts:
            last_ts = rep.ts
    while next_t is not None and next_t <= last_ts:
        yield emit(next_t)
        next_t += step


def write_replay(steps: Iterable[Step], estimates: TextIO, occupancy: TextIO | None = None) -> int:
    """Write the two CSV files; returns the number of estimate rows."""
    estimates.write("ts,badge,room,confidence\n")
    if occupancy is not None:
        occupancy.write("ts,room,occupancy\n")
    count = 0
    for st in steps:
        ts = format_ts(st.ts)
        lines = [f"{ts},{badge},{room},{conf:.4f}\n" for badge, room, conf in st.rows]
        estimates.write("".join(lines))
        count += len(lines)
        if occupancy is not None:
            occupancy.write(
                "".join(f"{ts},{room},{value:.3f}\n" for room, value in st.occupancy.items())
            )
    return count


def replay(
    venue: Venue,
    reports: Iterable[Report],
    estimates: TextIO,
    occupancy: TextIO | None = None,
    step: float = 5.0,
    method: str = OURS,
    lag: float = 0.0,
    settings: dict[str, Any] | None = None,
) -> int:
    """Replay reports through one method and write its CSV files."""
    est = make_estimator(method, venue, lag=lag, settings=settings)
    steps = (result[0] for result in run(venue, reports, [est], step=step, lag=lag))
    return write_replay(steps, estimates, occupancy)
