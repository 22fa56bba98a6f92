"""English character-level language models (RNN, LSTM, GRU) on the Lee corpus (gensim)."""

from __future__ import annotations

from experiments import _lm

CONFIG = {
    "corpus": "lee", "min_freq": 1, "embed": 32, "lstm_hidden": 128, "dtype": "float32",
    "batch": 32, "steps": 64, "partition": "sequential", "updates": 800,
    "lr_grid": [3e-3, 1e-2, 3e-2], "min_lr_ratio": 0.1, "warmup": 50, "clip": 1.0,
    "eval_every": 50,
    "prompt": "The government ", "sample_chars": 160, "beam_width": 4, "beam_chars": 60,
    "top_p": 0.9,
}


def run(progress: bool = True) -> dict:
    return _lm.run("lm_en", CONFIG, progress)


def check(record: dict) -> list:
    return _lm.check(record)
