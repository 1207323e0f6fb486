"""Generation speed of the virtual venue, against an anchor loop measured in the same run.

    python bench/bench_sim.py [--quick] [--seed N] [--json FILE]

Full run: the ``conference`` scenario (300 badges, 20 gateways, 3 h) streamed through
``Simulation.run()`` and then written to files with ``write_scenario`` machinery, and
the ``continuous`` scenario (300 badges, 1 Hz, 1 h) streamed. ``--quick``: 10
simulated minutes of the conference, 2 of continuous (a smoke run for the tests).

The anchor is the least a pure-Python generator of reports has to do per report:
one uniform draw (packet loss), one ``random.gauss`` (fading), a tuple, an append. It
runs on the same interpreter and machine in the same run, so ``ratio = simulator
reports/s / anchor reports/s`` is comparable across machines, where the absolute
rates are not. Times are CPU seconds of this process (``time.process_time``), so
other work on a shared machine distorts them less; wall seconds are printed too.
The real simulator also does geometry, crowd loss, payloads, delays, duplicates,
arrival ordering and one truth row per badge-second.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from iotedge.sim.events import Report  # noqa: E402
from iotedge.sim.export import export_simulation  # noqa: E402
from iotedge.sim.scenarios import build_scenario  # noqa: E402

_ANCHOR_N = 1_000_000


def anchor_rate(n: int) -> float:
    """Reports/s of the minimal per-report loop (see the module docstring)."""
    rng = random.Random(1)
    rand, gauss = rng.random, rng.gauss
    out: list[tuple[float, str, str, int]] = []
    append = out.append
    t0 = time.process_time()
    for i in range(n):
        if rand() < 0.25:
            continue
        append((i * 0.001, "gw-01", "badge-001", round(-70.0 + gauss(0.0, 4.0))))
    elapsed = time.process_time() - t0
    return len(out) / elapsed


def stream(name: str, seed: int, overrides: dict[str, int]) -> dict[str, float]:
    t0 = time.process_time()
    w0 = time.perf_counter()
    sim = build_scenario(name, seed, **overrides)
    t1 = time.process_time()
    reports = truth = 0
    for ev in sim.run():
        if isinstance(ev, Report):
            reports += 1
        else:
            truth += 1
    t2 = time.process_time()
    return {
        "badges": sim.config.badges,
        "gateways": len(sim.gateways),
        "sim_seconds": sim.config.duration,
        "build_s": t1 - t0,
        "run_s": t2 - t1,
        "reports": reports,
        "truth_rows": truth,
        "reports_per_s": reports / (t2 - t1),
        "sim_speedup": sim.config.duration / (t2 - t0),
        "wall_s": time.perf_counter() - w0,
    }


def export(name: str, seed: int, overrides: dict[str, int]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.process_time()
        w0 = time.perf_counter()
        summary = export_simulation(build_scenario(name, seed, **overrides), Path(tmp))
        elapsed = time.process_time() - t0
        wall = time.perf_counter() - w0
        sizes = {p.name: p.stat().st_size for p in summary.files}
    return {
        "write_s": elapsed,
        "wall_s": wall,
        "reports_per_s": summary.reports / elapsed,
        "reports_jsonl_bytes": sizes["reports.jsonl"],
        "truth_csv_bytes": sizes["truth.csv"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few simulated minutes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    quick = {"conference": {"duration": 600}, "continuous": {"duration": 120}}

    anchor = anchor_rate(_ANCHOR_N // 10 if args.quick else _ANCHOR_N)
    print(f"anchor loop: {anchor:,.0f} reports/s (uniform + gauss + tuple + append)")
    results: dict[str, object] = {"python": sys.version.split()[0], "quick": args.quick}
    results["anchor_reports_per_s"] = anchor
    for name in ("conference", "continuous"):
        r = stream(name, args.seed, quick[name] if args.quick else {})
        r["ratio_to_anchor"] = r["reports_per_s"] / anchor
        results[name] = r
        print(
            f"{name}: {r['badges']} badges x {r['gateways']} gateways x {r['sim_seconds']} s: "
            f"built in {r['build_s']:.2f} s, streamed {r['reports']:,} reports + "
            f"{r['truth_rows']:,} truth rows in {r['run_s']:.1f} s CPU "
            f"({r['wall_s']:.1f} s wall) = "
            f"{r['reports_per_s']:,.0f} reports/s (x{r['ratio_to_anchor']:.2f} the anchor), "
            f"{r['sim_speedup']:.0f}x real time"
        )
    w = export("conference", args.seed, quick["conference"] if args.quick else {})
    w["ratio_to_anchor"] = w["reports_per_s"] / anchor
    results["conference_files"] = w
    print(
        f"conference to files: {w['write_s']:.1f} s CPU ({w['wall_s']:.1f} s wall) "
        f"({w['reports_per_s']:,.0f} reports/s, x{w['ratio_to_anchor']:.2f} the anchor), "
        f"reports.jsonl {w['reports_jsonl_bytes'] / 1e6:.0f} MB, "
        f"truth.csv {w['truth_csv_bytes'] / 1e6:.0f} MB"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
