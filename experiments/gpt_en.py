"""A small GPT against the LSTM on the Lee corpus: same text, batches and parameter count.

The GPT (:class:`seqcore.GPT`, trained with the hand-written backward passes) reads
exactly the batches of ``lm_en``: the same corpus and vocabulary, the same stream cut
by the same seeded :func:`seqcore.stream_batches` into 32 rows of 64 characters, the
same number of updates, the same Adam with warm-up, cosine decay and clipping, the
same validation text read in chunks of 64. Its width is chosen so that its parameter
count matches the LSTM of ``lm_en``. The one difference in what the two models see:
the LSTM carries its state from one chunk to the next, while the GPT reads each chunk
of 64 characters on its own (its context).

The LSTM of ``lm_en`` is trained again here, at the rate ``lm_en`` chose for it, so
that both models' CPU time is measured in the same process on the same machine; its
validation curve is compared with the one ``lm_en`` recorded. CPU time is the
process's, training only: the validation passes are timed apart and left out.
"""

from __future__ import annotations

import math
import time

import numpy as np

from experiments import _lm, lm_en
from experiments._record import Check, load, sig
from seqcore import GPT, Optimizer, char_corpus, stream_batches, train, warmup_cosine_lr

SEED = 0
CHECK_UPDATES = 3
#: what the GPT shares with lm_en's runs, taken from lm_en's own configuration
SHARED = ("corpus", "min_freq", "dtype", "batch", "steps", "partition", "updates",
          "min_lr_ratio", "warmup", "clip", "eval_every", "prompt", "sample_chars", "top_p")
CONFIG = {k: lm_en.CONFIG[k] for k in SHARED} | {
    "d_model": 64, "heads": 4, "layers": 2, "d_ff": 220, "context": 64,
    "lr_grid": [3e-3, 1e-2], "temperatures": [0.5, 1.0],
}


def model(config: dict, vocab_size: int) -> GPT:
    c = config
    return GPT(vocab_size, c["d_model"], c["heads"], c["layers"], c["d_ff"], c["context"])


class CpuClock:
    """Training CPU time: the process's, less what the evaluations took."""

    def __init__(self) -> None:
        self.start, self.paused = time.process_time(), 0.0
        self.marks: list[float] = []

    def timed(self, evaluate):
        def wrapped(params):
            # the moment of this evaluation in training time, then the evaluation itself
            now = time.process_time()
            self.marks.append(now - self.start - self.paused)
            out = evaluate(params)
            self.paused += time.process_time() - now
            return out
        return wrapped


def trainer(lm, params: dict, corpus, config: dict, lr: float, updates: int,
            clock: CpuClock | None, progress: bool, desc: str):
    """lm_en's recipe (``_lm.trainer``) for any model, with a CPU clock on the evaluations."""
    c, low = config, lr * config["min_lr_ratio"]
    evaluate = None
    if clock is not None:
        evaluate = clock.timed(lambda p: {"val_ppl": _lm.validation(lm, p, corpus)})
    return train(
        lm, params, stream_batches(corpus.train, c["batch"], c["steps"], c["partition"],
                                   seed=SEED),
        steps=updates, optimizer=Optimizer("adam", lr=lr),
        schedule=lambda s: warmup_cosine_lr(s, lr, c["warmup"], c["updates"], low),
        clip=c["clip"], evaluate=evaluate, eval_every=c["eval_every"], progress=progress,
        desc=desc)


def clocked_run(lm, params, corpus, config, lr, progress, desc) -> dict:
    """One full run: its curve over updates and over training CPU time."""
    before = _lm.validation(lm, params, corpus)
    clock = CpuClock()
    res = trainer(lm, params, corpus, config, lr, config["updates"], clock, progress, desc)
    steps, val = _lm.curve_of(res, before)
    return {"lr": lr, "eval_steps": steps, "val_ppl": val,
            "cpu_seconds": [0.0] + [round(t, 2) for t in clock.marks],
            "final_val_ppl": val[-1], "diverged_at": res.diverged_at,
            "loss": [sig(x, 5) for x in res.loss], "result": res}


def samples(gpt: GPT, params: dict, corpus, config: dict) -> dict:
    """Greedy, then sampled at each temperature (seeds as lm_en's), then top-p."""
    prompt, n = corpus.encode(config["prompt"]), config["sample_chars"]
    out = {"prompt": config["prompt"],
           "greedy": corpus.decode(gpt.generate(params, prompt, n, greedy=True))}
    out["sampled"] = [{"temperature": tau, "seed": SEED + i,
                       "text": corpus.decode(gpt.generate(params, prompt, n, temperature=tau,
                                                          rng=SEED + i))}
                      for i, tau in enumerate(config["temperatures"])]
    out["nucleus"] = {"top_p": config["top_p"], "seed": SEED, "text": corpus.decode(
        gpt.generate(params, prompt, n, top_p=config["top_p"], rng=SEED))}
    return out


