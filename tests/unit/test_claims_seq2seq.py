"""What the attention page says of its trained encoder–decoders, checked against the record.

Section "Trained: Korean dates into digits" (docs/attention.*.md) quotes
docs/_data/experiments/seq2seq.json through value markers; every other statement it
makes about the runs is a function of the record here. ``story`` lists the sentences
that do not hold; each is also shown to fail on a record altered the way the sentence
would be wrong (the negative controls).
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from seqcore import date_splits
from seqcore.dates import SOURCE_VOCAB
from tests.conftest import DOCS

RECORD = DOCS / "_data" / "experiments" / "seq2seq.json"
YEAR, DAY_MONTH = slice(6, 10), slice(0, 6)


def record() -> dict:
    return json.loads(RECORD.read_text(encoding="utf-8"))


def _argmax_char(example: dict, row: int) -> str:
    return example["source"][int(np.argmax(example["weights"][row]))]


def attention_story(m: dict) -> list[str]:
    """The learned weights: the reordering and the units (천, 백, 월) the digits come from."""
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
        if "천" in src[:year_end] and _argmax_char(ex, 6) != "천":
            wrong.append("the year's thousands digit is read at 천")
        if "백" in src[:year_end] and _argmax_char(ex, 7) != "백":
            wrong.append("the year's hundreds digit is read at 백")
        if _argmax_char(ex, 4) != "월":
            wrong.append("the month's second digit is read at 월")
        if out != ex["target"]:
            wrong.append("the example is translated right")
    return wrong


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
    if pos[DAY_MONTH].min() < 0.99 or pos[YEAR].max() > 0.15:
        wrong.append("no attention: day and month right, the year's digits a guess")
    wpos = np.array(wide["char_accuracy_by_position"])
    if wpos[6] < 0.5 or wpos[9] > 0.25 or np.any(np.diff(wpos[YEAR]) > 0):
        wrong.append("same size: learns the year from its first digit, near chance by the last")
    for name in ("bahdanau", "luong"):
        if min(m[name]["char_accuracy_by_position"]) < 0.999:
            wrong.append(f"{name}: every position right")
    # Bahdanau and Luong, learned
    wrong += attention_story(bah) + attention_story(luong)
    sharp = {k: np.mean([np.max(ex["weights"], axis=1).mean() for ex in m[k]["attention"]])
             for k in ("bahdanau", "luong")}
    if not sharp["luong"] > 0.9 > sharp["bahdanau"]:
        wrong.append("Luong's weights nearly one-hot, Bahdanau's softer")
    if not bah["validation"][3]["accuracy"] > luong["validation"][3]["accuracy"]:
        wrong.append("in this run Bahdanau learned faster")
    if bah["validation"][-1]["accuracy"] < 1 or luong["validation"][-1]["accuracy"] < 1:
        wrong.append("both reached 100% within the budget")
    return wrong


def test_the_section_tells_the_recorded_runs():
    assert story(record()) == []


@pytest.mark.parametrize("alter, sentence", [
    (lambda r: r["models"]["none"]["char_accuracy_by_position"].__setitem__(8, 0.4),
     "no attention: day and month right, the year's digits a guess"),
    (lambda r: r["models"]["luong"]["test_beam"].__setitem__("bleu", 0.98),
     "luong: beam search changes nothing"),
    (lambda r: r["models"]["none"]["test_beam"].__setitem__("bleu", 0.7),
     "beam search does not rescue the model without attention"),
    (lambda r: r["models"]["bahdanau"]["attention"][0]["weights"][6].reverse(),
     "the year's thousands digit is read at 천"),
    (lambda r: r["models"]["luong"]["validation"][3].__setitem__("accuracy", 0.99),
     "in this run Bahdanau learned faster"),
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
