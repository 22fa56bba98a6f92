"""Skip-gram on the Lee corpus: seqcore.train_skipgram against gensim (embeddings page)."""

from __future__ import annotations

import numpy as np

from benchmarks import bench_word2vec
from experiments._record import Check
from seqcore import train_skipgram

SEED = 0
CONFIG = {"params": bench_word2vec.PARAMS, "repeats": 1, "gensim_workers": 1,
          "corpus": "gensim test_data/lee_background.cor (simple_preprocess)"}


def run(progress: bool = True) -> dict:
    result = bench_word2vec.compare(repeats=CONFIG["repeats"])
    return {"config": CONFIG, "seed": SEED, **result}


def check(record: dict) -> list[Check]:
    """The corpus, and seqcore's first epoch re-run (gensim's runs are not re-run)."""
    sentences = bench_word2vec.corpus()
    _, losses = train_skipgram(sentences, **record["params"], seed=record["seed"],
                               progress=False, stop_after=1)
    return [Check("sentences", record["sentences"], len(sentences)),
            Check("tokens", record["tokens"], int(sum(map(len, sentences)))),
            Check("loss of epoch 1", record["loss_per_epoch"][0], losses[0], rtol=0,
                  atol=5e-5),
            Check("vectors are finite", True,
                  bool(np.all(np.isfinite(record["vectors"]["seqcore"]))))]
