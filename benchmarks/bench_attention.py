"""Attention: seqcore (NumPy and torch backends) vs torch vs the floor of the matrix products.

Shapes: float32, CPU. Scaled dot-product attention on (batch 8, heads 8, n 256, d_k 64);
multi-head self-attention on (batch 8, n 256, d_model 512, 8 heads).
The *floor* is the time of the matrix products alone (NumPy), what any
implementation has to pay; everything above it is softmax, reshapes and copies.
"""

from __future__ import annotations

import numpy as np

from benchmarks._timing import Figure, median_times, print_figures
from seqcore import multi_head_attention, scaled_dot_product_attention

B, H, N, D_K = 8, 8, 256, 64
D_MODEL = H * D_K


def run(rounds: int = 15) -> list[Figure]:
    # One thread for NumPy's BLAS and for torch: on a shared 2-core machine a
    # multithreaded BLAS stalls whenever another job holds a core, and the
    # comparison is fairest with both sides on the same single core.
    import torch
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            return _run(rounds, torch)
    finally:
        torch.set_num_threads(threads)


def _run(rounds: int, torch) -> list[Figure]:
    F = torch.nn.functional

    torch.manual_seed(0)
    Qt, Kt, Vt = (torch.randn(B, H, N, D_K) for _ in range(3))
    Q, K, V = (a.numpy() for a in (Qt, Kt, Vt))
    K_T = np.ascontiguousarray(np.swapaxes(K, -1, -2))
    W = np.random.default_rng(0).random((B, H, N, N), dtype=np.float32)

    mha = torch.nn.MultiheadAttention(D_MODEL, H, batch_first=True)
    xt = torch.randn(B, N, D_MODEL)
    x = xt.numpy()
    Wi, bi = mha.in_proj_weight.detach(), mha.in_proj_bias.detach()
    Wo, bo = mha.out_proj.weight.detach(), mha.out_proj.bias.detach()
    wt = dict(W_q=Wi[:D_MODEL], W_k=Wi[D_MODEL:2 * D_MODEL], W_v=Wi[2 * D_MODEL:], W_o=Wo,
              b_q=bi[:D_MODEL], b_k=bi[D_MODEL:2 * D_MODEL], b_v=bi[2 * D_MODEL:], b_o=bo)
    wn = {k: v.numpy() for k, v in wt.items()}
    Wi_T, Wo_T = np.ascontiguousarray(Wi.numpy().T), np.ascontiguousarray(Wo.numpy().T)
    Qh = np.random.default_rng(1).random((B, H, N, D_K), dtype=np.float32)

    # correctness first
    with torch.no_grad():
        ref = F.scaled_dot_product_attention(Qt, Kt, Vt)
        ref_mha, _ = mha(xt, xt, xt, need_weights=False)
    assert np.abs(scaled_dot_product_attention(Q, K, V)[0] - ref.numpy()).max() < 1e-4
    assert np.abs(multi_head_attention(x, x, x, num_heads=H, **wn)[0]
                  - ref_mha.numpy()).max() < 1e-4

    def sdpa_floor():
        # the two products: Q K^T and (weights) V
        np.matmul(Q, K_T)
        np.matmul(W, V)

    def mha_floor():
        # the products of multi-head attention: 3 input projections (one fused), Q K^T,
        # weights V, output projection
        np.matmul(x, Wi_T)
        np.matmul(Qh, np.swapaxes(Qh, -1, -2))
        np.matmul(W, Qh)
        np.matmul(x, Wo_T)

    def torch_sdpa():
        with torch.no_grad():
            F.scaled_dot_product_attention(Qt, Kt, Vt)

    def torch_mha_weights():
        with torch.no_grad():
            mha(xt, xt, xt, need_weights=True, average_attn_weights=False)

    def torch_mha_fused():
        with torch.no_grad():
            mha(xt, xt, xt, need_weights=False)

    def seqcore_mha_torch():
        with torch.no_grad():
            multi_head_attention(xt, xt, xt, num_heads=H, **wt)

    t = median_times({
        "sdpa floor": sdpa_floor,
        "torch sdpa": torch_sdpa,
        "seqcore sdpa numpy": lambda: scaled_dot_product_attention(Q, K, V),
        "seqcore sdpa torch": lambda: scaled_dot_product_attention(Qt, Kt, Vt),
        "mha floor": mha_floor,
        "torch mha (weights)": torch_mha_weights,
        "torch mha (fused)": torch_mha_fused,
        "seqcore mha numpy": lambda: multi_head_attention(x, x, x, num_heads=H, **wn),
        "seqcore mha torch": seqcore_mha_torch,
    }, rounds=rounds)

    def fig(name, key, ref_name, ref_key, target=None):
        return Figure(name, t[key], ref_name, t[key] / t[ref_key], target)

    figures = [
        fig("seqcore sdpa, NumPy", "seqcore sdpa numpy", "floor: its 2 products", "sdpa floor",
            1.5),
        fig("seqcore sdpa, NumPy", "seqcore sdpa numpy", "torch sdpa (CPU)", "torch sdpa", 2.0),
        fig("seqcore sdpa, torch tensors", "seqcore sdpa torch", "torch sdpa (CPU)",
            "torch sdpa", 2.0),
        fig("torch sdpa", "torch sdpa", "floor: its 2 products", "sdpa floor"),
        fig("seqcore mha, NumPy", "seqcore mha numpy", "floor: its 6 products", "mha floor", 1.5),
        fig("seqcore mha, NumPy", "seqcore mha numpy", "torch MHA, per-head weights",
            "torch mha (weights)", 2.0),
        fig("seqcore mha, torch tensors", "seqcore mha torch", "torch MHA, per-head weights",
            "torch mha (weights)", 2.0),
        fig("seqcore mha, NumPy", "seqcore mha numpy", "torch MHA, fused (no weights)",
            "torch mha (fused)"),
        fig("torch MHA, per-head weights", "torch mha (weights)", "floor: its 6 products",
            "mha floor"),
    ]
    print_figures(
        f"Attention, float32, CPU: sdpa (B={B}, h={H}, n={N}, d_k={D_K}); "
        f"MHA (B={B}, n={N}, d_model={D_MODEL}, h={H})",
        figures,
        notes=[f"torch {torch.__version__}, {torch.get_num_threads()} torch thread(s), "
               f"NumPy {np.__version__} with 1 BLAS thread; median of {rounds} interleaved "
               "rounds"],
    )
    return figures
