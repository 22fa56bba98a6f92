"""The LSTM (seqcore.lstm): step and sequence against torch.nn.LSTMCell / LSTM, the backward
pass against torch.autograd, the stacked gate blocks and the batch axis checked by name."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    gru_backward,
    gru_forward,
    lstm_backward,
    lstm_forward,
    lstm_step,
)
from tests.unit.errors import assert_batch_axis_is_checked, assert_error_names
from tests.unit.torch_refs import F64, GRAD_TOL, SHAPES, TOL, npy, params, torch


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


def _lstm_w(d=3, n=4, gates=4):
    rng = np.random.default_rng(0)
    return rng.normal(size=(gates * n, d)), rng.normal(size=(gates * n, n))


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: lstm_step(np.ones(3), np.zeros(4), np.zeros(4), *_lstm_w(gates=3)),
         ShapeError, ["lstm_step: `W_hh`", "(4*hidden, hidden)", "(12, 4)"]),
        (lambda: lstm_step(np.ones(3), np.zeros(4), np.zeros(4), _lstm_w()[0][:12],
                           _lstm_w()[1]),
         ShapeError, ["lstm_step: `W_ih`", "(4*hidden, input) = (16, 3)", "(12, 3)"]),
        (lambda: lstm_step(np.ones(3), np.zeros(4), np.zeros(4), *_lstm_w(), np.ones(15)),
         ShapeError, ["lstm_step: `b_ih`", "(16,)", "(15,)"]),
        (lambda: lstm_step(np.ones(3), np.zeros(4), np.zeros(5), *_lstm_w()),
         ShapeError, ["lstm_step: `c_prev`", "hidden=4", "(5,)"]),
        (lambda: lstm_forward(np.ones((5, 2, 3)), *_lstm_w(), h0=np.zeros((3, 4))),
         ShapeError, ["lstm_forward: `h0`", "batch=2", "(3, 4)"]),
        (lambda: lstm_backward(np.ones((5, 3)), np.ones((4, 4)), *_lstm_w()),
         ShapeError, ["lstm_backward: `dH`", "time=5", "(4, 4)"]),
        (lambda: lstm_forward(np.ones((5, 3)), np.ones((16, 3)), np.ones(16)),
         ShapeError, ["lstm_forward: `W_hh`", "2-D (4*hidden, hidden)", "(16,)"]),
        (lambda: lstm_forward(np.ones((2, 1)), np.ones((6, 1)), np.ones((8, 2))),
         ShapeError, ["lstm_forward: `W_ih`", "(8, 1)", "(6, 1)"]),
        (lambda: lstm_forward(np.ones((2, 1)), np.ones((8, 1)), np.ones((6, 2))),
         ShapeError, ["lstm_forward: `W_hh`", "(4*hidden, hidden) = (8, 2)", "(6, 2)"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


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


def _gated_batched():
    rng = np.random.default_rng(11)
    T, B, D, N = 3, 2, 2, 4
    W = {"W_ih": rng.normal(size=(4 * N, D)), "W_hh": rng.normal(size=(4 * N, N)),
         "b_ih": rng.normal(size=4 * N), "b_hh": rng.normal(size=4 * N)}
    xs, h, dH = rng.normal(size=(T, B, D)), rng.normal(size=(B, N)), rng.normal(size=(T, B, N))
    return [
        (lstm_step, {"x": xs[0], "h_prev": h, "c_prev": h, **W}, ["x", "h_prev", "c_prev"]),
        (lstm_forward, {"xs": xs, "h0": h, "c0": h, **W}, ["xs", "h0", "c0"]),
        (lstm_backward, {"xs": xs, "dH": dH, "h0": h, "c0": h, "dh_T": h, "dc_T": h, **W},
         ["xs", "dH", "h0", "c0", "dh_T", "dc_T"]),
    ]


STATES = ("h_prev", "c_prev", "h0", "c0", "dh_T", "dc_T", "dH")


@pytest.mark.parametrize(("func", "good", "args"), _gated_batched(),
                         ids=["lstm_step", "lstm_forward", "lstm_backward"])
def test_batched_shapes_are_checked(func, good, args):
    name = func.__name__
    assert_batch_axis_is_checked(func, good, args)
    plain = {k: (v[:, 0] if k in ("xs", "dH") else v[0] if k in ("x", *STATES) else v)
             for k, v in good.items()}
    func(**plain)
    for arg in args:
        if arg in STATES:
            assert_error_names(lambda arg=arg: func(**{**plain, arg: good[arg]}), ShapeError,
                               [f"{name}: `{arg}`", "batch axis"])


def test_gate_biases_must_be_vectors_and_float32_stays():
    rng = np.random.default_rng(11)
    xs = rng.normal(size=(3, 2))
    W = {"W_ih": rng.normal(size=(16, 2)), "W_hh": rng.normal(size=(16, 4)),
         "b_ih": rng.normal(size=16), "b_hh": rng.normal(size=16)}
    for name in ("b_ih", "b_hh"):
        column = W[name][:, None]               # the right number of rows, but 2-D
        assert_error_names(lambda name=name, column=column: lstm_forward(xs, **{**W, name: column}),
                           ShapeError, [f"lstm_forward: `{name}`", "1-D (4*hidden,)"])
    W32 = {k: v.astype(np.float32) for k, v in W.items()}
    H, *_ = lstm_forward(xs.astype(np.float32), **W32)          # no h0: zeros of the input's dtype
    assert H.dtype == np.float32
