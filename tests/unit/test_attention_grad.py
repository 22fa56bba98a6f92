"""The attention backward passes written by hand against torch.autograd, in float64.

The references are torch's own forward passes (``torch.softmax``, ``einsum``,
``F.scaled_dot_product_attention``) differentiated by autograd, never seqcore's forward pass.
Every input's gradient is compared, batched and unbatched, with and without masks.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    additive_score_backward,
    attention_weights,
    context_vector_backward,
    dot_score_backward,
    general_score_backward,
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
    softmax_backward,
)
from tests.unit.errors import assert_error_names
from tests.unit.transformer_refs import assert_grads, autograd, f64, npy, randn, torch

F = torch.nn.functional


# --- softmax --------------------------------------------------------------------------------

@pytest.mark.formula("attention.softmax-backward")
@pytest.mark.parametrize("shape", [(1,), (5,), (3, 6), (2, 4, 7)])
@pytest.mark.parametrize("masked", [False, True])
def test_softmax_backward_matches_autograd(shape, masked):
    e = randn(*shape, seed=1) * 3
    mask = (randn(*shape, seed=2) > -0.5) if masked else torch.ones(shape, dtype=torch.bool)
    mask[..., 0] = True                                     # every row keeps a key

    def weights(e):
        return torch.softmax(e.masked_fill(~mask, -math.inf), dim=-1)

    dW, ref = autograd(weights, {"e": e})
    w = attention_weights(e.numpy(), mask=mask.numpy() if masked else None)
    got = softmax_backward(dW.numpy(), w)
    assert_grads({"e": got}, ref)
    assert (got[~mask.numpy()] == 0).all()                 # a blocked score learns nothing


@pytest.mark.formula("attention.softmax-backward")
def test_softmax_backward_takes_torch_tensors():
    w = torch.softmax(randn(3, 4, seed=3), dim=-1)
    got = softmax_backward(randn(3, 4, seed=4), w)
    assert isinstance(got, torch.Tensor) and got.dtype == f64
    # a gradient along the all-ones direction changes no weight: Σ_j α_j = 1 is fixed
    flat = softmax_backward(torch.ones(3, 4, dtype=f64), w)
    assert float(flat.abs().max()) < 1e-15


# --- scaled dot-product attention -----------------------------------------------------------

SDPA_SHAPES = [  # (leading axes, n_q, n_k, d_k, d_v)
    ((), 1, 1, 1, 1),
    ((), 4, 6, 3, 5),
    ((2,), 5, 5, 4, 4),
    ((2, 3), 7, 9, 8, 2),
]


def sdpa_reference(mask, causal):
    def forward(Q, K, V):
        return F.scaled_dot_product_attention(Q, K, V, attn_mask=mask, is_causal=causal)
    return forward


@pytest.mark.formula("attention.scaled-dot-backward")
@pytest.mark.parametrize("shape", SDPA_SHAPES)
@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_backward_matches_autograd(shape, causal):
    lead, nq, nk, dk, dv = shape
    inputs = {"Q": randn(*lead, nq, dk, seed=1), "K": randn(*lead, nk, dk, seed=2),
              "V": randn(*lead, nk, dv, seed=3)}
    dO, ref = autograd(sdpa_reference(None, causal), inputs)
    _, A = scaled_dot_product_attention(*npy(inputs).values(), causal=causal)
    got = scaled_dot_product_attention_backward(dO.numpy(), *npy(inputs).values(), A)
    assert_grads(got, ref)
    if causal and nk > nq:                                  # keys no query may see
        assert (got["K"][..., nq:, :] == 0).all() and (got["V"][..., nq:, :] == 0).all()


@pytest.mark.formula("attention.scaled-dot-backward")
@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_backward_with_padding_matches_autograd(causal):
    B, h, n, d = 3, 2, 6, 4
    inputs = {k: randn(B, h, n, d, seed=s) for s, k in enumerate("QKV")}
    lengths = torch.tensor([6, 4, 1])
    pad = (torch.arange(n)[None, :] < lengths[:, None])[:, None, None, :]   # (B, 1, 1, n)
    torch_mask = pad & torch.ones(n, n, dtype=torch.bool).tril() if causal else pad
    dO, ref = autograd(sdpa_reference(torch_mask, False), inputs)
    _, A = scaled_dot_product_attention(*npy(inputs).values(), mask=pad.numpy(), causal=causal)
    got = scaled_dot_product_attention_backward(dO.numpy(), *npy(inputs).values(), A)
    assert_grads(got, ref)
    for b, length in enumerate(lengths.tolist()):           # padded keys and values learn 0
        assert (got["K"][b, :, length:] == 0).all() and (got["V"][b, :, length:] == 0).all()


@pytest.mark.formula("attention.scaled-dot-backward")
def test_sdpa_backward_on_torch_tensors_returns_tensors():
    inputs = {k: randn(2, 3, 4, seed=s) for s, k in enumerate("QKV")}
    dO, ref = autograd(sdpa_reference(None, True), inputs)
    _, A = scaled_dot_product_attention(*inputs.values(), causal=True)
    got = scaled_dot_product_attention_backward(dO, *inputs.values(), A)
    assert all(isinstance(v, torch.Tensor) for v in got.values())
    assert_grads(got, ref)


# --- the three scores and the context vector ------------------------------------------------

def score_inputs(batch, d_s, d_h, S=6, seed=0):
    lead = () if batch is None else (batch,)
    return randn(*lead, d_s, seed=seed + 1), randn(*lead, S, d_h, seed=seed + 2)


@pytest.mark.formula("attention.dot-backward")
@pytest.mark.parametrize("batch", [None, 1, 3])
def test_dot_score_backward_matches_autograd(batch):
    s, H = score_inputs(batch, 5, 5)
    dE, ref = autograd(lambda s, H: torch.einsum("...d,...sd->...s", s, H), {"s": s, "H": H})
    assert_grads(dot_score_backward(dE.numpy(), s.numpy(), H.numpy()), ref)


@pytest.mark.formula("attention.general-backward")
@pytest.mark.parametrize("batch", [None, 1, 3])
def test_general_score_backward_matches_autograd(batch):
    s, H = score_inputs(batch, 4, 3)
    W_a = randn(4, 3, seed=7)

    def bilinear(s, H, W_a):
        return torch.einsum("...a,ab,...sb->...s", s, W_a, H)

    dE, ref = autograd(bilinear, {"s": s, "H": H, "W_a": W_a})
    assert_grads(general_score_backward(dE.numpy(), s.numpy(), H.numpy(), W_a.numpy()), ref)


@pytest.mark.formula("attention.additive-backward")
@pytest.mark.parametrize("batch", [None, 1, 4])
@pytest.mark.parametrize("sizes", [(3, 5, 7), (1, 1, 1)])
def test_additive_score_backward_matches_autograd(batch, sizes):
    """Bahdanau's score as torch layers: Linear(s) + Linear(h) -> tanh -> Linear(v)."""
    d_s, d_h, d_a = sizes
    s, H = score_inputs(batch, d_s, d_h)
    w = {"W_s": randn(d_a, d_s, seed=8), "W_h": randn(d_a, d_h, seed=9), "v": randn(d_a, seed=10)}

    def mlp(s, H, W_s, W_h, v):
        return F.linear(torch.tanh(F.linear(s, W_s).unsqueeze(-2) + F.linear(H, W_h)), v[None])[
            ..., 0]

    dE, ref = autograd(mlp, {"s": s, "H": H, **w})
    got = additive_score_backward(dE.numpy(), s.numpy(), H.numpy(), *npy(w).values())
    assert_grads(got, ref)


