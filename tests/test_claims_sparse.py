"""Claims of the chapter 'Sparse representations' (docs/sparse.*.md), checked by code.

Each test names the section whose sentence it backs. References: closed forms worked by
hand, scikit-learn, Kiwi, and the recorded benchmark results the page reads its
performance sentences from.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import scipy.sparse as sp

from seqcore import (
    bm25_idf,
    bm25_tf,
    cosine_similarity,
    document_term_matrix,
    euclidean_distance,
    idf,
    jaccard_similarity,
    one_hot,
    tfidf,
)
from tests._require import require
from tests.conftest import DOCS

DOCS4 = ["나는 사과를 좋아한다", "나는 바나나를 좋아한다", "바나나는 길고 바나나는 노랗다",
         "저는 과일을 좋아해요"]


def test_one_hot_costs_and_distances():
    """§ One-hot encoding: a 100,000-word one-hot vector is 800 KB as dense int64, and two
    different one-hot vectors are orthogonal and √2 apart."""
    assert one_hot(np.array([5]), 100_000).astype(np.int64).nbytes == 800_000
    E = one_hot(np.arange(6), 6).astype(float)
    off_diagonal = ~np.eye(6, dtype=bool)
    assert np.all((E @ E.T)[off_diagonal] == 0)
    np.testing.assert_allclose(euclidean_distance(E[0], E[1:]), np.sqrt(2))


def test_word_order_is_lost_in_the_bag_of_morphemes():
    """§ Bag of Words: '개가 사람을 물었다' and '사람이 개를 물었다' get the same bag of
    morphemes once particles and endings are dropped (Kiwi)."""
    require("kiwipiepy")
    from seqcore import morpheme_tokenize

    a = morpheme_tokenize("개가 사람을 물었다", drop=("J", "E", "S"))
    b = morpheme_tokenize("사람이 개를 물었다", drop=("J", "E", "S"))
    assert a != b and sorted(a) == sorted(b)


def test_the_small_dtm_counts():
    """§ Document-term matrix and its limits: 10 columns with whitespace tokens, 8 with
    morphemes, and 12 of 32 cells not 0."""
    require("kiwipiepy")
    from seqcore import morpheme_tokenize

    _, terms_ws = document_term_matrix(DOCS4)
    X, terms = document_term_matrix([morpheme_tokenize(d, drop=("J", "E", "S")) for d in DOCS4])
    assert len(terms_ws) == 10 and len(terms) == 8
    assert X.nnz == 12 and X.shape == (4, 8)


def _zeros(M) -> set[tuple[int, int]]:
    dense = M.toarray() if sp.issparse(M) else np.asarray(M)
    return set(zip(*np.nonzero(dense == 0), strict=True))


@pytest.mark.formula("tfidf.weight")
def test_tfidf_is_zero_wherever_the_dtm_is_and_possibly_more():
    """§ Limits of the DTM, correction box: TF-IDF has every zero of the DTM, more where
    an IDF is 0 (the textbook IDF of a word in N − 1 documents), and the same zeros with
    an always-positive IDF (scikit-learn's smooth one)."""
    rng = np.random.default_rng(0)
    X = sp.csr_array(rng.poisson(0.4, size=(30, 40)))
    for variant in ("plain", "textbook", "smooth", "unsmoothed"):
        assert _zeros(X) <= _zeros(tfidf(X, idf_variant=variant, norm=None))
    assert _zeros(tfidf(X, idf_variant="smooth", norm=None)) == _zeros(X)
    # the page's example: 좋아하 is in 3 of 4 documents, so its textbook IDF is ln(4/4) = 0
    Y = sp.csr_array(np.array([[0, 0, 1, 0, 0, 1, 0, 1], [0, 0, 1, 0, 1, 0, 0, 1],
                               [0, 1, 0, 1, 2, 0, 0, 0], [1, 0, 0, 0, 0, 0, 1, 1]]))
    textbook = tfidf(Y, idf_variant="textbook", norm=None)
    assert len(_zeros(textbook)) > len(_zeros(Y))
    assert np.all(textbook.toarray()[:, 7] == 0) and np.all(Y.toarray()[[0, 1, 3], 7] > 0)


@pytest.mark.formula("idf.plain", "idf.textbook", "idf.smooth", "idf.unsmoothed")
def test_idf_signs_and_the_plus_one():
    """§ DF and IDF: the plain IDF of a word in every document is 0; the textbook IDF is 0
    at df = N − 1 and negative at df = N; scikit-learn's +1 keeps every weight ≥ 1."""
    N = 10
    df = np.arange(1, N + 1)
    assert idf(np.array([N]), N, "plain")[0] == 0
    textbook = idf(df, N, "textbook")
    assert textbook[N - 2] == 0 and textbook[N - 1] == pytest.approx(np.log(N / (N + 1)))
    assert textbook[N - 1] < 0
    assert np.all(idf(df, N, "smooth") >= 1) and np.all(idf(df, N, "unsmoothed") >= 1)
    for variant in ("plain", "textbook", "smooth", "unsmoothed"):
        assert np.all(np.diff(idf(df, N, variant)) < 0)   # rarer words weigh more


def test_minus_log_df_turns_idf_upside_down():
    """§ DF and IDF, correction box: −ln df gives the rarest word (df = 1) weight 0 and the
    most common words the largest negative weights: the order of ln(N/df) reversed."""
    N = 50
    df = np.arange(1, N + 1)
    notes = -np.log(df)
    assert notes[0] == 0 and np.all(notes <= 0)
    assert np.argmin(notes) == N - 1                     # the most common word
    assert np.all(np.diff(notes) < 0)
    # ln(N/df) keeps the order and only differs by ln N: the N the notes' form drops
    np.testing.assert_allclose(idf(df, N, "plain") - notes, np.log(N))


@pytest.mark.formula("bm25.tf-okapi", "bm25.tf-lucene")
def test_bm25_tf_extremes_and_the_constant_between_the_forms():
    """§ BM25, saturation and length normalization: k₁ = 0 only asks whether the word is
    there; the Lucene form is the Okapi form divided by k₁ + 1, which cannot change a
    ranking."""
    f = np.array([0.0, 1.0, 2.0, 10.0, 100.0])
    lengths = np.array([3.0, 10.0, 30.0, 10.0, 50.0])
    presence = bm25_tf(f, lengths, avgdl=12.0, k1=0.0)
    np.testing.assert_allclose(presence, (f > 0).astype(float))
    for k1 in (0.5, 1.2, 2.0):
        okapi = bm25_tf(f, lengths, avgdl=12.0, k1=k1, variant="okapi")
        lucene = bm25_tf(f, lengths, avgdl=12.0, k1=k1, variant="lucene")
        np.testing.assert_allclose(okapi, (k1 + 1) * lucene)
        assert np.all(okapi < k1 + 1)


@pytest.mark.formula("bm25.idf-okapi", "bm25.idf-lucene")
def test_bm25_idf_sign():
    """§ BM25's IDF: the Robertson–Spärck Jones IDF is negative exactly when a word is in
    more than half the documents; the Lucene form is always positive."""
    for N in (9, 10, 101):
        df = np.arange(0, N + 1)
        rsj = np.log((N - df + 0.5) / (df + 0.5))
        assert np.array_equal(rsj < 0, df > N / 2)
        assert np.all(bm25_idf(df[1:], N, "lucene") > 0)


@pytest.mark.formula("similarity.cosine", "distance.euclidean")
def test_cosine_and_euclidean_claims():
    """§ Vector similarity: cosine lies in [0, 1] for vectors without negative entries; a
    document repeated ten times has cosine 1 with the original but is far away in
    Euclidean distance; after L2 normalization ‖x̂ − ŷ‖² = 2 − 2 cos, so both rank alike."""
    rng = np.random.default_rng(1)
    X = rng.poisson(0.7, size=(20, 15)).astype(float)
    X = X[X.sum(axis=1) > 0]
    C = cosine_similarity(X, X)
    assert C.min() >= 0 and C.max() <= 1 + 1e-12
    assert cosine_similarity(X[0], 10 * X[0]) == pytest.approx(1.0)
    assert euclidean_distance(X[0], 10 * X[0]) == pytest.approx(9 * np.linalg.norm(X[0]))
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    D = euclidean_distance(U, U)
    np.testing.assert_allclose(D**2, 2 - 2 * C, atol=1e-12)
    q = 0
    assert np.array_equal(np.argsort(-C[q], kind="stable")[:5], np.argsort(D[q], kind="stable")[:5])
    assert jaccard_similarity(set(), set()) == 1.0


# ---- § Performance: the sentences read from the recorded benchmark results --------------

def _bench(name: str) -> dict:
    return json.loads((DOCS / "_data" / "benchmarks" / f"{name}.json").read_text("utf-8"))


def _row(doc: dict, candidate: str, section: int = 0) -> dict:
    """The one row whose name before any parenthesis is `candidate`'s, and contains it."""
    rows = [r for r in doc["rows"] if r["candidate"].split(" (")[0] == candidate.split(" (")[0]
            and r["section"] == section and candidate in r["candidate"]]
    assert len(rows) == 1, f"{doc['benchmark']}: no single row '{candidate}' in section {section}"
    return rows[0]


def test_the_tfidf_performance_sentences():
    """§ Performance: fitting faster than scikit-learn on all three corpora, transforming
    not slower (within the machine's noise), peak memory about 1.4 times on the synthetic
    corpus, 6.83 GiB dense, about 0.1% of the cells stored and about 12 MB as CSR."""
    doc = _bench("tfidf")
    assert len(doc["sections"]) == 3
    assert max(r["extra"]["max_abs_diff"] for r in doc["rows"]) < 1e-15
    for s in range(3):
        assert _row(doc, "seqcore fit", s)["ratio"] < 1
        assert _row(doc, "seqcore transform", s)["ratio"] <= 1.25
    fit = _row(doc, "seqcore fit", 0)["extra"]
    assert fit["peak_mib"] / fit["reference_peak_mib"] == pytest.approx(1.4, abs=0.1)
    note = doc["sections"][0]["notes"][0]
    nnz = int(re.search(r"([\d,]+) nonzeros", note)[1].replace(",", ""))
    share = float(re.search(r"([\d.]+)% dense", note)[1])
    assert "6.83 GiB" in note and 0.05 <= share <= 0.15
    assert (nnz * (8 + 4) + 20_001 * 4) / 1e6 == pytest.approx(12, abs=0.5)
    X, _ = document_term_matrix(["a b", "b c"])
    assert X.indices.dtype == np.int32          # 4 bytes per column number, as the page says


def test_the_bm25_performance_sentences():
    """§ Performance: faster than bm25s, more than 50 times faster than rank_bm25, scores
    within 5e-7 and 1e-11, index memory close to bm25s's and over twice rank_bm25's,
    scores_batch slower than per-query scores, about 0.06 s per rank_bm25 query."""
    doc = _bench("bm25")
    lucene = _row(doc, "seqcore lucene: index + 1,000 queries")
    okapi = _row(doc, "seqcore okapi: index + 1,000 queries")
    assert lucene["ratio"] < 1 and lucene["extra"]["max_abs_diff"] < 5e-7
    assert 1 / okapi["ratio"] > 50 and okapi["extra"]["max_abs_diff"] < 1e-11
    index = _row(doc, "seqcore lucene: index")["extra"]
    assert index["peak_mib"] / index["reference_peak_mib"] < 1.2
    assert okapi["extra"]["peak_mib"] / okapi["extra"]["reference_peak_mib"] > 2
    assert _row(doc, "seqcore lucene: 1,000 queries (scores_batch)")["ratio"] > \
        _row(doc, "seqcore lucene: 1,000 queries (scores)")["ratio"]
    seconds = float(re.search(r"1,000 queries ([\d.]+) s", doc["sections"][0]["notes"][0])[1])
    assert seconds / 1000 == pytest.approx(0.06, abs=0.015)


@pytest.mark.formula("similarity.cosine")
def test_cosines_between_tfidf_rows_are_never_negative():
    """§ Vector similarity: cosines between count or TF-IDF rows lie in [0, 1], even with
    the textbook IDF, whose negative weight gives a whole column the same sign."""
    rng = np.random.default_rng(3)
    counts = rng.poisson(0.8, size=(12, 9)) + np.eye(12, 9, dtype=int)
    counts[:, 0] = 1                                      # word 0 is in every document
    X = sp.csr_array(counts)
    for variant in ("plain", "textbook", "smooth", "unsmoothed"):
        rows = tfidf(X, idf_variant=variant).toarray()
        rows = rows[np.linalg.norm(rows, axis=1) > 0]
        assert cosine_similarity(rows, rows).min() >= -1e-12
    assert tfidf(X, idf_variant="textbook").toarray()[:, 0].max() < 0   # negative entries
    mixed = np.array([[1.0, -2.0], [1.0, 1.0]])                          # the control
    assert cosine_similarity(mixed[0], mixed[1]) < 0


def test_particles_keep_who_bit_whom_until_they_are_dropped():
    """§ Bag of Words (Korean page): the eojeol bags and the full morpheme bags of
    '개가 사람을 물었다' and '사람이 개를 물었다' differ (the particles mark who bit whom);
    only with particles and endings dropped are they equal. '사람을 개가 물었다', the same
    meaning in another order, has the same bag as the first in every case."""
    require("kiwipiepy")
    from collections import Counter

    from seqcore import morpheme_tokenize, whitespace_tokenize

    bit, bitten, reordered = "개가 사람을 물었다", "사람이 개를 물었다", "사람을 개가 물었다"
    for bag in (lambda s: Counter(whitespace_tokenize(s)),
                lambda s: Counter(morpheme_tokenize(s)),
                lambda s: Counter(morpheme_tokenize(s, drop=("J", "E", "S")))):
        assert bag(bit) == bag(reordered)
    assert Counter(whitespace_tokenize(bit)) != Counter(whitespace_tokenize(bitten))
    assert Counter(morpheme_tokenize(bit)) != Counter(morpheme_tokenize(bitten))
    content = Counter(morpheme_tokenize(bit, drop=("J", "E", "S")))
    assert content == Counter(morpheme_tokenize(bitten, drop=("J", "E", "S")))
    assert content == Counter(["개", "사람", "물"])


def _doc(words: list[str], tag: str, length: int = 12) -> list[str]:
    """A document of `length` tokens: `words`, then fillers that occur nowhere else."""
    return [*words, *(f"{tag}{i}" for i in range(length - len(words)))]


@pytest.mark.formula("bm25.tf-okapi", "bm25.tf-lucene")
def test_bm25_caps_one_word_but_coverage_does_not_always_win():
    """§ BM25, saturation: one word adds less than (k₁ + 1)·idf; at average length and
    k₁ = 1.5 a word once adds exactly idf and ten times about 2.17 idf, so two query words of
    equal IDF once each lose to one word ten times (both forms), and a rare word repeated
    beats a common word plus the rare word once each; twice each wins (the control)."""
    from seqcore import BM25Index

    f = np.array([1.0, 10.0, 1e6])
    tf = bm25_tf(f, np.full(3, 12.0), avgdl=12.0, k1=1.5)
    assert tf[0] == pytest.approx(1.0) and tf[1] == pytest.approx(25 / 11.5)
    assert np.all(tf < 2.5)
    docs = [_doc(["cat"] * 10, "a"), _doc(["owl", "cat"], "b"),
            _doc(["owl", "owl", "cat", "cat"], "c"), _doc(["owl"], "d"),
            *(_doc(["dog"], f"e{i}") for i in range(6))]
    for variant in ("okapi", "lucene"):
        s = BM25Index(docs, variant=variant).scores(["owl", "cat"])
        assert s[1] < s[0] < s[2], (variant, s)
    # the reviewer's case: a common 'the' and a rarer 'cat' (five documents of 10 tokens)
    docs = [_doc(["cat"] * 6, "a", 10), _doc(["the", "cat"], "b", 10), _doc(["the"], "c", 10),
            _doc(["the"], "d", 10), _doc(["dog"], "e", 10)]
    for variant, (repeated, covering) in (("okapi", (0.673, 0.598)),
                                          ("lucene", (0.700, 0.566))):
        s = BM25Index(docs, variant=variant).scores(["the", "cat"])
        assert s[:2] == pytest.approx([repeated, covering], abs=5e-4)
