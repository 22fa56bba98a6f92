"""What the attention page says of its trained encoder–decoders, checked against the record.

Section "Trained: Korean dates into digits" (docs/attention.*.md) quotes
docs/_data/experiments/seq2seq.json through value markers; every other statement it
makes about the runs is a function of the record here. ``story`` lists the sentences
that do not hold; each is also shown to fail on a record altered the way the sentence
would be wrong (the negative controls).
"""

from __future__ import annotations

import copy
import datetime
import importlib.util
import json

import numpy as np
import pytest

from seqcore import date_splits
from seqcore.dates import FIRST, LAST, SOURCE_VOCAB
from tests.conftest import DOCS, SNIPPETS

RECORD = DOCS / "_data" / "experiments" / "seq2seq.json"
YEAR, DAY_MONTH = slice(6, 10), slice(0, 6)
#: a guess at each year digit: the first of 1-9 (years 1000-9999), the others of 0-9
CHANCE = np.array([1 / 9, 1 / 10, 1 / 10, 1 / 10])
#: the validation indices the page quotes as the first at 100% (and after 50, 100 updates)
FIRST_FULL = {"bahdanau": 8, "luong": 12}
EARLY, LATER = 1, 3


def record() -> dict:
    return json.loads(RECORD.read_text(encoding="utf-8"))


def _argmax_char(example: dict, row: int) -> str:
    return example["source"][int(np.argmax(example["weights"][row]))]


def attention_story(m: dict, kind: str) -> list[str]:
    """The learned weights: the reordering; the units (천, 백, 십) and 월 that the year's
    and the month's digits are read at; where the two models read a ones digit."""
    wrong = []
    for ex in m["attention"]:
        src, out = ex["source"], ex["output"]
        year_end, day_start = src.index("년"), src.rindex(" ") + 1
        rows = np.array(ex["weights"])
        if not np.allclose(rows.sum(axis=1), 1.0, atol=1e-3):
            wrong.append("the rows are distributions")
        if not all(np.argmax(rows[i]) >= day_start for i in (0, 1)):
            wrong.append("the first rows (the day) look at the end of the source")
        if not all(np.argmax(rows[i]) <= year_end for i in (6, 7)):
            wrong.append("the year rows look at its beginning")
        for row, unit in ((6, "천"), (7, "백"), (8, "십")):
            if unit in src[:year_end] and _argmax_char(ex, row) != unit:
                wrong.append(f"both read the year's digit before {unit} at {unit}")
        if _argmax_char(ex, 4) != "월":
            wrong.append("both read the month's second digit at 월")
        # a spoken ones digit (not 0) of the year (row 9) and of the day (row 1): its word
        # stands just before 년 or the final 일
        for row, end in ((9, year_end), (1, len(src) - 1)):
            if ex["target"][row] == "0":
                continue
            at = int(np.argmax(rows[row]))
            if kind == "bahdanau" and at != end - 1:
                wrong.append("Bahdanau reads a ones digit at the digit word")
            if kind == "luong" and at != end:
                wrong.append("Luong reads a ones digit at 년 or 일")
        if out != ex["target"]:
            wrong.append("the example is translated right")
    return wrong


def _first_full(validation: list[dict]) -> int:
    """The index of the first validation from which exact match stays at 100%."""
    full = [v["accuracy"] == 1 for v in validation]
    return next(i for i in range(len(full)) if all(full[i:]))


