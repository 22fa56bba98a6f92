"""Layer norm, FFN, multi-head attention and encoder-block backward passes against autograd.

Each reference is a torch module (``F.layer_norm``, ``nn.Linear``, ``nn.MultiheadAttention``,
``nn.TransformerEncoderLayer``) with the same weights, differentiated by autograd in float64;
every input's and every weight's gradient is compared.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    feed_forward_backward,
    layer_norm_backward,
    multi_head_attention_backward,
    transformer_encoder_block,
    transformer_encoder_block_backward,
)
from seqcore.transformer import BLOCK_PARAMS
from tests.unit.errors import assert_error_names
from tests.unit.transformer_refs import (
    assert_grads,
    attention_names,
    autograd,
    f64,
    layer_names,
    module_params,
    npy,
    randn,
    randomize,
    torch,
)

F = torch.nn.functional


def module_grads(module, inputs: dict, call, upstream_seed: int = 99):
    """``(upstream, input gradients, output)`` of ``call(module, **inputs)`` by autograd; the
    module's own gradients stay in its parameters' ``.grad``."""
    leaves = {k: v.detach().clone().requires_grad_() for k, v in inputs.items()}
    module.zero_grad()
    out = call(module, **leaves)
    upstream = randn(*out.shape, seed=upstream_seed)
    out.backward(upstream)
    return upstream, {k: v.grad for k, v in leaves.items()}, out.detach()


# --- layer norm -----------------------------------------------------------------------------

@pytest.mark.formula("transformer.layer-norm-backward")
@pytest.mark.parametrize("shape", [(1,), (6,), (3, 7), (2, 4, 16)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("eps", [1e-5, 0.5])
def test_layer_norm_backward_matches_autograd(shape, affine, eps):
    d = shape[-1]
    inputs = {"x": randn(*shape, seed=1) * 3 + 1}
    if affine:
        inputs |= {"gamma": randn(d, seed=2), "beta": randn(d, seed=3)}

    def ln(x, gamma=None, beta=None):
        return F.layer_norm(x, (d,), gamma, beta, eps=eps)

    dy, ref = autograd(ln, inputs)
    got = layer_norm_backward(dy.numpy(), **npy(inputs), eps=eps)
    assert_grads(got, ref)
    assert affine or (got["gamma"] is None and got["beta"] is None)


@pytest.mark.formula("transformer.layer-norm-backward")
def test_layer_norm_gradient_has_no_part_along_a_shift_or_the_normalized_input():
    """Normalizing removed the mean and the scale: δx ⟂ 1 and δx ⟂ x̂ in every row."""
    x, dy = randn(5, 8, seed=4) * 2, randn(5, 8, seed=5)
    dx = layer_norm_backward(dy.numpy(), x.numpy(), eps=0.0)["x"]
    xhat = F.layer_norm(x, (8,), eps=0.0).numpy()
    np.testing.assert_allclose(dx.sum(-1), 0, atol=1e-13)
    np.testing.assert_allclose((dx * xhat).sum(-1), 0, atol=1e-12)


# --- the feed-forward network ---------------------------------------------------------------

@pytest.mark.formula("transformer.ffn-backward")
@pytest.mark.parametrize("lead", [(), (5,), (2, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_feed_forward_backward_matches_autograd(lead, bias):
    d, d_ff = 6, 10
    w = {"W_1": randn(d_ff, d, seed=1), "b_1": randn(d_ff, seed=2),
         "W_2": randn(d, d_ff, seed=3), "b_2": randn(d, seed=4)}
    if not bias:
        w |= {"b_1": None, "b_2": None}
    inputs = {"x": randn(*lead, d, seed=5), **{k: v for k, v in w.items() if v is not None}}

    def ffn(x, W_1, W_2, b_1=None, b_2=None):
        return F.linear(torch.relu(F.linear(x, W_1, b_1)), W_2, b_2)

    dy, ref = autograd(ffn, inputs)
    got = feed_forward_backward(dy.numpy(), inputs["x"].numpy(),
                                *(None if v is None else v.numpy() for v in w.values()))
    assert_grads(got, ref)
    assert bias or (got["b_1"] is None and got["b_2"] is None)


# --- multi-head attention -------------------------------------------------------------------

MHA_CASES = [  # (batch or None, n_q, n_k, d_model, heads)
    (None, 1, 1, 2, 1),
    (None, 4, 6, 8, 2),
    (2, 5, 5, 8, 4),
    (3, 4, 7, 12, 3),
]


def mha_call(key_padding, blocked):
    def call(mha, query, key, value):
        out, _ = mha(query, key, value, key_padding_mask=key_padding, attn_mask=blocked,
                     need_weights=False)
        return out
    return call


@pytest.mark.formula("transformer.multi-head-backward")
@pytest.mark.parametrize("case", MHA_CASES)
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_multi_head_backward_matches_autograd(case, causal, bias):
    B, nq, nk, d, h = case
    lead = () if B is None else (B,)
    mha = randomize(torch.nn.MultiheadAttention(d, h, bias=bias, batch_first=True, dtype=f64),
                    seed=nq + nk + d)
    inputs = {"query": randn(*lead, nq, d, seed=1), "key": randn(*lead, nk, d, seed=2),
              "value": randn(*lead, nk, d, seed=3)}
    keep = torch.ones(*lead, nk, dtype=torch.bool)
    if B is not None and nk > 2:
        keep[-1, nk - 2:] = False                          # the last sequence is padded
    blocked = torch.ones(nq, nk, dtype=torch.bool).triu(1) if causal else None
    dy, ref, _ = module_grads(mha, inputs, mha_call(~keep, blocked))
    names = attention_names()
    w = module_params(mha, names)
    got = multi_head_attention_backward(dy.numpy(), *npy(inputs).values(), num_heads=h,
                                        mask=keep[..., None, :].numpy(), causal=causal, **w)
    assert_grads(got, ref)
    assert_grads(got, {k: v for k, v in module_params(mha, names, grad=True).items()
                       if v is not None})
    assert bias or all(got[k] is None for k in ("b_q", "b_k", "b_v", "b_o"))


@pytest.mark.formula("transformer.multi-head-backward")
def test_self_attention_gradient_is_the_sum_of_the_three_inputs():
    mha = randomize(torch.nn.MultiheadAttention(8, 2, batch_first=True, dtype=f64), seed=1)
    x = randn(2, 5, 8, seed=4)
    dy, ref = autograd(lambda x: mha(x, x, x, need_weights=False)[0], {"x": x})
    got = multi_head_attention_backward(dy.numpy(), x.numpy(), x.numpy(), x.numpy(),
                                        num_heads=2, **module_params(mha, attention_names()))
    assert_grads({"x": got["query"] + got["key"] + got["value"]}, ref)


@pytest.mark.formula("transformer.multi-head-backward")
def test_multi_head_backward_on_torch_tensors_returns_tensors():
    mha = randomize(torch.nn.MultiheadAttention(4, 2, batch_first=True, dtype=f64), seed=2)
    inputs = {k: randn(3, 4, seed=s) for s, k in enumerate(("query", "key", "value"))}
    dy, ref, _ = module_grads(mha, inputs, mha_call(None, None))
    w = {k: torch.as_tensor(v) for k, v in module_params(mha, attention_names()).items()}
    got = multi_head_attention_backward(dy, *inputs.values(), num_heads=2, **w)
    assert isinstance(got["query"], torch.Tensor) and isinstance(got["W_o"], torch.Tensor)
    assert_grads(got, ref)


# --- the encoder block ----------------------------------------------------------------------

BLOCK_CASES = [  # (batch or None, n, d_model, heads, d_ff)
    (None, 1, 4, 1, 8),
    (None, 5, 8, 2, 16),
    (2, 7, 8, 2, 16),
    (3, 5, 12, 4, 24),
]


def encoder_call(keep, causal):
    def call(layer, x):
        n = x.shape[-2]
        mask = torch.nn.Transformer.generate_square_subsequent_mask(n, dtype=f64) \
            if causal else None
        pad = None if keep is None else torch.zeros(keep.shape, dtype=f64).masked_fill(
            ~keep, -torch.inf)
        return layer(x, src_mask=mask, src_key_padding_mask=pad, is_causal=causal)
    return call


@pytest.mark.formula("transformer.block-backward")
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("case", BLOCK_CASES)
@pytest.mark.parametrize("causal", [False, True])
def test_encoder_block_backward_matches_autograd(norm_first, case, causal):
    B, n, d, h, d_ff = case
    lead = () if B is None else (B,)
    layer = randomize(torch.nn.TransformerEncoderLayer(
        d, h, dim_feedforward=d_ff, dropout=0.0, batch_first=True, norm_first=norm_first,
        dtype=f64), seed=n + d)
    keep = None
    if B is not None and n > 2:
        keep = torch.ones(B, n, dtype=torch.bool)
        keep[-1, n - 2:] = False
    dy, ref, y = module_grads(layer, {"x": randn(*lead, n, d, seed=3)},
                              encoder_call(keep, causal))
    names = layer_names(decoder=False)
    kw = dict(norm_first=norm_first, causal=causal,
              mask=None if keep is None else keep[:, None, :].numpy())
    x = randn(*lead, n, d, seed=3).numpy()
    np.testing.assert_allclose(transformer_encoder_block(x, module_params(layer, names), h, **kw),
                               y.numpy(), rtol=0, atol=1e-12)
    got = transformer_encoder_block_backward(dy.numpy(), x, module_params(layer, names), h, **kw)
    assert set(got) == {"x", *BLOCK_PARAMS}
    assert_grads(got, ref)
    assert_grads(got, module_params(layer, names, grad=True))


@pytest.mark.formula("transformer.block-backward")
def test_encoder_block_backward_without_biases_matches_autograd():
    layer = randomize(torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, bias=False,
                                                       batch_first=True, norm_first=True,
                                                       dtype=f64), seed=5)
    x = randn(2, 4, 8, seed=6)
    dy, ref, _ = module_grads(layer, {"x": x}, encoder_call(None, True))
    names = layer_names(decoder=False)
    got = transformer_encoder_block_backward(dy.numpy(), x.numpy(), module_params(layer, names),
                                             2, norm_first=True, causal=True)
    assert_grads(got, ref)
    assert_grads(got, {k: v for k, v in module_params(layer, names, grad=True).items()
                       if v is not None})
    assert got["b_q"] is None and got["beta_1"] is None


@pytest.mark.formula("transformer.block-backward")
def test_pre_ln_keeps_an_identity_path_post_ln_does_not():
    """With every sublayer's output weights at zero, pre-LN passes δy through unchanged."""
    layer = randomize(torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                                       dtype=f64), seed=7)
    p = module_params(layer, layer_names(decoder=False))
    p |= {"W_o": np.zeros((8, 8)), "W_2": np.zeros((8, 16))}
    x, dy = randn(3, 8, seed=8).numpy(), randn(3, 8, seed=9).numpy()
    pre = transformer_encoder_block_backward(dy, x, p, 2, norm_first=True)["x"]
    post = transformer_encoder_block_backward(dy, x, p, 2, norm_first=False)["x"]
    np.testing.assert_array_equal(pre, dy)
    assert np.abs(post - dy).max() > 0.1


