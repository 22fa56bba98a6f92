"""Attention: seqcore (NumPy and torch backends) vs torch vs the floor of the matrix products.

Shapes: float32. Scaled dot-product attention on (batch 8, heads 8, n 256, d_k 64), without a
mask and causal; multi-head self-attention on (batch 8, n 256, d_model 512, 8 heads).
The *floor* is the time of the matrix products alone (NumPy on the CPU, torch on a GPU),
what any implementation has to pay; everything above it is softmax, reshapes and copies.

The backward section times a training step's attention work: the forward pass and the
hand-written backward pass of seqcore (``scaled_dot_product_attention_backward``,
``multi_head_attention_backward``, ``transformer_encoder_block_backward``) against the
forward pass of torch with autograd on and ``backward`` of the same upstream gradient.

``device="cuda"`` (``python -m benchmarks attention --device cuda``) runs seqcore's functions
on CUDA tensors against torch's own kernels on the same GPU, without the NumPy rows.
"""

from __future__ import annotations

import numpy as np

from benchmarks._timing import Figure, median_times, print_figures
from seqcore import (
    multi_head_attention,
    multi_head_attention_backward,
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
    transformer_encoder_block,
    transformer_encoder_block_backward,
)

B, H, N, D_K = 8, 8, 256, 64
D_MODEL = H * D_K
D_FF = 4 * D_MODEL
DEVICES = ("cpu", "cuda")


def run(rounds: int = 15, device: str = "cpu") -> list[Figure]:
    # One thread for NumPy's BLAS and for torch: on a shared 2-core machine a
    # multithreaded BLAS stalls whenever another job holds a core, and the
    # comparison is fairest with both sides on the same single core.
    import torch
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            return _run(rounds, torch, device)
    finally:
        torch.set_num_threads(threads)


def _inputs(torch, dev):
    torch.manual_seed(0)
    qkv = tuple(torch.randn(B, H, N, D_K, device=dev) for _ in range(3))
    mha = torch.nn.MultiheadAttention(D_MODEL, H, batch_first=True, device=dev)
    layer = torch.nn.TransformerEncoderLayer(D_MODEL, H, D_FF, dropout=0.0, batch_first=True,
                                             norm_first=True, device=dev)
    x = torch.randn(B, N, D_MODEL, device=dev)
    return qkv, mha, layer, x


def _mha_weights(mha) -> dict:
    Wi, bi = mha.in_proj_weight.detach(), mha.in_proj_bias.detach()
    d = Wi.shape[1]
    return dict(W_q=Wi[:d], W_k=Wi[d:2 * d], W_v=Wi[2 * d:], W_o=mha.out_proj.weight.detach(),
                b_q=bi[:d], b_k=bi[d:2 * d], b_v=bi[2 * d:], b_o=mha.out_proj.bias.detach())


def _layer_weights(layer) -> dict:
    p = _mha_weights(layer.self_attn)
    for ours, theirs in (("W_1", "linear1.weight"), ("b_1", "linear1.bias"),
                         ("W_2", "linear2.weight"), ("b_2", "linear2.bias"),
                         ("gamma_1", "norm1.weight"), ("beta_1", "norm1.bias"),
                         ("gamma_2", "norm2.weight"), ("beta_2", "norm2.bias")):
        p[ours] = layer.get_parameter(theirs).detach()
    return p


