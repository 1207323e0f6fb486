"""Presence methods and their settings, written ``name[key=value,...]``.

    hmm                                  our estimator with its defaults
    hmm[temper=0.6]                      ... with one setting changed
    hmm[temper=0.6,move_bounds=(60,3600)]
    threshold[threshold=-80]             a baseline's settings work the same way

``iotedge presence replay --method`` and ``eval --methods`` take these specs, and
the gateway's ``[presence.estimator]`` table holds the same settings for ``hmm``.
A setting is a keyword of the method's constructor (``PresenceEstimator``,
``StrongestGateway``, ``ThresholdCount``; docs/presence.md lists ours), its value a
Python literal typed like the default: an int is taken where a float is expected, a
list or tuple of numbers where a pair is, a bare word where a string is. Anything
else, an unknown key, or a number that is not finite, is a ``PresenceError``
(``bad-setting``) naming the key; an unknown method is ``bad-method``. Ranges are
checked by the method itself when it is built (also ``bad-setting``).
"""

from __future__ import annotations

import ast
import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any

from iotedge.core.errors import PresenceError
from iotedge.core.presence_baselines import StrongestGateway, ThresholdCount
from iotedge.core.presence_estimator import PresenceEstimator

OURS = "hmm"

METHODS: dict[str, Callable[..., Any]] = {
    OURS: PresenceEstimator,
    "strongest": StrongestGateway,
    "threshold": ThresholdCount,
}

# Not settable in a spec: the venue is the command's, and smoothing has its own flag
# (``--lag``) because it changes what the replay writes, not how the method estimates.
_RESERVED = ("venue", "lag")


def method_defaults(name: str) -> dict[str, Any]:
    """The settable keywords of method ``name`` and their defaults."""
    factory = METHODS.get(name)
    if factory is None:
        raise PresenceError("bad-method", f"unknown method {name!r}; one of {', '.join(METHODS)}")
    params = inspect.signature(factory).parameters
    return {
        key: p.default
        for key, p in params.items()
        if key not in _RESERVED and p.default is not inspect.Parameter.empty
    }


def check_settings(name: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """``settings`` for method ``name`` with each value converted to its default's type."""
    defaults = method_defaults(name)
    checked: dict[str, Any] = {}
    for key, value in settings.items():
        if key not in defaults:
            known = ", ".join(sorted(defaults))
            raise PresenceError("bad-setting", f"{name} has no setting {key!r}; it has {known}")
        checked[key] = _typed(name, key, value, defaults[key])
    return checked


def _typed(name: str, key: str, value: Any, default: Any) -> Any:
    want = type(default).__name__
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok:
            value = float(value)
            ok = math.isfinite(value)
            want = "a finite number"
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, str):
        ok = isinstance(value, str)
    elif isinstance(default, tuple):
        want = f"{len(default)} finite numbers"
        ok = (
            isinstance(value, list | tuple)
            and len(value) == len(default)
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            and all(math.isfinite(v) for v in value)
        )
        if ok:
            value = tuple(float(v) for v in value)
    else:  # pragma: no cover - every constructor default is one of the types above
        ok = False
    if not ok:
        raise PresenceError("bad-setting", f"{name} setting {key!r} must be {want}, not {value!r}")
    return value


def parse_method(spec: str) -> tuple[str, dict[str, Any]]:
    """``"hmm[temper=0.6]"`` -> ``("hmm", {"temper": 0.6})``, checked."""
    spec = spec.strip()
    name, bracket, rest = spec.partition("[")
    name = name.strip()
    settings: dict[str, Any] = {}
    if bracket:
        if not rest.endswith("]"):
            raise PresenceError("bad-method", f"{spec!r}: settings must end with ']'")
        for item in split_top_level(rest[:-1]):
            key, eq, raw = item.partition("=")
            key = key.strip()
            if not eq or not key:
                raise PresenceError("bad-setting", f"{spec!r}: expected key=value, got {item!r}")
            if key in settings:
                raise PresenceError("bad-setting", f"{spec!r}: {key!r} is given twice")
            settings[key] = _literal(raw.strip())
    return name, check_settings(name, settings)


def _literal(raw: str) -> Any:
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return raw  # a bare word: a string setting such as stat=median


def format_method(name: str, settings: Mapping[str, Any]) -> str:
    """The spec that ``parse_method`` reads back as ``(name, settings)``."""
    if not settings:
        return name
    items = ",".join(f"{key}={_format_value(value)}" for key, value in settings.items())
    return f"{name}[{items}]"


def _format_value(value: Any) -> str:
    if isinstance(value, tuple):  # no spaces: the spec stays one shell word
        return "(" + ",".join(repr(v) for v in value) + ")"
    return repr(value)


def split_top_level(text: str) -> list[str]:
    """Split at commas outside brackets, parentheses and quotes; empty items dropped.

    ``"hmm,hmm[temper=0.6,stat=max],strongest"`` -> three specs, and inside a spec
    ``"move_bounds=(60,3600),temper=0.6"`` -> two settings."""
    items: list[str] = []
    depth = 0
    start = 0
    quote = ""  # the quote character of the string literal we are in, if any
    escaped = False
    for i, ch in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
            if depth < 0:
                raise PresenceError("bad-method", f"{text!r}: unbalanced {ch!r}")
        elif ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    if depth != 0 or quote:
        raise PresenceError("bad-method", f"{text!r}: unbalanced brackets or quotes")
    items.append(text[start:])
    return [item.strip() for item in items if item.strip()]
