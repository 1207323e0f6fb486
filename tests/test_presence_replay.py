"""Batch replay and evaluation: causality, file formats, metrics by hand."""

from __future__ import annotations

import io
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.core.errors import PresenceError
from iotedge.core.presence_venue import Venue
from iotedge.presence.eval import (
    Evaluator,
    Score,
    confusion_table,
    delay_table,
    report_times,
    table,
)
from iotedge.presence.io import Report, Truth
from iotedge.presence.replay import METHODS, Step, make_estimator, replay, run
from iotedge.presence.synthetic import generate

DATA = generate(seed=11, badges=5, duration=900)
VENUE = Venue(DATA.venue)
REPORTS = [Report(*r) for r in DATA.reports]


def _rows(reports: list[Report], method: str = "hmm", lag: float = 0.0) -> list[str]:
    out = io.StringIO()
    occ = io.StringIO()
    replay(VENUE, reports, out, occ, step=5.0, method=method, lag=lag)
    return out.getvalue().splitlines() + occ.getvalue().splitlines()


def test_replay_writes_the_documented_columns() -> None:
    out = io.StringIO()
    occ = io.StringIO()
    n = replay(VENUE, REPORTS, out, occ, step=5.0)
    est_lines = out.getvalue().splitlines()
    occ_lines = occ.getvalue().splitlines()
    assert est_lines[0] == "ts,badge,room,confidence"
    assert occ_lines[0] == "ts,room,occupancy"
    assert n == len(est_lines) - 1
    first_ts = math.ceil(REPORTS[0].ts / 5.0) * 5
    steps = {line.split(",")[0] for line in est_lines[1:]}
    assert min(int(s) for s in steps) == first_ts
    assert max(int(s) for s in steps) <= REPORTS[-1].ts
    for line in est_lines[1:]:
        ts, _badge, room, conf = line.split(",")
        assert int(ts) % 5 == 0
        assert room in VENUE.rooms or room == "none"
        assert 0.0 <= float(conf) <= 1.0
    # every step lists every room once
    per_step = len(occ_lines[1:]) / len(steps)
    assert per_step == VENUE.n_rooms
    # a badge appears from its first report on, and then at every step
    first_seen = min(r.ts for r in REPORTS if r.badge == "badge-3")
    rows_b3 = [line for line in est_lines[1:] if line.split(",")[1] == "badge-3"]
    assert int(rows_b3[0].split(",")[0]) >= first_seen
    assert len(rows_b3) == len([s for s in steps if int(s) >= first_seen])


@settings(max_examples=8, deadline=None)
@given(st.integers(min_value=50, max_value=len(REPORTS) - 50), st.sampled_from(list(METHODS)))
def test_causal_replay_appending_future_reports_never_changes_earlier_rows(
    cut: int, method: str
) -> None:
    prefix = REPORTS[:cut]
    last = prefix[-1].ts
    short = _rows(prefix, method)
    full = _rows(REPORTS, method)
    short_rows = [r for r in short if r[0].isdigit()]
    full_rows = [r for r in full if r[0].isdigit() and float(r.split(",")[0]) <= last]
    assert short_rows == full_rows


def test_lag_replay_uses_reports_up_to_t_plus_lag_only() -> None:
    lag = 60.0
    cut = len(REPORTS) // 2
    prefix = REPORTS[:cut]
    horizon = prefix[-1].ts - lag
    short = [r for r in _rows(prefix, lag=lag) if r[0].isdigit()]
    full = [r for r in _rows(REPORTS, lag=lag) if r[0].isdigit()]
    keep_short = [r for r in short if float(r.split(",")[0]) < horizon]
    keep_full = [r for r in full if float(r.split(",")[0]) < horizon]
    assert keep_short and keep_short == keep_full


def test_lag_is_only_for_our_estimator() -> None:
    with pytest.raises(PresenceError):
        make_estimator("strongest", VENUE, lag=10.0)
    with pytest.raises(PresenceError):
        make_estimator("nearest-neighbour", VENUE)


def test_run_feeds_every_method_the_same_steps() -> None:
    ests = [make_estimator(m, VENUE) for m in METHODS]
    steps = list(run(VENUE, REPORTS, ests, step=10.0))
    assert all(len(s) == len(METHODS) for s in steps)
    assert all(len({st.ts for st in s}) == 1 for s in steps)