def _run(rounds: int, torch, device: str) -> list[Figure]:
    F = torch.nn.functional
    dev = torch.device(device)
    (Qt, Kt, Vt), mha, layer, xt = _inputs(torch, dev)
    wt, lt = _mha_weights(mha), _layer_weights(layer)
    dOt = torch.randn_like(Qt)
    dYt = torch.randn_like(xt)
    cpu = device == "cpu"

    def sync():
        if not cpu:
            torch.cuda.synchronize()

    # correctness first: a fast wrong answer is not a benchmark
    with torch.no_grad():
        for causal in (False, True):
            ref = F.scaled_dot_product_attention(Qt, Kt, Vt, is_causal=causal)
            got = scaled_dot_product_attention(Qt, Kt, Vt, causal=causal)[0]
            assert float((got - ref).abs().max()) < 1e-4
        ref_mha, _ = mha(xt, xt, xt, need_weights=False)
        assert float((multi_head_attention(xt, xt, xt, num_heads=H, **wt)[0]
                      - ref_mha).abs().max()) < 1e-4

    def torch_sdpa(causal):
        def fn():
            with torch.no_grad():
                F.scaled_dot_product_attention(Qt, Kt, Vt, is_causal=causal)
        return fn

    def seqcore_sdpa(Q, K, V, causal):
        def fn():
            with torch.no_grad():
                scaled_dot_product_attention(Q, K, V, causal=causal)
        return fn

    def sdpa_floor(Q, K_T, W, V):
        def fn():
            # the two products: Q K^T and (weights) V
            Q @ K_T
            W @ V
        return fn

    def mha_floor(x, Wi_T, Qh, W, Wo_T):
        def fn():
            # 3 input projections (one fused), Q K^T, weights V, output projection
            x @ Wi_T
            Qh @ Qh.swapaxes(-1, -2)
            W @ Qh
            x @ Wo_T
        return fn

    K_Tt = Kt.transpose(-1, -2).contiguous()
    Wt = torch.rand(B, H, N, N, device=dev)
    Qht = torch.rand(B, H, N, D_K, device=dev)
    Wi_Tt = mha.in_proj_weight.detach().T.contiguous()
    Wo_Tt = mha.out_proj.weight.detach().T.contiguous()
    forward = {
        "torch sdpa": torch_sdpa(False),
        "torch causal sdpa": torch_sdpa(True),
        "seqcore sdpa torch": seqcore_sdpa(Qt, Kt, Vt, False),
        "seqcore causal sdpa torch": seqcore_sdpa(Qt, Kt, Vt, True),
        "torch floor sdpa": sdpa_floor(Qt, K_Tt, Wt, Vt),
        "torch mha (weights)": lambda: torch.no_grad()(mha)(
            xt, xt, xt, need_weights=True, average_attn_weights=False),
        "torch mha (fused)": lambda: torch.no_grad()(mha)(xt, xt, xt, need_weights=False),
        "seqcore mha torch": lambda: torch.no_grad()(multi_head_attention)(
            xt, xt, xt, num_heads=H, **wt),
        "torch floor mha": mha_floor(xt, Wi_Tt, Qht, Wt, Wo_Tt),
    }
    if cpu:
        Q, K, V = (a.numpy() for a in (Qt, Kt, Vt))
        x, wn = xt.numpy(), {k: v.numpy() for k, v in wt.items()}
        forward |= {
            "sdpa floor": sdpa_floor(Q, K_Tt.numpy(), Wt.numpy(), V),
            "mha floor": mha_floor(x, Wi_Tt.numpy(), Qht.numpy(), Wt.numpy(), Wo_Tt.numpy()),
            "seqcore sdpa numpy": lambda: scaled_dot_product_attention(Q, K, V),
            "seqcore causal sdpa numpy": lambda: scaled_dot_product_attention(Q, K, V,
                                                                              causal=True),
            "seqcore mha numpy": lambda: multi_head_attention(x, x, x, num_heads=H, **wn),
        }
    t = median_times(forward, rounds=rounds, sync=sync)
    floor = "sdpa floor" if cpu else "torch floor sdpa"
    mfloor = "mha floor" if cpu else "torch floor mha"

    def fig(name, key, ref_name, ref_key, target=None):
        return Figure(name, t[key], ref_name, t[key] / t[ref_key], target)

    on = "CPU" if cpu else "CUDA"
    figures = []
    if cpu:
        figures += [
            fig("seqcore sdpa, NumPy", "seqcore sdpa numpy", "floor: its 2 products", floor,
                1.5),
            fig("seqcore sdpa, NumPy", "seqcore sdpa numpy", "torch sdpa (CPU)", "torch sdpa",
                2.0),
        ]
    figures += [
        fig(f"seqcore sdpa, {on} tensors", "seqcore sdpa torch", f"torch sdpa ({on})",
            "torch sdpa", 1.5),
        fig("torch sdpa", "torch sdpa", "floor: its 2 products", floor),
    ]
    if cpu:
        figures += [fig("seqcore causal sdpa, NumPy", "seqcore causal sdpa numpy",
                        "floor: its 2 products", floor, 1.5)]
    figures += [
        fig(f"seqcore causal sdpa, {on} tensors", "seqcore causal sdpa torch",
            f"torch causal sdpa ({on})", "torch causal sdpa", 1.5),
    ]
    if cpu:
        figures += [
            fig("seqcore mha, NumPy", "seqcore mha numpy", "floor: its 6 products", mfloor, 1.5),
            fig("seqcore mha, NumPy", "seqcore mha numpy", "torch MHA, per-head weights",
                "torch mha (weights)", 2.0),
        ]
    figures += [
        fig(f"seqcore mha, {on} tensors", "seqcore mha torch", "torch MHA, per-head weights",
            "torch mha (weights)", 2.0),
    ]
    if cpu:
        figures += [fig("seqcore mha, NumPy", "seqcore mha numpy",
                        "torch MHA, fused (no weights)", "torch mha (fused)")]
    figures += [fig("torch MHA, per-head weights", "torch mha (weights)",
                    "floor: its 6 products", mfloor)]
    threads = (f"{torch.get_num_threads()} torch thread(s), NumPy {np.__version__} with 1 BLAS "
               "thread" if cpu else torch.cuda.get_device_name(dev))
    print_figures(
        f"Attention, float32, {on}: sdpa (B={B}, h={H}, n={N}, d_k={D_K}); "
        f"MHA (B={B}, n={N}, d_model={D_MODEL}, h={H})",
        figures,
        notes=[f"torch {torch.__version__}, {threads}; median of {rounds} interleaved rounds"],
    )
    return figures + _backward(rounds, torch, device, (Qt, Kt, Vt, dOt), mha, wt, layer, lt,
                               xt, dYt, sync)


