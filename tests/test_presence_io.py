"""File formats of the presence tools: venue JSON, reports (JSONL/CSV), truth, reorder."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.core.errors import PresenceError
from iotedge.presence.io import (
    Report,
    load_venue,
    parse_reports,
    read_reports,
    read_truth,
    reorder,
    write_reports_csv,
    write_reports_jsonl,
)

VENUE = {
    "rooms": ["hall", "foyer"],
    "adjacent": [["hall", "foyer"]],
    "gateways": {"gw-1": {"room": "hall", "x": 1, "y": 2, "z": 3}, "gw-2": {"room": "foyer"}},
}


def test_load_venue(tmp_path: Path) -> None:
    path = tmp_path / "venue.json"
    path.write_text(json.dumps(VENUE))
    venue = load_venue(path)
    assert venue.rooms == ["hall", "foyer"]
    assert venue.gateway_room[venue.gateway_index["gw-2"]] == 1
    assert venue.gateway_pos[venue.gateway_index["gw-1"]] == (1.0, 2.0, 3.0)
    assert venue.neighbours == [[1], [0]]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('{"rooms": ["a"],\n "gateways": ', "line 2"),
        ('{"rooms": ["a"], "gateways": {"g": {"room": "b"}}}', "unknown room 'b'"),
        ('{"rooms": ["a"], "adjacent": [["a"]], "gateways": {"g": {"room": "a"}}}', "pair"),
        ("[1, 2]", "JSON object"),
        ('{"rooms": ["a"], "transit": ["b"], "gateways": {"g": {"room": "a"}}}', "unknown room"),
        ('{"rooms": ["a"], "transit": "a", "gateways": {"g": {"room": "a"}}}', "'transit'"),
    ],
)
def test_load_venue_errors_name_the_problem(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "venue.json"
    path.write_text(text)
    with pytest.raises(PresenceError) as info:
        load_venue(path)
    assert needle in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_is_a_presence_error(tmp_path: Path) -> None:
    with pytest.raises(PresenceError):
        load_venue(tmp_path / "nope.json")
    with pytest.raises(PresenceError):
        list(read_reports(tmp_path / "nope.jsonl"))


def test_jsonl_and_csv_read_the_same(tmp_path: Path) -> None:
    jsonl = tmp_path / "r.jsonl"
    jsonl.write_text(
        '{"ts": 1.5, "gateway": "gw-1", "badge": "b1", "rssi": -70}\n\n'
        '{"ts": 2, "gateway": "gw-2", "badge": "b1", "rssi": -81}\n'
    )
    csv_path = tmp_path / "r.csv"
    csv_path.write_text("ts,gateway,badge,rssi\n1.5,gw-1,b1,-70\n2,gw-2,b1,-81\n")
    expected = [Report(1.5, "gw-1", "b1", -70), Report(2.0, "gw-2", "b1", -81)]
    assert list(read_reports(jsonl)) == expected
    assert list(read_reports(csv_path)) == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('{"ts": 1, "gateway": "g", "badge": "b"}\n', "line 1: missing rssi"),
        ('{"ts": 1, "gateway": "g", "badge": "b", "rssi": -70.5}\n', "rssi must be an integer"),
        ('{"ts": "x", "gateway": "g", "badge": "b", "rssi": -70}\n', "ts must be a number"),
        ('{"ts": 1, "gateway": "g", "badge": "b", "rssi": 40}\n', "out of range"),
        ('{"ts": 1, "gateway": "", "badge": "b", "rssi": -70}\n', "gateway must be"),
        ("ts,gw,badge,rssi\n1,g,b,-70\n", "header"),
        ("ts,gateway,badge,rssi\n1,g,b\n", "line 2: expected 4 fields"),
        ("ts,gateway,badge,rssi\n1,g,b,-70\n2,g,b,loud\n", "line 3: rssi"),
        ('{"ts": 1, "gateway": "g", "badge": "b", "rssi": -70}\n{oops\n', "line 2"),
    ],
)
def test_report_errors_name_the_line(text: str, needle: str) -> None:
    with pytest.raises(PresenceError) as info:
        list(parse_reports(io.StringIO(text), "r"))
    assert needle in str(info.value)


reports_strategy = st.lists(
    st.builds(
        Report,
        st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda x: round(x, 3)),
        st.text("abcdefgh-0123456789", min_size=1, max_size=8),
        st.text("abcdefgh-0123456789", min_size=1, max_size=8),
        st.integers(min_value=-130, max_value=20),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(reports_strategy)
def test_jsonl_and_csv_round_trip(reports: list[Report]) -> None:
    for writer in (write_reports_jsonl, write_reports_csv):
        buf = io.StringIO()
        writer(reports, buf)
        buf.seek(0)
        assert list(parse_reports(buf)) == reports


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=500, allow_nan=False), max_size=60), st.randoms())
def test_reorder_sorts_input_that_is_out_of_order_by_less_than_the_window(
    times: list[float], rnd: random.Random
) -> None:
    ordered = sorted(times)
    # Shuffle while keeping each report within 2 s of its sorted position in time.
    jittered = sorted(ordered, key=lambda t: t + rnd.uniform(0, 2.0))
    reports = [Report(t, "g", "b", -70) for t in jittered]
    out = [r.ts for r in reorder(reports, window=5.0)]
    assert out == ordered


def test_reorder_passes_very_late_reports_on() -> None:
    reports = [Report(t, "g", "b", -70) for t in (0.0, 10.0, 20.0, 1.0)]
    assert [r.ts for r in reorder(reports, window=5.0)] == [0.0, 10.0, 1.0, 20.0]


def test_read_truth(tmp_path: Path) -> None:
    path = tmp_path / "truth.csv"
    path.write_text("ts,badge,room\n10,b1,none\n11,b1,hall\n13,b1,foyer\n10,b2,hall\n")
    truth = read_truth(path)
    assert truth.room("b1", 10) == "none"
    assert truth.room("b1", 12) == "hall"  # a missing second keeps the previous room
    assert truth.room("b1", 13) == "foyer"
    assert truth.room("b1", 99) == "none"
    assert truth.room("nobody", 10) == "none"
    assert truth.span() == (10, 13)
    bad = tmp_path / "bad.csv"
    bad.write_text("when,badge,room\n")
    with pytest.raises(PresenceError):
        read_truth(bad)
