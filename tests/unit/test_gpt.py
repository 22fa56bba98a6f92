"""The small GPT against the same model built from torch.nn modules, in float64.

The reference is ``nn.Embedding`` (scaled by √d_model, plus the sinusoidal positions
computed here in torch), ``nn.TransformerEncoderLayer`` with ``norm_first=True`` and a
causal mask per block, a final ``nn.LayerNorm``, and the output layer tied to the
embedding (``F.linear`` with the embedding's weight), differentiated by autograd and
trained by ``torch.optim.AdamW`` with ``clip_grad_norm_``. From the same initial weights
and the same batches the two runs must agree at every step to float64 rounding.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from seqcore import (
    GPT,
    Optimizer,
    ShapeError,
    clip_grad_norm,
    log_softmax,
    sequential_batches,
    warmup_cosine_lr,
)
from seqcore._validate import MissingKeysError, OutOfRangeError
from tests.conftest import ROOT
from tests.unit.errors import assert_error_names
from tests.unit.torch_refs import torch_update
from tests.unit.transformer_refs import f64, layer_names, torch

F = torch.nn.functional
V = 13
RESULTS = ROOT / "build" / "gpt_reference.json"


def _model(d=8, h=2, L=2, f=12, ctx=7, seed=3):
    gpt = GPT(V, d, h, L, f, ctx)
    params = gpt.init_params(seed=seed)
    # move every weight off its initial value (γ, β and biases too), so each one counts
    rng = np.random.default_rng(seed + 1)
    return gpt, {k: v + 0.1 * rng.normal(size=v.shape) for k, v in params.items()}


def sinusoids(n: int, d: int):
    """PE(i, 2k) = sin(i / 10000^{2k/d}), PE(i, 2k+1) = cos(·): the paper's table, in torch."""
    i = torch.arange(n, dtype=f64)[:, None]
    freq = torch.pow(10000.0, -torch.arange(0, d, 2, dtype=f64) / d)
    pe = torch.zeros(n, d, dtype=f64)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(i * freq), torch.cos(i * freq)
    return pe


class TorchGPT(torch.nn.Module):
    """The same model from torch.nn modules, seqcore's weights copied in."""

    def __init__(self, gpt: GPT, params: dict, dtype=f64):
        super().__init__()
        d = gpt.d_model
        self.scale = math.sqrt(d)
        self.emb = torch.nn.Embedding(gpt.vocab_size, d, dtype=dtype)
        self.layers = torch.nn.ModuleList(torch.nn.TransformerEncoderLayer(
            d, gpt.num_heads, gpt.d_ff, dropout=0.0, batch_first=True, norm_first=True,
            dtype=dtype) for _ in range(gpt.num_layers))
        self.norm = torch.nn.LayerNorm(d, eps=gpt.eps, dtype=dtype)
        self.bias = torch.nn.Parameter(torch.zeros(gpt.vocab_size, dtype=dtype))
        self.register_buffer("pe", sinusoids(gpt.context, d).to(dtype))
        with torch.no_grad():
            for ours, (path, block) in self.names(gpt).items():
                t = self.get_parameter(path)
                rows = slice(None) if block is None else slice(block * d, (block + 1) * d)
                t[rows] = torch.as_tensor(params[ours], dtype=dtype)

    @staticmethod
    def names(gpt: GPT) -> dict:
        out = {"E": ("emb.weight", None), "b_y": ("bias", None),
               "gamma_f": ("norm.weight", None), "beta_f": ("norm.bias", None)}
        for layer in range(gpt.num_layers):
            for k, (path, block) in layer_names(decoder=False).items():
                out[f"block{layer}.{k}"] = (f"layers.{layer}.{path}", block)
        return out

    def forward(self, ids):                         # ids: (batch, T)
        T = ids.shape[1]
        x = self.emb(ids) * self.scale + self.pe[:T]
        mask = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=x.dtype)
        for layer in self.layers:
            x = layer(x, src_mask=mask, is_causal=True)
        # weight tying: the output layer's weight is the embedding's
        return F.linear(self.norm(x), self.emb.weight, self.bias)

    def weights(self, gpt: GPT, grad: bool = False) -> dict:
        out = {}
        for ours, (path, block) in self.names(gpt).items():
            t = self.get_parameter(path)
            t = t.grad if grad else t
            d = gpt.d_model
            t = t if block is None else t[block * d:(block + 1) * d]
            out[ours] = t.detach().numpy().copy()
        return out


def _torch_loss(m, X, Y):
    """Mean cross-entropy of time-major (T, batch) ids, as seqcore reads them."""
    logits = m(torch.as_tensor(X.T.copy()))
    return F.cross_entropy(logits.reshape(-1, V), torch.as_tensor(Y.T.copy()).reshape(-1))


