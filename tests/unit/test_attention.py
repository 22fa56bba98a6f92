"""Attention scores, weights and scaled dot-product attention against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    additive_score,
    attention_weights,
    bahdanau_step,
    causal_mask,
    context_vector,
    dot_score,
    general_score,
    luong_step,
    scaled_dot_product_attention,
)
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")
F = torch.nn.functional

TOL = 1e-10
f64 = torch.float64


def randn(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=f64)


# --- encoder–decoder scores ---------------------------------------------------------------

@pytest.mark.formula("attention.dot")
@pytest.mark.parametrize("batch", [None, 3])
def test_dot_score_matches_torch(batch):
    lead = () if batch is None else (batch,)
    s, H = randn(*lead, 5, seed=1), randn(*lead, 7, 5, seed=2)
    expected = torch.einsum("...d,...sd->...s", s, H)
    np.testing.assert_allclose(dot_score(s.numpy(), H.numpy()), expected.numpy(), rtol=0, atol=TOL)


@pytest.mark.formula("attention.general")
@pytest.mark.parametrize("batch", [None, 2])
def test_general_score_matches_torch_bilinear(batch):
    lead = () if batch is None else (batch,)
    s, H, W = randn(*lead, 4, seed=3), randn(*lead, 6, 3, seed=4), randn(4, 3, seed=5)
    expected = torch.einsum("...a,ab,...sb->...s", s, W, H)
    np.testing.assert_allclose(general_score(s.numpy(), H.numpy(), W.numpy()), expected.numpy(),
                               rtol=0, atol=TOL)


@pytest.mark.formula("attention.additive")
@pytest.mark.parametrize("batch", [None, 4])
def test_additive_score_matches_torch_mlp(batch):
    """Bahdanau's score written as torch layers: Linear(s) + Linear(h) -> tanh -> Linear(v)."""
    lead = () if batch is None else (batch,)
    torch.manual_seed(6)
    Ws = torch.nn.Linear(5, 8, bias=False, dtype=f64)
    Wh = torch.nn.Linear(3, 8, bias=False, dtype=f64)
    v = torch.nn.Linear(8, 1, bias=False, dtype=f64)
    s, H = randn(*lead, 5, seed=7), randn(*lead, 9, 3, seed=8)
    expected = v(torch.tanh(Ws(s).unsqueeze(-2) + Wh(H))).squeeze(-1).detach()
    got = additive_score(s.numpy(), H.numpy(), Ws.weight.detach().numpy(),
                         Wh.weight.detach().numpy(), v.weight.detach()[0].numpy())
    np.testing.assert_allclose(got, expected.numpy(), rtol=0, atol=TOL)


