"""The four input/output topologies and the encoder–decoder (seqcore.topologies), against
torch.nn.RNN(Cell) + Linear loops, and small cases worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    encoder_decoder,
    many_to_many,
    many_to_one,
    one_to_many,
    one_to_one,
)
from tests.unit.errors import assert_error_names
from tests.unit.torch_refs import F64, TOL, npy, torch


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


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_the_state_and_the_nonlinearity_given_are_the_ones_used(nonlinearity):
    """h0 starts the sequence and ``nonlinearity`` is every step's, as nn.RNN(h_0, nonlinearity)."""
    torch.manual_seed(4)
    rnn = torch.nn.RNN(4, 5, nonlinearity=nonlinearity, dtype=F64)
    dec = torch.nn.RNN(2, 5, nonlinearity=nonlinearity, dtype=F64)
    lin = torch.nn.Linear(5, 3, dtype=F64)
    xs, h0 = torch.randn(6, 2, 4, dtype=F64), torch.randn(1, 2, 5, dtype=F64)
    out, h_n = rnn(xs, h0)
    p = dict(W_xh=npy(rnn.weight_ih_l0), W_hh=npy(rnn.weight_hh_l0),
             b_h=npy(rnn.bias_ih_l0 + rnn.bias_hh_l0), W_hy=npy(lin.weight), b_y=npy(lin.bias))
    kw = dict(h0=npy(h0[0]), nonlinearity=nonlinearity)
    np.testing.assert_allclose(many_to_one(npy(xs), **p, **kw), npy(lin(h_n[0])), rtol=0,
                               atol=TOL)
    logits, H = many_to_many(npy(xs), **p, **kw)
    np.testing.assert_allclose(H, npy(out), rtol=0, atol=TOL)
    np.testing.assert_allclose(logits, npy(lin(out)), rtol=0, atol=TOL)
    ys_in = torch.randn(3, 2, 2, dtype=F64)
    _, h_T = rnn(xs)                                   # the encoder starts from zero
    enc = (p["W_xh"], p["W_hh"], p["b_h"])
    pair = (npy(dec.weight_ih_l0), npy(dec.weight_hh_l0), npy(dec.bias_ih_l0 + dec.bias_hh_l0))
    got, s0 = encoder_decoder(npy(xs), npy(ys_in), enc, pair, p["W_hy"], p["b_y"],
                              nonlinearity=nonlinearity)
    np.testing.assert_allclose(s0, npy(h_T[0]), rtol=0, atol=TOL)
    np.testing.assert_allclose(got, npy(lin(dec(ys_in, h_T)[0])), rtol=0, atol=TOL)


def test_one_to_many_feeds_nothing_back_unless_asked():
    cell, lin = rnn_and_linear(4, 6, 4, 1)
    x = np.random.default_rng(3).normal(size=4)
    default = one_to_many(x, 5, **w(cell, lin))
    none = one_to_many(x, 5, **w(cell, lin), feedback="none")
    fed = one_to_many(x, 5, **w(cell, lin), feedback="output")
    np.testing.assert_array_equal(default[0], none[0])
    assert not np.allclose(default[0][1:], fed[0][1:])


