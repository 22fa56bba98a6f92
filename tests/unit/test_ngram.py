"""n-gram language models against nltk.lm (MLE, Laplace, perplexity) and hand-worked numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcore import NGramLM, ngram_counts, ngrams
from tests._require import require
from tests.unit.errors import assert_error_names

lm_module = require("nltk.lm")
preprocessing = require("nltk.lm.preprocessing")

TOL = 1e-12
LN2 = math.log(2)

CORPUS = [s.split() for s in [
    "i study machine learning", "i study deep learning", "we study machine translation",
    "machine learning is fun", "i like machine learning", "my computer is very slow",
    "my computer is old", "my phone is very slow", "this shirt is very nice",
    "my shirt is new", "the computer is very fast",
]]
TEST = [s.split() for s in ["i study machine learning", "my computer is very slow",
                            "my phone is new", "i like deep learning"]]


def nltk_model(cls, n, sentences=CORPUS):
    train, vocab = preprocessing.padded_everygram_pipeline(n, sentences)
    model = cls(n)
    model.fit(train, vocab)
    return model


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_ngram_counts_match_nltk(n):
    nltk_util = require("nltk.util")
    ours = ngram_counts(CORPUS, n)
    ref = {}
    for s in CORPUS:
        padded = ["<s>"] * (n - 1) + s + ["</s>"]    # Jurafsky & Martin: one </s>
        for g in nltk_util.ngrams(padded, n):
            ref[g] = ref.get(g, 0) + 1
    assert dict(ours) == ref
    assert sum(ours.values()) == sum(len(s) + 1 for s in CORPUS)


@pytest.mark.formula("ngram.mle", "lm.sentence-prob", "lm.log-prob")
@pytest.mark.parametrize("n", [2, 3])
def test_mle_matches_nltk(n):
    ref = nltk_model(lm_module.MLE, n)
    lm = NGramLM(CORPUS, n=n)
    for sentence in CORPUS + TEST:
        logp = 0.0
        for gram in ngrams(sentence, n):
            p_ref = ref.score(gram[-1], list(gram[:-1]))
            assert abs(lm.prob(gram[-1], gram[:-1]) - p_ref) < TOL, gram
            logp += ref.logscore(gram[-1], list(gram[:-1])) * LN2    # nltk: log base 2
        got = lm.log_probability(sentence)
        assert got == logp if math.isinf(logp) else abs(got - logp) < 1e-9
        assert abs(lm.sentence_probability(sentence) - math.exp(logp)) < TOL


@pytest.mark.formula("ngram.add-k", "lm.perplexity")
@pytest.mark.parametrize("n", [2, 3])
def test_laplace_and_perplexity_match_nltk(n):
    ref = nltk_model(lm_module.Laplace, n)
    lm = NGramLM(CORPUS, n=n, k=1, vocab_size=len(ref.vocab))   # nltk's V also counts <s>
    grams = [g for s in TEST for g in ngrams(s, n)]
    for g in grams:
        assert abs(lm.prob(g[-1], g[:-1]) - ref.score(g[-1], list(g[:-1]))) < TOL, g
    assert abs(lm.perplexity(TEST) - ref.perplexity(grams)) < 1e-9
    mle = nltk_model(lm_module.MLE, n)
    train_grams = [g for s in CORPUS for g in ngrams(s, n)]
    assert abs(NGramLM(CORPUS, n=n).perplexity(CORPUS) - mle.perplexity(train_grams)) < 1e-9


@pytest.mark.formula("ngram.mle", "ngram.add-k", "lm.sentence-prob", "lm.perplexity")
def test_hand_worked_bigram_numbers():
    sents = [["a", "b"], ["a", "c"], ["b", "a"]]
    lm = NGramLM(sents, n=2)
    # C(<s> a) = 2, C(<s>) = 3;  C(a b) = 1, C(a) as a context = 3 (a b, a c, a </s>)
    assert lm.prob("a", ["<s>"]) == pytest.approx(2 / 3)
    assert lm.prob("b", ["a"]) == pytest.approx(1 / 3)
    assert lm.sentence_probability(["a", "b"]) == pytest.approx(2 / 3 * 1 / 3 * 1 / 2)
    # V = {a, b, c, </s>, <unk>} = 5; add-k with k = 0.5
    lm_k = NGramLM(sents, n=2, k=0.5)
    assert lm_k.vocab_size == 5
    assert lm_k.prob("c", ["b"]) == pytest.approx((0 + 0.5) / (2 + 0.5 * 5))
    # perplexity of [a b]: (2/3 * 1/3 * 1/2)^(-1/3)
    assert lm.perplexity([["a", "b"]]) == pytest.approx((1 / 9) ** (-1 / 3))


@pytest.mark.formula("ngram.mle", "lm.perplexity")
def test_unigram_hand_worked():
    lm = NGramLM([["a", "b"], ["a"]], n=1)
    # tokens predicted: a b </s> a </s> -> N = 5
    assert lm.prob("a") == pytest.approx(2 / 5) and lm.prob("</s>") == pytest.approx(2 / 5)
    assert lm.perplexity([["a"]]) == pytest.approx((2 / 5 * 2 / 5) ** (-1 / 2))


def test_uniform_model_has_perplexity_v():
    """Every outcome equally likely: perplexity equals the number of outcomes."""
    sents = [[w] for w in "abcd"]
    lm = NGramLM(sents, n=1, k=1e12)     # huge k: effectively uniform over V = 6
    assert lm.perplexity([["a"], ["b", "c"]]) == pytest.approx(lm.vocab_size, rel=1e-9)


@pytest.mark.formula("lm.sentence-prob")
def test_word_order_and_word_choice_examples():
    lm = NGramLM(CORPUS, n=2, k=1)
    p = lm.sentence_probability
    assert p("i study machine learning".split()) > p("machine i learning study".split())
    assert p("my computer is very slow".split()) > p("my computer is very shirt".split())
    mle = NGramLM(CORPUS, n=2)
    assert mle.sentence_probability("machine i learning study".split()) == 0.0
    assert mle.log_probability("my computer is very shirt".split()) == -math.inf


def test_documented_values():
    lm = NGramLM(CORPUS, n=2)
    assert lm.prob("slow", ["zzz"]) == 0.0               # unseen context: 0, never NaN
    assert lm.perplexity([["zzz"]]) == math.inf         # unknown word under MLE
    lm1 = NGramLM(CORPUS, n=2, k=1)
    assert np.isfinite(lm1.perplexity([["zzz", "yyy"]]))
    assert lm1.prob("zzz", ["i"]) == lm1.prob("<unk>", ["i"]) > 0
    assert lm.sentence_probability([]) == pytest.approx(0.0)   # P(</s> | <s>) is 0 here
    assert ngrams([], 3) == [("<s>", "<s>", "</s>")]


SENTS = [["a", "b"], ["a"]]


def test_padding_and_its_absence():
    assert ngrams(["a", "b"], 2) == [("<s>", "a"), ("a", "b"), ("b", "</s>")]
    assert ngrams(["a", "b"], 2, pad=False) == [("a", "b")]
    assert ngrams(["a"], 3, pad=False) == []
    assert ngram_counts([["a", "b"], ["a"]], 2, pad=False) == {("a", "b"): 1}
    assert ngram_counts([["a"]], 1) == {("a",): 1, ("</s>",): 1}
    assert ngrams(("a",), np.int64(2)) == [("<s>", "a"), ("a", "</s>")]    # a NumPy int is an int


def test_defaults_and_boundaries_by_hand():
    lm = NGramLM(SENTS)  # default n = 2, k = 0 (MLE)
    assert lm.n == 2 and lm.k == 0.0
    # V: the types a, b and </s>, plus one for <unk>; <s> is never predicted.
    assert lm.vocab_size == 4
    assert repr(lm) == "NGramLM(n=2, k=0, 3 types, 5 2-grams)"
    # vocab_size = 1 is the smallest allowed; with k = 1: (c(<s> a) + 1) / (c(<s>) + 1) = 3/3.
    assert NGramLM(SENTS, k=1, vocab_size=1).prob("a", ["<s>"]) == 1.0
    assert NGramLM(SENTS, k=0).prob("a", ["<s>"]) == 1.0   # k = 0 is allowed: MLE
    # A longer context: only the last n-1 words count; an unknown word becomes <unk>.
    assert lm.prob("</s>", ["x", "y", "b"]) == 1.0
    assert lm.prob("zzz", ["a"]) == 0.0
    assert lm.prob("b", ["zzz"]) == 0.0
    # n = 1 ignores the context altogether: P(a) = 2/5 (a, b, a, </s>, </s>).
    assert NGramLM(SENTS, n=1).prob("a", ["b", "b"]) == pytest.approx(2 / 5)
    # P(<s> a b </s>) = 1 * 1/2 * 1 = 1/2; perplexity of [a b] alone = (1/2)^(-1/3).
    assert lm.sentence_probability(["a", "b"]) == pytest.approx(0.5)
    assert lm.log_probability(["b"]) == -math.inf
    assert lm.perplexity([["a", "b"]]) == pytest.approx(2 ** (1 / 3))


# The domains of n, k, vocab_size, pad and of the token lists are derived in
# tests/unit/test_validation.py; here, what only the model's own checks can see.
@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: NGramLM(CORPUS, n=3).prob("a", ["i"]), ValueError,
         ["NGramLM.prob: `context`", "n-1 = 2", "got 1"]),
        (lambda: NGramLM(SENTS, n=3).prob("a", "ab"), TypeError,
         ["NGramLM.prob: `context`", "list of str tokens", "str"]),
        (lambda: NGramLM([["a", 1]]), TypeError,
         ["NGramLM: `sentences[0]`", "int (1)", "position 1"]),
        (lambda: NGramLM([["a"], "b c"]), TypeError, ["NGramLM: `sentences[1]`", "list of str"]),
        (lambda: ngram_counts([["a"], [1]], 2), TypeError,
         ["ngram_counts: `sentences[1]`", "int", "position 0"]),
        (lambda: ngrams(["a", 2], 1), TypeError, ["ngrams: `tokens`", "int (2)", "position 1"]),
        (lambda: NGramLM(SENTS).perplexity([["a"], "a"]), TypeError,
         ["NGramLM.perplexity: `sentences[1]`", "list of str"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)
