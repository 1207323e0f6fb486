"""Our estimator against strongest-gateway (Home Assistant rules) on every scenario.

An hour of each named scenario with 60 badges (the venue, gateways and schedule of the
full 300-badge runs in docs/presence.md), seed 1: ours must be strictly better on room
accuracy, flaps, occupancy WAPE and calibration. The full-size, several-seed tables
are in docs/presence.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iotedge.presence.eval import Score, evaluate
from iotedge.presence.io import load_venue, read_reports, read_truth
from iotedge.presence.replay import make_estimator, run
from iotedge.sim.export import write_scenario


@pytest.mark.parametrize("scenario", ["conference", "low-gateways", "gateway-down", "packed-hall"])
def test_hmm_beats_strongest_gateway(scenario: str, tmp_path: Path) -> None:
    write_scenario(scenario, 1, tmp_path, badges=60, duration=3600)
    venue = load_venue(tmp_path / "venue.json")
    methods = ["hmm", "strongest"]
    estimators = [make_estimator(m, venue) for m in methods]
    steps = run(venue, read_reports(tmp_path / "reports.jsonl"), estimators, step=5.0)
    ours, strongest = evaluate(read_truth(tmp_path / "truth.csv"), methods, steps, 5.0)
    assert ours.accuracy > strongest.accuracy
    assert ours.flaps_per_badge_hour < strongest.flaps_per_badge_hour
    assert ours.wape < strongest.wape
    assert ours.ece < strongest.ece
    # The bars hold on all four hour-long runs: accuracy >= 95 % (97.7-98.4 %)
    # and flaps <= 0.5 per badge-hour (0.12-0.35; strongest-gateway has 6.9-8.8).
    assert ours.accuracy >= 0.95
    assert ours.flaps_per_badge_hour <= 0.5


def test_continuous_mode_counts_a_period_of_windows_as_one_burst(tmp_path: Path) -> None:
    """1 Hz adverts, cut into 5 s windows: twelve windows a minute share shadowing and
    body loss, so each carries a twelfth of a burst's evidence. Counted as independent
    they made the HMM flap (1.36 per badge-hour on this run); weighted, the issue's
    bars hold, detection included. A window whose readings changed (the badge
    walked) weighs up to novelty_weight: against the same estimator without that
    (novelty_weight=0) moves show sooner, median and p95 (0.13 and 0.25 periods
    against 0.35 and 0.75 on this run), and accuracy and WAPE are better, with the
    flaps still under the bar (4 against 3 in 50 badge-hours). A badge heard for
    the first time starts arrival_none (0.9) in none: against an even prior
    (arrival_none=0.5) fewer arrivals heard from outside are shown inside before
    the badge walks in (flaps while truly in none: 2 against 7)."""
    write_scenario("continuous", 2, tmp_path, badges=60, duration=3600)
    venue = load_venue(tmp_path / "venue.json")
    methods = ["hmm", "strongest", "hmm[novelty_weight=0]", "hmm[arrival_none=0.5]"]
    estimators = [
        make_estimator("hmm", venue),
        make_estimator("strongest", venue),
        make_estimator("hmm", venue, settings={"novelty_weight": 0.0}),
        make_estimator("hmm", venue, settings={"arrival_none": 0.5}),
    ]
    steps = run(venue, read_reports(tmp_path / "reports.jsonl"), estimators, step=5.0)
    truth = read_truth(tmp_path / "truth.csv")
    ours, strongest, flat, even = evaluate(truth, methods, steps, 5.0)
    assert ours.flaps_per_badge_hour <= 0.5
    assert ours.accuracy >= 0.95 and ours.accuracy > strongest.accuracy
    assert ours.wape <= 0.07 and ours.wape < strongest.wape
    assert ours.delay_quantile(0.5) <= 60.0 and ours.delay_quantile(0.95) <= 120.0
    assert ours.delay_quantile(0.5) < flat.delay_quantile(0.5)
    assert ours.delay_quantile(0.95) < flat.delay_quantile(0.95)
    assert ours.accuracy > flat.accuracy and ours.wape < flat.wape
    assert flat.flaps_per_badge_hour <= 0.5

    def arrival_flaps(score: Score) -> int:
        return sum(n for (true_room, _, _), n in score.flap_moves.items() if true_room == "none")

    assert arrival_flaps(ours) < arrival_flaps(even)
    assert ours.flaps_per_badge_hour < even.flaps_per_badge_hour
