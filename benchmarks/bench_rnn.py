"""RNN, LSTM and GRU: forward and BPTT, seqcore vs torch (CPU) vs the matrix-product floor.

Shape of the issue: float32, batch 32, 128 steps, input 256, hidden 256, CPU.

- forward: ``seqcore.{rnn,lstm,gru}_forward`` (NumPy, and the same functions on torch
  tensors) against ``torch.nn.{RNN,LSTM,GRU}`` under ``no_grad``;
- BPTT: seqcore's hand-written backward passes (``rnn_forward`` + ``rnn_backward``;
  ``lstm_backward`` and ``gru_backward``, which recompute the forward) against
  ``torch.autograd`` (forward with autograd on, then ``backward`` of the same upstream
  gradient ``dH``);
- floor: only the matrix products each computation needs, in NumPy, one after the other
  as the recurrence forces them: no seqcore function can be faster than its floor.

Targets of the issue: forward ≤ 2× torch, BPTT ≤ 3× autograd, ≤ 1.5× the floor.
"""

from __future__ import annotations

import numpy as np

from benchmarks._timing import Figure, median_times, print_figures
from seqcore import (
    gru_backward,
    gru_forward,
    lstm_backward,
    lstm_forward,
    rnn_backward,
    rnn_forward,
)

T, B, D, H = 128, 32, 256, 256
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def _floors(G: int, xs2: np.ndarray, W_ih_T: np.ndarray, W_hh_T: np.ndarray,
            W_hh: np.ndarray, W_ih: np.ndarray, h: np.ndarray, gh: np.ndarray):
    """The matrix products of a forward and of a BPTT pass with G gate blocks."""

    def forward():
        xs2 @ W_ih_T                       # (T·B, D) @ (D, G·H): every input projection
        for _ in range(T):
            h @ W_hh_T                     # (B, H) @ (H, G·H), one per step, in sequence

    def backward_only():
        for _ in range(T):
            gh @ W_hh                      # (B, G·H) @ (G·H, H): δh_{t-1}, one per step
        big = np.broadcast_to(gh, (T, B, G * H)).reshape(T * B, G * H)
        big.T @ xs2                        # ∂L/∂W_ih: (G·H, T·B) @ (T·B, D)
        big.T @ xs2[:, :H]                 # ∂L/∂W_hh: (G·H, T·B) @ (T·B, H)
        big @ W_ih                         # ∂L/∂x:    (T·B, G·H) @ (G·H, D)

    def bptt():
        forward()
        backward_only()

    return forward, bptt