@pytest.mark.formula("attention.context-backward")
@pytest.mark.parametrize("batch", [None, 1, 3])
def test_context_vector_backward_matches_autograd(batch):
    lead = () if batch is None else (batch,)
    w, H = torch.softmax(randn(*lead, 6, seed=1), dim=-1), randn(*lead, 6, 4, seed=2)
    dc, ref = autograd(lambda weights, H: torch.einsum("...s,...sd->...d", weights, H),
                       {"weights": w, "H": H})
    assert_grads(context_vector_backward(dc.numpy(), w.numpy(), H.numpy()), ref)


def test_a_whole_attention_step_chains_the_backward_passes():
    """Scores -> weights -> context with each backward fed by the next: Bahdanau's step."""
    s, H = score_inputs(2, 3, 4)
    w = {"W_s": randn(5, 3, seed=8), "W_h": randn(5, 4, seed=9), "v": randn(5, seed=10)}

    def step(s, H, W_s, W_h, v):
        e = F.linear(torch.tanh(F.linear(s, W_s).unsqueeze(-2) + F.linear(H, W_h)), v[None])[
            ..., 0]
        return torch.einsum("bs,bsd->bd", torch.softmax(e, -1), H)

    dc, ref = autograd(step, {"s": s, "H": H, **w})
    from seqcore import additive_score, context_vector

    e = additive_score(s.numpy(), H.numpy(), *npy(w).values())
    alpha = attention_weights(e)
    assert np.allclose(context_vector(alpha, H.numpy()), step(s, H, *w.values()).numpy())
    g_c = context_vector_backward(dc.numpy(), alpha, H.numpy())
    g_e = additive_score_backward(softmax_backward(g_c["weights"], alpha), s.numpy(),
                                  H.numpy(), *npy(w).values())
    # H reaches the loss twice, through its score and through the context: the sum
    assert_grads({**g_e, "H": g_e["H"] + g_c["H"]}, ref)


# --- the comparison can fail ----------------------------------------------------------------

