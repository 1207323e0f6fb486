"""``iotedge presence``: replay reports, simulate a venue, evaluate estimators.

iotedge presence replay --venue V --reports R --out estimates.csv
                        [--occupancy occ.csv] [--step 5] [--method SPEC] [--lag S]
iotedge presence simulate --scenario NAME --seed N --out DIR [--duration S]
iotedge presence eval DIR [DIR ...] [--methods hmm,strongest,threshold] [--delays]
                     [--confusion]

A method SPEC is a name with optional settings, ``hmm[temper=0.6,move_memory=60]``
(iotedge.presence.methods); ``--methods`` takes several, so one run can compare
settings side by side: ``--methods "hmm,hmm[temper=0.6],strongest"``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from iotedge.core.errors import PresenceError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "presence",
        help="room presence from RSSI reports: replay, simulate, eval",
        description="Estimate which room each badge is in from gateway RSSI reports.",
    )
    sub = parser.add_subparsers(dest="presence_command", metavar="ACTION")
    sub.required = True

    rp = sub.add_parser("replay", help="replay recorded reports into estimates.csv")
    rp.add_argument("--venue", required=True, help="venue JSON")
    rp.add_argument("--reports", required=True, help="reports, JSON Lines or CSV")
    rp.add_argument("--out", required=True, help="estimates CSV to write")
    rp.add_argument("--occupancy", help="occupancy CSV to write")
    rp.add_argument("--step", type=float, default=5.0, help="seconds between rows (5)")
    rp.add_argument(
        "--method",
        default="hmm",
        help="hmm (ours), strongest or threshold, optionally with settings: hmm[temper=0.6]",
    )
    rp.add_argument(
        "--lag", type=float, default=0.0, help="fixed-lag smoothing in seconds (hmm only)"
    )
    rp.set_defaults(func=_replay)

    sp = sub.add_parser("simulate", help="write a simulated venue, reports and truth")
    sp.add_argument("--scenario", required=True, help="scenario name (see iotedge.sim)")
    sp.add_argument("--seed", type=int, required=True)
    sp.add_argument("--out", required=True, help="directory to write")
    sp.add_argument("--duration", type=int, help="seconds to simulate (scenario default)")
    sp.add_argument("--badges", type=int, help="number of badges (scenario default)")
    sp.set_defaults(func=_simulate)

    ep = sub.add_parser("eval", help="score every method on simulated directories")
    ep.add_argument("dirs", nargs="+", help="directories written by 'presence simulate'")
    ep.add_argument(
        "--methods",
        default="hmm,strongest,threshold",
        help="comma-separated method specs, e.g. hmm,hmm[temper=0.6],strongest",
    )
    ep.add_argument("--step", type=float, default=5.0)
    ep.add_argument("--period", type=float, default=60.0, help="burst period, seconds (60)")
    ep.add_argument(
        "--delays",
        action="store_true",
        help="also split detection delays into the wait for the badge's next report"
        " and the reaction after it",
    )
    ep.add_argument(
        "--confusion",
        action="store_true",
        help="also print, per method, where each true room's badge-steps were estimated",
    )
    ep.set_defaults(func=_eval)


def _replay(args: argparse.Namespace) -> int:
    from iotedge.presence.io import load_venue, read_reports
    from iotedge.presence.replay import replay

    venue = load_venue(args.venue)
    out = Path(args.out)
    occ_path = Path(args.occupancy) if args.occupancy else None
    with out.open("w", encoding="utf-8", newline="") as est:
        occ = occ_path.open("w", encoding="utf-8", newline="") if occ_path else None
        try:
            rows = replay(
                venue,
                read_reports(args.reports),
                est,
                occ,
                step=args.step,
                method=args.method,
                lag=args.lag,
            )
        finally:
            if occ is not None:
                occ.close()
    print(f"wrote {rows} rows to {out}" + (f" and {occ_path}" if occ_path else ""))
    return 0


def _simulate(args: argparse.Namespace) -> int:
    try:
        from iotedge.sim.export import write_scenario
    except ImportError as exc:  # pragma: no cover - the simulator ships with the package
        raise PresenceError("no-simulator", str(exc)) from exc
    overrides = {}
    if args.duration is not None:
        overrides["duration"] = args.duration
    if args.badges is not None:
        overrides["badges"] = args.badges
    out = Path(args.out)
    write_scenario(args.scenario, args.seed, out, **overrides)
    print(f"wrote {out / 'venue.json'}, {out / 'reports.jsonl'}, {out / 'truth.csv'}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from iotedge.presence.eval import (
        Score,
        confusion_table,
        delay_table,
        evaluate,
        report_times,
        table,
    )
    from iotedge.presence.io import load_venue, read_reports, read_truth
    from iotedge.presence.methods import parse_method, split_top_level
    from iotedge.presence.replay import make_estimator, run

    methods = split_top_level(args.methods)
    if not methods:
        raise PresenceError("bad-method", "no methods given")
    for spec in methods:
        parse_method(spec)  # a typo fails here, before the first directory is read
    if len(set(methods)) != len(methods):
        raise PresenceError("bad-method", f"a method is listed twice in {args.methods!r}")
    pooled: list[Score] = []
    for d in args.dirs:
        path = Path(d)
        started = time.perf_counter()
        venue = load_venue(path / "venue.json")
        truth = read_truth(path / "truth.csv")
        estimators = [make_estimator(m, venue) for m in methods]
        reports = read_reports(path / "reports.jsonl")
        heard: dict[str, list[float]] | None = {} if args.delays else None
        if heard is not None:
            reports = report_times(reports, heard)
        steps = run(venue, reports, estimators, step=args.step)
        scores = evaluate(truth, methods, steps, args.step, args.period, heard=heard)
        took = time.perf_counter() - started
        print(table(scores, args.period, title=f"{path} ({took:.0f} s)"))
        print()
        if heard is not None:
            print(delay_table(scores, args.period))
            print()
        if args.confusion:
            for s in scores:
                print(confusion_table(s))
                print()
        sys.stdout.flush()
        if not pooled:
            pooled = [Score(s.method) for s in scores]
        for total, s in zip(pooled, scores, strict=True):
            total.merge(s)
    if len(args.dirs) > 1:
        print(table(pooled, args.period, title=f"all {len(args.dirs)} runs pooled"))
        if args.delays:
            print()
            print(delay_table(pooled, args.period))
        if args.confusion:
            for s in pooled:
                print()
                print(confusion_table(s, title=f"{s.method}, all {len(args.dirs)} runs pooled"))
    return 0