def _truth(rooms: dict[str, list[str]]) -> Truth:
    truth = Truth()
    for badge, seq in rooms.items():
        for second, room in enumerate(seq):
            truth.add(second, badge, room)
    return truth


def test_metrics_by_hand() -> None:
    # One badge, 40 s in a then 80 s in b; steps every 10 s; burst period 20 s.
    truth = _truth({"x": ["a"] * 40 + ["b"] * 80})
    ev = Evaluator("m", truth, step=10.0, period=20.0, dwell=3.0)
    estimates = ["a", "b", "a", "a", "a", "a", "b", "b", "b", "b", "b", "b"]
    for k, room in enumerate(estimates):
        occ = {"a": 1.0 if room == "a" else 0.0, "b": 1.0 if room == "b" else 0.0}
        ev.add(Step(float(10 * k), [("x", room, 0.8)], occ))
    score = ev.finish()
    assert score.total == 12
    assert score.correct == 9  # wrong at 10 s (b), 40 s and 50 s (still a)
    assert score.flaps == 1  # a -> b at 10 s while truth stayed a (a -> a at 20 s is a fix)
    # the literal count: a -> b at 10 s and b -> a at 20 s; a -> b at 60 s detects the move
    assert score.changes == 2
    assert score.present_seconds == 120.0
    # the change to b at 40 s is detected at 60 s: 20 s = one burst period
    assert score.delays == [20.0]
    # occupancy: each wrong step costs |1-0| in two rooms
    assert math.isclose(score.wape, 6.0 / 12.0)
    # all confidences 0.8, accuracy 0.75 -> ECE 0.05
    assert math.isclose(score.ece, 0.05)
    text = table([score], period=20.0)
    assert "| m | 75.00 % | 30.00 | 60.00 | 50.00 % |" in text
    # where each true room's steps went
    assert score.confusion == {("a", "a"): 3, ("a", "b"): 1, ("b", "a"): 2, ("b", "b"): 6}
    text = confusion_table(score)
    assert "| a | 4 | 75.0 % | b 1 |" in text and "| b | 8 | 75.0 % | a 2 |" in text
    # the one flap, by true room and estimates: a -> b while in a
    assert score.flap_moves == {("a", "a", "b"): 1}
    assert text.endswith("\n\nflaps: a -> b in a 1")


def test_delay_split_into_wait_and_reaction_by_hand() -> None:
    # Three badges move a -> b at 40 s and stay 61 s; steps every 10 s. x's next
    # report is at 52 s and the estimate shows b from 60 s: a 12 s wait, 8 s of
    # reaction. y's estimate already showed b at 40 s (ahead of its report at
    # 45 s). z is never detected: its wait counts, no reaction does.
    truth = _truth({n: ["a"] * 40 + ["b"] * 61 for n in "xyz"})
    heard: dict[str, list[float]] = {}
    reports = [Report(t, "g", n, -60) for n, t in (("x", 52.0), ("x", 30.0), ("y", 45.0))]
    reports += [Report(70.5, "g", "z", -60), Report(52.0, "g", "x", -70)]
    passed = list(report_times(iter(reports), heard))
    assert passed == reports  # handed through unchanged, in order
    assert heard == {"x": [30.0, 52.0], "y": [45.0], "z": [70.5]}
    ev = Evaluator("m", truth, step=10.0, period=20.0, dwell=3.0, heard=heard)
    xs = ["a"] * 6 + ["b"] * 5
    ys = ["a"] * 4 + ["b"] * 7
    for k in range(11):
        rows = [("x", xs[k], 0.9), ("y", ys[k], 0.9), ("z", "a", 0.9)]
        ev.add(Step(float(10 * k), rows, {}))
    score = ev.finish()
    assert sorted(score.delays) == [0.0, 20.0, math.inf]
    assert sorted(score.waits) == [5.0, 12.0, 30.5]
    assert score.reactions == [8.0]
    assert score.ahead == 1
    text = delay_table([score], period=20.0)
    # nobody's estimate showed b at 30 s, the step before the move: none pre-empted
    assert score.preempted == 0 and score.fresh_delays == score.delays
    # the earliest steps the evidence allowed: 60 s for x (report at 52), 50 s
    # for y (45), 80 s for z (70.5); their median, 20 s, is one period, their
    # p95 (nearest rank: the largest of three) two
    assert sorted(score.floors) == [10.0, 20.0, 40.0]
    assert "| m | 3 | 33.3 % | 0.60 | 8.0 | 8.0 | 0.0 % | 1.00 | never | 1.00 | 2.00 |" in text
    # without report times there is nothing to split
    plain = Evaluator("m", truth, step=10.0, period=20.0, dwell=3.0)
    for k in range(11):
        plain.add(Step(float(10 * k), [("x", xs[k], 0.9)], {}))
    assert plain.finish().waits == []


