"""LSTM and GRU: steps and sequences against torch.nn.LSTM(Cell)/GRU(Cell), backward against
torch.autograd, the Cho et al. form against torch.nn.RNNCell and torch's sigmoid."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    gru_backward,
    gru_forward,
    gru_step,
    lstm_backward,
    lstm_forward,
    lstm_step,
    sigmoid,
)
from tests._require import require
from tests.errors import assert_error_names

torch = require("torch")

TOL, GRAD_TOL = 1e-10, 1e-8
F64 = torch.float64
SHAPES = [(1, 1, 1, 1), (5, 3, 4, 6), (7, 1, 10, 3), (4, 8, 2, 16)]  # (T, batch, input, hidden)


def npy(t):
    return t.detach().cpu().numpy()


def params(module, sfx="_l0"):
    return tuple(getattr(module, f"{n}{sfx}").detach() for n in
                 ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


# --- LSTM forward ------------------------------------------------------------------------

@pytest.mark.formula("lstm.gates", "lstm.cell", "lstm.hidden", "sigmoid.stable")
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_lstm_step_matches_lstmcell(shape, batched):
    _, B, d, n = shape
    torch.manual_seed(d + n)
    cell = torch.nn.LSTMCell(d, n, dtype=F64)
    lead = (B,) if batched else ()
    x, h, c = (torch.randn(*lead, k, dtype=F64) for k in (d, n, n))
    h1, c1 = cell(x, (h, c))
    W = [npy(p) for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]
    got_h, got_c = lstm_step(npy(x), npy(h), npy(c), *W)
    np.testing.assert_allclose(got_h, npy(h1), rtol=0, atol=TOL)
    np.testing.assert_allclose(got_c, npy(c1), rtol=0, atol=TOL)


@pytest.mark.formula("lstm.unroll")
@pytest.mark.parametrize("given", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_lstm_forward_matches_nn_lstm(shape, batched, given):
    T, B, d, n = shape
    torch.manual_seed(T * d + n)
    m = torch.nn.LSTM(d, n, dtype=F64)
    lead = (B,) if batched else ()
    xs = torch.randn(T, *lead, d, dtype=F64)
    h0 = torch.randn(1, *lead, n, dtype=F64) if given else None
    c0 = torch.randn(1, *lead, n, dtype=F64) if given else None
    out, (hn, cn) = m(xs, None if h0 is None else (h0, c0))
    H, h_T, c_T = lstm_forward(npy(xs), *(npy(p) for p in params(m)),
                               h0=None if h0 is None else npy(h0[0]),
                               c0=None if c0 is None else npy(c0[0]))
    for got, ref in ((H, out), (h_T, hn[0]), (c_T, cn[0])):
        np.testing.assert_allclose(got, npy(ref), rtol=0, atol=TOL)


@pytest.mark.formula("lstm.unroll", "gru.unroll")
def test_without_biases_match_bias_false():
    torch.manual_seed(0)
    xs = torch.randn(6, 2, 3, dtype=F64)
    lstm = torch.nn.LSTM(3, 4, bias=False, dtype=F64)
    gru = torch.nn.GRU(3, 4, bias=False, dtype=F64)
    H, _, _ = lstm_forward(npy(xs), npy(lstm.weight_ih_l0), npy(lstm.weight_hh_l0))
    np.testing.assert_allclose(H, npy(lstm(xs)[0]), rtol=0, atol=TOL)
    H, _ = gru_forward(npy(xs), npy(gru.weight_ih_l0), npy(gru.weight_hh_l0))
    np.testing.assert_allclose(H, npy(gru(xs)[0]), rtol=0, atol=TOL)


# --- GRU forward -------------------------------------------------------------------------

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


# --- backward passes against torch.autograd ----------------------------------------------

@pytest.mark.formula("lstm.backward")
@pytest.mark.parametrize("final", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_lstm_backward_matches_autograd(shape, batched, final):
    T, B, d, n = shape
    torch.manual_seed(T + B + d + n)
    m = torch.nn.LSTM(d, n, dtype=F64)
    lead = (B,) if batched else ()
    xs = torch.randn(T, *lead, d, dtype=F64, requires_grad=True)
    h0 = torch.randn(1, *lead, n, dtype=F64, requires_grad=True)
    c0 = torch.randn(1, *lead, n, dtype=F64, requires_grad=True)
    out, (hn, cn) = m(xs, (h0, c0))
    dH = torch.randn_like(out)
    dh_T, dc_T = (torch.randn_like(hn[0]), torch.randn_like(cn[0])) if final else (None, None)
    loss = (out * dH).sum() + ((hn[0] * dh_T).sum() + (cn[0] * dc_T).sum() if final else 0)
    loss.backward()
    g = lstm_backward(npy(xs), npy(dH), *(npy(p) for p in params(m)), h0=npy(h0[0]),
                      c0=npy(c0[0]), dh_T=None if dh_T is None else npy(dh_T),
                      dc_T=None if dc_T is None else npy(dc_T))
    refs = {"xs": xs.grad, "h0": h0.grad[0], "c0": c0.grad[0], "W_ih": m.weight_ih_l0.grad,
            "W_hh": m.weight_hh_l0.grad, "b_ih": m.bias_ih_l0.grad, "b_hh": m.bias_hh_l0.grad}
    for name, ref in refs.items():
        np.testing.assert_allclose(g[name], npy(ref), rtol=0, atol=GRAD_TOL, err_msg=name)


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


# --- the same functions on torch tensors --------------------------------------------------

@pytest.mark.formula("lstm.unroll", "gru.unroll", "lstm.backward", "gru.backward")
def test_torch_tensors_in_torch_tensors_out():
    torch.manual_seed(5)
    xs = torch.randn(5, 2, 3, dtype=F64)
    lstm, gru = torch.nn.LSTM(3, 4, dtype=F64), torch.nn.GRU(3, 4, dtype=F64)
    H, _, _ = lstm_forward(xs, *params(lstm))
    assert isinstance(H, torch.Tensor)
    torch.testing.assert_close(H, lstm(xs)[0].detach(), rtol=0, atol=TOL)
    H, _ = gru_forward(xs, *params(gru))
    torch.testing.assert_close(H, gru(xs)[0].detach(), rtol=0, atol=TOL)
    g = lstm_backward(xs, torch.ones(5, 2, 4, dtype=F64), *params(lstm))
    assert isinstance(g["W_hh"], torch.Tensor)
    g = gru_backward(xs, torch.ones(5, 2, 4, dtype=F64), *params(gru), form="cho")
    assert isinstance(g["xs"], torch.Tensor)


@pytest.mark.formula("lstm.unroll")
def test_float32_lstm_close_to_torch():
    m = torch.nn.LSTM(8, 16)
    xs = torch.randn(20, 4, 8)
    H, _, _ = lstm_forward(npy(xs), *(npy(p) for p in params(m)))
    assert H.dtype == np.float32
    np.testing.assert_allclose(H, npy(m(xs)[0]), rtol=0, atol=1e-5)


# --- bad input -----------------------------------------------------------------------------

def _lstm_w(d=3, n=4, gates=4):
    rng = np.random.default_rng(0)
    return rng.normal(size=(gates * n, d)), rng.normal(size=(gates * n, n))


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: lstm_step(np.ones(3), np.zeros(4), np.zeros(4), *_lstm_w(gates=3)),
         ShapeError, ["`W_hh`", "4·hidden", "gate blocks i, f, g, o", "(12, 4)"]),
        (lambda: lstm_step(np.ones(3), np.zeros(4), np.zeros(4), _lstm_w()[0][:12],
                           _lstm_w()[1]),
         ShapeError, ["`W_ih`", "16 rows", "(12, 3)"]),
        (lambda: lstm_step(np.ones(3), np.zeros(4), np.zeros(4), *_lstm_w(), np.ones(15)),
         ShapeError, ["`b_ih`", "16 entries", "(15,)"]),
        (lambda: lstm_step(np.ones(3), np.zeros(4), np.zeros(5), *_lstm_w()),
         ShapeError, ["`c_prev`", "hidden=4", "(5,)"]),
        (lambda: lstm_step(np.ones(5), np.zeros(4), np.zeros(4), *_lstm_w()),
         ShapeError, ["`x`", "input=3", "(5,)"]),
        (lambda: lstm_forward(np.ones((0, 3)), *_lstm_w()),
         ShapeError, ["`xs`", "at least one time step", "(0, 3)"]),
        (lambda: lstm_forward(np.ones(3), *_lstm_w()),
         ShapeError, ["`xs`", "2-D (time, input) or 3-D (time, batch, input)", "(3,)"]),
        (lambda: lstm_forward(np.ones((5, 2, 3)), *_lstm_w(), h0=np.zeros((3, 4))),
         ShapeError, ["`h0`", "batch=2", "(3, 4)"]),
        (lambda: lstm_backward(np.ones((5, 3)), np.ones((4, 4)), *_lstm_w()),
         ShapeError, ["`dH`", "time=5", "(4, 4)"]),
        (lambda: lstm_forward(np.ones((5, 3)), np.ones((16, 3)), np.ones(16)),
         ShapeError, ["`W_hh`", "2-D", "(16,)"]),
        (lambda: gru_step(np.ones(3), np.zeros(4), *_lstm_w(gates=4)),
         ShapeError, ["`W_hh`", "3·hidden", "gate blocks r, z, n", "(16, 4)"]),
        (lambda: gru_step(np.ones(3), np.zeros(4), *_lstm_w(gates=3), form="keras"),
         ValueError, ["`form`", "'pytorch', 'cho'", "'keras'"]),
        (lambda: gru_forward(np.ones((0, 2, 3)), *_lstm_w(gates=3)),
         ShapeError, ["`xs`", "at least one time step"]),
        (lambda: gru_forward(np.ones((4, 3), dtype=np.float32), *_lstm_w(gates=3)),
         TypeError, ["float32", "float64"]),
        (lambda: gru_backward(np.ones((4, 3)), np.ones((4, 5)), *_lstm_w(gates=3)),
         ShapeError, ["`dH`", "hidden=4", "(4, 5)"]),
        (lambda: sigmoid(np.array([1, 2])),
         TypeError, ["`z`", "floating"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


# --- CUDA ------------------------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.formula("lstm.unroll", "gru.unroll", "lstm.backward", "gru.backward")
def test_cuda_lstm_and_gru_match_torch_on_cuda():
    dev = torch.device("cuda")
    torch.manual_seed(2)
    xs = torch.randn(6, 3, 5, dtype=F64, device=dev)
    lstm = torch.nn.LSTM(5, 4, dtype=F64).to(dev)
    gru = torch.nn.GRU(5, 4, dtype=F64).to(dev)
    H, _, _ = lstm_forward(xs, *params(lstm))
    assert H.device.type == "cuda"
    torch.testing.assert_close(H, lstm(xs)[0].detach(), rtol=0, atol=TOL)
    H, _ = gru_forward(xs, *params(gru))
    torch.testing.assert_close(H, gru(xs)[0].detach(), rtol=0, atol=TOL)
    x = xs.clone().requires_grad_()
    out = gru(x)[0]
    out.sum().backward()
    g = gru_backward(xs, torch.ones_like(out), *params(gru))
    torch.testing.assert_close(g["W_hh"], gru.weight_hh_l0.grad, rtol=0, atol=GRAD_TOL)
    torch.testing.assert_close(g["xs"], x.grad, rtol=0, atol=GRAD_TOL)
    x = xs.clone().requires_grad_()
    out = lstm(x)[0]
    out.sum().backward()
    g = lstm_backward(xs, torch.ones_like(out), *params(lstm))
    torch.testing.assert_close(g["W_ih"], lstm.weight_ih_l0.grad, rtol=0, atol=GRAD_TOL)