def at_time(run: dict, seconds: float) -> float:
    """Validation perplexity at ``seconds`` of training CPU time (log-linear between evals)."""
    t, v = run["cpu_seconds"], run["val_ppl"]
    log_v = np.interp(seconds, t, np.log(v))
    return float(np.exp(log_v))


def summary(gpt_run: dict, lstm_run: dict) -> dict:
    """Both models at equal updates (the last) and at equal training CPU time."""
    equal = min(gpt_run["cpu_seconds"][-1], lstm_run["cpu_seconds"][-1])
    return {"updates": gpt_run["eval_steps"][-1],
            "gpt_val_ppl": gpt_run["final_val_ppl"], "lstm_val_ppl": lstm_run["final_val_ppl"],
            "gpt_cpu_seconds": gpt_run["cpu_seconds"][-1],
            "lstm_cpu_seconds": lstm_run["cpu_seconds"][-1],
            "equal_cpu_seconds": round(equal, 1),
            "gpt_val_ppl_at_equal_cpu": sig(at_time(gpt_run, equal), 5),
            "lstm_val_ppl_at_equal_cpu": sig(at_time(lstm_run, equal), 5),
            "cpu_per_update_ratio": sig(gpt_run["cpu_seconds"][-1]
                                        / lstm_run["cpu_seconds"][-1], 3)}


def _public(run: dict) -> dict:
    return {k: v for k, v in run.items() if k != "result"}


def run(progress: bool = True) -> dict:
    config = CONFIG
    corpus = char_corpus(config["corpus"], min_freq=config["min_freq"])
    gpt = model(config, len(corpus.vocab))
    params = gpt.init_params(seed=SEED, dtype=np.dtype(config["dtype"]))
    runs = {lr: clocked_run(gpt, params, corpus, config, lr, progress, f"gpt lr={lr:g}")
            for lr in config["lr_grid"]}
    lr = min(runs, key=lambda r: runs[r]["final_val_ppl"] if runs[r]["diverged_at"] is None
             else math.inf)
    best = runs[lr]
    kept = {k: v.astype(np.float64) for k, v in best["result"].params.items()}
    gpt_rec = {"params": gpt.param_count(), **_public(best),
               "lr_sweep": [{"lr": x, "final_val_ppl": r["final_val_ppl"],
                             "diverged_at": r["diverged_at"]} for x, r in runs.items()],
               "samples": samples(gpt, kept, corpus, config)}

    # the LSTM of lm_en, again, at the rate lm_en chose: its CPU time, measured here
    lm_record = load("lm_en")
    _, models = _lm.setup(lm_en.CONFIG)
    lm, lm_params = models["lstm"]
    lstm = clocked_run(lm, lm_params, corpus, lm_en.CONFIG, lm_record["models"]["lstm"]["lr"],
                       progress, "lstm (lm_en)")
    recorded = lm_record["models"]["lstm"]["val_ppl"]
    lstm_rec = {"hidden": lm.hidden, "params": lm.param_count(), **_public(lstm),
                "max_rel_diff_from_lm_en": sig(max(abs(a / b - 1) for a, b in
                                                   zip(lstm["val_ppl"], recorded,
                                                       strict=True)), 3)}
    del lstm_rec["loss"]
    return {"config": config, "seed": SEED, "corpus": corpus.describe(), "gpt": gpt_rec,
            "lstm": lstm_rec, "summary": summary(gpt_rec, lstm_rec),
            "check": best["result"].loss[:CHECK_UPDATES]}


def check(record: dict) -> list[Check]:
    """Re-run the GPT's first updates from the record's configuration.

    They pin the corpus, the vocabulary, the batches (those of lm_en), the initial
    weights, the forward and backward passes, the clipping, the schedule and Adam.
    """
    config = record["config"]
    corpus = char_corpus(config["corpus"], min_freq=config["min_freq"])
    gpt = model(config, len(corpus.vocab))
    params = gpt.init_params(seed=SEED, dtype=np.dtype(config["dtype"]))
    res = trainer(gpt, params, corpus, config, record["gpt"]["lr"], CHECK_UPDATES, None,
                  False, "check")
    lstm = _lm.setup(lm_en.CONFIG)[1]["lstm"][0]
    return [
        Check("corpus", record["corpus"], corpus.describe()),
        Check("the batches and recipe are lm_en's", {k: lm_en.CONFIG[k] for k in SHARED},
              {k: config[k] for k in SHARED}),
        Check("gpt / lstm parameters", [record["gpt"]["params"], record["lstm"]["params"]],
              [gpt.param_count(), lstm.param_count()]),
        Check(f"gpt loss of the first {CHECK_UPDATES} updates", record["check"], res.loss,
              rtol=1e-5),
    ]
