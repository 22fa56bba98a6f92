"""Chapter 1 (why sequence models) against independent references.

- the chain rule against a joint distribution marginalised by hand, and against
  torch's cross-entropy;
- the Markov chain against torch.distributions.Categorical and hand-worked numbers;
- AR(p) against scipy.signal.lfilter (simulation, one-step prediction, forecast),
  scikit-learn's LinearRegression (the least-squares fit), and the recovery of the
  known coefficients of a seeded lfilter-generated AR(2) process;
- the latent autoregressive model against torch.nn.RNN and lfilter;
- the linear RNN against lfilter and np.convolve (the IIR equivalence);
- next-item recommendation against torch.topk and hand-worked ties.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    ar_fit,
    ar_forecast,
    ar_predict,
    ar_simulate,
    latent_states,
    linear_rnn,
    linear_rnn_impulse_response,
    markov_chain_log_prob,
    next_items,
    rnn_step,
    sequence_log_prob,
)
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")
signal = require("scipy.signal")
linear_model = require("sklearn.linear_model")

TOL = 1e-10
RECOVERY_TOL = 0.03   # |fitted - true| for AR(2) from T = 20,000 samples (std. error ≈ 0.006)


# --- the chain rule -------------------------------------------------------------------------

def conditionals_from_joint(joint: np.ndarray, seq: tuple[int, ...]) -> np.ndarray:
    """Rows p(· | x_<t) for the sequence `seq`, by summing the joint table over the future."""
    rows = []
    for t in range(len(seq)):
        prefix = joint[seq[:t]]                            # table over x_t, ..., x_T
        marginal = prefix.sum(axis=tuple(range(1, prefix.ndim)))  # p(x_<t, x_t) over x_t
        rows.append(marginal / marginal.sum())
    return np.array(rows)


@pytest.mark.formula("seq.autoregressive")
@pytest.mark.parametrize(("V", "T"), [(2, 1), (3, 3), (4, 2), (2, 5)])
def test_chain_rule_recovers_every_joint_probability(V, T):
    rng = np.random.default_rng(V * 10 + T)
    joint = rng.random((V,) * T)
    joint /= joint.sum()
    for seq in itertools.product(range(V), repeat=T):
        probs = conditionals_from_joint(joint, seq)
        got = sequence_log_prob(probs, np.array(seq))
        np.testing.assert_allclose(got, np.log(joint[seq]), rtol=0, atol=TOL)


@pytest.mark.formula("seq.autoregressive")
@pytest.mark.parametrize("batch", [None, 4])
def test_chain_rule_is_minus_the_summed_cross_entropy(batch):
    torch.manual_seed(0)
    lead = () if batch is None else (batch,)
    logits = torch.randn(*lead, 7, 5, dtype=torch.float64)
    probs = torch.softmax(logits, dim=-1)
    tokens = torch.randint(0, 5, (*lead, 7))
    nll = torch.nn.functional.cross_entropy(
        logits.reshape(-1, 5), tokens.reshape(-1), reduction="none").reshape(*lead, 7).sum(-1)
    got = sequence_log_prob(probs.numpy(), tokens.numpy())
    np.testing.assert_allclose(got, -nll.numpy(), rtol=0, atol=TOL)
    got_torch = sequence_log_prob(probs, tokens)
    assert isinstance(got_torch, torch.Tensor)
    torch.testing.assert_close(got_torch, -nll, rtol=0, atol=TOL)


@pytest.mark.formula("seq.autoregressive")
def test_chain_rule_hand_worked_and_impossible_sequence():
    probs = np.array([[0.5, 0.5, 0.0], [0.1, 0.2, 0.7], [0.6, 0.3, 0.1]])
    assert np.exp(sequence_log_prob(probs, np.array([0, 2, 0]))) == pytest.approx(0.21)
    with np.errstate(all="raise"):                       # no warning on the way to -inf
        lp = sequence_log_prob(probs, np.array([2, 2, 0]))
    assert lp == -np.inf


@pytest.mark.formula("seq.autoregressive")
def test_long_sequences_do_not_underflow():
    probs = np.full((2000, 2), 0.5)
    lp = sequence_log_prob(probs, np.zeros(2000, dtype=int))
    assert np.prod(np.full(2000, 0.5)) == 0.0             # the product itself underflows
    assert lp == pytest.approx(2000 * np.log(0.5), rel=1e-12)


# --- the Markov chain -----------------------------------------------------------------------

@pytest.mark.formula("seq.markov")
@pytest.mark.parametrize("batched", [False, True])
def test_markov_chain_matches_categorical_log_probs(batched):
    torch.manual_seed(1)
    V, T = 4, 9
    pi = torch.softmax(torch.randn(V, dtype=torch.float64), 0)
    A = torch.softmax(torch.randn(V, V, dtype=torch.float64), 1)
    tokens = torch.randint(0, V, (3, T) if batched else (T,))
    rows = tokens.reshape(-1, T)
    expected = torch.stack([
        torch.distributions.Categorical(probs=pi).log_prob(r[0])
        + sum(torch.distributions.Categorical(probs=A[r[t - 1]]).log_prob(r[t])
              for t in range(1, T))
        for r in rows]).reshape(tokens.shape[:-1])
    got = markov_chain_log_prob(tokens.numpy(), pi.numpy(), A.numpy())
    np.testing.assert_allclose(got, expected.numpy(), rtol=0, atol=TOL)
    torch.testing.assert_close(markov_chain_log_prob(tokens, pi, A), expected, rtol=0, atol=TOL)


@pytest.mark.formula("seq.markov")
def test_markov_chain_hand_worked_and_normalised():
    pi, A = np.array([0.8, 0.2]), np.array([[0.9, 0.1], [0.5, 0.5]])
    assert np.exp(markov_chain_log_prob(np.array([0, 0, 1]), pi, A)) == pytest.approx(0.072)
    assert np.exp(markov_chain_log_prob(np.array([1]), pi, A)) == pytest.approx(0.2)
    total = sum(np.exp(markov_chain_log_prob(np.array(s), pi, A))
                for s in itertools.product(range(2), repeat=5))
    assert total == pytest.approx(1.0, abs=1e-12)
    assert markov_chain_log_prob(np.array([0, 1]), pi, np.array([[1.0, 0.0], [0.5, 0.5]])) \
        == -np.inf


# --- AR(p) ----------------------------------------------------------------------------------

def ar_denominator(phi) -> np.ndarray:
    """lfilter's `a` for x_t - Σ φ_i x_{t-i} = input_t."""
    return np.concatenate([[1.0], -np.asarray(phi, dtype=float)])