@pytest.mark.formula("attention.weights", "attention.context")
@pytest.mark.parametrize("masked", [False, True])
def test_weights_and_context_match_torch(masked):
    e, H = randn(3, 6, seed=9) * 5, randn(3, 6, 4, seed=10)
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 0, 1, 1, 1, 1], [0, 0, 0, 0, 0, 1]],
                        dtype=torch.bool) if masked else None
    ref = torch.softmax(e if mask is None else e.masked_fill(~mask, -math.inf), dim=-1)
    w = attention_weights(e.numpy(), None if mask is None else mask.numpy())
    np.testing.assert_allclose(w, ref.numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(context_vector(w, H.numpy()),
                               torch.bmm(ref.unsqueeze(1), H).squeeze(1).numpy(), rtol=0, atol=TOL)
    if masked:
        assert (w[~mask.numpy()] == 0).all()


@pytest.mark.formula("attention.weights")
def test_weights_stay_finite_for_huge_scores():
    e = np.array([1e6, 1e6 - 1, -1e6, 3e5])
    w = attention_weights(e)
    assert np.isfinite(w).all()
    np.testing.assert_allclose(w, torch.softmax(torch.tensor(e), 0).numpy(), rtol=0, atol=TOL)


# --- scaled dot-product attention against torch's own -------------------------------------

SDPA_SHAPES = [  # (lead, n_q, n_k, d_k, d_v)
    ((), 1, 1, 1, 1),
    ((), 4, 6, 8, 3),
    ((2,), 5, 5, 4, 4),
    ((2, 3), 7, 9, 16, 5),
]


@pytest.mark.formula("attention.scaled-dot")
@pytest.mark.parametrize("shape", SDPA_SHAPES)
def test_sdpa_matches_torch(shape):
    lead, nq, nk, dk, dv = shape
    Q, K, V = randn(*lead, nq, dk, seed=1), randn(*lead, nk, dk, seed=2), randn(*lead, nk, dv,
                                                                                  seed=3)
    out, w = scaled_dot_product_attention(Q.numpy(), K.numpy(), V.numpy())
    np.testing.assert_allclose(out, F.scaled_dot_product_attention(Q, K, V).numpy(),
                               rtol=0, atol=TOL)
    ref_w = torch.softmax(Q @ K.transpose(-2, -1) / math.sqrt(dk), dim=-1)
    np.testing.assert_allclose(w, ref_w.numpy(), rtol=0, atol=TOL)


@pytest.mark.formula("attention.masked", "attention.causal-mask")
@pytest.mark.parametrize("shape", SDPA_SHAPES[1:])
def test_causal_sdpa_matches_torch_is_causal(shape):
    lead, nq, nk, dk, dv = shape
    Q, K, V = randn(*lead, nq, dk, seed=4), randn(*lead, nk, dk, seed=5), randn(*lead, nk, dv,
                                                                                  seed=6)
    expected = F.scaled_dot_product_attention(Q, K, V, is_causal=True)
    out, w = scaled_dot_product_attention(Q.numpy(), K.numpy(), V.numpy(), causal=True)
    np.testing.assert_allclose(out, expected.numpy(), rtol=0, atol=TOL)
    assert (w[..., ~causal_mask(nq, nk)] == 0).all()
    # the same with the mask passed explicitly as torch's boolean attn_mask
    explicit = torch.ones(nq, nk, dtype=torch.bool).tril()
    np.testing.assert_array_equal(causal_mask(nq, nk), explicit.numpy())
    out2, _ = scaled_dot_product_attention(Q.numpy(), K.numpy(), V.numpy(),
                                           mask=explicit.numpy())
    np.testing.assert_allclose(out2, expected.numpy(), rtol=0, atol=TOL)


@pytest.mark.formula("attention.masked")
@pytest.mark.parametrize("causal", [False, True])
def test_padding_mask_matches_torch_attn_mask(causal):
    B, n, d = 3, 6, 4
    Q, K, V = randn(B, n, d, seed=7), randn(B, n, d, seed=8), randn(B, n, d, seed=9)
    lengths = torch.tensor([6, 4, 2])
    pad = (torch.arange(n)[None, :] < lengths[:, None])[:, None, :]    # (B, 1, n): keys kept
    torch_mask = pad & torch.ones(n, n, dtype=torch.bool).tril() if causal else pad
    expected = F.scaled_dot_product_attention(Q, K, V, attn_mask=torch_mask)
    out, w = scaled_dot_product_attention(Q.numpy(), K.numpy(), V.numpy(), mask=pad.numpy(),
                                          causal=causal)
    np.testing.assert_allclose(out, expected.numpy(), rtol=0, atol=TOL)
    for b, length in enumerate(lengths.tolist()):
        assert (w[b, :, length:] == 0).all()          # padded keys get no weight
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=0, atol=1e-12)


@pytest.mark.formula("attention.scaled-dot")
def test_sdpa_takes_torch_tensors():
    Q, K, V = randn(2, 3, 4, seed=1), randn(2, 5, 4, seed=2), randn(2, 5, 2, seed=3)
    out, w = scaled_dot_product_attention(Q, K, V, causal=True)
    assert isinstance(out, torch.Tensor) and out.dtype == f64
    assert isinstance(w, torch.Tensor) and w.shape == (2, 3, 5)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(Q, K, V, is_causal=True),
                               rtol=0, atol=TOL)


