"""Generating with a key–value cache: time per token against the position, cached vs recomputed.

One decoder-only (GPT) block, pre-LN, d_model 256, 4 heads, d_ff 1024, float32, batch 1,
one BLAS thread. At each position n the new token's output is computed two ways:

- **cached**: ``seqcore.decoder_block_step`` with a ``KVCache`` holding the n − 1 earlier
  keys and values: the new token's projections and FFN (O(d²)) and its attention over n
  keys (O(n·d));
- **recomputed**: ``seqcore.transformer_encoder_block(..., causal=True)`` on the whole
  prefix of n tokens, whose last row is the same output: every projection again
  (O(n·d²)) and all n² scores (O(n²·d)).

Both give the same output (checked before timing). The clock is the process's CPU time,
fastest of interleaved rounds (as ``bench_scaling``). A straight line fitted to the cached
times, t(n) = a + b·n, splits them into the part that does not grow with the position
(a: the d² work and the fixed cost of the calls) and the part that does (b per position).

The Transformer page's figure and numbers come from the experiment record
``docs/_data/experiments/kv_cache.json`` (``python -m experiments kv_cache`` runs
:func:`measure`); ``python -m benchmarks kv_cache`` only prints (and, with ``--json DIR``,
records its table in DIR).
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks._timing import Figure, record
from seqcore import KVCache, decoder_block_step, transformer_encoder_block

D, HEADS, D_FF = 256, 4, 1024
POSITIONS = [16, 32, 64, 128, 256, 512, 1024, 2048]
#: the cache alone goes on further: recomputing a prefix of 8192 would take seconds per token
CACHED_ONLY = [4096, 8192]
QUICK_SIZES = "positions 16 … 8192, as the full run (fewer rounds)"
SEED = 0


def block_params(rng: np.random.Generator, d: int = D, d_ff: int = D_FF,
                 dtype=np.float32) -> dict:
    """Random weights of a pre-LN decoder-only block (the encoder block's names)."""
    s = 1 / np.sqrt(d)
    p = {n: rng.standard_normal((d, d)) * s for n in ("W_q", "W_k", "W_v", "W_o")}
    p |= {"W_1": rng.standard_normal((d_ff, d)) * s,
          "W_2": rng.standard_normal((d, d_ff)) / np.sqrt(d_ff)}
    p |= {n: rng.standard_normal(d) * 0.1 for n in ("b_q", "b_k", "b_v", "b_o", "b_2")}
    p |= {"b_1": rng.standard_normal(d_ff) * 0.1,
          "gamma_1": 1 + 0.1 * rng.standard_normal(d), "beta_1": 0.1 * rng.standard_normal(d),
          "gamma_2": 1 + 0.1 * rng.standard_normal(d), "beta_2": 0.1 * rng.standard_normal(d)}
    return {k: v.astype(dtype) for k, v in p.items()}


def _candidates(p: dict, X: np.ndarray, n: int, cache: KVCache) -> dict:
    def cached():
        decoder_block_step(X[n - 1], p, HEADS, cache, norm_first=True)
        cache.truncate(n - 1)           # back to n − 1 positions for the next round

    def recomputed():
        transformer_encoder_block(X[:n], p, HEADS, norm_first=True, causal=True)

    return {"cached": cached, "recomputed": recomputed}


def _fastest(fns: dict, rounds: int, min_sample: float = 0.02, clock=time.process_time,
             sync=lambda: None) -> dict[str, float]:
    """Fastest of interleaved rounds; each sample lasts ≥ 20 ms (many calls).

    On the CPU the clock is the process's CPU time (one BLAS thread): time spent waiting
    for a core that another job holds is not counted. On a GPU it is wall time, with the
    device synchronized before and after.
    """
    def timed(fn, number):
        sync()
        start = clock()
        for _ in range(number):
            fn()
        sync()
        return (clock() - start) / number

    number = {name: max(1, int(min_sample / max(timed(fn, 1), 1e-7))) for name, fn in fns.items()}
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            samples[name].append(timed(fn, number[name]))
    return {k: min(v) for k, v in samples.items()}


def agreement(p: dict, X: np.ndarray, n: int) -> float:
    """Max |cached − recomputed| over the first n outputs (float64 copies)."""
    p64 = {k: v.astype(np.float64) for k, v in p.items()}
    X64 = X[:n].astype(np.float64)
    cache = KVCache(max_len=n)
    steps = np.stack([decoder_block_step(x, p64, HEADS, cache, norm_first=True) for x in X64])
    full = transformer_encoder_block(X64, p64, HEADS, norm_first=True, causal=True)
    return float(np.abs(steps - full).max())


def fit_line(n: list[int], t: list[float]) -> dict[str, float]:
    """Least-squares t = a + b·n, and how much of the variance the line explains (R²)."""
    n, t = np.asarray(n, dtype=float), np.asarray(t, dtype=float)
    b, a = np.polyfit(n, t, 1)
    r2 = 1 - float(np.sum((t - (a + b * n)) ** 2) / np.sum((t - t.mean()) ** 2))
    return {"a": float(a), "b": float(b), "r2": r2}


def fit_exponent(n: list[int], t: list[float]) -> float:
    k, _ = np.polyfit(np.log(n), np.log(t), 1)
    return float(k)


def measure(rounds: int = 9, device: str = "cpu") -> dict:
    """Seconds per token at every position, both ways, with the fits (a dict)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _measure(rounds, device)


def _measure(rounds: int, device: str) -> dict:
    rng = np.random.default_rng(SEED)
    p = block_params(rng)
    X = rng.standard_normal((max(CACHED_ONLY), D)).astype(np.float32)
    agree = agreement(p, X, 64)
    clock, sync = time.process_time, (lambda: None)
    if device != "cpu":                 # the same arrays as CUDA tensors, wall time
        import torch

        dev = torch.device(device)
        p = {k: torch.as_tensor(v, device=dev) for k, v in p.items()}
        X = torch.as_tensor(X, device=dev)
        clock, sync = time.perf_counter, torch.cuda.synchronize
    out: dict = {"cached": [], "recomputed": []}
    cache = KVCache(max_len=len(X))
    for n in POSITIONS + CACHED_ONLY:
        while len(cache) < n - 1:        # fill up to n − 1, keeping the earlier positions
            decoder_block_step(X[len(cache)], p, HEADS, cache, norm_first=True)
        fns = _candidates(p, X, n, cache)
        if n in CACHED_ONLY:
            del fns["recomputed"]
        t = _fastest(fns, max(3, rounds if n <= 512 else rounds // 2), clock=clock, sync=sync)
        for k in t:
            out[k].append(t[k])
    big = [i for i, n in enumerate(POSITIONS) if n >= 256]
    every = POSITIONS + CACHED_ONLY
    return {
        "d_model": D, "heads": HEADS, "d_ff": D_FF, "positions": POSITIONS,
        "cached_positions": every, "device": device, "seconds_per_token": out,
        "cached_line": fit_line(every, out["cached"]),
        "recomputed_exponent_n256": fit_exponent([POSITIONS[i] for i in big],
                                                 [out["recomputed"][i] for i in big]),
        "speedup_at_longest": out["recomputed"][len(POSITIONS) - 1]
        / out["cached"][len(POSITIONS) - 1],
        "max_abs_difference": agree,
    }


def run(rounds: int = 15, device: str = "cpu") -> dict:
    """Measure, print, and keep the table for ``--json``; writes nothing else."""
    result = measure(max(3, rounds // 2), device)
    report(result, rounds)
    return result


def report(result: dict, rounds: int) -> None:
    """Print the table and record it for ``python -m benchmarks --json``."""
    on = ("1 BLAS thread" if result["device"] == "cpu"
          else f"{result['device']} (wall time, synchronized)")
    title = (f"KV cache: one pre-LN decoder-only block, d_model={D}, {HEADS} heads, "
             f"d_ff={D_FF}, float32, batch 1, {on}")
    print(f"\n== {title}")
    print("   time per generated token (fastest of interleaved rounds)")
    print(f"   {'position n':>10s} {'cached ms':>10s} {'recomputed ms':>14s} {'ratio':>8s}")
    s = result["seconds_per_token"]
    for i, n in enumerate(result["cached_positions"]):
        if i < len(POSITIONS):
            print(f"   {n:10d} {s['cached'][i] * 1e3:10.3f} {s['recomputed'][i] * 1e3:14.3f} "
                  f"{s['recomputed'][i] / s['cached'][i]:7.1f}×")
        else:
            print(f"   {n:10d} {s['cached'][i] * 1e3:10.3f} {'(not timed)':>14s}")
    line = result["cached_line"]
    print(f"   cached: t(n) = {line['a'] * 1e3:.3f} ms + n · {line['b'] * 1e6:.3f} µs "
          f"(R² = {line['r2']:.3f}); recomputed: t ∝ n^{result['recomputed_exponent_n256']:.2f}"
          f" for n ≥ 256; cached and recomputed outputs differ by at most "
          f"{result['max_abs_difference']:.1e} (float64)")
    record(title, [
        Figure(f"cached step, n={n}", s["cached"][i], "recomputing the prefix",
               s["cached"][i] / s["recomputed"][i], extra={"n": n})
        for i, n in enumerate(POSITIONS)], notes=[
        "fastest of interleaved rounds (CPU time of the process)",
        f"cached: t(n) = {line['a'] * 1e3:.3f} ms + n × {line['b'] * 1e6:.3f} µs "
        f"(R² = {line['r2']:.3f})"])
