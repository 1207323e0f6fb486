"""Presence file formats: the venue JSON, RSSI reports (JSON Lines or CSV), truth.

- Venue: ``{"rooms": [...], "adjacent": [[a, b], ...] (optional), "gateways":
  {"gw-id": {"room": "...", "x": .., "y": .., "z": .. (position optional)}}}``
- Reports: one received advert per line, JSON Lines
  ``{"ts": seconds, "gateway": "...", "badge": "...", "rssi": int}`` or CSV with
  the header ``ts,gateway,badge,rssi``. Input may be unsorted by a few seconds
  (transport delay, batching): :func:`read_reports` passes it through a reorder
  buffer and yields reports in time order.
- Truth (from the simulator): CSV ``ts,badge,room`` each second.

Every problem raises :class:`PresenceError` naming the file and line.
"""

from __future__ import annotations

import csv
import heapq
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple, TextIO

from iotedge.core.errors import PresenceError
from iotedge.core.presence_venue import Venue

REPORT_HEADER = ("ts", "gateway", "badge", "rssi")
TRUTH_HEADER = ("ts", "badge", "room")
# How far out of order input may be (seconds) before it is passed on unsorted.
REORDER_WINDOW = 5.0


class Report(NamedTuple):
    ts: float
    gateway: str
    badge: str
    rssi: int


