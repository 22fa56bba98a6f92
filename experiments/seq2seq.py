"""Korean dates into digits: an RNN encoder–decoder without attention, with Bahdanau's, Luong's.

The task is :mod:`seqcore.dates` (이천이십육년 십이월 사일 → 04.12.2026: the fields
reversed, zeros never said). The three models share the GRU encoder and decoder, the
sizes, the seed, the batches and the optimizer; they
differ only in what the decoder does with the encoder states (:class:`seqcore.Seq2Seq`).
Each is trained with teacher forcing for the same number of Adam updates, with the
hand-written backward passes; validation BLEU and exact-match accuracy are measured
along the way by greedy decoding, and the test set at the end by greedy and beam search.
BLEU is character-level corpus BLEU-4 (:func:`seqcore.corpus_bleu`, no smoothing).
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from experiments._record import Check, sig
from seqcore import Optimizer, Seq2Seq, beam_search, corpus_bleu, date_splits, train
from seqcore.dates import SOURCE_VOCAB, TARGET_VOCAB, encode

SEED = 0
#: model name -> attention; ``none_matched`` has the hidden width that gives it Bahdanau's
#: parameter count, so that what attention adds is not merely more weights
MODELS = {"none": "none", "bahdanau": "bahdanau", "luong": "luong", "none_matched": "none"}
CONFIG = {"task": "seqcore.dates: Korean dates in words -> DD.MM.YYYY",
          "splits": {"train": 8000, "validation": 500, "test": 1000},
          "source_vocab": len(SOURCE_VOCAB), "target_vocab": len(TARGET_VOCAB),
          "embed": 16, "hidden": 48, "dtype": "float64", "batch": 64, "updates": 400,
          "optimizer": "adam", "lr": 0.01, "clip": 1.0, "eval_every": 25,
          "max_len": 11, "beam_width": 3, "beam_sentences": 200, "bleu": "character BLEU-4",
          "shown": 4}
CHECK_UPDATES = 3
EOS = TARGET_VOCAB.index("</s>")


def _buckets(pairs: list[tuple[str, str]]) -> dict[int, list[tuple[str, str]]]:
    """Sentences grouped by source length: a batch of one length needs no padding."""
    out = defaultdict(list)
    for pair in pairs:
        out[len(pair[0])].append(pair)
    return dict(sorted(out.items()))


def _arrays(pairs: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    return (encode([s for s, _ in pairs], SOURCE_VOCAB),
            encode([t for _, t in pairs], TARGET_VOCAB, bos=True))


def batches(pairs: list[tuple[str, str]], batch: int, seed: int):
    """Endless ``(source, target, True)``: a length drawn in proportion to its sentences,
    then up to ``batch`` sentences of that length."""
    rng = np.random.default_rng(seed)
    groups = list(_buckets(pairs).values())
    sizes = np.array([len(g) for g in groups], dtype=float)
    while True:
        group = groups[rng.choice(len(groups), p=sizes / sizes.sum())]
        pick = rng.choice(len(group), size=min(batch, len(group)), replace=False)
        yield (*_arrays([group[k] for k in pick]), True)


def _text(ids: np.ndarray) -> str:
    """Target ids up to the first ``</s>``, as text."""
    out = []
    for t in ids:
        if t == EOS:
            break
        out.append(TARGET_VOCAB[int(t)])
    return "".join(out)


def translate(model: Seq2Seq, params: dict, pairs: list, max_len: int) -> list[str]:
    """Greedy translations of ``pairs``' sources, in their order (batched by length)."""
    where = {pair: k for k, pair in enumerate(pairs)}
    out = [""] * len(pairs)
    for group in _buckets(pairs).values():
        ids, _ = model.translate(params, _arrays(group)[0], max_len)
        for pair, row in zip(group, ids.T, strict=True):
            out[where[pair]] = _text(row)
    return out


def scores(hyps: list[str], pairs: list) -> dict:
    """Character BLEU-4, exact-match accuracy and character accuracy."""
    refs = [t for _, t in pairs]
    return {"bleu": corpus_bleu([list(h) for h in hyps], [[list(r)] for r in refs]),
            "accuracy": float(np.mean([h == r for h, r in zip(hyps, refs, strict=True)])),
            "char_accuracy": float(np.mean([a == b for h, r in zip(hyps, refs, strict=True)
                                            for a, b in zip(h.ljust(len(r)), r, strict=False)]))}


def by_length(hyps: list[str], pairs: list) -> list[dict]:
    """Exact-match and character accuracy for each source length."""
    rows = defaultdict(list)
    for h, (s, t) in zip(hyps, pairs, strict=True):
        rows[len(s)].append((h == t, np.mean([a == b for a, b in
                                             zip(h.ljust(len(t)), t, strict=False)])))
    return [{"length": n, "sentences": len(v),
             "accuracy": sig(float(np.mean([e for e, _ in v])), 4),
             "char_accuracy": sig(float(np.mean([c for _, c in v])), 4)}
            for n, v in sorted(rows.items())]


