"""Skip-gram on the Lee corpus: seqcore.train_skipgram vs gensim Word2Vec (sg=1, negative sampling).

Same tokens, same hyper-parameters, seeded. Reports training time (ratio to gensim), the
accuracy on the questions of Google's analogy set that fall inside the vocabulary (3CosAdd,
each model scored by its own library and cross-checked by the other), nearest neighbours of
a few words. The embeddings page's copy of these results is an experiment record:
``python -m experiments word2vec_lee`` runs :func:`compare` once and writes
``docs/_data/experiments/word2vec_lee.json``; this benchmark only prints (and, with
``--json DIR``, records its table in DIR). gensim runs on one worker thread so that both
use one core.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from benchmarks._timing import Figure, print_figures
from seqcore import WordVectors, train_skipgram

PARAMS = dict(dim=50, window=5, negative=5, epochs=20, alpha=0.025, min_alpha=1e-4,
              min_count=5, sample=1e-3)
PROBES = ["government", "police", "fire", "president", "australia", "says"]
PROJECTED = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
             "january", "february", "march", "april", "december",
             "one", "two", "three", "four", "five", "six",
             "police", "officers", "army", "troops", "soldiers",
             "fire", "fires", "bushfires", "firefighters", "blaze",
             "australia", "sydney", "afghanistan", "israel", "palestinian", "pakistan"]


def data_dir() -> Path:
    import gensim

    return Path(gensim.__file__).parent / "test" / "test_data"


def corpus() -> list[list[str]]:
    from gensim.utils import simple_preprocess

    text = (data_dir() / "lee_background.cor").read_text(encoding="utf-8")
    return [simple_preprocess(line) for line in text.splitlines() if line.strip()]


def run(rounds: int = 15) -> list[Figure]:
    """Train both ``1`` (``--quick``) or 3 times, print the comparison; write nothing."""
    result = compare(repeats=1 if rounds <= 5 else 3)
    return report(result)


def compare(repeats: int = 1) -> dict:
    """Train seqcore's and gensim's skip-gram ``repeats`` times; the results of the first run.

    Times are the medians over the repeats, in CPU time of the process (both train on
    one thread; a shared machine's other jobs do not inflate CPU time as they do wall
    time); everything else is from the runs seeded 0.
    """
    from gensim.models import Word2Vec

    sentences = corpus()
    questions = data_dir() / "questions-words.txt"
    p = PARAMS
    t_ours, t_gensim = [], []
    for r in range(repeats):
        start = time.process_time()
        wv, losses = train_skipgram(sentences, **p, seed=r, progress=False)
        t_ours.append(time.process_time() - start)
        start = time.process_time()
        g = Word2Vec(sentences, vector_size=p["dim"], window=p["window"], negative=p["negative"],
                     epochs=p["epochs"], alpha=p["alpha"], min_alpha=p["min_alpha"],
                     min_count=p["min_count"], sample=p["sample"], sg=1, hs=0, seed=r,
                     workers=1)
        t_gensim.append(time.process_time() - start)
        if r == 0:
            first = (wv, losses, g)
    wv, losses, g = first
    ours_s, gensim_s = float(np.median(t_ours)), float(np.median(t_gensim))
    assert set(wv.words) == set(g.wv.index_to_key)    # the same vocabulary

    # accuracy: each model by its own library, and cross-checked by the other
    ours_report = wv.evaluate_analogies(questions)
    g_score, g_sections = g.wv.evaluate_word_analogies(str(questions), case_insensitive=True)
    g_total = sum(len(s["correct"]) + len(s["incorrect"]) for s in g_sections
                  if s["section"] == "Total accuracy")
    g_correct = sum(len(s["correct"]) for s in g_sections if s["section"] == "Total accuracy")
    gensim_by_seqcore = WordVectors(list(g.wv.index_to_key), g.wv.vectors.astype(np.float64))
    cross = gensim_by_seqcore.evaluate_analogies(questions)
    cosmul = {"seqcore": wv.evaluate_analogies(questions, method="3cosmul").correct,
              "gensim": gensim_by_seqcore.evaluate_analogies(questions, method="3cosmul").correct}

    neighbours = {w: {"seqcore": [[n, round(s, 3)] for n, s in wv.most_similar(w, 5)],
                      "gensim": [[n, round(float(s), 3)] for n, s in
                                 g.wv.most_similar(w, topn=5)]}
                  for w in PROBES}
    projected = [w for w in PROJECTED if w in wv and w in g.wv]
    result = {
        "corpus": "gensim test_data/lee_background.cor (simple_preprocess)",
        "sentences": len(sentences), "tokens": sum(map(len, sentences)),
        "vocabulary": len(wv), "params": p, "seed": 0,
        "analogy": {
            "questions_in_file": ours_report.total + ours_report.skipped,
            "inside_vocabulary": ours_report.total,
            "seqcore_correct": ours_report.correct, "gensim_correct": g_correct,
            "gensim_total_by_gensim": g_total,
            "gensim_correct_by_seqcore_evaluator": cross.correct,
            "seqcore_accuracy": round(ours_report.accuracy, 4),
            "gensim_accuracy": round(float(g_score), 4),
            "cosmul_correct": cosmul,
            "sections": {k: list(v) for k, v in ours_report.sections.items()},
        },
        "loss_per_epoch": [round(x, 4) for x in losses],
        "neighbours": neighbours,
        "train_seconds": {"seqcore": round(ours_s, 2), "gensim": round(gensim_s, 2),
                          "ratio": round(ours_s / gensim_s, 1), "clock": "process CPU time"},
        "projection_words": projected,
        "vectors": {"seqcore": np.round(np.stack([wv[w] for w in projected]), 4).tolist(),
                    "gensim": np.round(np.stack([g.wv[w] for w in projected]), 4).tolist()},
    }
    result["repeats"] = repeats
    return result


def report(result: dict) -> list[Figure]:
    """Print the comparison and record it for ``python -m benchmarks --json``."""
    p, repeats = result["params"], result["repeats"]
    ours_s, gensim_s = result["train_seconds"]["seqcore"], result["train_seconds"]["gensim"]
    neighbours = result["neighbours"]
    a = result["analogy"]
    figures = [Figure("seqcore.train_skipgram (NumPy)", ours_s, "gensim Word2Vec, 1 worker",
                      ours_s / gensim_s,
                      extra={"analogies_inside_vocabulary": a["inside_vocabulary"],
                             "analogies_correct": a["seqcore_correct"],
                             "reference_analogies_correct": a["gensim_correct"]})]
    print_figures(
        f"skip-gram, Lee corpus ({result['tokens']} tokens, vocabulary {result['vocabulary']}), "
        f"dim={p['dim']}, window={p['window']}, negative={p['negative']}, "
        f"epochs={p['epochs']}", figures,
        notes=[f"median of {repeats} training run(s)",
               f"analogies inside the vocabulary: {a['inside_vocabulary']} of "
               f"{a['questions_in_file']}; 3CosAdd correct: seqcore {a['seqcore_correct']}, "
               f"gensim {a['gensim_correct']} (seqcore's evaluator on gensim's vectors: "
               f"{a['gensim_correct_by_seqcore_evaluator']}); 3CosMul: {a['cosmul_correct']}"])
    for w in PROBES[:3]:
        print(f"   {w:12s} seqcore: {neighbours[w]['seqcore']}")
        print(f"   {'':12s} gensim:  {neighbours[w]['gensim']}")
    return figures