def _wrong_sdpa_backward(kind):
    def backward(dO, Q, K, V, A):
        g = scaled_dot_product_attention_backward(dO, Q, K, V, A)
        d = Q.shape[-1]
        if kind == "no 1/sqrt(d_k)":
            return {**g, "Q": g["Q"] * math.sqrt(d), "K": g["K"] * math.sqrt(d)}
        if kind == "softmax without its row sum":
            dS = A * (dO @ V.swapaxes(-1, -2))
            return {**g, "Q": dS @ K / math.sqrt(d)}
        return {**g, "V": A @ dO}                            # A δO instead of Aᵀ δO
    return backward


@pytest.mark.parametrize("kind", ["no 1/sqrt(d_k)", "softmax without its row sum",
                                  "A instead of its transpose"])
def test_negative_control_a_wrong_backward_fails_the_comparison(kind):
    inputs = {k: randn(2, 5, 4, seed=s) for s, k in enumerate("QKV")}
    dO, ref = autograd(sdpa_reference(None, False), inputs)
    _, A = scaled_dot_product_attention(*npy(inputs).values())
    got = _wrong_sdpa_backward(kind)(dO.numpy(), *npy(inputs).values(), A)
    with pytest.raises(AssertionError, match=re.escape("max |ours - autograd| = ")):
        assert_grads(got, ref)


# --- bad input ------------------------------------------------------------------------------

def _sdpa_args(n_q=3, n_k=4, d=2):
    rng = np.random.default_rng(0)
    Q, K, V = rng.normal(size=(n_q, d)), rng.normal(size=(n_k, d)), rng.normal(size=(n_k, d))
    return np.ones((n_q, d)), Q, K, V, scaled_dot_product_attention(Q, K, V)[1]


def _replace(args, i, value):
    return (*args[:i], value, *args[i + 1:])


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: softmax_backward(np.ones(3), np.ones(4) / 4), ShapeError,
         ["softmax_backward", "`d_weights`", "(3,)"]),
        (lambda: scaled_dot_product_attention_backward(*_replace(_sdpa_args(), 0, np.ones((3, 5)))),
         ShapeError, ["scaled_dot_product_attention_backward", "`d_out`", "(3, 5)"]),
        (lambda: scaled_dot_product_attention_backward(*_replace(_sdpa_args(), 4, np.ones((3, 3)))),
         ShapeError, ["`weights`", "n_k=4", "(3, 3)"]),
        (lambda: scaled_dot_product_attention_backward(
            *_replace(_sdpa_args(), 3, np.ones((4, 2), dtype=np.float32))),
         TypeError, ["`V`", "float32", "float64"]),
        (lambda: dot_score_backward(np.ones(5), np.ones(3), np.ones((5, 2))), ShapeError,
         ["dot_score_backward", "`H`", "(5, 2)"]),
        (lambda: dot_score_backward(np.ones(4), np.ones(2), np.ones((5, 2))), ShapeError,
         ["`d_scores`", "source=5", "(4,)"]),
        (lambda: general_score_backward(np.ones(5), np.ones(3), np.ones((5, 2)), np.ones((2, 2))),
         ShapeError, ["general_score_backward", "`s`", "query=2"]),
        (lambda: additive_score_backward(np.ones(5), np.ones(3), np.ones((5, 2)),
                                         np.ones((4, 3)), np.ones((4, 2)), np.ones(3)),
         ShapeError, ["additive_score_backward", "`v`", "attn=4"]),
        (lambda: additive_score_backward(np.ones((2, 5)), np.ones(3), np.ones((5, 2)),
                                         np.ones((4, 3)), np.ones((4, 2)), np.ones(4)),
         ShapeError, ["`d_scores`", "(2, 5)"]),
        (lambda: context_vector_backward(np.ones(2), np.ones(3) / 3, np.ones((4, 2))),
         ShapeError, ["context_vector_backward", "`H`", "source=3"]),
        (lambda: context_vector_backward(np.ones(3), np.ones(4) / 4, np.ones((4, 2))),
         ShapeError, ["`d_context`", "d=2", "(3,)"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


@pytest.mark.gpu
@pytest.mark.formula("attention.scaled-dot-backward")
def test_cuda_sdpa_backward_matches_autograd():
    dev = torch.device("cuda")
    inputs = {k: randn(2, 3, 5, 4, seed=s).to(dev) for s, k in enumerate("QKV")}
    dO, ref = autograd(sdpa_reference(None, True), inputs, randn(2, 3, 5, 4, seed=9).to(dev))
    _, A = scaled_dot_product_attention(*inputs.values(), causal=True)
    got = scaled_dot_product_attention_backward(dO, *inputs.values(), A)
    assert got["Q"].device.type == "cuda"
    assert_grads({k: v.cpu() for k, v in got.items()}, {k: v.cpu() for k, v in ref.items()})
