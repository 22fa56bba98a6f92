"""Korean character-level language models (RNN, LSTM, GRU) on a constitution and bills (konlpy)."""

from __future__ import annotations

from experiments import _lm

CONFIG = {
    "corpus": "ko", "min_freq": 2, "embed": 32, "lstm_hidden": 128, "dtype": "float32",
    "batch": 32, "steps": 64, "partition": "sequential", "updates": 400,
    "lr": 3e-3, "min_lr": 3e-4, "warmup": 50, "clip": 1.0, "eval_every": 25,
    "prompt": "대한민국의 ", "sample_chars": 100, "beam_width": 4, "beam_chars": 40,
    "top_p": 0.9,
}


def run(progress: bool = True) -> dict:
    return _lm.run("lm_ko", CONFIG, progress)


def check(record: dict) -> list:
    return _lm.check(record)
