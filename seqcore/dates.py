"""A small translation task where alignment matters: Korean dates in words into digits.

The source is a date read aloud in Sino-Korean numerals, one character per token;
the target is the same date written ``DD.MM.YYYY``, one character per token::

    이천이십육년 십이월 사일   →   04.12.2026

Three things make a model *align* rather than copy left to right:

- **reordering**: the source says year, month, day; the target writes day, month, year,
  so the first output digits come from the end of the source;
- **digits with no source character**: a zero is never read aloud (이천오 is 2005, 십 is
  10), and the place of a digit is said by the unit after it (천, 백, 십), so the
  output position of a digit depends on which units the source contains;
- **one character, two meanings**: 일 is the digit 1 (일천 is not said, but 십일 is 11)
  and the word for "day" after the day's number.

Irregular month names follow the spoken language: 6월 is 유월 and 10월 is 시월.
Dates are drawn uniformly from 1000-01-01 to 9999-12-31 without repetition, so the
train, validation and test splits share no date.
"""

from __future__ import annotations

import calendar
import datetime

import numpy as np

from ._validate import Integer, Seed, params

__all__ = ["SOURCE_VOCAB", "TARGET_VOCAB", "date_splits", "korean_date", "korean_number"]

DIGITS = "영일이삼사오육칠팔구"
UNITS = ((1000, "천"), (100, "백"), (10, "십"), (1, ""))
#: Source tokens: the characters a date can be read with (the space between its words too).
SOURCE_VOCAB = tuple(" 일이삼사오육칠팔구십백천년월유시")
#: Target tokens: start and end of the sequence, the ten digits and the dot.
TARGET_VOCAB = ("<s>", "</s>", *"0123456789.")
FIRST, LAST = datetime.date(1000, 1, 1).toordinal(), datetime.date(9999, 12, 31).toordinal()


@params(n=Integer(ge=1, le=9999))
def korean_number(n: int) -> str:
    """The Sino-Korean reading of ``n`` (1 to 9999), as it is said: 2026 is 이천이십육.

    A unit with the digit 1 drops the digit (천, 백, 십, not 일천, 일백, 일십); a
    zero digit is not said at all.

    Examples
    --------
    >>> from seqcore import korean_number
    >>> korean_number(2026), korean_number(1910), korean_number(11)
    ('이천이십육', '천구백십', '십일')
    """
    words = []
    for unit, name in UNITS:
        digit = n // unit % 10
        if digit == 0:
            continue
        # the digit 1 before a unit is silent: 십, not 일십
        words.append(("" if digit == 1 and unit > 1 else DIGITS[digit]) + name)
    return "".join(words)


@params(year=Integer(ge=1000, le=9999), month=Integer(ge=1, le=12), day=Integer(ge=1, le=31))
def korean_date(year: int, month: int, day: int) -> str:
    """A date read aloud: ``korean_date(2026, 12, 4)`` is ``'이천이십육년 십이월 사일'``.

    Examples
    --------
    >>> from seqcore import korean_date
    >>> korean_date(2026, 12, 4), korean_date(1987, 6, 10)
    ('이천이십육년 십이월 사일', '천구백팔십칠년 유월 십일')
    """
    last = calendar.monthrange(year, month)[1]
    if day > last:                                 # 30 February, 31 April
        raise ValueError(f"korean_date: `day` must be a day of {year}-{month:02d}, 1 to "
                         f"{last}; got {day}")
    # 6월 and 10월 are said 유월 and 시월 (the final consonant dropped)
    month_word = {6: "유", 10: "시"}.get(month, korean_number(month))
    return f"{korean_number(year)}년 {month_word}월 {korean_number(day)}일"


@params(seed=Seed(), train=Integer(ge=1), validation=Integer(ge=1), test=Integer(ge=1))
def date_splits(seed: int, train: int = 8000, validation: int = 500,
                test: int = 1000) -> dict[str, list[tuple[str, str]]]:
    """Disjoint train, validation and test sets of ``(source, target)`` date pairs.

    Deterministic from ``seed``: the dates are drawn without repetition from every
    day between 1000-01-01 and 9999-12-31.

    Examples
    --------
    >>> from seqcore import date_splits
    >>> splits = date_splits(0, train=3, validation=1, test=1)
    >>> splits["train"][0]
    ('육천칠백삼십이년 팔월 이십육일', '26.08.6732')
    """
    rng = seed                                     # a Generator, from the seed
    total = train + validation + test
    ordinals = FIRST + rng.choice(LAST - FIRST + 1, size=total, replace=False)
    pairs = [_pair(datetime.date.fromordinal(int(o))) for o in ordinals]
    return {"train": pairs[:train], "validation": pairs[train:train + validation],
            "test": pairs[train + validation:]}


def _pair(d: datetime.date) -> tuple[str, str]:
    # the target reverses the order of the source's three fields
    return korean_date(d.year, d.month, d.day), f"{d.day:02d}.{d.month:02d}.{d.year:04d}"


def encode(texts: list[str], vocab: tuple[str, ...], bos: bool = False) -> np.ndarray:
    """Time-major ids ``(T, batch)`` of equally long texts, one character a token;
    ``bos``: framed by ``<s>`` and ``</s>`` (a target)."""
    index = {t: i for i, t in enumerate(vocab)}
    rows = [([0] if bos else []) + [index[ch] for ch in text] + ([1] if bos else [])
            for text in texts]
    return np.asarray(rows, dtype=np.int64).T
