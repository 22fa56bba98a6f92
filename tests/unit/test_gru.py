"""The GRU (seqcore.gru) in PyTorch's form and Cho et al.'s: step and sequence against
torch.nn.GRUCell / GRU and torch's sigmoid, the backward pass against torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    gru_backward,
    gru_forward,
    gru_step,
)
from tests.unit.errors import assert_batch_axis_is_checked, assert_error_names
from tests.unit.torch_refs import F64, GRAD_TOL, SHAPES, TOL, npy, params, torch


@pytest.mark.formula("gru.reset", "gru.update", "gru.candidate-pytorch", "gru.hidden")
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_gru_step_matches_grucell(shape, batched):
    _, B, d, n = shape
    torch.manual_seed(d * n)
    cell = torch.nn.GRUCell(d, n, dtype=F64)
    lead = (B,) if batched else ()
    x, h = torch.randn(*lead, d, dtype=F64), torch.randn(*lead, n, dtype=F64)
    W = [npy(p) for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]
    np.testing.assert_allclose(gru_step(npy(x), npy(h), *W), npy(cell(x, h)), rtol=0, atol=TOL)


@pytest.mark.formula("gru.unroll")
@pytest.mark.parametrize("given", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_gru_forward_matches_nn_gru(shape, batched, given):
    T, B, d, n = shape
    torch.manual_seed(T + d * n)
    m = torch.nn.GRU(d, n, dtype=F64)
    lead = (B,) if batched else ()
    xs = torch.randn(T, *lead, d, dtype=F64)
    h0 = torch.randn(1, *lead, n, dtype=F64) if given else None
    out, hn = m(xs, h0)
    H, h_T = gru_forward(npy(xs), *(npy(p) for p in params(m)),
                         h0=None if h0 is None else npy(h0[0]))
    np.testing.assert_allclose(H, npy(out), rtol=0, atol=TOL)
    np.testing.assert_allclose(h_T, npy(hn[0]), rtol=0, atol=TOL)


def cho_reference(x, h, W_ih, W_hh, b_ih, b_hh):
    """Cho et al.'s GRU from torch parts: the gates with torch.sigmoid, the candidate as
    torch's own tanh RNN cell (torch.rnn_tanh_cell, what nn.RNNCell runs) whose state input
    is r ⊙ h: the reset applied before the product. Differentiable, for autograd."""
    n = h.shape[-1]
    gi, gh = x @ W_ih.T + b_ih, h @ W_hh.T + b_hh
    r = torch.sigmoid(gi[..., :n] + gh[..., :n])
    z = torch.sigmoid(gi[..., n:2 * n] + gh[..., n:2 * n])
    batched = x.dim() == 2
    xb, rh = (x, r * h) if batched else (x[None], (r * h)[None])
    cand = torch.rnn_tanh_cell(xb, rh, W_ih[2 * n:], W_hh[2 * n:], b_ih[2 * n:], b_hh[2 * n:])
    cand = cand if batched else cand[0]
    return (1 - z) * cand + z * h


@pytest.mark.formula("gru.candidate-cho", "gru.reset", "gru.update", "gru.hidden")
@pytest.mark.parametrize("shape", SHAPES)
def test_gru_cho_form_matches_torch_parts(shape):
    _, B, d, n = shape
    torch.manual_seed(n)
    W = [torch.randn(*s, dtype=F64) for s in ((3 * n, d), (3 * n, n), (3 * n,), (3 * n,))]
    x, h = torch.randn(B, d, dtype=F64), torch.randn(B, n, dtype=F64)
    with torch.no_grad():
        ref = cho_reference(x, h, *W)
    got = gru_step(npy(x), npy(h), *(npy(w) for w in W), form="cho")
    np.testing.assert_allclose(got, npy(ref), rtol=0, atol=TOL)


@pytest.mark.formula("gru.candidate-cho", "gru.candidate-pytorch")
def test_the_two_gru_forms_differ_and_agree_when_reset_is_open():
    rng = np.random.default_rng(1)
    n, d = 4, 3
    W_ih, W_hh = rng.normal(size=(3 * n, d)), rng.normal(size=(3 * n, n))
    x, h = rng.normal(size=d), rng.normal(size=n)
    assert not np.allclose(gru_step(x, h, W_ih, W_hh), gru_step(x, h, W_ih, W_hh, form="cho"))
    b = np.zeros(3 * n)
    b[:n] = 1e3                                          # r = σ(huge) = 1: no reset at all
    np.testing.assert_allclose(gru_step(x, h, W_ih, W_hh, b), gru_step(x, h, W_ih, W_hh, b,
                                                                        form="cho"),
                               rtol=0, atol=TOL)


def _gru_torch(form, W, xs, h0):
    if form == "pytorch":
        m = torch.nn.GRU(xs.shape[-1], h0.shape[-1], dtype=F64)
        with torch.no_grad():
            for p, w in zip(params(m), W, strict=True):
                p.copy_(w)
        return m(xs, h0[None])[0]
    outs, h = [], h0
    for t in range(xs.shape[0]):
        h = cho_reference(xs[t], h, *W)
        outs.append(h)
    return torch.stack(outs)


@pytest.mark.formula("gru.backward")
@pytest.mark.parametrize("form", ["pytorch", "cho"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_gru_backward_matches_autograd(shape, batched, form):
    T, B, d, n = shape
    torch.manual_seed(3 * T + d + n)
    W = [(torch.randn(*s, dtype=F64) * 0.5).requires_grad_()
         for s in ((3 * n, d), (3 * n, n), (3 * n,), (3 * n,))]
    lead = (B,) if batched else ()
    xs = torch.randn(T, *lead, d, dtype=F64, requires_grad=True)
    h0 = torch.randn(*lead, n, dtype=F64, requires_grad=True)
    if form == "pytorch":   # nn.GRU owns its parameters: take the gradients from it
        m = torch.nn.GRU(d, n, dtype=F64)
        with torch.no_grad():
            for p, w in zip(params(m), W, strict=True):
                p.copy_(w)
        out = m(xs, h0[None])[0]
        grads_W = lambda: [p.grad for p in (m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0,  # noqa: E731
                                            m.bias_hh_l0)]
    else:
        out = _gru_torch("cho", W, xs, h0)
        grads_W = lambda: [w.grad for w in W]  # noqa: E731
    dH, dh_T = torch.randn_like(out), torch.randn_like(out[-1])
    ((out * dH).sum() + (out[-1] * dh_T).sum()).backward()
    g = gru_backward(npy(xs), npy(dH), *(npy(w) for w in W), h0=npy(h0), dh_T=npy(dh_T),
                     form=form)
    refs = dict(zip(("W_ih", "W_hh", "b_ih", "b_hh"), grads_W(), strict=True))
    refs |= {"xs": xs.grad, "h0": h0.grad}
    for name, ref in refs.items():
        np.testing.assert_allclose(g[name], npy(ref), rtol=0, atol=GRAD_TOL, err_msg=name)


def _lstm_w(d=3, n=4, gates=4):
    rng = np.random.default_rng(0)
    return rng.normal(size=(gates * n, d)), rng.normal(size=(gates * n, n))


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: gru_step(np.ones(3), np.zeros(4), *_lstm_w(gates=4)),
         ShapeError, ["gru_step: `W_hh`", "(3*hidden, hidden)", "(16, 4)"]),
        (lambda: gru_step(np.ones(1), np.ones(2), np.ones((6, 1)), np.ones((6, 2)),
                          b_hh=np.ones(5)),
         ShapeError, ["gru_step: `b_hh`", "(3*hidden,) = (6,)", "(5,)"]),
        (lambda: gru_step(np.ones(1), np.ones(2), np.ones((6, 1)), np.ones((6, 2)),
                          b_ih=np.ones(7)),
         ShapeError, ["gru_step: `b_ih`", "(6,)", "(7,)"]),
        (lambda: gru_backward(np.ones((4, 3)), np.ones((4, 5)), *_lstm_w(gates=3)),
         ShapeError, ["gru_backward: `dH`", "hidden=4", "(4, 5)"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


def _gru_batched():
    rng = np.random.default_rng(11)
    T, B, D, N = 3, 2, 2, 4
    W = {"W_ih": rng.normal(size=(3 * N, D)), "W_hh": rng.normal(size=(3 * N, N)),
         "b_ih": rng.normal(size=3 * N), "b_hh": rng.normal(size=3 * N)}
    xs, h, dH = rng.normal(size=(T, B, D)), rng.normal(size=(B, N)), rng.normal(size=(T, B, N))
    return [
        (gru_step, {"x": xs[0], "h_prev": h, **W}, ["x", "h_prev"]),
        (gru_forward, {"xs": xs, "h0": h, **W}, ["xs", "h0"]),
        (gru_backward, {"xs": xs, "dH": dH, "h0": h, "dh_T": h, **W}, ["xs", "dH", "h0", "dh_T"]),
    ]


@pytest.mark.parametrize(("func", "good", "args"), _gru_batched(),
                         ids=["gru_step", "gru_forward", "gru_backward"])
def test_batched_shapes_are_checked(func, good, args):
    name = func.__name__
    states = ("h_prev", "h0", "dh_T", "dH")
    assert_batch_axis_is_checked(func, good, args)
    plain = {k: (v[:, 0] if k in ("xs", "dH") else v[0] if k in ("x", *states) else v)
             for k, v in good.items()}
    func(**plain)
    for arg in args:
        if arg in states:
            assert_error_names(lambda arg=arg: func(**{**plain, arg: good[arg]}), ShapeError,
                               [f"{name}: `{arg}`", "batch axis"])


def test_gate_biases_must_be_vectors_and_float32_stays():
    rng = np.random.default_rng(11)
    xs = rng.normal(size=(3, 2))
    W = {"W_ih": rng.normal(size=(12, 2)), "W_hh": rng.normal(size=(12, 4)),
         "b_ih": rng.normal(size=12), "b_hh": rng.normal(size=12)}
    for name in ("b_ih", "b_hh"):
        column = W[name][:, None]
        assert_error_names(lambda name=name, column=column: gru_forward(xs, **{**W, name: column}),
                           ShapeError, [f"gru_forward: `{name}`", "1-D (3*hidden,)"])
    W32 = {k: v.astype(np.float32) for k, v in W.items()}
    H, _ = gru_forward(xs.astype(np.float32), **W32)
    assert H.dtype == np.float32
