"""A long-range dependency: recall the symbol D steps back, after D - 1 distractors, RNN/LSTM/GRU.

Each sequence is a symbol :math:`s` (one of ``symbols``), then ``D - 1`` distractors
drawn from the same symbols, then a query token; the target at the query is :math:`s`,
and no other position is scored (``ignore_index``). Only a gradient that survives
:math:`D` steps back can teach a model to keep :math:`s`. For each distance each cell
(parameter counts matched to the LSTM's) is trained for the same number of Adam
updates on fresh random sequences, and its accuracy is measured on held-out ones
(chance: 1 / ``symbols``). The gated cells run twice: with PyTorch's initialization,
and with ``carry_bias`` 1 on the gate that keeps the state (LSTM forget, GRU update).
"""

from __future__ import annotations

import numpy as np

from experiments._record import Check, sig
from seqcore import Optimizer, RecurrentLM, matched_hidden, train
from seqcore.rnnlm import IGNORE

SEED = 0
#: model name -> (cell, carry_bias)
VARIANTS = {"rnn": ("rnn", 0.0), "lstm": ("lstm", 0.0), "gru": ("gru", 0.0),
            "lstm_carry1": ("lstm", 1.0), "gru_carry1": ("gru", 1.0)}
CONFIG = {"symbols": 8, "distances": [2, 5, 10, 20, 40, 80], "embed": 8, "lstm_hidden": 32,
          "dtype": "float64", "batch": 64, "updates": 800, "lr": 1e-2, "clip": 1.0,
          "test_sequences": 1000, "variants": {k: list(v) for k, v in VARIANTS.items()}}
CHECK_UPDATES = 3


def sequences(n: int, distance: int, symbols: int, rng: np.random.Generator):
    """``(X, Y, s)``: time-major ids ``(D + 1, n)``, targets (ignored but the last), answers."""
    s = rng.integers(symbols, size=n)
    X = np.empty((distance + 1, n), dtype=np.int64)
    X[0] = s
    X[1:distance] = rng.integers(symbols, size=(distance - 1, n))    # distractors
    X[distance] = symbols                                             # the query token
    Y = np.full_like(X, IGNORE)
    Y[distance] = s
    return X, Y, s


def _batches(config: dict, distance: int, seed: int):
    rng = np.random.default_rng(seed)
    while True:
        X, Y, _ = sequences(config["batch"], distance, config["symbols"], rng)
        yield X, Y, True                                  # every sequence starts from zero


def _models(config: dict) -> dict:
    V, d = config["symbols"] + 1, config["embed"]
    target = RecurrentLM("lstm", V, d, config["lstm_hidden"]).param_count()
    out = {}
    for name, (cell, carry) in config["variants"].items():
        lm = RecurrentLM(cell, V, d, matched_hidden(cell, V, d, target))
        out[name] = (lm, lm.init_params(seed=SEED, dtype=np.dtype(config["dtype"]),
                                        carry_bias=carry))
    return out


def _fit(lm, params, config, distance, updates, progress):
    return train(lm, params, _batches(config, distance, SEED + distance), steps=updates,
                 optimizer=Optimizer("adam", lr=config["lr"]), clip=config["clip"],
                 progress=progress, desc=f"recall D={distance} {lm.cell}")


def accuracy(lm: RecurrentLM, params: dict, config: dict, distance: int) -> float:
    X, _, s = sequences(config["test_sequences"], distance, config["symbols"],
                        np.random.default_rng(10_000 + distance))
    logits, _ = lm.forward(params, X)
    return float(np.mean(np.argmax(logits[-1], axis=-1) == s))


def run(progress: bool = True) -> dict:
    models = _models(CONFIG)
    results = {"chance": 1 / CONFIG["symbols"], "models": {}, "check": {}}
    for name, (lm, params) in models.items():
        rows = []
        for D in CONFIG["distances"]:
            res = _fit(lm, params, CONFIG, D, CONFIG["updates"], progress)
            rows.append({"distance": D, "accuracy": accuracy(lm, res.params, CONFIG, D),
                         "final_loss": sig(float(np.mean(res.loss[-20:])), 5),
                         "seconds": round(res.seconds, 1)})
            results["check"][f"{name}/{D}"] = res.loss[:CHECK_UPDATES]
        results["models"][name] = {"cell": lm.cell, "carry_bias": VARIANTS[name][1],
                                   "hidden": lm.hidden, "params": lm.param_count(),
                                   "results": rows}
    return {"config": CONFIG, "seed": SEED, **results}


def check(record: dict) -> list[Check]:
    config = record["config"]
    out = []
    for name, (lm, params) in _models(config).items():
        for D in config["distances"][:2]:          # the short ones: a quick re-run
            res = _fit(lm, params, config, D, CHECK_UPDATES, False)
            out.append(Check(f"{name} D={D}: loss of the first {CHECK_UPDATES} updates",
                             record["check"][f"{name}/{D}"], res.loss, rtol=1e-9))
        rec = record["models"][name]
        out.append(Check(f"{name} hidden / params", [rec["hidden"], rec["params"]],
                         [lm.hidden, lm.param_count()]))
    return out