def _p(d=3, n=4, gates=1):
    rng = np.random.default_rng(0)
    return (rng.normal(size=(gates * n, d)), rng.normal(size=(gates * n, n)))


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: one_to_many(np.ones(3), 3, *_p(), None, np.ones((2, 4)), feedback="output"),
         ShapeError, ["one_to_many: feedback='output'", "output == input = 3", "got 2"]),
        (lambda: one_to_many(np.ones((2, 3)), 3, *_p(), None, np.ones((2, 4)),
                             h0=np.zeros(4)),
         ShapeError, ["one_to_many: `h0`", "(batch, hidden)", "(4,)"]),
        (lambda: many_to_many(np.ones((5, 3)), *_p(), None, np.ones((2, 5))),
         ShapeError, ["many_to_many: `W_hy`", "hidden=4", "(2, 5)"]),
        (lambda: one_to_one(np.ones((2, 2, 3)), _p()[0], None, np.ones((2, 4))),
         ShapeError, ["one_to_one: `x`", "(batch, input)", "(2, 2, 3)"]),
        (lambda: encoder_decoder(np.ones((4, 3)), np.ones((2, 2)), (*_p(), None),
                                 (*_p(d=2, n=5), None), np.ones((6, 5))),
         ShapeError, ["encoder_decoder: `decoder.W_xh`", "hidden=4", "(5, 2)"]),
        (lambda: encoder_decoder(np.ones((4, 3)), np.ones((2, 2)), _p(), (*_p(d=2), None),
                                 np.ones((6, 4))),
         TypeError, ["encoder_decoder: `encoder`", "W_xh, W_hh, b_h", "length 2"]),
        (lambda: encoder_decoder(np.ones((4, 3)), np.ones((2, 2)), (*_p(), None), None,
                                 np.ones((6, 4))),
         TypeError, ["encoder_decoder: `decoder`", "W_xh, W_hh, b_h", "NoneType"]),
        (lambda: encoder_decoder(np.ones((4, 2, 3)), np.ones((2, 3, 2)), (*_p(), None),
                                 (*_p(d=2), None), np.ones((6, 4))),
         ShapeError, ["encoder_decoder: `ys_in`", "batch=2", "(2, 3, 2)"]),
        (lambda: encoder_decoder(np.ones((4, 3)), np.ones((2, 1, 2)), (*_p(), None),
                                 (*_p(d=2), None), np.ones((6, 4))),
         ShapeError, ["encoder_decoder: `ys_in`", "2-D (dec_time, dec_input)", "batch axis"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


def test_topologies_by_hand():
    W_xh, W_hh, b_h = np.ones((2, 1)), np.eye(2) / 2, np.zeros(2)
    W_hy = np.array([[1.0, 1.0]])
    # one_to_one: o = W_hy tanh(W_xh x + b_h), with float32 kept
    x32 = np.ones(1, dtype=np.float32)
    o = one_to_one(x32, W_xh.astype(np.float32), b_h.astype(np.float32),
                   W_hy.astype(np.float32))
    assert o.dtype == np.float32
    np.testing.assert_allclose(o, [2 * np.tanh(1.0)], rtol=1e-6)
    np.testing.assert_allclose(one_to_one(np.ones(1), W_xh, b_h, W_hy, nonlinearity="relu"), [2.0])
    # one_to_many, steps = 1 allowed; with feedback the output is the next input
    outs, H = one_to_many(np.ones(1), 1, W_xh, W_hh, b_h, W_hy)
    assert outs.shape == (1, 1) and H.shape == (1, 2)
    h1 = np.tanh(np.ones(2))
    outs, H = one_to_many(np.ones(1), 2, W_xh, W_hh, b_h, W_hy, feedback="output")
    o1 = h1.sum()
    h2 = np.tanh(o1 * np.ones(2) + h1 / 2)
    np.testing.assert_allclose(H, [h1, h2], rtol=1e-14)
    np.testing.assert_allclose(outs[:, 0], [o1, h2.sum()], rtol=1e-14)
    outs, H = one_to_many(np.ones(1), 2, W_xh, W_hh, b_h, W_hy)   # zero input after the first
    np.testing.assert_allclose(H[1], np.tanh(h1 / 2), rtol=1e-14)
    outs, H = one_to_many(np.ones(1), 1, W_xh, W_hh, b_h, W_hy, h0=np.ones(2))
    np.testing.assert_allclose(H[0], np.tanh(np.ones(2) * 1.5), rtol=1e-14)
    assert one_to_many(np.ones(1, dtype=np.float32), 1, *(w.astype(np.float32) for w in
                                                          (W_xh, W_hh, b_h, W_hy)))[1].dtype \
        == np.float32
