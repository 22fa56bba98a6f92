"""Character-level RNN, LSTM and GRU language models on real text, at matched parameter counts.

Shared by ``lm_en`` and ``lm_ko``: the same recipe, one corpus each. For each cell the
hidden width is chosen so that the model has about as many parameters as the LSTM of
``lstm_hidden`` units; all three start from the same seed, read the same batches
(sequential partitioning, the state carried between batches: truncated BPTT) and are
trained by the same Adam with the same warm-up + cosine schedule and clipping.

A cell's best learning rate is its own (an LSTM of 128 units learns more slowly per
update than an RNN of 253 at the same rate), so each cell is trained once at every
peak rate of ``lr_grid`` and the run with the lowest final validation perplexity is
the one kept; the record keeps the whole sweep beside it. The LSTM is also trained
once with a forget-gate bias of 1 at its chosen rate, the other common remedy.

The record keeps, for the chosen run of each cell, the loss of every update, the
validation perplexity every ``eval_every`` updates, samples at several temperatures
with greedy, beam, temperature and nucleus (top-p) decoding, and the trained LSTM's
weights as a checkpoint beside the record.
"""

from __future__ import annotations

import hashlib
import math
import time
from pathlib import Path

import numpy as np

from experiments._record import FOLDER, Check, sig
from seqcore import (
    Optimizer,
    RecurrentLM,
    beam_search,
    char_corpus,
    evaluate_perplexity,
    greedy_search,
    matched_hidden,
    sample_sequence,
    stream_batches,
    top_p_softmax,
    train,
    warmup_cosine_lr,
)

SEED = 0
CELLS = ("rnn", "lstm", "gru")
TEMPERATURES = (0.5, 1.0, 1.5)
CHECK_UPDATES = 3          # the reproducibility test re-runs this many updates per model
KEPT = "lstm"              # whose trained weights are kept as a checkpoint


def setup(config: dict):
    """The corpus and, per cell, the model and its initial parameters."""
    corpus = char_corpus(config["corpus"], min_freq=config["min_freq"])
    V, d = len(corpus.vocab), config["embed"]
    target = RecurrentLM("lstm", V, d, config["lstm_hidden"]).param_count()
    models = {}
    for cell in CELLS:
        lm = RecurrentLM(cell, V, d, matched_hidden(cell, V, d, target))
        params = lm.init_params(seed=SEED, dtype=np.dtype(config["dtype"]))
        models[cell] = (lm, params)
    return corpus, models


def trainer(lm: RecurrentLM, params: dict, corpus, config: dict, lr: float, updates: int,
            progress: bool, evaluate: bool):
    """Adam at peak rate ``lr``: warm-up, then cosine decay to ``lr · min_lr_ratio``."""
    c = config
    low = lr * c["min_lr_ratio"]
    return train(
        lm, params, stream_batches(corpus.train, c["batch"], c["steps"], c["partition"],
                                   seed=SEED),
        steps=updates, optimizer=Optimizer("adam", lr=lr),
        schedule=lambda s: warmup_cosine_lr(s, lr, c["warmup"], c["updates"], low),
        clip=c["clip"],
        evaluate=(lambda p: {"val_ppl": validation(lm, p, corpus)}) if evaluate else None,
        eval_every=c["eval_every"], progress=progress,
        desc=f"{c['corpus']} {lm.cell} lr={lr:g}")


def final_val_ppl(res) -> float:
    """The last validation perplexity of a run; infinite for a run that diverged."""
    return res.evals[-1][1]["val_ppl"] if res.diverged_at is None else math.inf


def sweep(lm: RecurrentLM, params: dict, corpus, config: dict, progress: bool):
    """Train at every rate of ``lr_grid``: the best run's rate, and every run by rate."""
    runs = {lr: trainer(lm, params, corpus, config, lr, config["updates"], progress,
                        evaluate=True) for lr in config["lr_grid"]}
    return min(runs, key=lambda lr: final_val_ppl(runs[lr])), runs


