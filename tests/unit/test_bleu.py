"""BLEU against NLTK's ``corpus_bleu``: random corpora, NLTK's own examples, real text.

NLTK is the reference (uniform weights; ``SmoothingFunction().method1`` for
``smoothing="epsilon"``, whose epsilon is 0.1). Where seqcore follows Papineni's
definition and NLTK does not (a hypothesis shorter than n), a test shows the difference.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from seqcore import brevity_penalty, corpus_bleu, corpus_text, modified_precision
from tests._require import require
from tests.conftest import ROOT
from tests.unit.errors import assert_error_names

nltk_bleu = require("nltk.translate.bleu_score")


def nltk_corpus_bleu(hyps, refs, smoothing="none", max_n=4):
    smooth = nltk_bleu.SmoothingFunction().method1 if smoothing == "epsilon" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # NLTK warns when a precision is 0
        return nltk_bleu.corpus_bleu(refs, hyps, weights=(1 / max_n,) * max_n,
                                     smoothing_function=smooth)


def random_corpus(rng, min_len):
    """Hypotheses of at least ``min_len`` tokens over a small vocabulary (so that n-grams
    match often), 1 to 3 references each, some of them shorter than the hypothesis."""
    V, k = int(rng.integers(2, 8)), int(rng.integers(1, 6))
    words = [f"w{i}" for i in range(V)]
    hyps = [list(rng.choice(words, size=int(rng.integers(min_len, 14)))) for _ in range(k)]
    refs = [[list(rng.choice(words, size=int(rng.integers(1, 14))))
             for _ in range(int(rng.integers(1, 4)))] for _ in range(k)]
    return hyps, refs


@pytest.mark.formula("bleu.score", "bleu.precision", "bleu.brevity")
@pytest.mark.parametrize("smoothing", ["none", "epsilon"])
def test_corpus_bleu_equals_nltk_on_random_corpora(smoothing):
    rng = np.random.default_rng(0)
    worst, zero, nonzero = 0.0, 0, 0
    for _ in range(1000):
        hyps, refs = random_corpus(rng, min_len=4)
        max_n = int(rng.integers(1, 5))
        ours = corpus_bleu(hyps, refs, max_n=max_n, smoothing=smoothing)
        theirs = nltk_corpus_bleu(hyps, refs, smoothing, max_n)
        worst = max(worst, abs(ours - theirs))
        zero, nonzero = zero + (ours == 0), nonzero + (ours > 0)
    assert worst <= 1e-12
    # both kinds of case were met: scores of 0 and scores above it
    assert nonzero > 300 and (smoothing == "epsilon" or zero > 50), (zero, nonzero)


@pytest.mark.formula("bleu.score")
def test_nltk_docstring_example():
    """NLTK's own corpus example (Papineni's military sentences): 0.5920…"""
    hyp1 = ("It is a guide to action which ensures that the military always obeys the "
            "commands of the party").split()
    ref1 = ["It is a guide to action that ensures that the military will forever heed "
            "Party commands".split(),
            "It is the guiding principle which guarantees the military forces always being "
            "under the command of the Party".split(),
            "It is the practical guide for the army always to heed the directions of the "
            "party".split()]
    hyp2 = "he read the book because he was interested in world history".split()
    ref2 = ["he was interested in world history because he read the book".split()]
    ours = corpus_bleu([hyp1, hyp2], [ref1, ref2])
    assert abs(ours - nltk_corpus_bleu([hyp1, hyp2], [ref1, ref2])) <= 1e-15
    assert f"{ours:.6f}".startswith("0.5920")


@pytest.mark.formula("bleu.score")
def test_real_sentences_with_words_dropped_and_swapped():
    """Sentences of the Lee corpus (gensim) as references; hypotheses made from them by
    dropping and swapping words, as a weak system would (each kept at 4 tokens or more)."""
    sentences = [s.split() for s in corpus_text("lee").split(".") if len(s.split()) >= 6]
    rng = np.random.default_rng(1)
    for _ in range(20):
        picked = [sentences[i] for i in rng.choice(len(sentences), size=30, replace=False)]
        hyps = []
        for s in picked:
            h = [w for w in s if rng.random() > 0.15]
            # at least 4 tokens: shorter ones are where NLTK departs from the definition
            h = h if len(h) >= 4 else s[:4]
            for _ in range(2):
                i, j = rng.integers(len(h), size=2)
                h[i], h[j] = h[j], h[i]
            hyps.append(h)
        refs = [[s] for s in picked]
        for smoothing in ("none", "epsilon"):
            assert abs(corpus_bleu(hyps, refs, smoothing=smoothing)
                       - nltk_corpus_bleu(hyps, refs, smoothing)) <= 1e-12


@pytest.mark.formula("bleu.score")
def test_the_recorded_translations_score_as_nltk_scores_them():
    """The seq2seq record's test examples, greedy and beam, character by character."""
    record = json.loads((ROOT / "docs/_data/experiments/seq2seq.json").read_text())
    for model in record["models"].values():
        ex = model["examples"]
        refs = [[list(e["target"])] for e in ex]
        for kind in ("greedy", "beam"):
            hyps = [list(e[kind]) for e in ex]
            assert abs(corpus_bleu(hyps, refs) - nltk_corpus_bleu(hyps, refs)) <= 1e-15


