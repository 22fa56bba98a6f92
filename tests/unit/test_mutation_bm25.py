"""Cases the mutation run (``bash .ci/mutation``) found untested in seqcore.bm25: messages,
the edges of k1, b, avgdl and k, and a three-document index scored by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcore import BM25Index, bm25_idf, bm25_tf
from tests.unit.errors import assert_error_names

DOCS = ["a b", "a c c", "d"]


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: bm25_idf([1], 2, variant="bm25"), ValueError,
     "bm25_idf: `variant` must be 'okapi' or 'lucene'; got 'bm25'"),
    (lambda: bm25_tf([1], [1], 1.0, variant="x"), ValueError,
     "bm25_tf: `variant` must be 'okapi' or 'lucene'; got 'x'"),
    (lambda: bm25_tf([1], [1], 1.0, k1=True), TypeError,
     "bm25_tf: `k1` must be a finite real number; got True"),
    (lambda: bm25_tf([1], [1], 1.0, b=math.nan), TypeError,
     "bm25_tf: `b` must be a finite real number; got nan"),
    (lambda: bm25_tf([1], [1], 1.0, b="0.5"), TypeError, "bm25_tf: `b` must be a finite real"),
    (lambda: bm25_tf([1], [1], 1.0, k1=-0.1), ValueError,
     "bm25_tf: `k1` must be >= 0 (it sets how fast term frequency saturates; 1.2-2.0 is usual); "
     "got -0.1"),
    (lambda: bm25_tf([1], [1], 1.0, b=1.01), ValueError,
     "bm25_tf: `b` must lie in [0, 1] (0: no length normalization, 1: full); got 1.01"),
    (lambda: bm25_tf([1], [1], 1.0, b=-0.01), ValueError, "bm25_tf: `b` must lie in [0, 1]"),
    (lambda: bm25_tf([1], [1], 0.0), ValueError,
     "bm25_tf: `avgdl` must be > 0 (the mean document length); got 0.0"),
    (lambda: bm25_tf([1], [1], math.inf), ValueError, "bm25_tf: `avgdl` must be > 0"),
    (lambda: bm25_tf([-1], [1], 1.0), ValueError, "bm25_tf: `tf` must be >= 0; got -1.0"),
    (lambda: bm25_tf([1], [-2], 1.0), ValueError, "bm25_tf: `doc_len` must be >= 0; got -2.0"),
    (lambda: BM25Index(DOCS, variant="bm25"), ValueError,
     "BM25Index: `variant` must be 'okapi' or 'lucene'; got 'bm25'"),
    (lambda: BM25Index(DOCS, k1=-1), ValueError, "BM25Index: `k1` must be >= 0"),
    (lambda: BM25Index("a b"), TypeError, "BM25Index: `docs` must be a list of documents"),
    (lambda: BM25Index([]), ValueError, "BM25Index: "),
    (lambda: BM25Index(DOCS).scores(5), TypeError,
     "BM25Index: `query` must be a str or a list of str tokens; got int"),
    (lambda: BM25Index(DOCS).scores(["a", 5]), TypeError,
     "BM25Index: `query` must hold str tokens only; got int (5) at position 1"),
    (lambda: BM25Index(DOCS).scores_batch("a"), TypeError,
     "BM25Index.scores_batch: `queries` must be a list of queries; got a single str (use "
     "scores() for one query)"),
    (lambda: BM25Index(DOCS).scores_batch(["a", ["b", None]]), TypeError,
     "BM25Index: `queries[1]` must hold str tokens only; got NoneType (None) at position 1"),
    (lambda: BM25Index(DOCS).top_k("a", k=0), ValueError,
     "BM25Index.top_k: `k` must be an integer >= 1; got 0"),
    (lambda: BM25Index(DOCS).top_k("a", k=True), ValueError, "BM25Index.top_k: `k` must be"),
    (lambda: BM25Index(DOCS).top_k("a", k=1.0), ValueError, "BM25Index.top_k: `k` must be"),
])
def test_error_messages(call, error, message):
    assert_error_names(call, error, [message])


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
