"""One training step of the recurrent language models: seqcore (NumPy) against PyTorch (CPU).

A step is the forward pass, the mean cross-entropy, the backward pass and an Adam update:
``RecurrentLM.loss_and_grads`` (the hand-written BPTT) + ``Optimizer("adam").step`` against
``nn.Embedding`` + ``nn.RNN/LSTM/GRU`` + ``nn.Linear`` + ``F.cross_entropy`` +
``backward()`` + ``torch.optim.Adam``. Sizes of the recorded English runs: 82 characters,
embedding 32, the LSTM's 128 units and hidden widths matched to its parameter count,
batch 32, 64 steps, float32, one thread on both sides, timed in CPU time of the process
(median of interleaved rounds). Target of the issue: within 2×.

Peak memory: each side runs in a fresh process of its own, with glibc told to take every
block of 64 KiB or more from the system and give it back when freed (so that resident
memory follows the live arrays, not what malloc keeps for reuse); after a step of
warm-up (which creates the optimizer's state) the process's peak resident memory is
reset to its current size (Linux: ``/proc/self/clear_refs``), one more step runs, and
the figure is how far the peak (``VmHWM``) rose: the same measurement for both sides,
the libraries' own buffers included. NumPy's side is also measured with ``tracemalloc``
(the arrays alone), as a cross-check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

from benchmarks._timing import Figure, median_times, print_figures

V, EMBED, LSTM_HIDDEN, B, T = 82, 32, 128, 32, 64
CELLS = ("rnn", "lstm", "gru")


def _setup(cell: str):
    from seqcore import RecurrentLM, matched_hidden

    target = RecurrentLM("lstm", V, EMBED, LSTM_HIDDEN).param_count()
    lm = RecurrentLM(cell, V, EMBED, matched_hidden(cell, V, EMBED, target))
    params = lm.init_params(seed=0, dtype=np.float32)
    rng = np.random.default_rng(0)
    X, Y = rng.integers(0, V, size=(T, B)), rng.integers(0, V, size=(T, B))
    return lm, params, X, Y


def _torch_model(lm, params):
    import torch

    kind = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[lm.cell]

    class LM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(lm.vocab_size, lm.embed)
            self.rnn = kind(lm.embed, lm.hidden)
            self.out = torch.nn.Linear(lm.hidden, lm.vocab_size)

        def forward(self, x):
            return self.out(self.rnn(self.emb(x))[0])

    m = LM()
    names = {"E": "emb.weight", "W_ih": "rnn.weight_ih_l0", "W_hh": "rnn.weight_hh_l0",
             "b_ih": "rnn.bias_ih_l0", "b_hh": "rnn.bias_hh_l0", "W_hy": "out.weight",
             "b_y": "out.bias"}
    with torch.no_grad():
        for ours, theirs in names.items():
            m.get_parameter(theirs).copy_(torch.from_numpy(params[ours]))
    return m


def adam_steps(model, params: dict, X, Y, m, Xt, Yt):
    """``(ours, theirs, state)``: one Adam step of seqcore's ``model`` (hand-written
    gradients) and one of torch's module ``m`` (autograd) on the same batch; ``state["p"]``
    holds seqcore's current parameters."""
    import torch

    from seqcore import Optimizer

    opt, t_opt = Optimizer("adam", lr=1e-3), torch.optim.Adam(m.parameters(), lr=1e-3)
    state = {"p": params}

    def ours():
        loss, grads, _ = model.loss_and_grads(state["p"], X, Y)
        state["p"] = opt.step(state["p"], grads)
        return loss

    def theirs():
        loss = torch.nn.functional.cross_entropy(m(Xt).reshape(-1, model.vocab_size), Yt)
        t_opt.zero_grad()
        loss.backward()
        t_opt.step()
        return loss

    return ours, theirs, state


