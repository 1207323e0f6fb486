"""errors.pyi declares every error class of the core with its base, as errors.py
and the errors_*.py modules it loads on first use define them (the stub is what
type checkers see; a class missing there would pass mypy only as an attribute
error at run time)."""

from __future__ import annotations

import ast
from pathlib import Path

from iotedge.core import errors

CORE = Path(__file__).resolve().parents[1] / "src" / "iotedge" / "core"


def _classes(path: Path) -> dict[str, str]:
    tree = ast.parse(path.read_text())
    out = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            base = node.bases[0]
            assert isinstance(base, ast.Name)
            out[node.name] = base.id
    return out


def test_stub_declares_exactly_the_defined_classes() -> None:
    defined: dict[str, str] = {}
    for path in [CORE / "errors.py", *sorted(CORE.glob("errors_*.py"))]:
        defined.update(_classes(path))
    assert _classes(CORE / "errors.pyi") == defined


def test_every_declared_class_imports_from_errors_with_its_base() -> None:
    for name, base in _classes(CORE / "errors.pyi").items():
        cls = getattr(errors, name)
        assert cls.__name__ == name
        assert cls.__bases__[0].__name__ == base
        assert issubclass(cls, errors.IotEdgeError) or name == "IotEdgeError"