@pytest.mark.formula("ar.model")
@pytest.mark.parametrize("phi", [[0.5], [1.2, -0.5], [0.3, 0.2, -0.1, 0.05]])
@pytest.mark.parametrize("c", [0.0, 1.5])
def test_ar_simulate_is_the_all_pole_filter_of_the_noise(phi, c):
    noise = np.random.default_rng(len(phi)).normal(size=300)
    expected = signal.lfilter([1.0], ar_denominator(phi), noise + c)
    np.testing.assert_allclose(ar_simulate(noise, np.array(phi), c), expected, rtol=0, atol=1e-9)


@pytest.mark.formula("ar.model")
def test_ar_simulate_continues_from_given_past_values():
    phi, past = np.array([0.6, -0.2]), np.array([2.0, -1.0])     # x_{-1}, x_0
    noise = np.random.default_rng(5).normal(size=50)
    zi = signal.lfiltic([1.0], ar_denominator(phi), y=past[::-1])  # lfiltic wants newest first
    expected, _ = signal.lfilter([1.0], ar_denominator(phi), noise, zi=zi)
    np.testing.assert_allclose(ar_simulate(noise, phi, x_init=past), expected, rtol=0, atol=TOL)


@pytest.mark.formula("ar.predict")
@pytest.mark.parametrize("phi", [[0.5], [1.2, -0.5], [0.3, 0.2, -0.1, 0.05]])
def test_ar_predict_is_a_fir_filter_of_the_observations(phi):
    x = np.random.default_rng(2).normal(size=40)
    p = len(phi)
    fir = signal.lfilter(np.concatenate([[0.0], phi]), [1.0], x)   # Σ φ_i x[t-i]
    np.testing.assert_allclose(ar_predict(x, np.array(phi), c=0.7), 0.7 + fir[p:],
                               rtol=0, atol=TOL)
    assert ar_predict(x[:p], np.array(phi)).shape == (0,)