def curve_of(res, before: float) -> tuple[list[int], list[float]]:
    """Evaluation steps (0 = before training) and validation perplexities of a run."""
    curve = [(0, before)] + [(s, m["val_ppl"]) for s, m in res.evals]
    return [s for s, _ in curve], [sig(v, 5) for _, v in curve]


def validation(lm: RecurrentLM, params: dict, corpus) -> float:
    return evaluate_perplexity(lm, params, corpus.valid, batch=16, steps=64)


def nucleus_sample(step, prompt: list[int], n: int, p: float, seed: int) -> list[int]:
    """Sample ``n`` tokens, each from the smallest set of tokens whose probability reaches ``p``."""
    rng = np.random.default_rng(seed)
    seq = list(prompt)
    for _ in range(n):
        # generation.top-p at temperature 1: the nucleus, renormalized
        probs = np.asarray(top_p_softmax(step(tuple(seq)), p))
        seq.append(int(rng.choice(probs.size, p=probs / probs.sum())))
    return seq[len(prompt):]


def samples(lm: RecurrentLM, params: dict, corpus, config: dict) -> dict:
    """Continuations of the prompt: greedy, beam, sampling at each temperature, top-p."""
    step = lm.decoder({k: v.astype(np.float64) for k, v in params.items()})
    prompt = corpus.encode(config["prompt"])
    n = config["sample_chars"]
    out = {"prompt": config["prompt"]}
    tokens, logp = greedy_search(step, max_len=n, prefix=prompt)
    out["greedy"] = {"text": corpus.decode(tokens), "log_prob": sig(logp)}
    best = beam_search(step, beam_width=config["beam_width"], max_len=config["beam_chars"],
                       prefix=prompt)[0]
    out["beam"] = {"width": config["beam_width"], "text": corpus.decode(best.tokens),
                   "log_prob": sig(best.log_prob)}
    out["sampled"] = []
    for i, tau in enumerate(TEMPERATURES):
        toks = sample_sequence(step, max_len=n, temperature=tau, prefix=prompt, rng=SEED + i)
        out["sampled"].append({"temperature": tau, "seed": SEED + i,
                               "text": corpus.decode(toks)})
    toks = nucleus_sample(step, prompt, n, config["top_p"], SEED)
    out["nucleus"] = {"top_p": config["top_p"], "seed": SEED, "text": corpus.decode(toks)}
    return out


def checkpoint_path(name: str, folder: Path = FOLDER) -> Path:
    return folder / "checkpoints" / f"{name}_{KEPT}.npz"


def run(name: str, config: dict, progress: bool) -> dict:
    corpus, models = setup(config)
    results = {"corpus": corpus.describe(), "models": {}, "check": {}}
    for cell, (lm, params) in models.items():
        start = time.perf_counter()
        before = validation(lm, params, corpus)
        lr, runs = sweep(lm, params, corpus, config, progress)
        res = runs[lr]
        k = config["eval_every"]
        train_ppl = [math.exp(float(np.mean(res.loss[s - k:s]))) for s, _ in res.evals]
        steps, val = curve_of(res, before)
        results["models"][cell] = {
            "hidden": lm.hidden, "params": lm.param_count(), "lr": lr,
            "lr_sweep": [{"lr": x, "final_val_ppl": sig(final_val_ppl(r), 5),
                          "diverged_at": r.diverged_at} for x, r in runs.items()],
            "loss": [sig(x, 5) for x in res.loss],
            "grad_norm": [sig(x, 4) for x in res.grad_norm],
            "eval_steps": steps, "val_ppl": val,
            "train_ppl": [None] + [sig(v, 5) for v in train_ppl],
            "final_val_ppl": val[-1],
            "best_val_ppl": min(val),
            "final_val_bits_per_char": sig(math.log2(val[-1]), 5),
            "train_seconds": round(res.seconds, 1),
            "samples": samples(lm, res.params, corpus, config),
        }
        results["check"][cell] = res.loss[:CHECK_UPDATES]     # full precision
        if cell == KEPT:
            results["checkpoint"] = keep(name, lm, res.params, config, results["models"][cell])
            results["lstm_forget_bias_1"] = forget_bias_run(lm, corpus, config, lr, progress)
        results["models"][cell]["seconds"] = round(time.perf_counter() - start, 1)
    return {"config": config, "seed": SEED, **results}


