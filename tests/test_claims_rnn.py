"""Claims of the chapter 'Recurrent neural networks' (docs/rnn.*.md), checked by code.

Each test names the section whose sentence it backs. References: exhaustive enumeration
of sentences, PyTorch's parameter counts and autograd, float64's limits.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from seqcore import rnn_forward, rnn_output
from tests._require import require

torch = require("torch")

WORDS, END, START = 3, 3, 4          # word ids 0..2, then </s> and <s>


def _lm(with_end: bool, seed: int = 0):
    """A small random RNN language model: embeddings of 3 words and <s>, outputs over the
    3 words (and </s> when `with_end`)."""
    rng = np.random.default_rng(seed)
    q = WORDS + 1 if with_end else WORDS
    return dict(E=rng.normal(size=(5, 3)), W_xh=rng.normal(size=(4, 3)),
                W_hh=rng.normal(size=(4, 4)) * 0.5, b_h=rng.normal(size=4) * 0.1,
                W_hy=rng.normal(size=(q, 4)), b_y=rng.normal(size=q) * 0.1)


def _step_probs(m: dict, words: tuple[int, ...]) -> np.ndarray:
    """ŷ_1 … ŷ_{T+1} for the inputs <s>, w_1, …, w_T (row t: the distribution of w_t)."""
    xs = m["E"][[START, *words]]
    H, _ = rnn_forward(xs, m["W_xh"], m["W_hh"], m["b_h"])
    return rnn_output(H, m["W_hy"], m["b_y"])


def _sentence_prob(m: dict, words: tuple[int, ...]) -> float:
    """P(w_1 … w_T </s>) = Π_{t=1}^{T+1} [ŷ_t]_{w_t}, with w_{T+1} = </s>."""
    Y = _step_probs(m, words)
    return float(np.prod(Y[np.arange(len(words) + 1), [*words, END]]))


def _prefix_prob(m: dict, words: tuple[int, ...]) -> float:
    """P(the sentence starts w_1 … w_T), with no </s> term."""
    Y = _step_probs(m, words)
    return float(np.prod(Y[np.arange(len(words)), list(words)]))


def test_with_start_and_end_tokens_the_sentences_of_every_length_add_up_to_one():
    """§ The RNN language model: with the <s>-shifted inputs and the </s> target, P(w_1) and
    P(</s>) are computed and the model is one distribution over sentences of every length:
    the complete sentences up to length L plus the unfinished prefixes of length L + 1
    hold exactly all the probability."""
    m = _lm(with_end=True)
    L = 4
    complete = sum(_sentence_prob(m, s) for n in range(L + 1)
                   for s in itertools.product(range(WORDS), repeat=n))
    unfinished = sum(_prefix_prob(m, s) for s in itertools.product(range(WORDS), repeat=L + 1))
    assert complete + unfinished == pytest.approx(1.0, abs=1e-12)
    assert 0 < complete < 1
    # and the empty sentence has a probability too: P(</s> | <s>), the first output's end
    assert _sentence_prob(m, ()) == pytest.approx(_step_probs(m, ())[0, END])


def test_without_the_end_token_each_length_is_its_own_distribution():
    """§ The RNN language model: with no </s> the length-T sentences alone add up to 1, for
    every T, so sentences of different lengths cannot be compared."""
    m = _lm(with_end=False)
    for n in (1, 2, 3, 4):
        total = sum(_prefix_prob(m, s) for s in itertools.product(range(WORDS), repeat=n))
        assert total == pytest.approx(1.0, abs=1e-12)


def test_parameter_count_does_not_depend_on_the_length():
    """§ Weight sharing across time: n(d + n + 1) recurrent parameters, 32 for d = 3, n = 4,
    whatever the length; PyTorch's torch.nn.RNN has n more (its two biases)."""
    d, n, q = 3, 4, 5
    assert n * (d + n + 1) == 32
    rnn = torch.nn.RNN(d, n)
    assert sum(p.numel() for p in rnn.parameters()) == n * (d + n + 1) + n
    assert sum(p.numel() for p in torch.nn.Linear(n, q).parameters()) == q * (n + 1)
    for T in (3, 50):
        out, _ = rnn(torch.randn(T, 1, d))
        assert out.shape == (T, 1, n)        # same 36 parameters for any T


def test_exp_overflows_past_about_709_8_in_float64():
    """§ A numerically stable softmax: e^z is inf in float64 once z passes about 709.8,
    and inf / inf is NaN."""
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isfinite(np.exp(709.78)) and np.isinf(np.exp(709.79))
        z = np.array([710.0, 711.0])
        assert np.isnan(np.exp(z) / np.exp(z).sum()).all()


def test_a_stack_of_convolutions_sees_a_window_of_one_plus_l_times_k_minus_one():
    """§ Why an RNN rather than an MLP or a CNN: L layers of kernel size k give each output
    a receptive field of 1 + L(k − 1) inputs; an RNN's last state depends on every input."""
    torch.manual_seed(0)
    T = 40
    for L, k in ((1, 3), (3, 3), (2, 5)):
        net = torch.nn.Sequential(*[torch.nn.Conv1d(1, 1, k, bias=False) for _ in range(L)])
        x = torch.randn(1, 1, T, requires_grad=True)
        net(x)[0, 0, -1].backward()
        assert int((x.grad[0, 0] != 0).sum()) == 1 + L * (k - 1)
    rnn = torch.nn.RNN(1, 4)
    x = torch.randn(T, 1, 1, requires_grad=True)
    rnn(x)[1].sum().backward()
    assert bool((x.grad != 0).all())


def test_a_relu_state_can_grow_without_bound_a_tanh_state_cannot():
    """§ Questions and answers, why tanh: with a spectral radius above 1 a ReLU RNN's state
    grows exponentially, while tanh keeps it in (−1, 1)."""
    W_hh, W_xh = 1.2 * np.eye(3), np.eye(3)
    xs = np.zeros((60, 3))
    h0 = np.full(3, 0.1)
    relu, _ = rnn_forward(xs, W_xh, W_hh, h0=h0, nonlinearity="relu")
    tanh, _ = rnn_forward(xs, W_xh, W_hh, h0=h0, nonlinearity="tanh")
    np.testing.assert_allclose(relu[-1], 0.1 * 1.2**60)
    assert np.abs(tanh).max() < 1


def test_a_better_sentence_wins_the_product_not_every_step():
    """§ The RNN language model: a sentence probability is a product of conditional
    probabilities, so the more natural order need not win at every step. With the Laplace
    bigram of the language-models chapter, 'i study machine learning' beats 'i machine
    learning study' overall while losing the step P(learning | machine) to it."""
    from seqcore import NGramLM
    from tests.test_claims_language_models import CORPUS

    lm = NGramLM(CORPUS, n=2, k=1)

    def factors(words: list[str]) -> list[float]:
        tokens = ["<s>", *words, "</s>"]
        return [lm.prob(w, [prev]) for prev, w in itertools.pairwise(tokens)]

    better, worse = "i study machine learning".split(), "i machine learning study".split()
    assert math.prod(factors(better)) > 3 * math.prod(factors(worse))
    assert math.prod(factors(better)) == pytest.approx(lm.sentence_probability(better))
    assert any(w > b for b, w in zip(factors(better), factors(worse), strict=True))