@pytest.mark.formula("ar.predict")
def test_ar_predict_hand_worked_and_torch():
    x, phi = np.array([1.0, 2.0, 4.0, 3.0]), np.array([0.5, 0.5])
    np.testing.assert_array_equal(ar_predict(x, phi), [1.5, 3.0])
    got = ar_predict(torch.tensor(x), torch.tensor(phi))
    assert isinstance(got, torch.Tensor)
    torch.testing.assert_close(got, torch.tensor([1.5, 3.0], dtype=torch.float64))


@pytest.mark.formula("ar.least-squares")
@pytest.mark.parametrize("p", [1, 2, 5])
@pytest.mark.parametrize("intercept", [True, False])
def test_ar_fit_matches_linear_regression_on_the_lags(p, intercept):
    x = np.cumsum(np.random.default_rng(p).normal(size=120)) * 0.1 + 3.0
    lags = np.column_stack([x[p - i:len(x) - i] for i in range(1, p + 1)])
    reg = linear_model.LinearRegression(fit_intercept=intercept).fit(lags, x[p:])
    phi, c = ar_fit(x, p, intercept=intercept)
    np.testing.assert_allclose(phi, reg.coef_, rtol=0, atol=1e-8)
    assert c == pytest.approx(float(reg.intercept_), abs=1e-8)


@pytest.mark.formula("ar.least-squares")
@pytest.mark.parametrize("seed", range(5))
def test_ar_fit_recovers_known_coefficients_of_a_simulated_process(seed):
    """A stationary AR(2) (roots of z² - 1.2 z + 0.5 have modulus 0.71), generated by lfilter."""
    phi_true, c_true = np.array([1.2, -0.5]), 1.0
    noise = np.random.default_rng(seed).normal(size=20_000)
    x = signal.lfilter([1.0], ar_denominator(phi_true), noise + c_true)
    phi, c = ar_fit(x, 2)
    np.testing.assert_allclose(phi, phi_true, rtol=0, atol=RECOVERY_TOL)
    assert c == pytest.approx(c_true, abs=RECOVERY_TOL)
    assert c / (1 - phi.sum()) == pytest.approx(x.mean(), abs=0.05)   # the mean c / (1 - Σφ)


@pytest.mark.formula("ar.least-squares")
def test_ar_fit_on_torch_and_exact_data():
    x = 2.0 ** np.arange(8)
    phi, c = ar_fit(torch.tensor(x), 1, intercept=False)
    assert isinstance(phi, torch.Tensor)
    assert float(phi[0]) == pytest.approx(2.0, abs=1e-12) and c == 0.0
    # just enough values: T - p equations for p + 1 unknowns (T = 2p + 1), solved exactly
    x = np.array([1.0, 3.0, 7.0])                       # x_t = 2 x_{t-1} + 1
    phi, c = ar_fit(x, 1)
    assert float(phi[0]) == pytest.approx(2.0, abs=1e-12) and c == pytest.approx(1.0, abs=1e-12)


@pytest.mark.formula("ar.forecast")
@pytest.mark.parametrize("phi", [[0.9], [1.2, -0.5], [0.3, 0.2, -0.1]])
def test_ar_forecast_is_the_zero_input_response_from_the_last_values(phi):
    x = np.random.default_rng(3).normal(size=30)
    p = len(phi)
    zi = signal.lfiltic([1.0], ar_denominator(phi), y=x[::-1][:p])
    expected, _ = signal.lfilter([1.0], ar_denominator(phi), np.zeros(12), zi=zi)
    np.testing.assert_allclose(ar_forecast(x, np.array(phi), 12), expected, rtol=0, atol=TOL)


@pytest.mark.formula("ar.forecast")
def test_ar_forecast_with_constant_hand_worked_and_decays_to_the_mean():
    np.testing.assert_allclose(ar_forecast(np.array([4.0, 2.0]), np.array([0.5]), 3),
                               [1.0, 0.5, 0.25])
    np.testing.assert_allclose(ar_forecast(np.array([0.0]), np.array([0.5]), 2, c=1.0),
                               [1.0, 1.5])                      # 1 + 0.5*0, 1 + 0.5*1
    far = ar_forecast(np.array([10.0, -3.0]), np.array([1.2, -0.5]), 200, c=1.0)
    assert far[-1] == pytest.approx(1.0 / (1 - 0.7), abs=1e-9)
    assert ar_forecast(np.array([1.0]), np.array([0.5]), 0).shape == (0,)


