"""Byte-pair encoding against subword-nmt, Sennrich et al.'s reference implementation.

The reference learns merges with ``subword_nmt.learn_bpe`` and segments with
``subword_nmt.apply_bpe.BPE``, on the same real text (the English Lee corpus from gensim,
the Korean constitution and bills from konlpy). seqcore must learn the same merges in
the same order and cut every word of the corpus into the same pieces.

Ties: many pairs share the top count (in the first 300 merges of the Korean text, 227
steps have more than one pair at the top; near the end of learning most pairs occur
exactly twice). subword-nmt takes ``max(stats, key=lambda x: (stats[x], x))``: on a
tie, the pair that sorts last as a tuple of strings, by code point. seqcore's heap
orders pairs the same way. The negative control flips that order and shows that the
merges then part from the reference early on, so the comparison does test the ties.
"""

from __future__ import annotations

import contextlib
import io
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seqcore.bpe
from seqcore import BPE, END_OF_WORD, learn_bpe, merge_pair, pair_counts
from seqcore.bpe import initial_symbols
from seqcore.corpora import corpus_text
from tests._require import require
from tests.unit.errors import assert_error_names

require("subword_nmt")
from subword_nmt import apply_bpe as sn_apply  # noqa: E402
from subword_nmt import learn_bpe as sn_learn  # noqa: E402

#: corpus -> merges asked for: 2000 of English; every Korean merge down to count 2 (3640)
CASES = {"lee": 2000, "ko": 10_000}


@pytest.fixture(scope="module")
def texts():
    return {name: corpus_text(name) for name in CASES}


def reference_merges(text: str, num_merges: int) -> list[tuple[str, str]]:
    """subword-nmt's codes for ``text`` (its own reading of the words), as pairs."""
    codes = io.StringIO()
    with contextlib.redirect_stderr(io.StringIO()):           # its progress bar
        sn_learn.learn_bpe(io.StringIO(text), codes, num_merges)
    lines = codes.getvalue().splitlines()
    assert lines[0] == "#version: 0.2"                          # the </w> convention
    return [tuple(line.split(" ")) for line in lines[1:]]


