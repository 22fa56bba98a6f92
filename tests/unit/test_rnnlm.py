"""The recurrent language model against PyTorch: loss, gradients, and whole training runs.

The reference is ``nn.Embedding`` + ``nn.RNN/LSTM/GRU`` + ``nn.Linear`` with
``F.cross_entropy``, trained by ``torch.optim`` through autograd, the state carried
between batches with ``detach()``. seqcore's run uses only its hand-written backward
passes. From the same initial weights and batches the two trajectories must agree to
float64 rounding, at every step.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from seqcore import (
    Optimizer,
    RecurrentLM,
    ShapeError,
    clip_grad_norm,
    embedding_backward,
    greedy_search,
    matched_hidden,
    mean_cross_entropy,
    sequential_batches,
    warmup_cosine_lr,
)
from tests._require import require
from tests.conftest import ROOT
from tests.unit.errors import assert_error_names
from tests.unit.torch_refs import torch_update

torch = require("torch")
F = torch.nn.functional
CELLS = ("rnn", "lstm", "gru")
NAMES = {"E": "emb.weight", "W_ih": "rnn.weight_ih_l0", "W_hh": "rnn.weight_hh_l0",
         "b_ih": "rnn.bias_ih_l0", "b_hh": "rnn.bias_hh_l0", "W_hy": "out.weight",
         "b_y": "out.bias"}


class TorchLM(torch.nn.Module):
    """The same model built from torch.nn modules, weights copied from seqcore's."""

    def __init__(self, lm: RecurrentLM, params: dict, device: str = "cpu"):
        super().__init__()
        kind = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[lm.cell]
        opts = dict(dtype=torch.float64, device=device)
        self.emb = torch.nn.Embedding(lm.vocab_size, lm.embed, **opts)
        self.rnn = kind(lm.embed, lm.hidden, **opts)
        self.out = torch.nn.Linear(lm.hidden, lm.vocab_size, **opts)
        with torch.no_grad():
            for ours, theirs in NAMES.items():
                self.get_parameter(theirs).copy_(torch.as_tensor(params[ours]))

    def forward(self, x, state=None):
        H, state = self.rnn(self.emb(x), state)
        return self.out(H), state

    def weights(self) -> dict:
        return {k: self.get_parameter(v).detach().cpu().numpy() for k, v in NAMES.items()}


def _torch_state(state):
    """seqcore's ``(h,)`` / ``(h, c)`` as torch's ``h`` / ``(h, c)`` with a layer axis."""
    t = [torch.as_tensor(s)[None] for s in state]
    return t[0] if len(t) == 1 else tuple(t)


def _model(cell, V=11, d=5, n=7, seed=3):
    lm = RecurrentLM(cell, V, d, n)
    return lm, lm.init_params(seed=seed)


@pytest.mark.formula("train.lm-loss")
def test_mean_cross_entropy_and_its_gradient_match_torch():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=3, size=(6, 4, 9))
    targets = rng.integers(0, 9, size=(6, 4))
    targets[rng.random((6, 4)) < 0.3] = -100                    # ignored positions
    loss, grad = mean_cross_entropy(logits, targets)
    z = torch.tensor(logits, requires_grad=True)
    ref = F.cross_entropy(z.reshape(-1, 9), torch.tensor(targets).reshape(-1))
    ref.backward()
    assert abs(float(loss) - ref.item()) <= 1e-14
    np.testing.assert_allclose(grad, z.grad.numpy(), rtol=0, atol=1e-15)


@pytest.mark.formula("train.embedding-grad")
def test_embedding_gradient_adds_up_repeated_words_as_autograd_does():
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 6, size=(7, 3))                      # repeats, and unused rows
    dX = rng.normal(size=(7, 3, 4))
    emb = torch.nn.Embedding(9, 4, dtype=torch.float64)
    emb(torch.tensor(ids)).backward(torch.tensor(dX))
    got = embedding_backward(ids, dX, 9)
    np.testing.assert_allclose(got, emb.weight.grad.numpy(), rtol=0, atol=1e-14)
    assert np.all(got[6:] == 0)
    got_t = embedding_backward(torch.tensor(ids), torch.tensor(dX), 9)
    np.testing.assert_allclose(got_t.numpy(), got, rtol=0, atol=1e-14)