# --- the latent autoregressive model ----------------------------------------------------------

@pytest.mark.formula("seq.latent")
@pytest.mark.parametrize("batch", [1, 3])
def test_latent_states_with_an_rnn_cell_is_nn_rnn(batch):
    torch.manual_seed(4)
    rnn = torch.nn.RNN(3, 5, dtype=torch.float64)
    xs = torch.randn(8, batch, 3, dtype=torch.float64)
    out, _ = rnn(xs)
    p = {k: v.detach().numpy() for k, v in rnn.named_parameters()}
    b_h = p["bias_ih_l0"] + p["bias_hh_l0"]
    H = latent_states(xs.numpy(),
                      lambda h, x: rnn_step(x, h, p["weight_ih_l0"], p["weight_hh_l0"], b_h),
                      np.zeros((batch, 5)))
    np.testing.assert_allclose(H, out.detach().numpy(), rtol=0, atol=TOL)


@pytest.mark.formula("seq.latent")
def test_latent_states_with_a_linear_step_is_lfilter():
    xs = np.random.default_rng(6).normal(size=25)
    H = latent_states(xs, lambda h, x: 0.8 * h + 0.5 * x, np.array(0.0))
    np.testing.assert_allclose(H, signal.lfilter([0.5], [1.0, -0.8], xs), rtol=0, atol=TOL)


# --- the linear RNN as an IIR filter ----------------------------------------------------------

