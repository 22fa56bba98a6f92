"""What the Transformer page claims in words, checked by computation.

Each test names the section it backs. Costs are counted with PyTorch's own FLOP counter
(torch.utils.flop_counter) running seqcore's functions on torch tensors: the count is the
library's, not ours.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    feed_forward,
    multi_head_attention,
    positional_encoding,
    scaled_dot_product_attention,
    transformer_encoder_block,
)
from tests._require import require

torch = require("torch")
flop_counter = require("torch.utils.flop_counter")
f64 = torch.float64


def block_weights(d: int, d_ff: int, seed: int = 0, torch_tensors: bool = False) -> dict:
    g = torch.Generator().manual_seed(seed)

    def w(*shape):
        return torch.randn(*shape, generator=g, dtype=f64) / shape[-1] ** 0.5

    p = {n: w(d, d) for n in ("W_q", "W_k", "W_v", "W_o")}
    p |= {"W_1": w(d_ff, d), "W_2": w(d, d_ff), "b_1": w(d_ff), "b_2": w(d)}
    p |= {n: None for n in ("b_q", "b_k", "b_v", "b_o")}
    p |= {"gamma_1": 1 + w(d), "beta_1": w(d), "gamma_2": 1 + w(d), "beta_2": w(d)}
    if torch_tensors:
        return p
    return {k: None if v is None else v.numpy() for k, v in p.items()}


def flops(fn) -> int:
    with flop_counter.FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


@pytest.mark.formula("transformer.multi-head")
@pytest.mark.parametrize("heads", [2, 4, 8])
def test_h_heads_cost_what_one_full_width_head_costs(heads):
    """transformer § multi-head attention: each head is d_model/h wide, so h heads cost about
    as much as one head of width d_model (here: exactly as many multiply-adds)."""
    d, n = 32, 20
    p = block_weights(d, 4 * d, torch_tensors=True)
    x = torch.randn(n, d, dtype=f64)
    W = [p[k] for k in ("W_q", "W_k", "W_v", "W_o")]
    one = flops(lambda: multi_head_attention(x, x, x, *W, num_heads=1))
    many = flops(lambda: multi_head_attention(x, x, x, *W, num_heads=heads))
    assert one == many > 0


def decoding_step_flops(n: int, d: int, d_ff: int, heads: int, cache: bool) -> int:
    """FLOPs of one layer for one new token after n earlier ones, with or without a cache."""
    p = block_weights(d, d_ff, torch_tensors=True)
    earlier, new = torch.randn(n, d, dtype=f64), torch.randn(1, d, dtype=f64)
    K_cache = (earlier @ p["W_k"].T).reshape(n, heads, d // heads).transpose(0, 1)
    V_cache = (earlier @ p["W_v"].T).reshape(n, heads, d // heads).transpose(0, 1)

    def with_cache():
        split = lambda t: t.reshape(1, heads, d // heads).transpose(0, 1)  # noqa: E731
        q, k, v = (split(new @ p[w].T) for w in ("W_q", "W_k", "W_v"))    # 3 projections
        K, V = torch.cat([K_cache, k], dim=1), torch.cat([V_cache, v], dim=1)
        out, _ = scaled_dot_product_attention(q, K, V)                     # n + 1 keys
        y = out.transpose(0, 1).reshape(1, d) @ p["W_o"].T
        return feed_forward(y, p["W_1"], p["b_1"], p["W_2"], p["b_2"])

    def without_cache():
        X = torch.cat([earlier, new])                          # every key and value again
        y, _ = multi_head_attention(new, X, X, p["W_q"], p["W_k"], p["W_v"], p["W_o"],
                                    num_heads=heads)
        return feed_forward(y, p["W_1"], p["b_1"], p["W_2"], p["b_2"])

    return flops(with_cache if cache else without_cache)


@pytest.mark.formula("transformer.self-attention", "transformer.ffn")
def test_a_key_value_cache_makes_one_token_cost_n_d_plus_d_squared():
    """transformer § questions, 'always faster': with a key–value cache one new token costs
    O(n·d + d²) per layer — each earlier token adds exactly 4d FLOPs (q·k and α·v), the rest
    does not depend on n; without the cache each earlier token costs two d×d projections."""
    d, d_ff, h = 32, 128, 4
    cached = {n: decoding_step_flops(n, d, d_ff, h, cache=True) for n in (16, 64, 256)}
    plain = {n: decoding_step_flops(n, d, d_ff, h, cache=False) for n in (16, 64, 256)}
    for table, per_token in ((cached, 4 * d), (plain, 4 * d * d + 4 * d)):
        slopes = {(b - a) // (m - n) for (n, a), (m, b) in zip(list(table.items())[:-1],
                                                                list(table.items())[1:],
                                                                strict=True)}
        assert slopes == {per_token}
    # what stays: 4 projections (q, k, v, out) and the FFN of one token, 2·(4d² + 2·d·d_ff)
    assert cached[16] - 4 * d * 17 == 2 * (4 * d * d + 2 * d * d_ff)


@pytest.mark.formula("transformer.positional-encoding")
def test_the_inner_product_of_two_encodings_depends_only_on_their_distance():
    """transformer § positional encoding: PE(p)·PE(q) = Σ_i cos((p − q) ω_i)."""
    d, n = 64, 200
    PE = positional_encoding(n, d)
    G = PE @ PE.T
    omega = 10000.0 ** (-np.arange(0, d, 2) / d)
    dist = np.subtract.outer(np.arange(n), np.arange(n))
    np.testing.assert_allclose(G, np.cos(dist[..., None] * omega).sum(-1), rtol=0, atol=1e-9)


@pytest.mark.formula("transformer.self-attention")
def test_self_attention_without_positions_is_permutation_equivariant():
    """transformer § positional encoding: permuting the input rows permutes the output rows,
    so without positions "나는 커피를 마신다" and "커피를 나는 마신다" are the same bag."""
    rng = np.random.default_rng(3)
    p, x = block_weights(16, 32), rng.normal(size=(7, 16))
    perm = rng.permutation(7)
    y = transformer_encoder_block(x, p, num_heads=4)
    np.testing.assert_allclose(transformer_encoder_block(x[perm], p, num_heads=4), y[perm],
                               rtol=0, atol=1e-12)
    PE = positional_encoding(7, 16)                        # with positions it is no longer so
    with_pos = transformer_encoder_block(x + PE, p, num_heads=4)
    assert np.abs(transformer_encoder_block(x[perm] + PE, p, num_heads=4)
                  - with_pos[perm]).max() > 1e-2


@pytest.mark.formula("transformer.post-ln", "attention.causal-mask")
def test_a_causal_block_never_reads_later_tokens():
    """transformer § encoder-only, decoder-only: a decoder-only block is a block with a causal
    mask; its output at position i is the same whatever follows i."""
    rng = np.random.default_rng(4)
    p, x = block_weights(16, 32), rng.normal(size=(6, 16))
    changed = x.copy()
    changed[4:] = rng.normal(size=(2, 16))
    causal = [transformer_encoder_block(v, p, num_heads=2, causal=True) for v in (x, changed)]
    np.testing.assert_allclose(causal[0][:4], causal[1][:4], rtol=0, atol=1e-12)
    full = [transformer_encoder_block(v, p, num_heads=2) for v in (x, changed)]
    assert np.abs(full[0][:4] - full[1][:4]).max() > 1e-2   # an encoder block does read them


@pytest.mark.formula("transformer.post-ln", "transformer.pre-ln")
def test_post_ln_and_pre_ln_are_different_functions_of_the_same_weights():
    """transformer § questions, post-LN or pre-LN: same parameters, different outputs."""
    p, x = block_weights(16, 32), np.random.default_rng(5).normal(size=(5, 16))
    post = transformer_encoder_block(x, p, num_heads=2)
    pre = transformer_encoder_block(x, p, num_heads=2, norm_first=True)
    assert np.abs(post - pre).max() > 1e-1


@pytest.mark.formula("transformer.post-ln")
def test_rows_of_tokens_never_seen_get_no_gradient():
    """transformer § 'stored in advance' (note 003, the author's remark): a lookup reads only
    the rows of the tokens in the batch, so the rows of every other token — a row added for a
    new token included — get a gradient of exactly zero and stay as initialized."""
    V, d = 12, 8
    E = torch.randn(V, d, dtype=f64, requires_grad=True)
    p = block_weights(d, 16, torch_tensors=True)
    tokens = torch.tensor([[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]])
    y = transformer_encoder_block(E[tokens], p, num_heads=2)
    (y ** 2).sum().backward()
    seen = torch.zeros(V, dtype=torch.bool)
    seen[tokens.unique()] = True
    assert (E.grad[~seen] == 0).all()
    assert (E.grad[seen].abs().sum(-1) > 0).all()