@pytest.mark.formula("train.lm-loss", "train.embedding-grad")
@pytest.mark.parametrize("cell", CELLS)
def test_one_step_loss_gradients_and_state_match_autograd(cell):
    lm, params = _model(cell)
    rng = np.random.default_rng(2)
    X, Y = rng.integers(0, 11, size=(6, 3)), rng.integers(0, 11, size=(6, 3))
    state = tuple(rng.normal(size=(3, 7)) for _ in range(2 if cell == "lstm" else 1))
    loss, grads, last = lm.loss_and_grads(params, X, Y, state)
    m = TorchLM(lm, params)
    logits, t_last = m(torch.tensor(X), _torch_state(state))
    ref = F.cross_entropy(logits.reshape(-1, 11), torch.tensor(Y).reshape(-1))
    ref.backward()
    assert abs(float(loss) - ref.item()) <= 1e-14
    for k, v in NAMES.items():
        np.testing.assert_allclose(grads[k], m.get_parameter(v).grad.numpy(), rtol=0,
                                   atol=1e-13, err_msg=k)
    t_last = t_last if isinstance(t_last, tuple) else (t_last,)
    for ours, theirs in zip(last, t_last, strict=True):
        np.testing.assert_allclose(ours, theirs[0].detach().numpy(), rtol=0, atol=1e-14)
    fwd, _ = lm.forward(params, X, state)
    np.testing.assert_allclose(fwd, logits.detach().numpy(), rtol=0, atol=1e-13)


def trajectories(cell: str, method: str, steps: int = 24, *, carry_in_torch: bool = True,
                 clip: float | None = None, schedule: bool = False) -> dict:
    """Train seqcore's model and torch's side by side; the per-step and final differences."""
    lm, params = _model(cell)
    tokens = np.random.default_rng(7).integers(0, 11, size=1000)
    batches = sequential_batches(tokens, batch=3, steps=6)[:steps]
    assert len(batches) == steps
    hyper = {"sgd": dict(lr=0.5, momentum=0.9), "adam": dict(lr=0.01)}[method]
    base = hyper["lr"]
    opt = Optimizer(method, **hyper)
    m = TorchLM(lm, params)
    t_opt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[method](m.parameters(), **hyper)
    state, t_state, loss_diff = None, None, []
    for step, (X, Y) in enumerate(batches):
        lr = warmup_cosine_lr(step, base, 4, steps, base / 10) if schedule else base
        loss, grads, state = lm.loss_and_grads(params, X, Y, state)
        if clip:
            grads, _ = clip_grad_norm(grads, clip)
        params = opt.step(params, grads, lr=lr)

        logits, t_state = m(torch.tensor(X), t_state)
        t_loss = F.cross_entropy(logits.reshape(-1, 11), torch.tensor(Y).reshape(-1))
        torch_update(t_opt, t_loss, clip, lr)
        # truncated BPTT: carry the state's value, not its gradient
        if carry_in_torch:
            t_state = (tuple(s.detach() for s in t_state) if isinstance(t_state, tuple)
                       else t_state.detach())
        else:
            t_state = None
        loss_diff.append(abs(float(loss) - t_loss.item()))
    theirs = m.weights()
    return {"steps": steps, "max_loss_diff": max(loss_diff),
            "max_weight_diff": max(float(np.max(np.abs(params[k] - theirs[k])))
                                   for k in NAMES),
            "final_loss": float(loss)}


RESULTS = ROOT / "build" / "trajectories.json"


@pytest.mark.formula("train.lm-loss", "train.embedding-grad", "optim.sgd", "optim.adam")
@pytest.mark.parametrize("method", ["sgd", "adam"])
@pytest.mark.parametrize("cell", CELLS)
def test_training_trajectory_equals_pytorchs(cell, method):
    r = trajectories(cell, method)
    RESULTS.parent.mkdir(exist_ok=True)
    known = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    known[f"{cell}/{method}"] = r
    RESULTS.write_text(json.dumps(known, indent=1))
    assert r["max_loss_diff"] <= 1e-12, r
    assert r["max_weight_diff"] <= 1e-12, r


