"""Table 1 of "Attention Is All You Need", measured: an RNN layer vs a self-attention layer.

For sequence lengths n = 64 … 4096 (float32, width d = 64, batch 1, CPU) this
measures, for ``seqcore.rnn_forward`` and for a one-head self-attention layer
(``seqcore.multi_head_attention`` with Q = K = V = X):

- the wall time (fastest of interleaved rounds) and its log-log least-squares
  exponent (time ∝ n^k);
- the peak memory allocated during one call (``tracemalloc``; NumPy reports
  its buffers to it), and its exponent;
- the number of matrix products each layer issues, counted by wrapping the
  namespace's ``matmul`` and tracing the ``@`` operator in seqcore's code: the
  RNN's recurrent products depend on each other, so their count is its number of
  sequential steps; attention issues the same few products whatever n is.

The paper's claims, per layer: self-attention O(n²·d) operations with O(1)
sequential operations; recurrent O(n·d²) with O(n) sequential operations.
The chapter's copy of these figures is an experiment record:
``python -m experiments scaling`` runs :func:`measure` and writes
``docs/_data/experiments/scaling.json``, which the Transformer page's plot
(``snippets/plot_scaling.py``) reads. ``python -m benchmarks scaling`` only prints
(and, with ``--json DIR``, records its table in DIR).
"""

from __future__ import annotations

import dis
import sys
import time
import tracemalloc
from pathlib import Path

import array_api_compat
import numpy as np

import seqcore
from benchmarks._timing import Figure, record
from seqcore import multi_head_attention, rnn_forward

D = 64
LENGTHS = [64, 128, 256, 512, 1024, 2048, 4096]


def _layers(n: int, rng: np.random.Generator):
    s = np.float32(1 / np.sqrt(D))
    W = {k: (rng.standard_normal((D, D)) * s).astype(np.float32)
         for k in ("W_xh", "W_hh", "W_q", "W_k", "W_v", "W_o")}
    xs = rng.standard_normal((n, 1, D)).astype(np.float32)        # (T, batch, input)
    X = xs[:, 0, :]

    def rnn():
        rnn_forward(xs, W["W_xh"], W["W_hh"])

    def attention():
        multi_head_attention(X, X, X, W["W_q"], W["W_k"], W["W_v"], W["W_o"], num_heads=1)

    return {"rnn": rnn, "attention": attention}


def _median_times(fns: dict, rounds: int, min_sample: float = 0.02) -> dict[str, float]:
    """Fastest of interleaved rounds; each sample averages enough calls to last ≥ 20 ms.

    The minimum, not the median: on a machine shared with other jobs the noise
    only ever adds time, and a scaling exponent needs the undisturbed cost. The
    clock is the process's CPU time (one BLAS thread): time spent waiting for a core
    that another job holds is not counted, as wall-clock time would count it.
    """
    number = {}
    for name, fn in fns.items():
        start = time.process_time()
        fn()
        number[name] = max(1, int(min_sample / max(time.process_time() - start, 1e-7)))
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.process_time()
            for _ in range(number[name]):
                fn()
            samples[name].append((time.process_time() - start) / number[name])
    return {k: min(v) for k, v in samples.items()}


