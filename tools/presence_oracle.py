"""How far the estimator could get if it knew how often people change rooms.

    python tools/presence_oracle.py RUN_DIR [RUN_DIR ...] [--scale 1] [--fastest 120]
                                    [--temper 0.5] [--predicted] [--rates]

An experiment, not a method: it reads the run's ``truth.csv``, which no estimator
may. For each run it replays the reports through

- ``hmm``: our estimator as it ships;
- ``oracle``: the same estimator with move-rate learning off and, before every
  report and every step, its venue-wide move rate set to the true one: the room
  changes of the previous 60 s over the badges inside at both ends, per
  badge-second (at least 0.3 of a change, as a prior would), times ``--scale``
  and at most one move per ``--fastest`` seconds (the shipped bound is 120 s);
  ``--temper`` sets its burst evidence, and ``--predicted`` makes its occupancy
  the posteriors carried forward to the step time instead of as of each
  badge's last burst;
- ``strongest``: the nearest-node baseline,

and prints the eval table for each run and pooled (with ``--rates``, first the
move time ``hmm`` has learned and the true one, every 30 s of each run). If
``oracle`` cannot beat ``strongest`` somewhere, a better-learned move rate cannot
either: what is left there is the evidence, not the stickiness.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from iotedge.core.presence_estimator import PresenceEstimator
from iotedge.core.presence_venue import Venue
from iotedge.presence.eval import evaluate, table
from iotedge.presence.io import Truth, load_venue, read_reports, read_truth
from iotedge.presence.replay import Estimator, Step, make_estimator, run

WINDOW = 60  # seconds of truth the oracle's rate is counted over


def true_rates(truth: Truth) -> dict[int, float]:
    """Second -> true venue-wide move rate (per badge-second) over the minute before."""
    first, last = truth.span()
    badges = truth.badges()
    rates = {}
    for second in range(first, last + 1):
        moves = 0
        inside = 0
        for badge in badges:
            before = truth.room(badge, max(first, second - WINDOW))
            now = truth.room(badge, second)
            if before != "none" and now != "none":
                inside += 1
                moves += before != now
        rates[second] = max(moves, 0.3) / max(inside, 1) / WINDOW
    return rates


def told(rates: dict[int, float], scale: float, fastest: float) -> dict[int, float]:
    """The rates the oracle is told: ``scale`` times the true ones, at most one
    move per ``fastest`` seconds."""
    cap = 1.0 / fastest
    return {second: min(rate * scale, cap) for second, rate in rates.items()}


class OracleRate(PresenceEstimator):
    """The shipped estimator, its move rate told rather than learned."""

    def __init__(
        self, venue: Venue, rates: dict[int, float], predicted: bool, temper: float
    ) -> None:
        super().__init__(venue, learn_moves=False, temper=temper)
        self.rates = rates
        self.predicted = predicted

    def _tell(self, ts: float) -> None:
        rate = self.rates.get(int(ts // 1))
        if rate is not None:
            self.transitions.rate_move = rate

    def update(self, ts: float, gateway: str, badge: str, rssi: int) -> None:
        self._tell(ts)
        super().update(ts, gateway, badge, rssi)

    def advance(self, ts: float) -> None:
        self._tell(ts)
        super().advance(ts)

    def occupancy(self) -> dict[str, tuple[float, float, float]]:
        if not self.predicted:
            return super().occupancy()
        n = self.venue.n_rooms
        totals = [0.0] * n
        for b in self._k.badges.values():
            if b.post is None:
                continue
            post = list(b.post)
            self.transitions.predict(post, self.now - b.t_post)
            for r in range(n):
                totals[r] += post[r]
        return {self.venue.rooms[r]: (totals[r], totals[r], totals[r]) for r in range(n)}


def rate_lines(
    steps: Iterator[list[Step]], rates: dict[int, float], est: Estimator
) -> Iterator[list[Step]]:
    """Pass the steps through, printing every 30 s the move time ``est`` (ours,
    learning) has learned next to the true one."""
    assert isinstance(est, PresenceEstimator)
    for per_method in steps:
        second = int(per_method[0].ts // 1)
        if second % 30 == 0 and second in rates:
            learned = 1.0 / est.transitions.rate_move
            true = 1.0 / rates[second]
            print(f"{second:6d} s  learned move time {learned:6.0f} s  true {true:6.0f} s")
        yield per_method


def steps_of(run_dir: Path, args: argparse.Namespace) -> tuple[Truth, Iterator[list[Step]]]:
    venue = load_venue(run_dir / "venue.json")
    truth = read_truth(run_dir / "truth.csv")
    rates = true_rates(truth)
    ours = make_estimator("hmm", venue)
    oracle = OracleRate(venue, told(rates, args.scale, args.fastest), args.predicted, args.temper)
    estimators = [ours, oracle, make_estimator("strongest", venue)]
    steps = run(venue, read_reports(run_dir / "reports.jsonl"), estimators, step=5.0)
    if args.rates:
        steps = rate_lines(steps, rates, ours)  # the true rate as it is, not as told
    return truth, steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--fastest", type=float, default=120.0)
    parser.add_argument("--temper", type=float, default=0.5)
    parser.add_argument("--predicted", action="store_true")
    parser.add_argument("--rates", action="store_true")
    args = parser.parse_args(argv)
    methods = ["hmm", "oracle", "strongest"]
    pooled = None
    for run_dir in args.runs:
        truth, steps = steps_of(run_dir, args)
        scores = evaluate(truth, methods, steps, 5.0)
        print(table(scores, title=str(run_dir)))
        if pooled is None:
            pooled = scores
        else:
            for into, score in zip(pooled, scores, strict=True):
                into.merge(score)
    if pooled is not None and len(args.runs) > 1:
        print(table(pooled, title=f"all {len(args.runs)} runs pooled"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
