"""Decoding: teacher forcing vs torch, beam search vs exhaustive search, sampling vs chi-square."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from seqcore import (
    Hypothesis,
    ShapeError,
    beam_search,
    gnmt_length_penalty,
    greedy_search,
    power_length_penalty,
    rnn_language_model,
    sample_sequence,
    sample_token,
    teacher_forcing_loss,
    temperature_softmax,
    top_k_softmax,
    top_p_softmax,
)
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")
stats = require("scipy.stats")
special = require("scipy.special")

TOL = 1e-10


def bigram_table(V: int, seed: int) -> np.ndarray:
    """log P(next | previous) for a random bigram model; row V is the start state."""
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.full(V, 0.7), size=V + 1)
    return np.log(P)


def table_step(logP: np.ndarray):
    V = logP.shape[1]
    return lambda prefix: logP[prefix[-1] if prefix else V]


def table_log_prob(logP: np.ndarray, seq) -> float:
    """log P(seq) by the chain rule, written independently of seqcore."""
    V, prev, total = logP.shape[1], None, 0.0
    for w in seq:
        total += logP[V if prev is None else prev, w]
        prev = w
    return total


# --- teacher forcing against torch's cross-entropy on an RNN language model ----------------

@pytest.mark.formula("generation.teacher-forcing")
@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize(("V", "d", "n", "T"), [(5, 3, 4, 1), (7, 4, 6, 9), (11, 5, 8, 20)])
def test_teacher_forcing_matches_torch_cross_entropy(V, d, n, T, reduction):
    torch.manual_seed(V + T)
    bos = V                                         # the start token has its own embedding row
    emb = torch.nn.Embedding(V + 1, d, dtype=torch.float64)
    rnn = torch.nn.RNN(d, n, dtype=torch.float64)
    out = torch.nn.Linear(n, V, dtype=torch.float64)
    y = torch.randint(0, V, (T,))
    inputs = torch.cat([torch.tensor([bos]), y[:-1]])    # teacher forcing: the true y_<t
    H, _ = rnn(emb(inputs))
    ref = torch.nn.functional.cross_entropy(out(H), y, reduction=reduction).item()
    p = {k: v.detach().numpy() for k, v in rnn.named_parameters()}
    step = rnn_language_model(emb.weight.detach().numpy(), p["weight_ih_l0"], p["weight_hh_l0"],
                              out.weight.detach().numpy(), p["bias_ih_l0"] + p["bias_hh_l0"],
                              out.bias.detach().numpy(), bos=bos)
    got = teacher_forcing_loss(step, y.tolist(), reduction=reduction)
    assert abs(got - ref) < TOL


@pytest.mark.formula("generation.teacher-forcing")
def test_teacher_forcing_is_the_negative_chain_rule_on_a_table():
    logP = bigram_table(4, seed=1)
    seq = [2, 0, 3, 3, 1]
    assert abs(teacher_forcing_loss(table_step(logP), seq) + table_log_prob(logP, seq)) < 1e-12


# --- greedy and beam search against exhaustive search --------------------------------------

@pytest.mark.formula("generation.greedy")
@pytest.mark.parametrize("seed", range(5))
def test_greedy_follows_the_row_maxima(seed):
    logP = bigram_table(6, seed)
    tokens, lp = greedy_search(table_step(logP), max_len=7)
    prev, expected = 6, []
    for _ in range(7):
        prev = int(np.argmax(logP[prev]))
        expected.append(prev)
    assert list(tokens) == expected
    assert abs(lp - table_log_prob(logP, expected)) < 1e-12


def exhaustive(logP, max_len, eos, alpha):
    """Every finished sequence (ends in eos, or reaches max_len) with its score, best first."""
    V = logP.shape[1]
    found = []
    for length in range(1, max_len + 1):
        for seq in itertools.product(range(V), repeat=length):
            if eos is not None and eos in seq[:-1]:
                continue                       # nothing follows an end token
            if length < max_len and seq[-1] != eos:
                continue                       # unfinished
            lp = table_log_prob(logP, seq)
            found.append((lp / length ** alpha, seq))
    return sorted(found, key=lambda c: (-c[0], c[1]))


@pytest.mark.formula("generation.beam-score")
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("V", "T"), [(3, 2), (4, 2), (3, 3), (4, 3)])
@pytest.mark.parametrize(("eos", "alpha"), [(None, 0.0), (0, 0.0), (0, 0.7), (0, 1.0)])
def test_wide_beam_is_exhaustive_search(seed, V, T, eos, alpha):
    logP = bigram_table(V, seed * 7 + V + T)
    width = V ** (T - 1)                        # no prefix is ever pruned before the last step
    hyps = beam_search(table_step(logP), width, T, eos=eos, length_penalty=alpha)
    truth = exhaustive(logP, T, eos, alpha)
    assert hyps[0].tokens == truth[0][1]
    assert abs(hyps[0].score - truth[0][0]) < 1e-12
    top = min(3, len(hyps))
    assert [h.tokens for h in hyps[:top]] == [seq for _, seq in truth[:top]]
    for h in hyps:
        assert abs(h.log_prob - table_log_prob(logP, h.tokens)) < 1e-12


@pytest.mark.formula("generation.beam-score")
def test_beam_width_vocabulary_is_exact_for_length_two():
    """The issue's statement: width >= V finds the best sequence; exact for T = 2."""
    for seed in range(20):
        logP = bigram_table(5, seed)
        best = beam_search(table_step(logP), 5, 2)[0]
        assert best.tokens == exhaustive(logP, 2, None, 0.0)[0][1]