@pytest.mark.formula("seq.linear-rnn")
@pytest.mark.parametrize(("a", "b"), [(0.5, 1.0), (0.9, 0.3), (-0.7, 2.0), (1.0, 1.0)])
def test_linear_rnn_is_lfilter(a, b):
    xs = np.random.default_rng(7).normal(size=(60, 3))
    expected = signal.lfilter([b], [1.0, -a], xs, axis=0)
    np.testing.assert_allclose(linear_rnn(xs, a, b), expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(linear_rnn(xs[:, 0], a, b), expected[:, 0], rtol=0, atol=1e-9)


@pytest.mark.formula("seq.linear-rnn")
def test_linear_rnn_initial_state_and_torch():
    xs = np.random.default_rng(8).normal(size=(20, 2))
    h0 = np.array([1.0, -2.0])
    zi = np.stack([signal.lfiltic([0.4], [1.0, -0.9], y=[h]) for h in h0], axis=1)
    expected, _ = signal.lfilter([0.4], [1.0, -0.9], xs, axis=0, zi=zi)
    np.testing.assert_allclose(linear_rnn(xs, 0.9, 0.4, h0=h0), expected, rtol=0, atol=TOL)
    got = linear_rnn(torch.tensor(xs), 0.9, 0.4, h0=torch.tensor(h0))
    assert isinstance(got, torch.Tensor)
    np.testing.assert_allclose(got.numpy(), expected, rtol=0, atol=TOL)
    np.testing.assert_allclose(linear_rnn(np.array([1.0, 0.0, 0.0, 0.0]), 0.5, 2.0),
                               [2.0, 1.0, 0.5, 0.25])


@pytest.mark.formula("seq.iir-impulse")
@pytest.mark.parametrize(("a", "b"), [(0.5, 1.0), (0.9, 0.3), (-0.7, 2.0), (0.0, 1.5)])
def test_impulse_response_is_lfilter_of_a_unit_impulse(a, b):
    impulse = np.zeros(40)
    impulse[0] = 1.0
    np.testing.assert_allclose(linear_rnn_impulse_response(a, b, 40),
                               signal.lfilter([b], [1.0, -a], impulse), rtol=0, atol=TOL)
    _, (y,) = signal.dimpulse(([b, 0.0], [1.0, -a], 1.0), n=40)   # H(z) = b z / (z - a)
    np.testing.assert_allclose(linear_rnn_impulse_response(a, b, 40), y[:, 0], rtol=0, atol=TOL)


@pytest.mark.formula("seq.iir-impulse")
def test_every_state_is_the_input_convolved_with_the_impulse_response():
    a, b, h0 = 0.8, 0.5, 3.0
    xs = np.random.default_rng(9).normal(size=30)
    g = linear_rnn_impulse_response(a, b, 30)
    expected = np.convolve(xs, g)[:30] + a ** np.arange(1, 31) * h0
    np.testing.assert_allclose(linear_rnn(xs, a, b, h0=h0), expected, rtol=0, atol=TOL)
    np.testing.assert_allclose(g[:4], [0.5, 0.4, 0.32, 0.256], rtol=0, atol=1e-15)
    assert linear_rnn_impulse_response(0.5, 1.0, 0).shape == (0,)


# --- next-item recommendation -----------------------------------------------------------------

@pytest.mark.formula("seq.next-item")
@pytest.mark.parametrize("k", [1, 3, 10])
def test_next_items_match_torch_topk(k):
    torch.manual_seed(10)
    probs = torch.softmax(torch.randn(6, 10, dtype=torch.float64), dim=-1)
    expected = torch.topk(probs, k, dim=-1).indices
    np.testing.assert_array_equal(next_items(probs.numpy(), k=k), expected.numpy())
    np.testing.assert_array_equal(next_items(probs[0].numpy(), k=k), expected[0].numpy())
    torch.testing.assert_close(next_items(probs, k=k), expected)


@pytest.mark.formula("seq.next-item")
def test_next_items_hand_worked_ties_and_exclusions():
    p = np.array([0.1, 0.4, 0.3, 0.2])
    np.testing.assert_array_equal(next_items(p), [1])
    np.testing.assert_array_equal(next_items(p, k=2, exclude=[1]), [2, 3])
    ties = np.array([0.25, 0.25, 0.25, 0.25])
    np.testing.assert_array_equal(next_items(ties, k=4), [0, 1, 2, 3])
    # fifty ties: more than an unstable sort keeps in order (NumPy's introsort, torch's sort)
    flat = np.full(50, 0.02)
    np.testing.assert_array_equal(next_items(flat, k=50), np.arange(50))
    np.testing.assert_array_equal(next_items(torch.tensor(flat), k=50).numpy(), np.arange(50))
    np.testing.assert_array_equal(next_items(np.log(p)), [1])           # logits work too
    batch = next_items(np.array([[0.1, 0.4, 0.3, 0.2], [0.5, 0.1, 0.1, 0.3]]), k=1, exclude=[0])
    np.testing.assert_array_equal(batch, [[1], [3]])


# --- bad input: clear errors that name the argument ---------------------------------------

P3 = np.array([[0.5, 0.5], [0.2, 0.8], [1.0, 0.0]])
PI, A = np.array([0.5, 0.5]), np.array([[0.9, 0.1], [0.5, 0.5]])


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: sequence_log_prob(P3, np.array([0, 1])),
         ShapeError, ["`tokens`", "time=3", "(2,)"]),
        (lambda: sequence_log_prob(P3[0], np.array([0])),
         ShapeError, ["`probs`", "2-D (time, vocab) or 3-D (batch, time, vocab)", "(2,)"]),
        (lambda: sequence_log_prob(P3 * 2, np.array([0, 1, 0])),
         ValueError, ["`probs`", "sum to 1", "off by 1"]),
        (lambda: sequence_log_prob(-P3, np.array([0, 1, 0])),
         ValueError, ["`probs`", ">= 0"]),
        (lambda: sequence_log_prob(P3, np.array([0, 2, 0])),
         ValueError, ["sequence_log_prob: `tokens`", "[0, 1]", "vocab=2"]),
        (lambda: sequence_log_prob(P3, np.array([0.0, 1.0, 0.0])),
         TypeError, ["`tokens`", "integer", "float64"]),
        (lambda: sequence_log_prob(np.where(P3 == 1.0, np.nan, P3), np.array([0, 1, 0])),
         ValueError, ["`probs`", "NaN"]),
        (lambda: markov_chain_log_prob(np.array([], dtype=int), PI, A),
         ShapeError, ["markov_chain_log_prob: `tokens`", "at least one time step"]),
        (lambda: markov_chain_log_prob(np.array([0, 1]), PI, np.ones((2, 3)) / 3),
         ShapeError, ["`transition`", "vocab=2", "(2, 3)"]),
        (lambda: markov_chain_log_prob(np.array([0, 1]), np.array([0.7, 0.7]), A),
         ValueError, ["`initial`", "sum to 1"]),
        (lambda: markov_chain_log_prob(np.array([0, 5]), PI, A),
         ValueError, ["`tokens`", "[0, 1]", "5"]),
        (lambda: ar_simulate(np.ones((3, 2)), np.array([0.5])),
         ShapeError, ["`noise`", "1-D (time,)", "(3, 2)"]),
        (lambda: ar_simulate(np.ones(3), np.array([])),
         ShapeError, ["ar_simulate: `phi`", "at least one entry", "(0,)"]),
        (lambda: ar_simulate(np.ones(3), np.array([0.5]), x_init=np.zeros(2)),
         ShapeError, ["ar_simulate: `x_init`", "p=1", "(2,)"]),
        (lambda: ar_simulate(np.ones(3), np.array([0.5]), c="1"),
         TypeError, ["ar_simulate: `c`", "finite number", "str"]),
        (lambda: ar_simulate(np.ones(3), np.array([0.5]), c=float("nan")),
         ValueError, ["`c`", "finite"]),
        (lambda: ar_predict(np.ones(2), np.array([0.5, 0.2, 0.1])),
         ShapeError, ["`x`", "p=3", "got 2"]),
        (lambda: ar_predict(np.arange(5), np.array([0.5])),
         TypeError, ["`x`", "floating", "int64"]),
        (lambda: ar_fit(np.ones(10), 0),
         ValueError, ["`p`", ">= 1", "0"]),
        (lambda: ar_fit(np.ones(10), 2.0),
         TypeError, ["ar_fit: `p`", "integer", "2.0"]),
        (lambda: ar_fit(np.arange(1.0), 1, intercept=False),
         ShapeError, ["ar_fit: `x`", "at least 2 values", "T=1"]),
        (lambda: ar_fit(np.arange(4.0), 2),
         ShapeError, ["`x`", "at least 5", "T=4"]),
        (lambda: ar_fit(np.full(50, 3.0), 1),
         ValueError, ["`x`", "linearly dependent", "AR(1)"]),
        (lambda: ar_forecast(np.ones(5), np.array([0.5]), -1),
         ValueError, ["`steps`", ">= 0", "-1"]),
        (lambda: ar_forecast(np.ones(1), np.array([0.5, 0.1]), 3),
         ShapeError, ["`x`", "p=2", "got 1"]),
        (lambda: latent_states(np.ones(3), "tanh", np.zeros(2)),
         TypeError, ["`step`", "callable", "str"]),
        (lambda: latent_states(np.ones((0, 2)), lambda h, x: h, np.zeros(2)),
         ShapeError, ["`xs`", "at least one step", "(0, 2)"]),
        (lambda: latent_states(np.ones((3, 2)), lambda h, x: x[:1], np.zeros(2)),
         ShapeError, ["`step`", "(2,)", "t=1", "(1,)"]),
        (lambda: linear_rnn(np.ones((2, 2, 2)), 0.5, 1.0),
         ShapeError, ["`xs`", "1-D (time,) or 2-D (time, batch)", "(2, 2, 2)"]),
        (lambda: linear_rnn(np.ones((4, 3)), 0.5, 1.0, h0=np.zeros(2)),
         ShapeError, ["linear_rnn: `h0`", "batch=3", "(2,)"]),
        (lambda: linear_rnn(np.ones(4), 0.5, 1.0, h0=float("nan")),
         ValueError, ["linear_rnn: `h0`", "finite"]),
        (lambda: linear_rnn(np.ones(4), np.array([0.5]), 1.0),
         TypeError, ["linear_rnn: `a`", "finite number", "ndarray"]),
        (lambda: linear_rnn(np.ones(4), 0.5, float("inf")),
         ValueError, ["`b`", "finite", "inf"]),
        (lambda: linear_rnn_impulse_response(0.5, 1.0, -3),
         ValueError, ["`length`", ">= 0", "-3"]),
        (lambda: next_items(np.ones((2, 2, 2)) / 2),
         ShapeError, ["next_items: `probs`", "1-D (vocab,) or 2-D (batch, vocab)", "(2, 2, 2)"]),
        (lambda: next_items(np.array([0.5, 0.5]), k=3),
         ValueError, ["`k`", "[1, 2]", "3"]),
        (lambda: next_items(np.array([0.2, 0.3, 0.5]), k=3, exclude=[0]),
         ValueError, ["`k`", "[1, 2]", "1 excluded"]),
        (lambda: next_items(np.array([0.5, 0.5]), exclude=[2]),
         IndexError, ["next_items: `exclude`", "[0, 1]", "(2,)"]),
        (lambda: next_items(np.array([0.5, np.nan])),
         ValueError, ["`probs`", "NaN"]),
        (lambda: next_items(np.array([1, 2])),
         TypeError, ["`probs`", "floating"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


def test_unstable_linear_rnn_grows_without_nan():
    with np.errstate(over="ignore"):                      # |a| > 1: documented to reach inf
        h = linear_rnn(np.ones(3000), 2.0, 1.0)
    assert not np.isnan(h).any() and np.isinf(h[-1])


# --- the GPU path ------------------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.formula("seq.autoregressive", "seq.linear-rnn", "ar.predict")
def test_cuda_tensors_stay_on_cuda():
    dev = torch.device("cuda")
    probs = torch.softmax(torch.randn(6, 4, dtype=torch.float64, device=dev), -1)
    tokens = torch.randint(0, 4, (6,), device=dev)
    lp = sequence_log_prob(probs, tokens)
    assert lp.device.type == "cuda"
    expected = torch.log(probs[torch.arange(6, device=dev), tokens]).sum()
    torch.testing.assert_close(lp, expected, rtol=0, atol=TOL)
    xs = torch.randn(30, dtype=torch.float64, device=dev)
    h = linear_rnn(xs, 0.9, 0.5)
    assert h.device.type == "cuda"
    ref = signal.lfilter([0.5], [1.0, -0.9], xs.cpu().numpy())
    np.testing.assert_allclose(h.cpu().numpy(), ref, rtol=0, atol=1e-9)
    pred = ar_predict(xs, torch.tensor([0.5, 0.2], dtype=torch.float64, device=dev))
    assert pred.device.type == "cuda"


# --- small cases worked by hand ------------------------------------------------------------

def test_values_by_hand():
    P = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
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


def test_float32_stays_float32():
    f32 = np.float32
    noise, phi = np.array([1.0, 0.5], dtype=f32), np.array([0.5], dtype=f32)
    assert ar_simulate(noise, phi).dtype == f32
    assert ar_simulate(noise[:0], phi).dtype == f32
    assert ar_predict(noise[:1], phi).dtype == f32
    assert ar_forecast(noise, phi, 0).dtype == f32
    assert ar_forecast(noise, phi, 2).dtype == f32
    assert linear_rnn(noise, 0.5, 1.0, h0=0.25).dtype == f32     # a Python float h0 too
    # float32 rows may be off by 1e-4, not by 1e-2.
    assert_error_names(lambda: sequence_log_prob(np.array([[0.5, 0.51]], dtype=f32), [0]),
                       ValueError, ["sequence_log_prob: every row of `probs`", "sum to 1",
                                    "off by 0.01"])


def test_batched_and_mismatched_shapes():
    P = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    T3 = np.full((3, 3), 1 / 3)
    probs = np.stack([P, P])                  # (batch 2, time 2, V 3)
    assert_error_names(lambda: sequence_log_prob(probs, np.zeros((3, 2), dtype=int)), ValueError,
                       ["sequence_log_prob: `tokens`", "(batch, time) = (2, 2)", "batch=2",
                        "(3, 2)"])
    assert_error_names(lambda: sequence_log_prob(probs, np.zeros((2, 3), dtype=int)), ValueError,
                       ["sequence_log_prob: `tokens`", "(batch, time) = (2, 2)"])
    assert_error_names(lambda: sequence_log_prob(probs, np.zeros(2, dtype=int)), ValueError,
                       ["sequence_log_prob: `tokens`", "2-D (batch, time)", "batch axis"])
    assert_error_names(lambda: markov_chain_log_prob([0], [0.5, 0.5], T3), ValueError,
                       ["markov_chain_log_prob: `transition`", "vocab=2", "(3, 3)"])
    assert_error_names(lambda: markov_chain_log_prob([[[0]]], T3[0], T3), ValueError,
                       ["markov_chain_log_prob: `tokens`", "1-D (time,) or 2-D (batch, time)"])