@pytest.mark.formula("attention.masked")
@pytest.mark.parametrize("trained", ["QKV", "Q", "K", "V"])
@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_gradients_match_torch(causal, trained):
    """Autograd flows through the torch backend (no in-place op on a recorded tensor), also
    when only one input is recorded (queries of a trained layer, keys of a frozen cache)."""
    Q, K, V = (randn(2, 4, 3, seed=s).requires_grad_(name in trained)
               for s, name in ((1, "Q"), (2, "K"), (3, "V")))
    wrt = [a for a in (Q, K, V) if a.requires_grad]
    out, _ = scaled_dot_product_attention(Q, K, V, causal=causal)
    grads = torch.autograd.grad(out.sum(), wrt)
    ref = F.scaled_dot_product_attention(Q, K, V, is_causal=causal)
    for g, r in zip(grads, torch.autograd.grad(ref.sum(), wrt), strict=True):
        torch.testing.assert_close(g, r, rtol=0, atol=TOL)


@pytest.mark.formula("attention.scaled-dot")
def test_sdpa_stays_finite_for_very_large_scores():
    Q, K, V = randn(4, 8, seed=1) * 1e3, randn(6, 8, seed=2) * 1e3, randn(6, 3, seed=3)
    out, w = scaled_dot_product_attention(Q.numpy(), K.numpy(), V.numpy())
    assert np.isfinite(out).all() and np.isfinite(w).all()
    np.testing.assert_allclose(out, F.scaled_dot_product_attention(Q, K, V).numpy(), rtol=0,
                               atol=1e-9)
    # the naive form overflows: exp of scores around 1e5
    scores = (Q @ K.T / math.sqrt(8)).numpy()
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(scores) / np.exp(scores).sum(-1, keepdims=True)
    assert np.isnan(naive).any()


# --- bad input ----------------------------------------------------------------------------

