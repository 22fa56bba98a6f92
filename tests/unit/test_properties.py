"""Property-based tests: the invariants every family of seqcore must keep, on any input.

The reference tests check each formula against an independent library on a few
inputs; these check what must hold on *all* inputs (a distribution sums to 1, a
gate stays in [0, 1], clipping never exceeds its threshold...), with inputs that
hypothesis draws and shrinks. Shapes are small and strategies bounded so the
file runs in seconds; the ``seqcore-ci`` profile is derandomized, so a run is
reproducible.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from seqcore import (
    NGramLM,
    attention_weights,
    beam_search,
    bm25_tf,
    clip_grad_norm,
    cosine_similarity,
    greedy_search,
    gru_step,
    l2_normalize_rows,
    log_softmax,
    lstm_step,
    multi_head_attention,
    pad_sequences,
    positional_encoding,
    scaled_dot_product_attention,
    sigmoid,
    softmax,
    temperature_softmax,
    tfidf,
)

settings.register_profile(
    "seqcore-ci", derandomize=True, deadline=None, max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("seqcore-ci")

FEW = settings(max_examples=25)

# --- strategies ---------------------------------------------------------------------------

HUGE = 1e30
#: finite logits up to ±1e30, with the extremes and zero drawn often
logit = st.one_of(st.sampled_from([-HUGE, HUGE, 0.0]),
                  st.floats(-HUGE, HUGE, allow_nan=False))
moderate = st.floats(-5.0, 5.0, allow_nan=False)
dims = st.integers(1, 4)


def matrices(elements=moderate, rows=dims, cols=dims):
    return st.tuples(rows, cols).flatmap(
        lambda shape: hnp.arrays(np.float64, shape, elements=elements))


@st.composite
def keep_masks(draw, n_q: int, n_k: int):
    """A boolean mask (True = attend) with at least one key per query."""
    mask = draw(hnp.arrays(np.bool_, (n_q, n_k)))
    mask[np.arange(n_q), draw(hnp.arrays(np.int64, n_q, elements=st.integers(0, n_k - 1)))] = True
    return mask


def _sums_to_one(p, axis=-1, tol=1e-12):
    np.testing.assert_allclose(np.sum(p, axis=axis), 1.0, rtol=0, atol=tol)


# --- softmax family -----------------------------------------------------------------------

@given(matrices(elements=logit))
def test_softmax_rows_are_distributions_even_for_huge_logits(z):
    p = softmax(z)
    assert np.all(np.isfinite(p)) and np.all(p >= 0) and np.all(p <= 1)
    _sums_to_one(p)
    # the largest logit of each row gets the largest probability
    rows = np.arange(z.shape[0])
    assert np.all(p[rows, np.argmax(z, axis=-1)] == p.max(axis=-1))


@given(matrices(elements=logit))
def test_softmax_along_axis_0_is_the_transpose(z):
    np.testing.assert_allclose(softmax(z, axis=0), softmax(z.T).T, rtol=0, atol=1e-15)


@given(matrices(elements=st.floats(-1e6, 1e6)), st.floats(-1e3, 1e3))
def test_softmax_ignores_a_constant_shift(z, shift):
    np.testing.assert_allclose(softmax(z + shift), softmax(z), rtol=0, atol=1e-9)


@given(matrices(elements=logit))
def test_log_softmax_is_finite_and_agrees_with_softmax(z):
    lp = log_softmax(z)
    assert np.all(np.isfinite(lp)) and np.all(lp <= 0)
    np.testing.assert_allclose(np.exp(lp), softmax(z), rtol=1e-12, atol=1e-300)
    # log Σ exp(log p) = 0: the log-probabilities normalize
    m = lp.max(axis=-1, keepdims=True)
    np.testing.assert_allclose(m[:, 0] + np.log(np.exp(lp - m).sum(-1)), 0.0, atol=1e-12)


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                  elements=st.floats(allow_nan=False)))
def test_sigmoid_stays_in_the_unit_interval(z):
    s = sigmoid(z)
    assert np.all((s >= 0) & (s <= 1))
    # σ(-z) = 1 - σ(z)
    np.testing.assert_allclose(sigmoid(-z), 1 - s, rtol=0, atol=1e-15)


@given(matrices(elements=st.floats(-1e3, 1e3)), st.floats(1e-2, 1e2))
def test_temperature_softmax_is_a_distribution(z, tau):
    p = temperature_softmax(z, tau)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    _sums_to_one(p)


@given(hnp.arrays(np.float64, st.integers(2, 6), elements=moderate, unique=True))
def test_small_temperature_concentrates_on_the_arg_max(z):
    top2 = np.sort(z)[-2:]
    assume(top2[1] - top2[0] > 1e-3)
    tau = (top2[1] - top2[0]) / 100              # every other p_i ≤ e^{-100}
    p = temperature_softmax(z, tau)
    assert p[np.argmax(z)] > 1 - 1e-12


# --- attention ----------------------------------------------------------------------------

@st.composite
def qkv(draw, elements=moderate):
    n_q, n_k, d, d_v = (draw(dims) for _ in range(4))
    Q = draw(hnp.arrays(np.float64, (n_q, d), elements=elements))
    K = draw(hnp.arrays(np.float64, (n_k, d), elements=elements))
    V = draw(hnp.arrays(np.float64, (n_k, d_v), elements=moderate))
    return Q, K, V, draw(keep_masks(n_q, n_k))


@given(qkv(elements=st.floats(-1e14, 1e14)), st.booleans())
def test_attention_weights_sum_to_one_and_vanish_where_masked(args, causal):
    Q, K, V, mask = args
    n_q, n_k = mask.shape
    if causal:
        assume(n_k >= n_q)                      # every query keeps key 0 under the causal mask
        mask[:, 0] = True
    out, w = scaled_dot_product_attention(Q, K, V, mask=mask, causal=causal)
    assert np.all(np.isfinite(w)) and np.all(np.isfinite(out))
    _sums_to_one(w)
    allowed = mask & np.tril(np.ones((n_q, n_k), dtype=bool)) if causal else mask
    assert np.all(w[~allowed] == 0.0)
    # the output is a convex combination of the value rows
    assert np.all(out <= V.max(axis=0) + 1e-9) and np.all(out >= V.min(axis=0) - 1e-9)


@given(st.tuples(dims, dims).flatmap(lambda s: st.tuples(
    hnp.arrays(np.float64, s, elements=logit), keep_masks(*s))))
def test_attention_weights_of_huge_scores(args):
    scores, mask = args
    w = attention_weights(scores, mask=mask)
    assert np.all(np.isfinite(w))
    _sums_to_one(w)
    assert np.all(w[~mask] == 0.0)


@FEW
@given(st.data(), st.integers(1, 2), st.integers(1, 2), dims, dims, st.booleans())
def test_multi_head_attention_weights_per_head(data, heads, d_head, n_q, n_k, causal):
    d = heads * d_head
    arr = lambda shape, el=moderate: data.draw(hnp.arrays(np.float64, shape, elements=el))  # noqa: E731
    mask = data.draw(keep_masks(n_q, n_k))
    if causal:
        assume(n_k >= n_q)
        mask[:, 0] = True
    out, w = multi_head_attention(arr((n_q, d)), arr((n_k, d)), arr((n_k, d)),
                                  arr((d, d)), arr((d, d)), arr((d, d)), arr((d, d)),
                                  num_heads=heads, mask=mask, causal=causal)
    assert w.shape == (heads, n_q, n_k) and out.shape == (n_q, d)
    assert np.all(np.isfinite(w)) and np.all(np.isfinite(out))
    _sums_to_one(w)
    allowed = mask & np.tril(np.ones((n_q, n_k), dtype=bool)) if causal else mask
    assert np.all(w[:, ~allowed] == 0.0)


# --- sparse representations, similarity, BM25 ---------------------------------------------

counts = matrices(elements=st.integers(0, 5).map(float), rows=st.integers(1, 5),
                  cols=st.integers(1, 6))


@given(counts, st.sampled_from(["raw", "length", "log"]))
def test_l2_normalized_tfidf_rows_have_unit_norm_or_are_empty(X, tf):
    assume(X.sum() > 0)                          # a corpus with no term at all is refused
    norms = np.linalg.norm(tfidf(X, tf=tf).toarray(), axis=1)
    empty = X.sum(axis=1) == 0
    np.testing.assert_allclose(norms[~empty], 1.0, rtol=0, atol=1e-12)
    assert np.all(norms[empty] == 0.0)


#: magnitudes whose squares neither underflow nor overflow (see the xfail tests below)
safe_magnitude = st.just(0.0) | st.floats(1e-100, 1e100)


@given(matrices(elements=safe_magnitude, rows=st.integers(1, 5), cols=st.integers(1, 6)))
def test_l2_normalize_rows_gives_unit_or_zero_rows(X):
    Y = l2_normalize_rows(X).toarray()
    norms = np.linalg.norm(Y, axis=1)
    zero = ~np.any(X > 0, axis=1)
    np.testing.assert_allclose(norms[~zero], 1.0, rtol=0, atol=1e-12)
    assert np.all(Y[zero] == 0.0)
    # the direction is kept: every row is a non-negative multiple of the input row
    np.testing.assert_allclose(Y * np.linalg.norm(X, axis=1, keepdims=True), X, rtol=1e-12)


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("value", [1e-200, 1e-160, 1e160, 1e200])
def test_l2_normalize_rows_of_extreme_magnitudes(value):
    Y = l2_normalize_rows(np.array([[value, value]])).toarray()
    np.testing.assert_allclose(np.linalg.norm(Y, axis=1), 1.0, rtol=0, atol=1e-12)


bm25_params = dict(
    doc_len=st.floats(0, 1e3), avgdl=st.floats(1e-2, 1e3), k1=st.floats(0.01, 3.0),
    b=st.floats(0, 1), variant=st.sampled_from(["okapi", "lucene"]))


@given(tf=st.lists(st.floats(0, 1e4), min_size=2, max_size=8), **bm25_params)
def test_bm25_tf_grows_with_term_frequency_and_stays_below_its_bound(tf, doc_len, avgdl, k1,
                                                                      b, variant):
    f = np.sort(np.array(tf))
    s = bm25_tf(f, doc_len, avgdl, k1=k1, b=b, variant=variant)
    assert np.all(np.diff(s) >= 0)                               # more occurrences, no less score
    bound = k1 + 1 if variant == "okapi" else 1.0
    assert np.all(s >= 0) and np.all(s <= bound)                 # saturates below its bound
    K = k1 * (1 - b + b * doc_len / avgdl)
    assume(K > 0)
    # ...without reaching it (until f/K is so large that f / (f + K) rounds to 1)
    assert np.all(s[(f > 0) & (f < 1e6 * K)] < bound)


@given(tf=st.floats(0.5, 1e3), lengths=st.lists(st.floats(0, 1e3), min_size=2, max_size=8),
       avgdl=bm25_params["avgdl"], k1=bm25_params["k1"], b=st.floats(0.01, 1),
       variant=bm25_params["variant"])
def test_bm25_tf_decreases_with_document_length(tf, lengths, avgdl, k1, b, variant):
    dl = np.sort(np.array(lengths))
    s = bm25_tf(tf, dl, avgdl, k1=k1, b=b, variant=variant)
    assert np.all(np.diff(s) <= 0)


@given(tf=st.floats(0, 1e3), lengths=st.lists(st.floats(0, 1e3), min_size=2, max_size=8),
       avgdl=bm25_params["avgdl"], k1=bm25_params["k1"], variant=bm25_params["variant"])
def test_bm25_tf_ignores_document_length_when_b_is_zero(tf, lengths, avgdl, k1, variant):
    s = bm25_tf(tf, np.array(lengths), avgdl, k1=k1, b=0.0, variant=variant)
    assert np.all(s == s[0])


@given(st.integers(1, 6).flatmap(lambda d: st.tuples(
    matrices(elements=safe_magnitude | safe_magnitude.map(lambda v: -v), cols=st.just(d)),
    matrices(elements=safe_magnitude | safe_magnitude.map(lambda v: -v), cols=st.just(d)))))
def test_cosine_similarity_lies_in_minus_one_one(xy):
    x, y = xy
    sim = cosine_similarity(x, y, zero=0.0)
    assert sim.shape == (x.shape[0], y.shape[0])
    assert np.all(np.isfinite(sim)) and np.all(np.abs(sim) <= 1.0)
    np.testing.assert_allclose(cosine_similarity(y, x, zero=0.0), sim.T, rtol=0, atol=1e-15)
    # parallel vectors: 1 up to rounding (and never above it: clipped)
    parallel = cosine_similarity(x, 3 * x, zero=0.0).diagonal()[np.any(x != 0, axis=1)]
    np.testing.assert_allclose(parallel, 1.0, rtol=0, atol=1e-15)


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("value", [1e-200, 1e200])
@pytest.mark.parametrize("sparse", [False, True])
def test_cosine_similarity_of_extreme_magnitudes(value, sparse):
    x, y = np.array([[value, value]]), np.array([[value, 0.0]])
    if sparse:
        x, y = scipy.sparse.csr_array(x), scipy.sparse.csr_array(y)
    got = cosine_similarity(x, y)
    assert float(np.asarray(got).ravel()[0]) == pytest.approx(1 / math.sqrt(2), rel=1e-12)


# --- recurrent cells and gradients --------------------------------------------------------

@st.composite
def cell_args(draw, gates: int):
    elements = st.floats(-10, 10)
    n, d, B = draw(dims), draw(dims), draw(dims)
    arr = lambda shape, el=elements: draw(hnp.arrays(np.float64, shape, elements=el))  # noqa: E731
    return dict(x=arr((B, d)), W_ih=arr((gates * n, d)), W_hh=arr((gates * n, n)),
                b_ih=arr((gates * n,)), b_hh=arr((gates * n,)), B=B, n=n)


@given(cell_args(4), st.integers(1, 4), st.floats(0, 20))
def test_lstm_outputs_stay_in_their_ranges(a, steps, c_scale):
    B, n = a.pop("B"), a.pop("n")
    x = a.pop("x")
    h = np.zeros((B, n))
    c = np.full((B, n), c_scale)
    for _ in range(steps):
        c_prev = c
        h, c = lstm_step(x, h, c_prev, **a)
        assert np.all(np.isfinite(h)) and np.all(np.isfinite(c))
        assert np.all(np.abs(h) <= 1.0)
        # c = f ⊙ c_prev + i ⊙ g with f, i ∈ [0, 1] and g ∈ [-1, 1]
        assert np.all(np.abs(c) <= np.abs(c_prev) + 1.0 + 1e-12)
        # h = o ⊙ tanh(c) with o ∈ [0, 1]: never larger than tanh |c|
        assert np.all(np.abs(h) <= np.tanh(np.abs(c)) + 1e-12)


@given(cell_args(3), st.integers(1, 4), st.sampled_from(["pytorch", "cho"]), st.data())
def test_gru_state_stays_in_minus_one_one(a, steps, form, data):
    B, n = a.pop("B"), a.pop("n")
    x = a.pop("x")
    h = data.draw(hnp.arrays(np.float64, (B, n), elements=st.floats(-1, 1)))
    for _ in range(steps):
        h_prev = h
        h = gru_step(x, h_prev, **a, form=form)
        assert np.all(np.abs(h) <= 1.0)
        # h is a convex combination of h_prev and a tanh candidate, elementwise
        assert np.all(np.abs(h) <= np.maximum(np.abs(h_prev), 1.0))


@st.composite
def gradient_dicts(draw):
    names = draw(st.lists(st.sampled_from(["W", "U", "b", "c"]), min_size=1, max_size=4,
                          unique=True))
    return {k: draw(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=3),
                               elements=st.floats(-1e6, 1e6))) for k in names}


def _global_norm(grads):
    return math.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))


def _exact_norm(grads):
    # BLAS's nrm2 scales as it sums, so tiny entries (1e-175) do not underflow to 0
    from scipy.linalg.blas import dnrm2

    return float(dnrm2(np.concatenate([np.ravel(g) for g in grads.values()])))


@given(gradient_dicts(), st.floats(1e-3, 1e3))
def test_clipped_gradients_never_exceed_the_threshold(grads, max_norm):
    clipped, total = clip_grad_norm(grads, max_norm)
    assert math.isclose(float(total), _exact_norm(grads), rel_tol=1e-12, abs_tol=1e-300)
    assert _global_norm(clipped) <= max_norm * (1 + 1e-12)
    # clipping rescales, it never turns the direction
    for k, g in grads.items():
        scale = min(1.0, max_norm / (float(total) + 1e-6))
        np.testing.assert_allclose(clipped[k], g * scale, rtol=1e-12)


@given(gradient_dicts(), st.floats(0, 1e3))
def test_gradients_under_the_threshold_are_unchanged(grads, margin):
    max_norm = _global_norm(grads) + 1e-6 + margin   # ‖g‖ + ε ≤ c: the coefficient is 1
    clipped, _ = clip_grad_norm(grads, max_norm)
    for k, g in grads.items():
        assert np.array_equal(clipped[k], g)


# --- decoding -----------------------------------------------------------------------------

def _random_decoder(seed: int, V: int, sharp: float):
    """A decoder whose next-token distribution depends on the whole prefix (seeded per prefix)."""
    def step(prefix):
        z = np.random.default_rng([seed, len(prefix), *prefix]).normal(size=V) * sharp
        return log_softmax(z)
    return step


decoder_args = dict(seed=st.integers(0, 2**32 - 1), V=st.integers(2, 4),
                    sharp=st.floats(0.1, 5.0), beam_width=st.integers(1, 4))


@given(**decoder_args, eos=st.none() | st.integers(0, 1))
def test_beam_search_is_never_worse_than_greedy_over_two_steps(seed, V, sharp, beam_width, eos):
    # Over two steps the greedy sequence is always among beam search's candidates: its first
    # token is the best first token, which every beam keeps.
    step = _random_decoder(seed, V, sharp)
    _, greedy_lp = greedy_search(step, max_len=2, eos=eos)
    best = beam_search(step, beam_width=beam_width, max_len=2, eos=eos)[0]
    assert best.log_prob >= greedy_lp - 1e-12


@FEW
@given(**{**decoder_args, "V": st.integers(2, 3)}, max_len=st.integers(1, 4),
       eos=st.none() | st.integers(0, 1))
def test_exhaustive_beam_search_is_never_worse_than_greedy(seed, V, sharp, beam_width, max_len,
                                                           eos):
    step = _random_decoder(seed, V, sharp)
    _, greedy_lp = greedy_search(step, max_len=max_len, eos=eos)
    width = V ** max(max_len - 1, 1)              # ≥ V^{T-1}: nothing is pruned
    hyps = beam_search(step, beam_width=width, max_len=max_len, eos=eos)
    assert hyps[0].log_prob >= greedy_lp - 1e-12
    assert [h.score for h in hyps] == sorted((h.score for h in hyps), reverse=True)


# --- language models, text, positions -----------------------------------------------------

words = st.sampled_from(["a", "b", "c", "d"])


@given(sentences=st.lists(st.lists(words, min_size=1, max_size=5), min_size=1, max_size=4),
       n=st.integers(1, 3), k=st.floats(0.01, 2.0),
       context=st.lists(st.sampled_from(["a", "b", "c", "d", "<s>", "zz"]), min_size=2,
                        max_size=2))
def test_add_k_probabilities_sum_to_one_over_the_vocabulary(sentences, n, k, context):
    lm = NGramLM(sentences, n=n, k=k)
    support = [*sorted(lm.vocab - {"<s>"}), "<unk>"]      # V = word types + </s> + <unk>
    assert len(support) == lm.vocab_size
    total = sum(lm.prob(w, context) for w in support)
    assert total == pytest.approx(1.0, abs=1e-12)


@given(st.lists(st.lists(st.integers(1, 9), max_size=6), min_size=1, max_size=5),
       st.none() | st.integers(0, 7), st.sampled_from(["pre", "post"]),
       st.sampled_from(["pre", "post"]))
def test_padded_sequences_have_length_maxlen(seqs, maxlen, padding, truncating):
    out = pad_sequences(seqs, maxlen=maxlen, padding=padding, truncating=truncating)
    width = max(len(s) for s in seqs) if maxlen is None else maxlen
    assert out.shape == (len(seqs), width)
    # what is kept is a contiguous piece of the sequence; everything else is padding
    for row, s in zip(out, seqs, strict=True):
        kept = row[row != 0]
        assert len(kept) == min(len(s), width)
        assert list(kept) == (list(s[:width]) if truncating == "post" else
                              list(s[len(s) - len(kept):]))


@given(st.integers(1, 64), st.integers(1, 32).map(lambda h: 2 * h),
       st.floats(2.0, 1e5))
def test_positional_encoding_values_lie_in_minus_one_one(n_positions, d_model, base):
    P = positional_encoding(n_positions, d_model, base=base)
    assert P.shape == (n_positions, d_model)
    assert np.all(np.abs(P) <= 1.0)
    # each sin/cos pair lies on the unit circle
    np.testing.assert_allclose(P[:, 0::2] ** 2 + P[:, 1::2] ** 2, 1.0, rtol=0, atol=1e-12)