def test_preempted_changes_by_hand() -> None:
    # Two badges move a -> b at 40 s and stay 61 s; steps every 10 s. v's estimate
    # showed b from 30 s, while v was still in a (a flap the move made right): the
    # change counts as detected at once, and as pre-empted. w's estimate shows b
    # from 50 s: a fresh detection 10 s late. An estimate wrong at 10 s but right
    # again at 30 s (u) pre-empts nothing.
    truth = _truth({n: ["a"] * 40 + ["b"] * 61 for n in "uvw"})
    ev = Evaluator("m", truth, step=10.0, period=20.0, dwell=3.0)
    us = ["a", "b", "a", "a"] + ["b"] * 7
    vs = ["a"] * 3 + ["b"] * 8
    ws = ["a"] * 5 + ["b"] * 6
    for k in range(11):
        ev.add(Step(float(10 * k), [("u", us[k], 0.9), ("v", vs[k], 0.9), ("w", ws[k], 0.9)], {}))
    score = ev.finish()
    assert sorted(score.delays) == [0.0, 0.0, 10.0]
    assert score.preempted == 1
    assert sorted(score.fresh_delays) == [0.0, 10.0]
    assert score.flaps == 2  # u at 10 s, v at 30 s
    text = delay_table([score], period=20.0)
    # no report times: no split, but the pre-emption columns are there
    assert "| m | 0 | n/a % | n/a | n/a | n/a | 33.3 % | 0.00 | 0.50 | n/a | n/a |" in text
    assert score.preempted_moves == {("a", "b"): 1}
    assert "pre-empted moves, m: a -> b 1" in text
    other = Score(
        "m",
        delays=[5.0, 0.0, 0.0, 0.0],
        preempted=3,
        fresh_delays=[5.0],
        preempted_moves={("c", "d"): 2, ("a", "b"): 1},
    )
    score.merge(other)
    assert score.preempted == 4 and sorted(score.fresh_delays) == [0.0, 5.0, 10.0]
    assert score.preempted_moves == {("a", "b"): 2, ("c", "d"): 2}
    # most frequent first, ties by name; top cuts the list
    assert "pre-empted moves, m: a -> b 2, c -> d 2" in delay_table([score])
    assert "pre-empted moves, m: a -> b 2\n" in delay_table([score], top=1) + "\n"
    assert "pre-empted moves, n: -" in delay_table([Score("n")])


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=5, max_value=40),
    st.lists(st.sampled_from("ab"), min_size=13, max_size=13),
    st.lists(st.floats(min_value=0, max_value=130, allow_nan=False), max_size=8),
)
def test_delay_split_matches_its_definition(
    move: int, estimates: list[str], heard: list[float]
) -> None:
    """One badge moves a -> b at second ``move`` and stays; random estimates every
    10 s and random report times. The split equals the definition: the wait runs
    to the first report at or after the move, a detection before it is ahead, any
    other detection's delay is that wait plus its reaction, and one neither
    pre-empted nor ahead is never sooner than the evidence floor."""
    length = 121  # steps 0..120 cover the whole stay, so a miss counts
    truth = _truth({"x": ["a"] * move + ["b"] * (length - move)})
    times: dict[str, list[float]] = {}
    list(report_times(iter([Report(t, "g", "x", -60) for t in heard]), times))
    ev = Evaluator("m", truth, step=10.0, period=20.0, dwell=3.0, heard=times)
    for k, room in enumerate(estimates):
        ev.add(Step(float(10 * k), [("x", room, 0.9)], {}))
    score = ev.finish()
    assert len(score.delays) == 1  # the one move, stays 3 periods or more
    (delay,) = score.delays
    # pre-empted exactly when the last step before the move already showed b
    before = estimates[(move - 1) // 10]
    assert score.preempted == (before == "b")
    assert score.preempted_moves == ({("a", "b"): 1} if before == "b" else {})
    assert score.fresh_delays == ([] if before == "b" else [delay])
    later = sorted(t for t in heard if t >= move)
    # the evidence floor: the first step at or after the first report after the
    # move (the move itself if none); a detection neither pre-empted nor ahead of
    # that report is never sooner
    first = later[0] if later else move
    (floor,) = score.floors
    assert floor == (math.ceil(first / 10) * 10 - move if first <= 120 else math.inf)
    if before != "b" and (not later or delay >= later[0] - move):
        assert delay >= floor
    if not later:
        assert (score.waits, score.reactions, score.ahead) == ([], [], 0)
        return
    assert score.waits == [later[0] - move]
    if delay == math.inf:
        assert (score.reactions, score.ahead) == ([], 0)
    elif delay < later[0] - move:
        assert (score.reactions, score.ahead) == ([], 1)
    else:
        assert score.ahead == 0
        assert score.reactions == [pytest.approx(delay - (later[0] - move))]


def test_delay_split_and_confusion_pool() -> None:
    a = Score("m", delays=[10.0], waits=[4.0], reactions=[6.0], confusion={("a", "b"): 2})
    b = Score("m", delays=[0.0], waits=[3.0], ahead=1, confusion={("a", "b"): 1, ("b", "b"): 4})
    a.floors = [5.0]
    b.floors = [5.0, math.inf]
    a.flap_moves = {("a", "a", "b"): 2}
    b.flap_moves = {("a", "a", "b"): 1, ("none", "none", "a"): 5}
    a.merge(b)
    assert (a.waits, a.reactions, a.ahead) == ([4.0, 3.0], [6.0], 1)
    assert a.floors == [5.0, 5.0, math.inf]
    assert a.flap_moves == {("a", "a", "b"): 3, ("none", "none", "a"): 5}
    assert confusion_table(a, top=1).endswith("flaps: none -> a in none 5")
    assert confusion_table(Score("m")).endswith("flaps: -")
    assert a.confusion == {("a", "b"): 3, ("b", "b"): 4}
    # the table keeps the most frequent wrong estimates, most frequent first
    c = Score("m", confusion={("a", "a"): 1, ("a", "x"): 1, ("a", "y"): 5, ("a", "z"): 3})
    assert "| a | 10 | 10.0 % | y 5, z 3 |" in confusion_table(c, top=2)
    assert "| a | 1 | 100.0 % | - |" in confusion_table(Score("m", confusion={("a", "a"): 1}))


def test_changes_count_everything_but_detections() -> None:
    # x moves a -> b at 30 s and the estimate detours through c; y enters at 20 s
    # (none -> a), is seen there at once, and flickers to b and back later.
    truth = _truth({"x": ["a"] * 30 + ["b"] * 90, "y": ["none"] * 20 + ["a"] * 100})
    ev = Evaluator("m", truth, step=10.0, period=20.0, dwell=3.0)
    xs = ["a", "a", "a", "c", "b", "b", "b", "b", "b", "b", "b", "b"]
    ys = ["none", "none", "a", "a", "a", "b", "a", "a", "a", "a", "a", "a"]
    for k in range(12):
        ev.add(Step(float(10 * k), [("x", xs[k], 0.9), ("y", ys[k], 0.9)], {}))
    score = ev.finish()
    # x: a -> c at 30 s is a change (not the move's detection) but no flap (the
    # truth changed at that step); c -> b at 40 s is the late detection.
    # y: none -> a at 20 s detects the arrival; a -> b (a flap) and b -> a at
    # 50 s and 60 s are two changes.
    assert score.changes == 3
    assert score.flaps == 1


def test_scores_pool() -> None:
    a = Score("m", correct=3, total=4, flaps=1, present_seconds=3600.0, delays=[10.0])
    b = Score("m", correct=1, total=4, flaps=3, present_seconds=3600.0, delays=[math.inf])
    a.merge(b)
    assert a.accuracy == 0.5
    assert a.flaps_per_badge_hour == 2.0
    assert a.detected == 0.5
    assert a.delay_quantile(0.95) == math.inf
