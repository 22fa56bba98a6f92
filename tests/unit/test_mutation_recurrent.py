"""Cases the mutation run (``bash .ci/mutation``) found untested in the gated cells, the
topologies, GloVe, word2vec, the transformer and the sequence models: bad inputs derived
from one good call each, whose errors must name the function and the argument."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    ar_forecast,
    ar_predict,
    ar_simulate,
    feed_forward,
    glove_gradients,
    glove_loss,
    glove_weight,
    gru_backward,
    gru_forward,
    gru_step,
    layer_norm,
    linear_rnn,
    lstm_backward,
    lstm_forward,
    lstm_step,
    markov_chain_log_prob,
    multi_head_attention,
    next_items,
    one_to_many,
    one_to_one,
    sequence_log_prob,
    sgns_gradients,
    sgns_loss,
    skipgram_softmax,
    temperature_softmax,
    top_k_softmax,
)
from tests.unit.errors import assert_derived_errors

rng = np.random.default_rng(11)
T, D, N = 3, 2, 4
xs = rng.normal(size=(T, D))


def g(*shape):
    return rng.normal(size=shape)


LSTM = {"W_ih": g(4 * N, D), "W_hh": g(4 * N, N), "b_ih": g(4 * N), "b_hh": g(4 * N)}
GRU = {"W_ih": g(3 * N, D), "W_hh": g(3 * N, N), "b_ih": g(3 * N), "b_hh": g(3 * N)}
RNN = {"W_xh": g(N, D), "W_hh": g(N, N), "b_h": g(N), "W_hy": g(5, N), "b_y": g(5)}
P = np.full((T, 3), 1 / 3)
W4 = {k: g(4, 4) for k in ("W_q", "W_k", "W_v", "W_o")}

CASES = [
    (lstm_step, {"x": xs[0], "h_prev": g(N), "c_prev": g(N), **LSTM},
     ["x", "h_prev", "c_prev", "W_ih", "W_hh", "b_ih", "b_hh"],
     ["x", "h_prev", "c_prev", "W_ih", "W_hh", "b_ih", "b_hh"],
     ["x", "h_prev", "c_prev", "W_ih", "b_ih", "b_hh"]),
    (lstm_forward, {"xs": xs, "h0": g(N), "c0": g(N), **LSTM},
     ["xs", "h0", "c0", "W_ih", "W_hh", "b_ih", "b_hh"],
     ["xs", "h0", "c0", "W_ih", "W_hh", "b_ih", "b_hh"],
     ["xs", "h0", "c0", "W_ih", "b_ih", "b_hh"]),
    (lstm_backward, {"xs": xs, "dH": g(T, N), "h0": g(N), "c0": g(N), "dh_T": g(N),
                     "dc_T": g(N), **LSTM},
     ["xs", "dH", "h0", "c0", "dh_T", "dc_T", "W_ih", "W_hh"],
     ["xs", "dH", "h0", "c0", "dh_T", "dc_T", "W_ih", "W_hh"],
     ["xs", "dH", "h0", "c0", "dh_T", "dc_T", "W_ih"]),
    (gru_step, {"x": xs[0], "h_prev": g(N), **GRU}, ["x", "h_prev", "W_ih", "W_hh", "b_ih"],
     ["x", "h_prev", "W_ih", "W_hh", "b_ih", "b_hh"], ["x", "h_prev", "W_ih", "b_ih", "b_hh"]),
    (gru_forward, {"xs": xs, "h0": g(N), **GRU}, ["xs", "h0", "W_ih", "W_hh", "b_hh"],
     ["xs", "h0", "W_ih", "W_hh", "b_ih", "b_hh"], ["xs", "h0", "W_ih", "b_ih", "b_hh"]),
    (gru_backward, {"xs": xs, "dH": g(T, N), "h0": g(N), "dh_T": g(N), **GRU},
     ["xs", "dH", "h0", "dh_T"], ["xs", "dH", "h0", "dh_T", "W_hh"], ["xs", "dH", "h0", "dh_T"]),
    (one_to_one, {"x": xs[0], "W_xh": RNN["W_xh"], "b_h": RNN["b_h"], "W_hy": RNN["W_hy"],
                  "b_y": RNN["b_y"]},
     ["x", "W_xh", "b_h"], ["x", "W_xh"], ["x", "W_xh"]),
    (one_to_many, {"x": xs[0], "steps": 2, **RNN, "h0": g(N)},
     ["x", "W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0"],
     ["x", "W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0"],
     ["x", "W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0"]),
    (glove_weight, {"X": np.array([[0.0, 5.0], [150.0, 1.0]])}, ["X"], [], []),
    (glove_loss, {"W": g(3, 2), "W_tilde": g(3, 2), "b": g(3), "b_tilde": g(3),
                  "X": np.abs(g(3, 3))},
     ["W", "W_tilde", "b", "b_tilde", "X"], ["W", "W_tilde", "b", "b_tilde", "X"],
     ["W", "W_tilde", "b", "b_tilde", "X"]),
    (glove_gradients, {"W": g(3, 2), "W_tilde": g(3, 2), "b": g(3), "b_tilde": g(3),
                       "X": np.abs(g(3, 3))},
     ["W", "W_tilde", "b", "b_tilde", "X"], ["W", "W_tilde", "b", "b_tilde", "X"],
     ["W", "W_tilde", "b", "b_tilde", "X"]),
    (skipgram_softmax, {"v_c": g(2), "U": g(4, 2)}, ["v_c", "U"], ["v_c", "U"], ["v_c", "U"]),
    (sgns_loss, {"v": g(2), "u_pos": g(2), "u_neg": g(3, 2)}, ["v", "u_pos", "u_neg"],
     ["v", "u_pos", "u_neg"], ["v", "u_pos", "u_neg"]),
    (sgns_gradients, {"v": g(2), "u_pos": g(2), "u_neg": g(3, 2)}, ["v", "u_pos", "u_neg"],
     ["v", "u_pos", "u_neg"], ["v", "u_pos", "u_neg"]),
    (layer_norm, {"x": g(2, 4), "gamma": g(4), "beta": g(4)}, ["x", "gamma", "beta"],
     ["gamma", "beta"], ["x", "gamma", "beta"]),
    (feed_forward, {"x": g(2, 4), "W_1": g(6, 4), "b_1": g(6), "W_2": g(4, 6), "b_2": g(4)},
     ["x", "W_1", "b_1", "W_2", "b_2"], ["W_1", "b_1", "W_2", "b_2"],
     ["x", "W_1", "b_1", "W_2", "b_2"]),
    (multi_head_attention, {"query": g(3, 4), "key": g(2, 4), "value": g(2, 4), **W4,
                            "num_heads": 2, "b_q": g(4), "b_o": g(4)},
     ["query", "key", "value", "W_q", "W_k", "W_v", "W_o", "b_q", "b_o"],
     ["W_q", "W_k", "W_v", "W_o", "b_q", "b_o"], ["query", "key", "value", "W_q", "b_q"]),
    (temperature_softmax, {"logits": g(4)}, ["logits"], [], []),
    (top_k_softmax, {"logits": g(4), "k": 2}, ["logits"], [], []),
    (sequence_log_prob, {"probs": P, "tokens": np.array([0, 2, 1])}, ["probs"], ["probs"],
     ["probs"]),
    (markov_chain_log_prob, {"tokens": np.array([0, 2, 1]), "initial": P[0],
                             "transition": P[:, :3]},
     ["initial", "transition"], ["initial", "transition"], ["initial", "transition"]),
    (ar_simulate, {"noise": g(5), "phi": np.array([0.5, -0.2]), "x_init": g(2)},
     ["noise", "phi", "x_init"], ["noise", "phi"], ["x_init"]),
    (ar_predict, {"x": g(5), "phi": np.array([0.5, -0.2])}, ["x", "phi"], ["x", "phi"], []),
    (ar_forecast, {"x": g(5), "phi": np.array([0.5, -0.2]), "steps": 2}, ["x", "phi"],
     ["x", "phi"], []),
    (linear_rnn, {"xs": g(4, 2), "a": 0.5, "b": 1.0, "h0": g(2)}, ["xs", "h0"], ["xs", "h0"],
     ["h0"]),
    (next_items, {"probs": g(5), "k": 2}, ["probs"], ["probs"], []),
]


@pytest.mark.parametrize(("func", "good", "floats", "ranks", "sizes"), CASES,
                         ids=[c[0].__name__ for c in CASES])
def test_errors_name_the_function(func, good, floats, ranks, sizes):
    assert_derived_errors(func, good, floats=floats, ranks=ranks, sizes=sizes)


def test_encoder_decoder_errors():
    from seqcore import encoder_decoder
    from tests.unit.errors import assert_error_names

    enc = (RNN["W_xh"], RNN["W_hh"], RNN["b_h"])
    ys = g(2, D)
    assert_error_names(lambda: encoder_decoder(xs, ys, enc[:2], enc, RNN["W_hy"]), TypeError,
                       ["encoder_decoder: `encoder` must be a tuple (W_xh, W_hh, b_h); got tuple "
                        "of length 2"])
    assert_error_names(lambda: encoder_decoder(xs, ys, enc, None, RNN["W_hy"]), TypeError,
                       ["encoder_decoder: `decoder` must be a tuple (W_xh, W_hh, b_h); got "
                        "NoneType"])
    small = (g(3, D), g(3, 3), g(3))
    assert_error_names(lambda: encoder_decoder(xs, ys, enc, small, RNN["W_hy"]), ValueError,
                       ["encoder_decoder: the encoder's hidden size (4, from `encoder` W_hh "
                        "(4, 4)) must equal the decoder's (3, from `decoder` W_hh (3, 3)): h_T "
                        "becomes s_0"])
    assert_error_names(lambda: encoder_decoder(xs, ys[:, None], enc, enc, RNN["W_hy"]),
                       ValueError, ["encoder_decoder: `ys_in` must have the rank of `xs` (2-D, "
                                    "time first); got 3-D shape (2, 1, 2)"])
    assert_error_names(lambda: encoder_decoder(g(T, 2, D), g(2, 3, D), enc, enc, RNN["W_hy"]),
                       ValueError, ["encoder_decoder: `ys_in` must have batch=2 like `xs`; got "
                                    "shape (2, 3, 2)"])
    ragged = (enc[0], [[0.0], [0.0, 0.0]], enc[2])
    assert_error_names(lambda: encoder_decoder(xs, ys, enc, ragged, RNN["W_hy"]),
                       TypeError, ["encoder_decoder: `dec_W_hh` must be an array"])


def test_topology_arguments_and_values_by_hand():
    from seqcore import one_to_many, one_to_one
    from tests.unit.errors import assert_error_names

    W_xh, W_hh, b_h = np.ones((2, 1)), np.eye(2) / 2, np.zeros(2)
    W_hy = np.array([[1.0, 1.0]])
    for func, args in ((one_to_one, (np.ones(1), W_xh, b_h, W_hy)),
                       (one_to_many, (np.ones(1), 1, W_xh, W_hh, b_h, W_hy))):
        assert_error_names(lambda func=func, args=args: func(*args, nonlinearity="sig"),
                           ValueError, [f"{func.__name__}: `nonlinearity` must be one of 'tanh', "
                                        "'relu'; got 'sig'"])
    for bad in (0, True, 1.0):
        assert_error_names(lambda bad=bad: one_to_many(np.ones(1), bad, W_xh, W_hh, b_h, W_hy),
                           ValueError, [f"one_to_many: `steps` must be an integer >= 1; "
                                        f"got {bad!r}"])
    assert_error_names(lambda: one_to_many(np.ones(1), 1, W_xh, W_hh, b_h, W_hy, feedback="x"),
                       ValueError, ["one_to_many: `feedback` must be one of 'none', 'output'; "
                                    "got 'x'"])
    assert_error_names(lambda: one_to_many(np.ones(1), 1, W_xh, W_hh, b_h, np.ones((2, 2)),
                                           feedback="output"), ValueError,
                       ["one_to_many: feedback='output' feeds o_(t-1) back as the next input, so "
                        "`W_hy` must have output == input = 1 rows; got 2"])
    # one_to_one: o = W_hy tanh(W_xh x + b_h), with float32 kept.
    x32 = np.ones(1, dtype=np.float32)
    o = one_to_one(x32, W_xh.astype(np.float32), b_h.astype(np.float32),
                   W_hy.astype(np.float32))
    assert o.dtype == np.float32
    np.testing.assert_allclose(o, [2 * np.tanh(1.0)], rtol=1e-6)
    np.testing.assert_allclose(one_to_one(np.ones(1), W_xh, b_h, W_hy, nonlinearity="relu"), [2.0])
    # one_to_many, steps = 1 allowed; with feedback the output is the next input.
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


B = 2
xsB = rng.normal(size=(T, B, D))
hB, dHB = rng.normal(size=(B, N)), rng.normal(size=(T, B, N))
GATED_BATCHED = [
    (lstm_step, {"x": xsB[0], "h_prev": hB, "c_prev": hB, **LSTM}, ["x", "h_prev", "c_prev"]),
    (lstm_forward, {"xs": xsB, "h0": hB, "c0": hB, **LSTM}, ["xs", "h0", "c0"]),
    (lstm_backward, {"xs": xsB, "dH": dHB, "h0": hB, "c0": hB, "dh_T": hB, "dc_T": hB, **LSTM},
     ["xs", "dH", "h0", "c0", "dh_T", "dc_T"]),
    (gru_step, {"x": xsB[0], "h_prev": hB, **GRU}, ["x", "h_prev"]),
    (gru_forward, {"xs": xsB, "h0": hB, **GRU}, ["xs", "h0"]),
    (gru_backward, {"xs": xsB, "dH": dHB, "h0": hB, "dh_T": hB, **GRU},
     ["xs", "dH", "h0", "dh_T"]),
]
STATES = ("h_prev", "c_prev", "h0", "c0", "dh_T", "dc_T", "dH")


@pytest.mark.parametrize(("func", "good", "args"), GATED_BATCHED,
                         ids=[c[0].__name__ for c in GATED_BATCHED])
def test_batched_shapes_are_checked(func, good, args):
    from tests.unit.errors import assert_batch_axis_is_checked, assert_error_names

    name = func.__name__
    assert_batch_axis_is_checked(func, good, args)
    plain = {k: (v[:, 0] if k in ("xs", "dH") else v[0] if k in ("x", *STATES) else v)
             for k, v in good.items()}
    func(**plain)
    for arg in args:
        if arg in STATES:
            assert_error_names(lambda arg=arg: func(**{**plain, arg: good[arg]}), ValueError,
                               [f"{name}: `{arg}`"])


def test_gated_biases_must_be_vectors_and_float32_stays():
    from tests.unit.errors import assert_error_names

    for func, W in ((lstm_forward, LSTM), (gru_forward, GRU)):
        for name in ("b_ih", "b_hh"):
            column = W[name][:, None]           # the right number of rows, but 2-D
            assert_error_names(lambda func=func, W=W, name=name, column=column:
                               func(xs, **{**W, name: column}), ValueError,
                               [f"{func.__name__}: `{name}` must be 1-D"])
        W32 = {k: v.astype(np.float32) for k, v in W.items()}
        H, *_ = func(xs.astype(np.float32), **W32)          # no h0: zeros of the input's dtype
        assert H.dtype == np.float32
