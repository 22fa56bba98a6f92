"""Cost of one RNN layer and one self-attention layer against the length (Transformer page)."""

from __future__ import annotations

import json

import numpy as np

from benchmarks import bench_scaling
from experiments._record import Check

SEED = 0
CONFIG = {"d": bench_scaling.D, "lengths": bench_scaling.LENGTHS, "rounds": 15,
          "dtype": "float32", "batch": 1, "blas_threads": 1,
          "timing": "fastest of interleaved rounds, CPU time of the process; peak memory by "
                    "tracemalloc"}
CHECKED_LENGTHS = 4        # the matrix-product counts of the first lengths are re-counted


def run(progress: bool = True) -> dict:
    result = bench_scaling.measure(rounds=CONFIG["rounds"])
    rounded = json.loads(json.dumps(result), parse_float=lambda s: round(float(s), 6))
    return {"config": CONFIG, "seed": SEED, **rounded, "summary": summary(result)}


def summary(result: dict) -> dict:
    """What the text says in words: where the times cross, and the ratio at the longest n."""
    n, rnn, att = result["lengths"], result["rnn"]["seconds"], result["attention"]["seconds"]
    slower = [x for x, r, a in zip(n, rnn, att, strict=True) if a > r]
    return {"first_n_attention_slower": slower[0] if slower else None,
            "attention_over_rnn_at_longest": round(att[-1] / rnn[-1], 3)}


def check(record: dict) -> list[Check]:
    """Times and memory are measurements, not reproducible; the product counts are exact."""
    rng = np.random.default_rng(SEED)
    out = [Check("lengths", record["lengths"], list(bench_scaling.LENGTHS))]
    for i, n in enumerate(record["lengths"][:CHECKED_LENGTHS]):
        layers = bench_scaling._layers(n, rng)
        for name in ("rnn", "attention"):
            out.append(Check(f"{name} matrix products at n={n}", record[name]["matmuls"][i],
                             bench_scaling._count_products(layers[name])))
    return out
