"""``python -m iotedge.sim``: write a scenario's files, or list the scenarios.

    python -m iotedge.sim conference --seed 1 --out /tmp/conf
    python -m iotedge.sim small --seed 3 --out /tmp/small --format both --set fading_db=0
    python -m iotedge.sim --list

``iotedge presence simulate`` writes the same files; this entry point exists so the
simulator can be used and benchmarked on its own.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from iotedge.core.errors import IotEdgeError, SimulationError
from iotedge.sim.config import SimConfig
from iotedge.sim.export import REPORT_FORMATS, export_simulation
from iotedge.sim.scenarios import SCENARIOS, build_scenario, scenario_config


def parse_override(text: str) -> tuple[str, Any]:
    """``key=value`` with the value read as a Python literal typed like the default."""
    key, sep, raw = text.partition("=")
    fields = {f.name: f for f in dataclasses.fields(SimConfig)}
    if not sep or key not in fields:
        raise SimulationError("unknown-parameter", f"--set {text!r}: expected KEY=VALUE")
    default = getattr(SimConfig(), key)
    try:
        value: Any = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    if isinstance(default, float) and isinstance(value, int):
        value = float(value)
    if isinstance(default, tuple) and isinstance(value, list):
        value = tuple(value)
    if type(value) is not type(default):
        raise SimulationError("bad-parameter", f"--set {key}: expected {type(default).__name__}")
    return key, value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m iotedge.sim", description=__doc__)
    parser.add_argument("scenario", nargs="?", choices=SCENARIOS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="directory for the files")
    parser.add_argument("--format", choices=REPORT_FORMATS, default="jsonl")
    parser.add_argument("--duration", type=int, help="seconds")
    parser.add_argument("--badges", type=int)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--list", action="store_true", help="list scenarios and exit")
    args = parser.parse_args(argv)
    try:
        if args.list:
            for name in SCENARIOS:
                cfg = scenario_config(name)
                print(
                    f"{name:14s} {cfg.badges} badges, {cfg.gateways} gateways, "
                    f"{cfg.duration} s, {cfg.mode}"
                )
            return 0
        if args.scenario is None or args.out is None:
            parser.error("a scenario and --out are required")
        overrides = dict(parse_override(s) for s in args.set)
        if args.duration is not None:
            overrides["duration"] = args.duration
        if args.badges is not None:
            overrides["badges"] = args.badges
        t0 = time.perf_counter()
        sim = build_scenario(args.scenario, args.seed, **overrides)
        summary = export_simulation(sim, args.out, args.format)
        elapsed = time.perf_counter() - t0
    except IotEdgeError as exc:
        print(f"iotedge.sim: error: {exc}", file=sys.stderr)
        return 2
    for path in summary.files:
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    print(f"{summary.reports} reports, {summary.truth_rows} truth rows in {elapsed:.1f} s")
    st = sim.stats
    if st.attempts:
        print(
            f"{st.adverts} adverts from badges in or near the venue; {st.attempts} "
            f"advert-gateway pairs in range: {100 * st.lost / st.attempts:.1f} % lost, "
            f"{100 * st.below_floor / st.attempts:.1f} % below the floor; "
            f"{st.duplicates} duplicates; {st.reports / max(1, st.adverts):.2f} reports per advert"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
