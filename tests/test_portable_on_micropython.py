"""Run every portable test under the real MicroPython unix port.

The same ``tests/portable/test_*.py`` files are also collected by pytest on CPython.
This module proves the MicroPython side: it runs ``tests/portable/run.py`` under
``micropython`` (default heap, and the small heap of a constrained board), checks
that every test function CPython can see also ran there, and leaves a report in
``build/`` that ``.ci/run`` checks so a silently skipped MicroPython run fails CI.
"""

from __future__ import annotations

import ast
import json

import pytest

from tests._mpy import BUILD, PORTABLE, run_micropython


def _expected_tests() -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in sorted(PORTABLE.glob("test_*.py")):
        tree = ast.parse(path.read_text())
        counts[path.stem] = sum(
            1
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        )
    return counts


@pytest.mark.micropython
@pytest.mark.parametrize("heapsize", [None, "64K"], ids=["default-heap", "heap-64K"])
def test_portable_suite_passes_under_micropython(heapsize: str | None) -> None:
    BUILD.mkdir(exist_ok=True)
    tag = heapsize or "default"
    report_path = BUILD / f"micropython-portable-{tag}.json"
    report_path.unlink(missing_ok=True)
    proc = run_micropython(
        [str(PORTABLE / "run.py"), "--report", str(report_path)], heapsize=heapsize
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    report = json.loads(report_path.read_text())
    assert report["implementation"] == "micropython"
    assert report["failed"] == 0, report["failures"]
    expected = _expected_tests()
    assert report["modules"] == expected, "a portable test module did not run on MicroPython"
    assert report["passed"] == sum(expected.values())
