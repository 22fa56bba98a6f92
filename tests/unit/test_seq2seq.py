"""The attention encoder–decoder against PyTorch: step gradients, whole gradients, training runs.

The reference is the same model built from ``torch.nn`` modules (``nn.Embedding``,
``nn.GRU`` for the encoder, ``nn.GRUCell`` for the decoder, ``nn.Linear`` for the
attention's and the output's weights), its gradients from autograd and its updates from
``torch.optim.Adam`` and ``clip_grad_norm_``. seqcore's model uses only its hand-written
backward passes. All in float64.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import seqcore.attention_grad as attention_grad
from experiments.seq2seq import batches
from seqcore import (
    Optimizer,
    Seq2Seq,
    ShapeError,
    bahdanau_step,
    bahdanau_step_backward,
    date_splits,
    greedy_search,
    luong_step,
    luong_step_backward,
    train,
)
from seqcore._validate import MissingKeysError, OutOfRangeError
from seqcore.dates import SOURCE_VOCAB, TARGET_VOCAB
from tests._require import require
from tests.conftest import ROOT
from tests.unit.errors import assert_error_names

torch = require("torch")
nn, F = torch.nn, torch.nn.functional
KINDS = ("none", "bahdanau", "luong")
NAMES = {"E_src": "src.weight", "enc_W_ih": "enc.weight_ih_l0", "enc_W_hh": "enc.weight_hh_l0",
         "enc_b_ih": "enc.bias_ih_l0", "enc_b_hh": "enc.bias_hh_l0", "E_tgt": "tgt.weight",
         "dec_W_ih": "dec.weight_ih", "dec_W_hh": "dec.weight_hh", "dec_b_ih": "dec.bias_ih",
         "dec_b_hh": "dec.bias_hh", "W_s": "W_s.weight", "W_h": "W_h.weight",
         "v": "v.weight", "W_a": "W_a.weight", "W_c": "W_c.weight", "W_y": "out.weight",
         "b_y": "out.bias"}


class TorchSeq2Seq(nn.Module):
    """The same encoder–decoder from torch.nn modules, weights copied from seqcore's."""

    def __init__(self, model: Seq2Seq, params: dict):
        super().__init__()
        self.kind, n, d = model.attention, model.hidden, model.embed
        o = dict(dtype=torch.float64)
        self.src = nn.Embedding(model.source_vocab, d, **o)
        self.enc = nn.GRU(d, n, **o)
        self.tgt = nn.Embedding(model.target_vocab, d, **o)
        self.dec = nn.GRUCell(d + n if self.kind == "bahdanau" else d, n, **o)
        if self.kind == "bahdanau":
            self.W_s, self.W_h = nn.Linear(n, n, bias=False, **o), nn.Linear(n, n, bias=False, **o)
            self.v = nn.Linear(n, 1, bias=False, **o)
        if self.kind == "luong":
            self.W_a = nn.Linear(n, n, bias=False, **o)        # W_a h_j, then s_i · (W_a h_j)
            self.W_c = nn.Linear(2 * n, n, bias=False, **o)
        self.out = nn.Linear(2 * n + d if self.kind == "bahdanau" else n, model.target_vocab,
                             **o)
        with torch.no_grad():
            for ours, theirs in self.names().items():
                p = self.get_parameter(theirs)
                p.copy_(torch.as_tensor(params[ours]).reshape(p.shape))

    def names(self) -> dict:
        return {k: v for k, v in NAMES.items() if any(True for n, _ in self.named_parameters()
                                                      if n == v)}

    def forward(self, src, tgt_in):
        H, h = self.enc(self.src(src))
        Hb, s, logits, weights = H.transpose(0, 1), h[0], [], []
        for y in self.tgt(tgt_in):
            if self.kind == "bahdanau":
                e = self.v(torch.tanh(self.W_s(s)[:, None, :] + self.W_h(Hb)))[..., 0]
                a = torch.softmax(e, dim=-1)
                c = (a[..., None] * Hb).sum(dim=1)
                s = self.dec(torch.cat([y, c], dim=-1), s)
                f = torch.cat([s, c, y], dim=-1)
            elif self.kind == "luong":
                s = self.dec(y, s)
                a = torch.softmax((self.W_a(Hb) @ s[..., None])[..., 0], dim=-1)
                c = (a[..., None] * Hb).sum(dim=1)
                f = torch.tanh(self.W_c(torch.cat([c, s], dim=-1)))
            else:
                s = f = self.dec(y, s)
                a = None
            logits.append(self.out(f))
            weights.append(a)
        return torch.stack(logits), weights

    def weights(self) -> dict:
        return {k: self.get_parameter(v).detach().numpy().reshape(-1 if k == "v" else
                                                                    self.get_parameter(v).shape)
                for k, v in self.names().items()}