def story(r: dict) -> list[str]:
    """Every sentence of the section about the runs; those that do not hold."""
    m, wrong = r["models"], []
    none, wide, bah, luong = (m[k] for k in ("none", "none_matched", "bahdanau", "luong"))
    if abs(wide["params"] / bah["params"] - 1) > 0.01 or wide["kind"] != "none":
        wrong.append("a model without attention with as many parameters as Bahdanau's")
    # the table and the beam
    for name in ("bahdanau", "luong"):
        if m[name]["test"]["accuracy"] < 0.99 or m[name]["test"]["bleu"] < 0.99:
            wrong.append(f"{name}: every test date right")
        if m[name]["test_beam"] != m[name]["test_greedy_same_sentences"]:
            wrong.append(f"{name}: beam search changes nothing")
    if none["test_beam"]["bleu"] > none["test_greedy_same_sentences"]["bleu"] + 0.01:
        wrong.append("beam search does not rescue the model without attention")
    if not 0.4 < none["test"]["bleu"] < 0.7 or none["test"]["accuracy"] > 0.01:
        wrong.append("no attention: BLEU about half, almost no date exactly right")
    # the bottleneck per position
    pos = np.array(none["char_accuracy_by_position"])
    if pos[DAY_MONTH].min() < 0.99 or np.abs(pos[YEAR] - CHANCE).max() > 0.05:
        wrong.append("no attention: day and month right, the year's digits about a guess")
    wpos = np.array(wide["char_accuracy_by_position"])
    if wpos[6] < 0.5 or np.any(np.diff(wpos[YEAR]) >= 0) or not 0.1 < wpos[9] < 0.25:
        wrong.append("same size: learns the year from its first digit, less at each after, "
                     "its last digit above a guess but low")
    for name in ("bahdanau", "luong"):
        if min(m[name]["char_accuracy_by_position"]) < 0.999:
            wrong.append(f"{name}: every position right")
    # why the year: what the record says against reading order alone
    by_len = wide["accuracy_by_length"]
    exact = [b["accuracy"] for b in by_len]
    if np.any(np.diff(exact) < 0) or not exact[-1] > exact[0] + 0.1:
        wrong.append("same size: exact match rises with the length of the source")
    if np.any(np.diff([b["length"] for b in by_len]) <= 0):
        wrong.append("the lengths quoted are the shortest and the longest test source")
    # Bahdanau and Luong, learned
    wrong += attention_story(bah, "bahdanau") + attention_story(luong, "luong")
    sharp = {k: np.mean([np.max(ex["weights"], axis=1).mean() for ex in m[k]["attention"]])
             for k in ("bahdanau", "luong")}
    if not sharp["luong"] > 0.9 > sharp["bahdanau"]:
        wrong.append("Luong's weights nearly one-hot, Bahdanau's softer")
    bv, lv = bah["validation"], luong["validation"]
    if [v["step"] for v in bv] != [v["step"] for v in lv]:
        wrong.append("both validated at the same updates")
    if not lv[EARLY]["accuracy"] > bv[EARLY]["accuracy"]:
        wrong.append("after 50 updates Luong was ahead")
    if not bv[LATER]["accuracy"] > lv[LATER]["accuracy"]:
        wrong.append("after 100 updates Bahdanau was ahead")
    if bv[-1]["accuracy"] < 1 or lv[-1]["accuracy"] < 1:
        wrong.append("both reached 100% within the budget")
    elif {k: _first_full(m[k]["validation"]) for k in FIRST_FULL} != FIRST_FULL:
        wrong.append("the updates quoted are where each first reached 100% for good")
    if not bah["params"] > luong["params"]:
        wrong.append("Bahdanau has more parameters than Luong")
    return wrong


def test_the_section_tells_the_recorded_runs():
    assert story(record()) == []