@pytest.mark.formula("transformer.block-backward")
def test_weights_as_a_tuple_and_the_non_causal_default():
    """The weights may come as a tuple in ``BLOCK_PARAMS`` order; without ``causal`` every
    position attends to every other (an encoder), and the causal mask changes the result."""
    p = _block()
    rng = np.random.default_rng(3)
    x, dy = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    default = transformer_encoder_block_backward(dy, x, p, 2)
    as_tuple = transformer_encoder_block_backward(dy, x, tuple(p[n] for n in BLOCK_PARAMS), 2)
    for name, g in default.items():
        np.testing.assert_array_equal(as_tuple[name], g)
    np.testing.assert_array_equal(
        transformer_encoder_block_backward(dy, x, p, 2, causal=False)["x"], default["x"])
    causal = transformer_encoder_block_backward(dy, x, p, 2, causal=True)["x"]
    assert np.abs(causal - default["x"]).max() > 1e-3


# --- the comparison can fail ----------------------------------------------------------------

def test_negative_control_a_gradient_off_by_a_little_fails_the_comparison():
    layer = randomize(torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                                       dtype=f64), seed=10)
    x = randn(2, 5, 8, seed=11)
    dy, _, _ = module_grads(layer, {"x": x}, encoder_call(None, False))
    names = layer_names(decoder=False)
    got = transformer_encoder_block_backward(dy.numpy(), x.numpy(), module_params(layer, names),
                                             2, eps=1e-4)           # torch's eps is 1e-5
    with pytest.raises(AssertionError, match="max"):
        assert_grads(got, module_params(layer, names, grad=True))


