"""Value markers: numbers in the text come from the experiment records, in both languages."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest

from tests.conftest import DOCS, ROOT

_spec = importlib.util.spec_from_file_location("records_hook",
                                               ROOT / "overrides" / "hooks" / "records.py")
hook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hook)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "demo.json").write_text(json.dumps(
        {"rnn": {"seconds": [0.5, 0.0123], "exponent": 0.98765}, "name": "x", "flag": True}))
    return tmp_path


@pytest.mark.parametrize("marker, shown", [
    ("<!-- value: demo rnn.exponent .2f -->", "0.99"),
    ("<!-- value: demo rnn.seconds.-1 *1000 .0f --> ms", "12 ms"),
    ("<!-- value: demo rnn.seconds.0 /0.25 .1f -->", "2.0"),
    ("k = $<!-- value: demo rnn.exponent .3f -->$", "k = $0.988$"),
])
def test_a_marker_becomes_the_recorded_number(folder, marker, shown):
    assert hook.substitute(marker, folder) == shown


@pytest.mark.parametrize("marker, error, message", [
    ("<!-- value: other rnn.exponent .2f -->", ValueError, "no such record"),
    ("<!-- value: demo rnn.speed .2f -->", KeyError, "no key 'speed'"),
    ("<!-- value: demo rnn.seconds.5 .2f -->", KeyError, "no item '5' in a list of 2"),
    ("<!-- value: demo name .2f -->", ValueError, "not a number but 'x'"),
    ("<!-- value: demo flag d -->", ValueError, "not a number but True"),
])
def test_a_marker_that_leads_nowhere_is_an_error(folder, marker, error, message):
    with pytest.raises(error, match=re.escape(message)):
        hook.substitute(marker, folder)


def test_both_languages_quote_the_same_recorded_numbers():
    pages = sorted(DOCS.glob("*.ko.md"))
    quoting = 0
    for ko in pages:
        en = ko.with_name(ko.name.replace(".ko.md", ".en.md"))
        ko_marks = [m[0] for m in hook.VALUE.finditer(ko.read_text(encoding="utf-8"))]
        en_marks = [m[0] for m in hook.VALUE.finditer(en.read_text(encoding="utf-8"))]
        # the same numbers; a sentence may put them in another order in each language
        assert sorted(ko_marks) == sorted(en_marks), \
            f"{ko.name} and {en.name} quote different recorded numbers"
        quoting += bool(ko_marks)
        for m in ko_marks:                      # every marker resolves against the records
            hook.substitute(m, DOCS / "_data" / "experiments")
    assert quoting >= 1