def steps(cell: str):
    """``(ours, theirs, check)``: one training step each, and a check that they agree."""
    import torch


    lm, params, X, Y = _setup(cell)
    m = _torch_model(lm, params)
    ours, theirs, state = adam_steps(lm, params, X, Y, m, torch.from_numpy(X),
                                     torch.from_numpy(Y).reshape(-1))

    def check() -> float:
        """The first step's losses and updated output weights must agree (float32)."""
        a, b = float(ours()), theirs().item()
        assert abs(a - b) < 1e-4 * abs(b), (cell, a, b)
        return float(np.max(np.abs(state["p"]["W_hy"] - m.out.weight.detach().numpy())))

    return ours, theirs, check


def _peak_in_child(side: str, cell: str) -> dict:
    """Bytes by which one step raises the peak resident memory of a fresh process."""
    code = (f"from benchmarks.bench_train import _peak_here; _peak_here({side!r}, {cell!r})")
    # Large blocks straight from mmap and back to the system when freed (glibc), so the
    # resident memory follows what is live instead of what malloc keeps for reuse.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "MALLOC_MMAP_THRESHOLD_": "65536",
           "MALLOC_TRIM_THRESHOLD_": "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _status_kib(field: str) -> int:
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _peak_here(side: str, cell: str) -> None:
    import torch

    torch.set_num_threads(1)
    ours, theirs, _ = steps(cell)
    step = ours if side == "numpy" else theirs
    step()                                                   # warm-up: optimizer state
    before = _status_kib("VmRSS")
    with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
        f.write("5")                                         # reset the peak to VmRSS
    step()
    out = {"bytes": (_status_kib("VmHWM") - before) * 1024}
    if side == "numpy":
        import tracemalloc

        tracemalloc.start()
        step()
        out["tracemalloc"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(json.dumps(out))


def run(rounds: int = 15) -> list[Figure]:
    import torch
    from threadpoolctl import threadpool_limits

    import seqcore

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    figures = []
    try:
        with threadpool_limits(limits=1):
            candidates, diffs = {}, {}
            for cell in CELLS:
                ours, theirs, check = steps(cell)
                diffs[cell] = check()
                candidates[f"{cell} seqcore"], candidates[f"{cell} torch"] = ours, theirs
            t = median_times(candidates, rounds=rounds, warmup=2, clock=time.process_time)
        for cell in CELLS:
            lm = _setup(cell)[0]
            mine, ref = t[f"{cell} seqcore"], t[f"{cell} torch"]
            peak, ref_peak = _peak_in_child("numpy", cell), _peak_in_child("torch", cell)
            figures.append(Figure(
                f"{cell.upper()} LM training step, NumPy (hidden {lm.hidden})", mine,
                f"torch.nn.{cell.upper()} + autograd + torch.optim.Adam", mine / ref,
                target=2.0,
                extra={"peak_mib": peak["bytes"] / 2**20,
                       "reference_peak_mib": ref_peak["bytes"] / 2**20,
                       "numpy_tracemalloc_peak_mib": peak["tracemalloc"] / 2**20,
                       "max_abs_diff": diffs[cell], "params": lm.param_count()}))
    finally:
        torch.set_num_threads(threads)
    print_figures(
        f"Training step (forward, BPTT, Adam) of a character language model, float32, "
        f"V={V}, embedding {EMBED}, batch {B}, {T} steps, CPU, one thread",
        figures,
        notes=[f"torch {torch.__version__}, NumPy {np.__version__}, seqcore "
               f"{seqcore.__version__}; median CPU time of {rounds} interleaved rounds",
               "hidden widths matched to the LSTM's parameter count (as in the recorded runs)",
               "peak memory: how much one step raised a fresh process's peak resident "
               "memory (ru_maxrss), each side in its own process",
               "max |difference|: the output weights after the first step, seqcore vs torch"])
    return figures


if __name__ == "__main__":  # pragma: no cover
    run(rounds=int(sys.argv[1]) if len(sys.argv) > 1 else 15)
