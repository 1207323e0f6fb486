"""Every command and subcommand of ``iotedge`` prints its help and exits 0."""

from __future__ import annotations

import argparse

import pytest

from iotedge.cli import COMMAND_MODULES, build_parser


def _all_parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _all_parsers(sub, (*path, name))
    return found


PARSERS = _all_parsers(build_parser())


def test_every_command_module_is_registered() -> None:
    top = {path[0] for path, _ in PARSERS if len(path) == 1}
    assert top == set(COMMAND_MODULES)


@pytest.mark.parametrize("path,parser", PARSERS, ids=[" ".join(p) or "iotedge" for p, _ in PARSERS])
def test_help_renders(path: tuple[str, ...], parser: argparse.ArgumentParser) -> None:
    text = parser.format_help()
    assert text.startswith("usage: iotedge")
    assert parser.description or parser.format_usage()
