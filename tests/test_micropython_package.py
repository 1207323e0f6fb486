"""micropython/package.json and manifest.py cover every core file and only real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MP = ROOT / "micropython"
CORE = ROOT / "src" / "iotedge" / "core"


def test_generated_files_are_up_to_date() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_micropython_package.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_package_json_points_at_every_core_file_in_src() -> None:
    doc = json.loads((MP / "package.json").read_text())
    targets = {target: (MP / url).resolve() for target, url in doc["urls"]}
    for path in CORE.glob("*.py"):
        assert targets[f"iotedge/core/{path.name}"] == path.resolve()
    assert targets["iotedge/__init__.py"] == (ROOT / "src" / "iotedge" / "__init__.py").resolve()
    for target, source in targets.items():
        assert source.is_file(), source
        # Never copies: everything under iotedge/ on the board is the file in src/.
        home = ROOT / "src" if target.startswith("iotedge/") else MP
        assert source.is_relative_to(home.resolve()), (target, source)


def test_manifest_freezes_the_same_files() -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def package(
        path: str, files: list[str] | None = None, base_path: str = ".", opt: int = 0
    ) -> None:
        calls.append((path, {"files": files, "base_path": base_path}))

    def module(name: str, base_path: str = ".", opt: int = 0) -> None:
        calls.append((".", {"files": [name], "base_path": base_path}))

    def metadata(**kwargs: Any) -> None:
        calls.append(("metadata", kwargs))

    exec(
        (MP / "manifest.py").read_text(),
        {"package": package, "module": module, "metadata": metadata},
    )
    frozen: set[Path] = set()
    for path, kwargs in calls:
        if path == "metadata":
            assert kwargs["version"]
            continue
        base = (MP / kwargs["base_path"] / path).resolve()
        for name in kwargs["files"]:
            assert (base / name).is_file(), base / name
            frozen.add((base / name).resolve())
    assert {p.resolve() for p in CORE.glob("*.py")} <= frozen
    assert (MP / "badge_receiver.py").resolve() in frozen


def test_precompiled_package_has_an_mpy_for_every_device_file(tmp_path: Path) -> None:
    out = tmp_path / "mpy"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_micropython_package.py"), "--mpy", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "package.json").read_text())
    source = json.loads((MP / "package.json").read_text())
    assert [t for t, _ in doc["urls"]] == [t[:-3] + ".mpy" for t, _ in source["urls"]]
    for _, url in doc["urls"]:
        data = (out / url).read_bytes()
        assert data[:1] == b"M", url  # .mpy header magic