def reference_tokens(text: str, merges: list[tuple[str, str]]) -> list[str]:
    """subword-nmt's segmentation; its ``@@`` (word goes on) becomes seqcore's ``</w>``."""
    codes = io.StringIO("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    pieces = sn_apply.BPE(codes).segment_tokens(text.split(" "))
    return [p.removesuffix("@@") if p.endswith("@@") else p + END_OF_WORD for p in pieces]


@pytest.mark.formula("bpe.best-pair", "bpe.merge", "bpe.pair-count", "bpe.encode")
@pytest.mark.parametrize("name", list(CASES))
def test_merges_and_tokens_are_subword_nmts_on_real_text(texts, name):
    text = texts[name]
    assert "  " not in text and text == text.strip()         # single spaces: words as sn reads
    expected = reference_merges(text, CASES[name])
    bpe = learn_bpe(text, CASES[name])
    assert len(bpe.merges) == len(expected) >= 2000
    pairs = enumerate(zip(bpe.merges, expected, strict=True))
    first = next((i for i, (a, b) in pairs if a != b), None)
    assert first is None, f"merge {first}: seqcore {bpe.merges[first]}, sn {expected[first]}"
    tokens = bpe.encode(text)
    assert tokens == reference_tokens(text, expected)
    assert bpe.decode(tokens) == text
    assert set(tokens) <= set(bpe.vocabulary)


def test_the_korean_text_is_learned_to_the_end():
    """Negative control of the stopping rule: at min_frequency 1 more merges follow."""
    text = corpus_text("ko")
    assert len(learn_bpe(text, 10_000).merges) == len(reference_merges(text, 10_000)) < 10_000
    assert len(learn_bpe(text, 10_000, min_frequency=1).merges) > 5000


def test_the_tie_break_is_tested(monkeypatch):
    """Negative control: breaking ties the other way parts from subword-nmt early."""
    text = corpus_text("ko")
    expected = reference_merges(text, 300)
    monkeypatch.setattr(seqcore.bpe, "_descending",
                        lambda s: (*(ord(c) for c in s), 0))     # the first pair wins a tie
    flipped = learn_bpe(text, 300).merges
    first = next(i for i, (a, b) in enumerate(zip(flipped, expected, strict=True)) if a != b)
    assert first < 50
    monkeypatch.undo()
    assert learn_bpe(text, 300).merges == expected


def test_the_first_korean_merges_are_separator_dashes_and_the_sentence_ending():
    """§ Subwords (preprocessing page): "The first merges of the Korean corpus are the
    dashes of the bills' separator lines and the sentence ending 다."."""
    text = corpus_text("ko")
    assert learn_bpe(text, 4).merges == [("-", "-"), ("--", "--"), ("다", ".</w>"),
                                         ("----", "----")]
    lines = [w for w in text.split() if set(w) == {"-"} and len(w) >= 20]
    assert len(lines) >= 50                                   # the separator lines


def test_frequency_joins_a_noun_and_its_particle_where_kiwi_cuts():
    """§ Subwords: after 1,000 merges the piece ``권은`` joins a noun's last syllable
    with the particle 은 (주권은, 사법권은); Kiwi cuts 주권 + 은 and 사법 + 권 + 은,
    never a noun and a particle in one piece."""
    require("kiwipiepy")
    from seqcore.text import _kiwi

    text = corpus_text("ko")
    bpe = learn_bpe(text, 1000)
    words = sorted({w for w in text.split() if bpe.segment(w)[-1] == "권은</w>"})
    assert {"주권은", "사법권은"} <= set(words)
    for word in words:
        *_, before, particle = _kiwi().tokenize(word)
        # Kiwi: ... 권 | 은 (a particle after a noun or its suffix 권) ...
        assert (particle.form, particle.tag, particle.start) == ("은", "JX", len(word) - 1)
        assert before.tag in {"NNG", "NNP", "XSN"} and before.form.endswith("권"), word
        # ... while BPE keeps 권은 as one piece, across that cut
    analyses = {w: [t.form for t in _kiwi().tokenize(w)] for w in ("주권은", "사법권은")}
    assert analyses == {"주권은": ["주권", "은"], "사법권은": ["사법", "권", "은"]}
    assert bpe.segment("주권은") == ("주", "권은</w>")        # a cut inside the noun 주권


def naive_bpe(text: str, num_merges: int) -> tuple[list[tuple[str, str]], int]:
    """The page's three formulas, recounted from scratch at every step; and the ties seen."""
    words = Counter(initial_symbols(w) for w in text.split())
    merges, ties = [], 0
    for _ in range(num_merges):
        stats = pair_counts(words)                                # bpe.pair-count
        top = max(stats.values())
        if top < 2:
            break
        best = [p for p, f in stats.items() if f == top]
        ties += len(best) > 1
        merges.append(max(best))                                  # bpe.best-pair
        merged: Counter = Counter()
        for w, n in words.items():
            merged[merge_pair(w, merges[-1])] += n                # bpe.merge
        words = merged
    return merges, ties


@pytest.mark.formula("bpe.best-pair")
def test_the_incremental_counts_are_the_definition():
    """learn_bpe recounts only the words that change; the definition recounts everything.

    § Subwords (preprocessing page): "in 19 of the first 60 Korean merges more than one
    pair shares the top count".
    """
    text = corpus_text("ko")
    merges, ties = naive_bpe(text, 60)
    assert learn_bpe(text, 60).merges == merges
    assert ties == 19


@pytest.mark.formula("bpe.pair-count")
def test_pair_counts_are_subword_nmts_statistics(texts):
    words = Counter(initial_symbols(w) for w in texts["ko"].split())
    stats, _ = sn_learn.get_pair_statistics(sorted(words.items(), key=lambda x: -x[1]))
    assert pair_counts(words) == Counter({p: f for p, f in stats.items() if f})
    assert pair_counts({("a", "a", "a</w>"): 3, ("a", "a</w>"): 1}) == \
        {("a", "a"): 3, ("a", "a</w>"): 4}                        # every position counts
    # the counts are integers >= 0: a word counted 0 times is allowed and adds nothing
    assert pair_counts({("a", "b"): 0, ("a", "b", "c</w>"): 2}) == \
        {("a", "b"): 2, ("b", "c</w>"): 2}


@pytest.mark.formula("bpe.merge")
@pytest.mark.parametrize("pair", [("a", "a"), ("b", "a"), ("a", "a</w>"), ("ab", "a")])
def test_merge_pair_is_subword_nmts_replace_pair(pair):
    vocab = [(w, 1) for w in [("a", "a", "a", "a</w>"), ("b", "a", "b", "a</w>"),
                              ("a", "a", "a</w>"), ("ab", "a", "ab", "a</w>"), ("x</w>",)]]
    _, indices = sn_learn.get_pair_statistics(vocab)
    for j in range(len(vocab)):                  # replace_pair visits the indexed words only
        indices[pair][j] += 1
    reference = list(vocab)
    sn_learn.replace_pair(pair, reference, indices)
    assert [merge_pair(w, pair) for w, _ in vocab] == [w for w, _ in reference]


@pytest.mark.formula("bpe.encode")
def test_segment_applies_the_earliest_learned_merge_first():
    # (b, c) was learned first: "abc" is a + bc, although (a, b) is also a merge
    bpe = BPE([("b", "c</w>"), ("a", "b"), ("a", "bc</w>")], alphabet="abc")
    assert bpe.segment("abc") == ("abc</w>",)
    assert BPE([("a", "b"), ("b", "c</w>")], alphabet="abc").segment("abc") == \
        ("ab", "c</w>")
    assert bpe.segment("a") == ("a</w>",)


KOREAN = learn_bpe(corpus_text("ko"), 500)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("국민의 헌법은 제1조 a\t\n☃")), max_size=40))
def test_decode_gives_back_the_words_separated_by_single_spaces(text):
    tokens = KOREAN.encode(text)
    assert KOREAN.decode(tokens) == " ".join(text.split())
    assert sum(t.endswith(END_OF_WORD) for t in tokens) == len(text.split())


