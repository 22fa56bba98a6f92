"""Cases the mutation run (``bash .ci/mutation``) found untested in seqcore.sparse: full
messages of every check, and small corpora counted and weighted by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from seqcore import (
    bag_of_words,
    document_frequency,
    document_term_matrix,
    idf,
    l2_normalize_rows,
    term_frequency,
    tfidf,
)
from tests.unit.errors import assert_error_names

DTM = "document_term_matrix"


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: document_term_matrix(["a"], min_df=0), ValueError,
     f"{DTM}: `min_df` must be an integer >= 1; got 0"),
    (lambda: document_term_matrix(["a"], min_df=True), ValueError, f"{DTM}: `min_df` must be"),
    (lambda: document_term_matrix(["a"], min_df=1.0), ValueError, f"{DTM}: `min_df` must be"),
    (lambda: document_term_matrix(["a"], vocabulary="ab"), TypeError,
     f"{DTM}: `vocabulary` must be a list of terms; got a single str"),
    (lambda: document_term_matrix(["a"], vocabulary={"a": 0, "b": 2}), ValueError,
     f"{DTM}: a `vocabulary` mapping must send its 2 terms to the columns 0..1, each once"),
    (lambda: document_term_matrix(["a"], vocabulary={"a": 0, "b": 0}), ValueError,
     f"{DTM}: a `vocabulary` mapping must send"),
    (lambda: document_term_matrix(["a"], vocabulary={"a": -1, "b": 1}), ValueError,
     f"{DTM}: a `vocabulary` mapping must send"),
    (lambda: document_term_matrix(["a"], vocabulary=["a", "a"]), ValueError,
     f"{DTM}: `vocabulary` must not repeat a term"),
    (lambda: document_term_matrix(b"a b"), TypeError,
     f"{DTM}: `docs` must be a list of documents (str, or lists of str tokens); got bytes"),
    (lambda: document_term_matrix(5), TypeError, f"{DTM}: `docs` must be a list of documents"),
    (lambda: document_term_matrix(["a", 5]), TypeError,
     f"{DTM}: `docs[1]` must be a str or a list of str tokens; got int"),
    (lambda: document_term_matrix([["a", 1]]), TypeError,
     f"{DTM}: `docs` must hold str tokens only; got int (1)"),
    (lambda: document_term_matrix([["a", 1]], vocabulary=["a"]), TypeError,
     f"{DTM}: `docs[0]` must hold str tokens only; got int (1) at position 1"),
    (lambda: document_term_matrix([["a", ["b"]]]), TypeError,
     f"{DTM}: `docs[0]` must hold str tokens only; got list (['b']) at position 1"),
    (lambda: document_term_matrix([]), ValueError,
     f"{DTM}: `docs` is empty; a DTM needs at least one document"),
    (lambda: document_term_matrix(["", "the"], stop_words=["the"]), ValueError,
     f"{DTM}: no term left to count: every document in `docs` is empty or made only of stop "
     "words"),
    (lambda: document_term_matrix(["a b", "c"], min_df=2), ValueError,
     f"{DTM}: no term occurs in `min_df`=2 or more documents"),
    (lambda: document_frequency(np.array([["a"]], dtype=object)), TypeError,
     "document_frequency: `X` must be a (sparse) matrix of counts; got dtype object"),
    (lambda: document_frequency(np.ones((2, 2, 2))), ValueError,
     "document_frequency: `X` must be 2-D (documents, terms); got shape (2, 2, 2)"),
    (lambda: document_frequency(np.ones(2)), ValueError,
     "document_frequency: `X` must be 2-D (documents, terms); got shape (2,)"),
    (lambda: document_frequency(np.zeros((0, 2))), ValueError,
     "document_frequency: `X` has no document (shape (0, 2)); the corpus is empty"),
    (lambda: document_frequency(sp.csr_array(np.array([[0.0, -0.5]]))), ValueError,
     "document_frequency: `X` must hold counts >= 0; got -0.5"),
    (lambda: term_frequency(np.ones((1, 1)), variant="bool"), ValueError,
     "term_frequency: `variant` must be one of 'raw', 'length', 'log'; got 'bool'"),
    (lambda: term_frequency(np.ones(2)), ValueError, "term_frequency: `X` must be 2-D"),
    (lambda: idf([1], 2, variant="bm25"), ValueError, "idf: `variant` must be one of "),
    (lambda: idf([1, 0], 2, variant="plain"), ValueError,
     "idf: variant 'plain' needs every `df` >= 1 (ln(N/0) is infinite); got df=0 for term 1. "
     "Use variant='smooth' or 'textbook', or drop terms that occur in no document"),
    (lambda: idf([0], 2, variant="unsmoothed"), ValueError, "idf: variant 'unsmoothed' needs"),
    (lambda: idf([1], 0), ValueError,
     "idf: `n_docs` must be an integer >= 1 (an empty corpus has no IDF); got 0"),
    (lambda: idf([1], True), ValueError, "idf: `n_docs` must be an integer >= 1"),
    (lambda: idf([1], 2.0), ValueError, "idf: `n_docs` must be an integer >= 1"),
    (lambda: idf(["1"], 2), TypeError, "idf: `df` must be an array of document counts; got dtype"),
    (lambda: idf([[1]], 2), ValueError, "idf: `df` must be 1-D (terms,); got shape (1, 1)"),
    (lambda: idf([0, 3], 2), ValueError, "idf: `df` must lie in [0, n_docs=2]; got values in "
     "[0, 3]"),
    (lambda: idf([-1, 1], 2), ValueError, "idf: `df` must lie in [0, n_docs=2]; got values in "
     "[-1, 1]"),
    (lambda: tfidf(np.ones((1, 2)), norm="l1"), ValueError,
     "tfidf: `norm` must be 'l2' or None; got 'l1'"),
    (lambda: tfidf(np.ones((1, 2)), idf_weights=[1.0]), ValueError,
     "tfidf: `idf_weights` must have shape (terms,) = (2,) to match `X`; got (1,)"),
    (lambda: l2_normalize_rows(np.zeros((0, 1))), ValueError,
     "l2_normalize_rows: `X` has no document"),
])
def test_error_messages(call, error, message):
    assert_error_names(call, error, [message])


def test_counting_by_hand():
    X, terms = document_term_matrix(["b a b", ["c", "a"], ""])
    assert terms == ["a", "b", "c"]
    assert X.dtype == np.int64
    np.testing.assert_array_equal(X.toarray(), [[1, 2, 0], [1, 0, 1], [0, 0, 0]])
    X, terms = document_term_matrix(["The cat", ["THE", "Dog"]], lowercase=True,
                                    stop_words=["the"])
    assert terms == ["cat", "dog"]
    np.testing.assert_array_equal(X.toarray(), [[1, 0], [0, 1]])
    X, terms = document_term_matrix(["a-b c", "b-a"], tokenizer=lambda s: s.split("-"))
    assert terms == ["a", "b", "b c"]          # the tokenizer, not str.split, cuts them
    np.testing.assert_array_equal(X.toarray(), [[1, 0, 1], [1, 1, 0]])
    X, _ = document_term_matrix(["x y z", "y q"], vocabulary={"y": 1, "x": 0})
    np.testing.assert_array_equal(X.toarray(), [[1, 1], [0, 1]])
    X, terms = document_term_matrix(["a b", "a c", "a b"], min_df=2)
    assert terms == ["a", "b"]
    np.testing.assert_array_equal(X.toarray(), [[1, 1], [1, 0], [1, 1]])
    X, terms = document_term_matrix(["a b", "a c"], min_df=1)
    assert terms == ["a", "b", "c"]
    np.testing.assert_array_equal(bag_of_words("b a zz a", ["a", "b"]), [2, 1])
    np.testing.assert_array_equal(bag_of_words("A-B", ["A", "B"], tokenizer=lambda s:
                                               s.split("-")), [1, 1])


def test_weights_by_hand():
    X = np.array([[2, 0, 1], [0, 0, 3]])
    np.testing.assert_array_equal(document_frequency(X), [1, 0, 2])
    assert document_frequency(sp.csr_array(np.array([[0.0, 1.0]]))).tolist() == [0, 1]
    np.testing.assert_allclose(term_frequency(X, "length").toarray(),
                               [[2 / 3, 0, 1 / 3], [0, 0, 1]])
    np.testing.assert_allclose(term_frequency(X, "log").toarray(),
                               [[1 + math.log(2), 0, 1], [0, 0, 1 + math.log(3)]])
    np.testing.assert_array_equal(term_frequency(X).toarray(), X)
    df = [1, 0, 2]
    np.testing.assert_allclose(idf(df, 2, "textbook"), np.log(2 / np.array([2, 1, 3])))
    np.testing.assert_allclose(idf(df, 2), np.log(3 / np.array([2, 1, 3])) + 1)
    np.testing.assert_allclose(idf([1, 2], 2, "plain"), [math.log(2), 0.0])
    np.testing.assert_allclose(idf([1, 2], np.int64(2), "unsmoothed"), [math.log(2) + 1, 1.0])
    W = tfidf(X, norm=None)
    np.testing.assert_allclose(W.toarray()[1], [0, 0, 3 * 1.0])
    W = tfidf(X, idf_weights=[1.0, 1.0, 1.0])
    np.testing.assert_allclose(W.toarray(), [[2 / math.sqrt(5), 0, 1 / math.sqrt(5)], [0, 0, 1]])
    np.testing.assert_allclose(l2_normalize_rows([[3, 4], [0, 0]]).toarray(),
                               [[0.6, 0.8], [0, 0]])
