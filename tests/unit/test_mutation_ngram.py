"""Cases the mutation run (``bash .ci/mutation``) found untested in seqcore.ngram: the full
error messages (function, argument, expectation, what was given), the boundaries of the
arguments, padding, contexts longer than n-1 and the defaults, checked by hand."""

from __future__ import annotations

import math

import pytest

from seqcore import NGramLM, ngram_counts, ngrams
from tests.unit.errors import assert_error_names

SENTS = [["a", "b"], ["a"]]


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: ngrams(["a"], 0), ValueError,
     "ngrams: `n` must be an integer >= 1 (1 = unigram, 2 = bigram, ...); got 0"),
    (lambda: ngrams(["a"], True), ValueError, "ngrams: `n` must be an integer >= 1"),
    (lambda: ngrams("ab", 1), TypeError,
     "ngrams: `tokens` must be a list of str tokens (tokenize first); got str"),
    (lambda: ngrams(["a", 2], 1), TypeError,
     "ngrams: `tokens` must hold str tokens only; got int (2) at position 1"),
    (lambda: ngram_counts(SENTS, 0), ValueError, "ngram_counts: `n` must be an integer >= 1"),
    (lambda: ngram_counts("a b", 1), TypeError,
     "ngram_counts: `sentences` must be a list of tokenized sentences; got a single str"),
    (lambda: ngram_counts([["a"], "b"], 1), TypeError,
     "ngram_counts: `sentences[1]` must be a list of str tokens"),
    (lambda: NGramLM(SENTS, n=-1), ValueError, "NGramLM: `n` must be an integer >= 1"),
    (lambda: NGramLM(SENTS, k=True), ValueError,
     "NGramLM: `k` must be a finite number >= 0 (0 = MLE, 1 = Laplace); got True"),
    (lambda: NGramLM(SENTS, k="1"), ValueError, "NGramLM: `k` must be a finite number"),
    (lambda: NGramLM(SENTS, k=math.inf), ValueError, "NGramLM: `k` must be a finite number"),
    (lambda: NGramLM(SENTS, k=math.nan), ValueError, "NGramLM: `k` must be a finite number"),
    (lambda: NGramLM("a b"), TypeError,
     "NGramLM: `sentences` must be a list of tokenized sentences; got a single str"),
    (lambda: NGramLM([["a"], [1]]), TypeError,
     "NGramLM: `sentences[1]` must hold str tokens only; got int (1) at position 0"),
    (lambda: NGramLM([]), ValueError,
     "NGramLM: `sentences` is empty; a language model needs at least one training sentence"),
    (lambda: NGramLM(SENTS, vocab_size=0), ValueError,
     "NGramLM: `vocab_size` must be an integer >= 1; got 0"),
    (lambda: NGramLM(SENTS, vocab_size=True), ValueError, "NGramLM: `vocab_size` must be"),
    (lambda: NGramLM(SENTS, vocab_size=2.0), ValueError, "NGramLM: `vocab_size` must be"),
    (lambda: NGramLM(SENTS, n=3).prob("a", "ab"), TypeError,
     "NGramLM.prob: `context` must be a list of str tokens (tokenize first); got str"),
    (lambda: NGramLM(SENTS, n=3).prob("a", ["a"]), ValueError,
     "NGramLM.prob: `context` must hold the n-1 = 2 previous words (pad with '<s>' at a "
     "sentence start); got 1"),
    (lambda: NGramLM(SENTS).prob(None), TypeError, "NGramLM.prob: `word` must be a str; got "
     "NoneType"),
    (lambda: NGramLM(SENTS).perplexity("a"), TypeError,
     "NGramLM.perplexity: `sentences` must be a list of tokenized sentences; got a single str"),
    (lambda: NGramLM(SENTS).perplexity([["a"], "a"]), TypeError,
     "NGramLM.perplexity: `sentences[1]` must be a list of str tokens"),
    (lambda: NGramLM(SENTS).perplexity([]), ValueError,
     "NGramLM.perplexity: `sentences` is empty; perplexity needs at least one sentence"),
])
def test_error_messages(call, error, message):
    assert_error_names(call, error, [message])


def test_padding_and_its_absence():
    assert ngrams(["a", "b"], 2) == [("<s>", "a"), ("a", "b"), ("b", "</s>")]
    assert ngrams(["a", "b"], 2, pad=False) == [("a", "b")]
    assert ngrams(["a"], 3, pad=False) == []
    assert ngram_counts([["a", "b"], ["a"]], 2, pad=False) == {("a", "b"): 1}
    assert ngram_counts([["a"]], 1) == {("a",): 1, ("</s>",): 1}


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
