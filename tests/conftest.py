"""Shared pytest configuration."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Portable tests import their siblings by bare name (as MicroPython does).
sys.path.insert(0, str(ROOT / "tests" / "portable"))