def _worst(ours: dict, theirs: dict) -> float:
    assert set(ours) == set(theirs)
    return max(float(np.abs(ours[k] - theirs[k]).max()) for k in theirs)


# --- one step ------------------------------------------------------------------------------

@pytest.mark.formula("gpt.logits", "gpt.backward")
@pytest.mark.parametrize("T", [1, 5, 7])
def test_one_step_logits_loss_and_every_gradient_match_autograd(T):
    gpt, params = _model()
    rng = np.random.default_rng(T)
    X, Y = rng.integers(0, V, size=(T, 3)), rng.integers(0, V, size=(T, 3))
    m = TorchGPT(gpt, params)
    np.testing.assert_allclose(gpt.forward(params, X)[0],
                               m(torch.as_tensor(X.T.copy())).detach().numpy().transpose(1, 0, 2),
                               rtol=0, atol=1e-12)
    loss, grads, state = gpt.loss_and_grads(params, X, Y)
    t_loss = _torch_loss(m, X, Y)
    t_loss.backward()
    assert state is None and abs(float(loss) - t_loss.item()) <= 1e-13
    worst = _worst(grads, m.weights(gpt, grad=True))
    assert worst <= 1e-12, worst
    _note("one_step_max_grad_diff", max(worst, _note_get("one_step_max_grad_diff")))


@pytest.mark.formula("gpt.backward")
def test_negative_control_the_table_without_its_output_share_is_caught():
    """Dropping the tied output layer's share of ∂L/∂E (a classic slip) fails the comparison."""
    gpt, params = _model()
    X = np.random.default_rng(0).integers(0, V, size=(5, 2))
    _, grads, _ = gpt.loss_and_grads(params, X, X[::-1])
    m = TorchGPT(gpt, params)
    _torch_loss(m, X, X[::-1]).backward()
    ref = m.weights(gpt, grad=True)["E"]
    assert np.abs(grads["E"] - ref).max() <= 1e-12
    # the output share alone is Σ δo hᵀ; without it, only the input side is left
    logits, (_, h, _) = gpt._forward(np, params, X.T)
    from seqcore import mean_cross_entropy, tied_output_backward

    _, dO = mean_cross_entropy(logits, X[::-1].T)
    out_share = tied_output_backward(dO, h, params["E"], params["b_y"])["E"]
    assert np.abs((grads["E"] - out_share) - ref).max() > 1e-3


@pytest.mark.formula("gpt.param-count")
@pytest.mark.parametrize("shape", [(8, 2, 2, 12), (16, 4, 3, 64), (6, 3, 1, 5)])
def test_parameter_count_equals_torchs(shape):
    d, h, L, f = shape
    gpt = GPT(V, d, h, L, f, context=4)
    m = TorchGPT(gpt, gpt.init_params(seed=0))
    # parameters() yields the tied table once
    assert gpt.param_count() == sum(p.numel() for p in m.parameters())
    assert gpt.param_count() == sum(v.size for v in gpt.init_params(seed=0).values())


# --- the trajectory -------------------------------------------------------------------------

def trajectories(steps: int = 24, clip: float | None = 1.0, method: str = "adamw") -> dict:
    """Train seqcore's GPT and torch's side by side; the per-step and final differences."""
    gpt, params = _model()
    tokens = np.random.default_rng(7).integers(0, V, size=2000)
    batches = sequential_batches(tokens, batch=4, steps=gpt.context)[:steps]
    base = 0.01
    hyper = {"adamw": dict(lr=base, weight_decay=0.1), "adam": dict(lr=base)}[method]
    opt = Optimizer(method, **hyper)
    m = TorchGPT(gpt, params)
    t_opt = {"adamw": torch.optim.AdamW, "adam": torch.optim.Adam}[method](m.parameters(),
                                                                           **hyper)
    loss_diff, bk_grad = [], 0.0
    for step, (X, Y) in enumerate(batches):
        lr = warmup_cosine_lr(step, base, 4, steps, base / 10)
        loss, grads, _ = gpt.loss_and_grads(params, X, Y)
        bk_grad = max([bk_grad] + [float(np.abs(g).max()) for k, g in grads.items()
                                   if k.endswith(".b_k")])
        if clip:
            grads, _ = clip_grad_norm(grads, clip)
        params = opt.step(params, grads, lr=lr)

        t_loss = _torch_loss(m, X, Y)
        torch_update(t_opt, t_loss, clip, lr)
        loss_diff.append(abs(float(loss) - t_loss.item()))
    theirs = m.weights(gpt)
    key_bias = [k for k in params if k.endswith(".b_k")]
    rest = {k: v for k, v in params.items() if k not in key_bias}
    return {"steps": steps, "method": method, "max_loss_diff": max(loss_diff),
            "max_weight_diff": _worst(rest, {k: theirs[k] for k in rest}),
            "max_key_bias_diff": _worst({k: params[k] for k in key_bias},
                                        {k: theirs[k] for k in key_bias}),
            "max_key_bias_grad": bk_grad, "moved": _worst(params, _model()[1])}


