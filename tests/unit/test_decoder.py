"""The decoder block, the tied embeddings and the key–value cache against PyTorch.

The decoder block is compared with ``torch.nn.TransformerDecoderLayer`` (float64, the same
weights, ``norm_first`` both ways, dropout 0, ReLU), forward and every gradient; the tied
embedding with ``nn.Embedding`` + ``F.linear`` in a small decoder-only language model trained
by autograd; incremental decoding with the cache against recomputing the whole prefix.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcore import (
    DECODER_PARAMS,
    KVCache,
    ShapeError,
    decoder_block_step,
    layer_norm,
    layer_norm_backward,
    mean_cross_entropy,
    positional_encoding,
    tied_output_backward,
    tied_output_logits,
    transformer_decoder_block,
    transformer_decoder_block_backward,
    transformer_embedding,
    transformer_embedding_backward,
    transformer_encoder_block,
    transformer_encoder_block_backward,
)
from tests.unit.errors import assert_error_names
from tests.unit.transformer_refs import (
    assert_grads,
    f64,
    layer_names,
    module_params,
    randn,
    randomize,
    torch,
)

F = torch.nn.functional
TOL = 1e-12


def decoder_layer(d, h, d_ff, norm_first, seed, bias=True):
    return randomize(torch.nn.TransformerDecoderLayer(
        d, h, dim_feedforward=d_ff, dropout=0.0, batch_first=True, norm_first=norm_first,
        bias=bias, dtype=f64), seed)


def torch_decoder(layer, x, memory, tgt_keep=None, mem_keep=None):
    n = x.shape[-2]
    return layer(x, memory, tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(
        n, dtype=f64), tgt_is_causal=True,
        tgt_key_padding_mask=None if tgt_keep is None else _additive(tgt_keep),
        memory_key_padding_mask=None if mem_keep is None else _additive(mem_keep))


def _additive(keep):
    # torch wants one kind of mask for both: float, -inf where blocked
    return torch.zeros(keep.shape, dtype=f64).masked_fill(~keep, -torch.inf)


DECODER_CASES = [  # (batch or None, n, n_mem, d_model, heads, d_ff)
    (None, 1, 1, 4, 1, 8),
    (None, 5, 3, 8, 2, 16),
    (2, 6, 7, 8, 4, 16),
    (3, 4, 5, 12, 3, 24),
]


# --- the decoder block ----------------------------------------------------------------------

@pytest.mark.formula("transformer.decoder-post-ln", "transformer.decoder-pre-ln",
                     "transformer.decoder-backward")
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("case", DECODER_CASES)
def test_decoder_block_and_its_backward_match_torch(norm_first, case):
    B, n, m, d, h, d_ff = case
    lead = () if B is None else (B,)
    layer = decoder_layer(d, h, d_ff, norm_first, seed=n + m + d)
    x = randn(*lead, n, d, seed=1).requires_grad_()
    memory = randn(*lead, m, d, seed=2).requires_grad_()
    mem_keep = None
    if B is not None:
        mem_keep = torch.ones(B, m, dtype=torch.bool)
        mem_keep[-1, m - 2:] = False                       # the last source is padded
    y = torch_decoder(layer, x, memory, mem_keep=mem_keep)
    dy = randn(*y.shape, seed=3)
    y.backward(dy)
    names = layer_names(decoder=True)
    p = module_params(layer, names)
    kw = dict(norm_first=norm_first,
              memory_mask=None if mem_keep is None else mem_keep[:, None, :].numpy())
    args = (x.detach().numpy(), memory.detach().numpy(), p, h)
    np.testing.assert_allclose(transformer_decoder_block(*args, **kw), y.detach().numpy(),
                               rtol=0, atol=TOL)
    got = transformer_decoder_block_backward(dy.numpy(), *args, **kw)
    assert set(got) == {"x", "memory", *DECODER_PARAMS}
    assert_grads(got, {"x": x.grad, "memory": memory.grad})
    assert_grads(got, module_params(layer, names, grad=True))


@pytest.mark.formula("transformer.decoder-post-ln", "transformer.decoder-pre-ln",
                     "transformer.decoder-backward")
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_block_with_target_padding_and_no_biases_matches_torch(norm_first):
    layer = decoder_layer(8, 2, 16, norm_first, seed=4, bias=False)
    x, memory = randn(2, 5, 8, seed=5).requires_grad_(), randn(2, 4, 8, seed=6).requires_grad_()
    tgt_keep = torch.ones(2, 5, dtype=torch.bool)
    tgt_keep[1, 3:] = False                                # right padding keeps the diagonal
    y = torch_decoder(layer, x, memory, tgt_keep=tgt_keep)
    dy = randn(*y.shape, seed=7)
    y.backward(dy)
    names = layer_names(decoder=True)
    args = (x.detach().numpy(), memory.detach().numpy(), module_params(layer, names), 2)
    mask = tgt_keep[:, None, :].numpy()
    np.testing.assert_allclose(transformer_decoder_block(*args, mask=mask, norm_first=norm_first),
                               y.detach().numpy(), rtol=0, atol=TOL)
    got = transformer_decoder_block_backward(dy.numpy(), *args, mask=mask, norm_first=norm_first)
    assert_grads(got, {"x": x.grad, "memory": memory.grad})
    assert_grads(got, {k: v for k, v in module_params(layer, names, grad=True).items()
                       if v is not None})
    assert got["cross_b_q"] is None and got["beta_3"] is None


@pytest.mark.formula("transformer.decoder-pre-ln")
def test_decoder_block_on_torch_tensors():
    layer = decoder_layer(8, 2, 16, True, seed=8)
    x, memory = randn(3, 8, seed=9), randn(4, 8, seed=10)
    p = {k: torch.as_tensor(v) for k, v in module_params(layer, layer_names(True)).items()}
    y = transformer_decoder_block(x, memory, p, 2, norm_first=True)
    assert isinstance(y, torch.Tensor)
    torch.testing.assert_close(y, torch_decoder(layer, x, memory).detach(), rtol=0, atol=TOL)


# --- embeddings, weight tying, and a small decoder-only language model -----------------------

@pytest.mark.formula("transformer.embedding")
@pytest.mark.parametrize("ids", [[3], [0, 4, 4, 1], [[1, 2, 0], [4, 4, 3]]])
@pytest.mark.parametrize("offset", [0, 5])
def test_embedding_is_scaled_lookup_plus_the_papers_encoding(ids, offset):
    d, V = 6, 5
    emb = torch.nn.Embedding(V, d, dtype=f64)
    ids_t = torch.tensor(ids)
    n = ids_t.shape[-1]
    pos = torch.arange(offset, offset + n, dtype=f64)[:, None]
    i = torch.arange(0, d, 2, dtype=f64)
    pe = torch.zeros(n, d, dtype=f64)                      # section 3.5 of the paper
    pe[:, 0::2] = torch.sin(pos / 10000 ** (i / d))
    pe[:, 1::2] = torch.cos(pos / 10000 ** (i / d))
    expected = (emb(ids_t) * math.sqrt(d) + pe).detach().numpy()
    E = emb.weight.detach().numpy()
    got = transformer_embedding(np.array(ids), E, offset=offset)
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOL)
    table = positional_encoding(offset + n + 3, d)         # a longer table made once
    np.testing.assert_allclose(transformer_embedding(np.array(ids), E, offset, table),
                               expected, rtol=0, atol=TOL)


@pytest.mark.formula("transformer.tied-output")
def test_tied_output_is_a_linear_layer_with_the_embedding_weight():
    emb, b = torch.nn.Embedding(7, 4, dtype=f64), randn(7, seed=1)
    h = randn(2, 3, 4, seed=2)
    expected = F.linear(h, emb.weight, b).detach().numpy()
    got = tied_output_logits(h.numpy(), emb.weight.detach().numpy(), b.numpy())
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOL)
    # without a bias there is no bias gradient
    grads = tied_output_backward(np.ones((2, 3, 7)), h.numpy(), emb.weight.detach().numpy())
    assert grads["b"] is None and grads["h"].shape == (2, 3, 4)


class TinyGPT(torch.nn.Module):
    """A decoder-only LM from torch.nn modules: √d-scaled tied embedding + sinusoidal
    positions, pre-LN causal blocks, a final layer norm, logits through the same table."""

    def __init__(self, V, d, h, d_ff, layers, seed):
        super().__init__()
        torch.manual_seed(seed)
        self.emb = torch.nn.Embedding(V, d, dtype=f64)
        self.blocks = torch.nn.ModuleList(randomize(torch.nn.TransformerEncoderLayer(
            d, h, d_ff, dropout=0.0, batch_first=True, norm_first=True, dtype=f64), seed + i)
            for i in range(layers))
        self.norm = randomize(torch.nn.LayerNorm(d, dtype=f64), seed)
        self.bias = torch.nn.Parameter(randn(V, seed=seed))
        self.d, self.h = d, h

    def forward(self, ids):
        n = ids.shape[-1]
        x = self.emb(ids) * math.sqrt(self.d) + torch.as_tensor(positional_encoding(n, self.d))
        causal = torch.nn.Transformer.generate_square_subsequent_mask(n, dtype=f64)
        for block in self.blocks:
            x = block(x, src_mask=causal, is_causal=True)
        return F.linear(self.norm(x), self.emb.weight, self.bias)

    def numpy_params(self):
        names = layer_names(decoder=False)
        return ([module_params(b, names) for b in self.blocks],
                {"E": self.emb.weight.detach().numpy(), "b": self.bias.detach().numpy(),
                 "gamma": self.norm.weight.detach().numpy(),
                 "beta": self.norm.bias.detach().numpy()})


def seqcore_gpt_grads(model: TinyGPT, ids: np.ndarray, targets: np.ndarray, tied: bool = True):
    """Loss and gradients of the same model, every backward pass by hand."""
    blocks, top = model.numpy_params()
    x0 = transformer_embedding(ids, top["E"])
    xs = [x0]
    for p in blocks:
        xs.append(transformer_encoder_block(xs[-1], p, model.h, norm_first=True, causal=True))
    hN = layer_norm(xs[-1], top["gamma"], top["beta"])
    logits = tied_output_logits(hN, top["E"], top["b"])
    loss, d_logits = mean_cross_entropy(logits, targets)
    out = tied_output_backward(d_logits, hN, top["E"], top["b"])
    g_ln = layer_norm_backward(out["h"], xs[-1], top["gamma"], top["beta"])
    dx, grads = g_ln["x"], []
    for p, x in zip(reversed(blocks), reversed(xs[:-1]), strict=True):
        g = transformer_encoder_block_backward(dx, x, p, model.h, norm_first=True, causal=True)
        dx = g.pop("x")
        grads.insert(0, g)
    # weight tying: the table's gradient is the output layer's share plus the input's
    dE = transformer_embedding_backward(dx, ids, top["E"], d_E=out["E"] if tied else None)
    return loss, grads, {"E": dE, "b": out["b"], "gamma": g_ln["gamma"], "beta": g_ln["beta"]}


@pytest.mark.formula("transformer.embedding-backward", "transformer.output-backward",
                     "transformer.tied-output", "transformer.embedding")
@pytest.mark.parametrize("batch", [None, 3])
def test_tied_gradients_of_a_small_decoder_only_lm_match_autograd(batch):
    V, d, h, d_ff, n = 11, 8, 2, 16, 6
    model = TinyGPT(V, d, h, d_ff, layers=2, seed=3)
    rng = np.random.default_rng(4)
    shape = (n,) if batch is None else (batch, n)
    ids, targets = rng.integers(0, V, size=shape), rng.integers(0, V, size=shape)
    logits = model(torch.as_tensor(ids))
    ref_loss = F.cross_entropy(logits.reshape(-1, V), torch.as_tensor(targets).reshape(-1))
    ref_loss.backward()
    loss, grads, top = seqcore_gpt_grads(model, ids, targets)
    assert abs(float(loss) - ref_loss.item()) < TOL
    assert_grads(top, {"E": model.emb.weight.grad, "b": model.bias.grad,
                       "gamma": model.norm.weight.grad, "beta": model.norm.bias.grad})
    names = layer_names(decoder=False)
    for g, block in zip(grads, model.blocks, strict=True):
        assert_grads(g, module_params(block, names, grad=True))
    # the table's gradient is really the sum of its two uses
    untied_out = tied_output_backward(np.zeros((1, V)), np.zeros((1, d)), top["E"])["E"]
    assert not np.allclose(top["E"], untied_out)


def test_negative_control_the_table_gradient_without_its_output_share_fails():
    V = 11
    model = TinyGPT(V, 8, 2, 16, layers=1, seed=5)
    rng = np.random.default_rng(6)
    ids, targets = rng.integers(0, V, size=(2, 5)), rng.integers(0, V, size=(2, 5))
    F.cross_entropy(model(torch.as_tensor(ids)).reshape(-1, V),
                    torch.as_tensor(targets).reshape(-1)).backward()
    _, _, top = seqcore_gpt_grads(model, ids, targets, tied=False)
    with pytest.raises(AssertionError, match="max"):
        assert_grads({"E": top["E"]}, {"E": model.emb.weight.grad})


# --- incremental decoding with the key-value cache ------------------------------------------

@pytest.mark.formula("transformer.kv-cache")
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch", [None, 2])
@pytest.mark.parametrize("with_memory", [False, True])
def test_cached_steps_equal_the_block_on_the_whole_prefix(norm_first, batch, with_memory):
    n, m, d, h = 7, 5, 8, 2
    lead = () if batch is None else (batch,)
    X, memory = randn(*lead, n, d, seed=1).numpy(), randn(*lead, m, d, seed=2).numpy()
    if with_memory:
        p = module_params(decoder_layer(d, h, 16, norm_first, seed=3), layer_names(True))
        mem_keep = np.ones((*lead, 1, m), dtype=bool)
        mem_keep[..., -1] = False
        full = transformer_decoder_block(X, memory, p, h, norm_first=norm_first,
                                         memory_mask=mem_keep)
        kw = dict(memory=memory, memory_mask=mem_keep)
    else:
        layer = randomize(torch.nn.TransformerEncoderLayer(d, h, 16, dropout=0.0,
                                                           batch_first=True, dtype=f64), 4)
        p = module_params(layer, layer_names(False))
        full = transformer_encoder_block(X, p, h, norm_first=norm_first, causal=True)
        kw = {}
    cache = KVCache(max_len=n)
    steps = [decoder_block_step(X[..., t, :], p, h, cache, norm_first=norm_first, **kw)
             for t in range(n)]
    np.testing.assert_allclose(np.stack(steps, axis=-2), full, rtol=0, atol=TOL)
    assert len(cache) == n and cache.keys.shape == (*lead, h, n, d // h)


def greedy(step_logits, first: int, steps: int) -> tuple[list[int], np.ndarray]:
    tokens, rows = [first], []
    for _ in range(steps):
        row = step_logits(tokens)
        rows.append(row)
        tokens.append(int(np.argmax(row)))
    return tokens, np.stack(rows)


@pytest.mark.formula("transformer.kv-cache")
def test_greedy_decoding_with_the_cache_gives_the_tokens_and_logits_of_recomputation():
    model = TinyGPT(V=13, d=8, h=2, d_ff=16, layers=2, seed=7)
    blocks, top = model.numpy_params()
    n = 12
    pe = positional_encoding(n, 8)

    def recompute(tokens):                                  # the whole prefix, every time
        x = transformer_embedding(np.array(tokens), top["E"], pe=pe)
        for p in blocks:
            x = transformer_encoder_block(x, p, model.h, norm_first=True, causal=True)
        return tied_output_logits(layer_norm(x[-1], top["gamma"], top["beta"]), top["E"],
                                  top["b"])

    caches = [KVCache(n) for _ in blocks]

    def cached(tokens):                                     # only the newest token
        x = transformer_embedding(np.array(tokens[-1:]), top["E"], len(tokens) - 1, pe)[0]
        for p, cache in zip(blocks, caches, strict=True):
            x = decoder_block_step(x, p, model.h, cache, norm_first=True)
        return tied_output_logits(layer_norm(x, top["gamma"], top["beta"]), top["E"], top["b"])

    tokens_a, logits_a = greedy(recompute, 3, n - 1)
    tokens_b, logits_b = greedy(cached, 3, n - 1)
    assert tokens_a == tokens_b
    np.testing.assert_allclose(logits_b, logits_a, rtol=0, atol=TOL)
    # and the torch model agrees with both
    ref = model(torch.as_tensor(tokens_a[:-1])).detach().numpy()
    np.testing.assert_allclose(logits_a, ref, rtol=0, atol=TOL)


@pytest.mark.formula("transformer.kv-cache")
def test_a_truncated_cache_decodes_again_from_there():
    layer = randomize(torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True,
                                                       dtype=f64), 9)
    p = module_params(layer, layer_names(False))
    X = randn(5, 4, seed=10).numpy()
    cache = KVCache(5)
    first = [decoder_block_step(x, p, 2, cache) for x in X]
    cache.truncate(2)
    again = [decoder_block_step(x, p, 2, cache) for x in X[2:]]
    np.testing.assert_allclose(np.stack(again), np.stack(first[2:]), rtol=0, atol=TOL)


@pytest.mark.formula("transformer.kv-cache")
def test_cached_steps_on_torch_tensors():
    layer = randomize(torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                                       norm_first=True, dtype=f64), 11)
    p = {k: torch.as_tensor(v) for k, v in module_params(layer, layer_names(False)).items()}
    X = randn(2, 5, 8, seed=12)
    cache = KVCache(5)
    steps = torch.stack([decoder_block_step(X[:, t], p, 2, cache, norm_first=True)
                         for t in range(5)], dim=1)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=f64)
    torch.testing.assert_close(steps, layer(X, src_mask=mask, is_causal=True).detach(),
                               rtol=0, atol=TOL)


# --- bad input ------------------------------------------------------------------------------

def _p(decoder=True, d=4, d_ff=6):
    rng = np.random.default_rng(0)
    names = DECODER_PARAMS if decoder else DECODER_PARAMS[:16]
    p = {n: rng.normal(size=(d, d)) if n[-3:-1] == "W_" else rng.normal(size=d) for n in names}
    return p | {"W_1": rng.normal(size=(d_ff, d)), "b_1": rng.normal(size=d_ff),
                "W_2": rng.normal(size=(d, d_ff))}


def _dec(**change):
    args = dict(x=np.ones((3, 4)), memory=np.ones((5, 4)), params=_p(), num_heads=2)
    return lambda: transformer_decoder_block(**(args | change))


def _dec_back(**change):
    args = dict(d_y=np.ones((3, 4)), x=np.ones((3, 4)), memory=np.ones((5, 4)), params=_p(),
                num_heads=2)
    return lambda: transformer_decoder_block_backward(**(args | change))


def _step(cache=None, **change):
    cache = KVCache(3) if cache is None else cache
    args = dict(x=np.ones(4), params=_p(False), num_heads=2, cache=cache)
    return lambda: decoder_block_step(**(args | change))


def _full_cache():
    cache = KVCache(2)
    for _ in range(2):
        _step(cache)()
    return cache


def _batch_cache():
    cache = KVCache(3)
    _step(cache, x=np.ones((2, 4)))()
    return cache


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (_dec(memory=np.ones((5, 6))), ShapeError,
         ["transformer_decoder_block", "`memory`", "d_model=4", "(5, 6)"]),
        (_dec(memory=np.ones((2, 5, 4))), ShapeError, ["`memory`", "(2, 5, 4)"]),
        # the same refusals called by name (the bad-input inventory reads the names)
        (lambda: transformer_decoder_block(np.ones((3, 4)), np.ones((5, 6)), _p(), 2),
         ShapeError, ["transformer_decoder_block", "`memory`", "d_model=4", "(5, 6)"]),
        (lambda: transformer_decoder_block_backward(np.ones((3, 5)), np.ones((3, 4)),
                                                    np.ones((5, 4)), _p(), 2),
         ShapeError, ["transformer_decoder_block_backward", "`d_y`", "(3, 5)"]),
        (lambda: decoder_block_step(np.ones((2, 3, 4)), _p(False), 2, KVCache(3)),
         ShapeError, ["decoder_block_step", "`x`", "(2, 3, 4)"]),
        (_dec(params=_p(False)), KeyError, ["`params`", "missing ['cross_W_q'"]),
        (_dec(num_heads=3), ValueError, ["`num_heads`=3", "divisible"]),
        (_dec(memory_mask=np.ones((3, 4), dtype=bool)), ShapeError,
         ["`memory_mask`", "(3, 5)"]),
        (_dec(memory_mask=np.zeros(5, dtype=bool)), ValueError, ["`memory_mask`", "every key"]),
        (_dec(mask=np.array([False, True, True])), ValueError, ["`mask`", "every key"]),
        (_dec_back(d_y=np.ones((3, 5))), ShapeError,
         ["transformer_decoder_block_backward", "`d_y`", "(3, 5)"]),
        (_dec_back(memory=np.ones((5, 3))), ShapeError, ["`memory`", "d_model=4"]),
        (lambda: transformer_embedding(np.array([0, 5]), np.ones((5, 4))), IndexError,
         ["transformer_embedding", "`ids`", "[0, 4]", "5"]),
        (lambda: transformer_embedding(np.array([0, 1]), np.ones((5, 3))), ShapeError,
         ["`E`", "a multiple of 2", "(5, 3)"]),
        (lambda: transformer_embedding(np.array([0, 1]), np.ones((5, 6)), offset=3,
                                       pe=positional_encoding(4, 6)),
         ValueError, ["positions 3..4", "4 rows of `pe`", "as long as the longest sequence"]),
        (lambda: transformer_embedding(np.array([0]), np.ones((5, 4)), pe=np.ones((3, 6))),
         ShapeError, ["`pe`", "(3, 4)", "half=2", "(3, 6)"]),
        (lambda: transformer_embedding_backward(np.ones((2, 4)), np.array([0, 1, 2]),
                                                np.ones((5, 4))),
         ShapeError, ["transformer_embedding_backward", "`d_x`", "(2, 4)"]),
        (lambda: transformer_embedding_backward(np.ones((2, 4)), np.array([0, 1]),
                                                np.ones((5, 4)), d_E=np.ones((4, 4))),
         ShapeError, ["`d_E`", "vocab=5", "(4, 4)"]),
        (lambda: tied_output_logits(np.ones((2, 3)), np.ones((5, 4))), ShapeError,
         ["tied_output_logits", "`h`", "d_model=4", "(2, 3)"]),
        (lambda: tied_output_logits(np.ones(4), np.ones((5, 4)), np.ones(4)), ShapeError,
         ["`b`", "vocab=5", "(4,)"]),
        (lambda: tied_output_backward(np.ones((2, 4)), np.ones((2, 4)), np.ones((5, 4))),
         ShapeError, ["tied_output_backward", "`d_logits`", "vocab=5", "(2, 4)"]),
        (lambda: KVCache(3).truncate(1), ValueError, ["truncate", "`length`", "[0, 0]", "1"]),
        (_step(cache=_full_cache()), ValueError,
         ["decoder_block_step", "`cache` is full", "max_len=2", "make KVCache(max_len)"]),
        (_step(cache=_batch_cache()), ShapeError, ["`cache` holds keys", "(2, 2, 3, 2)",
                                                   "one cache per block and batch"]),
        (_step(cache="cache"), TypeError, ["`cache`", "KVCache", "str"]),
        (_step(memory=np.ones((5, 4))), KeyError, ["`params`", "missing ['cross_W_q'"]),
        (_step(params=_p(True)), KeyError, ["`params`", "unknown ['cross_W_q'"]),
        (_dec_back(params=_p(False)), KeyError, ["`params`", "missing ['cross_W_q'"]),
        (_step(params=_p(True), memory=np.ones((5, 6))), ShapeError,
         ["decoder_block_step", "`memory`", "d_model=4", "(5, 6)"]),
        (_step(params=_p(True), memory=np.ones((5, 4)), memory_mask=np.zeros(5, dtype=bool)),
         ValueError, ["`memory_mask`", "every key"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


@pytest.mark.gpu
@pytest.mark.formula("transformer.kv-cache")
def test_cuda_cached_steps_equal_the_whole_prefix():
    dev = torch.device("cuda")
    layer = randomize(torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                                       norm_first=True, dtype=f64), 13)
    p = {k: torch.as_tensor(v, device=dev) for k, v in
         module_params(layer, layer_names(False)).items()}
    X = randn(2, 6, 8, seed=14).to(dev)
    cache = KVCache(6)
    steps = torch.stack([decoder_block_step(X[:, t], p, 2, cache, norm_first=True)
                         for t in range(6)], dim=1)
    full = transformer_encoder_block(X, p, 2, norm_first=True, causal=True)
    assert steps.device.type == "cuda"
    torch.testing.assert_close(steps, full, rtol=0, atol=TOL)