@pytest.mark.formula("optim.warmup-cosine", "optim.adam")
def test_trajectory_with_clipping_and_the_schedule_equals_pytorchs():
    r = trajectories("lstm", "adam", clip=0.5, schedule=True)
    assert r["max_loss_diff"] <= 1e-12 and r["max_weight_diff"] <= 1e-12, r


@pytest.mark.formula("train.lm-loss")
def test_a_state_not_carried_is_caught():
    """Negative control: torch resetting its state each batch departs from seqcore's run."""
    r = trajectories("gru", "sgd", steps=8, carry_in_torch=False)
    assert r["max_loss_diff"] > 1e-3, r


@pytest.mark.parametrize("cell", CELLS)
def test_the_decoder_reads_prefixes_as_the_forward_pass_does(cell):
    lm, params = _model(cell)
    step = lm.decoder(params)
    prefix = (3, 1, 4, 1, 5)
    logits, _ = lm.forward(params, np.array(prefix)[:, None])
    expected = logits[-1, 0] - np.log(np.sum(np.exp(logits[-1, 0])))
    np.testing.assert_allclose(step(prefix), expected, rtol=0, atol=1e-13)
    np.testing.assert_allclose(np.exp(step(())), np.exp(params["b_y"]) /
                               np.exp(params["b_y"]).sum(), atol=1e-15)   # zero state
    tokens, _ = greedy_search(step, max_len=5, prefix=prefix)
    assert len(tokens) == 5


@pytest.mark.parametrize("cell", CELLS)
def test_matched_hidden_is_the_closest_count(cell):
    target = RecurrentLM("lstm", 80, 32, 128).param_count()
    n = matched_hidden(cell, 80, 32, target)
    counts = {h: RecurrentLM(cell, 80, 32, h).param_count() for h in range(1, 400)}
    assert abs(counts[n] - target) == min(abs(c - target) for c in counts.values())


@pytest.mark.parametrize("cell", CELLS)
def test_torch_tensors_give_the_same_step(cell):
    lm, params = _model(cell)
    rng = np.random.default_rng(3)
    X, Y = rng.integers(0, 11, size=(5, 2)), rng.integers(0, 11, size=(5, 2))
    loss, grads, _ = lm.loss_and_grads(params, X, Y)
    p_t = {k: torch.tensor(v) for k, v in params.items()}
    loss_t, grads_t, state_t = lm.loss_and_grads(p_t, torch.tensor(X), torch.tensor(Y))
    assert isinstance(state_t[0], torch.Tensor)
    assert abs(float(loss_t) - float(loss)) <= 1e-14
    for k in grads:
        np.testing.assert_allclose(grads_t[k].numpy(), grads[k], rtol=0, atol=1e-13)


@pytest.mark.gpu
@pytest.mark.parametrize("cell", CELLS)
def test_a_training_step_on_cuda_matches_autograd(cell):
    lm, params = _model(cell)
    rng = np.random.default_rng(4)
    X, Y = rng.integers(0, 11, size=(6, 3)), rng.integers(0, 11, size=(6, 3))
    p = {k: torch.tensor(v, device="cuda") for k, v in params.items()}
    Xc, Yc = torch.tensor(X, device="cuda"), torch.tensor(Y, device="cuda")
    loss, grads, _ = lm.loss_and_grads(p, Xc, Yc)
    new = Optimizer("adam", lr=0.01).step(p, grads)
    m = TorchLM(lm, params, device="cuda")
    logits, _ = m(Xc)
    ref = F.cross_entropy(logits.reshape(-1, 11), Yc.reshape(-1))
    ref.backward()
    assert abs(float(loss) - ref.item()) <= 1e-12
    opt = torch.optim.Adam(m.parameters(), lr=0.01)
    opt.step()
    for k, v in NAMES.items():
        assert new[k].device.type == "cuda"
        np.testing.assert_allclose(new[k].cpu().numpy(),
                                   m.get_parameter(v).detach().cpu().numpy(), atol=1e-12)


