"""What the backward-pass and decoder tests share: torch in float64 as the reference,
gradients by autograd, and torch modules' weights (and their gradients) under seqcore's names."""

from __future__ import annotations

from typing import Any

import numpy as np

from tests._require import require

torch = require("torch")

f64 = torch.float64
TOL = 1e-12          # backward passes vs autograd, float64 (measured: under 1e-14)


def randn(*shape: int, seed: int = 0) -> Any:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=f64)


def autograd(forward, inputs: dict, upstream: Any = None, seed: int = 99):
    """``(upstream, {name: ∂L/∂input})`` for L = Σ upstream ⊙ forward(**inputs), by autograd."""
    leaves = {k: v.detach().clone().requires_grad_() for k, v in inputs.items()}
    out = forward(**leaves)
    if upstream is None:
        upstream = randn(*out.shape, seed=seed)
    grads = torch.autograd.grad(out, list(leaves.values()), upstream)
    return upstream, dict(zip(leaves, grads, strict=True))


def assert_grads(ours: dict, reference: dict, tol: float = TOL) -> float:
    """Every reference gradient equals ours within ``tol``; returns the largest difference."""
    worst = 0.0
    for name, ref in reference.items():
        got = ours[name]
        got = got.detach().cpu().numpy() if isinstance(got, torch.Tensor) else got
        ref = ref.detach().cpu().numpy() if isinstance(ref, torch.Tensor) else ref
        assert got is not None and got.shape == ref.shape, (name, None if got is None
                                                            else got.shape, ref.shape)
        diff = float(np.abs(got - ref).max()) if ref.size else 0.0
        assert diff <= tol, f"{name}: max |ours - autograd| = {diff:.3g}"
        worst = max(worst, diff)
    return worst


def npy(tensors: dict) -> dict:
    return {k: v.detach().numpy() for k, v in tensors.items()}


# --- torch modules under seqcore's names ------------------------------------------------------

def attention_names(prefix: str = "") -> dict[str, tuple[str, slice | None]]:
    """seqcore name -> (attribute of torch.nn.MultiheadAttention, row block of in_proj)."""
    out = {}
    for i, n in enumerate("qkv"):
        out[f"{prefix}W_{n}"] = ("in_proj_weight", i)
        out[f"{prefix}b_{n}"] = ("in_proj_bias", i)
    out[f"{prefix}W_o"] = ("out_proj.weight", None)
    out[f"{prefix}b_o"] = ("out_proj.bias", None)
    return out


def _read(module: Any, attr: str, block: int | None, grad: bool) -> Any:
    owner, _, name = attr.rpartition(".")
    t = getattr(module.get_submodule(owner), name)      # None: a bias the module lacks
    if t is None:
        return None
    t = t.grad if grad else t.detach()
    if t is None:
        return None
    if block is not None:
        d = t.shape[0] // 3
        t = t[block * d:(block + 1) * d]
    return t.detach().numpy().copy()


def layer_names(decoder: bool) -> dict[str, tuple[str, int | None]]:
    """seqcore name -> (torch parameter path, row block) of a TransformerEncoder/DecoderLayer."""
    names = {k: (f"self_attn.{a}", b) for k, (a, b) in attention_names().items()}
    if decoder:
        names |= {k: (f"multihead_attn.{a}", b) for k, (a, b) in attention_names("cross_").items()}
    names |= {"W_1": ("linear1.weight", None), "b_1": ("linear1.bias", None),
              "W_2": ("linear2.weight", None), "b_2": ("linear2.bias", None)}
    for i in (1, 2, 3) if decoder else (1, 2):
        names |= {f"gamma_{i}": (f"norm{i}.weight", None), f"beta_{i}": (f"norm{i}.bias", None)}
    return names


def module_params(module: Any, names: dict, grad: bool = False) -> dict[str, Any]:
    """The module's weights (or, with ``grad``, their gradients) under seqcore's names."""
    return {k: _read(module, attr, block, grad) for k, (attr, block) in names.items()}


def randomize(module: Any, seed: int) -> Any:
    """Every parameter moved off its initial value (layer norms too), so each is copied."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape, generator=g, dtype=p.dtype) * 0.3)
    return module