@pytest.mark.formula("gpt.logits", "gpt.backward", "optim.adamw")
@pytest.mark.parametrize("method", ["adamw", "adam"])
def test_training_trajectory_equals_pytorchs(method):
    r = trajectories(method=method, clip=1.0 if method == "adamw" else None)
    _note(f"trajectory_{method}", r)
    assert r["max_loss_diff"] <= 1e-12, r
    assert r["max_weight_diff"] <= 1e-12, r
    assert r["moved"] > 0.05, r          # the weights did travel: the agreement is not trivial
    # The keys' bias b_k adds q·b_k to every score of a row, which softmax ignores: its
    # gradient is 0 in exact arithmetic and ~1e-17 of rounding on both sides. Adam divides
    # that noise by √v + ε (ε = 1e-8), so b_k drifts by up to lr·1e-17/1e-8 a step, differently
    # on each side; every other weight agrees to float64 rounding.
    assert r["max_key_bias_grad"] <= 1e-15, r
    assert r["max_key_bias_diff"] <= r["steps"] * 0.01 * 1e-15 / 1e-8, r


def _note_get(key: str) -> float:
    known = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    v = known.get(key, 0.0)
    return v if isinstance(v, float) else 0.0


def _note(key: str, value) -> None:
    """Keep the measured differences (build/gpt_reference.json) for the report."""
    RESULTS.parent.mkdir(exist_ok=True)
    known = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    known[key] = value
    RESULTS.write_text(json.dumps(known, indent=1))


def test_torch_tensors_give_the_same_step():
    gpt, params = _model()
    X = np.random.default_rng(1).integers(0, V, size=(6, 2))
    loss, grads, _ = gpt.loss_and_grads(params, X, X[::-1])
    t = {k: torch.as_tensor(v) for k, v in params.items()}
    t_loss, t_grads, _ = gpt.loss_and_grads(t, X, X[::-1])
    assert abs(float(loss) - t_loss.item()) <= 1e-13
    assert _worst(grads, {k: v.numpy() for k, v in t_grads.items()}) <= 1e-13


# --- generation -------------------------------------------------------------------------------

def _full(gpt, params, prefix):
    """log p(next | prefix) from the whole forward pass over the last `context` tokens."""
    window = np.asarray(prefix[-gpt.context:])[:, None]
    return np.asarray(log_softmax(gpt.forward(params, window)[0][-1, 0]))


def test_the_cached_decoder_reads_every_prefix_as_the_forward_pass_does():
    gpt, params = _model(ctx=5)
    step = gpt.decoder(params)
    seq = (3, 1, 4, 1, 5, 9, 2, 6)               # past the context: the sliding window
    for n in range(1, len(seq) + 1):
        np.testing.assert_allclose(step(seq[:n]), _full(gpt, params, seq[:n]), atol=1e-12)
    # a branch (as a beam search makes): the caches are cut back to the common part
    # (then one of the same length that differs in its last token, the same one again, and
    # one that differs in its first token but agrees after it)
    for prefix in [(3, 1, 7), (3, 1), (3, 1, 7, 7), (2,), (2, 2, 2, 2, 2), (2, 2, 2, 2, 3),
                   (2, 2, 2, 2, 3), (5, 2, 2)]:
        np.testing.assert_allclose(step(prefix), _full(gpt, params, prefix), atol=1e-12)
    # the empty prefix: the output layer at a zero vector, softmax(E β_f + b)
    want = log_softmax(params["E"] @ params["beta_f"] + params["b_y"])
    np.testing.assert_allclose(step(()), want, atol=1e-12)


def test_the_cache_is_what_makes_the_steps_cheap():
    """Negative control for the test above: a decoder whose caches are not cut back after a
    branch answers for the wrong prefix; the real one does not."""
    gpt, params = _model(ctx=6)
    step = gpt.decoder(params)
    step((3, 1, 4))
    cache = step.__self__.caches[0]
    assert len(cache) == 3                      # three tokens read, one position each
    step((3, 1, 4, 1))
    assert len(cache) == 4                      # one more token: one position more
    stale = gpt.decoder(params)
    stale((3, 1, 4))
    stale.__self__._read = lambda prefix, s=stale.__self__: s.top   # never re-reads
    assert np.abs(stale((3, 1, 5)) - _full(gpt, params, (3, 1, 5))).max() > 1e-6


