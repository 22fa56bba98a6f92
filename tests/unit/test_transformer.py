"""Multi-head attention, positional encoding, layer norm, FFN and the encoder block vs PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    feed_forward,
    layer_norm,
    multi_head_attention,
    positional_encoding,
    positional_shift,
    transformer_encoder_block,
)
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")

TOL = 1e-10
f64 = torch.float64


def mha_weights(mha):
    """Copy torch.nn.MultiheadAttention's weights into seqcore's argument order."""
    W = mha.in_proj_weight.detach().numpy()
    b = mha.in_proj_bias.detach().numpy()
    d = W.shape[1]
    return dict(W_q=W[:d], W_k=W[d:2 * d], W_v=W[2 * d:], W_o=mha.out_proj.weight.detach().numpy(),
                b_q=b[:d], b_k=b[d:2 * d], b_v=b[2 * d:], b_o=mha.out_proj.bias.detach().numpy())


MHA_CASES = [  # (batch, n_q, n_k, d_model, heads)
    (1, 1, 1, 2, 1),
    (2, 5, 5, 8, 2),
    (3, 4, 7, 12, 3),
    (2, 6, 6, 16, 4),
    (1, 3, 3, 6, 6),
]


@pytest.mark.formula("transformer.multi-head", "transformer.self-attention")
@pytest.mark.parametrize("case", MHA_CASES)
@pytest.mark.parametrize("self_attention", [True, False])
def test_multi_head_matches_torch(case, self_attention):
    B, nq, nk, d, h = case
    torch.manual_seed(B * 100 + d + h)
    mha = torch.nn.MultiheadAttention(d, h, batch_first=True, dtype=f64)
    q = torch.randn(B, nq, d, dtype=f64)
    k = q if self_attention else torch.randn(B, nk, d, dtype=f64)
    v = q if self_attention else torch.randn(B, nk, d, dtype=f64)
    ref, ref_w = mha(q, k, v, average_attn_weights=False)
    out, w = multi_head_attention(q.numpy(), k.numpy(), v.numpy(), num_heads=h,
                                  **mha_weights(mha))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(w, ref_w.detach().numpy(), rtol=0, atol=TOL)


@pytest.mark.formula("transformer.multi-head")
def test_multi_head_unbatched_and_torch_tensors():
    torch.manual_seed(1)
    mha = torch.nn.MultiheadAttention(8, 4, dtype=f64)
    x = torch.randn(5, 8, dtype=f64)                      # unbatched (L, E)
    ref, ref_w = mha(x, x, x)                             # weights averaged over heads
    W = {k: torch.as_tensor(v) for k, v in mha_weights(mha).items()}
    out, w = multi_head_attention(x, x, x, num_heads=4, **W)
    assert isinstance(out, torch.Tensor)
    torch.testing.assert_close(out, ref.detach(), rtol=0, atol=TOL)
    torch.testing.assert_close(w.mean(0), ref_w.detach(), rtol=0, atol=TOL)


@pytest.mark.formula("transformer.multi-head")
@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_masks_match_torch(causal):
    B, n, d, h = 3, 6, 8, 2
    torch.manual_seed(2)
    mha = torch.nn.MultiheadAttention(d, h, batch_first=True, dtype=f64)
    x = torch.randn(B, n, d, dtype=f64)
    lengths = torch.tensor([6, 3, 5])
    keep = torch.arange(n)[None, :] < lengths[:, None]                  # True = real token
    blocked = torch.ones(n, n, dtype=torch.bool).triu(1) if causal else None
    ref, _ = mha(x, x, x, key_padding_mask=~keep, attn_mask=blocked)   # torch: True = blocked
    out, w = multi_head_attention(x.numpy(), x.numpy(), x.numpy(), num_heads=h,
                                  mask=keep.numpy()[:, None, :], causal=causal,
                                  **mha_weights(mha))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=0, atol=TOL)
    assert (w[1, :, :, 3:] == 0).all()


@pytest.mark.formula("transformer.layer-norm")
@pytest.mark.parametrize("shape", [(5,), (3, 7), (2, 4, 16)])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_torch(shape, affine):
    torch.manual_seed(3)
    x = torch.randn(*shape, dtype=f64) * 3 + 1
    d = shape[-1]
    g, b = (torch.randn(d, dtype=f64), torch.randn(d, dtype=f64)) if affine else (None, None)
    ref = torch.nn.functional.layer_norm(x, (d,), g, b, eps=1e-5)
    got = layer_norm(x.numpy(), None if g is None else g.numpy(), None if b is None else b.numpy())
    np.testing.assert_allclose(got, ref.numpy(), rtol=0, atol=TOL)


@pytest.mark.formula("transformer.ffn")
def test_feed_forward_matches_torch_linears():
    torch.manual_seed(4)
    l1, l2 = torch.nn.Linear(8, 32, dtype=f64), torch.nn.Linear(32, 8, dtype=f64)
    x = torch.randn(2, 5, 8, dtype=f64)
    ref = l2(torch.relu(l1(x))).detach()
    got = feed_forward(x.numpy(), l1.weight.detach().numpy(), l1.bias.detach().numpy(),
                       l2.weight.detach().numpy(), l2.bias.detach().numpy())
    np.testing.assert_allclose(got, ref.numpy(), rtol=0, atol=TOL)


def block_params(layer):
    p = mha_weights(layer.self_attn)
    for ours, theirs in (("W_1", "linear1.weight"), ("b_1", "linear1.bias"),
                         ("W_2", "linear2.weight"), ("b_2", "linear2.bias"),
                         ("gamma_1", "norm1.weight"), ("beta_1", "norm1.bias"),
                         ("gamma_2", "norm2.weight"), ("beta_2", "norm2.bias")):
        p[ours] = layer.get_parameter(theirs).detach().numpy()
    return p


@pytest.mark.formula("transformer.post-ln", "transformer.pre-ln")
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("case", [(1, 1, 4, 1, 8), (2, 7, 8, 2, 16), (3, 5, 12, 4, 24)])
@pytest.mark.parametrize("padded", [False, True])
def test_encoder_block_matches_torch(norm_first, case, padded):
    B, n, d, h, d_ff = case
    torch.manual_seed(B + n + d)
    layer = torch.nn.TransformerEncoderLayer(d, h, dim_feedforward=d_ff, dropout=0.0,
                                             batch_first=True, norm_first=norm_first,
                                             dtype=f64).eval()
    # random affine layer norms, so that gamma/beta are really copied
    with torch.no_grad():
        for norm in (layer.norm1, layer.norm2):
            norm.weight.normal_()
            norm.bias.normal_()
    x = torch.randn(B, n, d, dtype=f64)
    keep = torch.ones(B, n, dtype=torch.bool)
    if padded and n > 1:
        keep[-1, n // 2:] = False
    # grad stays enabled: torch's fused fast path (no_grad only) zeroes padded positions
    ref = layer(x, src_key_padding_mask=~keep).detach()
    got = transformer_encoder_block(x.numpy(), block_params(layer), num_heads=h,
                                    norm_first=norm_first, mask=keep.numpy()[:, None, :])
    np.testing.assert_allclose(got, ref.numpy(), rtol=0, atol=TOL)


@pytest.mark.formula("transformer.post-ln")
def test_encoder_block_causal_matches_torch():
    torch.manual_seed(5)
    layer = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                             dtype=f64).eval()
    x = torch.randn(2, 6, 8, dtype=f64)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(6, dtype=f64)
    ref = layer(x, src_mask=mask, is_causal=True).detach()
    got = transformer_encoder_block(x.numpy(), block_params(layer), num_heads=2, causal=True)
    np.testing.assert_allclose(got, ref.numpy(), rtol=0, atol=TOL)


# --- positional encoding: the paper's formula, and shifts as rotations ---------------------

def paper_pe(n: int, d: int) -> np.ndarray:
    """Section 3.5 of "Attention Is All You Need", written out element by element."""
    pe = np.zeros((n, d))
    for pos in range(n):
        for i in range(d // 2):
            pe[pos, 2 * i] = math.sin(pos / 10000 ** (2 * i / d))
            pe[pos, 2 * i + 1] = math.cos(pos / 10000 ** (2 * i / d))
    return pe


@pytest.mark.formula("transformer.positional-encoding")
@pytest.mark.parametrize(("n", "d"), [(1, 2), (50, 16), (128, 64), (7, 512)])
def test_positional_encoding_is_the_papers_formula(n, d):
    np.testing.assert_allclose(positional_encoding(n, d), paper_pe(n, d), rtol=0, atol=1e-12)


@pytest.mark.formula("transformer.pe-shift")
@pytest.mark.parametrize("k", [0, 1, 5, -3, 100])
@pytest.mark.parametrize("d", [2, 8, 64])
def test_shift_is_one_linear_map_for_every_position(k, d):
    pe = paper_pe(300, d)
    M = positional_shift(k, d)
    positions = range(max(0, -k), 300 - max(0, k))
    for pos in positions:                        # the same M_k for every pos
        np.testing.assert_allclose(M @ pe[pos], pe[pos + k], rtol=0, atol=1e-10)
    np.testing.assert_allclose(M @ M.T, np.eye(d), rtol=0, atol=1e-12)   # a rotation
    # shifts compose: M_{a+b} = M_a M_b
    np.testing.assert_allclose(positional_shift(k + 2, d), M @ positional_shift(2, d), rtol=0,
                               atol=1e-12)


@pytest.mark.formula("transformer.pe-shift")
def test_shift_matrix_solved_by_least_squares_is_ours():
    """Fit the linear map PE(pos) -> PE(pos+k) from data alone; it is M_k.

    Enough positions that the slowest pair (ω = 10000^(-6/8)) turns through
    about 3 rad, so the least-squares problem is well conditioned.
    """
    d, k = 8, 4
    pe = paper_pe(3000, d)
    X, Y = pe[:-k], pe[k:]
    A, *_ = np.linalg.lstsq(X, Y, rcond=None)            # Y ≈ X A, so M = A^T
    np.testing.assert_allclose(A.T, positional_shift(k, d), rtol=0, atol=1e-10)


# --- bad input ----------------------------------------------------------------------------

def _mha_args(d=6, h=4):
    W = np.eye(d)
    x = np.ones((3, d))
    return dict(query=x, key=x, value=x, W_q=W, W_k=W, W_v=W, W_o=W, num_heads=h)


def _block(d=4):
    p = {n: np.eye(d) for n in ("W_q", "W_k", "W_v", "W_o")}
    p |= {"W_1": np.ones((8, d)), "W_2": np.ones((d, 8))}
    p |= {n: None for n in ("b_q", "b_k", "b_v", "b_o", "b_1", "b_2")}
    p |= {n: np.ones(d) for n in ("gamma_1", "gamma_2")} | {n: np.zeros(d)
                                                           for n in ("beta_1", "beta_2")}
    return p


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: multi_head_attention(**_mha_args(6, 4)),
         ValueError, ["multi_head_attention: d_model=6", "divisible", "`num_heads`=4"]),
        (lambda: multi_head_attention(**(_mha_args(6, 2) | {"W_o": np.eye(5)})),
         ShapeError, ["multi_head_attention: `W_o`", "(5, 5)"]),
        (lambda: multi_head_attention(**(_mha_args(6, 2) | {"query": np.ones(6)})),
         ShapeError, ["multi_head_attention: `query`", "at least 2-D"]),
        (lambda: multi_head_attention(**_mha_args(6, 2), mask=np.ones((3, 2), dtype=bool)),
         ShapeError, ["multi_head_attention: `mask`", "broadcast", "(3, 2)"]),
        (lambda: positional_encoding(10, 7),
         ValueError, ["positional_encoding: `d_model`", "even", "7"]),
        (lambda: layer_norm(np.ones((2, 3)), np.ones(4)),
         ShapeError, ["layer_norm: `gamma`", "d=3"]),
        (lambda: layer_norm(np.array(1.0)), ShapeError, ["layer_norm: `x`", "at least 1-D"]),
        (lambda: feed_forward(np.ones((2, 3)), np.ones((5, 4)), None, np.ones((3, 5)), None),
         ShapeError, ["feed_forward: `W_2`", "d_model=4", "(3, 5)"]),
        (lambda: transformer_encoder_block(np.ones((3, 4)), {"W_q": np.eye(4)}, 2),
         KeyError, ["transformer_encoder_block: `params`", "missing", "W_k"]),
        (lambda: transformer_encoder_block(np.ones((3, 4)), {**_block(), "extra": 1}, 2),
         ValueError, ["transformer_encoder_block: `params`", "exactly the keys",
                      "unknown ['extra']"]),
        (lambda: transformer_encoder_block(np.ones((3, 4)), [1], 2),
         TypeError, ["transformer_encoder_block: `params`", "a tuple (or a mapping)", "list"]),
        (lambda: transformer_encoder_block(np.ones((3, 4)), _block(), 3),
         ValueError, ["transformer_encoder_block: d_model=4", "divisible"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


@pytest.mark.gpu
@pytest.mark.formula("transformer.post-ln")
def test_cuda_encoder_block_matches_torch():
    torch.manual_seed(6)
    layer = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                             dtype=f64).eval().cuda()
    x = torch.randn(2, 5, 8, dtype=f64, device="cuda")
    ref = layer(x).detach()
    p = {k: torch.as_tensor(v, device="cuda") for k, v in block_params(layer.cpu()).items()}
    got = transformer_encoder_block(x, p, num_heads=2)
    torch.testing.assert_close(got, ref, rtol=0, atol=TOL)

# --- small cases worked by hand ------------------------------------------------------------

x4 = np.random.default_rng(5).normal(size=(3, 4))
W = np.eye(4)
BLOCK = {**{k: np.eye(4) for k in ("W_q", "W_k", "W_v", "W_o")},
         **{k: np.zeros(4) for k in ("b_q", "b_k", "b_v", "b_o", "beta_1", "beta_2")},
         "gamma_1": np.ones(4), "gamma_2": np.ones(4),
         "W_1": np.eye(4), "b_1": np.zeros(4), "W_2": np.eye(4), "b_2": np.zeros(4)}


def test_positional_encoding_by_hand():
    pe = positional_encoding(2, 4, base=100.0)
    # omega = 100^(-0/4), 100^(-2/4) = 1, 0.1; row 1: sin 1, cos 1, sin 0.1, cos 0.1.
    np.testing.assert_allclose(pe, [[0, 1, 0, 1],
                                    [math.sin(1), math.cos(1), math.sin(0.1), math.cos(0.1)]],
                               rtol=1e-15)
    M = positional_shift(1, 4, base=100.0)
    np.testing.assert_allclose(M @ pe[0], pe[1], atol=1e-15)
    np.testing.assert_allclose(positional_shift(np.int64(0), 2), np.eye(2))
    assert positional_encoding(np.int64(1), np.int64(2)).shape == (1, 2)


def test_layer_norm_and_block_by_hand():
    x = np.array([[1.0, 3.0]])
    # mean 2, variance 1: (-1, 1) / sqrt(1 + eps); eps = 0 is allowed.
    np.testing.assert_allclose(layer_norm(x, eps=0), [[-1.0, 1.0]])
    np.testing.assert_allclose(layer_norm(x, np.array([2.0, 3.0]), np.array([1.0, 1.0]), eps=0),
                               [[-1.0, 4.0]])
    np.testing.assert_allclose(layer_norm(x, eps=3.0), [[-0.5, 0.5]])
    np.testing.assert_allclose(layer_norm(x, beta=np.array([1.0, 1.0]), eps=0), [[0.0, 2.0]])
    # FFN with identity weights: relu(x).
    np.testing.assert_allclose(feed_forward(np.array([[-1.0, 2.0]]), np.eye(2), np.zeros(2),
                                            np.eye(2), np.array([0.5, 0.0])), [[0.5, 2.0]])
    # Identity MHA with one head over identical rows returns the rows; the block then adds
    # and normalizes: post-LN of x + x is LN(x), again LN(. + relu(.)).
    same = np.tile(np.array([[1.0, 2.0, 3.0, 6.0]]), (2, 1))
    out, w = multi_head_attention(same, same, same, W, W, W, W, 2)
    np.testing.assert_allclose(out, same, rtol=1e-12)
    assert w.shape == (2, 2, 2)
    np.testing.assert_allclose(w, 0.5)
    ln = lambda v: layer_norm(v, eps=1e-5)  # noqa: E731
    z = ln(same + same)
    np.testing.assert_allclose(transformer_encoder_block(same, BLOCK, 2),
                               ln(z + np.maximum(z, 0)), rtol=1e-12)
    z = same + ln(same)       # pre-LN: x + MHA(LN(x)), MHA returning its (identical) rows
    np.testing.assert_allclose(transformer_encoder_block(same, BLOCK, 2, norm_first=True),
                               z + np.maximum(ln(z), 0), rtol=1e-12)
    mask = np.array([[True, False], [True, True]])
    _, w = multi_head_attention(same, same, same, W, W, W, W, 1, mask=mask)
    np.testing.assert_allclose(w[0], [[1.0, 0.0], [0.5, 0.5]])
    _, w = multi_head_attention(same, same, same, W, W, W, W, 1, causal=True)
    np.testing.assert_allclose(w[0], [[1.0, 0.0], [0.5, 0.5]])


def test_one_dimensional_inputs_are_vectors():
    np.testing.assert_allclose(feed_forward(np.array([-1.0, 2.0]), np.eye(2), np.zeros(2),
                                            np.eye(2), np.zeros(2)), [0.0, 2.0])
    np.testing.assert_allclose(layer_norm(np.array([1.0, 3.0]), eps=0), [-1.0, 1.0])
    assert positional_encoding(3, 2).shape == (3, 2)
    np.testing.assert_allclose(positional_encoding(3, 2)[:, 0], np.sin([0.0, 1.0, 2.0]))
    np.testing.assert_allclose(positional_shift(2, 2), [[math.cos(2), math.sin(2)],
                                                        [-math.sin(2), math.cos(2)]])
