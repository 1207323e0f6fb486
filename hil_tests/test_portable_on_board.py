"""The portable test suite, run on the board itself against the package mip installed.

The test modules and the vector files go to the board's flash as they sit in the
repository (``/tests/portable``, ``/tests/vectors``: the vector loaders look next to the
test modules). Each module then runs in a fresh interpreter (soft reset: a small board
cannot hold every test module at once) with ``tests/portable/run.py``, whose JSON report
is read back from the board and compared with the test functions CPython sees.
"""

from __future__ import annotations

import json

import pytest
from tests.test_portable_on_micropython import _expected_tests

from hil_tests._board import ROOT, Board, Session

pytestmark = pytest.mark.hil

PORTABLE = ROOT / "tests" / "portable"
VECTORS = ROOT / "tests" / "vectors"
BOARD_DIR = "/tests"

_RUN = """
import sys
sys.path.insert(0, {dir!r} + '/portable')
import run
code = run.main(['--report', {report!r}, {module!r}])
"""


def _copy_suite(s: Session) -> int:
    s.makedirs(BOARD_DIR + "/portable")
    s.makedirs(BOARD_DIR + "/vectors")
    copied = 0
    for folder, pattern in ((PORTABLE, "*.py"), (VECTORS, "*.*")):
        for path in sorted(p for p in folder.glob(pattern) if p.is_file()):
            s.write_file(f"{BOARD_DIR}/{folder.name}/{path.name}", path.read_bytes())
            copied += 1
    return copied


@pytest.mark.timeout(300)
def test_portable_suite_passes_on_the_board(board: Board, installed: str) -> None:
    expected = _expected_tests()
    reports: dict[str, dict[str, object]] = {}
    with board.session() as s:
        assert _copy_suite(s) > len(expected)
        for module in expected:
            s.transport.enter_raw_repl(soft_reset=True)  # a fresh heap for each module
            report = f"{BOARD_DIR}/report-{module}.json"
            out = s.exec(_RUN.format(dir=BOARD_DIR, report=report, module=module), timeout=120)
            reports[module] = json.loads(s.read_file(report))
            assert reports[module]["failed"] == 0, f"{module} on the board:\n{out}"
    assert {m: r["implementation"] for m, r in reports.items()} == dict.fromkeys(
        expected, "micropython"
    )
    ran = {m: r["modules"] for m, r in reports.items()}
    assert ran == {m: {m: n} for m, n in expected.items()}, "a test module did not run"
    assert sum(int(r["passed"]) for r in reports.values()) == sum(expected.values())
