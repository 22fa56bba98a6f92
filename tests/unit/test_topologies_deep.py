"""Topologies against torch.nn.RNN(Cell) + Linear loops; bidirectional and deep RNN, LSTM
and GRU against torch.nn with bidirectional=True, num_layers > 1 and both."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    bidirectional_rnn,
    deep_rnn,
    encoder_decoder,
    many_to_many,
    many_to_one,
    one_to_many,
    one_to_one,
    weights_from_torch,
)
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")
F64 = torch.float64
TOL = 1e-10


def npy(t):
    return t.detach().cpu().numpy()


def rnn_and_linear(d, n, q, seed):
    torch.manual_seed(seed)
    return torch.nn.RNNCell(d, n, dtype=F64), torch.nn.Linear(n, q, dtype=F64)


def w(cell, lin):
    return dict(W_xh=npy(cell.weight_ih), W_hh=npy(cell.weight_hh),
                b_h=npy(cell.bias_ih + cell.bias_hh), W_hy=npy(lin.weight), b_y=npy(lin.bias))


@pytest.mark.formula("topology.one-to-one")
@pytest.mark.parametrize("lead", [(), (4,)])
def test_one_to_one_is_a_single_step_from_zero(lead):
    cell, lin = rnn_and_linear(3, 5, 2, 0)
    x = torch.randn(*lead, 3, dtype=F64)
    ref = lin(cell(x, torch.zeros(*lead, 5, dtype=F64)))
    p = w(cell, lin)
    got = one_to_one(npy(x), p["W_xh"], p["b_h"], p["W_hy"], p["b_y"])
    np.testing.assert_allclose(got, npy(ref), rtol=0, atol=TOL)


@pytest.mark.formula("topology.one-to-many")
@pytest.mark.parametrize("feedback", ["none", "output"])
@pytest.mark.parametrize("lead", [(), (3,)])
def test_one_to_many_matches_a_torch_loop(feedback, lead):
    cell, lin = rnn_and_linear(4, 6, 4, 1)
    x = torch.randn(*lead, 4, dtype=F64)
    h0 = torch.randn(*lead, 6, dtype=F64)
    outs, h, x_t = [], h0, x
    for _ in range(7):
        h = cell(x_t, h)
        o = lin(h)
        outs.append(o)
        x_t = o if feedback == "output" else torch.zeros_like(x)
    outs_, H = one_to_many(npy(x), 7, **w(cell, lin), feedback=feedback, h0=npy(h0))
    np.testing.assert_allclose(outs_, npy(torch.stack(outs)), rtol=0, atol=TOL)
    assert H.shape == (7, *lead, 6)


@pytest.mark.formula("topology.many-to-one", "topology.many-to-many")
@pytest.mark.parametrize("lead", [(), (3,)])
def test_many_to_one_and_many_to_many_match_nn_rnn(lead):
    torch.manual_seed(2)
    rnn, lin = torch.nn.RNN(4, 5, dtype=F64), torch.nn.Linear(5, 3, dtype=F64)
    xs = torch.randn(6, *lead, 4, dtype=F64)
    out, h_n = rnn(xs)
    p = dict(W_xh=npy(rnn.weight_ih_l0), W_hh=npy(rnn.weight_hh_l0),
             b_h=npy(rnn.bias_ih_l0 + rnn.bias_hh_l0), W_hy=npy(lin.weight), b_y=npy(lin.bias))
    np.testing.assert_allclose(many_to_one(npy(xs), **p), npy(lin(h_n[0])), rtol=0, atol=TOL)
    logits, H = many_to_many(npy(xs), **p)
    np.testing.assert_allclose(logits, npy(lin(out)), rtol=0, atol=TOL)
    np.testing.assert_allclose(H, npy(out), rtol=0, atol=TOL)


@pytest.mark.formula("topology.encoder-decoder")
@pytest.mark.parametrize(("T", "T_out"), [(5, 2), (2, 6), (4, 4)])
def test_encoder_decoder_matches_two_nn_rnns(T, T_out):
    torch.manual_seed(T * 10 + T_out)
    enc, dec = torch.nn.RNN(3, 5, dtype=F64), torch.nn.RNN(2, 5, dtype=F64)
    lin = torch.nn.Linear(5, 7, dtype=F64)
    xs, ys_in = torch.randn(T, 2, 3, dtype=F64), torch.randn(T_out, 2, 2, dtype=F64)
    _, h_T = enc(xs)
    ref = lin(dec(ys_in, h_T)[0])
    def pack(m):
        return npy(m.weight_ih_l0), npy(m.weight_hh_l0), npy(m.bias_ih_l0 + m.bias_hh_l0)

    logits, s0 = encoder_decoder(npy(xs), npy(ys_in), pack(enc), pack(dec), npy(lin.weight),
                            npy(lin.bias))
    assert logits.shape == (T_out, 2, 7)
    np.testing.assert_allclose(logits, npy(ref), rtol=0, atol=TOL)
    np.testing.assert_allclose(s0, npy(h_T[0]), rtol=0, atol=TOL)


# --- bidirectional and deep ---------------------------------------------------------------

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


# --- bad input -----------------------------------------------------------------------------

def _p(d=3, n=4, gates=1):
    rng = np.random.default_rng(0)
    return (rng.normal(size=(gates * n, d)), rng.normal(size=(gates * n, n)))


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: one_to_many(np.ones(3), 0, *_p(), None, np.ones((2, 4))),
         ValueError, ["`steps`", ">= 1", "0"]),
        (lambda: one_to_many(np.ones(3), 3, *_p(), None, np.ones((2, 4)), feedback="output"),
         ShapeError, ["feedback='output'", "output == input = 3", "2"]),
        (lambda: one_to_many(np.ones(3), 3, *_p(), None, np.ones((2, 4)), feedback="yes"),
         ValueError, ["`feedback`", "'none', 'output'", "'yes'"]),
        (lambda: one_to_many(np.ones((2, 3)), 3, *_p(), None, np.ones((2, 4)),
                             h0=np.zeros(4)),
         ShapeError, ["`h0`", "(batch, hidden)", "(4,)"]),
        (lambda: many_to_one(np.ones((0, 3)), *_p(), None, np.ones((2, 4))),
         ShapeError, ["`xs`", "at least one time step"]),
        (lambda: many_to_many(np.ones((5, 3)), *_p(), None, np.ones((2, 5))),
         ShapeError, ["`h`", "hidden=5", "(5, 4)"]),
        (lambda: one_to_one(np.ones((2, 2, 3)), _p()[0], None, np.ones((2, 4))),
         ShapeError, ["`x`", "(batch, input)", "(2, 2, 3)"]),
        (lambda: encoder_decoder(np.ones((4, 3)), np.ones((2, 2)), (*_p(), None),
                                 (*_p(d=2, n=5), None), np.ones((6, 5))),
         ShapeError, ["encoder's hidden size (4", "decoder's (5", "s_0"]),
        (lambda: encoder_decoder(np.ones((4, 3)), np.ones((2, 2)), _p(), (*_p(d=2), None),
                                 np.ones((6, 4))),
         TypeError, ["`encoder`", "(W_xh, W_hh, b_h)", "length 2"]),
        (lambda: encoder_decoder(np.ones((4, 2, 3)), np.ones((2, 3, 2)), (*_p(), None),
                                 (*_p(d=2), None), np.ones((6, 4))),
         ShapeError, ["`ys_in`", "batch=2", "(2, 3, 2)"]),
        (lambda: deep_rnn(np.ones((5, 3)), [[_p()], [(np.ones((5, 4)), np.ones((5, 5)))]]),
         ShapeError, ["same hidden size", "4", "`layers[1][0]`", "(5, 5)"]),
        (lambda: deep_rnn(np.ones((5, 3)), [[_p(), _p()], [_p(d=8)]]),
         ValueError, ["2 direction(s)", "`layers[1]` has 1"]),
        (lambda: deep_rnn(np.ones((5, 3)), []), ValueError, ["`layers`", "non-empty"]),
        (lambda: deep_rnn(np.ones((5, 3)), [[_p()]], cell="transformer"),
         ValueError, ["`cell`", "'transformer'"]),
        (lambda: deep_rnn(np.ones((5, 3)), [[_p(gates=3)]], cell="lstm"),
         ShapeError, ["`W_hh`", "4·hidden", "i, f, g, o"]),
        (lambda: deep_rnn(np.ones((5, 3)), [[_p()]], h0=np.zeros((2, 4))),
         ShapeError, ["`h0`", "(1, 4)", "(2, 4)"]),
        (lambda: deep_rnn(np.ones((5, 3)), [[_p()]], c0=np.zeros((1, 4))),
         ValueError, ["`c0`", "lstm"]),
        (lambda: deep_rnn(np.ones(3), [[_p()]]),
         ShapeError, ["`xs`", "2-D (time, input)", "(3,)"]),
        (lambda: deep_rnn(np.ones((0, 3)), [[_p()]]),
         ShapeError, ["`xs`", "at least one time step"]),
        (lambda: bidirectional_rnn(np.ones((5, 3)), _p(), _p()[:1]),
         TypeError, ["`layers[0][1]`", "(W_ih, W_hh, b_ih, b_hh)", "length 1"]),
        (lambda: weights_from_torch(torch.nn.Linear(2, 2)),
         TypeError, ["`module`", "Linear"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


@pytest.mark.gpu
@pytest.mark.formula("deep.stacked-bidirectional")
@pytest.mark.parametrize("cell", list(MODULES))
def test_cuda_deep_bidirectional_matches_torch(cell):
    compare(cell, 2, True, True, True, backend="torch", device="cuda")
