"""Run every portable test under the real MicroPython unix port.

The same ``tests/portable/test_*.py`` files are also collected by pytest on CPython.
This module proves the MicroPython side twice:

* default heap: every module from source in one interpreter, as a developer runs them;
* 64 KiB heap: the core and the tests precompiled with ``mpy-cross`` (what a small
  board should run: frozen builds, or the precompiled mip package of
  docs/micropython.md), each
  test module in a fresh interpreter, as a board runs one firmware at a time.

Both check that every test function CPython can see also ran there, and leave a report
in ``build/`` that ``tools/test.sh`` checks, so a silently skipped MicroPython run
fails CI.
"""

from __future__ import annotations

import ast
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests._mpy import BUILD, PORTABLE, SRC, compile_tree, run_micropython

SMALL_HEAP = "64K"
_RUN_ONE = "import sys, run; sys.exit(run.main(['--report', {report!r}, {module!r}]))"


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


def _check_report(report: dict[str, object]) -> None:
    expected = _expected_tests()
    assert report["implementation"] == "micropython"
    assert report["failed"] == 0, report["failures"]
    assert report["modules"] == expected, "a portable test module did not run on MicroPython"
    assert report["passed"] == sum(expected.values())


@pytest.mark.micropython
def test_portable_suite_passes_under_micropython_from_source() -> None:
    BUILD.mkdir(exist_ok=True)
    report_path = BUILD / "micropython-portable-default.json"
    report_path.unlink(missing_ok=True)
    proc = run_micropython([str(PORTABLE / "run.py"), "--report", str(report_path)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # MicroPython prints a warning where CPython silently differs (e.g. comparing
    # bytes with str): the core must not give it cause.
    assert "Warning:" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    _check_report(json.loads(report_path.read_text()))


@pytest.mark.micropython
def test_portable_suite_passes_under_micropython_small_heap_precompiled(tmp_path: Path) -> None:
    src_mpy = tmp_path / "src"
    tests_mpy = tmp_path / "portable"
    # What ships to a board: iotedge/__init__.py and the portable core.
    compile_tree(SRC / "iotedge" / "core", src_mpy / "iotedge" / "core")
    (src_mpy / "iotedge" / "__init__.mpy").write_bytes(
        (src_mpy / "iotedge" / "core" / "__init__.mpy").read_bytes()
    )
    compile_tree(PORTABLE, tests_mpy)
    # Vector files are found relative to the test modules, as in the source tree.
    (tmp_path / "vectors").symlink_to(PORTABLE.parent / "vectors")
    # The precompiled tree must shadow nothing from source.
    assert not list(src_mpy.rglob("*.py")) and not list(tests_mpy.rglob("*.py"))

    def run_module(module: str) -> dict[str, object]:
        report_path = tmp_path / f"report-{module}.json"
        proc = run_micropython(
            [
                "-c",
                _RUN_ONE.format(report=str(report_path), module=module),
            ],
            heapsize=SMALL_HEAP,
            paths=[src_mpy, tests_mpy],
        )
        if not report_path.exists():
            raise AssertionError(f"{module}: no report\n{proc.stdout}{proc.stderr}")
        report: dict[str, object] = json.loads(report_path.read_text())
        report["output"] = proc.stdout[-2000:] + proc.stderr[-2000:]
        return report

    modules = list(_expected_tests())
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(run_module, modules))
    merged = {
        "implementation": "micropython",
        "heapsize": SMALL_HEAP,
        "precompiled": True,
        "passed": sum(int(r["passed"]) for r in reports),  # type: ignore[call-overload]
        "failed": sum(int(r["failed"]) for r in reports),  # type: ignore[call-overload]
        "failures": [f for r in reports for f in r["failures"]],  # type: ignore[attr-defined]
        "modules": {k: v for r in reports for k, v in r["modules"].items()},  # type: ignore[attr-defined]
    }
    BUILD.mkdir(exist_ok=True)
    (BUILD / f"micropython-portable-{SMALL_HEAP}.json").write_text(json.dumps(merged))
    failing = [r["output"] for r in reports if r["failed"]]
    assert merged["failed"] == 0, "\n".join(str(o) for o in failing)
    _check_report(merged)
