"""Character-level RNN, LSTM and GRU language models on real text, at matched parameter counts.

Shared by ``lm_en`` and ``lm_ko``: the same recipe, one corpus each. For each cell the
hidden width is chosen so that the model has about as many parameters as the LSTM of
``lstm_hidden`` units; all three start from the same seed, read the same batches
(sequential partitioning, the state carried between batches: truncated BPTT) and are
trained by the same Adam with the same warm-up + cosine schedule and clipping. The
record keeps the loss of every update, the validation perplexity every ``eval_every``
updates, samples at several temperatures with greedy, beam and sampling decoding, and
the trained LSTM's weights as a checkpoint beside the record.
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


def trainer(lm: RecurrentLM, params: dict, corpus, config: dict, updates: int,
            progress: bool, evaluate: bool):
    c = config
    return train(
        lm, params, stream_batches(corpus.train, c["batch"], c["steps"], c["partition"],
                                   seed=SEED),
        steps=updates, optimizer=Optimizer("adam", lr=c["lr"]),
        schedule=lambda s: warmup_cosine_lr(s, c["lr"], c["warmup"], c["updates"], c["min_lr"]),
        clip=c["clip"],
        evaluate=(lambda p: {"val_ppl": validation(lm, p, corpus)}) if evaluate else None,
        eval_every=c["eval_every"], progress=progress, desc=f"{c['corpus']} {lm.cell}")


def validation(lm: RecurrentLM, params: dict, corpus) -> float:
    return evaluate_perplexity(lm, params, corpus.valid, batch=16, steps=64)


def nucleus_available() -> bool:
    """Whether seqcore has ``top_p_softmax`` (nucleus sampling, on its way to decoding.py)."""
    import seqcore

    return hasattr(seqcore, "top_p_softmax")


def nucleus_sample(step, prompt: list[int], n: int, p: float, seed: int) -> list[int]:
    """Sample ``n`` tokens, each from the smallest set of tokens whose probability reaches ``p``.

    The hook for ``seqcore.top_p_softmax``: once decoding.py has it, re-recording
    ``lm_en`` and ``lm_ko`` adds a nucleus sample to each model's samples.
    """
    import seqcore

    rng = np.random.default_rng(seed)
    seq = list(prompt)
    for _ in range(n):
        probs = np.asarray(seqcore.top_p_softmax(step(tuple(seq)), p))
        seq.append(int(rng.choice(probs.size, p=probs / probs.sum())))
    return seq[len(prompt):]


def samples(lm: RecurrentLM, params: dict, corpus, config: dict) -> dict:
    """Continuations of the prompt: greedy, beam search, and sampling at each temperature."""
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
    if nucleus_available():                            # top-p, once decoding.py has it
        toks = nucleus_sample(step, prompt, n, config["top_p"], SEED)
        out["nucleus"] = {"top_p": config["top_p"], "seed": SEED, "text": corpus.decode(toks)}
    else:
        out["nucleus"] = None
    return out


def checkpoint_path(name: str, folder: Path = FOLDER) -> Path:
    return folder / "checkpoints" / f"{name}_{KEPT}.npz"


def run(name: str, config: dict, progress: bool) -> dict:
    corpus, models = setup(config)
    results = {"corpus": corpus.describe(), "models": {}, "check": {}}
    for cell, (lm, params) in models.items():
        start = time.perf_counter()
        before = validation(lm, params, corpus)
        res = trainer(lm, params, corpus, config, config["updates"], progress, evaluate=True)
        k = config["eval_every"]
        train_ppl = [math.exp(float(np.mean(res.loss[s - k:s]))) for s, _ in res.evals]
        curve = [(0, before)] + [(s, m["val_ppl"]) for s, m in res.evals]
        results["models"][cell] = {
            "hidden": lm.hidden, "params": lm.param_count(),
            "loss": [sig(x, 5) for x in res.loss],
            "grad_norm": [sig(x, 4) for x in res.grad_norm],
            "eval_steps": [s for s, _ in curve],
            "val_ppl": [sig(v, 5) for _, v in curve],
            "train_ppl": [None] + [sig(v, 5) for v in train_ppl],
            "final_val_ppl": sig(curve[-1][1], 5),
            "best_val_ppl": sig(min(v for _, v in curve), 5),
            "final_val_bits_per_char": sig(math.log2(curve[-1][1]), 5),
            "train_seconds": round(res.seconds, 1),
            "samples": samples(lm, res.params, corpus, config),
        }
        results["check"][cell] = res.loss[:CHECK_UPDATES]     # full precision
        if cell == KEPT:
            from seqcore import save_checkpoint

            path = save_checkpoint(checkpoint_path(name), res.params,
                                   meta={"experiment": name, "cell": cell,
                                         "hidden": lm.hidden, "updates": config["updates"]})
            results["checkpoint"] = {
                "file": str(path.relative_to(FOLDER.parent.parent.parent)), "cell": cell,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "val_ppl": results["models"][cell]["final_val_ppl"]}
        results["models"][cell]["seconds"] = round(time.perf_counter() - start, 1)
    results["nucleus_note"] = (None if nucleus_available() else
                               "seqcore has no top_p_softmax yet: no nucleus sample")
    return {"config": config, "seed": SEED, **results}


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
        res = trainer(lm, params, corpus, config, CHECK_UPDATES, False, evaluate=False)
        checks.append(Check(f"{cell} loss of the first {CHECK_UPDATES} updates",
                            record["check"][cell], res.loss, rtol=1e-5))
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

