"""The date task: Sino-Korean readings checked by reading them back, the splits, bad input."""

from __future__ import annotations

import datetime

import pytest

from seqcore import date_splits, korean_date, korean_number
from seqcore.dates import SOURCE_VOCAB, TARGET_VOCAB
from tests.unit.errors import assert_error_names

DIGIT = {ch: k for k, ch in enumerate("영일이삼사오육칠팔구")}
UNIT = {"천": 1000, "백": 100, "십": 10}


def read_back(word: str) -> int:
    """An independent reader: a digit word multiplies the unit after it (1 when none)."""
    total, pending = 0, None
    for ch in word:
        if ch in UNIT:
            total += (1 if pending is None else pending) * UNIT[ch]
            pending = None
        else:
            pending = DIGIT[ch]
    return total + (pending or 0)


def test_every_number_reads_back_to_itself():
    seen = set()
    for n in range(1, 10000):
        word = korean_number(n)
        assert read_back(word) == n, (n, word)
        seen.add(word)
    assert len(seen) == 9999                               # no two numbers read alike


@pytest.mark.parametrize("n, word", [(1, "일"), (10, "십"), (11, "십일"), (20, "이십"),
                                     (100, "백"), (105, "백오"), (1000, "천"),
                                     (1910, "천구백십"), (2005, "이천오"),
                                     (2026, "이천이십육"), (9999, "구천구백구십구")])
def test_readings_as_they_are_said(n, word):
    assert korean_number(n) == word


def test_dates_with_the_irregular_months():
    assert korean_date(2026, 12, 4) == "이천이십육년 십이월 사일"
    assert korean_date(1987, 6, 10) == "천구백팔십칠년 유월 십일"     # 유월, not 육월
    assert korean_date(2005, 10, 1) == "이천오년 시월 일일"           # 시월, not 십월


def test_the_splits_are_disjoint_deterministic_and_right():
    a, b = date_splits(0), date_splits(0)
    assert a == b
    assert date_splits(1)["train"][:5] != a["train"][:5]
    sources = [s for split in a.values() for s, _ in split]
    assert len(set(sources)) == len(sources) == 9500
    for split in a.values():
        for source, target in split:
            day, month, year = (int(x) for x in target.split("."))
            d = datetime.date(year, month, day)            # a real date
            assert korean_date(d.year, d.month, d.day) == source
            assert len(target) == 10 and target[2] == target[5] == "."
            assert set(source) <= set(SOURCE_VOCAB) and set(target) <= set(TARGET_VOCAB)
    # every source token is used, and the task has reordering: the day comes first
    assert set("".join(sources)) == set(SOURCE_VOCAB)


@pytest.mark.parametrize("call, error, fragments", [
    (lambda: korean_number(0), ValueError, ["korean_number", "`n`", "[1, 9999]", "0"]),
    (lambda: korean_number(2.5), TypeError, ["`n`", "integer"]),
    (lambda: korean_date(2026, 13, 1), ValueError, ["korean_date", "`month`", "13"]),
    (lambda: korean_date(2026, 2, 30), ValueError, ["korean_date", "`day`", "1 to 28",
                                                     "got 30"]),
    (lambda: date_splits(0, train=0), ValueError, ["date_splits", "`train`", ">= 1"]),
])
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)