def _backward(rounds, torch, device, sdpa_args, mha, wt, layer, lt, xt, dYt, sync):
    """A training step's attention work: forward + hand-written backward vs autograd."""
    F = torch.nn.functional
    Qt, Kt, Vt, dOt = sdpa_args
    cpu = device == "cpu"

    def torch_sdpa(causal):
        def fn():
            Q, K, V = (a.detach().requires_grad_() for a in (Qt, Kt, Vt))
            F.scaled_dot_product_attention(Q, K, V, is_causal=causal).backward(dOt)
        return fn

    def torch_module(module, *args, **kw):
        def fn():
            module.zero_grad(set_to_none=True)
            x = args[0].detach().requires_grad_()
            out = module(x, *(x if a is args[0] else a for a in args[1:]), **kw)
            (out[0] if isinstance(out, tuple) else out).backward(dYt)
        return fn

    def seqcore_sdpa(Q, K, V, dO, causal):
        def fn():
            with torch.no_grad():
                _, A = scaled_dot_product_attention(Q, K, V, causal=causal)
                scaled_dot_product_attention_backward(dO, Q, K, V, A)
        return fn

    def seqcore_mha(x, dY, w):
        def fn():
            with torch.no_grad():
                multi_head_attention(x, x, x, num_heads=H, **w)
                multi_head_attention_backward(dY, x, x, x, num_heads=H, **w)
        return fn

    def seqcore_block(x, dY, p):
        def fn():
            with torch.no_grad():
                transformer_encoder_block(x, p, H, norm_first=True, causal=True)
                transformer_encoder_block_backward(dY, x, p, H, norm_first=True, causal=True)
        return fn

    causal_mask = torch.nn.Transformer.generate_square_subsequent_mask(N, device=Qt.device)
    candidates = {
        "torch sdpa": torch_sdpa(False),
        "torch causal sdpa": torch_sdpa(True),
        "torch mha": torch_module(mha, xt, xt, xt, need_weights=False),
        "torch block": torch_module(layer, xt, src_mask=causal_mask, is_causal=True),
        "seqcore sdpa torch": seqcore_sdpa(Qt, Kt, Vt, dOt, False),
        "seqcore causal sdpa torch": seqcore_sdpa(Qt, Kt, Vt, dOt, True),
        "seqcore mha torch": seqcore_mha(xt, dYt, wt),
        "seqcore block torch": seqcore_block(xt, dYt, lt),
    }
    if cpu:
        Q, K, V, dO = (a.numpy() for a in sdpa_args)
        x, dY = xt.numpy(), dYt.numpy()
        wn = {k: v.numpy() for k, v in wt.items()}
        ln = {k: v.numpy() for k, v in lt.items()}
        candidates |= {
            "seqcore sdpa numpy": seqcore_sdpa(Q, K, V, dO, False),
            "seqcore causal sdpa numpy": seqcore_sdpa(Q, K, V, dO, True),
            "seqcore mha numpy": seqcore_mha(x, dY, wn),
            "seqcore block numpy": seqcore_block(x, dY, ln),
        }
    t = median_times(candidates, rounds=rounds, sync=sync)
    rows = [("sdpa", "sdpa", "F.scaled_dot_product_attention"),
            ("causal sdpa", "causal sdpa", "F.scaled_dot_product_attention(is_causal)"),
            ("mha", "mha", "nn.MultiheadAttention"),
            ("block", "block", "nn.TransformerEncoderLayer (pre-LN, causal)")]
    on = "CPU" if cpu else "CUDA"
    figures = []
    for name, key, ref in rows:
        for backend in ("numpy", "torch") if cpu else ("torch",):
            label = "NumPy" if backend == "numpy" else f"{on} tensors"
            ours = t[f"seqcore {key} {backend}"]
            figures.append(Figure(f"seqcore {name} fwd + bwd, {label}", ours,
                                  f"torch {ref}, autograd", ours / t[f"torch {key}"], 2.0))
    print_figures(
        f"Attention backward, float32, {on}: forward + backward by hand vs autograd "
        f"(sdpa B={B}, h={H}, n={N}, d_k={D_K}; MHA and block d_model={D_MODEL}, "
        f"d_ff={D_FF})",
        figures,
        notes=[f"median of {rounds} interleaved rounds; seqcore's multi-head and block "
               "backward passes recompute their forward pass (one forward more than autograd)"],
    )
    return figures