def load_venue(path: str | Path) -> Venue:
    """Read and validate a venue JSON file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PresenceError("bad-venue", f"{p}: {exc.strerror}") from exc
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PresenceError("bad-venue", f"{p}: line {exc.lineno}: {exc.msg}") from exc
    try:
        return Venue(spec)
    except PresenceError as exc:
        raise PresenceError(exc.reason, f"{p}: {exc.detail}") from exc


def venue_from_dict(spec: dict[str, object]) -> Venue:
    return Venue(spec)


def _report(ts: object, gateway: object, badge: object, rssi: object, where: str) -> Report:
    if isinstance(ts, bool) or not isinstance(ts, (int, float)):
        raise PresenceError("bad-report", f"{where}: ts must be a number of seconds")
    if not isinstance(gateway, str) or not gateway:
        raise PresenceError("bad-report", f"{where}: gateway must be a non-empty string")
    if not isinstance(badge, str) or not badge:
        raise PresenceError("bad-report", f"{where}: badge must be a non-empty string")
    if isinstance(rssi, bool) or not isinstance(rssi, int):
        raise PresenceError("bad-report", f"{where}: rssi must be an integer dBm")
    if not -130 <= rssi <= 20:
        raise PresenceError("bad-report", f"{where}: rssi {rssi} dBm is out of range")
    return Report(float(ts), gateway, badge, rssi)


def _parse_jsonl(lines: Iterable[str], name: str) -> Iterator[Report]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{name}: line {number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PresenceError("bad-report", f"{where}: {exc.msg}") from exc
        if not isinstance(obj, dict):
            raise PresenceError("bad-report", f"{where}: expected a JSON object")
        missing = [k for k in REPORT_HEADER if k not in obj]
        if missing:
            raise PresenceError("bad-report", f"{where}: missing {', '.join(missing)}")
        yield _report(obj["ts"], obj["gateway"], obj["badge"], obj["rssi"], where)


def _parse_csv(lines: Iterable[str], name: str) -> Iterator[Report]:
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != REPORT_HEADER:
        raise PresenceError("bad-report", f"{name}: CSV header must be ts,gateway,badge,rssi")
    for number, row in enumerate(reader, 2):
        if not row:
            continue
        where = f"{name}: line {number}"
        if len(row) != 4:
            raise PresenceError("bad-report", f"{where}: expected 4 fields, got {len(row)}")
        try:
            ts: object = float(row[0])
        except ValueError:
            ts = row[0]
        try:
            rssi: object = int(row[3])
        except ValueError:
            rssi = row[3]
        yield _report(ts, row[1], row[2], rssi, where)


def parse_reports(handle: TextIO, name: str = "<reports>") -> Iterator[Report]:
    """Reports in file order from an open text file (JSON Lines or CSV, sniffed
    from the first non-blank character)."""
    first = ""
    buffered: list[str] = []
    for line in handle:
        buffered.append(line)
        if line.strip():
            first = line.lstrip()[0]
            break
    lines = _chain(buffered, handle)
    if first == "{":
        yield from _parse_jsonl(lines, name)
    elif first:
        yield from _parse_csv(lines, name)


def _chain(head: list[str], rest: Iterable[str]) -> Iterator[str]:
    yield from head
    yield from rest


def reorder(reports: Iterable[Report], window: float = REORDER_WINDOW) -> Iterator[Report]:
    """Yield reports sorted by time, given input at most ``window`` seconds out of
    order. A report later than that is still yielded (the estimator tolerates a
    little disorder) but right away, never held back."""
    heap: list[tuple[float, int, Report]] = []
    newest = float("-inf")
    for seq, rep in enumerate(reports):
        if rep.ts > newest:
            newest = rep.ts
        heapq.heappush(heap, (rep.ts, seq, rep))
        while heap and heap[0][0] <= newest - window:
            yield heapq.heappop(heap)[2]
    while heap:
        yield heapq.heappop(heap)[2]


def read_reports(path: str | Path, window: float = REORDER_WINDOW) -> Iterator[Report]:
    """Reports from a JSON Lines or CSV file, in time order (reorder buffer)."""
    p = Path(path)
    try:
        handle = p.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise PresenceError("bad-report", f"{p}: {exc.strerror}") from exc
    with handle:
        yield from reorder(parse_reports(handle, str(p)), window)


def write_reports_jsonl(reports: Iterable[Report], handle: TextIO) -> None:
    for r in reports:
        handle.write(
            json.dumps({"ts": r.ts, "gateway": r.gateway, "badge": r.badge, "rssi": r.rssi}) + "\n"
        )


def write_reports_csv(reports: Iterable[Report], handle: TextIO) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(REPORT_HEADER)
    for r in reports:
        writer.writerow((format_ts(r.ts), r.gateway, r.badge, r.rssi))


def format_ts(ts: float) -> str:
    """Seconds as written in our CSV files: an integer when whole, else repr."""
    if ts == int(ts):
        return str(int(ts))
    return repr(round(ts, 6))


class Truth:
    """Ground truth per badge per second (from truth.csv), compact: for each
    badge the first second and a list of room names (strings interned)."""

    def __init__(self) -> None:
        self.start: dict[str, int] = {}
        self.rooms: dict[str, list[str]] = {}

    def add(self, second: int, badge: str, room: str) -> None:
        seq = self.rooms.get(badge)
        if seq is None:
            self.start[badge] = second
            self.rooms[badge] = [room]
            return
        index = second - self.start[badge]
        if index < 0:
            raise PresenceError("bad-truth", f"truth for {badge} goes back in time")
        while len(seq) < index:
            seq.append(seq[-1])  # a missing second keeps the previous room
        if index == len(seq):
            seq.append(room)
        else:
            seq[index] = room

    def room(self, badge: str, second: int) -> str:
        """The badge's true room at a second ('none' outside the recorded span)."""
        seq = self.rooms.get(badge)
        if seq is None:
            return "none"
        index = second - self.start[badge]
        if index < 0 or index >= len(seq):
            return "none"
        return seq[index]

    def badges(self) -> list[str]:
        return list(self.rooms)

    def span(self) -> tuple[int, int]:
        """First and last second covered by any badge."""
        first = min(self.start.values())
        last = max(self.start[b] + len(s) - 1 for b, s in self.rooms.items())
        return first, last


def read_truth(path: str | Path) -> Truth:
    """Read truth.csv (``ts,badge,room`` each second)."""
    p = Path(path)
    truth = Truth()
    names: dict[str, str] = {}
    try:
        handle = p.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise PresenceError("bad-truth", f"{p}: {exc.strerror}") from exc
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != TRUTH_HEADER:
            raise PresenceError("bad-truth", f"{p}: CSV header must be ts,badge,room")
        for number, row in enumerate(reader, 2):
            if not row:
                continue
            if len(row) != 3:
                raise PresenceError("bad-truth", f"{p}: line {number}: expected 3 fields")
            try:
                second = int(float(row[0]))
            except ValueError as exc:
                raise PresenceError("bad-truth", f"{p}: line {number}: bad ts") from exc
            room = names.setdefault(row[2], row[2])
            truth.add(second, row[1], room)
    return truth