@pytest.mark.parametrize("alter, sentence", [
    (lambda r: r["models"]["none"]["char_accuracy_by_position"].__setitem__(8, 0.4),
     "no attention: day and month right, the year's digits about a guess"),
    (lambda r: r["models"]["none"]["char_accuracy_by_position"].__setitem__(6, 0.02),
     "no attention: day and month right, the year's digits about a guess"),
    (lambda r: r["models"]["none_matched"]["char_accuracy_by_position"].__setitem__(9, 0.08),
     "same size: learns the year from its first digit, less at each after, "
     "its last digit above a guess but low"),
    (lambda r: r["models"]["none_matched"]["accuracy_by_length"][-1].__setitem__(
        "accuracy", 0.05), "same size: exact match rises with the length of the source"),
    (lambda r: r["models"]["bahdanau"]["attention"][0]["weights"][1].reverse(),
     "Bahdanau reads a ones digit at the digit word"),
    (lambda r: r["models"]["luong"]["attention"][0]["weights"][9].reverse(),
     "Luong reads a ones digit at 년 or 일"),
    (lambda r: r["models"]["luong"]["attention"][1]["weights"][8].reverse(),
     "both read the year's digit before 십 at 십"),
    (lambda r: r["models"]["bahdanau"]["validation"][1].__setitem__("accuracy", 0.5),
     "after 50 updates Luong was ahead"),
    (lambda r: r["models"]["luong"]["validation"][11].__setitem__("accuracy", 1.0),
     "the updates quoted are where each first reached 100% for good"),
    (lambda r: r["models"]["luong"].__setitem__("params", 40000),
     "Bahdanau has more parameters than Luong"),
    (lambda r: r["models"]["luong"]["test_beam"].__setitem__("bleu", 0.98),
     "luong: beam search changes nothing"),
    (lambda r: r["models"]["none"]["test_beam"].__setitem__("bleu", 0.7),
     "beam search does not rescue the model without attention"),
    (lambda r: r["models"]["bahdanau"]["attention"][0]["weights"][6].reverse(),
     "both read the year's digit before 천 at 천"),
    (lambda r: r["models"]["luong"]["validation"][3].__setitem__("accuracy", 0.99),
     "after 100 updates Bahdanau was ahead"),
    (lambda r: r["models"]["none_matched"].__setitem__("params", 20125),
     "a model without attention with as many parameters as Bahdanau's"),
])
def test_a_record_that_contradicts_a_sentence_is_caught(alter, sentence):
    r = copy.deepcopy(record())
    alter(r)
    assert sentence in story(r)


def test_the_task_as_the_page_describes_it():
    """Source vocabulary and lengths, the splits' sizes, the examples on the page."""
    r = record()
    splits = date_splits(r["seed"], **r["config"]["splits"])
    lengths = [len(s) for s, _ in splits["train"]]
    assert r["data"]["source_length"] == [min(lengths), max(lengths)]
    assert r["config"]["source_vocab"] == len(SOURCE_VOCAB) == 17
    assert r["models"]["bahdanau"]["attention"][0]["source"] == "삼천사백오년 칠월 십팔일"
    assert splits["test"][0] == ("삼천사백오년 칠월 십팔일", "18.07.3405")


def test_the_runs_fit_their_share_of_the_budget():
    """The three models (and the size-matched fourth) together: at most 120 s CPU."""
    r = record()
    assert r["cpu_seconds"] <= 120
    assert sum(m["cpu_seconds_model"] for m in r["models"].values()) <= r["cpu_seconds"]


def test_the_quoted_indices_are_the_ones_the_page_reads():
    """The markers of the updates quoted (after 50, after 100, first at 100%) point at the
    indices ``story`` checks, in both languages."""
    for lang in ("ko", "en"):
        page = (DOCS / f"attention.{lang}.md").read_text(encoding="utf-8")
        for name, i in FIRST_FULL.items():
            assert f"seq2seq models.{name}.validation.{i}.step d -->" in page, (lang, name)
        for name in ("bahdanau", "luong"):
            for i in (EARLY, LATER):
                assert f"seq2seq models.{name}.validation.{i}.accuracy .0% -->" in page
        for end in ("0", "-1"):
            assert f"models.none_matched.accuracy_by_length.{end}.accuracy" in page, lang


def test_the_year_holds_the_most_and_a_guess_is_what_the_plot_draws():
    """'one of 9,000 values, against at most 366 for the day and the month together';
    a guess gets 1/9 of the first year digit and 1/10 of the others, as plotted."""
    first, last = datetime.date.fromordinal(FIRST), datetime.date.fromordinal(LAST)
    years = range(first.year, last.year + 1)
    assert len(years) == 9000
    leap = datetime.date(2000, 1, 1).toordinal()            # a leap year inside the range
    day_month = {(d.month, d.day) for d in map(datetime.date.fromordinal,
                                                range(leap, leap + 366))}
    assert len(day_month) == 366 and FIRST <= leap and leap + 366 <= LAST
    digits = [{f"{y:04d}"[k] for y in years} for k in range(4)]
    assert [1 / len(d) for d in digits] == CHANCE.tolist()
    spec = importlib.util.spec_from_file_location(
        "plot_seq2seq_positions_claims", SNIPPETS / "plot_seq2seq_positions.py")
    plot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plot)
    assert plot.CHANCE == CHANCE.tolist()
