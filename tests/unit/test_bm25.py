"""BM25 against rank_bm25.BM25Okapi (Okapi form, negative-IDF floor) and bm25s (Lucene form)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcore import BM25Index, bm25_idf, bm25_tf
from tests._require import require
from tests.unit.corpora import zipf_corpus
from tests.unit.errors import assert_error_names

rank_bm25 = require("rank_bm25")
bm25s = require("bm25s")

TOL = 1e-10
PARAMS = [(1.5, 0.75), (1.2, 0.0), (2.0, 1.0), (0.0, 0.5), (0.9, 0.4)]


def corpus_and_queries(seed: int, n_docs: int = 120):
    docs = [d.split() for d in zipf_corpus(n_docs, n_words=200, seed=seed, empty=False)]
    rng = np.random.default_rng(seed + 100)
    queries = [[f"w{int(i)}" for i in rng.integers(0, 220, size=rng.integers(1, 5))]
               for _ in range(25)]                      # some words (w200+) are unknown
    return docs, queries


@pytest.mark.formula("bm25.score", "bm25.idf-okapi", "bm25.tf-okapi")
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("k1", "b"), PARAMS)
def test_okapi_matches_rank_bm25(seed, k1, b):
    docs, queries = corpus_and_queries(seed)
    ref = rank_bm25.BM25Okapi(docs, k1=k1, b=b)
    index = BM25Index(docs, k1=k1, b=b, variant="okapi")
    for q in queries:
        if k1 == 0:
            # rank_bm25 divides 0 by 0 for a document without the word and returns NaN;
            # with k1 = 0 the factor is (k1 + 1) * [f > 0]: rebuild that from its own idf
            expected = np.array([sum((ref.idf.get(t) or 0) * (d.get(t, 0) > 0) for t in q)
                                 for d in ref.doc_freqs])
        else:
            expected = ref.get_scores(q)
        np.testing.assert_allclose(index.scores(q), expected, rtol=0, atol=TOL)


@pytest.mark.formula("bm25.idf-okapi")
def test_okapi_idf_floor_matches_rank_bm25():
    # "the" is in every document, "cat" in 3 of 4: both raw IDFs are negative
    docs = [["the", "cat"], ["the", "cat", "sat"], ["the", "cat", "dog"], ["the", "bird"]]
    ref = rank_bm25.BM25Okapi(docs)
    index = BM25Index(docs)
    got = dict(zip(index.terms, index.idf, strict=True))
    for term, value in ref.idf.items():
        assert abs(got[term] - value) < TOL, term
    assert got["the"] == got["cat"] == pytest.approx(0.25 * ref.average_idf)
    assert bm25_idf(np.array([1, 5, 5]), 6)[1] < 0     # a negative mean gives a negative floor


@pytest.mark.formula("bm25.idf-okapi")
def test_okapi_idf_floor_follows_epsilon_and_holds_for_one_term():
    docs = [["the", "cat"], ["the", "cat", "sat"], ["the", "cat", "dog"], ["the", "bird"]]
    for epsilon in (0.0, 0.5, 1.0):
        ref = rank_bm25.BM25Okapi(docs, epsilon=epsilon)
        index = BM25Index(docs, epsilon=epsilon)
        got = dict(zip(index.terms, index.idf, strict=True))
        for term, value in ref.idf.items():
            assert abs(got[term] - value) < TOL, (epsilon, term)
    # one term, in 3 of 4 documents: its raw idf is negative and is its own mean
    raw = math.log((4 - 3 + 0.5) / (3 + 0.5))
    assert bm25_idf(np.array([3]), 4).tolist() == pytest.approx([0.25 * raw], abs=TOL)


@pytest.mark.formula("bm25.score", "bm25.idf-lucene", "bm25.tf-lucene")
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("k1", "b"), PARAMS)
def test_lucene_matches_bm25s(seed, k1, b):
    docs, queries = corpus_and_queries(seed)
    ref = bm25s.BM25(k1=k1, b=b, method="lucene", dtype="float64")
    ref.index(docs, show_progress=False)
    index = BM25Index(docs, k1=k1, b=b, variant="lucene")
    for q in queries:
        known = [t for t in q if t in index.vocabulary]    # bm25s refuses unknown words
        expected = ref.get_scores(known) if known else np.zeros(len(docs))
        np.testing.assert_allclose(index.scores(q), expected, rtol=0, atol=TOL)


@pytest.mark.formula("bm25.idf-lucene", "bm25.tf-lucene")
def test_lucene_matches_bm25s_retrieve_in_float32():
    docs, queries = corpus_and_queries(3, n_docs=300)
    ref = bm25s.BM25()                                     # defaults: lucene, float32
    ref.index(docs, show_progress=False)
    index = BM25Index(docs, variant="lucene", dtype=np.float32)
    for q in queries[:10]:
        known = [t for t in q if t in index.vocabulary]
        if not known:
            continue
        got = index.scores(known)
        np.testing.assert_allclose(got, ref.get_scores(known), rtol=1e-6, atol=1e-6)


@pytest.mark.formula("bm25.tf-okapi", "bm25.tf-lucene")
def test_tf_factor_hand_worked_and_saturating():
    # |d| = avgdl: the denominator is f + k1, so f (k1 + 1) / (f + k1)
    f = np.array([0, 1, 2, 10, 1000])
    np.testing.assert_allclose(bm25_tf(f, 5, 5.0, k1=1.5, b=0.75), f * 2.5 / (f + 1.5), atol=TOL)
    np.testing.assert_allclose(bm25_tf(f, 5, 5.0, variant="lucene"), f / (f + 1.5), atol=TOL)
    assert bm25_tf(10**9, 5, 5.0) < 2.5                     # bounded by k1 + 1
    # b = 1, a document twice the average length: K = k1 * 2
    assert bm25_tf(1, 10, 5.0, k1=1.0, b=1.0) == pytest.approx(2 / 3)
    assert bm25_tf(3, 0, 5.0, k1=0.0, b=0.5) == pytest.approx(1.0)   # k1 = 0: presence only
    assert bm25_tf(0, 0, 5.0, k1=0.0, b=1.0) == 0.0                  # 0/0 is defined as 0
    # a fractional count (a weighted query expansion) whose denominator is below 1
    assert bm25_tf(0.5, 1, 2.0, k1=0.2, b=1.0) == pytest.approx(0.5 * 1.2 / (0.5 + 0.2 / 2))


@pytest.mark.formula("bm25.idf-okapi", "bm25.idf-lucene")
def test_idf_hand_worked():
    N, df = 10, np.array([1, 5, 9])
    raw = np.log((N - df + 0.5) / (df + 0.5))
    np.testing.assert_allclose(bm25_idf(df, N, "lucene"), np.log(1 + (N - df + 0.5) /
                                                                  (df + 0.5)), atol=TOL)
    expected = np.where(raw < 0, 0.25 * raw.mean(), raw)
    np.testing.assert_allclose(bm25_idf(df, N), expected, atol=TOL)
    assert bm25_idf(df, N)[1] == 0.0 == pytest.approx(math.log(1.0))  # df = N/2: idf 0


@pytest.mark.formula("bm25.score")
def test_batch_and_top_k_agree_with_rank_bm25():
    docs, queries = corpus_and_queries(5)
    ref = rank_bm25.BM25Okapi(docs)
    index = BM25Index(docs)
    S = index.scores_batch(queries).toarray()
    for i, q in enumerate(queries):
        expected = ref.get_scores(q)
        np.testing.assert_allclose(S[i], expected, rtol=0, atol=TOL)
        _, best = index.top_k(q, k=5)
        np.testing.assert_allclose(best, np.sort(expected)[::-1][:5], atol=TOL)


def test_top_k_is_the_head_of_the_full_ranking_for_every_k():
    docs, queries = corpus_and_queries(6, n_docs=40)
    index = BM25Index(docs)
    for q in queries[:5]:
        s = index.scores(q)
        order = np.lexsort((np.arange(40), -s))        # best first, ties by lower id
        for k in range(1, 42):
            ids, best = index.top_k(q, k=k)
            np.testing.assert_array_equal(ids, order[:k])
            np.testing.assert_array_equal(best, s[order[:k]])
        assert len(index.top_k(q)[0]) == 10            # the default k


def test_the_index_keeps_case_as_given():
    docs = [["The", "cat"], ["the", "dog"], ["a", "cat"]]
    ref = rank_bm25.BM25Okapi(docs)
    index = BM25Index(docs)
    assert "The" in index.terms and "the" in index.terms
    for q in (["The"], ["the"], ["the", "cat"]):
        np.testing.assert_allclose(index.scores(q), ref.get_scores(q), rtol=0, atol=TOL)


def test_documented_values():
    index = BM25Index([["a", "b"], [], ["b", "c", "c"]], variant="lucene")
    assert index.scores(["zzz", "yyy"]).tolist() == [0.0, 0.0, 0.0]   # only unknown words
    assert index.scores([]).tolist() == [0.0, 0.0, 0.0]
    assert index.scores("b")[1] == 0.0                                  # an empty document
    assert np.isfinite(index.scores_batch([[], ["c"]]).toarray()).all()
    assert index.top_k("c", k=10)[0].tolist() == [2, 0, 1]             # k > n_docs: all


DOCS = ["a b", "a c c", "d"]


# The domains of k1, b, epsilon, avgdl, variant, tf, doc_len and k are derived in
# tests/unit/test_validation.py; here, what only the index's own checks can see.
@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: BM25Index([]), ValueError, ["BM25Index: `docs` is empty"]),
        (lambda: BM25Index([[], []]), ValueError, ["BM25Index: no term left"]),
        (lambda: BM25Index("a b"), TypeError, ["BM25Index: `docs`", "list of documents", "str"]),
        (lambda: BM25Index([["a", 1]]), TypeError, ["BM25Index: `docs`", "str tokens", "int"]),
        (lambda: BM25Index(DOCS).scores(["a", 2]), TypeError,
         ["BM25Index.scores: `query`", "list of str tokens", "int (2)"]),
        (lambda: BM25Index(DOCS).scores(7), TypeError, ["BM25Index.scores: `query`", "int"]),
        (lambda: BM25Index(DOCS).scores_batch("a"), TypeError,
         ["BM25Index.scores_batch: `queries`", "a single str", "scores()"]),
        (lambda: BM25Index(DOCS).scores_batch(["a", ["b", None]]), TypeError,
         ["BM25Index.scores_batch: `queries[1]`", "str tokens", "NoneType", "position 1"]),
        (lambda: bm25_idf([3], 2), ValueError, ["bm25_idf: `df`", "[0, 2]", "n_docs=2"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


# --- small cases worked by hand ------------------------------------------------------------

def test_bounds_are_inclusive():
    # k1 = 0 and b in {0, 1} are allowed: k1 = 0 makes every present term weigh 1 (okapi: f/f).
    np.testing.assert_allclose(bm25_tf([2.0, 0.0], [3.0, 3.0], 2.0, k1=0), [1.0, 0.0])
    # b = 0: no length normalization, tf * (k1+1) / (tf + k1).
    np.testing.assert_allclose(bm25_tf([1.0], [9.0], 3.0, k1=1.0, b=0), [1.0])
    # b = 1: norm = k1 * dl / avgdl = 3; 1 * 2 / (1 + 3).
    np.testing.assert_allclose(bm25_tf([1.0], [9.0], 3.0, k1=1.0, b=1), [0.5])
    np.testing.assert_allclose(bm25_tf([1.0], [9.0], 3.0, k1=1.0, b=1, variant="lucene"), [0.25])
    np.testing.assert_allclose(bm25_tf(np.int64(1), 2, 2), 2.5 / 2.5)   # numpy ints are numbers
    assert bm25_idf(np.zeros(0), 3).shape == (0,)


def test_index_by_hand():
    idx = BM25Index(DOCS, k1=1.0, b=0.5)
    assert repr(idx) == ("BM25Index(3 documents, 4 terms, variant='okapi', k1=1.0, b=0.5)")
    assert idx.doc_len.tolist() == [2, 3, 1] and idx.avgdl == 2.0
    # "a": df = 2 of N = 3 -> idf = ln((3 - 2 + .5) / 2.5) < 0 -> floored to eps * mean idf.
    raw = np.log([(3 - 2 + 0.5) / 2.5, 2.5 / 1.5, 2.5 / 1.5, 2.5 / 1.5])
    floor = 0.25 * raw.mean()
    np.testing.assert_allclose(idx.idf, [floor, *raw[1:]])
    # doc 1 "a c c": c has tf 2, dl 3: K = 1 * (0.5 + 0.5 * 3 / 2) = 1.25; 2 * 2 / 3.25.
    s = idx.scores("c")
    np.testing.assert_allclose(s, [0.0, raw[2] * 4 / 3.25, 0.0])
    # A query term seen twice counts twice; unknown words are ignored.
    np.testing.assert_allclose(idx.scores(["c", "zz", "c"]), 2 * s)
    batch = idx.scores_batch(["c", ("d",), []])
    assert batch.shape == (3, 3)
    np.testing.assert_allclose(batch.toarray()[0], s)
    np.testing.assert_allclose(batch.toarray()[1], idx.scores("d"))
    np.testing.assert_allclose(batch.toarray()[2], 0.0)
    best, top = idx.top_k("c d", k=2)
    assert best.tolist() == [2, 1] or best.tolist() == [1, 2]
    assert top.tolist() == sorted(top.tolist(), reverse=True)
    assert idx.top_k("c", k=10)[0].tolist() == [1, 0, 2]       # k > n: all, ties by index
    assert idx.top_k("c", k=np.int64(1))[0].tolist() == [1]
    assert idx.top_k("c", k=3)[0].tolist() == [1, 0, 2]
    lucene = BM25Index(DOCS, variant="lucene", dtype=np.float32)
    assert lucene.weights.dtype == np.float32
    np.testing.assert_allclose(lucene.idf, np.log1p([1.5 / 2.5, 2.5 / 1.5, 2.5 / 1.5, 2.5 / 1.5]))
    tok = BM25Index(["A-B", "c", "c"], tokenizer=lambda s: s.lower().split("-"))
    assert tok.terms == ["a", "b", "c"]
    assert tok.scores("A-Z")[0] > 0        # the query goes through the same tokenizer
