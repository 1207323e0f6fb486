"""Shared pytest configuration and fixtures."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

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