def _qkv(n_q=3, n_k=4, d=2):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n_q, d)), rng.normal(size=(n_k, d)), rng.normal(size=(n_k, d))


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: scaled_dot_product_attention(*_qkv(), mask=np.ones((3, 5), dtype=bool)),
         ShapeError, ["scaled_dot_product_attention: `mask`", "broadcast", "(3, 4)", "(3, 5)"]),
        (lambda: scaled_dot_product_attention(*_qkv(), mask=np.ones((2, 3, 4), dtype=bool)),
         ShapeError, ["`mask`", "(2, 3, 4)"]),
        (lambda: scaled_dot_product_attention(*_qkv(), mask=np.array([[1, 1, 1, 1]] * 3)),
         TypeError, ["`mask`", "boolean", "int64"]),
        (lambda: scaled_dot_product_attention(
            *_qkv(), mask=np.array([[True] * 4, [False] * 4, [True] * 4])),
         ValueError, ["`mask`", "every key", "index (1,)"]),
        (lambda: scaled_dot_product_attention(
            *_qkv(), mask=np.array([False, True, True, True]), causal=True),
         ValueError, ["scaled_dot_product_attention: `mask`", "every key", "index (0,)"]),
        (lambda: scaled_dot_product_attention(np.ones((3, 2)), np.ones((0, 2)), np.ones((0, 2))),
         ShapeError, ["scaled_dot_product_attention: `K`", "at least one entry", "n_k"]),
        (lambda: scaled_dot_product_attention(np.ones((3, 2)), np.ones((4, 3)), np.ones((4, 2))),
         ShapeError, ["`K`", "d_k=2", "(4, 3)"]),
        (lambda: scaled_dot_product_attention(np.ones((3, 2)), np.ones((4, 2)), np.ones((5, 2))),
         ShapeError, ["`V`", "n_k=4", "(5, 2)"]),
        (lambda: scaled_dot_product_attention(np.ones(3), np.ones((4, 3)), np.ones((4, 2))),
         ShapeError, ["scaled_dot_product_attention: `Q`", "at least 2-D (..., n_q, d_k)"]),
        (lambda: attention_weights(np.ones(3), mask=np.zeros(3, dtype=bool)),
         ValueError, ["`mask`", "every key"]),
        (lambda: attention_weights(np.array(2.0)),
         ShapeError, ["attention_weights: `scores`", "at least 1-D", "0-D"]),
        (lambda: attention_weights(np.zeros((2, 0))),
         ShapeError, ["attention_weights: `scores`", "at least one entry", "source"]),
        (lambda: dot_score(np.ones(3), np.ones((5, 2))),
         ShapeError, ["dot_score: `H`", "key=3", "(5, 2)"]),
        (lambda: general_score(np.ones(3), np.ones((5, 2)), np.ones((2, 2))),
         ShapeError, ["general_score: `s`", "query=2", "(3,)"]),
        (lambda: additive_score(np.ones(3), np.ones((5, 2)), np.ones((4, 3)), np.ones((4, 2)),
                                np.ones(3)), ShapeError, ["`v`", "attn=4", "(3,)"]),
        (lambda: context_vector(np.ones(3), np.ones((4, 2))), ShapeError, ["`H`", "source=3"]),
        (lambda: causal_mask(0), ValueError, ["causal_mask: `n_queries`", "integer >= 1", "0"]),
        (lambda: causal_mask(3, 2.5), TypeError, ["causal_mask: `n_keys`", "integer", "2.5"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


@pytest.mark.gpu
@pytest.mark.formula("attention.masked")
def test_cuda_sdpa_matches_torch():
    dev = torch.device("cuda")
    Q, K, V = (randn(2, 5, 4, seed=s).to(dev) for s in (1, 2, 3))
    out, _ = scaled_dot_product_attention(Q, K, V, causal=True)
    assert out.device.type == "cuda"
    torch.testing.assert_close(out, F.scaled_dot_product_attention(Q, K, V, is_causal=True),
                               rtol=0, atol=TOL)


def test_mask_errors_name_the_blocked_row():
    scores = np.zeros((2, 3, 4))
    assert_error_names(lambda: attention_weights(scores, mask=np.ones((2, 2, 3, 4), bool)),
                       ValueError, ["attention_weights: `mask`", "broadcast", "(2, 2, 3, 4)"])
    mask = np.ones((2, 3, 4), bool)
    mask[1, 2] = False
    assert_error_names(lambda: attention_weights(scores, mask=mask), ValueError,
                       ["attention_weights: `mask`", "every key of the score vector",
                        "index (1, 2)", "0/0"])
    mask[0, 1] = False
    assert_error_names(lambda: attention_weights(scores, mask=mask), ValueError,
                       ["at index (0, 1)", "(and 1 more)"])
    Q = np.zeros((3, 2))
    assert_error_names(
        lambda: scaled_dot_product_attention(Q, Q, Q, mask=np.eye(3, dtype=bool)[::-1],
                                             causal=True),
        ValueError, ["scaled_dot_product_attention: `mask`", "every key of the query row",
                     "index (0,)"])


def test_a_broadcast_mask_row_weights_exactly():
    # one row of mask (1, 4) shared by both query rows: weights are 1/2 on the two kept keys
    w = attention_weights(np.zeros((2, 4)), mask=np.array([[True, False, True, False]]))
    np.testing.assert_array_equal(w, [[0.5, 0, 0.5, 0]] * 2)


def test_causal_mask_by_hand():
    np.testing.assert_array_equal(causal_mask(2, 3), [[1, 0, 0], [1, 1, 0]])
    np.testing.assert_array_equal(causal_mask(np.int64(2)), [[1, 0], [1, 1]])
    np.testing.assert_array_equal(causal_mask(1), [[True]])


def test_causal_sdpa_with_more_keys_than_queries():
    # 1 query, 2 keys, causal: the query sees key 0 only, so it returns V[0] exactly
    Q, K, V = np.ones((1, 2)), np.ones((2, 2)), np.array([[1.0, 2.0], [30.0, 40.0]])
    out, w = scaled_dot_product_attention(Q, K, V, causal=True)
    np.testing.assert_array_equal(w, [[1.0, 0.0]])
    np.testing.assert_array_equal(out, [[1.0, 2.0]])


def test_scores_of_no_position_are_empty():
    # scores of no source position are an empty vector (their softmax is what is undefined)
    assert dot_score(np.ones(3), np.ones((0, 3))).shape == (0,)


# --- Bahdanau and Luong: which decoder state asks (attention § scores) ----------------------

def _decoder_parts(seed, d_y=3, n=4, d_h=5, d_a=6, S=7, B=2, luong=False):
    torch.manual_seed(seed)
    parts = dict(y=randn(B, d_y, seed=seed), s_prev=randn(B, n, seed=seed + 1),
                 H=randn(B, S, d_h, seed=seed + 2),
                 cell=torch.nn.GRUCell(d_y if luong else d_y + d_h, n, dtype=f64))
    if luong:
        parts.update(W_c=torch.nn.Linear(d_h + n, d_a, bias=False, dtype=f64),
                     W_a=randn(n, d_h, seed=seed + 3))
    else:
        parts.update(W_s=torch.nn.Linear(n, d_a, bias=False, dtype=f64),
                     W_h=torch.nn.Linear(d_h, d_a, bias=False, dtype=f64),
                     v=torch.nn.Linear(d_a, 1, bias=False, dtype=f64))
    return parts


def _np(t):
    return t.detach().numpy()


def _cell_weights(cell):
    return [_np(w) for w in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]


@pytest.mark.formula("attention.bahdanau-state")
@pytest.mark.parametrize("seed", range(3))
def test_bahdanau_step_matches_torch(seed):
    p = _decoder_parts(seed)
    with torch.no_grad():
        e = p["v"](torch.tanh(p["W_s"](p["s_prev"])[:, None, :] + p["W_h"](p["H"])))[..., 0]
        alpha = torch.softmax(e, dim=-1)                        # scored with s_{i-1}
        c = torch.bmm(alpha[:, None, :], p["H"])[:, 0]
        s = p["cell"](torch.cat([p["y"], c], dim=-1), p["s_prev"])   # c_i enters the RNN
    W_ih, W_hh, b_ih, b_hh = _cell_weights(p["cell"])
    got = bahdanau_step(_np(p["y"]), _np(p["s_prev"]), _np(p["H"]), _np(p["W_s"].weight),
                        _np(p["W_h"].weight), _np(p["v"].weight)[0], W_ih, W_hh, b_ih, b_hh)
    for mine, ref in zip(got, (s, c, alpha), strict=True):
        np.testing.assert_allclose(mine, _np(ref), rtol=0, atol=TOL)


@pytest.mark.formula("attention.luong-output")
@pytest.mark.parametrize("general", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_luong_step_matches_torch(seed, general):
    n_eq_dh = 4
    p = _decoder_parts(seed, n=n_eq_dh, d_h=n_eq_dh, luong=True)
    with torch.no_grad():
        s = p["cell"](p["y"], p["s_prev"])                      # s_i first, without c_i
        query = s @ p["W_a"] if general else s
        alpha = torch.softmax(torch.bmm(p["H"], query[:, :, None])[..., 0], dim=-1)
        c = torch.bmm(alpha[:, None, :], p["H"])[:, 0]
        h_tilde = torch.tanh(p["W_c"](torch.cat([c, s], dim=-1)))
    W_ih, W_hh, b_ih, b_hh = _cell_weights(p["cell"])
    got = luong_step(_np(p["y"]), _np(p["s_prev"]), _np(p["H"]), W_ih, W_hh,
                     _np(p["W_c"].weight), b_ih, b_hh, W_a=_np(p["W_a"]) if general else None)
    for mine, ref in zip(got, (s, h_tilde, c, alpha), strict=True):
        np.testing.assert_allclose(mine, _np(ref), rtol=0, atol=TOL)


@pytest.mark.formula("attention.bahdanau-state", "attention.luong-output")
def test_only_luongs_weights_see_the_previous_output():
    """attention § scores: Bahdanau's weights come from s_{i-1} alone, so y_{i-1} cannot change
    them; Luong's come from s_i, which has already read y_{i-1}."""
    b = _decoder_parts(5)
    l_ = _decoder_parts(5, n=5, d_h=5, luong=True)
    bw = _cell_weights(b["cell"])
    lw = _cell_weights(l_["cell"])
    weights = {"bahdanau": [], "luong": []}
    for y in (b["y"], -3 * b["y"]):
        weights["bahdanau"].append(bahdanau_step(
            _np(y), _np(b["s_prev"]), _np(b["H"]), _np(b["W_s"].weight), _np(b["W_h"].weight),
            _np(b["v"].weight)[0], *bw)[2])
        weights["luong"].append(luong_step(_np(y), _np(l_["s_prev"]), _np(l_["H"]), lw[0],
                                           lw[1], _np(l_["W_c"].weight), lw[2], lw[3])[3])
    np.testing.assert_array_equal(*weights["bahdanau"])
    assert np.abs(weights["luong"][0] - weights["luong"][1]).max() > 1e-3


def _bahdanau(**change):
    """A valid unbatched call (d_y = 2, n = 3, d_h = 5, attn = 6, S = 4) with ``change``."""
    args = dict(y_prev=np.ones(2), s_prev=np.ones(3), H=np.ones((4, 5)), W_s=np.ones((6, 3)),
                W_h=np.ones((6, 5)), v=np.ones(6), W_ih=np.ones((9, 7)), W_hh=np.ones((9, 3)))
    return lambda: bahdanau_step(**(args | change))


def _luong(**change):
    """A valid unbatched call (d_y = 2, n = 3, d_h = 3, d_c = 5, S = 4) with ``change``."""
    args = dict(y_prev=np.ones(2), s_prev=np.ones(3), H=np.ones((4, 3)), W_ih=np.ones((9, 2)),
                W_hh=np.ones((9, 3)), W_c=np.ones((5, 6)))
    return lambda: luong_step(**(args | change))


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        # the weights that read a concatenation: their width is the sum of the parts'
        (_bahdanau(W_ih=np.ones((9, 6))), ShapeError,
         ["bahdanau_step: `W_ih`", "d_y+d_h", "d_y=2 + d_h=5", "(9, 6)"]),
        (_luong(W_c=np.ones((5, 7))), ShapeError,
         ["luong_step: `W_c`", "d_h+n", "d_h=3 + n=3", "(5, 7)"]),
        # a scalar has no feature axis
        (_bahdanau(y_prev=np.array(1.0)), ShapeError, ["bahdanau_step: `y_prev`", "1-D", "()"]),
        # the dot score compares s_i with h_j: without W_a their sizes must agree
        (_luong(H=np.ones((4, 5)), W_c=np.ones((5, 8))), ShapeError,
         ["luong_step: without `W_a`", "d_h = n = 3", "got 5", "general_score"]),
        # the same in a batch of 2: d_h is H's last axis, not its second
        (_luong(y_prev=np.ones((2, 2)), s_prev=np.ones((2, 3)), H=np.ones((2, 4, 5)),
                W_c=np.ones((5, 8))), ShapeError,
         ["luong_step: without `W_a`", "d_h = n = 3", "got 5."]),
    ],
)
def test_bad_input_to_the_decoder_steps_names_the_argument(call, error, fragments):
    _bahdanau()()
    _luong()()
    assert_error_names(call, error, fragments)


# --- the softmax in place: the scores are the one (n_q, n_k) array a call allocates --------


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize(("causal", "padded"), [(False, False), (True, False), (True, True)])
def test_sdpa_leaves_its_inputs_untouched(backend, causal, padded):
    rng = np.random.default_rng(3)
    Q, K, V = (rng.normal(size=(2, 6, 4)) * 50 for _ in range(3))
    keep = np.ones((2, 1, 6), dtype=bool)
    keep[1, :, 4:] = False
    args = (Q, K, V) if backend == "numpy" else tuple(map(torch.as_tensor, (Q, K, V)))
    mask = (keep if backend == "numpy" else torch.as_tensor(keep)) if padded else None
    copies = [np.asarray(a).copy() for a in args]
    out, _ = scaled_dot_product_attention(*args, mask=mask, causal=causal)
    assert all(np.array_equal(np.asarray(a), c) for a, c in zip(args, copies, strict=True))
    ref = F.scaled_dot_product_attention(
        *map(torch.as_tensor, (Q, K, V)), is_causal=causal and not padded,
        attn_mask=(torch.as_tensor(keep) & torch.ones(6, 6, dtype=torch.bool).tril())
        if padded else None)
    np.testing.assert_allclose(np.asarray(out), ref.numpy(), rtol=0, atol=1e-12)


def _peak_bytes(fn) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _sdpa_out_of_place(Q, K, V):
    """The textbook passes, each a fresh array: the negative control for the bound."""
    n_q, n_k = Q.shape[-2], K.shape[-2]
    s = Q @ np.swapaxes(K, -1, -2) / math.sqrt(Q.shape[-1])
    s = np.where(np.broadcast_to(np.tril(np.ones((n_q, n_k), bool)), s.shape), s, -np.inf)
    e = np.exp(s - s.max(-1, keepdims=True))
    w = e / e.sum(-1, keepdims=True)
    return w @ V, w


def test_causal_sdpa_allocates_the_scores_once():
    rng = np.random.default_rng(0)
    Q, K, V = (rng.normal(size=(2, 4, 256, 16)) for _ in range(3))
    scores = Q.shape[0] * Q.shape[1] * 256 * 256 * 8
    # the weights, the output, the scaled Q and a (n_q, n_k) mask: 10% to spare
    bound = 1.1 * (scores + 2 * Q.nbytes + 256 * 256 * 9)
    ours = _peak_bytes(lambda: scaled_dot_product_attention(Q, K, V, causal=True))
    assert ours < bound, (ours, bound)
    # negative control: the same math written pass by pass needs several score-sized arrays
    assert _peak_bytes(lambda: _sdpa_out_of_place(Q, K, V)) > 2 * scores
    np.testing.assert_allclose(scaled_dot_product_attention(Q, K, V, causal=True)[0],
                               _sdpa_out_of_place(Q, K, V)[0], rtol=0, atol=1e-13)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize(("n_q", "n_k"), [(130, 130), (130, 70), (70, 200), (1, 5), (64, 64)])
def test_causal_sdpa_by_blocks_of_rows_matches_torch(backend, n_q, n_k):
    # more rows than one block (CAUSAL_ROWS = 64), and keys fewer or more than the queries
    rng = np.random.default_rng(n_q + n_k)
    Q, K, V = rng.normal(size=(2, n_q, 8)), rng.normal(size=(2, n_k, 8)), rng.normal(
        size=(2, n_k, 3))
    args = (Q, K, V) if backend == "numpy" else tuple(map(torch.as_tensor, (Q, K, V)))
    out, w = (np.asarray(a) for a in scaled_dot_product_attention(*args, causal=True))
    keep = torch.ones(n_q, n_k, dtype=torch.bool).tril()
    Qt, Kt, Vt = map(torch.as_tensor, (Q, K, V))
    ref = F.scaled_dot_product_attention(Qt, Kt, Vt, attn_mask=keep)
    ref_w = torch.softmax((Qt @ Kt.mT / math.sqrt(8)).masked_fill(~keep, -math.inf), -1)
    np.testing.assert_allclose(out, ref.numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(w, ref_w.numpy(), rtol=0, atol=1e-14)
    assert (w[..., ~keep.numpy()] == 0).all()