def test_an_unknown_character_is_kept_or_refused_as_asked():
    tokens = KOREAN.encode("헌법☃은")
    assert "☃" in tokens and "☃" not in KOREAN.vocabulary
    assert KOREAN.decode(tokens) == "헌법☃은"
    assert_error_names(lambda: KOREAN.encode("국민 헌법☃은", unknown="error"), ValueError,
                       ["'☃'", "'헌법☃은'", "word 1", "unknown='keep'"])


def test_the_vocabulary_is_both_forms_of_each_character_then_the_merges():
    bpe = learn_bpe("low low low lower lowest newer newer", 4)
    assert bpe.vocabulary[:len(bpe.alphabet)] == bpe.alphabet
    assert len(bpe.vocabulary) == 2 * len(bpe.alphabet) + 4
    assert bpe.vocabulary[-4:] == [a + b for a, b in bpe.merges]
    assert learn_bpe({"low": 3, "newer": 2}, 2).merges == \
        learn_bpe("low low low newer newer", 2).merges == \
        learn_bpe(["low low", "newer low newer"], 2).merges


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: learn_bpe("", 10), ValueError, ["learn_bpe: `corpus` is empty"]),
        (lambda: learn_bpe([" ", "\n"], 10), ValueError, ["`corpus` is empty"]),
        (lambda: learn_bpe({}, 10), ValueError, ["`corpus` is empty"]),
        (lambda: learn_bpe(["a", 7], 3), TypeError, ["`corpus`", "int at position 1"]),
        (lambda: learn_bpe({"a b": 2}, 3), ValueError, ["without whitespace", "'a b'"]),
        (lambda: learn_bpe({"ab": 0}, 3), ValueError, ["integers >= 1", "0"]),
        (lambda: learn_bpe("x</w> y", 3), ValueError, ["'x</w>'", "end-of-word marker"]),
        (lambda: KOREAN.encode("a</w>"), ValueError,
         ["BPE.encode: `text`", "end-of-word marker"]),
        (lambda: KOREAN.segment("a b"), ValueError, ["BPE.segment: `word`", "'a b'"]),
        (lambda: KOREAN.segment(""), ValueError, ["`word` must be a non-empty str"]),
        (lambda: BPE([("a",)], "a"), ValueError, ["`merges`", "('a',)"]),
        (lambda: BPE([("a", "b"), "ab"], "ab"), TypeError,
         ["BPE: `merges`", "pairs of non-empty str symbols", "str ('ab') among them"]),
        (lambda: learn_bpe([1, 2], 3), TypeError, ["learn_bpe: `corpus`", "int at position 0"]),
        (lambda: learn_bpe({"a</w>": 2}, 3), ValueError,
         ["learn_bpe: the word 'a</w>'", "end-of-word marker"]),
        (lambda: BPE([("a", 7)], "a"), ValueError, ["`merges`", "('a', 7)"]),
        (lambda: BPE([], ["ab"]), ValueError, ["`alphabet`", "single characters", "['ab']"]),
        (lambda: pair_counts({"ab": 1}), TypeError, ["tuples of str symbols", "'ab'"]),
        (lambda: pair_counts({("a", "b"): -1}), ValueError, ["integers >= 0", "-1"]),
        (lambda: merge_pair(("a", "b"), ("a", "b", "c")), ValueError,
         ["merge_pair: `pair`", "two str symbols", "('a', 'b', 'c')"]),
        (lambda: merge_pair(("a", "b"), ("a", 7)), ValueError, ["`pair`", "('a', 7)"]),
        (lambda: merge_pair(("a", "b"), 5), TypeError, ["`pair`", "got int (5)"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)
