"""RNN forward: seqcore (NumPy and torch backends) vs torch.nn.RNN vs the matrix-product floor.

Shape of the issue: float32, batch 32, 128 steps, input 256, hidden 256, CPU.
"""

from __future__ import annotations

import numpy as np

from benchmarks._timing import Figure, median_times, print_figures
from seqcore import rnn_forward

T, B, D, H = 128, 32, 256, 256


def run(rounds: int = 15) -> list[Figure]:
    import torch

    torch.manual_seed(0)
    rnn = torch.nn.RNN(D, H, nonlinearity="tanh")  # float32
    xs_t = torch.randn(T, B, D)
    p = {k: v.detach() for k, v in rnn.named_parameters()}
    W_xh_t, W_hh_t = p["weight_ih_l0"], p["weight_hh_l0"]
    b_t = p["bias_ih_l0"] + p["bias_hh_l0"]
    xs, W_xh, W_hh, b = (a.numpy() for a in (xs_t, W_xh_t, W_hh_t, b_t))
    h = np.zeros((B, H), dtype=np.float32)
    W_hh_T = np.ascontiguousarray(W_hh.T)

    def torch_rnn():
        with torch.no_grad():
            rnn(xs_t)

    def floor_recurrent():
        # the 128 recurrent products alone: (32x256) @ (256x256), one per step
        for _ in range(T):
            h @ W_hh_T

    def floor_all_products():
        # every product the forward needs: one (4096x256)@(256x256) input projection
        # plus the 128 recurrent products
        xs.reshape(T * B, D) @ W_xh.T
        floor_recurrent()

    def seqcore_numpy():
        rnn_forward(xs, W_xh, W_hh, b)

    def seqcore_torch():
        with torch.no_grad():
            rnn_forward(xs_t, W_xh_t, W_hh_t, b_t)

    # correctness first: a fast wrong answer is not a benchmark
    with torch.no_grad():
        ref, _ = rnn(xs_t)
    got, _ = rnn_forward(xs, W_xh, W_hh, b)
    assert np.abs(got - ref.numpy()).max() < 1e-4

    t = median_times({
        "torch.nn.RNN": torch_rnn,
        "floor: 128 recurrent products": floor_recurrent,
        "floor: all products": floor_all_products,
        "seqcore (NumPy)": seqcore_numpy,
        "seqcore (torch tensors)": seqcore_torch,
    }, rounds=rounds)
    figures = [
        Figure("seqcore.rnn_forward, NumPy", t["seqcore (NumPy)"], "torch.nn.RNN (CPU)",
               t["seqcore (NumPy)"] / t["torch.nn.RNN"], target=2.0),
        Figure("seqcore.rnn_forward, torch tensors", t["seqcore (torch tensors)"],
               "torch.nn.RNN (CPU)", t["seqcore (torch tensors)"] / t["torch.nn.RNN"]),
        Figure("seqcore.rnn_forward, NumPy", t["seqcore (NumPy)"],
               "floor: all its matrix products (NumPy)",
               t["seqcore (NumPy)"] / t["floor: all products"]),
        Figure("seqcore.rnn_forward, NumPy", t["seqcore (NumPy)"],
               "floor: the 128 recurrent products alone",
               t["seqcore (NumPy)"] / t["floor: 128 recurrent products"]),
        Figure("torch.nn.RNN", t["torch.nn.RNN"], "floor: the 128 recurrent products alone",
               t["torch.nn.RNN"] / t["floor: 128 recurrent products"]),
    ]
    print_figures(
        f"RNN forward, float32, T={T}, batch={B}, input={D}, hidden={H}, CPU",
        figures,
        notes=[f"torch {torch.__version__}, {torch.get_num_threads()} torch threads, "
               f"NumPy {np.__version__}; median of {rounds} interleaved rounds"],
    )
    return figures