@pytest.mark.formula("generation.beam-score", "generation.greedy")
def test_beam_width_one_is_greedy_and_the_exhaustive_width_is_never_worse():
    for seed in range(10):
        logP = bigram_table(5, seed)
        step = table_step(logP)
        g_tokens, g_lp = greedy_search(step, 4)
        assert beam_search(step, 1, 4)[0].tokens == g_tokens
        scores = [beam_search(step, b, 4)[0].log_prob for b in (1, 2, 5, 25, 125)]
        assert scores[-1] >= g_lp - 1e-12
        assert abs(scores[-1] - exhaustive(logP, 4, None, 0.0)[0][0]) < 1e-12


@pytest.mark.formula("generation.beam-score")
def test_beam_search_on_an_rnn_language_model_is_exact_when_wide():
    rng = np.random.default_rng(3)
    V, d, n, T = 4, 3, 5, 3
    step = rnn_language_model(rng.normal(size=(V, d)), rng.normal(size=(n, d)),
                              rng.normal(size=(n, n)) * 0.5, rng.normal(size=(V, n)) * 2, bos=0)
    best = beam_search(step, V ** (T - 1), T)[0]
    brute = max(itertools.product(range(V), repeat=T),
                key=lambda s: sum(float(step(s[:t])[s[t]]) for t in range(T)))
    assert best.tokens == brute


# --- temperature and top-k: the formula, and samples against the target distribution --------

@pytest.mark.formula("generation.temperature")
@pytest.mark.parametrize("tau", [0.1, 0.5, 1.0, 2.0, 10.0])
def test_temperature_matches_scipy_softmax(tau):
    z = np.random.default_rng(0).normal(size=(3, 9)) * 4
    np.testing.assert_allclose(temperature_softmax(z, tau), special.softmax(z / tau, axis=-1),
                               rtol=0, atol=1e-14)
    zt = torch.tensor(z)
    torch.testing.assert_close(temperature_softmax(zt, tau), torch.softmax(zt / tau, -1),
                               rtol=0, atol=1e-14)


@pytest.mark.formula("generation.temperature")
def test_temperature_limits():
    z = np.array([2.0, 1.0, 0.5, 1.99])
    np.testing.assert_allclose(temperature_softmax(z, 1e-4), [1, 0, 0, 0], atol=1e-12)
    np.testing.assert_allclose(temperature_softmax(z, 1e6), np.full(4, 0.25), atol=1e-6)
    assert np.isfinite(temperature_softmax(z * 1e5, 1e-3)).all()


@pytest.mark.formula("generation.top-k")
@pytest.mark.parametrize("k", [1, 2, 4, 8, 100])
@pytest.mark.parametrize("tau", [0.7, 1.0, 3.0])
def test_top_k_matches_torch_topk(k, tau):
    z = torch.randn(4, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(k))
    kk = min(k, 8)
    vals, idx = torch.topk(z, kk, dim=-1)
    ref = torch.zeros_like(z).scatter(-1, idx, torch.softmax(vals / tau, -1))
    np.testing.assert_allclose(top_k_softmax(z.numpy(), k, tau), ref.numpy(), rtol=0, atol=1e-14)