def run(rounds: int = 15) -> list[Figure]:
    import torch

    torch.manual_seed(0)
    mods = {"rnn": torch.nn.RNN(D, H), "lstm": torch.nn.LSTM(D, H), "gru": torch.nn.GRU(D, H)}
    xs_t = torch.randn(T, B, D)
    dH_t = torch.randn(T, B, H)
    xs, dH = xs_t.numpy(), dH_t.numpy()
    xs2 = np.ascontiguousarray(xs.reshape(T * B, D))
    h = np.zeros((B, H), dtype=np.float32)

    P_t = {k: tuple(getattr(m, f"{n}_l0").detach() for n in
                    ("weight_ih", "weight_hh", "bias_ih", "bias_hh")) for k, m in mods.items()}
    P = {k: tuple(p.numpy() for p in v) for k, v in P_t.items()}

    def sc_forward(kind, p, x):
        if kind == "rnn":
            return rnn_forward(x, p[0], p[1], p[2] + p[3])
        if kind == "lstm":
            return lstm_forward(x, *p)
        return gru_forward(x, *p)

    def sc_bptt(kind, p, x, dh):
        if kind == "rnn":
            Hs, _ = rnn_forward(x, p[0], p[1], p[2] + p[3])
            return rnn_backward(x, Hs, dh, p[0], p[1])
        if kind == "lstm":
            return lstm_backward(x, dh, *p)
        return gru_backward(x, dh, *p)

    def torch_forward(m):
        with torch.no_grad():
            m(xs_t)

    def torch_autograd(m):
        m.zero_grad(set_to_none=True)
        x = xs_t.detach().requires_grad_()
        out = m(x)[0]
        out.backward(dH_t)

    # correctness first: a fast wrong answer is not a benchmark
    for kind, m in mods.items():
        with torch.no_grad():
            ref = m(xs_t)[0].numpy()
        got = sc_forward(kind, P[kind], xs)[0]
        assert np.abs(got - ref).max() < 1e-4, kind
        torch_autograd(m)
        g = sc_bptt(kind, P[kind], xs, dH)
        key = "W_xh" if kind == "rnn" else "W_ih"
        err = np.abs(g[key] - m.weight_ih_l0.grad.numpy()).max()
        assert err < 1e-3 * max(1.0, float(np.abs(g[key]).max())), (kind, err)

    candidates = {}
    for kind, m in mods.items():
        G = GATES[kind]
        W_ih, W_hh = P[kind][0], P[kind][1]
        floor_f, floor_b = _floors(G, xs2, np.ascontiguousarray(W_ih.T),
                                   np.ascontiguousarray(W_hh.T), W_hh, W_ih, h,
                                   np.zeros((B, G * H), dtype=np.float32))
        candidates |= {
            f"{kind}: torch forward": lambda m=m: torch_forward(m),
            f"{kind}: seqcore forward (NumPy)": lambda k=kind: sc_forward(k, P[k], xs),
            f"{kind}: seqcore forward (torch)": (
                lambda k=kind: torch.no_grad()(sc_forward)(k, P_t[k], xs_t)),
            f"{kind}: floor forward": floor_f,
            f"{kind}: torch autograd": lambda m=m: torch_autograd(m),
            f"{kind}: seqcore BPTT (NumPy)": lambda k=kind: sc_bptt(k, P[k], xs, dH),
            f"{kind}: floor BPTT": floor_b,
        }
    t = median_times(candidates, rounds=rounds)

    figures = []
    for kind in mods:
        name = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[kind]
        f_np, f_t = t[f"{kind}: seqcore forward (NumPy)"], t[f"{kind}: seqcore forward (torch)"]
        b_np = t[f"{kind}: seqcore BPTT (NumPy)"]
        figures += [
            Figure(f"{name} forward, NumPy", f_np, f"torch.nn.{name} (no_grad)",
                   f_np / t[f"{kind}: torch forward"], target=2.0),
            Figure(f"{name} forward, torch tensors", f_t, f"torch.nn.{name} (no_grad)",
                   f_t / t[f"{kind}: torch forward"], target=2.0),
            Figure(f"{name} forward, NumPy", f_np, "floor: its matrix products",
                   f_np / t[f"{kind}: floor forward"], target=1.5),
            Figure(f"{name} BPTT, NumPy", b_np, "torch.autograd (fwd + bwd)",
                   b_np / t[f"{kind}: torch autograd"], target=3.0),
            Figure(f"{name} BPTT, NumPy", b_np, "floor: its matrix products",
                   b_np / t[f"{kind}: floor BPTT"], target=1.5),
            Figure(f"torch.nn.{name} forward", t[f"{kind}: torch forward"],
                   "floor: its matrix products",
                   t[f"{kind}: torch forward"] / t[f"{kind}: floor forward"]),
        ]
    import torch as _torch
    print_figures(
        f"RNN / LSTM / GRU forward and BPTT, float32, T={T}, batch={B}, input={D}, "
        f"hidden={H}, CPU",
        figures,
        notes=[f"torch {_torch.__version__}, {_torch.get_num_threads()} torch threads, "
               f"NumPy {np.__version__}; median of {rounds} interleaved rounds",
               "BPTT = forward + backward of the recurrence for a given dL/dH "
               "(seqcore's LSTM/GRU backward recompute their forward)"],
    )
    return figures