# --- bad input ------------------------------------------------------------------------------

def _block(d=4, d_ff=6):
    rng = np.random.default_rng(0)
    p = {n: rng.normal(size=(d, d)) for n in ("W_q", "W_k", "W_v", "W_o")}
    p |= {n: rng.normal(size=d) for n in ("b_q", "b_k", "b_v", "b_o", "b_2", "gamma_1",
                                           "beta_1", "gamma_2", "beta_2")}
    return p | {"W_1": rng.normal(size=(d_ff, d)), "b_1": rng.normal(size=d_ff),
                "W_2": rng.normal(size=(d, d_ff))}


def _mha(**change):
    p = _block()
    args = dict(d_out=np.ones((3, 4)), query=np.ones((3, 4)), key=np.ones((5, 4)),
                value=np.ones((5, 4)), num_heads=2,
                **{k: p[k] for k in ("W_q", "W_k", "W_v", "W_o")})
    return lambda: multi_head_attention_backward(**(args | change))


def _enc(**change):
    args = dict(d_y=np.ones((3, 4)), x=np.ones((3, 4)), params=_block(), num_heads=2)
    return lambda: transformer_encoder_block_backward(**(args | change))


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: layer_norm_backward(np.ones((2, 3)), np.ones((2, 4))), ShapeError,
         ["layer_norm_backward", "`d_y`", "d=4", "(2, 3)"]),
        (lambda: layer_norm_backward(np.ones(3), np.ones(3), gamma=np.ones(4)), ShapeError,
         ["`gamma`", "d=3", "(4,)"]),
        (lambda: feed_forward_backward(np.ones((2, 4)), np.ones((2, 4)), np.ones((6, 4)), None,
                                       np.ones((4, 5)), None), ShapeError,
         ["feed_forward_backward", "`W_2`", "d_ff=6", "(4, 5)"]),
        (lambda: feed_forward_backward(np.ones((3, 4)), np.ones((2, 4)), np.ones((6, 4)), None,
                                       np.ones((4, 6)), None), ShapeError,
         ["`d_y`", "leading axes (2,) of `x`", "(3, 4)"]),
        (lambda: multi_head_attention_backward(np.ones((3, 4)), np.ones((3, 4)), np.ones((5, 4)),
                                               np.ones((5, 4)), *[np.ones((4, 4))] * 4, 3),
         ValueError, ["multi_head_attention_backward", "`num_heads`=3"]),
        (lambda: transformer_encoder_block_backward(np.ones((3, 5)), np.ones((3, 4)), _block(), 2),
         ShapeError, ["transformer_encoder_block_backward", "`d_y`", "(3, 5)"]),
        (_mha(num_heads=3), ValueError, ["multi_head_attention_backward", "`num_heads`=3",
                                         "divisible"]),
        (_mha(d_out=np.ones((3, 5))), ShapeError, ["`d_out`", "(3, 5)"]),
        (_mha(value=np.ones((4, 4))), ShapeError, ["`value`", "n_k=5", "(4, 4)"]),
        (_mha(W_o=np.ones((4, 3))), ShapeError, ["`W_o`", "(4, 3)"]),
        (_mha(mask=np.ones((3, 4), dtype=bool)), ShapeError, ["`mask`", "(3, 5)", "(3, 4)"]),
        (_mha(mask=np.zeros(5, dtype=bool)), ValueError, ["`mask`", "every key"]),
        (_enc(params={**_block(), "W_x": np.ones(2)}), KeyError,
         ["transformer_encoder_block_backward", "`params`", "unknown ['W_x']"]),
        (_enc(x=np.ones((3, 5))), ShapeError, ["`x`", "(3, 5)"]),
        (_enc(mask=np.array([False, True, True]), causal=True), ValueError,
         ["`mask`", "every key"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


@pytest.mark.gpu
@pytest.mark.formula("transformer.block-backward")
def test_cuda_encoder_block_backward_matches_autograd():
    dev = torch.device("cuda")
    layer = randomize(torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                                       norm_first=True, dtype=f64), seed=12)
    x = randn(2, 5, 8, seed=13)
    dy, ref, _ = module_grads(layer, {"x": x}, encoder_call(None, True))
    names = layer_names(decoder=False)
    p = {k: torch.as_tensor(v, device=dev) for k, v in module_params(layer, names).items()}
    got = transformer_encoder_block_backward(dy.to(dev), x.to(dev), p, 2, norm_first=True,
                                             causal=True)
    assert got["x"].device.type == "cuda"
    assert_grads(got, ref)
