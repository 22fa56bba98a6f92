"""Cases the mutation run (``bash .ci/mutation``) found untested in seqcore.transformer and
seqcore.deep: full messages, integer boundaries, and values worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcore import (
    bidirectional_rnn,
    deep_rnn,
    feed_forward,
    layer_norm,
    multi_head_attention,
    positional_encoding,
    positional_shift,
    transformer_encoder_block,
    weights_from_torch,
)
from tests.unit.errors import assert_error_names

rng = np.random.default_rng(5)
x4 = rng.normal(size=(3, 4))
W = np.eye(4)
MHA = "multi_head_attention"
BLOCK = {**{k: np.eye(4) for k in ("W_q", "W_k", "W_v", "W_o")},
         **{k: np.zeros(4) for k in ("b_q", "b_k", "b_v", "b_o", "beta_1", "beta_2")},
         "gamma_1": np.ones(4), "gamma_2": np.ones(4),
         "W_1": np.eye(4), "b_1": np.zeros(4), "W_2": np.eye(4), "b_2": np.zeros(4)}
P = (np.ones((2, 1)), np.eye(2) / 2, np.zeros(2), np.zeros(2))      # one RNN direction


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: multi_head_attention(x4, x4, x4, W, W, W, W, 0), ValueError,
     f"{MHA}: `num_heads` must be a positive integer; got 0"),
    (lambda: multi_head_attention(x4, x4, x4, W, W, W, W, True), ValueError,
     f"{MHA}: `num_heads` must be a positive integer; got True"),
    (lambda: multi_head_attention(x4, x4, x4, W, W, W, W, 2.0), ValueError,
     f"{MHA}: `num_heads` must be a positive integer; got 2.0"),
    (lambda: multi_head_attention(x4, x4, x4, W, W, W, W, 3), ValueError,
     f"{MHA}: d_model=4 must be divisible by `num_heads`=3 so that every head gets d_k = "
     "d_model / num_heads columns; choose a divisor of d_model"),
    (lambda: multi_head_attention(x4[0], x4, x4, W, W, W, W, 1), ValueError,
     f"{MHA}: `query` must be at least 2-D (..., n_q, d_model); got shape (4,)"),
    (lambda: multi_head_attention(x4, x4, x4, W, W, W, W, 1, mask=np.ones(4)), TypeError,
     f"{MHA}: `mask` must be boolean"),
    (lambda: multi_head_attention(x4, x4, x4, W, W, W, W, 1, mask=np.ones((2, 3), bool)),
     ValueError, f"{MHA}: `mask` must broadcast to the scores' shape (3, 3)"),
    (lambda: positional_encoding(0, 4), ValueError,
     "positional_encoding: `n_positions` must be a positive integer; got 0"),
    (lambda: positional_encoding(2, True), ValueError,
     "positional_encoding: `d_model` must be a positive integer; got True"),
    (lambda: positional_encoding(2, 3), ValueError,
     "positional_encoding: `d_model` must be even (sines and cosines come in pairs, one pair "
     "per frequency); got 3"),
    (lambda: positional_shift(1.0, 4), TypeError,
     "positional_shift: `k` must be an integer offset; got 1.0"),
    (lambda: positional_shift(True, 4), TypeError, "positional_shift: `k` must be an integer"),
    (lambda: positional_shift(1, 0), ValueError,
     "positional_shift: `d_model` must be a positive integer; got 0"),
    (lambda: layer_norm(x4, eps=-1e-9), ValueError,
     "layer_norm: `eps` must be a finite number ≥ 0; got -1e-09"),
    (lambda: layer_norm(x4, eps=math.inf), ValueError, "layer_norm: `eps` must be a finite"),
    (lambda: layer_norm(x4, eps="0"), ValueError, "layer_norm: `eps` must be a finite"),
    (lambda: layer_norm(np.array(1.0)), ValueError,
     "layer_norm: `x` must have at least one axis (..., d); got a scalar"),
    (lambda: feed_forward(np.array(1.0), W, np.zeros(4), W, np.zeros(4)), ValueError,
     "feed_forward: `x` must have at least one axis (..., d_model); got a scalar"),
    (lambda: transformer_encoder_block(x4, [1], 1), TypeError,
     "transformer_encoder_block: `params` must be a mapping of weight names to arrays; got list"),
    (lambda: transformer_encoder_block(x4, {**BLOCK, "extra": 1}, 1), KeyError,
     "transformer_encoder_block: `params` must have exactly the keys W_q, W_k, W_v, W_o, b_q, "
     "b_k, b_v, b_o, W_1, b_1, W_2, b_2, gamma_1, beta_1, gamma_2, beta_2; missing [], "
     "unknown ['extra']"),
    (lambda: transformer_encoder_block(
        x4, {k: v for k, v in BLOCK.items() if k != "b_q"}, 1), KeyError,
     "missing ['b_q'], unknown []"),
    (lambda: transformer_encoder_block([[0.0], [0.0, 0.0]], BLOCK, 1), TypeError,
     "transformer_encoder_block: `x` must be an array or a nested list"),
    (lambda: deep_rnn(x4[:, :1], [[P]], cell="elman"), ValueError,
     "deep_rnn: `cell` must be one of 'rnn_tanh', 'rnn_relu', 'lstm', 'gru'; got 'elman'"),
    (lambda: deep_rnn(x4[:, :1], []), ValueError,
     "deep_rnn: `layers` must be a non-empty list of layers, each a list of one or two "
     "(W_ih, W_hh, b_ih, b_hh) tuples; got []"),
    (lambda: deep_rnn(x4[:, :1], "ab"), ValueError, "deep_rnn: `layers` must be a non-empty"),
    (lambda: deep_rnn(x4[:, :1], [P]), TypeError,
     "deep_rnn: `layers[0]` must be a list of one or two parameter tuples (forward[, "
     "backward]); got tuple"),
    (lambda: deep_rnn(x4[:, :1], [[P], [P, P]]), ValueError,
     "deep_rnn: every layer must have 1 direction(s) like `layers[0]`; `layers[1]` has 2"),
    (lambda: deep_rnn(x4[:, :1], [[P[:3]]]), TypeError,
     "deep_rnn: `layers[0][0]` must be a tuple (W_ih, W_hh, b_ih, b_hh) or (W_ih, W_hh); got "
     "tuple of length 3"),
    (lambda: deep_rnn(x4[0, :1], [[P]]), ValueError,
     "deep_rnn: `xs` must be 2-D (time, input) or 3-D (time, batch, input); got 1-D shape (1,)"),
    (lambda: deep_rnn(x4[:, :1], [[P], [(np.ones((3, 2)), np.eye(3), None, None)]]), ValueError,
     "deep_rnn: every layer and direction must have the same hidden size; `layers[0][0]` W_hh "
     "says 2, `layers[1][0]` W_hh has shape (3, 3)"),
    (lambda: deep_rnn(x4[:, :1], [[P]], c0=np.zeros((1, 2))), ValueError,
     "deep_rnn: `c0` is only for cell='lstm'; got cell='rnn_tanh'"),
    (lambda: deep_rnn(x4[:, :1], [[P]], h0=np.zeros((2, 2))), ValueError,
     "deep_rnn: `h0` must have shape (layers·directions, hidden) = (1, 2); got (2, 2)"),
    (lambda: deep_rnn(x4[:, None, :1], [[P]], h0=np.zeros((1, 2))), ValueError,
     "deep_rnn: `h0` must have shape (layers·directions, batch, hidden) = (1, 1, 2); got (1, 2)"),
    (lambda: bidirectional_rnn(x4[:, :1], P, P[:1]), TypeError,
     "bidirectional_rnn: `layers[0][1]` must be a tuple (W_ih, W_hh, b_ih, b_hh) or (W_ih, "
     "W_hh); got tuple of length 1"),
    (lambda: bidirectional_rnn(x4[:, :1], P, 5), TypeError,
     "bidirectional_rnn: `layers[0]` must be a list of one or two parameter tuples"),
    (lambda: weights_from_torch(5), TypeError,
     "weights_from_torch: `module` must be torch.nn.RNN, LSTM or GRU; got int"),
])
def test_error_messages(call, error, message):
    assert_error_names(call, error, [message])


def test_positional_encoding_by_hand():
    pe = positional_encoding(2, 4, base=100.0)
    # omega = 100^(-0/4), 100^(-2/4) = 1, 0.1; row 1: sin 1, cos 1, sin 0.1, cos 0.1.
    np.testing.assert_allclose(pe, [[0, 1, 0, 1],
                                    [math.sin(1), math.cos(1), math.sin(0.1), math.cos(0.1)]],
                               rtol=1e-15)
    M = positional_shift(1, 4, base=100.0)
    np.testing.assert_allclose(M @ pe[0], pe[1], atol=1e-15)
    np.testing.assert_allclose(positional_shift(np.int64(0), 2), np.eye(2))
    assert positional_encoding(np.int64(1), np.int64(2)).shape == (1, 2)


def test_layer_norm_and_block_by_hand():
    x = np.array([[1.0, 3.0]])
    # mean 2, variance 1: (-1, 1) / sqrt(1 + eps); eps = 0 is allowed.
    np.testing.assert_allclose(layer_norm(x, eps=0), [[-1.0, 1.0]])
    np.testing.assert_allclose(layer_norm(x, np.array([2.0, 3.0]), np.array([1.0, 1.0]), eps=0),
                               [[-1.0, 4.0]])
    np.testing.assert_allclose(layer_norm(x, eps=3.0), [[-0.5, 0.5]])
    np.testing.assert_allclose(layer_norm(x, beta=np.array([1.0, 1.0]), eps=0), [[0.0, 2.0]])
    # FFN with identity weights: relu(x).
    np.testing.assert_allclose(feed_forward(np.array([[-1.0, 2.0]]), np.eye(2), np.zeros(2),
                                            np.eye(2), np.array([0.5, 0.0])), [[0.5, 2.0]])
    # Identity MHA with one head over identical rows returns the rows; the block then adds
    # and normalizes: post-LN of x + x is LN(x), again LN(. + relu(.)).
    same = np.tile(np.array([[1.0, 2.0, 3.0, 6.0]]), (2, 1))
    out, w = multi_head_attention(same, same, same, W, W, W, W, 2)
    np.testing.assert_allclose(out, same, rtol=1e-12)
    assert w.shape == (2, 2, 2)
    np.testing.assert_allclose(w, 0.5)
    ln = lambda v: layer_norm(v, eps=1e-5)  # noqa: E731
    z = ln(same + same)
    np.testing.assert_allclose(transformer_encoder_block(same, BLOCK, 2),
                               ln(z + np.maximum(z, 0)), rtol=1e-12)
    z = same + ln(same)       # pre-LN: x + MHA(LN(x)), MHA returning its (identical) rows
    np.testing.assert_allclose(transformer_encoder_block(same, BLOCK, 2, norm_first=True),
                               z + np.maximum(ln(z), 0), rtol=1e-12)
    mask = np.array([[True, False], [True, True]])
    _, w = multi_head_attention(same, same, same, W, W, W, W, 1, mask=mask)
    np.testing.assert_allclose(w[0], [[1.0, 0.0], [0.5, 0.5]])
    _, w = multi_head_attention(same, same, same, W, W, W, W, 1, causal=True)
    np.testing.assert_allclose(w[0], [[1.0, 0.0], [0.5, 0.5]])


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
    torch = pytest.importorskip("torch")
    gru = torch.nn.GRU(1, 2, num_layers=2, bidirectional=True)
    layers, cell = weights_from_torch(gru)
    assert cell == "gru" and len(layers) == 2 and len(layers[1]) == 2
    assert torch.equal(layers[1][1][1], gru.weight_hh_l1_reverse.detach())
    rnn = torch.nn.RNN(1, 2, nonlinearity="relu", bias=False)
    layers, cell = weights_from_torch(rnn)
    assert cell == "rnn_relu" and len(layers[0]) == 1 and layers[0][0][2] is None
    assert weights_from_torch(torch.nn.RNN(1, 2))[1] == "rnn_tanh"
    assert weights_from_torch(torch.nn.LSTM(1, 2))[1] == "lstm"
    assert_error_names(lambda: weights_from_torch(torch.nn.LSTM(1, 2, proj_size=1)), ValueError,
                       ["weights_from_torch: LSTM projections (proj_size > 0) are not covered"])


def test_deep_rnn_takes_nested_lists():
    xs = np.array([[1.0], [0.0]])
    H, _ = deep_rnn(xs, [[(P[0].tolist(), P[1].tolist())]])
    np.testing.assert_allclose(H, deep_rnn(xs, [[P[:2]]])[0], rtol=1e-15)
    assert_error_names(lambda: deep_rnn(xs, [[P[:2]], [(np.ones((3, 2)), np.eye(3).tolist())]]),
                       ValueError, ["deep_rnn: every layer and direction must have the same "
                                    "hidden size; `layers[0][0]` W_hh says 2, `layers[1][0]` W_hh "
                                    "has shape (3, 3)"])


def test_one_dimensional_inputs_are_vectors():
    np.testing.assert_allclose(feed_forward(np.array([-1.0, 2.0]), np.eye(2), np.zeros(2),
                                            np.eye(2), np.zeros(2)), [0.0, 2.0])
    np.testing.assert_allclose(layer_norm(np.array([1.0, 3.0]), eps=0), [-1.0, 1.0])
    assert positional_encoding(3, 2).shape == (3, 2)
    np.testing.assert_allclose(positional_encoding(3, 2)[:, 0], np.sin([0.0, 1.0, 2.0]))
    np.testing.assert_allclose(positional_shift(2, 2), [[math.cos(2), math.sin(2)],
                                                        [-math.sin(2), math.cos(2)]])
