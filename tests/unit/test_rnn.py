"""The RNN forward pass against torch.nn.RNNCell / torch.nn.RNN with copied weights."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import ShapeError, rnn_forward, rnn_logits, rnn_output, rnn_step
from tests._require import require
from tests.unit.errors import assert_batch_axis_is_checked, assert_error_names

torch = require("torch")

TOL = 1e-10
SHAPES = [  # (T, batch, input, hidden)
    (1, 1, 1, 1),
    (5, 3, 4, 6),
    (7, 1, 10, 3),
    (3, 8, 2, 16),
    (12, 2, 5, 5),
]


def torch_rnn(input_size: int, hidden: int, nonlinearity: str, bias: bool, seed: int):
    torch.manual_seed(seed)
    return torch.nn.RNN(input_size, hidden, nonlinearity=nonlinearity, bias=bias,
                        dtype=torch.float64)


def weights_of(module, bias: bool, suffix: str = "_l0"):
    """Copy a torch RNN's weights out as NumPy arrays in seqcore's argument order."""
    W_xh = getattr(module, f"weight_ih{suffix}").detach().numpy().copy()
    W_hh = getattr(module, f"weight_hh{suffix}").detach().numpy().copy()
    if not bias:
        return W_xh, W_hh, None
    b_h = (getattr(module, f"bias_ih{suffix}") + getattr(module, f"bias_hh{suffix}"))
    return W_xh, W_hh, b_h.detach().numpy().copy()


@pytest.mark.formula("rnn.hidden")
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_rnn_step_matches_rnncell(shape, batched, nonlinearity):
    _, B, d, h = shape
    torch.manual_seed(d * 100 + h)
    cell = torch.nn.RNNCell(d, h, nonlinearity=nonlinearity, dtype=torch.float64)
    x = torch.randn(B, d, dtype=torch.float64) if batched else torch.randn(d, dtype=torch.float64)
    h_prev = torch.randn(*x.shape[:-1], h, dtype=torch.float64)
    expected = cell(x, h_prev).detach().numpy()
    W_xh, W_hh = cell.weight_ih.detach().numpy(), cell.weight_hh.detach().numpy()
    b_h = (cell.bias_ih + cell.bias_hh).detach().numpy()
    got = rnn_step(x.numpy(), h_prev.numpy(), W_xh, W_hh, b_h, nonlinearity=nonlinearity)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOL)


@pytest.mark.formula("rnn.unroll")
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("given_h0", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_rnn_forward_matches_nn_rnn(shape, batched, given_h0, nonlinearity, bias):
    T, B, d, h = shape
    rnn = torch_rnn(d, h, nonlinearity, bias, seed=T + B + d + h)
    xs = torch.randn(T, B, d, dtype=torch.float64) if batched else torch.randn(T, d,
                                                                                dtype=torch.float64)
    h0 = torch.randn(1, *xs.shape[1:-1], h, dtype=torch.float64) if given_h0 else None
    out, h_n = rnn(xs, h0)
    W_xh, W_hh, b_h = weights_of(rnn, bias)
    H, h_T = rnn_forward(xs.numpy(), W_xh, W_hh, b_h,
                         h0=None if h0 is None else h0[0].numpy(), nonlinearity=nonlinearity)
    np.testing.assert_allclose(H, out.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(h_T, h_n[0].detach().numpy(), rtol=0, atol=TOL)


@pytest.mark.formula("rnn.hidden", "rnn.unroll")
@pytest.mark.parametrize("shape", SHAPES)
def test_same_functions_take_torch_tensors(shape):
    """One implementation, two backends: torch tensors in, torch tensors out."""
    T, B, d, h = shape
    rnn = torch_rnn(d, h, "tanh", True, seed=7)
    xs = torch.randn(T, B, d, dtype=torch.float64)
    out, h_n = rnn(xs)
    p = dict(rnn.named_parameters())
    W_xh, W_hh = p["weight_ih_l0"].detach(), p["weight_hh_l0"].detach()
    b_h = (p["bias_ih_l0"] + p["bias_hh_l0"]).detach()
    H, h_T = rnn_forward(xs, W_xh, W_hh, b_h)
    assert isinstance(H, torch.Tensor) and H.dtype == torch.float64
    torch.testing.assert_close(H, out.detach(), rtol=0, atol=TOL)
    torch.testing.assert_close(h_T, h_n[0].detach(), rtol=0, atol=TOL)
    step = rnn_step(xs[0], torch.zeros(B, h, dtype=torch.float64), W_xh, W_hh, b_h)
    torch.testing.assert_close(step, out[0].detach(), rtol=0, atol=TOL)


@pytest.mark.formula("rnn.unroll")
def test_float32_forward_close_to_torch():
    rnn = torch.nn.RNN(8, 16)
    xs = torch.randn(20, 4, 8)
    out, _ = rnn(xs)
    W_xh, W_hh, b_h = weights_of(rnn, True)
    H, _ = rnn_forward(xs.numpy(), W_xh, W_hh, b_h)
    assert H.dtype == np.float32
    np.testing.assert_allclose(H, out.detach().numpy(), rtol=0, atol=1e-5)


@pytest.mark.formula("rnn.logits", "rnn.output")
@pytest.mark.parametrize("lead", [(), (4,), (6, 3)])
def test_output_layer_matches_linear_softmax(lead):
    torch.manual_seed(3)
    linear = torch.nn.Linear(5, 7, dtype=torch.float64)
    h = torch.randn(*lead, 5, dtype=torch.float64)
    logits = linear(h)
    W_hy, b_y = linear.weight.detach().numpy(), linear.bias.detach().numpy()
    np.testing.assert_allclose(rnn_logits(h.numpy(), W_hy, b_y), logits.detach().numpy(),
                               rtol=0, atol=TOL)
    np.testing.assert_allclose(rnn_output(h.numpy(), W_hy, b_y),
                               torch.softmax(logits, dim=-1).detach().numpy(), rtol=0, atol=TOL)


# --- bad input: clear errors that name the argument -------------------------------------

def _weights(d=3, h=4):
    rng = np.random.default_rng(0)
    return rng.normal(size=(h, d)), rng.normal(size=(h, h)), rng.normal(size=h)


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda W: rnn_step(np.ones((2, 2, 3)), np.zeros((2, 4)), *W),
         ShapeError, ["`x`", "1-D (input,) or 2-D (batch, input)", "(2, 2, 3)"]),
        (lambda W: rnn_step(np.ones(5), np.zeros(4), *W),
         ShapeError, ["`x`", "input=3", "(5,)"]),
        (lambda W: rnn_step(np.ones(3), np.zeros(5), *W),
         ShapeError, ["`h_prev`", "hidden=4", "(5,)"]),
        (lambda W: rnn_step(np.ones((2, 3)), np.zeros((3, 4)), *W),
         ShapeError, ["`h_prev`", "batch=2", "(3, 4)"]),
        (lambda W: rnn_step(np.ones((2, 3)), np.zeros(4), *W),
         ShapeError, ["`h_prev`", "2-D (batch, hidden)", "(4,)"]),
        (lambda W: rnn_step(np.ones(3), np.zeros(4), W[0], np.ones((4, 3)), W[2]),
         ShapeError, ["`W_hh`", "(hidden, hidden)", "(4, 3)"]),
        (lambda W: rnn_step(np.ones(3), np.zeros(4), W[0], W[1], np.ones(5)),
         ShapeError, ["`b_h`", "hidden=4", "(5,)"]),
        (lambda W: rnn_step(np.ones(3, dtype=int), np.zeros(4), *W),
         TypeError, ["`x`", "floating", "int64"]),
        (lambda W: rnn_step(np.ones(3, dtype=np.float32), np.zeros(4), *W),
         TypeError, ["float32", "float64"]),
        (lambda W: rnn_step(np.ones(3), np.zeros(4), *W, nonlinearity="sigmoid"),
         ValueError, ["`nonlinearity`", "'tanh', 'relu'", "'sigmoid'"]),
        (lambda W: rnn_forward(np.ones((0, 3)), *W),
         ShapeError, ["`xs`", "at least one time step", "(0, 3)"]),
        (lambda W: rnn_forward(np.ones(3), *W),
         ShapeError, ["`xs`", "2-D (time, input) or 3-D (time, batch, input)", "(3,)"]),
        (lambda W: rnn_forward(np.ones((5, 2, 3)), *W, h0=np.zeros((3, 4))),
         ShapeError, ["`h0`", "batch=2", "(3, 4)"]),
        (lambda W: rnn_forward(np.ones((5, 3)), *W, nonlinearity="gelu"),
         ValueError, ["`nonlinearity`", "'gelu'"]),
        (lambda W: rnn_logits(np.ones(4), np.ones((2, 5))),
         ShapeError, ["`h`", "hidden=5", "(4,)"]),
        (lambda W: rnn_step(torch.ones(3, dtype=torch.float64), np.zeros(4), *W),
         TypeError, ["one library", "`x` is torch.Tensor", "`h_prev` is numpy.ndarray"]),
        (lambda W: rnn_step("abc", np.zeros(4), *W),
         TypeError, ["`x`", "floating"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(lambda: call(_weights()), error, fragments)


def test_lists_are_accepted_as_numpy():
    W_xh, W_hh, b_h = _weights()
    got = rnn_step([1.0, 2.0, 3.0], [0.0] * 4, W_xh.tolist(), W_hh, b_h)
    expected = np.tanh(W_xh @ np.array([1.0, 2.0, 3.0]) + b_h)
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOL)


# --- the GPU path: the same functions on CUDA tensors ------------------------------------

@pytest.mark.gpu
@pytest.mark.formula("rnn.unroll")
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_cuda_forward_matches_nn_rnn_on_cuda(shape, nonlinearity):
    T, B, d, h = shape
    device = torch.device("cuda")
    rnn = torch_rnn(d, h, nonlinearity, True, seed=11).to(device)
    xs = torch.randn(T, B, d, dtype=torch.float64, device=device)
    h0 = torch.randn(1, B, h, dtype=torch.float64, device=device)
    out, h_n = rnn(xs, h0)
    p = dict(rnn.named_parameters())
    H, h_T = rnn_forward(xs, p["weight_ih_l0"].detach(), p["weight_hh_l0"].detach(),
                         (p["bias_ih_l0"] + p["bias_hh_l0"]).detach(), h0=h0[0],
                         nonlinearity=nonlinearity)
    assert H.device.type == "cuda"
    torch.testing.assert_close(H, out.detach(), rtol=0, atol=TOL)
    torch.testing.assert_close(h_T, h_n[0].detach(), rtol=0, atol=TOL)


@pytest.mark.gpu
def test_cpu_and_cuda_arguments_are_refused():
    W = [torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 4, dtype=torch.float64)]
    with pytest.raises(ValueError, match="one device"):
        rnn_step(torch.ones(3, dtype=torch.float64, device="cuda"),
                 torch.zeros(4, dtype=torch.float64), *W)


# --- the batch axis and degenerate inputs ----------------------------------------------------

def _batched(B=2, T=3, D=2, N=4):
    rng = np.random.default_rng(3)
    W_xh, W_hh, b_h = rng.normal(size=(N, D)), rng.normal(size=(N, N)) / 2, rng.normal(size=N)
    xs, h0 = rng.normal(size=(T, B, D)), rng.normal(size=(B, N))
    return [
        (rnn_step, {"x": xs[0], "h_prev": h0, "W_xh": W_xh, "W_hh": W_hh, "b_h": b_h},
         ["x", "h_prev"]),
        (rnn_forward, {"xs": xs, "W_xh": W_xh, "W_hh": W_hh, "b_h": b_h, "h0": h0},
         ["xs", "h0"]),
    ]


@pytest.mark.parametrize(("func", "good", "args"), _batched(), ids=["rnn_step", "rnn_forward"])
def test_batched_shapes_are_checked(func, good, args):
    name = func.__name__
    # another batch size, or a batch axis too many, is refused by name
    assert_batch_axis_is_checked(func, good, args)
    # with unbatched inputs, a batched state is refused too: the batch axis decided by `x`
    plain = {k: (v[:, 0] if k == "xs" else v[0] if k in ("x", "h_prev", "h0") else v)
             for k, v in good.items()}
    func(**plain)
    state = "h_prev" if func is rnn_step else "h0"
    assert_error_names(lambda: func(**{**plain, state: good[state]}), ShapeError,
                       [f"{name}: `{state}`", "1-D (hidden,)", "has no batch axis"])


def test_rnn_logits_needs_a_hidden_axis():
    assert_error_names(lambda: rnn_logits(np.array(1.0), np.ones((2, 1))), ShapeError,
                       ["rnn_logits: `h`", "at least 1-D (..., hidden)", "0-D"])
    assert_error_names(lambda: rnn_output(np.ones(4), np.ones((2, 5))), ShapeError,
                       ["rnn_output: `h`", "hidden=5", "(4,)"])