def _data(batch: int = 8, count: int = 24):
    pairs = date_splits(3, train=400, validation=1, test=1)["train"]
    it = batches(pairs, batch, seed=5)
    return [next(it) for _ in range(count)]


def _model(kind: str, hidden: int = 6, embed: int = 5, seed: int = 1):
    model = Seq2Seq(kind, len(SOURCE_VOCAB), len(TARGET_VOCAB), embed, hidden)
    return model, model.init_params(seed=seed)


@pytest.mark.formula("attention.encoder-grad", "train.lm-loss")
@pytest.mark.parametrize("kind", KINDS)
def test_one_step_loss_and_every_gradient_match_autograd(kind):
    model, params = _model(kind)
    src, tgt, _ = _data(batch=5, count=1)[0]
    loss, grads, _ = model.loss_and_grads(params, src, tgt)
    m = TorchSeq2Seq(model, params)
    logits, t_weights = m(torch.tensor(src), torch.tensor(tgt[:-1]))
    t_loss = F.cross_entropy(logits.reshape(-1, len(TARGET_VOCAB)),
                             torch.tensor(tgt[1:]).reshape(-1))
    t_loss.backward()
    assert abs(float(loss) - t_loss.item()) < 1e-13
    assert set(grads) == set(m.names()) == set(model.shapes())
    for k, v in m.names().items():
        theirs = m.get_parameter(v).grad.numpy().reshape(grads[k].shape)
        np.testing.assert_allclose(grads[k], theirs, rtol=1e-9, atol=1e-12, err_msg=k)
    fwd, weights = model.forward(params, src, tgt)
    np.testing.assert_allclose(fwd, logits.detach().numpy(), rtol=0, atol=1e-13)
    if kind == "none":
        assert weights is None
    else:
        theirs = torch.stack(t_weights).detach().numpy()
        np.testing.assert_allclose(weights, theirs, rtol=0, atol=1e-14)


