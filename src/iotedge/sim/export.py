"""Scenario files: ``venue.json``, ``reports.jsonl`` (or ``reports.csv``) and ``truth.csv``.

The formats are the presence estimator's input formats (docs/presence.md):

- ``venue.json``: ``{"rooms": [...], "adjacent": [[a, b], ...], "gateways":
  {"gw-id": {"room": ..., "x": .., "y": .., "z": ..}}}``, two-space indented;
- ``reports.jsonl``: one ``{"ts": 12.345, "gateway": "gw-01", "badge": "badge-001",
  "rssi": -78}`` per line, in arrival order (so ``ts`` is only nearly sorted: a line
  is never more than ``max_delay_s`` older than any line before it);
- ``reports.csv``: the same with the header ``ts,gateway,badge,rssi``;
- ``truth.csv``: header ``ts,badge,room``, one row per badge per whole second, sorted
  by ``ts`` then badge; room ``none`` while the badge is out of the venue.

``ts`` is written with exactly three decimals (milliseconds); files use ``\\n`` line
ends and UTF-8, so the same seed gives byte-identical files (given the same C math
library: ``log10``/``exp`` results feed the rounding of RSSI values).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from iotedge.core.errors import SimulationError
from iotedge.sim.events import Event, Report, Truth
from iotedge.sim.scenarios import build_scenario
from iotedge.sim.simulation import Simulation

REPORT_FORMATS = ("jsonl", "csv", "both")
REPORTS_CSV_HEADER = "ts,gateway,badge,rssi\n"
TRUTH_CSV_HEADER = "ts,badge,room\n"
_CHUNK = 20_000  # lines buffered before each write


@dataclass
class ExportSummary:
    """What :func:`export_simulation` wrote."""

    files: list[Path] = field(default_factory=list)
    reports: int = 0
    truth_rows: int = 0


def venue_json(sim: Simulation) -> str:
    return json.dumps(sim.venue_dict(), indent=2) + "\n"


@functools.lru_cache(maxsize=65536)
def _quote(name: str) -> str:
    # Names repeat millions of times: JSON-quote each once.
    return json.dumps(name)


def report_jsonl_line(rep: Report) -> str:
    """One report as a JSON line (names are JSON-quoted, ``ts`` with 3 decimals)."""
    return (
        f'{{"ts": {rep.ts:.3f}, "gateway": {_quote(rep.gateway)}, '
        f'"badge": {_quote(rep.badge)}, "rssi": {rep.rssi}}}\n'
    )


def report_csv_line(rep: Report) -> str:
    return f"{rep.ts:.3f},{rep.gateway},{rep.badge},{rep.rssi}\n"


def truth_csv_line(row: Truth) -> str:
    return f"{row.ts},{row.badge},{row.room}\n"


def write_events(
    events: Iterable[Event],
    truth_out: TextIO | None,
    jsonl_out: TextIO | None = None,
    csv_out: TextIO | None = None,
) -> tuple[int, int]:
    """Write a stream of events to open text files; returns (reports, truth rows).

    Reports go to ``jsonl_out`` and/or ``csv_out`` in stream order, truth rows to
    ``truth_out``; a ``None`` file is skipped. Headers are written here.
    """
    outs = [jsonl_out, csv_out, truth_out]
    bufs: list[list[str]] = [[], [REPORTS_CSV_HEADER], [TRUTH_CSV_HEADER]]
    jsonl, csv, truth = bufs
    n_reports = n_truth = 0

    def flush() -> None:
        for fh, buf in zip(outs, bufs, strict=True):
            if fh is not None:
                fh.write("".join(buf))
            buf.clear()

    for ev in events:
        if isinstance(ev, Report):
            n_reports += 1
            if jsonl_out is not None:
                jsonl.append(report_jsonl_line(ev))
            if csv_out is not None:
                csv.append(report_csv_line(ev))
        else:
            n_truth += 1
            truth.append(truth_csv_line(ev))
        if (n_reports + n_truth) % _CHUNK == 0:
            flush()
    flush()
    return n_reports, n_truth


def export_simulation(
    sim: Simulation, out_dir: Path, reports_format: str = "jsonl"
) -> ExportSummary:
    """Run ``sim`` once and write its files into ``out_dir`` (created if missing)."""
    if reports_format not in REPORT_FORMATS:
        raise SimulationError(
            "bad-parameter", f"reports_format={reports_format!r}; one of {REPORT_FORMATS}"
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = ExportSummary()
    venue_path = out_dir / "venue.json"
    venue_path.write_text(venue_json(sim), encoding="utf-8", newline="\n")
    summary.files.append(venue_path)
    paths = {
        "truth": out_dir / "truth.csv",
        "jsonl": out_dir / "reports.jsonl" if reports_format in ("jsonl", "both") else None,
        "csv": out_dir / "reports.csv" if reports_format in ("csv", "both") else None,
    }
    handles: dict[str, TextIO] = {}
    try:
        for key, path in paths.items():
            if path is not None:
                handles[key] = path.open("w", encoding="utf-8", newline="\n")
                summary.files.append(path)
        summary.reports, summary.truth_rows = write_events(
            sim.run(), handles["truth"], handles.get("jsonl"), handles.get("csv")
        )
    finally:
        for fh in handles.values():
            fh.close()
    return summary


def write_scenario(
    name: str, seed: int, out_dir: Path, *, reports_format: str = "jsonl", **overrides: Any
) -> None:
    """Simulate scenario ``name`` with ``seed`` and write its files into ``out_dir``.

    ``reports_format`` is ``"jsonl"`` (``reports.jsonl``), ``"csv"`` (``reports.csv``)
    or ``"both"``; ``overrides`` are :class:`~iotedge.sim.config.SimConfig` fields.
    """
    export_simulation(build_scenario(name, seed, **overrides), Path(out_dir), reports_format)