def _good():
    lm, params = _model("lstm")
    return lm, params, np.zeros((4, 2), dtype=np.int64)


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        # what the validation table cannot derive: sizes of this model, the state, the data
        (lambda: _good()[0].loss_and_grads({**_good()[1], "W_hh": np.zeros((28, 6))},
                                           _good()[2], _good()[2]), ShapeError,
         ["RecurrentLM.loss_and_grads: `params['", "fixes hidden=6", "(11, 7)"]),
        (lambda: _good()[0].forward({**_good()[1], "W_hh": np.zeros((24, 6)),
                                     "W_ih": np.zeros((24, 5)), "b_ih": np.zeros(24),
                                     "b_hh": np.zeros(24), "W_hy": np.zeros((11, 6))},
                                    _good()[2]), ShapeError,
         ["RecurrentLM.forward: `params['W_ih']`", "(28, 5)", "(24, 5)"]),
        (lambda: _good()[0].loss_and_grads(_good()[1], _good()[2] + 11, _good()[2]),
         IndexError, ["RecurrentLM.loss_and_grads: `inputs`", "[0, 10]"]),
        (lambda: _good()[0].loss_and_grads(_good()[1], _good()[2], _good()[2],
                                           (np.zeros((2, 7)),)), TypeError,
         ["RecurrentLM.loss_and_grads: `state`", "tuple of 2", "(h, c)"]),
        (lambda: RecurrentLM("gru", 11, 5, 7).forward(
            RecurrentLM("gru", 11, 5, 7).init_params(0), _good()[2], np.zeros((2, 7))),
         TypeError, ["RecurrentLM.forward: `state`", "tuple of 1 array(s) ((h,))"]),
        (lambda: _good()[0].loss_and_grads(_good()[1], _good()[2], _good()[2],
                                           (np.zeros((3, 7)), np.zeros((3, 7)))), ShapeError,
         ["RecurrentLM.loss_and_grads: each `state`", "(2, 7)", "(3, 7)"]),
        (lambda: mean_cross_entropy(np.zeros((2, 3)), np.array([-100, -100])), ValueError,
         ["mean_cross_entropy: `targets`", "`ignore_index`=-100"]),
        (lambda: mean_cross_entropy(np.zeros((2, 3)), np.array([0, 3])), IndexError,
         ["mean_cross_entropy: `targets`", "[0, 2]", "0 to 3"]),
        (lambda: embedding_backward(np.array([0, 5]), np.ones((2, 3)), 5), IndexError,
         ["embedding_backward: `ids`", "[0, 4]", "0 to 5"]),
        (lambda: RecurrentLM("rnn", 5, 2, 3).init_params(0, carry_bias=1.0), ValueError,
         ["RecurrentLM.init_params: `carry_bias`", "gated cell"]),
        (lambda: _good()[0].decoder(_good()[1])((0, 11)), ValueError,
         ["token ids must lie in [0, 10]", "[11]"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


def _loop(params, steps=6):
    from seqcore import stream_batches, train

    lm = _model("gru")[0]
    text = np.random.default_rng(5).integers(0, 11, size=300)
    return train(lm, params, stream_batches(text, 3, 8, seed=0), steps=steps,
                 optimizer=Optimizer("adam", lr=0.01), clip=1.0, progress=False)


def test_the_loop_trains_torch_tensors_as_it_trains_numpy_arrays():
    params = _model("gru")[1]
    ours = _loop(params)
    theirs = _loop({k: torch.tensor(v) for k, v in params.items()})
    np.testing.assert_allclose(theirs.loss, ours.loss, rtol=1e-13)
    assert isinstance(theirs.params["W_hh"], torch.Tensor)
    np.testing.assert_allclose(theirs.params["W_hh"].numpy(), ours.params["W_hh"], atol=1e-13)


@pytest.mark.gpu
def test_the_loop_trains_on_cuda():
    params = _model("gru")[1]
    ours = _loop(params)
    cuda = _loop({k: torch.tensor(v, device="cuda") for k, v in params.items()})
    assert cuda.params["W_hh"].device.type == "cuda"
    np.testing.assert_allclose(cuda.loss, ours.loss, rtol=1e-10)