def keep(name: str, lm: RecurrentLM, params: dict, config: dict, rec: dict) -> dict:
    """Save the trained weights beside the record; their file, hash and perplexity."""
    from seqcore import save_checkpoint

    path = save_checkpoint(checkpoint_path(name), params,
                           meta={"experiment": name, "cell": lm.cell, "hidden": lm.hidden,
                                 "updates": config["updates"], "lr": rec["lr"]})
    return {"file": str(path.relative_to(FOLDER.parent.parent.parent)), "cell": lm.cell,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "val_ppl": rec["final_val_ppl"]}


def forget_bias_run(lm: RecurrentLM, corpus, config: dict, lr: float, progress: bool) -> dict:
    """The LSTM again at its chosen rate, its forget-gate bias started at 1 (not 0)."""
    params = lm.init_params(seed=SEED, dtype=np.dtype(config["dtype"]), carry_bias=1.0)
    res = trainer(lm, params, corpus, config, lr, config["updates"], progress, evaluate=True)
    steps, val = curve_of(res, validation(lm, params, corpus))
    return {"carry_bias": 1.0, "lr": lr, "eval_steps": steps, "val_ppl": val,
            "final_val_ppl": sig(final_val_ppl(res), 5), "diverged_at": res.diverged_at,
            "check": res.loss[:CHECK_UPDATES]}


def check(record: dict) -> list[Check]:
    """Re-run the first updates of each model; re-measure the kept checkpoint's perplexity.

    The first updates pin the corpus, the vocabulary, the initial weights, the batches,
    the loss and its gradients, the clipping, the schedule and Adam; the checkpoint pins
    the end of the run (its file's hash, and the final validation perplexity measured
    again from it).
    """
    config = record["config"]
    corpus, models = setup(config)
    checks = [Check("corpus", record["corpus"], corpus.describe())]
    for cell, (lm, params) in models.items():
        rec = record["models"][cell]
        checks.append(Check(f"{cell} hidden / params", [rec["hidden"], rec["params"]],
                            [lm.hidden, lm.param_count()]))
        res = trainer(lm, params, corpus, config, rec["lr"], CHECK_UPDATES, False,
                      evaluate=False)
        checks.append(Check(f"{cell} loss of the first {CHECK_UPDATES} updates",
                            record["check"][cell], res.loss, rtol=1e-5))
    lm, _ = models[KEPT]
    extra = record["lstm_forget_bias_1"]
    params = lm.init_params(seed=SEED, dtype=np.dtype(config["dtype"]), carry_bias=1.0)
    res = trainer(lm, params, corpus, config, extra["lr"], CHECK_UPDATES, False,
                  evaluate=False)
    checks.append(Check(f"{KEPT} with forget bias 1: loss of the first {CHECK_UPDATES} "
                        "updates", extra["check"], res.loss, rtol=1e-5))
    from seqcore import load_checkpoint

    lm, params = models[KEPT]
    path = FOLDER.parent.parent.parent / record["checkpoint"]["file"]
    trained, _ = load_checkpoint(path, like=params)
    checks.append(Check(f"{KEPT} checkpoint sha256", record["checkpoint"]["sha256"],
                        hashlib.sha256(path.read_bytes()).hexdigest()))
    checks.append(Check(f"{KEPT} final val_ppl from the checkpoint",
                        record["models"][KEPT]["final_val_ppl"],
                        validation(lm, trained, corpus), rtol=1e-4))
    return checks

