"""Gradient clipping on and off: a vanilla RNN language model trained by plain SGD at a large step.

Two runs from the same initial weights on the same batches (the English corpus,
characters), SGD without momentum at learning rate ``lr``: one clips the global gradient
norm to ``clip`` before every update, the other does not. The record keeps the loss and
the gradient norm (before clipping) of every update; the unclipped run's loss jumps
whenever a large gradient throws the weights far, while the clipped run trains.
"""

from __future__ import annotations

import numpy as np

from experiments._record import Check, sig
from seqcore import Optimizer, RecurrentLM, char_corpus, stream_batches, train

SEED = 0
CONFIG = {"corpus": "lee", "cell": "rnn", "embed": 32, "hidden": 128, "dtype": "float32",
          "batch": 32, "steps": 64, "partition": "sequential", "updates": 300,
          "optimizer": "sgd", "lr": 3.0, "clip": 1.0}
CHECK_UPDATES = 5


def _runs(config: dict, updates: int, progress: bool):
    corpus = char_corpus(config["corpus"])
    lm = RecurrentLM(config["cell"], len(corpus.vocab), config["embed"], config["hidden"])
    params = lm.init_params(seed=SEED, dtype=np.dtype(config["dtype"]))
    out = {}
    for label, clip in (("clipped", config["clip"]), ("unclipped", None)):
        out[label] = train(lm, params, stream_batches(corpus.train, config["batch"],
                                                       config["steps"], config["partition"],
                                                       seed=SEED),
                           steps=updates, optimizer=Optimizer(config["optimizer"],
                                                              lr=config["lr"]),
                           clip=clip, progress=progress, desc=f"clipping: {label}")
    return lm, out


def run(progress: bool = True) -> dict:
    lm, runs = _runs(CONFIG, CONFIG["updates"], progress)
    results = {"params": lm.param_count(), "runs": {}, "check": {}}
    for label, res in runs.items():
        loss = np.array(res.loss)
        results["runs"][label] = {
            "loss": [sig(x, 5) for x in res.loss],
            "grad_norm": [sig(x, 4) for x in res.grad_norm],
            "diverged_at": res.diverged_at,
            "max_loss": sig(float(np.max(loss)), 5),
            "final_loss_mean_last_20": sig(float(np.mean(loss[-20:])), 5),
            "updates_with_norm_above_clip": int(np.sum(np.array(res.grad_norm) > CONFIG["clip"])),
            "seconds": round(res.seconds, 1),
        }
        results["check"][label] = {"loss": res.loss[:CHECK_UPDATES],
                                   "grad_norm": res.grad_norm[:CHECK_UPDATES]}
    return {"config": CONFIG, "seed": SEED, **results}


def check(record: dict) -> list[Check]:
    _, runs = _runs(record["config"], CHECK_UPDATES, False)
    out = []
    for label, res in runs.items():
        for key in ("loss", "grad_norm"):
            out.append(Check(f"{label} {key} of the first {CHECK_UPDATES} updates",
                             record["check"][label][key], getattr(res, key), rtol=1e-5))
    return out
