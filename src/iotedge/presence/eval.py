"""Scoring estimators against the simulator's truth, side by side.

Metrics, each over every badge in ``truth.csv`` at every replay step ``t``
(a badge not yet reported by any gateway counts as estimated ``none``):

- **accuracy**: share of badge-steps whose estimated room (incl. ``none``)
  equals the true room at second ``t``;
- **flaps per badge-hour**: estimate changes between consecutive steps while the
  true room stayed the same and the new estimate is wrong, per hour a badge
  spends in the venue. A spurious excursion a -> b -> a while the badge stays in
  a is one flap: the change back *to* the true room is a correction, not
  counted again. That is what a user sees as one flap (the badge showed up in
  the wrong room for a while), and it does not charge a method twice for one
  mistake, nor for ending it;
- **changes per badge-hour**: the literal count next to it, every estimate
  change between consecutive steps that is not the detection of a true room
  change (the first change to the new true room after the badge moved, or
  entered or left the venue), per hour in the venue. The excursion above counts
  2 here, and so does a detour a -> c -> b on a true move a -> b (c, then the
  late detection b is not counted);
- **occupancy WAPE**: sum over steps and rooms of |estimated - true head count|
  divided by the sum of true head counts (rooms only, not ``none``);
- **time to detect a room change**: for each true change into a room the badge
  then stays in for at least ``dwell`` burst periods, the time from the change to
  the first step whose estimate is the new room; a change never detected within
  that stay counts as infinitely late. Median and p95, in burst periods;
- **ECE**: expected calibration error of the reported confidence, 10 equal bins.

Given the report times (``evaluate(..., heard=report_times(...))``, ``eval
--delays``), each counted detection delay is also split in two: the **wait**
from the change to the badge's first report after it (the same for every
method: nothing can see a move before the badge speaks again) and the
**reaction** from that report to the first step showing the new room (it
includes waiting for the next step, 2.5 s on average at ``--step 5``). A
detection that came *before* that first report is counted as **ahead**: the
estimate already showed the new room, from a burst that straddled the move or
from an earlier mistake that the move made right. Only changes after which the
badge was heard again are split (a badge that left for good has no next report:
its evidence is the silence).

A detection can also be **pre-empted**: at the last step before the change the
estimate already showed the new room, a mistake (the badge was still in the old
room) that the move then made right, such as a badge queueing at the door of a
hall shown in the hall. It counts as detected at the first step after the change
(unless the estimate left the room meanwhile) in the median and p95 above, which
rewards a method for that mistake. ``eval --delays`` therefore also prints
the share of pre-empted changes (and, per method, the moves pre-empted most
often) and the detection median and p95 over the others: the conditional
detection delay of change-point detection (delay given no alarm before the
change; the alarm before it is charged as a flap).

With report times it also prints the **evidence floor**: the median delay of
the first step at or after the badge's first report following each change
(after the change itself when the badge was not heard again). A detection that
was neither pre-empted nor ahead of that report is never sooner than its floor,
so no method that waits for evidence of the move can have a lower median (or
p95, printed too); a method at or below the floor gets there by showing moves
before they are heard.

Every score also counts its (true room, estimated room) badge-steps;
``confusion_table`` (``eval --confusion``) prints where each true room went,
and the flaps counted by (true room, estimate before, estimate after).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from iotedge.presence.io import Report, Truth
from iotedge.presence.replay import Step

NONE = "none"
K = TypeVar("K", str, tuple[str, str], tuple[str, str, str])
ECE_BINS = 10


@dataclass
class Score:
    """Raw counts, so scores of several runs can be pooled with :meth:`merge`."""

    method: str
    correct: int = 0
    total: int = 0
    flaps: int = 0
    changes: int = 0
    present_seconds: float = 0.0
    abs_error: float = 0.0
    true_count: float = 0.0
    delays: list[float] = field(default_factory=list)
    # delay decomposition (only with report times): waits for the first report
    # after a change, reactions after it, detections ahead of it
    waits: list[float] = field(default_factory=list)
    reactions: list[float] = field(default_factory=list)
    ahead: int = 0
    # per counted change, the earliest step that could show it from evidence of
    # the move (only with report times): see ``_floor``
    floors: list[float] = field(default_factory=list)
    # changes the estimate showed a step before they happened, and the delays of
    # the other changes (always computed)
    preempted: int = 0
    fresh_delays: list[float] = field(default_factory=list)
    # (room before, room after) -> pre-empted changes
    preempted_moves: dict[tuple[str, str], int] = field(default_factory=dict)
    # (true room, estimated room) -> badge-steps, for ``confusion_table``
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)
    # (true room, estimate before, estimate after) -> flaps, for ``confusion_table``
    flap_moves: dict[tuple[str, str, str], int] = field(default_factory=dict)
    bin_conf: list[float] = field(default_factory=lambda: [0.0] * ECE_BINS)
    bin_correct: list[float] = field(default_factory=lambda: [0.0] * ECE_BINS)
    bin_n: list[int] = field(default_factory=lambda: [0] * ECE_BINS)

    def merge(self, other: Score) -> None:
        self.correct += other.correct
        self.total += other.total
        self.flaps += other.flaps
        self.changes += other.changes
        self.present_seconds += other.present_seconds
        self.abs_error += other.abs_error
        self.true_count += other.true_count
        self.delays.extend(other.delays)
        self.waits.extend(other.waits)
        self.reactions.extend(other.reactions)
        self.ahead += other.ahead
        self.floors.extend(other.floors)
        self.preempted += other.preempted
        self.fresh_delays.extend(other.fresh_delays)
        _add_counts(self.preempted_moves, other.preempted_moves)
        _add_counts(self.confusion, other.confusion)
        _add_counts(self.flap_moves, other.flap_moves)
        for i in range(ECE_BINS):
            self.bin_conf[i] += other.bin_conf[i]
            self.bin_correct[i] += other.bin_correct[i]
            self.bin_n[i] += other.bin_n[i]

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else math.nan

    @property
    def flaps_per_badge_hour(self) -> float:
        hours = self.present_seconds / 3600.0
        return self.flaps / hours if hours else math.nan

    @property
    def changes_per_badge_hour(self) -> float:
        hours = self.present_seconds / 3600.0
        return self.changes / hours if hours else math.nan

    @property
    def wape(self) -> float:
        return self.abs_error / self.true_count if self.true_count else math.nan

    def delay_quantile(self, q: float) -> float:
        """Nearest-rank quantile of detection delays (seconds; inf = never)."""
        return _quantile(self.delays, q)

    @property
    def detected(self) -> float:
        if not self.delays:
            return math.nan
        return sum(1 for d in self.delays if d != math.inf) / len(self.delays)

    @property
    def ece(self) -> float:
        n = sum(self.bin_n)
        if not n:
            return math.nan
        err = 0.0
        for i in range(ECE_BINS):
            if self.bin_n[i]:
                gap = abs(self.bin_conf[i] - self.bin_correct[i]) / self.bin_n[i]
                err += gap * self.bin_n[i] / n
        return err


class Evaluator:
    """Consumes one estimator's steps and scores them against the truth."""

    def __init__(
        self,
        method: str,
        truth: Truth,
        step: float,
        period: float = 60.0,
        dwell: float = 3.0,
        heard: dict[str, list[float]] | None = None,
    ) -> None:
        self.truth = truth
        # per badge, the sorted times of its reports (for the delay decomposition)
        self.heard = heard
        self.step = step
        self.period = period
        self.dwell = dwell
        self.score = Score(method)
        self._badges = truth.badges()
        self._first, self._last = truth.span()
        self._rooms: set[str] = set()
        for seq in truth.rooms.values():
            self._rooms.update(seq)
        self._rooms.discard(NONE)
        self._prev_est: dict[str, str] = {}
        self._prev_truth: dict[str, str] = {}
        # per badge: the true room a detection is still due for (None: none due)
        self._pending: dict[str, str | None] = {}
        # per badge: (step time, estimate) for the detection metric
        self._history: dict[str, list[tuple[float, str]]] = {b: [] for b in self._badges}

    def add(self, st: Step) -> None:
        second = math.floor(st.ts)
        if second < self._first or second > self._last:
            return
        sc = self.score
        rows = {badge: (room, conf) for badge, room, conf in st.rows}
        true_occ: dict[str, int] = {}
        for badge in self._badges:
            true_room = self.truth.room(badge, second)
            est, conf = rows.get(badge, (NONE, 1.0))
            ok = est == true_room
            sc.total += 1
            sc.correct += ok
            pair = (true_room, est)
            sc.confusion[pair] = sc.confusion.get(pair, 0) + 1
            k = min(int(conf * ECE_BINS), ECE_BINS - 1)
            sc.bin_n[k] += 1
            sc.bin_conf[k] += conf
            sc.bin_correct[k] += ok
            if true_room != NONE:
                sc.present_seconds += self.step
                true_occ[true_room] = true_occ.get(true_room, 0) + 1
            prev = self._prev_est.get(badge)
            prev_truth = self._prev_truth.get(badge)
            if prev_truth is not None and prev_truth != true_room:
                # a true move (or arrival, or departure): its detection is due,
                # unless the estimate already shows the new room
                self._pending[badge] = None if est == prev == true_room else true_room
            if prev is not None and est != prev:
                if ok and self._pending.get(badge) == true_room:
                    self._pending[badge] = None  # the detection of the move
                else:
                    sc.changes += 1
                    if prev_truth == true_room and not ok:
                        sc.flaps += 1
                        key = (true_room, prev, est)
                        sc.flap_moves[key] = sc.flap_moves.get(key, 0) + 1
            self._prev_est[badge] = est
            self._prev_truth[badge] = true_room
            self._history[badge].append((st.ts, est))
        for room in self._rooms | set(st.occupancy):
            if room == NONE:
                continue
            truth_n = true_occ.get(room, 0)
            sc.abs_error += abs(st.occupancy.get(room, 0.0) - truth_n)
            sc.true_count += truth_n

    def finish(self) -> Score:
        """Compute the detection delays (needs the whole run) and return the score."""
        min_stay = self.dwell * self.period
        for badge in self._badges:
            seq = self.truth.rooms[badge]
            start = self.truth.start[badge]
            history = self._history[badge]
            heard = None if self.heard is None else self.heard.get(badge, [])
            step_times = [ts for ts, _ in history] if heard is not None else []
            # segments of constant true room: (first second, last second, room)
            segments = []
            seg_start = 0
            for i in range(1, len(seq) + 1):
                if i == len(seq) or seq[i] != seq[seg_start]:
                    segments.append((start + seg_start, start + i - 1, seq[seg_start]))
                    seg_start = i
            j = 0
            for k in range(1, len(segments)):
                t0, t1, room = segments[k]
                if t1 - t0 + 1 < min_stay:
                    continue
                while j < len(history) and history[j][0] < t0:
                    j += 1
                delay = math.inf
                i = j
                while i < len(history) and history[i][0] <= t1:
                    if history[i][1] == room:
                        delay = history[i][0] - t0
                        break
                    i += 1
                if history and history[-1][0] < t1 and delay == math.inf:
                    continue  # the replay ended before we could know
                self.score.delays.append(delay)
                if j > 0 and history[j - 1][1] == room:
                    self.score.preempted += 1  # shown a step before the move
                    pair = (segments[k - 1][2], room)
                    moves = self.score.preempted_moves
                    moves[pair] = moves.get(pair, 0) + 1
                else:
                    self.score.fresh_delays.append(delay)
                if heard is not None:
                    i = bisect_left(heard, t0)
                    first = heard[i] if i < len(heard) else None
                    self._split(first, t0, delay)
                    self.score.floors.append(_floor(first, t0, step_times))
        return self.score

    def _split(self, first: float | None, t0: int, delay: float) -> None:
        """Split one detection delay into the wait for the badge's first report
        at or after the change (``first``, None if never heard again) and the
        reaction after it."""
        if first is None:
            return  # never heard again: nothing to split
        wait = first - t0
        sc = self.score
        sc.waits.append(wait)
        if delay == math.inf:
            return
        if delay < wait:
            sc.ahead += 1
        else:
            sc.reactions.append(delay - wait)