@pytest.mark.formula("generation.top-k")
def test_top_k_ties_keep_exactly_k_smallest_ids():
    p = top_k_softmax(np.array([1.0, 3.0, 1.0, 1.0, 0.0]), k=3)
    expected = np.zeros(5)
    expected[:3] = special.softmax([1.0, 3.0, 1.0])     # token 3 ties with 0 and 2 but loses
    np.testing.assert_allclose(p, expected, rtol=0, atol=1e-15)


N_SAMPLES = 20_000


@pytest.mark.formula("generation.temperature")
@pytest.mark.parametrize("tau", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_temperature_samples_pass_chi_square(tau, seed):
    z = np.log(np.array([0.4, 0.25, 0.15, 0.1, 0.06, 0.04]))
    target = special.softmax(z / tau)                 # the independent target distribution
    draws = sample_token(z, tau, rng=seed, size=N_SAMPLES)
    counts = np.bincount(draws, minlength=6)
    assert stats.chisquare(counts, N_SAMPLES * target).pvalue > 1e-3


@pytest.mark.formula("generation.top-k")
@pytest.mark.parametrize(("k", "tau"), [(1, 1.0), (3, 1.0), (3, 0.5), (5, 2.0)])
def test_top_k_samples_pass_chi_square(k, tau):
    z = np.log(np.array([0.05, 0.4, 0.1, 0.25, 0.15, 0.05]))
    keep = np.argsort(-z, kind="stable")[:k]
    target = np.zeros(6)
    target[keep] = special.softmax(z[keep] / tau)
    counts = np.bincount(sample_token(z, tau, top_k=k, rng=7, size=N_SAMPLES), minlength=6)
    assert counts[target == 0].sum() == 0             # never a token outside the top k
    if k > 1:
        assert stats.chisquare(counts[keep], N_SAMPLES * target[keep]).pvalue > 1e-3


def test_chi_square_detects_the_wrong_temperature():
    """The sampling test is not vacuous: τ = 1 samples fail against the τ = 2 target."""
    z = np.log(np.array([0.4, 0.25, 0.15, 0.1, 0.06, 0.04]))
    counts = np.bincount(sample_token(z, 1.0, rng=0, size=N_SAMPLES), minlength=6)
    assert stats.chisquare(counts, N_SAMPLES * special.softmax(z / 2.0)).pvalue < 1e-10


def test_sampling_is_reproducible_with_a_seed():
    step = table_step(bigram_table(5, 2))
    a = sample_sequence(step, 12, temperature=1.5, rng=42)
    assert a == sample_sequence(step, 12, temperature=1.5, rng=42)
    assert a != sample_sequence(step, 12, temperature=1.5, rng=43)
    assert sample_sequence(step, 12, top_k=1) == greedy_search(step, 12)[0]


def test_generation_stops_at_eos():
    P = np.log(np.array([[0.1, 0.9], [0.9, 0.1], [0.0 + 1e-300, 1.0]]))
    step = lambda prefix: P[prefix[-1] if prefix else 2]   # noqa: E731
    assert greedy_search(step, 10, eos=0) == ((1, 0), pytest.approx(math.log(1.0 * 0.9)))
    assert sample_sequence(step, 10, eos=0, rng=0)[-1] == 0


# --- bad input ----------------------------------------------------------------------------

STEP = table_step(bigram_table(3, 0))


LOG = np.log


def table(prefix):
    """A fixed 3-token model: after () -> (.5, .3, .2); after anything else -> (.1, .1, .8)."""
    return LOG([0.5, 0.3, 0.2]) if not prefix else LOG([0.1, 0.1, 0.8])


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: temperature_softmax(np.ones(3), 0.0), ValueError,
         ["temperature_softmax: `temperature`", "> 0", "0.0", "greedy_search"]),
        (lambda: temperature_softmax(np.ones(3), "hot"), TypeError,
         ["temperature_softmax: `temperature`", "number", "'hot'"]),
        (lambda: sample_token(np.ones(3), top_k=0, rng=0), ValueError,
         ["sample_token: `top_k`", ">= 1", "0"]),
        (lambda: sample_token(np.ones((2, 3)), rng=0), ShapeError,
         ["sample_token: `logits`", "1-D (vocab,)", "(2, 3)"]),
        (lambda: greedy_search(lambda p: np.array([0.2, 0.8]), 2),
         ValueError, ["greedy_search: `step`", "log-probabilities", "sums to 1", "log-softmax"]),
        (lambda: greedy_search(lambda p: np.zeros((2, 2)), 2),
         ShapeError, ["greedy_search: `step`", "1-D", "(2, 2)"]),
        (lambda: greedy_search(lambda p: np.zeros(0), 1),
         ShapeError, ["greedy_search: `step`", "(V,) with V ≥ 1", "(0,)"]),
        (lambda: greedy_search(lambda p: LOG([1.0]) if not p else LOG([0.5, 0.5]), 2),
         ShapeError, ["greedy_search: `step`", "shape (1,)", "prefix (0,)", "(2,)"]),
        (lambda: greedy_search(lambda p: np.array([np.nan, 0.0]), 1),
         ValueError, ["greedy_search: `step`", "NaN or +inf", "prefix ()"]),
        (lambda: greedy_search(lambda p: np.array([np.inf, 0.0]), 1),
         ValueError, ["greedy_search: `step`", "NaN or +inf"]),
        (lambda: greedy_search(STEP, 3, prefix=[5]), IndexError,
         ["greedy_search: `prefix`", "[5]", "0..2"]),
        (lambda: greedy_search(table, 1, prefix=[3, 1, 4]), ValueError,
         ["greedy_search: `prefix`", "[3, 4]", "0..2"]),
        (lambda: sample_sequence(table, 1, prefix=[9]), ValueError,
         ["sample_sequence: `prefix`", "[9]", "0..2"]),
        (lambda: teacher_forcing_loss(STEP, [0, 7]), ValueError,
         ["teacher_forcing_loss: `targets`", "[7]", "0..2"]),
        (lambda: rnn_language_model(np.ones((3, 2)), np.ones((2, 2)), np.ones((2, 2)),
                                    np.ones((3, 2)), bos=3),
         ValueError, ["rnn_language_model: `bos`", "[0, 2]", "3"]),
        # The step's errors start "rnn_language_model.step: " (test_validation checks the
        # whole name); the mutation run renames the enclosing function, so only the tail here.
        (lambda: rnn_language_model(np.ones((3, 2)), np.ones((2, 2)), np.ones((2, 2)),
                                    np.ones((3, 2)))((3,)),
         IndexError, [".step: `prefix`", "[0, 2]", "(3,)"]),
        (lambda: rnn_language_model(np.ones((3, 2)), np.ones((2, 2)), np.ones((2, 2)),
                                    np.ones((3, 2)))(("x",)),
         TypeError, [".step: `prefix`", "token ids"]),
        (lambda: rnn_language_model(np.ones((3, 2)), np.ones((2, 2)), np.ones((2, 2)),
                                    np.ones((3, 2)))((-1,)),
         ValueError, [".step: `prefix`", "[0, 2]", "-1"]),
        (lambda: Hypothesis((1,), 0.0), TypeError, ["'score'"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


# --- small decodes worked by hand ---------------------------------------------------------

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
                       ["teacher_forcing_loss: `step`", "shape (3,)", "prefix (0,)", "(2,)"])
    logits_t = torch.tensor([0.0, -math.inf], requires_grad=True)
    assert sample_token(logits_t, rng=0) == 0


@pytest.mark.formula("generation.greedy", "generation.beam-score")
def test_a_float32_head_over_32000_tokens_is_accepted():
    """A float32 log_softmax over 32,000 logits sums to 1 only within a few ulps times
    sqrt(V) (here 1 - 4.1e-6): the decoders check it within its own dtype's rounding."""
    z = torch.randn(32_000, generator=torch.Generator().manual_seed(0)) * 5
    row = torch.log_softmax(z, dim=-1).numpy()
    assert abs(float(np.exp(row.astype(np.float64)).sum()) - 1) > 3.7e-6
    best = int(np.argmax(row))
    assert greedy_search(lambda p: row, 2)[0] == (best, best)
    # a float64 row that far off is refused: its own rounding is far smaller
    off = np.log(np.exp(row.astype(np.float64)) * (1 + 4e-6))
    assert_error_names(lambda: greedy_search(lambda p: off, 1), ValueError,
                       ["greedy_search: `step`", "sums to 1 (within"])


# --- a wider beam: usually, not always, better (generation § beam search) -------------------

def widening_counterexample(prefix: tuple[int, ...]) -> np.ndarray:
    """The page's case, as probabilities: V = 13 (A = 0, B = 1, Z = 2, ten words 3..12).

    Step 1: A 0.40, B 0.35, the other 11 tokens share 0.25. After A: the ten words at 0.1
    each, every one followed by Z for sure. After B: Z or the filler word 3, 0.5 each, then
    any of the 13 tokens uniformly.
    """
    V = 13
    p = np.zeros(V)
    if prefix == ():
        p[:] = 0.25 / 11
        p[0], p[1] = 0.40, 0.35
    elif prefix == (0,):
        p[3:] = 0.1
    elif prefix[0] == 0:
        p[2] = 1.0
    elif prefix == (1,):
        p[2] = p[3] = 0.5
    else:
        p[:] = 1 / V
    return p


def plain_beam(P, width: int, T: int, V: int) -> tuple[tuple[int, ...], float]:
    """Beam search on probabilities (products, no logs), written independently of seqcore."""
    beams = [((), 1.0)]
    for _ in range(T):
        cands = [((*seq, w), prob * P(seq)[w]) for seq, prob in beams for w in range(V)
                 if P(seq)[w] > 0]
        cands.sort(key=lambda c: (-c[1], c[0]))
        beams = cands[:width]
    return beams[0]


@pytest.mark.formula("generation.beam-score")
def test_widening_the_beam_can_find_a_worse_sequence():
    """generation § beam search: width 1 finds 0.04, width 2 only 0.0135, width 3 0.04 again."""
    P = widening_counterexample

    def step(prefix):
        with np.errstate(divide="ignore"):                # log 0 = -inf: never extended
            return np.log(P(prefix))

    found = [float(np.exp(beam_search(step, k, 3)[0].log_prob)) for k in (1, 2, 3)]
    reference = [plain_beam(P, k, 3, 13)[1] for k in (1, 2, 3)]
    np.testing.assert_allclose(found, reference, rtol=1e-12)
    assert [round(p, 4) for p in found] == [0.04, 0.0135, 0.04]
    assert found[1] < found[0]                            # wider, and worse
    best = max(math.prod(P(s[:t])[s[t]] for t in range(3))
               for s in itertools.product(range(13), repeat=3))
    assert best == pytest.approx(0.04, abs=1e-15)         # widths 1 and 3 find the optimum


@pytest.mark.formula("generation.beam-score")
def test_widening_the_beam_usually_helps_on_random_bigram_models():
    """generation § beam search: out of 1,000 random models, widening 1 → 2 found a more
    probable sequence 288 times and a less probable one once (the numbers the page quotes)."""
    better = worse = 0
    for seed in range(1000):
        step = table_step(bigram_table(5, seed))
        narrow, wide = (beam_search(step, k, 4)[0].log_prob for k in (1, 2))
        better += wide > narrow + 1e-12
        worse += wide < narrow - 1e-12
    assert (better, worse) == (288, 1)


@pytest.mark.formula("generation.beam-score")
def test_a_beam_as_wide_as_the_vocabulary_can_miss_the_best_for_length_three():
    """generation § beam search: 'width ≥ V is exact' holds for T = 2 only."""
    misses = []
    for seed in range(100):
        logP = bigram_table(3, seed)
        best = beam_search(table_step(logP), 3, 3)[0]
        if best.log_prob < exhaustive(logP, 3, None, 0.0)[0][0] - 1e-12:
            misses.append(seed)
    assert misses, "expected a 3-word, length-3 model where width V = 3 misses the optimum"


def recording(step):
    """The decoder, and the list of prefixes it is called with."""
    calls = []

    def wrapped(prefix):
        calls.append(prefix)
        return step(prefix)
    return wrapped, calls


@pytest.mark.formula("generation.beam-score")
def test_beam_cost_grows_with_the_width():
    """generation § beam search: one decoder call per live prefix and step, at most k·T."""
    logP = bigram_table(6, 4)
    for k in (1, 2, 4, 8):
        step, calls = recording(table_step(logP))
        beam_search(step, k, 5)
        assert len(calls) == 1 + sum(min(k, 6 ** t) for t in range(1, 5))


@pytest.mark.formula("generation.beam-score", "generation.length-penalty",
                     "generation.length-penalty-gnmt")
def test_the_length_penalty_never_changes_the_pruning():
    """generation § beam search: live prefixes share one length, so α changes only the final
    ranking of finished sentences, never which prefixes the search expands."""
    logP = bigram_table(5, 11)
    expanded = {}
    for norm, alpha in [("power", 0.0), ("power", 0.6), ("power", 1.0), ("gnmt", 0.6),
                        ("gnmt", 2.0)]:
        step, calls = recording(table_step(logP))
        beam_search(step, 3, 5, eos=0, length_penalty=alpha, length_norm=norm)
        expanded[norm, alpha] = calls
    assert all(calls == expanded["power", 0.0] for calls in expanded.values())


# --- the two length penalties ---------------------------------------------------------------

@pytest.mark.formula("generation.length-penalty")
@pytest.mark.parametrize("alpha", [0.0, 0.6, 1.0, 2.5])
def test_power_penalty_is_the_length_to_the_alpha(alpha):
    # Hugging Face's beam scorer divides by generated_len ** length_penalty; torch computes it
    for n in range(1, 30):
        ref = torch.tensor(float(n), dtype=torch.float64).pow(alpha).item()
        assert power_length_penalty(n, alpha) == pytest.approx(ref, rel=1e-15)


@pytest.mark.formula("generation.length-penalty-gnmt")
@pytest.mark.parametrize("alpha", [0.0, 0.2, 0.6, 1.0, 2.5])
def test_gnmt_penalty_is_wus_formula(alpha):
    # Wu et al. (2016) as OpenNMT-py's length_wu writes it: (5 + |Y|)^α / (5 + 1)^α
    for n in range(1, 30):
        ref = (5 + n) ** alpha / (5 + 1) ** alpha
        assert gnmt_length_penalty(n, alpha) == pytest.approx(ref, rel=1e-14)
        if alpha > 0 and n > 1:                   # the 5 damps it: below |y|^α after length 1
            assert gnmt_length_penalty(n, alpha) < power_length_penalty(n, alpha)
    assert gnmt_length_penalty(1, alpha) == 1.0


@pytest.mark.formula("generation.beam-score", "generation.length-penalty-gnmt")
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("alpha", [0.6, 1.0])
def test_wide_beam_with_the_gnmt_penalty_is_exhaustive_search(seed, alpha):
    V, T = 4, 3
    logP = bigram_table(V, seed + 40)
    hyps = beam_search(table_step(logP), V ** (T - 1), T, eos=0, length_penalty=alpha,
                       length_norm="gnmt")
    truth = []
    for seq in (s for n in range(1, T + 1) for s in itertools.product(range(V), repeat=n)):
        if 0 in seq[:-1] or (len(seq) < T and seq[-1] != 0):
            continue
        lp = ((5 + len(seq)) / 6) ** alpha
        truth.append((table_log_prob(logP, seq) / lp, seq))
    truth.sort(key=lambda c: (-c[0], c[1]))
    assert [h.tokens for h in hyps[:3]] == [seq for _, seq in truth[:3]]
    assert hyps[0].score == pytest.approx(truth[0][0], abs=1e-12)


# --- nucleus (top-p) sampling ---------------------------------------------------------------

def hf_top_p(logits: torch.Tensor, top_p: float, tau: float = 1.0) -> torch.Tensor:
    """Hugging Face's TopPLogitsWarper, reproduced in torch (ascending sort, cumulative mass
    ≤ 1 − p removed, the most probable token always kept), then the softmax it feeds."""
    z = logits / tau
    sorted_z, idx = torch.sort(z, descending=False)
    cumulative = sorted_z.softmax(dim=-1).cumsum(dim=-1)
    remove = cumulative <= (1 - top_p)
    remove[..., -1:] = False
    remove = remove.scatter(-1, idx, remove)
    return z.masked_fill(remove, -math.inf).softmax(dim=-1)


@pytest.mark.formula("generation.top-p")
@pytest.mark.parametrize("top_p", [0.05, 0.3, 0.5, 0.8, 0.9, 0.95, 1.0])
@pytest.mark.parametrize("tau", [0.7, 1.0, 2.0])
def test_top_p_matches_hugging_faces_rule(top_p, tau):
    gen = torch.Generator().manual_seed(int(top_p * 100) + int(tau * 10))
    z = torch.randn(6, 12, dtype=torch.float64, generator=gen) * 2
    ref = hf_top_p(z, top_p, tau)
    np.testing.assert_allclose(top_p_softmax(z.numpy(), top_p, tau), ref.numpy(),
                               rtol=0, atol=1e-14)
    torch.testing.assert_close(top_p_softmax(z, top_p, tau), ref, rtol=0, atol=1e-14)


@pytest.mark.formula("generation.top-p")
@pytest.mark.parametrize("seed", range(20))
def test_the_nucleus_is_the_smallest_set_that_reaches_p(seed):
    rng = np.random.default_rng(seed)
    z, top_p = rng.normal(size=9) * rng.uniform(0.3, 4), rng.uniform(0.05, 0.99)
    q = special.softmax(z)
    kept = np.flatnonzero(top_p_softmax(z, top_p) > 0)
    assert q[kept].sum() >= top_p                               # reaches p
    assert q[kept].sum() - q[kept].min() < top_p                # one fewer would not
    assert q[kept].min() >= np.delete(q, kept).max(initial=0)   # the most probable ones


@pytest.mark.formula("generation.top-p")
def test_the_nucleus_adapts_where_top_k_cannot():
    """generation § top-p: a sure model keeps few tokens, an unsure one many."""
    sure = np.log(np.array([0.92, 0.03, 0.02, 0.02, 0.01]))
    unsure = np.log(np.full(5, 0.2))
    assert (top_p_softmax(sure, 0.9) > 0).sum() == 1
    assert (top_p_softmax(unsure, 0.9) > 0).sum() == 5
    np.testing.assert_allclose(top_p_softmax(sure, 1.0), special.softmax(sure), atol=1e-15)


def test_bad_input_to_penalties_and_nucleus_names_the_argument():
    """What the validation table does not derive: a scalar has no vocabulary axis; p = 1 is
    allowed (every token) and the bound is open at 0."""
    assert_error_names(lambda: top_p_softmax(np.array(1.0), 0.9), ShapeError,
                       ["top_p_softmax: `logits`", "at least 1-D", "()"])
    np.testing.assert_allclose(top_p_softmax(np.zeros(4), 1), np.full(4, 0.25), rtol=0)
    assert_error_names(lambda: top_p_softmax(np.ones(3), 0.0), ValueError,
                       ["top_p_softmax: `p`", "(0, 1]", "0.0"])


@pytest.mark.formula("generation.length-penalty", "generation.length-penalty-gnmt")
def test_the_penalty_form_decides_the_autocomplete_winner():
    """generation § beam search: at α = 0.6 the power penalty picks "eat lunch </s>", the GNMT
    penalty still "</s>"; at α = 1 both pick "eat lunch </s>" (the autocomplete model)."""
    P = np.array([[0.05, 0.05, 0.32, 0.28, 0.05, 0.25], [0.03, 0.03, 0.04, 0.38, 0.42, 0.10],
                  [0.02, 0.02, 0.02, 0.02, 0.02, 0.90], [0.02, 0.02, 0.02, 0.02, 0.02, 0.90],
                  [0.02, 0.02, 0.02, 0.02, 0.02, 0.90], [1 / 6] * 6,
                  [0.40, 0.35, 0.02, 0.02, 0.01, 0.20]])
    step = lambda prefix: np.log(P[prefix[-1] if prefix else 6])   # noqa: E731
    winner = {(norm, alpha): beam_search(step, 36, 3, eos=5, length_penalty=alpha,
                                         length_norm=norm)[0].tokens
              for norm in ("power", "gnmt") for alpha in (0.6, 1.0)}
    assert winner == {("power", 0.6): (1, 4, 5), ("gnmt", 0.6): (5,),
                      ("power", 1.0): (1, 4, 5), ("gnmt", 1.0): (1, 4, 5)}


@pytest.mark.formula("generation.top-p")
@pytest.mark.parametrize("top_p", [0.1, 0.37, 0.5, 0.8])
def test_top_p_ties_go_to_the_smaller_id(top_p):
    """The formula's rank r: equal probabilities are ranked by token id, so the nucleus is
    the same set every time (50 tokens of three probabilities, many ties at the boundary)."""
    rng = np.random.default_rng(0)
    z = np.log(2.0) * rng.integers(0, 3, size=50)
    q = special.softmax(z)
    kept, above = set(), 0.0
    for i in sorted(range(50), key=lambda i: (-q[i], i)):      # Python's sort is stable
        if above < top_p:
            kept.add(i)
        above += q[i]
    for logits in (z, torch.tensor(z)):
        got = np.asarray(top_p_softmax(logits, top_p))
        assert set(np.flatnonzero(got > 0)) == kept


@pytest.mark.formula("generation.top-p")
def test_top_p_stops_when_the_mass_above_reaches_p_exactly():
    """V_p keeps token i only while the mass ranked above it is < p: with q = (0.5, 0.25,
    0.25) and p = 0.5 the first token alone reaches p."""
    z = np.array([0.0, -math.log(2), -math.log(2)])
    assert special.softmax(z).tolist() == [0.5, 0.25, 0.25]
    np.testing.assert_array_equal(top_p_softmax(z, 0.5), [1.0, 0.0, 0.0])


# --- what the mutation run found untested ---------------------------------------------------

@pytest.mark.formula("generation.top-k")
@pytest.mark.parametrize("k", [1, 7, 20, 33])
def test_top_k_ties_go_to_the_smaller_id_in_a_large_vocabulary(k):
    """The rule holds where an unstable sort would break it (50 tokens of three values:
    NumPy's and torch's default sorts reorder ties at this size)."""
    rng = np.random.default_rng(0)
    z = np.log(2.0) * rng.integers(0, 3, size=50)
    kept = set(sorted(range(50), key=lambda i: (-z[i], i))[:k])
    for logits in (z, torch.tensor(z)):
        got = np.asarray(top_k_softmax(logits, k))
        assert set(np.flatnonzero(got > 0)) == kept


def test_the_defaults_are_the_sum_and_temperature_one():
    step = table_step(bigram_table(4, 5))
    targets = [1, 3, 0, 2]
    assert teacher_forcing_loss(step, targets) == teacher_forcing_loss(step, targets, "sum")
    assert teacher_forcing_loss(step, targets) != teacher_forcing_loss(step, targets, "mean")
    drawn = sample_sequence(step, 40, rng=8)
    assert drawn == sample_sequence(step, 40, temperature=1.0, rng=8)
    assert drawn != sample_sequence(step, 40, temperature=2.0, rng=8)


def test_a_float32_model_decodes_in_float32():
    """The step of float32 weights returns float32 log-probabilities, with or without bos
    (x_0 = 0 and h_0 = 0 take the weights' dtype)."""
    rng = np.random.default_rng(1)
    E, W_xh, W_hh, W_hy = (rng.normal(size=s).astype(np.float32)
                           for s in [(4, 3), (2, 3), (2, 2), (4, 2)])
    for bos in (None, 1):
        step = rnn_language_model(E, W_xh, W_hh, W_hy, bos=bos)
        assert step(()).dtype == np.float32
        assert step((2, 0)).dtype == np.float32


def _shrinking(prefix):
    """A decoder whose vocabulary changes after the first step."""
    return np.log(np.array([0.5, 0.5])) if prefix else np.log(np.array([0.2, 0.3, 0.5]))


@pytest.mark.parametrize("call, name", [
    (lambda: beam_search(_shrinking, 3, 2), "beam_search"),
    (lambda: sample_sequence(_shrinking, 3, rng=0), "sample_sequence"),
    (lambda: greedy_search(_shrinking, 3), "greedy_search"),
])
def test_every_decoder_checks_the_vocabulary_stays_the_same(call, name):
    assert_error_names(call, ShapeError, [f"{name}: `step`", "shape (3,)", "(2,)"])


def test_beam_search_checks_the_prefix_against_the_vocabulary():
    assert_error_names(lambda: beam_search(STEP, 3, 2, prefix=[5]), IndexError,
                       ["beam_search: `prefix`", "[5]", "0..2"])
