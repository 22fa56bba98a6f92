"""Claims of the chapter 'Language models' (docs/language-models.*.md), checked by code.

Each test names the section whose sentence it backs. References: counts worked by hand,
nltk's models, and exhaustive enumeration of sentences.
"""

from __future__ import annotations

import itertools
import math

import pytest

from seqcore import NGramLM
from tests._require import require

CORPUS = [s.split() for s in [
    "i study machine learning", "i study deep learning", "we study machine translation",
    "machine learning is fun", "i like machine learning", "my computer is very slow",
    "my computer is old", "my phone is very slow", "this shirt is very nice",
    "my shirt is new", "the computer is very fast"]]


def test_the_diagrams_next_word_probabilities():
    """§ What a language model does: after 'machine' the bigram MLE gives learning 0.75,
    translation 0.25, shirt 0, and the distribution sums to 1 (with </s>)."""
    lm = NGramLM(CORPUS, n=2)
    assert lm.prob("learning", ["machine"]) == 0.75
    assert lm.prob("translation", ["machine"]) == 0.25
    assert lm.prob("shirt", ["machine"]) == 0
    words = sorted({w for s in CORPUS for w in s} | {"</s>"})
    assert sum(lm.prob(w, ["machine"]) for w in words) == pytest.approx(1.0)


def test_the_worked_sentence_probability_and_the_ratios():
    """§ Example: word order and word choice: 3/11 · 2/3 · 2/3 · 3/4 · 3/4 = 0.06818; with
    Laplace smoothing the natural order is about 290 times as probable, 'slow' about 9
    times 'shirt'."""
    mle, laplace = NGramLM(CORPUS, n=2), NGramLM(CORPUS, n=2, k=1)
    p = mle.sentence_probability("i study machine learning".split())
    assert p == pytest.approx(3 / 11 * 2 / 3 * 2 / 3 * 3 / 4 * 3 / 4)
    assert round(p, 5) == 0.06818

    def ratio(a: str, b: str) -> float:
        return laplace.sentence_probability(a.split()) / laplace.sentence_probability(b.split())

    assert ratio("i study machine learning", "machine i learning study") == \
        pytest.approx(290, rel=0.02)
    assert ratio("my computer is very slow", "my computer is very shirt") == \
        pytest.approx(9, rel=0.02)
    assert mle.sentence_probability("machine i learning study".split()) == 0


def test_with_the_end_symbol_the_model_is_a_distribution_over_sentences():
    """§ Questions and answers, why <s> and </s>: predicting </s> makes the probabilities of
    the sentences of every length add up to 1 (complete sentences up to length L plus the
    unfinished prefixes of length L + 1 hold all the mass)."""
    small = [s.split() for s in ["a b", "b a a", "a", "b b a b"]]
    lm = NGramLM(small, n=2, k=0.5)
    words, L = ["a", "b", "<unk>"], 4

    def prefix(ws) -> float:
        context, p = ["<s>"], 1.0
        for w in ws:
            p *= lm.prob(w, context)
            context = [w]
        return p

    complete = sum(lm.sentence_probability(list(s)) for n in range(1, L + 1)
                   for s in itertools.product(words, repeat=n))
    complete += lm.prob("</s>", ["<s>"])                       # the empty sentence
    unfinished = sum(prefix(s) for s in itertools.product(words, repeat=L + 1))
    assert complete + unfinished == pytest.approx(1.0, abs=1e-12)


def test_laplace_moves_much_of_the_mass_to_unseen_words():
    """§ Sparsity and smoothing: add-one gives unseen continuations most of the mass after a
    context seen four times ('machine'); a small k much less; MLE none."""
    words = sorted({w for s in CORPUS for w in s} | {"</s>"})

    def unseen_mass(lm: NGramLM, context: str) -> float:
        mle = NGramLM(CORPUS, n=2)
        return sum(lm.prob(w, [context]) for w in words if mle.prob(w, [context]) == 0)

    assert unseen_mass(NGramLM(CORPUS, n=2), "machine") == 0
    assert unseen_mass(NGramLM(CORPUS, n=2, k=1), "machine") > 0.5
    assert unseen_mass(NGramLM(CORPUS, n=2, k=0.01), "machine") < 0.06


def test_the_perplexities_of_the_example():
    """§ Perplexity: 'my phone is new' has perplexity 2.384 under MLE and 11.887 under
    Laplace; adding a sentence with the unseen bigram 'like deep' makes MLE's infinite and
    Laplace's 11.989, as nltk computes them."""
    nltk_lm = require("nltk.lm")
    from nltk.lm.preprocessing import pad_both_ends, padded_everygram_pipeline
    from nltk.util import ngrams

    mle, laplace = NGramLM(CORPUS, n=2), NGramLM(CORPUS, n=2, k=1)
    held_out = [["my", "phone", "is", "new"], ["i", "like", "deep", "learning"]]
    assert round(mle.perplexity(held_out[:1]), 3) == 2.384
    assert math.isinf(mle.perplexity(held_out))
    assert round(laplace.perplexity(held_out[:1]), 3) == 11.887
    assert round(laplace.perplexity(held_out), 3) == 11.989
    train, vocab = padded_everygram_pipeline(2, CORPUS)
    ref = nltk_lm.MLE(2)
    ref.fit(train, vocab)
    grams = list(ngrams(pad_both_ends(held_out[0], n=2), 2))
    assert ref.perplexity(grams) == pytest.approx(mle.perplexity(held_out[:1]))


def test_typo_correction_needs_the_channel_not_only_the_language_model():
    """§ What a language model does: typo correction picks argmax_c P(c)·P(x | c) (the noisy
    channel); the language model alone, argmax_c P(c), ignores what was typed and gives the
    same answer for 'my phone is nev' and 'my phone is olf'. The channel here: each edit
    (nltk's Levenshtein distance) costs a factor 0.01."""
    nltk = require("nltk")
    lm = NGramLM(CORPUS, n=2)
    words = sorted({w for s in CORPUS for w in s})

    def correct(typed: str, channel: bool) -> str:
        *head, last = typed.split()
        def score(w: str) -> float:
            prior = lm.sentence_probability([*head, w])
            return prior * (0.01 ** nltk.edit_distance(last, w) if channel else 1.0)
        return max(words, key=score)

    assert correct("my phone is nev", channel=False) == correct("my phone is olf", False)
    assert correct("my phone is nev", channel=True) == "new"
    assert correct("my phone is olf", channel=True) == "old"