def _floor(first: float | None, t0: int, step_times: list[float]) -> float:
    """The delay of the first step at or after the badge's first report at or
    after the change (after the change itself when it was not heard again): no
    estimate that waits for evidence of the move can show it sooner."""
    k = bisect_left(step_times, t0 if first is None else first)
    return step_times[k] - t0 if k < len(step_times) else math.inf


def report_times(reports: Iterable[Report], into: dict[str, list[float]]) -> Iterator[Report]:
    """Pass reports through unchanged, noting each badge's report times in
    ``into`` (sorted and without repeats once the iteration ends), for
    :func:`evaluate`'s ``heard``."""
    for rep in reports:
        times = into.get(rep.badge)
        if times is None:
            into[rep.badge] = [rep.ts]
        elif rep.ts != times[-1]:  # the same advert heard by several gateways
            times.append(rep.ts)
        yield rep
    for badge, times in into.items():
        times.sort()
        into[badge] = [t for i, t in enumerate(times) if i == 0 or t != times[i - 1]]


def evaluate(
    truth: Truth,
    methods: list[str],
    steps: Iterable[list[Step]],
    step: float,
    period: float = 60.0,
    heard: dict[str, list[float]] | None = None,
) -> list[Score]:
    """Score each method's steps. ``heard`` (filled by :func:`report_times` while
    the steps are produced) adds the delay decomposition."""
    evaluators = [Evaluator(m, truth, step, period, heard=heard) for m in methods]
    for per_method in steps:
        for ev, st in zip(evaluators, per_method, strict=True):
            ev.add(st)
    return [ev.finish() for ev in evaluators]


