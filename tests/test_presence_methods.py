"""Method specs ``name[key=value,...]``: parsing, typing, errors, and that a spec
builds exactly the estimator its keywords build."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.core.errors import PresenceError
from iotedge.core.presence_estimator import PresenceEstimator
from iotedge.core.presence_venue import Venue
from iotedge.presence.io import Report
from iotedge.presence.methods import (
    check_settings,
    format_method,
    method_defaults,
    parse_method,
    split_top_level,
)
from iotedge.presence.replay import make_estimator, run
from iotedge.presence.synthetic import generate

VENUE_DICT = {"rooms": ["a", "b"], "gateways": {"ga": {"room": "a"}, "gb": {"room": "b"}}}


@pytest.mark.parametrize(
    "spec,name,want",
    [
        ("hmm", "hmm", {}),
        (" strongest ", "strongest", {}),
        ("hmm[temper=0.6]", "hmm", {"temper": 0.6}),
        ("hmm[sigma=5]", "hmm", {"sigma": 5.0}),  # an int where a float is expected
        ("hmm[move_bounds=(60,3600)]", "hmm", {"move_bounds": (60.0, 3600.0)}),
        ("hmm[move_bounds=[60, 3600.5]]", "hmm", {"move_bounds": (60.0, 3600.5)}),
        ("hmm[stat=median]", "hmm", {"stat": "median"}),  # a bare word is a string
        ("hmm[stat='trimmed', calibrate=False]", "hmm", {"stat": "trimmed", "calibrate": False}),
        ("threshold[threshold=-80,window=60]", "threshold", {"threshold": -80.0, "window": 60.0}),
        ("hmm[]", "hmm", {}),
    ],
)
def test_specs_parse_to_typed_settings(spec: str, name: str, want: dict[str, Any]) -> None:
    got_name, got = parse_method(spec)
    assert (got_name, got) == (name, want)
    for key, value in got.items():
        assert type(value) is type(method_defaults(name)[key])


@pytest.mark.parametrize(
    "spec,reason,named",
    [
        ("hmmm", "bad-method", "hmmm"),
        ("hmm[tempr=0.6]", "bad-setting", "tempr"),
        ("hmm[temper=high]", "bad-setting", "temper"),
        ("hmm[temper=True]", "bad-setting", "temper"),  # a bool is not a number here
        ("hmm[temper=1e999]", "bad-setting", "finite"),
        ("hmm[calibrate=1]", "bad-setting", "calibrate"),
        ("hmm[move_bounds=(60,)]", "bad-setting", "move_bounds"),
        ("hmm[move_bounds=(60,inf)]", "bad-setting", "move_bounds"),
        ("hmm[temper=0.6,temper=0.7]", "bad-setting", "twice"),
        ("hmm[temper]", "bad-setting", "key=value"),
        ("hmm[temper=0.6", "bad-method", "]"),
        ("hmm[lag=30]", "bad-setting", "lag"),  # smoothing has its own flag
        ("hmm[venue=1]", "bad-setting", "venue"),
        ("strongest[temper=0.6]", "bad-setting", "temper"),
    ],
)
def test_bad_specs_are_typed_errors_naming_the_part(spec: str, reason: str, named: str) -> None:
    with pytest.raises(PresenceError) as err:
        parse_method(spec)
    assert err.value.reason == reason
    assert named in str(err.value)


def test_out_of_range_values_fail_when_the_method_is_built() -> None:
    venue = Venue(VENUE_DICT)
    with pytest.raises(PresenceError) as err:
        make_estimator("hmm[temper=1.5]", venue)
    assert err.value.reason == "bad-setting" and "temper" in str(err.value)


@pytest.mark.parametrize(
    "text,want",
    [
        ("hmm,strongest", ["hmm", "strongest"]),
        (
            "hmm, hmm[temper=0.6,stat=max] ,strongest,",
            ["hmm", "hmm[temper=0.6,stat=max]", "strongest"],
        ),
        ("move_bounds=(60,3600),temper=0.6", ["move_bounds=(60,3600)", "temper=0.6"]),
        ("stat='a,b]',temper=0.6", ["stat='a,b]'", "temper=0.6"]),  # quotes hide brackets
        ("", []),
    ],
)
def test_split_keeps_brackets_whole(text: str, want: list[str]) -> None:
    assert split_top_level(text) == want


@pytest.mark.parametrize("text", ["hmm[temper=0.6", "hmm]", "a,(b", "stat='max"])
def test_split_rejects_unbalanced_brackets(text: str) -> None:
    with pytest.raises(PresenceError) as err:
        split_top_level(text)
    assert err.value.reason == "bad-method"


def _value_for(default: Any) -> st.SearchStrategy[Any]:
    finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, float):
        return finite
    if isinstance(default, tuple):
        return st.tuples(finite, finite)
    return st.text(max_size=12)


@st.composite
def _specs(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(["hmm", "strongest", "threshold"]))
    defaults = method_defaults(name)
    keys = draw(st.lists(st.sampled_from(sorted(defaults)), unique=True, max_size=5))
    return name, {key: draw(_value_for(defaults[key])) for key in keys}


@settings(max_examples=200, deadline=None)
@given(_specs())
def test_format_then_parse_is_the_identity(spec: tuple[str, dict[str, Any]]) -> None:
    name, values = spec
    assert parse_method(format_method(name, values)) == (name, check_settings(name, values))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_any_string_value_survives_format_and_parse(value: str) -> None:
    """Commas, brackets, quotes and backslashes inside a quoted value are the value's."""
    spec = format_method("hmm", {"stat": value, "temper": 0.6})
    assert parse_method(spec) == ("hmm", {"stat": value, "temper": 0.6})


def test_a_spec_builds_the_estimator_its_keywords_build() -> None:
    """Replayed side by side, hmm[temper=0.6,move_memory=60] and
    PresenceEstimator(venue, temper=0.6, move_memory=60) agree at every step, and
    differ from the defaults (so the settings took effect)."""
    data = generate(seed=4, badges=6, duration=900)
    venue = Venue(data.venue)
    reports = [Report(*r) for r in data.reports]
    by_spec = make_estimator("hmm[temper=0.6,move_memory=60]", venue)
    by_keywords = PresenceEstimator(venue, temper=0.6, move_memory=60.0)
    default = make_estimator("hmm", venue)
    differs = False
    for spec_step, kw_step, default_step in run(
        venue, reports, [by_spec, by_keywords, default], step=5.0
    ):
        assert spec_step == kw_step
        differs = differs or any(
            not math.isclose(a[2], b[2])
            for a, b in zip(spec_step.rows, default_step.rows, strict=True)
        )
    assert differs