def test_generation_greedy_sampled_and_nucleus():
    gpt, params = _model(ctx=6, seed=6)
    prompt = (1, 2)
    greedy = gpt.generate(params, prompt, 9, greedy=True)
    assert len(set(greedy)) >= 3      # a model whose arg max is not always the same token
    seq = prompt
    for _ in range(9):                          # arg max of the full forward, step by step
        seq = (*seq, int(np.argmax(_full(gpt, params, seq))))
    assert greedy == seq[len(prompt):]
    a = gpt.generate(params, prompt, 9, temperature=0.7, rng=5)
    assert a == gpt.generate(params, prompt, 9, temperature=0.7, rng=5)       # seeded
    # a nucleus so small that it holds only the most probable token is greedy
    assert gpt.generate(params, prompt, 9, top_p=1e-9, rng=1) == greedy
    # a very low temperature concentrates sampling on the arg max too
    assert gpt.generate(params, prompt, 9, temperature=1e-4, rng=2) == greedy
    assert len(set(gpt.generate(params, prompt, 30, temperature=3.0, rng=3))) > 3
    # the default is plain sampling at temperature 1
    drawn = gpt.generate(params, prompt, 20, rng=4)
    assert drawn == gpt.generate(params, prompt, 20, temperature=1.0, top_p=1.0, rng=4)
    assert drawn != gpt.generate(params, prompt, 20, temperature=2.0, rng=4)


def test_the_cached_decoder_at_the_edges():
    """A prefix exactly as long as the context is read through the caches; a model with
    its own layer-norm eps decodes with it; token id V is outside the vocabulary."""
    gpt = GPT(V, 8, 2, 2, 12, 5, eps=0.5)          # eps large enough to change every norm
    params = _model(ctx=5)[1]
    step = gpt.decoder(params)
    for prefix in [(3, 1, 4, 1, 5), (3, 1, 4, 1, 5, 9)]:
        np.testing.assert_allclose(step(prefix), _full(gpt, params, prefix), atol=1e-12)
    assert len(step.__self__.caches[0]) == 5        # the first was read through the caches
    assert_error_names(lambda: step((1, V)), OutOfRangeError,
                       ["GPT decoder", f"[0, {V - 1}]", str(V)])


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, fragments", [
    (lambda: GPT(V, 10, 4, 1, 8, 4), ValueError, ["d_model=10", "`num_heads`=4"]),
    (lambda: GPT(V, 7, 7, 1, 8, 4), ValueError, ["`d_model`", "even", "7"]),
    (lambda: GPT(V, 8, 2, 0, 8, 4), ValueError, ["`num_layers`", ">= 1"]),
    (lambda: _model(ctx=4)[0].forward(_model(ctx=4)[1], np.zeros((5, 2), int)), ShapeError,
     ["`inputs`", "5 time steps", "context=4"]),
    (lambda: _model()[0].forward(_model()[1], np.full((3, 2), V)), OutOfRangeError,
     ["`inputs`", f"[0, {V - 1}]", str(V)]),
    (lambda: _model()[0].loss_and_grads(_model()[1], np.full((3, 2), V),
                                        np.zeros((3, 2), int)), OutOfRangeError,
     ["`inputs`", f"[0, {V - 1}]", str(V)]),
    (lambda: _model()[0].loss_and_grads(_model()[1], np.zeros((3, 2), int),
                                        np.full((3, 2), V + 2)), OutOfRangeError,
     ["`targets`", f"[0, {V - 1}]", str(V + 2)]),
    (lambda: _model()[0].forward({**_model()[1], "E": np.zeros((V, 6))},
                                 np.zeros((3, 2), int)), ShapeError,
     ["`params['E']`", f"({V}, 8)", f"({V}, 6)"]),
    (lambda: _model()[0].forward({k: v for k, v in _model()[1].items() if k != "b_y"},
                                 np.zeros((3, 2), int)), MissingKeysError,
     ["`params`", "missing ['b_y']"]),
    (lambda: _model()[0].generate(_model()[1], [1, V], 3), OutOfRangeError,
     ["`prompt`", f"[0, {V - 1}]", str(V)]),
    (lambda: _model()[0].decoder(_model()[1])((1, -1)), OutOfRangeError,
     [f"[0, {V - 1}]", "-1"]),
])
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)
