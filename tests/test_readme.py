"""The README's promises hold: its commands and its code snippet work as written."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_readme_has_the_two_fresh_machine_commands() -> None:
    sh = _blocks("sh")
    assert len(sh) >= 2
    assert sh[1].strip() == "bash tools/test.sh"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "tools/test.sh" in ci, ".ci/run must run the README's test command"


def test_main_job_command_runs() -> None:
    main_job = _blocks("sh")[0].strip()
    install, _, command = main_job.partition("&&")
    assert install.strip().startswith("pip install")
    argv = shlex.split(command)
    assert argv == ["iotedge", "demo"]
    # The same command, shortened: the full 75 s run is what tests/test_demo.py covers.
    proc = subprocess.run(
        [sys.executable, "-m", "iotedge", *argv[1:], "--duration", "20"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert "iotedge demo:" in proc.stdout and "occupancy vs truth" in proc.stdout


def test_python_snippet_prints_what_its_comment_says() -> None:
    snippet = _blocks("python")[0]
    proc = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    expected = re.search(r"# (.*)$", snippet.strip().splitlines()[-1])
    assert expected is not None
    assert proc.stdout.strip() == expected.group(1).strip()
