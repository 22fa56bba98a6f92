"""Claims of the chapter 'Why sequence models' (docs/why-sequence-models.*.md), by code.

Each test names the section whose sentence it backs. References: closed forms, SciPy's
chi-squared distribution and IIR filter, nltk's n-gram model, and many simulated series.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import lfilter
from scipy.stats import binom, chi2

from seqcore import (
    NGramLM,
    ar_fit,
    ar_forecast,
    ar_predict,
    ar_simulate,
    linear_rnn,
    linear_rnn_impulse_response,
    markov_chain_log_prob,
    rnn_forward,
)
from tests._require import require


def test_products_of_probabilities_underflow_but_their_logs_do_not():
    """§ The probability of a sequence: 0.5^2000 ≈ 10^-602 is 0 in float64, while the sum
    of logs is about −1386.3."""
    p = np.full(2000, 0.5)
    assert np.prod(p) == 0.0
    assert np.sum(np.log(p)) == pytest.approx(-1386.294, abs=1e-3)
    assert 2000 * np.log10(0.5) == pytest.approx(-602.06, abs=0.01)


@pytest.mark.formula("seq.markov")
def test_word_order_changes_the_markov_chains_probability_about_85_times():
    """§ The Markov assumption: with the snippet's π and A, 'I love AI .' is about 85 times
    as probable as 'AI love I .'."""
    pi = np.array([0.5, 0.1, 0.3, 0.1])
    A = np.array([[0.05, 0.7, 0.2, 0.05], [0.3, 0.05, 0.6, 0.05],
                  [0.1, 0.3, 0.05, 0.55], [0.4, 0.1, 0.4, 0.1]])
    forward = np.exp(markov_chain_log_prob(np.array([0, 1, 2, 3]), pi, A))
    backward = np.exp(markov_chain_log_prob(np.array([2, 1, 0, 3]), pi, A))
    assert forward == pytest.approx(0.5 * 0.7 * 0.6 * 0.55)
    assert forward / backward == pytest.approx(85, rel=0.02)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_an_n_gram_model_is_a_markov_model_of_order_n_minus_1(n):
    """§ The Markov assumption: an n-gram model looks at the n − 1 previous words, no more
    and no less (checked against nltk's MLE model)."""
    nltk_lm = require("nltk.lm")
    from nltk.lm.preprocessing import padded_everygram_pipeline

    corpus = [s.split() for s in ("a b c a b d", "b c a b c d", "c a b d a b", "a b c d")]
    lm = NGramLM(corpus, n=n)
    train, vocab = padded_everygram_pipeline(n, corpus)
    ref = nltk_lm.MLE(n)
    ref.fit(train, vocab)
    for history in (["c", "a", "b"], ["d", "d", "a", "b"], ["b", "c", "a", "b"]):
        context = history[-(n - 1):]
        for word in ("a", "b", "c", "d"):
            assert lm.prob(word, history) == pytest.approx(lm.prob(word, context))
            assert lm.prob(word, context) == pytest.approx(ref.score(word, context))
    # the control: the off-by-one model, order n − 2, is a different model
    fewer = NGramLM(corpus, n=n - 1)
    assert any(lm.prob(w, ["c", "a", "b"]) != pytest.approx(fewer.prob(w, ["c", "a", "b"]))
               for w in "abcd")


@pytest.mark.formula("ar.forecast")
def test_forecasts_of_a_stationary_ar2_settle_to_its_mean():
    """§ The autoregressive model AR(p): a stationary series' mean is c / (1 − φ₁ − φ₂),
    and forecasts far ahead converge to it."""
    phi, c = np.array([1.2, -0.5]), 1.0
    x = ar_simulate(np.random.default_rng(0).normal(size=300), phi, c=c)
    far = ar_forecast(x, phi, steps=200, c=c)
    assert far[-1] == pytest.approx(c / (1 - phi.sum()), abs=1e-9)
    long = ar_simulate(np.random.default_rng(1).normal(size=200_000), phi, c=c)
    assert long[1000:].mean() == pytest.approx(c / (1 - phi.sum()), abs=0.05)


def _autocorrelation(r: np.ndarray, lags: int) -> np.ndarray:
    r = r - r.mean()
    return np.array([r[k:] @ r[:-k] for k in range(1, lags + 1)]) / (r @ r)


def _ljung_box_p(r: np.ndarray, lags: int = 10, model_df: int = 0) -> float:
    n, rho = len(r), _autocorrelation(r, lags)
    q = n * (n + 2) * np.sum(rho**2 / (n - np.arange(1, lags + 1)))
    return float(chi2.sf(q, lags - model_df))


def test_the_ljung_box_p_value_is_uniform_on_white_noise():
    """The snippet's Ljung–Box test holds its level: on white noise it rejects at 5% about
    5% of the time (within a binomial 99.9% band over 400 series)."""
    rng = np.random.default_rng(2)
    rejected = sum(_ljung_box_p(rng.normal(size=500)) < 0.05 for _ in range(400))
    lo, hi = binom.ppf([0.0005, 0.9995], 400, 0.05)
    assert lo <= rejected <= hi, rejected
    assert _autocorrelation(np.ones(10) + np.arange(10), 1)[0] > 0.5   # the control: a trend


@pytest.mark.formula("ar.least-squares", "ar.predict")
def test_ljung_box_on_fitted_residuals_needs_lags_minus_p_degrees_of_freedom():
    """§ The autoregressive model AR(p): the residuals of a fitted AR(p) are tested against
    χ² with 10 − p degrees of freedom (Ljung & Box 1978, §2). On residuals of a correctly
    specified AR(2), 10 − 2 holds the 5% level over 1,000 series; the control, 10, rejects far
    too rarely (the fit has already used up p degrees of freedom)."""
    right, naive = 0, 0
    for seed in range(1000):
        noise = np.random.default_rng(100 + seed).normal(size=500)
        x = lfilter([1.0], [1.0, -0.5, -0.2], 1.0 + noise)   # AR(2), c = 1, fast
        phi, c = ar_fit(x, p=2)
        r = x[2:] - ar_predict(x, phi, c)
        right += _ljung_box_p(r, model_df=2) < 0.05
        naive += _ljung_box_p(r) < 0.05
    lo, hi = binom.ppf([0.0005, 0.9995], 1000, 0.05)
    assert lo <= right <= hi, right
    assert naive < lo, naive


@pytest.mark.formula("ar.least-squares", "ar.predict")
def test_residual_std_is_necessary_and_autocorrelation_is_the_test():
    """§ The autoregressive model AR(p): residual std ≈ noise std is necessary, not
    sufficient. Fitting AR(1) to AR(2) data (φ = (0.5, 0.2)) leaves residual std within 6%
    of the noise's, yet Ljung–Box finds the structure left; AR(2) residuals pass."""
    short_std, short_p, right_std, right_p = [], [], [], []
    for seed in range(20):
        noise = np.random.default_rng(seed).normal(size=500)
        x = ar_simulate(noise, np.array([0.5, 0.2]), c=1.0)
        for p, stds, ps in ((1, short_std, short_p), (2, right_std, right_p)):
            phi, c = ar_fit(x, p=p)
            r = x[p:] - ar_predict(x, phi, c)
            stds.append(r.std() / noise.std())
            ps.append(_ljung_box_p(r, model_df=p))
    assert max(short_std) < 1.06 and max(right_std) < 1.03      # both look "close to 1"
    assert np.mean(np.array(short_p) < 0.05) >= 0.9             # AR(1): structure left
    assert np.mean(np.array(right_p) < 0.05) <= 0.2             # AR(2): white enough


@pytest.mark.formula("seq.iir-impulse", "seq.linear-rnn")
def test_iir_never_forgets_fir_does_and_an_unstable_filter_grows():
    """§ The RNN is an IIR filter: for a ≠ 0 no g_k is 0; a window of p is exactly 0 after
    p steps; |a| > 1 makes g_k grow exponentially."""
    for a in (0.9, 0.5, -0.7, 1e-3):
        g = linear_rnn_impulse_response(a, 1.0, 60)
        assert np.all(g != 0)
        np.testing.assert_allclose(g, lfilter([1.0], [1.0, -a], np.eye(1, 60)[0]), rtol=1e-12)
    fir = lfilter(np.ones(3) / 3, [1.0], np.eye(1, 20)[0])
    assert np.all(fir[3:] == 0) and np.all(fir[:3] != 0)
    g = linear_rnn_impulse_response(1.1, 1.0, 60)
    assert np.all(np.diff(np.abs(g)) > 0) and abs(g[-1]) > 100
    assert np.abs(linear_rnn(np.ones(200), 1.05, 1.0)).max() > 1e4


def test_a_tanh_rnn_with_small_states_moves_like_the_linear_one():
    """§ The RNN is an IIR filter: while the state is small, tanh(z) ≈ z and the tanh RNN
    follows the linear RNN; the relative gap shrinks like the square of the scale."""
    rng = np.random.default_rng(3)
    W_xh, W_hh = rng.normal(size=(3, 2)), rng.normal(size=(3, 3)) * 0.3
    b = np.zeros(3)
    xs = rng.normal(size=(30, 2))
    gaps = []
    for scale in (1e-2, 1e-3):
        h, _ = rnn_forward(scale * xs, W_xh, W_hh, b)
        linear, state = [], np.zeros(3)
        for x in scale * xs:
            state = W_xh @ x + W_hh @ state
            linear.append(state)
        gaps.append(np.abs(h - np.array(linear)).max() / np.abs(h).max())
    # relative gap: about 1% at states of size 0.1, then 100 times smaller per factor 10
    assert gaps[0] < 0.02 and gaps[1] < gaps[0] / 50


@pytest.mark.formula("ar.model", "ar.predict", "seq.linear-rnn")
def test_the_ar_process_is_an_all_pole_iir_filter_and_its_predictor_is_fir():
    """§ The RNN is an IIR filter: the AR(p) process is the all-pole IIR filter
    1 / (1 − Σ φ_i z^{−i}) of its noise (SciPy's lfilter), AR(1) with c = 0 is the linear RNN
    with a = φ₁, b = 1; the one-step predictor's response to one observed 1 is exactly 0
    after p steps."""
    eps = np.random.default_rng(4).normal(size=300)
    for phi in (np.array([0.8]), np.array([1.2, -0.5]), np.array([0.3, 0.2, -0.1])):
        x = ar_simulate(eps, phi)
        np.testing.assert_allclose(x, lfilter([1.0], np.r_[1.0, -phi], eps), atol=1e-12)
        pred = ar_predict(np.eye(1, 20)[0], phi)       # x̂_t for t = p+1, …, 20
        assert np.all(pred[: 1] != 0) and np.all(pred[len(phi):] == 0)
    np.testing.assert_allclose(ar_simulate(eps, np.array([0.8])),
                               linear_rnn(eps, 0.8, 1.0), atol=1e-12)
    # the control: the process's own impulse response never reaches 0
    assert np.all(ar_simulate(np.eye(1, 60)[0], np.array([1.2, -0.5]))[:10] != 0)


@pytest.mark.formula("ar.model")
def test_a_series_started_at_zero_reaches_the_stationary_mean_after_a_transient():
    """§ Sequence data (correction box): the stationary mean c / (1 − φ₁ − φ₂) = 10/3 holds
    after a transient; started at 0, E[x₁] = 1 and E[x₂] = 2.2, and the gap shrinks like
    0.71^t (the roots' modulus √0.5)."""
    phi, c = np.array([1.2, -0.5]), 1.0
    mean_path = ar_simulate(np.zeros(60), phi, c=c)      # noise has mean 0: E[x_t]
    reference = lfilter([1.0], [1.0, -1.2, 0.5], np.full(60, c))
    np.testing.assert_allclose(mean_path, reference, atol=1e-12)
    assert mean_path[:2] == pytest.approx([1.0, 2.2])
    gap = np.abs(mean_path - c / (1 - phi.sum()))
    t = np.arange(1, 61)
    assert np.all(gap <= 5 * np.sqrt(0.5) ** t) and gap[0] > 2     # the control: t = 1
    assert max(abs(np.roots([1.0, -1.2, 0.5]))) == pytest.approx(np.sqrt(0.5))
    # Monte Carlo: the average of many noisy series follows the same path
    runs = np.array([ar_simulate(np.random.default_rng(s).normal(size=5), phi, c=c)
                     for s in range(4000)])
    np.testing.assert_allclose(runs.mean(axis=0), mean_path[:5], atol=0.15)