def delay_table(scores: list[Score], period: float = 60.0, title: str = "", top: int = 4) -> str:
    """A Markdown table of the delay decomposition, one row per method, then a
    line per method with its ``top`` most frequent pre-empted moves."""
    header = (
        "| method | changes heard again | ahead of the first report | wait median (periods) "
        "| reaction median (s) | reaction p95 (s) | pre-empted "
        "| detect median, not pre-empted (periods) | detect p95, not pre-empted (periods) "
        "| evidence floor, median (periods) | evidence floor, p95 (periods) |"
    )
    rows = []
    for s in scores:
        n = len(s.waits)
        ahead = 100 * s.ahead / n if n else math.nan
        counted = len(s.delays)
        pre = 100 * s.preempted / counted if counted else math.nan
        rows.append(
            f"| {s.method} | {n} | {_fmt(ahead, 1)} % "
            f"| {_fmt(_quantile(s.waits, 0.5) / period, 2)} "
            f"| {_fmt(_quantile(s.reactions, 0.5), 1)} | {_fmt(_quantile(s.reactions, 0.95), 1)} "
            f"| {_fmt(pre, 1)} % | {_fmt(_quantile(s.fresh_delays, 0.5) / period, 2)} "
            f"| {_fmt(_quantile(s.fresh_delays, 0.95) / period, 2)} "
            f"| {_fmt(_quantile(s.floors, 0.5) / period, 2)} "
            f"| {_fmt(_quantile(s.floors, 0.95) / period, 2)} |"
        )
    lines = [_markdown(title, header, rows), ""]
    for s in scores:
        moves = _most_frequent(s.preempted_moves, top, lambda m: f"{m[0]} -> {m[1]}")
        lines.append(f"pre-empted moves, {s.method}: {moves}")
    return "\n".join(lines)


