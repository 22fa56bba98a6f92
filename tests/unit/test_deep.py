"""Bidirectional and deep RNN, LSTM and GRU (seqcore.deep) against torch.nn with
bidirectional=True, num_layers > 1 and both."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    bidirectional_rnn,
    deep_rnn,
    weights_from_torch,
)
from tests.unit.errors import assert_error_names
from tests.unit.torch_refs import F64, TOL, npy, torch

MODULES = {"rnn_tanh": lambda *a, **k: torch.nn.RNN(*a, **k),
           "rnn_relu": lambda *a, **k: torch.nn.RNN(*a, nonlinearity="relu", **k),
           "lstm": lambda *a, **k: torch.nn.LSTM(*a, **k),
           "gru": lambda *a, **k: torch.nn.GRU(*a, **k)}


def compare(cell, layers_n, bidir, batched, given, backend="numpy", device="cpu"):
    torch.manual_seed(layers_n * 7 + bidir + batched)
    m = MODULES[cell](3, 4, num_layers=layers_n, bidirectional=bidir, dtype=F64).to(device)
    lead = (2,) if batched else ()
    D = 2 if bidir else 1
    xs = torch.randn(6, *lead, 3, dtype=F64, device=device)
    h0 = torch.randn(layers_n * D, *lead, 4, dtype=F64, device=device) if given else None
    c0 = torch.randn_like(h0) if given and cell == "lstm" else None
    state = (h0, c0) if cell == "lstm" and given else h0
    out, ref_state = m(xs, state)
    layers, got_cell = weights_from_torch(m)
    assert got_cell == cell
    conv = npy if backend == "numpy" else (lambda t: t)
    layers = [[tuple(None if p is None else conv(p) for p in ps) for ps in layer]
              for layer in layers]
    args = dict(h0=None if h0 is None else conv(h0), c0=None if c0 is None else conv(c0))
    if layers_n == 1 and bidir:
        H, st = bidirectional_rnn(conv(xs), layers[0][0], layers[0][1], cell=cell, **args)
    else:
        H, st = deep_rnn(conv(xs), layers, cell=cell, **args)
    ref_h = ref_state[0] if cell == "lstm" else ref_state
    got_h = st[0] if cell == "lstm" else st
    if backend == "numpy":
        np.testing.assert_allclose(H, npy(out), rtol=0, atol=TOL)
        np.testing.assert_allclose(got_h, npy(ref_h), rtol=0, atol=TOL)
        if cell == "lstm":
            np.testing.assert_allclose(st[1], npy(ref_state[1]), rtol=0, atol=TOL)
    else:
        assert H.device.type == torch.device(device).type
        torch.testing.assert_close(H, out.detach(), rtol=0, atol=TOL)
        torch.testing.assert_close(got_h, ref_h.detach(), rtol=0, atol=TOL)


@pytest.mark.formula("deep.forward", "deep.backward", "deep.concat", "deep.stacked",
                     "deep.stacked-bidirectional")
@pytest.mark.parametrize("given", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize(("layers_n", "bidir"), [(1, True), (2, False), (3, False), (2, True),
                                                 (3, True)])
@pytest.mark.parametrize("cell", list(MODULES))
def test_matches_torch_bidirectional_and_stacked(cell, layers_n, bidir, batched, given):
    compare(cell, layers_n, bidir, batched, given)


@pytest.mark.formula("deep.stacked-bidirectional")
@pytest.mark.parametrize("cell", list(MODULES))
def test_same_functions_take_torch_tensors(cell):
    compare(cell, 2, True, True, True, backend="torch")


@pytest.mark.formula("deep.concat")
def test_bidirectional_halves_are_the_two_directions():
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(5, 3))
    fwd = (rng.normal(size=(4, 3)), rng.normal(size=(4, 4)), np.zeros(4), np.zeros(4))
    bwd = (rng.normal(size=(4, 3)), rng.normal(size=(4, 4)), np.zeros(4), np.zeros(4))
    H, _ = bidirectional_rnn(xs, fwd, bwd)
    from seqcore import rnn_forward
    np.testing.assert_allclose(H[:, :4], rnn_forward(xs, *fwd[:2])[0], rtol=0, atol=TOL)
    np.testing.assert_allclose(H[:, 4:], rnn_forward(xs[::-1], *bwd[:2])[0][::-1],
                               rtol=0, atol=TOL)


def _p(d=3, n=4, gates=1):
    rng = np.random.default_rng(0)
    return (rng.normal(size=(gates * n, d)), rng.normal(size=(gates * n, n)))


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: deep_rnn(np.ones((5, 3)), [[_p()], [(np.ones((5, 4)), np.ones((5, 5)))]]),
         ShapeError, ["deep_rnn: `layers[1][0].W_hh`", "hidden=4", "(5, 5)"]),
        (lambda: deep_rnn(np.ones((5, 3)), [[_p()], [(np.ones((4, 5)), np.ones((4, 4)))]]),
         ShapeError, ["deep_rnn: `layers[1][0].W_ih`", "directions·hidden = 1×4 = 4 inputs",
                      "got 5"]),
        (lambda: deep_rnn(np.ones((5, 3)), [[_p(), _p()], [_p(d=8)]]),
         ValueError, ["deep_rnn: every layer", "2 direction(s)", "`layers[1]` has 1"]),
        (lambda: deep_rnn(np.ones((5, 3)), []), ValueError, ["deep_rnn: `layers`", "non-empty"]),
        (lambda: deep_rnn(np.ones((5, 3)), [_p()]),
         TypeError, ["deep_rnn: `layers[0]`", "one or two parameter tuples", "got tuple"]),
        (lambda: deep_rnn(np.ones((5, 3)), [[_p(), _p(), _p()]]),
         TypeError, ["deep_rnn: `layers[0]`", "one or two parameter tuples", "got list"]),
        (lambda: deep_rnn(np.ones((5, 3)), [[_p()], [_p()[:1]]]),
         TypeError, ["deep_rnn: `layers[1][0]`", "(W_ih, W_hh)", "got tuple of length 1"]),
        (lambda: deep_rnn(np.ones((5, 2)), [[_p()]]),
         ShapeError, ["deep_rnn: `layers[0][0].W_ih`", "`xs` fixes input=2", "(4, 3)"]),
        (lambda: deep_rnn(np.ones((5, 3)), [[_p(gates=3)]], cell="lstm"),
         ShapeError, ["deep_rnn: `layers[0][0].W_hh`", "(4*hidden, hidden)", "(12, 4)"]),
        (lambda: deep_rnn(np.ones((5, 3)), [[_p()]], h0=np.zeros((2, 4))),
         ShapeError, ["deep_rnn: `h0`", "(1, ..., 4)", "(2, 4)"]),
        (lambda: deep_rnn(np.ones((5, 2, 3)), [[_p()]], h0=np.zeros((1, 4))),
         ShapeError, ["deep_rnn: `h0`", "(states, batch, hidden)", "batch axis"]),
        (lambda: deep_rnn(np.ones((5, 3)), [[_p()]], c0=np.zeros((1, 4))),
         ValueError, ["deep_rnn: `c0`", "lstm"]),
        (lambda: deep_rnn(np.ones((5, 3)), [[_p(gates=4)]], cell="lstm", c0=np.zeros((2, 4))),
         ShapeError, ["deep_rnn: `c0`", "(1, ..., 4)", "(2, 4)"]),
        (lambda: deep_rnn(torch.ones(5, 3, dtype=torch.float64), [[_p()]]), TypeError,
         ["deep_rnn: all arrays must come from one library", "`xs` is torch.Tensor",
          "`layers[0][0].W_ih` is numpy.ndarray"]),
        (lambda: bidirectional_rnn(np.ones((5, 3)), _p(), _p()[:1]),
         TypeError, ["bidirectional_rnn: `backward`", "(W_ih, W_hh, b_ih, b_hh)", "length 1"]),
        (lambda: bidirectional_rnn(np.ones((5, 3)), _p(), (np.ones((4, 2)), np.ones((4, 4)))),
         ShapeError, ["bidirectional_rnn: `backward.W_ih`", "input=3", "(4, 2)"]),
        (lambda: bidirectional_rnn(np.ones((5, 2)), _p(), _p()),
         ShapeError, ["bidirectional_rnn: `forward.W_ih`", "`xs` fixes input=2", "(4, 3)"]),
        (lambda: bidirectional_rnn(np.ones((5, 3)), 5, _p()),
         TypeError, ["bidirectional_rnn: `forward` must be a tuple", "(W_ih, W_hh)", "got int"]),
        (lambda: bidirectional_rnn(np.ones((5, 3)), _p(), [_p()]),
         TypeError, ["bidirectional_rnn: `backward` must be a tuple", "got list of length 1"]),
        (lambda: weights_from_torch(type("RNN", (), {})()),
         TypeError, ["weights_from_torch: `module`", "torch.nn.RNN, LSTM or GRU", "got RNN"]),
        (lambda: weights_from_torch(torch.nn.Linear(2, 2)),
         TypeError, ["weights_from_torch: `module`", "torch.nn.RNN, LSTM or GRU", "Linear"]),
        (lambda: weights_from_torch(torch.nn.LSTM(3, 4, proj_size=2)),
         ValueError, ["weights_from_torch: `module`", "proj_size"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


@pytest.mark.gpu
@pytest.mark.formula("deep.stacked-bidirectional")
@pytest.mark.parametrize("cell", list(MODULES))
def test_cuda_deep_bidirectional_matches_torch(cell):
    compare(cell, 2, True, True, True, backend="torch", device="cuda")


# --- small cases worked by hand ------------------------------------------------------------

P = (np.ones((2, 1)), np.eye(2) / 2, np.zeros(2), np.zeros(2))      # one RNN direction


def test_deep_rnn_by_hand():
    xs = np.array([[1.0], [0.0]])
    # h1 = tanh(1 * (1, 1)), h2 = tanh(W_hh h1) with W_hh = I/2.
    h1 = np.tanh(np.ones(2))
    h2 = np.tanh(h1 / 2)
    H, h_n = deep_rnn(xs, [[P]])
    np.testing.assert_allclose(H, [h1, h2], rtol=1e-14)
    np.testing.assert_allclose(h_n, [h2], rtol=1e-14)
    # relu: the same with max(., 0); biases of both kinds add up.
    Pb = (P[0], P[1], np.array([0.5, 0.0]), np.array([0.5, -3.0]))
    H, _ = deep_rnn(xs, [[Pb]], cell="rnn_relu")
    np.testing.assert_allclose(H[0], [2.0, 0.0])
    H2, _ = deep_rnn(xs, [[(P[0], P[1], np.array([1.0, -2.0]), None)]], cell="rnn_relu")
    np.testing.assert_allclose(H2, H)
    H3, _ = deep_rnn(xs, [[(P[0], P[1], None, np.array([1.0, -2.0]))]], cell="rnn_relu")
    np.testing.assert_allclose(H3, H)
    # Bidirectional: the backward half runs on the reversed input and is flipped back.
    Hb, h_n = bidirectional_rnn(xs, P[:2], list(P[:2]))
    back1 = np.tanh(np.zeros(2))            # reversed input starts with x = 0
    back2 = np.tanh(np.ones(2) + back1 / 2)
    np.testing.assert_allclose(Hb, [[*h1, *back2], [*h2, *back1]], rtol=1e-14)
    np.testing.assert_allclose(h_n, [h2, back2], rtol=1e-14)
    # An LSTM layer returns (h_n, c_n).
    L = (np.ones((8, 1)), np.zeros((8, 2)), None, None)
    _, (h, c) = deep_rnn(xs, [[L]], cell="lstm", h0=np.zeros((1, 2)), c0=np.zeros((1, 2)))
    assert h.shape == c.shape == (1, 2)


def test_weights_from_torch_layout():
    gru = torch.nn.GRU(1, 2, num_layers=2, bidirectional=True)
    layers, cell = weights_from_torch(gru)
    assert cell == "gru" and len(layers) == 2 and len(layers[1]) == 2
    assert torch.equal(layers[1][1][1], gru.weight_hh_l1_reverse.detach())
    rnn = torch.nn.RNN(1, 2, nonlinearity="relu", bias=False)
    layers, cell = weights_from_torch(rnn)
    assert cell == "rnn_relu" and len(layers[0]) == 1 and layers[0][0][2] is None
    assert weights_from_torch(torch.nn.RNN(1, 2))[1] == "rnn_tanh"
    assert weights_from_torch(torch.nn.LSTM(1, 2))[1] == "lstm"



def test_deep_rnn_takes_nested_lists():
    xs = np.array([[1.0], [0.0]])
    H, _ = deep_rnn(xs, [[(P[0].tolist(), P[1].tolist())]])
    np.testing.assert_allclose(H, deep_rnn(xs, [[P[:2]]])[0], rtol=1e-15)
    assert_error_names(lambda: deep_rnn(xs, [[P[:2]], [(np.ones((3, 2)), np.eye(3).tolist())]]),
                       ValueError, ["deep_rnn: `layers[1][0].W_hh`", "hidden=2", "(3, 3)"])
