"""Time per generated token with and without a key–value cache (Transformer page)."""

from __future__ import annotations

import json

import numpy as np

from benchmarks import bench_kv_cache
from experiments._record import Check

SEED = bench_kv_cache.SEED
CONFIG = {"d_model": bench_kv_cache.D, "heads": bench_kv_cache.HEADS,
          "d_ff": bench_kv_cache.D_FF, "block": "decoder-only, pre-LN",
          "positions": bench_kv_cache.POSITIONS, "cached_only": bench_kv_cache.CACHED_ONLY,
          "rounds": 9, "dtype": "float32", "batch": 1, "blas_threads": 1,
          "timing": "fastest of interleaved rounds, CPU time of the process"}
CHECKED = 64        # positions whose cached outputs are compared with recomputation again


def run(progress: bool = True) -> dict:
    result = bench_kv_cache.measure(rounds=CONFIG["rounds"])
    rounded = json.loads(json.dumps(result), parse_float=lambda s: float(f"{float(s):.6g}"))
    return {"config": CONFIG, "seed": SEED, **rounded}


def check(record: dict) -> list[Check]:
    """Times are measurements, not reproducible; that both ways agree is, to the last bit."""
    rng = np.random.default_rng(record["seed"])
    p = bench_kv_cache.block_params(rng)
    X = rng.standard_normal((max(record["config"]["cached_only"]), record["d_model"]))
    return [
        Check("positions", record["positions"], list(bench_kv_cache.POSITIONS)),
        Check(f"max |cached - recomputed| over {CHECKED} positions (float64)",
              record["max_abs_difference"],
              bench_kv_cache.agreement(p, X.astype(np.float32), CHECKED), rtol=0, atol=1e-13),
    ]
