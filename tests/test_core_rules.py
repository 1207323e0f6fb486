"""Enforce the rules of the portable core (see docs/micropython.md).

Every file in ``src/iotedge/core`` must run unchanged on MicroPython, so this test
reads each one's syntax tree and refuses what MicroPython lacks or what the design
forbids in the core (I/O, clocks, printing, asserts used as validation).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "src" / "iotedge" / "core"
CORE_FILES = sorted(CORE.glob("*.py"))

ALLOWED_MODULES = {"struct", "hashlib", "binascii"}
# Interpreter-specific modules only the compatibility shim may touch.
COMPAT_ONLY = {"micropython", "cryptolib", "cryptography"}
FORBIDDEN_CALLS = {"print", "open", "input", "exec", "eval"}
FORBIDDEN_NAMES = {"time", "os", "sys", "socket", "logging"}


def _type_checking_blocks(tree: ast.Module) -> set[int]:
    """Line numbers inside ``if TYPE_CHECKING:`` (never executed, only for mypy)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name):
            if node.test.id == "TYPE_CHECKING":
                for child in node.body:
                    for sub in ast.walk(child):
                        if hasattr(sub, "lineno"):
                            lines.add(sub.lineno)
    return lines


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    typing_only = _type_checking_blocks(tree)
    problems: list[str] = []
    where = path.name
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import | ast.ImportFrom):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                continue  # other core modules
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
            )
            for name in names:
                top = name.split(".")[0]
                if line in typing_only and top == "typing":
                    continue
                if top == "__future__":
                    problems.append(f"{where}:{line}: from __future__ is not on MicroPython")
                elif top in COMPAT_ONLY and path.name != "_compat.py":
                    problems.append(f"{where}:{line}: import {name} only through _compat")
                elif top not in ALLOWED_MODULES | COMPAT_ONLY:
                    problems.append(f"{where}:{line}: import {name} not on the allowlist")
        elif isinstance(node, ast.Match):
            problems.append(f"{where}:{line}: match statement")
        elif isinstance(node, ast.Assert):
            problems.append(f"{where}:{line}: assert (stripped in frozen builds)")
        elif isinstance(node, ast.arguments) and node.posonlyargs:
            problems.append(f"{where}:{line}: positional-only parameters")
        elif isinstance(node, ast.Attribute) and node.attr == "bit_length":
            problems.append(f"{where}:{line}: int.bit_length")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                problems.append(f"{where}:{line}: {func.id}() (no I/O in the core)")
            if isinstance(func, ast.Attribute) and func.attr == "from_bytes":
                if node.keywords:
                    problems.append(f"{where}:{line}: keyword int.from_bytes")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            if line not in typing_only:
                problems.append(f"{where}:{line}: uses {node.id} (no I/O or clocks in the core)")
        elif isinstance(node, ast.JoinedStr):
            # MicroPython has f-strings, but not every format spec; keep the core plain.
            for value in node.values:
                if isinstance(value, ast.FormattedValue) and value.format_spec is not None:
                    problems.append(f"{where}:{line}: f-string format spec")
    return problems


def test_core_has_files() -> None:
    assert len(CORE_FILES) >= 3


@pytest.mark.parametrize("path", CORE_FILES, ids=[p.name for p in CORE_FILES])
def test_core_file_follows_portable_rules(path: Path) -> None:
    assert _violations(path) == []


def test_rules_checker_catches_violations(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from __future__ import annotations\n"
        "import os\n"
        "import cryptolib\n"
        "from typing import Any\n"
        "def f(a, /, b):\n"
        "    assert a\n"
        "    print(a)\n"
        "    return int.from_bytes(b, 'big', signed=True) + a.bit_length()\n"
    )
    problems = _violations(bad)
    for needle in (
        "__future__",
        "import os",
        "cryptolib only through _compat",
        "typing not on the allowlist",
        "positional-only",
        "assert",
        "print()",
        "keyword int.from_bytes",
        "bit_length",
    ):
        assert any(needle in p for p in problems), (needle, problems)
