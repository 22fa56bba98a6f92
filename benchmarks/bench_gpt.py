"""The small GPT's training step and attention's backward pass: seqcore (NumPy) vs PyTorch, CPU.

A training step is the forward pass, the mean cross-entropy, the backward pass and an
Adam update: ``GPT.loss_and_grads`` (the hand-written backward passes, composed) +
``Optimizer("adam").step`` against the same model from ``torch.nn`` modules
(``nn.Embedding``, ``nn.TransformerEncoderLayer`` pre-LN with a causal mask,
``nn.LayerNorm``, the output tied to the embedding) + ``F.cross_entropy`` +
``backward()`` + ``torch.optim.Adam``. Sizes of the recorded run ``gpt_en``: 82
characters, d_model 64, 4 heads, 2 blocks, d_ff 220, batch 32, 64 positions, float32.

Attention's backward pass alone, at the GPT's shape (32 sequences × 4 heads, n = 64,
d_k = 16, causal): ``scaled_dot_product_attention_backward`` given the forward pass's
weights, against ``torch.autograd.grad`` through ``F.scaled_dot_product_attention`` on a
graph kept between rounds (``retain_graph``), so that both sides time the backward pass
only. (``python -m benchmarks attention`` times forward + backward at n = 256.)

One thread on both sides, median CPU time of interleaved rounds. Target of the issue:
within 2×.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from benchmarks._timing import Figure, median_times, print_figures
from benchmarks.bench_train import adam_steps

V, D, HEADS, LAYERS, D_FF, B, T = 82, 64, 4, 2, 220, 32, 64


def _setup():
    from seqcore import GPT

    gpt = GPT(V, D, HEADS, LAYERS, D_FF, T)
    params = gpt.init_params(seed=0, dtype=np.float32)
    rng = np.random.default_rng(0)
    X, Y = rng.integers(0, V, size=(T, B)), rng.integers(0, V, size=(T, B))
    return gpt, params, X, Y


def _torch_gpt(gpt, params):
    """The same model from torch.nn modules, seqcore's weights copied in (float32)."""
    import torch

    from seqcore import positional_encoding

    class TorchGPT(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(V, D)
            self.layers = torch.nn.ModuleList(torch.nn.TransformerEncoderLayer(
                D, HEADS, D_FF, dropout=0.0, batch_first=True, norm_first=True)
                for _ in range(LAYERS))
            self.norm = torch.nn.LayerNorm(D)
            self.bias = torch.nn.Parameter(torch.zeros(V))
            pe = np.asarray(positional_encoding(T, D), dtype=np.float32)
            self.register_buffer("pe", torch.from_numpy(pe))
            self.register_buffer("mask", torch.nn.Transformer.generate_square_subsequent_mask(T))

        def forward(self, ids):
            x = self.emb(ids) * math.sqrt(D) + self.pe
            for layer in self.layers:
                x = layer(x, src_mask=self.mask, is_causal=True)
            return torch.nn.functional.linear(self.norm(x), self.emb.weight, self.bias)

    m = TorchGPT()
    with torch.no_grad():
        m.emb.weight.copy_(torch.from_numpy(params["E"]))
        m.bias.copy_(torch.from_numpy(params["b_y"]))
        m.norm.weight.copy_(torch.from_numpy(params["gamma_f"]))
        m.norm.bias.copy_(torch.from_numpy(params["beta_f"]))
        for i, layer in enumerate(m.layers):
            p = {k: torch.from_numpy(params[f"block{i}.{k}"]) for k in
                 ("W_q", "W_k", "W_v", "b_q", "b_k", "b_v", "W_o", "b_o", "W_1", "b_1",
                  "W_2", "b_2", "gamma_1", "beta_1", "gamma_2", "beta_2")}
            layer.self_attn.in_proj_weight.copy_(torch.cat([p["W_q"], p["W_k"], p["W_v"]]))
            layer.self_attn.in_proj_bias.copy_(torch.cat([p["b_q"], p["b_k"], p["b_v"]]))
            layer.self_attn.out_proj.weight.copy_(p["W_o"])
            layer.self_attn.out_proj.bias.copy_(p["b_o"])
            for ours, mod in (("1", layer.linear1), ("2", layer.linear2)):
                mod.weight.copy_(p[f"W_{ours}"])
                mod.bias.copy_(p[f"b_{ours}"])
            for ours, mod in (("1", layer.norm1), ("2", layer.norm2)):
                mod.weight.copy_(p[f"gamma_{ours}"])
                mod.bias.copy_(p[f"beta_{ours}"])
    return m


def steps():
    """``(ours, theirs, check)``: one training step each, and a check that they agree."""
    import torch

    gpt, params, X, Y = _setup()
    m = _torch_gpt(gpt, params)
    # torch's module reads (batch, T): the transpose of seqcore's time-major batch
    ours, theirs, state = adam_steps(gpt, params, X, Y, m, torch.from_numpy(X.T.copy()),
                                     torch.from_numpy(Y.T.copy()).reshape(-1))

    def check() -> float:
        """The first step's losses and updated tables must agree (float32)."""
        a, b = float(ours()), theirs().item()
        assert abs(a - b) < 1e-4 * abs(b), (a, b)
        return float(np.max(np.abs(state["p"]["E"] - m.emb.weight.detach().numpy())))

    return ours, theirs, check


def attention_backward():
    """``(ours, theirs, max |difference|)``: the causal SDPA backward pass alone."""
    import torch

    from seqcore import scaled_dot_product_attention, scaled_dot_product_attention_backward

    g = torch.Generator().manual_seed(0)
    Q, K, Vv, dO = (torch.randn(B, HEADS, T, D // HEADS, generator=g) for _ in range(4))
    leaves = [a.clone().requires_grad_() for a in (Q, K, Vv)]
    out = torch.nn.functional.scaled_dot_product_attention(*leaves, is_causal=True)
    q, k, v, do = (a.numpy() for a in (Q, K, Vv, dO))
    _, A = scaled_dot_product_attention(q, k, v, causal=True)

    def ours():
        return scaled_dot_product_attention_backward(do, q, k, v, A)

    def theirs():
        return torch.autograd.grad(out, leaves, dO, retain_graph=True)

    diff = max(float(np.abs(a - b.numpy()).max())
               for a, b in zip(ours().values(), theirs(), strict=True))
    return ours, theirs, diff


def run(rounds: int = 15) -> list[Figure]:
    import torch
    from threadpoolctl import threadpool_limits

    import seqcore

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            ours, theirs, check = steps()
            diff = check()
            a_ours, a_theirs, a_diff = attention_backward()
            t = median_times({"gpt seqcore": ours, "gpt torch": theirs,
                              "sdpa seqcore": a_ours, "sdpa torch": a_theirs},
                             rounds=rounds, warmup=2, clock=time.process_time)
    finally:
        torch.set_num_threads(threads)
    gpt = _setup()[0]
    figures = [
        Figure(f"GPT training step, NumPy ({gpt.param_count()} parameters)", t["gpt seqcore"],
               "torch.nn (TransformerEncoderLayer) + autograd + torch.optim.Adam",
               t["gpt seqcore"] / t["gpt torch"], target=2.0,
               extra={"max_abs_diff": diff, "params": gpt.param_count()}),
        Figure(f"causal SDPA backward only, NumPy (B={B}, h={HEADS}, n={T}, d_k={D // HEADS})",
               t["sdpa seqcore"], "torch.autograd.grad through F.scaled_dot_product_attention",
               t["sdpa seqcore"] / t["sdpa torch"], target=2.0,
               extra={"max_abs_diff": a_diff}),
    ]
    print_figures(
        f"Small GPT on CPU, one thread, float32: V={V}, d_model={D}, {HEADS} heads, "
        f"{LAYERS} blocks, d_ff={D_FF}, batch {B}, {T} positions",
        figures,
        notes=[f"torch {torch.__version__}, NumPy {np.__version__}, seqcore "
               f"{seqcore.__version__}; median CPU time of {rounds} interleaved rounds",
               "max |difference|: the embedding table after the first step (GPT), the "
               "gradients of Q, K, V (SDPA), seqcore vs torch"])
    return figures


if __name__ == "__main__":  # pragma: no cover
    run(rounds=int(sys.argv[1]) if len(sys.argv) > 1 else 15)
