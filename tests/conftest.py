"""Shared pytest configuration and fixtures."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Portable tests import their siblings by bare name (as MicroPython does).
sys.path.insert(0, str(ROOT / "tests" / "portable"))

from tests._broker import Mosquitto  # noqa: E402


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    """A fresh mosquitto on a free loopback port, stopped after the test."""
    broker = Mosquitto(tmp_path / "broker")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


# A test that must leave a line in every CI log, passing or not (the fuzz seed and
# input count), records it with ``record_property(SUMMARY_PROPERTY, line)``; pytest
# hides a passing test's print(), so the lines are printed here, in a section of
# the terminal summary, after the run.
SUMMARY_PROPERTY = "ci_summary"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == SUMMARY_PROPERTY:
                    lines.append(f"{report.nodeid}: {value}")
    if lines:
        terminalreporter.write_sep("=", "recorded for the log")
        for line in lines:
            terminalreporter.write_line(line)