@pytest.mark.formula("bleu.precision")
def test_modified_precision_clips_as_nltk_does_sentence_by_sentence():
    rng = np.random.default_rng(2)
    for _ in range(300):
        hyps, refs = random_corpus(rng, min_len=4)
        n = int(rng.integers(1, 5))
        m, t = modified_precision(hyps, refs, n)
        theirs = [nltk_bleu.modified_precision(r, h, n) for h, r in zip(hyps, refs,
                                                                       strict=True)]
        assert m == sum(p.numerator for p in theirs)
        assert t == sum(p.denominator for p in theirs)
    # Papineni's own example: "the" seven times against a reference with it twice
    the = [["the"] * 7]
    assert modified_precision(the, [[["the", "cat", "is", "on", "the", "mat"]]], 1) == (2, 7)


def test_a_hypothesis_shorter_than_n_adds_no_n_gram_here_and_one_in_nltk():
    """The documented difference (the module's docstring): a 2-token hypothesis has no
    4-gram; NLTK counts one in p_4's denominator."""
    hyps = [list("abcdef"), list("ab")]
    refs = [[list("abcdef")], [list("ab")]]
    assert modified_precision(hyps, refs, 4) == (3, 3)
    assert nltk_bleu.modified_precision(refs[1], hyps[1], 4).denominator == 1
    assert corpus_bleu(hyps, refs) == 1.0
    assert nltk_corpus_bleu(hyps, refs) < 1.0


@pytest.mark.formula("bleu.brevity")
def test_brevity_penalty_equals_nltks():
    for c in range(0, 30):
        for r in range(0, 30):
            assert abs(brevity_penalty(c, r) - nltk_bleu.brevity_penalty(r, c)) <= 1e-15


@pytest.mark.formula("bleu.score")
def test_the_default_is_no_smoothing_as_in_nltk():
    """No 3- or 4-gram in common: unsmoothed BLEU is 0 (NLTK: about 1e-154, its stand-in
    for 0), as the default gives; smoothing is only what ``smoothing="epsilon"`` asks."""
    hyp, refs = [list("abcde")], [[list("abxde")]]
    assert nltk_corpus_bleu(hyp, refs) < 1e-100
    assert corpus_bleu(hyp, refs) == 0.0
    smoothed = nltk_corpus_bleu(hyp, refs, "epsilon")
    assert smoothed > 0.1                         # the control: smoothing would show
    assert corpus_bleu(hyp, refs, smoothing="epsilon") == pytest.approx(smoothed, abs=1e-15)