def trajectory(kind: str, steps: int = 24) -> dict:
    """Train seqcore's model and torch's side by side from the same weights and batches."""
    model, params = _model(kind)
    data = _data(count=steps)
    run = train(model, params, iter(data), steps=steps, optimizer=Optimizer("adam", lr=0.02),
                clip=1.0, progress=False)
    m = TorchSeq2Seq(model, params)
    opt = torch.optim.Adam(m.parameters(), lr=0.02)
    t_loss = []
    for src, tgt, _ in data:
        logits, _ = m(torch.tensor(src), torch.tensor(tgt[:-1]))
        loss = F.cross_entropy(logits.reshape(-1, len(TARGET_VOCAB)),
                               torch.tensor(tgt[1:]).reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        t_loss.append(loss.item())
    theirs = m.weights()
    return {"steps": steps, "first_loss": run.loss[0], "last_loss": run.loss[-1],
            "max_loss_diff": max(abs(a - b) for a, b in zip(run.loss, t_loss, strict=True)),
            "max_weight_diff": max(float(np.max(np.abs(run.params[k] - theirs[k])))
                                   for k in theirs)}


RESULTS = ROOT / "build" / "seq2seq_trajectories.json"


@pytest.mark.formula("attention.bahdanau-backward", "attention.luong-backward",
                     "attention.encoder-grad")
@pytest.mark.parametrize("kind", KINDS)
def test_training_trajectory_equals_pytorchs(kind):
    r = trajectory(kind)
    RESULTS.parent.mkdir(exist_ok=True)
    known = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    RESULTS.write_text(json.dumps(known | {kind: r}, indent=1))
    assert r["last_loss"] < 0.9 * r["first_loss"], r          # it learns, not only agrees
    assert r["max_loss_diff"] <= 1e-12, r
    assert r["max_weight_diff"] <= 1e-12, r


def test_a_missing_gradient_path_is_caught(monkeypatch):
    """Negative control: drop the score's gradient of the query (δs_{i-1} through the
    additive score) and the trajectory leaves PyTorch's within a few steps."""
    real = attention_grad.additive_score_backward

    def without_query(*args, **kw):
        g = real(*args, **kw)
        return g | {"s": g["s"] * 0}

    monkeypatch.setattr("seqcore.seq2seq.additive_score_backward", without_query)
    r = trajectory("bahdanau", steps=6)
    assert r["max_loss_diff"] > 1e-6, r


# --- the step backward passes against autograd ---------------------------------------------

def _leaves(*arrays):
    return [torch.tensor(a, requires_grad=True) for a in arrays]


def _bahdanau_inputs(rng, batch, bias=True, d_y=3, n=4, S=5, d_h=6, a=7):
    lead = (batch,) if batch else ()
    out = [rng.normal(size=(*lead, d_y)), rng.normal(size=(*lead, n)),
           rng.normal(size=(*lead, S, d_h)), rng.normal(size=(a, n)), rng.normal(size=(a, d_h)),
           rng.normal(size=a), rng.normal(size=(3 * n, d_y + d_h)) * 0.5,
           rng.normal(size=(3 * n, n)) * 0.5]
    return out + ([rng.normal(size=3 * n), rng.normal(size=3 * n)] if bias else [])


BAHDANAU = ("y_prev", "s_prev", "H", "W_s", "W_h", "v", "W_ih", "W_hh", "b_ih", "b_hh")
LUONG = ("y_prev", "s_prev", "H", "W_ih", "W_hh", "W_c", "b_ih", "b_hh", "W_a")


@pytest.mark.formula("attention.bahdanau-backward")
@pytest.mark.parametrize("batch", [0, 3])
@pytest.mark.parametrize("bias", [True, False])
def test_bahdanau_step_backward_matches_autograd(batch, bias):
    rng = np.random.default_rng(batch + 10 * bias)
    xs = _bahdanau_inputs(rng, batch, bias)
    ts = _leaves(*xs)
    s, c, _ = bahdanau_step(*ts)                    # seqcore's forward, on torch tensors
    d_s, d_c = rng.normal(size=tuple(s.shape)), rng.normal(size=tuple(c.shape))
    ((s * torch.tensor(d_s)).sum() + (c * torch.tensor(d_c)).sum()).backward()
    g = bahdanau_step_backward(d_s, d_c, *xs)
    assert set(g) == set(BAHDANAU[:len(xs)])
    for name, t in zip(BAHDANAU, ts, strict=False):
        np.testing.assert_allclose(g[name], t.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


@pytest.mark.formula("attention.luong-backward")
@pytest.mark.parametrize("batch", [0, 3])
@pytest.mark.parametrize("score", ["general", "dot"])
def test_luong_step_backward_matches_autograd(batch, score):
    rng = np.random.default_rng(batch + (score == "dot"))
    lead = (batch,) if batch else ()
    n, d_y, S, d_c = 4, 3, 5, 6
    d_h = 7 if score == "general" else n
    xs = [rng.normal(size=(*lead, d_y)), rng.normal(size=(*lead, n)),
          rng.normal(size=(*lead, S, d_h)), rng.normal(size=(3 * n, d_y)) * 0.5,
          rng.normal(size=(3 * n, n)) * 0.5, rng.normal(size=(d_c, d_h + n)),
          rng.normal(size=3 * n), rng.normal(size=3 * n)]
    if score == "general":
        xs.append(rng.normal(size=(n, d_h)))
    ts = _leaves(*xs)
    s, h_tilde, _, _ = luong_step(*ts)
    d_h_tilde, d_s = rng.normal(size=tuple(h_tilde.shape)), rng.normal(size=tuple(s.shape))
    ((h_tilde * torch.tensor(d_h_tilde)).sum() + (s * torch.tensor(d_s)).sum()).backward()
    g = luong_step_backward(d_h_tilde, d_s, *xs[:6], *xs[6:8],
                            W_a=xs[8] if score == "general" else None)
    assert set(g) == set(LUONG[:len(xs)])
    for name, t in zip(LUONG, ts, strict=False):
        np.testing.assert_allclose(g[name], t.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


# --- decoding -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_greedy_translation_matches_the_step_decoder_and_torch(kind):
    """``translate`` (batched) and ``decoder`` (one sentence, for beam search) give the same
    tokens as greedy decoding in the torch model; the weights are distributions."""
    model, params = _model(kind, hidden=8, seed=2)
    src, _, _ = _data(batch=4, count=1)[0]
    ids, weights = model.translate(params, src, max_len=6)
    m = TorchSeq2Seq(model, params)
    prefix = torch.zeros((1, src.shape[1]), dtype=torch.int64)
    with torch.no_grad():
        for _ in range(6):
            logits, _ = m(torch.tensor(src), prefix)
            prefix = torch.cat([prefix, logits[-1].argmax(-1)[None]])
    np.testing.assert_array_equal(ids, prefix[1:].numpy())
    for b in range(src.shape[1]):
        tokens, _ = greedy_search(model.decoder(params, src[:, b]), max_len=6)
        assert list(tokens) == ids[:, b].tolist()
    if kind == "none":
        assert weights is None
    else:
        assert weights.shape == (6, src.shape[1], src.shape[0])
        np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-12)


# --- bad input ------------------------------------------------------------------------------

def _bad_calls():
    model, params = _model("luong")
    src, tgt, _ = _data(batch=2, count=1)[0]
    less = {k: v for k, v in params.items() if k != "W_c"}
    wide = params | {"W_c": np.zeros((6, 13))}
    return [
        (lambda: Seq2Seq("transformer", 5, 5, 2, 2), ValueError,
         ["Seq2Seq", "`attention`", "'none', 'bahdanau', 'luong'", "'transformer'"]),
        (lambda: model.loss_and_grads(less, src, tgt), MissingKeysError,
         ["loss_and_grads", "`params`", "W_c"]),
        (lambda: model.loss_and_grads(wide, src, tgt), ShapeError,
         ["`params['W_c']`", "(6, 12)", "(6, 13)"]),
        (lambda: model.loss_and_grads(params, src + 40, tgt), ValueError,
         ["`source`", f"[0, {len(SOURCE_VOCAB) - 1}]"]),
        (lambda: model.translate(params, src, max_len=0), ValueError, ["`max_len`", ">= 1"]),
        (lambda: luong_step_backward(np.ones(3), np.ones(2), np.ones(5), np.ones(2),
                                     np.ones((4, 3)), np.ones((6, 5)), np.ones((6, 2)),
                                     np.ones((3, 5))), ShapeError,
         ["luong_step_backward", "`H`", "W_a"]),
    ]


@pytest.mark.parametrize("case", range(6))
def test_bad_input_names_the_argument(case):
    call, error, fragments = _bad_calls()[case]
    assert_error_names(call, error, fragments)


@pytest.mark.parametrize("method", ["forward", "loss_and_grads", "translate", "decoder"])
def test_an_id_equal_to_the_vocabulary_size_is_refused_by_name(method):
    """Id V is one past the last row of the embedding: each method names the argument."""
    model, params = _model("bahdanau")
    src, tgt, _ = _data(batch=2, count=1)[0]
    S, T = model.source_vocab, model.target_vocab
    calls = {"forward": lambda s, t: model.forward(params, s, t),
             "loss_and_grads": lambda s, t: model.loss_and_grads(params, s, t),
             "translate": lambda s, t: model.translate(params, s, max_len=3),
             "decoder": lambda s, t: model.decoder(params, s[:, 0])}     # one sentence
    call = calls[method]
    bad_src = src.copy()
    bad_src[0, 0] = S
    assert_error_names(lambda: call(bad_src, tgt), OutOfRangeError,
                       [method, "`source`", f"[0, {S - 1}]", f"got {S}"])
    if method in ("forward", "loss_and_grads"):
        bad_tgt = tgt.copy()
        bad_tgt[-1, -1] = T
        assert_error_names(lambda: call(src, bad_tgt), OutOfRangeError,
                           [method, "`target`", f"[0, {T - 1}]", f"got {T}"])


def test_float32_weights_and_a_one_token_target():
    model, params = _model("luong")
    p32 = model.init_params(seed=1, dtype=np.float32)
    assert {v.dtype for v in p32.values()} == {np.dtype(np.float32)}
    src, tgt, _ = _data(batch=2, count=1)[0]
    logits, weights = model.forward(params, src, tgt[:2])      # <s> and one token to predict
    assert logits.shape == (1, 2, model.target_vocab)
    assert weights.shape == (1, 2, src.shape[0])
