"""Run the portable tests under any interpreter: MicroPython's unix port or CPython.

    micropython tests/portable/run.py [--report FILE] [test_module ...]

(with ``MICROPYPATH=src:tests/portable``). pytest collects the same files directly.
Every ``test_*`` function of every ``test_*.py`` module here is called with no
arguments; a test passes when it returns without raising. The last line printed is
``N passed, N failed`` and the exit status is 1 when anything failed or nothing ran.
``--report FILE`` also writes a JSON summary that CI checks to prove this ran.
"""

import gc
import os
import sys

try:
    import json
except ImportError:  # pragma: no cover - every MicroPython port we target has json
    json = None


def _print_exception(exc):
    if hasattr(sys, "print_exception"):
        sys.print_exception(exc)
    else:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__)


def _here():
    path = __file__
    idx = path.rfind("/")
    return path[:idx] if idx >= 0 else "."


def discover(selected):
    names = []
    for name in sorted(os.listdir(_here())):
        # .py from source, or .mpy precompiled by mpy-cross (what a small board runs).
        if not name.startswith("test_"):
            continue
        if name.endswith(".py"):
            mod = name[:-3]
        elif name.endswith(".mpy"):
            mod = name[:-4]
        else:
            continue
        if (not selected or mod in selected) and mod not in names:
            names.append(mod)
    return names


def run(selected, report_path):
    impl = sys.implementation.name
    passed = 0
    failed = 0
    failures = []
    per_module = {}
    for mod_name in discover(selected):
        gc.collect()
        try:
            mod = __import__(mod_name)
        except Exception as exc:
            print("IMPORT ERROR", mod_name)
            _print_exception(exc)
            failed += 1
            failures.append(mod_name + ":<import>")
            continue
        count = 0
        for attr in sorted(dir(mod)):
            if not attr.startswith("test_"):
                continue
            fn = getattr(mod, attr)
            if not callable(fn):
                continue
            count += 1
            # A board's firmware would collect between jobs too; without it, garbage
            # from the import (or the last test) fragments a 64K heap.
            gc.collect()
            try:
                fn()
                passed += 1
            except Exception as exc:
                failed += 1
                failures.append(mod_name + "." + attr)
                print("FAIL", mod_name + "." + attr)
                _print_exception(exc)
        per_module[mod_name] = count
        gc.collect()
    gc.collect()
    heap = {}
    if hasattr(gc, "mem_alloc"):
        heap = {"alloc": gc.mem_alloc(), "free": gc.mem_free()}
    if report_path and json is not None:
        with open(report_path, "w") as f:
            f.write(
                json.dumps(
                    {
                        "implementation": impl,
                        "passed": passed,
                        "failed": failed,
                        "failures": failures,
                        "modules": per_module,
                        "heap": heap,
                    }
                )
            )
    print("portable tests on " + impl + ": " + str(len(per_module)) + " modules")
    print(str(passed) + " passed, " + str(failed) + " failed")
    return 0 if failed == 0 and passed > 0 else 1


def main(argv):
    report = ""
    selected = []
    i = 0
    while i < len(argv):
        if argv[i] == "--report":
            report = argv[i + 1]
            i += 2
            continue
        selected.append(argv[i])
        i += 1
    here = _here()
    if here not in sys.path:
        sys.path.insert(0, here)
    return run(selected, report)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