def confusion_table(score: Score, top: int = 4, title: str = "") -> str:
    """A Markdown table of where one method put each true room's badge-steps:
    per true room, its badge-steps, the share estimated right and the ``top``
    most frequent wrong estimates with their counts; then a line with its ``top``
    most frequent flaps, as ``before -> after in true room count``."""
    header = "| true room | badge-steps | estimated right | most frequent wrong estimates |"
    by_truth: dict[str, dict[str, int]] = {}
    for (true_room, est), count in score.confusion.items():
        by_truth.setdefault(true_room, {})[est] = count
    rows = []
    for true_room in sorted(by_truth):
        row = by_truth[true_room]
        n = sum(row.values())
        right = row.get(true_room, 0)
        wrong = {est: count for est, count in row.items() if est != true_room}
        shown = _most_frequent(wrong, top, str)
        rows.append(f"| {true_room} | {n} | {_fmt(100 * right / n, 1)} % | {shown} |")
    flaps = _most_frequent(score.flap_moves, top, lambda f: f"{f[1]} -> {f[2]} in {f[0]}")
    return _markdown(title or score.method, header, rows) + f"\n\nflaps: {flaps}"


def _add_counts(into: dict[K, int], counts: dict[K, int]) -> None:
    """Add ``counts`` into ``into``, key by key (pooling runs)."""
    for key, count in counts.items():
        into[key] = into.get(key, 0) + count


def _most_frequent(counts: dict[K, int], top: int, label: Callable[[K], str]) -> str:
    """The ``top`` most frequent keys as ``label(key) count``, most frequent first
    (ties in key order), comma-separated; ``-`` when there are none."""
    ordered = sorted((-count, key) for key, count in counts.items())
    return ", ".join(f"{label(key)} {-neg}" for neg, key in ordered[:top]) or "-"


def _markdown(title: str, header: str, rows: list[str]) -> str:
    """A Markdown table (numbers right-aligned), under a bold title if given."""
    lines = [f"**{title}**", ""] if title else []
    lines.append(header)
    lines.append("|---" + "|---:" * (header.count("|") - 2) + "|")
    lines.extend(rows)
    return "\n".join(lines)


def _quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile (nan when empty)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def _fmt(value: float, digits: int) -> str:
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "never"
    return f"{value:.{digits}f}"


def table(scores: list[Score], period: float = 60.0, title: str = "") -> str:
    """A Markdown table of the scores, one row per method."""
    header = (
        "| method | room accuracy | flaps / badge-h | changes / badge-h | occupancy WAPE "
        "| detect median (periods) | detect p95 (periods) | detected | ECE |"
    )
    rows = []
    for s in scores:
        rows.append(
            f"| {s.method} | {_fmt(100 * s.accuracy, 2)} % | {_fmt(s.flaps_per_badge_hour, 2)} "
            f"| {_fmt(s.changes_per_badge_hour, 2)} "
            f"| {_fmt(100 * s.wape, 2)} % | {_fmt(s.delay_quantile(0.5) / period, 2)} "
            f"| {_fmt(s.delay_quantile(0.95) / period, 2)} | {_fmt(100 * s.detected, 1)} % "
            f"| {_fmt(s.ece, 3)} |"
        )
    return _markdown(title, header, rows)
