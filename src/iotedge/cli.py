"""The ``iotedge`` command line: a thin dispatcher over ``iotedge.commands.*``.

Each command module exposes ``register(subparsers)``, which adds its parser and
sets ``func`` to a callable taking the parsed arguments and returning an exit code.
Command modules are imported only when the command line is built, and each imports
its heavy dependencies (bleak, paho, ...) only inside the command that needs them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from iotedge import __version__
from iotedge.core.errors import IotEdgeError

# Order is the order of ``iotedge --help``.
COMMAND_MODULES: tuple[str, ...] = (
    "codec",
    "alert",
    "presence",
    "dht22",
    "bridge",
    "gateway",
    "demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iotedge",
        description="BLE badge codecs, signed alerts, presence estimation and DHT22 tools.",
    )
    parser.add_argument("--version", action="version", version=f"iotedge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"iotedge.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except IotEdgeError as exc:
        # Bad input from the user: one clear line, a distinct exit status, no traceback.
        print(f"iotedge: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
