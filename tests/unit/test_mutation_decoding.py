"""Cases the mutation run (``bash .ci/mutation``) found untested in seqcore.decoding: the
full messages, the boundaries of the integer arguments, and small decodes done by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcore import (
    beam_search,
    greedy_search,
    rnn_language_model,
    sample_sequence,
    sample_token,
    teacher_forcing_loss,
    temperature_softmax,
    top_k_softmax,
)
from tests.unit.errors import assert_error_names

LOG = np.log


def table(prefix):
    """A fixed 3-token model: after () -> (.5, .3, .2); after anything else -> (.1, .1, .8)."""
    return LOG([0.5, 0.3, 0.2]) if not prefix else LOG([0.1, 0.1, 0.8])


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: greedy_search(lambda p: np.zeros((1, 3)), 1), ValueError,
     "greedy_search: `step` must return a 1-D array of log-probabilities of shape (V,) with "
     "V ≥ 1; for prefix () it returned shape (1, 3)"),
    (lambda: greedy_search(lambda p: np.zeros(0), 1), ValueError,
     "greedy_search: `step` must return a 1-D array", ),
    (lambda: greedy_search(lambda p: LOG([1.0]) if not p else LOG([0.5, 0.5]), 2), ValueError,
     "greedy_search: `step` must return a 1-D array of log-probabilities of shape (1,); for "
     "prefix (0,) it returned shape (2,)"),
    (lambda: greedy_search(lambda p: np.array([np.nan, 0.0]), 1), ValueError,
     "greedy_search: `step` returned NaN or +inf for prefix ()"),
    (lambda: greedy_search(lambda p: np.array([np.inf, 0.0]), 1), ValueError,
     "greedy_search: `step` returned NaN or +inf"),
    (lambda: greedy_search(lambda p: np.zeros(2), 1), ValueError,
     "greedy_search: `step` must return log-probabilities (exp sums to 1); for prefix () exp "
     "sums to 2. Apply a log-softmax to logits first"),
    (lambda: greedy_search(table, 0), ValueError, "greedy_search: `max_len` must be ≥ 1; got 0"),
    (lambda: greedy_search(table, 1.0), TypeError,
     "greedy_search: `max_len` must be an integer; got 1.0"),
    (lambda: greedy_search(table, True), TypeError, "greedy_search: `max_len` must be an integer"),
    (lambda: greedy_search(table, 1, prefix="ab"), TypeError,
     "greedy_search: `prefix` must be a sequence of integer token ids; got 'ab'"),
    (lambda: greedy_search(table, 1, prefix=[0, -2]), ValueError,
     "greedy_search: `prefix` must hold token ids ≥ 0; got (0, -2)"),
    (lambda: greedy_search(table, 1, prefix=[3, 1, 4]), ValueError,
     "greedy_search: `prefix` has token ids [3, 4] outside the vocabulary 0..2 of `step`"),
    (lambda: teacher_forcing_loss(table, [0], reduction="avg"), ValueError,
     "teacher_forcing_loss: `reduction` must be one of 'sum', 'mean'; got 'avg'"),
    (lambda: teacher_forcing_loss(table, []), ValueError,
     "teacher_forcing_loss: `targets` must hold at least one token; got an empty sequence"),
    (lambda: teacher_forcing_loss(table, [0, 3]), ValueError,
     "teacher_forcing_loss: `targets` has token ids [3] outside the vocabulary 0..2 of `step`"),
    (lambda: beam_search(table, 0, 1), ValueError, "beam_search: `beam_width` must be ≥ 1; got 0"),
    (lambda: beam_search(table, 1, 0), ValueError, "beam_search: `max_len` must be ≥ 1; got 0"),
    (lambda: beam_search(table, 1, 1, length_penalty=-0.1), ValueError,
     "beam_search: `length_penalty` must be a finite number ≥ 0; got -0.1"),
    (lambda: beam_search(table, 1, 1, length_penalty=math.inf), ValueError,
     "beam_search: `length_penalty` must be a finite number ≥ 0; got inf"),
    (lambda: beam_search(table, 1, 1, length_penalty="1"), ValueError,
     "beam_search: `length_penalty` must be a finite number"),
    (lambda: temperature_softmax([1.0], temperature=0), ValueError,
     "temperature_softmax: `temperature` must be a finite number > 0; got 0. For the limit "
     "τ → 0 use greedy_search (arg max)"),
    (lambda: temperature_softmax([1.0], temperature=math.nan), ValueError,
     "temperature_softmax: `temperature` must be a finite number > 0; got nan"),
    (lambda: temperature_softmax([1.0], temperature="1"), TypeError,
     "temperature_softmax: `temperature` must be a number; got '1'"),
    (lambda: temperature_softmax([1.0], temperature=True), TypeError,
     "temperature_softmax: `temperature` must be a number; got True"),
    (lambda: temperature_softmax(np.array(1.0)), ValueError,
     "temperature_softmax: `logits` must have at least one axis (..., V); got a scalar"),
    (lambda: top_k_softmax(np.array(1.0), 1), ValueError,
     "top_k_softmax: `logits` must have at least one axis (..., V); got a scalar"),
    (lambda: top_k_softmax([1.0], 0), ValueError, "top_k_softmax: `k` must be ≥ 1; got 0"),
    (lambda: top_k_softmax([1.0], 1, temperature=-1.0), ValueError,
     "top_k_softmax: `temperature` must be a finite number > 0; got -1.0"),
    (lambda: sample_token(np.zeros((1, 2))), ValueError,
     "sample_token: `logits` must be 1-D (V,); got shape (1, 2)"),
    (lambda: sample_token(np.zeros(2), rng="seed"), TypeError,
     "sample_token: `rng` must be a seed (int), a numpy.random.Generator or None; got str"),
    (lambda: sample_token(np.zeros(2), rng=True), TypeError, "sample_token: `rng` must be a seed"),
    (lambda: sample_token(np.zeros(2), size=0), ValueError, "sample_token: `size` must be ≥ 1"),
    (lambda: sample_sequence(table, 0), ValueError, "sample_sequence: `max_len` must be ≥ 1"),
    (lambda: sample_sequence(table, 1, rng=1.5), TypeError, "sample_sequence: `rng` must be"),
    (lambda: sample_sequence(table, 1, temperature=0.0), ValueError,
     "sample_sequence: `temperature` must be a finite number > 0"),
    (lambda: sample_sequence(table, 1, top_k=0), ValueError,
     "sample_sequence: `top_k` must be ≥ 1; got 0"),
    (lambda: sample_sequence(table, 1, prefix=[9]), ValueError,
     "sample_sequence: `prefix` has token ids [9] outside the vocabulary 0..2 of `step`"),
    (lambda: rnn_language_model(np.ones(3), np.ones((2, 3)), np.ones((2, 2)), np.ones((3, 2))),
     ValueError, "rnn_language_model: `E` must be 2-D (vocabulary, input); got shape (3,)"),
    (lambda: rnn_language_model(np.ones((3, 2)), np.ones((2, 2)), np.ones((2, 2)),
                                np.ones((3, 2)), bos=3),
     ValueError, "rnn_language_model: `bos`=3 is not a row of `E` (0..2)"),
    (lambda: rnn_language_model(np.ones((3, 2)), np.ones((2, 2)), np.ones((2, 2)),
                                np.ones((3, 2)), bos=-1),
     ValueError, "rnn_language_model: `bos` must be ≥ 0; got -1"),
    (lambda: rnn_language_model(np.ones((3, 2)), np.ones((2, 2)), np.ones((2, 2)),
                                np.ones((3, 2)))((3,)),
     ValueError, "rnn_language_model step: `prefix` token ids must lie in [0, 2] (the rows of "
     "`E`); got (3,)"),
    (lambda: rnn_language_model(np.ones((3, 2)), np.ones((2, 2)), np.ones((2, 2)),
                                np.ones((3, 2)))(("x",)),
     TypeError, "rnn_language_model step: `prefix` must be a sequence of integer token ids"),
])
def test_error_messages(call, error, message):
    assert_error_names(call, error, [message])


def test_decodes_by_hand():
    # greedy: 0 (p .5), then 2 (p .8), then 2 again; eos = 2 stops after the first 2.
    seq, lp = greedy_search(table, 3)
    assert seq == (0, 2, 2)
    assert lp == pytest.approx(math.log(0.5) + 2 * math.log(0.8))
    assert greedy_search(table, 3, eos=2) == ((0, 2), pytest.approx(math.log(0.4)))
    assert greedy_search(table, 1, eos=0) == ((0,), pytest.approx(math.log(0.5)))
    assert greedy_search(table, 1, prefix=[1])[0] == (2,)
    assert greedy_search(table, 1, prefix=np.array([1]))[0] == (2,)
    # teacher forcing: -(log .3 + log .1); the mean halves it.
    assert teacher_forcing_loss(table, [1, 0]) == pytest.approx(-math.log(0.03))
    assert teacher_forcing_loss(table, (1, 0), reduction="mean") == pytest.approx(
        -math.log(0.03) / 2)
    # beam of 2 over 2 steps: (0, 2) .4, (1, 2) .24 beat (2, 2) .16 and the .05 ones.
    beams = beam_search(table, 2, 2)
    assert [h.tokens for h in beams] == [(0, 2), (1, 2)]
    assert beams[0].log_prob == pytest.approx(math.log(0.4))
    assert beams[0].score == pytest.approx(math.log(0.4))
    # length_penalty 1 divides by the number of new tokens; eos=0 finishes (0,) at step 1.
    beams = beam_search(table, 2, 2, eos=0, length_penalty=1.0)
    assert [h.tokens for h in beams] == [(0,), (1, 2)]
    assert beams[1].score == pytest.approx(math.log(0.24) / 2)
    # A zero-probability token (log 0 = -inf) is never proposed.
    only = beam_search(lambda p: np.array([0.0, -np.inf]), 3, 1)
    assert [h.tokens for h in only] == [(0,)]


def test_sampling_by_hand():
    assert sample_token(np.array([0.0, -np.inf, -np.inf]), rng=0) == 0
    draws = sample_token(np.array([0.0, 0.0]), size=3, rng=np.random.default_rng(0))
    assert draws.shape == (3,)
    assert isinstance(sample_token(np.array([0.0, 1.0]), rng=np.int64(1)), int)
    # top_k = 1 makes sampling greedy; eos stops it.
    assert sample_sequence(table, 4, top_k=1, rng=3) == (0, 2, 2, 2)
    assert sample_sequence(table, 4, top_k=1, eos=2, rng=3) == (0, 2)
    assert sample_sequence(table, 2, top_k=1, prefix=[1], rng=3) == (2, 2)
    np.testing.assert_allclose(top_k_softmax([1.0, 3.0, 2.0], 2), [0, 1, math.exp(-1)]
                               / np.float64(1 + math.exp(-1)), rtol=1e-14)
    np.testing.assert_allclose(temperature_softmax([0.0, math.log(4.0)], temperature=2.0),
                               [1 / 3, 2 / 3], rtol=1e-14)
    torch = pytest.importorskip("torch")
    assert sample_token(torch.tensor([0.0, -math.inf]), rng=0) == 0
    assert greedy_search(lambda p: torch.log(torch.tensor([0.25, 0.75])), 1)[0] == (1,)


def test_rnn_language_model_bos_row():
    E = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    W_xh, W_hh, W_hy = np.eye(2), np.zeros((2, 2)), np.array([[1.0, 0.0], [0.0, 1.0], [0, 0]])
    step = rnn_language_model(E, W_xh, W_hh, W_hy, bos=1)
    # h = tanh(E[1]) = (0, tanh 1): logits (0, tanh 1, 0)
    z = np.array([0.0, math.tanh(1.0), 0.0])
    np.testing.assert_allclose(step(()), z - np.log(np.exp(z).sum()), rtol=1e-14)
    plain = rnn_language_model(E, W_xh, W_hh, W_hy)       # no bos: x_0 = 0, so h = 0
    np.testing.assert_allclose(plain(()), np.full(3, -math.log(3.0)), rtol=1e-14)
    np.testing.assert_allclose(rnn_language_model(E, W_xh, W_hh, W_hy, bos=2)(()),
                               rnn_language_model(E, W_xh, W_hh, W_hy)((2,)), rtol=1e-14)


def test_defaults_sizes_and_large_logits():
    from scipy.special import log_softmax as reference

    z = np.array([0.0, math.log(4.0)])
    np.testing.assert_allclose(temperature_softmax(z), [0.2, 0.8], rtol=1e-14)   # tau = 1
    # Sampling at the default temperature draws from (0.2, 0.8): numpy's own choice, same seed.
    expected = np.random.default_rng(4).choice(2, size=200, p=[0.2, 0.8])
    np.testing.assert_array_equal(sample_token(z, rng=4, size=200), expected)
    assert sample_token(z, rng=4, size=1).shape == (1,)          # size 1 is allowed
    first = np.random.default_rng(9).choice(2, p=[0.2, 0.8])
    assert sample_sequence(lambda p: z - np.log(5.0), 1, rng=9) == (first,)
    # Logits of several hundred: the log-softmax of the step stays finite and exact.
    E, W_xh, W_hh = np.eye(2), np.eye(2), np.zeros((2, 2))
    W_hy = 400 * np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    step = rnn_language_model(E, W_xh, W_hh, W_hy)
    logits = W_hy @ np.tanh(E[1])
    np.testing.assert_allclose(step((1,)), reference(logits), rtol=1e-12)
    # Teacher forcing checks that every step has the size of the first.
    def shrinking(prefix):
        return LOG([0.5, 0.5]) if prefix else LOG([0.2, 0.3, 0.5])
    assert_error_names(lambda: teacher_forcing_loss(shrinking, [0, 1]), ValueError,
                       ["teacher_forcing_loss: `step` must return a 1-D array of log-probabilities"
                        " of shape (3,); for prefix (0,) it returned shape (2,)"])
    torch = pytest.importorskip("torch")
    logits_t = torch.tensor([0.0, -math.inf], requires_grad=True)
    assert sample_token(logits_t, rng=0) == 0
