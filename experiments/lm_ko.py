"""Korean character-level language models (RNN, LSTM, GRU) on a constitution and bills (konlpy)."""

from __future__ import annotations

from experiments import _lm
from experiments.lm_en import CONFIG as ENGLISH

# The English recipe; the Korean text is about a sixth as long, so half the updates
# (over 15 epochs already) and evaluations twice as often; characters seen once become <unk>.
CONFIG = {**ENGLISH, "corpus": "ko", "min_freq": 2, "updates": 400, "eval_every": 25,
          "prompt": "대한민국의 ", "sample_chars": 100, "beam_chars": 40}


def run(progress: bool = True) -> dict:
    return _lm.run("lm_ko", CONFIG, progress)


def check(record: dict) -> list:
    return _lm.check(record)