def by_position(hyps: list[str], pairs: list) -> list[float]:
    """The share of test sentences whose output character at each position is right."""
    width = len(pairs[0][1])
    return [sig(float(np.mean([h.ljust(width)[k] == t[k] for h, (_, t) in
                               zip(hyps, pairs, strict=True)])), 4) for k in range(width)]


def _sized(attention: str, config: dict, hidden: int) -> Seq2Seq:
    return Seq2Seq(attention, config["source_vocab"], config["target_vocab"], config["embed"],
                   hidden)


def matched_hidden(config: dict) -> int:
    """The hidden width of a model without attention closest in size to Bahdanau's."""
    target = _sized("bahdanau", config, config["hidden"]).param_count()
    return min(range(1, 4 * config["hidden"]),
               key=lambda n: abs(_sized("none", config, n).param_count() - target))


def _setup(config: dict):
    splits = date_splits(SEED, **config["splits"])
    models = {}
    for name, attention in MODELS.items():
        hidden = matched_hidden(config) if name == "none_matched" else config["hidden"]
        model = _sized(attention, config, hidden)
        models[name] = (model, model.init_params(seed=SEED, dtype=np.dtype(config["dtype"])))
    return splits, models


def _fit(model, params, splits, config, updates, progress, evaluate=None):
    return train(model, params, batches(splits["train"], config["batch"], SEED), steps=updates,
                 optimizer=Optimizer(config["optimizer"], lr=config["lr"]),
                 clip=config["clip"], evaluate=evaluate, eval_every=config["eval_every"],
                 progress=progress, desc=f"seq2seq {model.attention} {model.hidden}")


def _attention(model, params, pair, max_len) -> dict:
    """The learned weights of one test sentence, greedy decoding (rows: output steps)."""
    ids, weights = model.translate(params, _arrays([pair])[0], max_len)
    out = _text(ids[:, 0])
    rows = np.asarray(weights)[:len(out) + 1, 0]          # the characters and </s>
    return {"source": pair[0], "target": pair[1], "output": out,
            "weights": [[round(float(w), 4) for w in row] for row in rows]}


def _beam(model, params, pairs, config) -> list[str]:
    out = []
    for src, _ in pairs:
        step = model.decoder(params, _arrays([(src, "")])[0][:, 0])
        best = beam_search(step, config["beam_width"], config["max_len"], eos=EOS)[0]
        out.append(_text(best.tokens))
    return out


def _run_one(model, params, splits, config, progress) -> dict:
    val, test = splits["validation"], splits["test"]
    start = time.process_time()

    def evaluate(p):
        return scores(translate(model, p, val, config["max_len"]), val)

    res = _fit(model, params, splits, config, config["updates"], progress, evaluate)
    p = res.params
    greedy = translate(model, p, test, config["max_len"])
    beam_pairs = test[:config["beam_sentences"]]
    beam = _beam(model, p, beam_pairs, config)
    shown = test[:config["shown"]]
    return {
        "kind": model.attention, "hidden": model.hidden,
        "params": model.param_count(),
        "loss": [sig(x, 5) for x in res.loss],
        "validation": [{"step": s, **{k: sig(v, 5) for k, v in e.items()}}
                       for s, e in res.evals],
        "test": {k: sig(v, 5) for k, v in scores(greedy, test).items()},
        "test_beam": {k: sig(v, 5) for k, v in scores(beam, beam_pairs).items()},
        "test_greedy_same_sentences": {k: sig(v, 5) for k, v in
                                       scores(greedy[:len(beam_pairs)], beam_pairs).items()},
        "accuracy_by_length": by_length(greedy, test),
        "char_accuracy_by_position": by_position(greedy, test),
        "examples": [{"source": s, "target": t, "greedy": g, "beam": b}
                     for (s, t), g, b in zip(shown, greedy, beam, strict=False)],
        "attention": None if model.attention == "none" else
        [_attention(model, p, pair, config["max_len"]) for pair in shown[:3]],
        "check": res.loss[:CHECK_UPDATES],
        "train_seconds": round(res.seconds, 1),
        "cpu_seconds_model": round(time.process_time() - start, 1),
    }


def run(progress: bool = True) -> dict:
    splits, models = _setup(CONFIG)
    out = {name: _run_one(model, params, splits, CONFIG, progress)
           for name, (model, params) in models.items()}
    lengths = [len(s) for s, _ in splits["train"]]
    data = {"source_length": [min(lengths), max(lengths)],
            "examples": splits["train"][:3]}
    return {"config": CONFIG, "seed": SEED, "data": data, "models": out}


def check(record: dict) -> list[Check]:
    config = record["config"]
    splits, models = _setup(config)
    out = []
    for name, (model, params) in models.items():
        res = _fit(model, params, splits, config, CHECK_UPDATES, False)
        out.append(Check(f"{name}: loss of the first {CHECK_UPDATES} updates",
                         record["models"][name]["check"], res.loss, rtol=1e-9))
        out.append(Check(f"{name}: parameter count", record["models"][name]["params"],
                         model.param_count()))
    out.append(Check("the first training pairs", [list(p) for p in record["data"]["examples"]],
                     [list(p) for p in splits["train"][:3]]))
    return out