def _peak_bytes(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return int(peak)


def _count_products(fn) -> int:
    """The matrix products ``fn`` issues inside seqcore: calls of the namespace's
    ``matmul`` and evaluations of the ``@`` operator (traced opcode by opcode, in seqcore's
    own frames only; NumPy's ``@`` cannot be wrapped from outside)."""
    xp = array_api_compat.array_namespace(np.empty(0))
    original, calls = xp.matmul, [0]

    def counting(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    package = str(Path(seqcore.__file__).parent)
    binary_op, at = dis.opmap["BINARY_OP"], [i for i, (_, op) in enumerate(dis._nb_ops)
                                             if op in ("@", "@=")]

    def trace(frame, event, arg):
        if event == "call":
            if not frame.f_code.co_filename.startswith(package):
                return None
            frame.f_trace_opcodes, frame.f_trace_lines = True, False
            return trace
        if event == "opcode":
            code, i = frame.f_code.co_code, frame.f_lasti
            if code[i] == binary_op and code[i + 1] in at:
                calls[0] += 1
        return trace

    xp.matmul = counting
    sys.settrace(trace)
    try:
        fn()
    finally:
        sys.settrace(None)
        xp.matmul = original
    return calls[0]


def fit_exponent(n: list[int], y: list[float]) -> float:
    """Slope k of log y = k log n + c, by least squares."""
    k, _ = np.polyfit(np.log(n), np.log(y), 1)
    return float(k)


def run(rounds: int = 15) -> dict:
    """Measure, print, and keep the table for ``--json``; writes nothing else."""
    result = measure(rounds)
    report(result, rounds)
    return result


def measure(rounds: int = 15) -> dict:
    """Time, peak memory and matrix products of both layers at every length (a dict)."""
    # One BLAS thread: on a shared 2-core machine a multithreaded BLAS stalls on
    # whichever core another job holds (tens of ms for a sub-ms product), which
    # swamps the scaling; one thread measures the work itself.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _measure(rounds)


def _measure(rounds: int) -> dict:
    rng = np.random.default_rng(0)
    result: dict = {"d": D, "dtype": "float32", "batch": 1, "blas_threads": 1, "lengths": LENGTHS,
                    "rnn": {"seconds": [], "peak_bytes": [], "matmuls": []},
                    "attention": {"seconds": [], "peak_bytes": [], "matmuls": []}}
    for n in LENGTHS:
        layers = _layers(n, rng)
        r = max(3, min(rounds, 7 if n >= 2048 else rounds))
        seconds = _median_times(layers, r)
        for name, fn in layers.items():
            result[name]["seconds"].append(seconds[name])
            result[name]["peak_bytes"].append(_peak_bytes(fn))
            result[name]["matmuls"].append(_count_products(fn))
    big = [i for i, n in enumerate(LENGTHS) if n >= 512]
    for name in ("rnn", "attention"):
        m = result[name]
        m["time_exponent"] = fit_exponent(LENGTHS, m["seconds"])
        m["time_exponent_n512"] = fit_exponent([LENGTHS[i] for i in big],
                                               [m["seconds"][i] for i in big])
        m["memory_exponent"] = fit_exponent(LENGTHS, m["peak_bytes"])
        m["memory_exponent_n512"] = fit_exponent([LENGTHS[i] for i in big],
                                                 [m["peak_bytes"][i] for i in big])
    return result


def report(result: dict, rounds: int) -> None:
    """Print the table and record it for ``python -m benchmarks --json``."""
    print(f"\n== Scaling: one layer, d={D}, float32, batch 1, CPU, 1 BLAS thread "
          f"(fastest of ≤{rounds} interleaved rounds of CPU time; peak memory by "
          "tracemalloc)")
    print(f"   {'n':>6s} {'RNN ms':>9s} {'attn ms':>9s} {'RNN MiB':>9s} {'attn MiB':>9s} "
          f"{'RNN products':>13s} {'attn products':>14s}")
    for i, n in enumerate(LENGTHS):
        r_, a_ = result["rnn"], result["attention"]
        print(f"   {n:6d} {r_['seconds'][i] * 1e3:9.2f} {a_['seconds'][i] * 1e3:9.2f} "
              f"{r_['peak_bytes'][i] / 2**20:9.2f} {a_['peak_bytes'][i] / 2**20:9.2f} "
              f"{r_['matmuls'][i]:13d} {a_['matmuls'][i]:14d}")
    for name in ("rnn", "attention"):
        m = result[name]
        print(f"   {name:9s} time ∝ n^{m['time_exponent']:.2f} (n ≥ 512: "
              f"n^{m['time_exponent_n512']:.2f}), peak memory ∝ n^{m['memory_exponent']:.2f} "
              f"(n ≥ 512: n^{m['memory_exponent_n512']:.2f})")
    # For ``--json``: one row per length, the RNN layer against the attention layer.
    r_, a_ = result["rnn"], result["attention"]
    record(f"Scaling: one layer, d={D}, float32, batch 1, CPU, 1 BLAS thread", [
        Figure(f"RNN layer (rnn_forward), n={n}", r_["seconds"][i], "self-attention layer",
               r_["seconds"][i] / a_["seconds"][i],
               extra={"n": n, "peak_mib": r_["peak_bytes"][i] / 2**20,
                      "reference_peak_mib": a_["peak_bytes"][i] / 2**20,
                      "matmuls": r_["matmuls"][i], "reference_matmuls": a_["matmuls"][i]})
        for i, n in enumerate(LENGTHS)], notes=[
        f"fastest of ≤{rounds} interleaved rounds (CPU time of the process); "
        "peak memory by tracemalloc",
        *(f"{name}: time ∝ n^{result[name]['time_exponent']:.2f}, peak memory ∝ "
          f"n^{result[name]['memory_exponent']:.2f}" for name in ("rnn", "attention"))])