def test_closest_reference_length_prefers_the_shorter_on_a_tie():
    """Hypothesis of 5 tokens, references of 4 and 6: r = 4, so no penalty (c > r)."""
    hyp = [list("abcde")]
    refs = [[list("abcd"), list("abcdef")]]
    assert corpus_bleu(hyp, refs, max_n=1) == pytest.approx(
        nltk_corpus_bleu(hyp, refs, max_n=1), abs=1e-15)
    assert corpus_bleu(hyp, refs, max_n=1) == 1.0


@pytest.mark.parametrize("call, error, fragments", [
    (lambda: corpus_bleu([list("ab")], [[list("ab")], [list("cd")]]), ValueError,
     ["corpus_bleu: `references`", "one list of references per hypothesis, 1", "got 2"]),
    (lambda: modified_precision([list("ab"), list("cd")], [[list("ab")]], 2), ValueError,
     ["modified_precision: `references`", "per hypothesis, 2", "got 1"]),
    (lambda: corpus_bleu([list("ab")], [[]]), TypeError,
     ["corpus_bleu: `references[0]`", "non-empty list of references", "an empty list"]),
    (lambda: corpus_bleu(["ab"], [[list("ab")]]), TypeError, ["`hypotheses[0]`", "str"]),
    (lambda: corpus_bleu([list("ab")], [[list("ab")]], smoothing="add-one"), ValueError,
     ["`smoothing`", "'none'", "'epsilon'", "'add-one'"]),
    (lambda: corpus_bleu([list("ab")], [[list("ab")]], max_n=0), ValueError,
     ["`max_n`", ">= 1"]),
])
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


@pytest.mark.formula("bleu.score")
def test_epsilon_smoothing_spares_a_zero_p_n_for_n_of_2_and_up_but_not_p_1():
    """The page: 'smoothing="epsilon" … for n ≥ 2 replaces a zero count of matches by
    0.1; a unigram precision p_1 = 0 still gives 0, as in NLTK.'"""
    refs = [["a b c d e".split()]]
    no_unigram = ["v w x y z".split()]                    # p_1 = 0
    no_bigram = ["e d c b a".split()]                     # p_1 = 1, p_2 = 0
    assert corpus_bleu(no_unigram, refs, smoothing="epsilon") == 0.0
    assert nltk_corpus_bleu(no_unigram, refs, "epsilon") == 0.0
    smoothed = corpus_bleu(no_bigram, refs, smoothing="epsilon")
    # p_2 = p_3 = p_4 = 0.1 / (5 - n + 1), p_1 = 1, BP = 1
    assert smoothed == pytest.approx((1 * 0.1 / 4 * 0.1 / 3 * 0.1 / 2) ** 0.25, rel=1e-12)
    assert abs(smoothed - nltk_corpus_bleu(no_bigram, refs, "epsilon")) <= 1e-15
    assert corpus_bleu(no_bigram, refs) == 0.0            # control: unsmoothed, it is 0


@pytest.mark.parametrize("call, fragments", [
    (lambda: corpus_bleu([list("ab")], 5),
     ["corpus_bleu: `references`", "lists of str tokens", "got int (5)"]),
    (lambda: corpus_bleu([list("ab")], [5]),
     ["corpus_bleu: `references[0]`", "non-empty list of references", "got int (5)"]),
    (lambda: corpus_bleu([list("ab")], ["ab"]),
     ["corpus_bleu: `references[0]`", "non-empty list of references", "got str ('ab')"]),
    (lambda: modified_precision([list("ab")], [[list("ab"), ["a", 1]]], 1),
     ["modified_precision: `references[0][1]`", "str tokens", "int (1) at position 1"]),
], ids=["not-a-list", "a-number-for-one-hypothesis", "a-str-for-one-hypothesis",
        "a-non-str-token"])
def test_bad_references_name_the_function_and_what_was_given(call, fragments):
    """The references are checked level by level: the argument, one hypothesis's list of
    references, one reference's tokens; each error says which, and what it got."""
    assert_error_names(call, TypeError, fragments)
