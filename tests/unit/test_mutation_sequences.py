"""Cases the mutation run (``bash .ci/mutation``) found untested in seqcore.sequences, the
shared checks of seqcore._validate and the gate-block checks of the gated cells."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcore import (
    ar_fit,
    ar_forecast,
    ar_predict,
    ar_simulate,
    cosine_similarity,
    gru_step,
    latent_states,
    linear_rnn,
    linear_rnn_impulse_response,
    lstm_forward,
    markov_chain_log_prob,
    next_items,
    rnn_step,
    sequence_log_prob,
)
from tests.unit.errors import assert_error_names

P = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
T3 = np.full((3, 3), 1 / 3)


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: sequence_log_prob(np.array([[np.nan, 1.0]]), [0]), ValueError,
     "sequence_log_prob: `probs` contains NaN"),
    (lambda: sequence_log_prob(np.array([[-0.5, 1.5]]), [0]), ValueError,
     "sequence_log_prob: `probs` must hold probabilities (>= 0); its smallest entry is -0.5"),
    (lambda: sequence_log_prob(np.array([[0.5, 0.6]]), [0]), ValueError,
     "sequence_log_prob: every row of `probs` (its last axis) must sum to 1; one row is off by "
     "0.1"),
    (lambda: sequence_log_prob(np.array([[0.5, 0.5 + 1e-6]]), [0]),   # float64: 1e-8 slack
     ValueError, "sequence_log_prob: every row of `probs`"),
    (lambda: sequence_log_prob(P, np.array([0.0, 1.0])), TypeError,
     "sequence_log_prob: `tokens` must hold integer token ids; got dtype float64"),
    (lambda: sequence_log_prob(P, [0, 3]), ValueError,
     "sequence_log_prob: `tokens` must hold ids in [0, 2] (V=3); got values from 0 to 3"),
    (lambda: sequence_log_prob(P, [-1, 2]), ValueError,
     "sequence_log_prob: `tokens` must hold ids in [0, 2] (V=3); got values from -1 to 2"),
    (lambda: markov_chain_log_prob(np.zeros(0, dtype=int), T3[0], T3), ValueError,
     "markov_chain_log_prob: `tokens` must hold at least one token; got shape (0,)"),
    (lambda: markov_chain_log_prob([0], T3[0], T3 * 2), ValueError,
     "markov_chain_log_prob: every row of `transition` (its last axis) must sum to 1"),
    (lambda: markov_chain_log_prob([0], T3[0] * 2, T3), ValueError,
     "markov_chain_log_prob: every row of `initial`"),
    (lambda: ar_simulate(np.ones(3), [0.5], c=True), TypeError,
     "ar_simulate: `c` must be a real number; got bool"),
    (lambda: ar_simulate(np.ones(3), [0.5], c="1"), TypeError,
     "ar_simulate: `c` must be a real number; got str"),
    (lambda: ar_simulate(np.ones(3), [0.5], c=math.inf), ValueError,
     "ar_simulate: `c` must be finite; got inf"),
    (lambda: ar_simulate(np.ones(3), [0.5], c=-math.inf), ValueError,
     "ar_simulate: `c` must be finite; got -inf"),
    (lambda: ar_simulate(np.ones(3), [0.5], c=math.nan), ValueError,
     "ar_simulate: `c` must be finite; got nan"),
    (lambda: ar_simulate(np.ones((3, 1)), [0.5]), ValueError,
     "ar_simulate: `noise` must be 1-D (time,); got 2-D shape (3, 1)"),
    (lambda: ar_simulate(np.ones(3), np.zeros(0)), ValueError,
     "ar_simulate: `phi` must be 1-D (p,) with p >= 1 coefficients phi_1..phi_p; got shape (0,)"),
    (lambda: ar_simulate(np.ones(3), np.zeros((1, 1))), ValueError,
     "ar_simulate: `phi` must be 1-D (p,)"),
    (lambda: ar_simulate(np.ones(3), [0.5, 0.1], x_init=[1.0]), ValueError,
     "ar_simulate: `phi` must have shape (p,) = (1,), because `x_init` fixes p=1; got (2,)"),
    (lambda: ar_simulate(np.ones(3), [0.5], x_init=np.ones(1, dtype=int)), TypeError,
     "ar_simulate: `x_init` must have a real floating dtype"),
    (lambda: ar_predict(np.ones(1), [0.5, 0.1]), ValueError,
     "ar_predict: `x` must hold at least p=2 values; got 1"),
    (lambda: ar_forecast(np.ones(1), [0.5, 0.1], 1), ValueError,
     "ar_forecast: `x` must hold at least p=2 values; got 1"),
    (lambda: ar_forecast(np.ones(3), [0.5], -1), ValueError,
     "ar_forecast: `steps` must be an integer >= 0; got -1"),
    (lambda: ar_forecast(np.ones(3), [0.5], True), ValueError, "ar_forecast: `steps` must be"),
    (lambda: ar_forecast(np.ones(3), [0.5], 1.0), ValueError, "ar_forecast: `steps` must be"),
    (lambda: ar_fit(np.arange(6.0), 0), ValueError, "ar_fit: `p` must be an integer >= 1; got 0"),
    (lambda: ar_fit(np.arange(6.0), True), ValueError, "ar_fit: `p` must be an integer >= 1"),
    (lambda: ar_fit(np.arange(6.0), 1.0), ValueError, "ar_fit: `p` must be an integer >= 1"),
    (lambda: ar_fit(np.arange(2.0), 1), ValueError,
     "ar_fit: `x` must hold at least 3 values to fit 2 unknowns from T - p equations; got T=2"),
    (lambda: ar_fit(np.arange(1.0), 1, intercept=False), ValueError,
     "ar_fit: `x` must hold at least 2 values to fit 1 unknowns from T - p equations; got T=1"),
    (lambda: ar_fit(np.ones(8), 1), ValueError,
     "ar_fit: the lagged values of `x` are linearly dependent (a constant or otherwise "
     "degenerate series), so the AR(1) fit is not unique"),
    (lambda: latent_states(np.ones(2), 5, np.zeros(1)), TypeError,
     "latent_states: `step` must be a callable (h_prev, x_t) -> h_t; got int"),
    (lambda: latent_states(np.ones(0), lambda h, x: h, np.zeros(1)), ValueError,
     "latent_states: `xs` must have a time axis with at least one step; got shape (0,)"),
    (lambda: latent_states(np.array(1.0), lambda h, x: h, np.zeros(1)), ValueError,
     "latent_states: `xs` must have a time axis"),
    (lambda: latent_states(np.ones(2), lambda h, x: np.zeros(2), np.zeros(1)), ValueError,
     "latent_states: `step` must return a state shaped like `h0` (1,); at t=1 it returned (2,)"),
    (lambda: linear_rnn(np.ones(2), a=True, b=1.0), TypeError,
     "linear_rnn: `a` must be a real number; got bool"),
    (lambda: linear_rnn(np.ones(2), a=1.0, b="1"), TypeError,
     "linear_rnn: `b` must be a real number; got str"),
    (lambda: linear_rnn(np.ones(0), 1.0, 1.0), ValueError,
     "linear_rnn: `xs` must be 1-D (time,) or 2-D (time, batch) with at least one step; got "
     "shape (0,)"),
    (lambda: linear_rnn(np.ones((1, 1, 1)), 1.0, 1.0), ValueError,
     "linear_rnn: `xs` must be 1-D (time,) or 2-D"),
    (lambda: linear_rnn(np.ones((2, 3)), 1.0, 1.0, h0=np.zeros(2)), ValueError,
     "linear_rnn: `h0` must be a number or have shape (3,) (one state per column of `xs`); "
     "got (2,)"),
    (lambda: linear_rnn_impulse_response(0.5, 1.0, -1), ValueError,
     "linear_rnn_impulse_response: `length` must be an integer >= 0; got -1"),
    (lambda: linear_rnn_impulse_response(0.5, 1.0, True), ValueError,
     "linear_rnn_impulse_response: `length` must be"),
    (lambda: linear_rnn_impulse_response(True, 1.0, 2), TypeError,
     "linear_rnn_impulse_response: `a` must be a real number; got bool"),
    (lambda: next_items(np.ones((1, 1, 2))), ValueError,
     "next_items: `probs` must be 1-D (V,) or 2-D (batch, V); got 3-D shape (1, 1, 2)"),
    (lambda: next_items(np.array([0.5, np.nan])), ValueError, "next_items: `probs` contains NaN"),
    (lambda: next_items(np.ones(3), exclude=[3]), ValueError,
     "next_items: `exclude` must hold item ids in [0, 2]; got [3]"),
    (lambda: next_items(np.ones(3), exclude=[-1]), ValueError,
     "next_items: `exclude` must hold item ids in [0, 2]; got [-1]"),
    (lambda: next_items(np.ones(3), k=3, exclude=[0]), ValueError,
     "next_items: `k` must be an integer in [1, 2] (V=3 items, 1 excluded); got 3"),
    (lambda: next_items(np.ones(3), k=0), ValueError, "next_items: `k` must be an integer in [1, "
     "3]"),
    (lambda: next_items(np.ones(3), k=True), ValueError, "next_items: `k` must be an integer"),
])
def test_error_messages(call, error, message):
    assert_error_names(call, error, [message])


def test_values_by_hand():
    # log(0.5 * 0.5) and a zero-probability token giving -inf; batched rows.
    np.testing.assert_allclose(sequence_log_prob(P, [1, 1]), math.log(0.15))
    assert sequence_log_prob(P, [2, 2]) == -math.inf
    np.testing.assert_allclose(sequence_log_prob(np.stack([P, P]), [[0, 2], [1, 0]]),
                               [math.log(0.25), math.log(0.1)])
    T = np.array([[0.0, 1.0], [0.5, 0.5]])
    np.testing.assert_allclose(markov_chain_log_prob([0, 1, 1], [0.25, 0.75], T),
                               math.log(0.25 * 1.0 * 0.5))
    np.testing.assert_allclose(markov_chain_log_prob([[1], [0]], [0.25, 0.75], T),
                               [math.log(0.75), math.log(0.25)])
    # AR(1) x_t = 1 + 0.5 x_{t-1} + e_t from x_0 = 2 (x_init), noise (0, 1).
    np.testing.assert_allclose(ar_simulate([0.0, 1.0], [0.5], c=1, x_init=[2.0]), [2.0, 3.0])
    np.testing.assert_allclose(ar_simulate([1.0, 0.0], [0.5, 0.25]), [1.0, 0.5])
    assert ar_simulate(np.zeros(0), [0.5]).shape == (0,)
    np.testing.assert_allclose(ar_predict([2.0, 4.0, 8.0], [0.5], c=1), [2.0, 3.0])
    np.testing.assert_allclose(ar_predict([2.0, 4.0, 8.0], [0.5, 0.25]), [2.5])
    # float32 rows may be off by up to 1e-4 (float64: 1e-8).
    probs32 = np.array([[0.5, 0.5 + 1e-6]], dtype=np.float32)
    np.testing.assert_allclose(sequence_log_prob(probs32, [0]), math.log(0.5), rtol=1e-6)
    assert ar_predict([2.0], [0.5]).shape == (0,)
    np.testing.assert_allclose(ar_forecast([1.0, 2.0], [0.5, 0.25], 2, c=1),
                               [1 + 1 + 0.25, 1 + 0.5 * 2.25 + 0.25 * 2])
    assert ar_forecast([1.0], [0.5], 0).shape == (0,)
    # An exact AR(1) series x_t = 3 + 0.5 x_{t-1}: least squares recovers it.
    x = [1.0]
    for _ in range(5):
        x.append(3 + 0.5 * x[-1])
    phi, c = ar_fit(np.array(x), 1)
    np.testing.assert_allclose(phi, [0.5], rtol=1e-10)
    assert c == pytest.approx(3.0)
    phi, c = ar_fit(np.array([1.0, 2.0, 4.0, 8.0, 16.0]), 1, intercept=False)
    np.testing.assert_allclose(phi, [2.0])
    assert c == 0.0
    assert ar_fit(np.array([1.0, -2.0, 4.0]), 1, intercept=False)[1] == 0.0
    np.testing.assert_allclose(linear_rnn([1.0, 0.0, 0.0], 0.5, 2.0, h0=1.0), [2.5, 1.25, 0.625])
    np.testing.assert_allclose(linear_rnn(np.ones((2, 2)), 1.0, 1.0, h0=np.array([0.0, 1.0])),
                               [[1.0, 2.0], [2.0, 3.0]])
    np.testing.assert_allclose(linear_rnn_impulse_response(0.5, 2.0, 3), [2.0, 1.0, 0.5])
    assert linear_rnn_impulse_response(0.5, 2.0, 0).shape == (0,)
    hs = latent_states([1.0, 2.0], lambda h, x: h + x, np.zeros(()))
    np.testing.assert_allclose(hs, [1.0, 3.0])
    assert next_items(np.array([0.1, 0.5, 0.4])).tolist() == [1]
    assert next_items(np.array([0.1, 0.5, 0.4]), k=3).tolist() == [1, 2, 0]
    assert next_items(np.array([0.1, 0.5, 0.4]), k=2, exclude=[1]).tolist() == [2, 0]
    assert next_items(np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]]), k=1,
                      exclude=[2]).tolist() == [[1], [0]]


def test_shared_checks():
    torch = pytest.importorskip("torch")
    assert_error_names(lambda: cosine_similarity(np.ones(2), torch.ones(2)), TypeError,
                       ["cosine_similarity: all arrays must come from one library (all NumPy or "
                        "all torch); got `x` is numpy.ndarray, `y` is torch.Tensor"])
    assert_error_names(lambda: rnn_step(np.ones(2), np.ones(3, dtype=np.float32), np.ones((3, 2)),
                                        np.ones((3, 3))), TypeError,
                       ["rnn_step: `h_prev` has dtype float32 but `x` has float64; use one "
                        "floating dtype for all arguments"])
    assert_error_names(lambda: rnn_step(np.ones(2), np.ones(3), np.ones((3, 2)), np.ones((3, 3)),
                                        nonlinearity="gelu"), ValueError,
                       ["rnn_step: `nonlinearity` must be one of 'tanh', 'relu'; got 'gelu'"])
    assert_error_names(lambda: rnn_step(np.ones(2), np.ones(3), np.ones((4, 2)), np.ones((3, 3))),
                       ValueError, ["rnn_step: `W_hh` must have shape (hidden, hidden) = (4, 4), "
                                    "because `W_xh` fixes hidden=4; got (3, 3)"])
    assert_error_names(lambda: rnn_step(np.ones((1, 1, 2)), np.ones(3), np.ones((3, 2)),
                                        np.ones((3, 3))), ValueError,
                       ["rnn_step: `x` must be 1-D (input,) or 2-D (batch, input); got 3-D shape "
                        "(1, 1, 2)"])
    assert_error_names(lambda: rnn_step(np.ones(2), np.ones((1, 3)), np.ones((3, 2)),
                                        np.ones((3, 3))), ValueError,
                       ["rnn_step: `h_prev` must be 1-D (hidden,); got 2-D shape (1, 3)"])


def test_gate_block_messages():
    x = np.ones((2, 1))
    assert_error_names(lambda: lstm_forward(x, np.ones((8, 1)), np.ones((2, 2, 2))), ValueError,
                       ["lstm_forward: `W_hh` must be 2-D (4·hidden, hidden) with the gate blocks "
                        "i, f, g, o stacked; got 3-D shape (2, 2, 2)"])
    assert_error_names(lambda: lstm_forward(x, np.ones((8, 1)), np.ones((6, 2))), ValueError,
                       ["lstm_forward: `W_hh` must have 4·hidden = 4×2 = 8 rows (gate blocks i, "
                        "f, g, o, each (hidden, hidden) = (2, 2)); got shape (6, 2)"])
    assert_error_names(lambda: lstm_forward(x, np.ones((6, 1)), np.ones((8, 2))), ValueError,
                       ["lstm_forward: `W_ih` must have 4·hidden = 8 rows (gate blocks i, f, g, o "
                        "of size hidden=2, fixed by `W_hh`); got shape (6, 1)"])
    assert_error_names(lambda: gru_step(np.ones(1), np.ones(2), np.ones((6, 1)), np.ones((6, 2)),
                                        b_hh=np.ones(5)), ValueError,
                       ["gru_step: `b_hh` must have 3·hidden = 6 entries (gate blocks r, z, n of "
                        "size hidden=2, fixed by `W_hh`); got shape (5,)"])
    assert_error_names(lambda: gru_step(np.ones(1), np.ones(2), np.ones((6, 1)), np.ones((6, 2)),
                                        b_ih=np.ones(7)), ValueError,
                       ["gru_step: `b_ih` must have 3·hidden = 6 entries"])
    assert_error_names(lambda: lstm_forward(x[:0], np.ones((8, 1)), np.ones((8, 2))), ValueError,
                       ["lstm_forward: `xs` must hold at least one time step; got shape (0, 1)"])
    assert_error_names(lambda: gru_step(np.ones(1), np.ones(2), np.ones((6, 1)), np.ones((6, 2)),
                                        form="keras"), ValueError,
                       ["gru_step: `form` must be one of 'pytorch', 'cho'; got 'keras'"])


def test_float32_stays_float32():
    f32 = np.float32
    noise, phi = np.array([1.0, 0.5], dtype=f32), np.array([0.5], dtype=f32)
    assert ar_simulate(noise, phi).dtype == f32
    assert ar_simulate(noise[:0], phi).dtype == f32
    assert ar_predict(noise[:1], phi).dtype == f32
    assert ar_forecast(noise, phi, 0).dtype == f32
    assert ar_forecast(noise, phi, 2).dtype == f32
    # float32 rows may be off by 1e-4, not by 1e-2.
    assert_error_names(lambda: sequence_log_prob(np.array([[0.5, 0.51]], dtype=f32), [0]),
                       ValueError, ["sequence_log_prob: every row of `probs` (its last axis) "
                                    "must sum to 1; one row is off by 0.01"])


def test_batched_and_mismatched_shapes():
    probs = np.stack([P, P])                  # (batch 2, time 2, V 3)
    assert_error_names(lambda: sequence_log_prob(probs, np.zeros((3, 2), dtype=int)), ValueError,
                       ["sequence_log_prob: `tokens` must have shape (batch, time) = (2, 2), "
                        "because `probs` fixes batch=2; got (3, 2)"])
    assert_error_names(lambda: sequence_log_prob(probs, np.zeros((2, 3), dtype=int)), ValueError,
                       ["sequence_log_prob: `tokens` must have shape (batch, time) = (2, 2)"])
    assert_error_names(lambda: sequence_log_prob(probs, np.zeros(2, dtype=int)), ValueError,
                       ["sequence_log_prob: `tokens` must be 2-D (batch, time); got 1-D"])
    assert_error_names(lambda: markov_chain_log_prob([0], [0.5, 0.5], T3), ValueError,
                       ["markov_chain_log_prob: `transition` must have shape (vocab, vocab) = "
                        "(2, 2), because `initial` fixes vocab=2; got (3, 3)"])
    assert_error_names(lambda: markov_chain_log_prob([[[0]]], T3[0], T3), ValueError,
                       ["markov_chain_log_prob: `tokens` must be 1-D (time,) or 2-D (batch, "
                        "time); got 3-D"])
    assert_error_names(lambda: markov_chain_log_prob([0], T3[0], T3[:2]), ValueError,
                       ["markov_chain_log_prob: `transition` must have shape (vocab, vocab) = "
                        "(3, 3)"])
