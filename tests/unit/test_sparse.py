"""Sparse representations (seqcore.sparse): one-hot, BoW, DTM, TF, IDF and TF-IDF against
scikit-learn, torch and gensim, and small corpora counted by hand."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from seqcore import (
    bag_of_words,
    cosine_similarity,
    document_frequency,
    document_term_matrix,
    idf,
    l2_normalize_rows,
    one_hot,
    term_frequency,
    tfidf,
)
from tests._require import require
from tests.unit.corpora import zipf_corpus
from tests.unit.errors import assert_error_names

text = require("sklearn.feature_extraction.text")
preprocessing = require("sklearn.preprocessing")
distance = require("scipy.spatial.distance")
torch = require("torch")

TOL = 1e-12


def sk_count(**kw):
    return text.CountVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False, **kw)


def sk_tfidf(**kw):
    return text.TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False, **kw)


SEEDS = [0, 1, 2]


# --- one-hot, BoW, DTM ---------------------------------------------------------------

@pytest.mark.formula("onehot.vector")
def test_one_hot_matches_torch():
    ids = [3, 0, 4, 4, 1]
    expected = torch.nn.functional.one_hot(torch.tensor(ids), num_classes=6).numpy()
    np.testing.assert_array_equal(one_hot(ids, 6), expected)
    np.testing.assert_array_equal(one_hot(2, 6), expected[0] * 0 + np.eye(6, dtype=int)[2])
    assert one_hot([], 3).shape == (0, 3)


@pytest.mark.formula("dtm.counts")
@pytest.mark.parametrize("seed", SEEDS)
def test_dtm_matches_count_vectorizer(seed):
    docs = zipf_corpus(200, seed=seed)
    X, terms = document_term_matrix(docs)
    vec = sk_count()
    R = vec.fit_transform(docs)
    assert terms == list(vec.get_feature_names_out())
    assert isinstance(X, sp.csr_array) and X.dtype == np.int64
    assert (X != R).nnz == 0


@pytest.mark.formula("dtm.counts")
def test_dtm_options_match_count_vectorizer():
    docs = ["The cat SAT", "the Dog sat on THE log", "a cat"]
    stop = ["the", "a", "on"]
    X, terms = document_term_matrix(docs, lowercase=True, stop_words=stop)
    vec = text.CountVectorizer(tokenizer=str.split, token_pattern=None, stop_words=stop)
    assert terms == list(vec.fit(docs).get_feature_names_out())
    assert (X != vec.transform(docs)).nnz == 0
    docs = zipf_corpus(150, seed=4)
    X, terms = document_term_matrix(docs, min_df=3)
    vec = sk_count(min_df=3)
    R = vec.fit_transform(docs)
    assert terms == list(vec.get_feature_names_out()) and (X != R).nnz == 0


@pytest.mark.formula("dtm.counts", "bow.vector")
def test_fixed_vocabulary_and_bow_match_count_vectorizer():
    vocab = ["w5", "w0", "w3", "never"]
    docs = zipf_corpus(50, seed=3)
    X, terms = document_term_matrix(docs, vocabulary=vocab)
    R = sk_count(vocabulary=vocab).fit_transform(docs)
    assert terms == vocab and (X != R).nnz == 0
    for i in (0, 1, 7):
        np.testing.assert_array_equal(bag_of_words(docs[i], vocab), R[[i]].toarray()[0])
    np.testing.assert_array_equal(bag_of_words(docs[0].split(), vocab), R[[0]].toarray()[0])
    mapping = {"w3": 1, "w5": 0, "w0": 2}                    # a fitted model's {term: column}
    X, terms = document_term_matrix(docs, vocabulary=mapping)
    assert terms == ["w5", "w3", "w0"]
    assert (X != sk_count(vocabulary=mapping).fit_transform(docs)).nnz == 0


def test_a_fixed_vocabulary_ignores_min_df_and_keeps_unseen_terms():
    """As in scikit-learn: ``min_df`` prunes a vocabulary learned from ``docs``, not a given
    one; a given term that no document holds keeps its (empty) column."""
    vocab = ["w0", "w1", "never"]
    docs = zipf_corpus(40, seed=6)
    X, terms = document_term_matrix(docs, vocabulary=vocab, min_df=5)
    R = sk_count(vocabulary=vocab, min_df=5).fit_transform(docs)
    assert terms == vocab and X.shape == R.shape and (X != R).nnz == 0
    binary = sk_count(vocabulary=vocab, binary=True).fit_transform(docs)
    df = document_frequency(X)               # one entry per column, the empty last one too
    np.testing.assert_array_equal(df, np.asarray(binary.sum(axis=0)).ravel())
    assert df.shape == (3,) and df[-1] == 0

def test_pretokenized_documents_equal_strings():
    docs = zipf_corpus(30, seed=5)
    A, ta = document_term_matrix(docs)
    B, tb = document_term_matrix([d.split() for d in docs])
    assert ta == tb and (A != B).nnz == 0


def test_token_lists_keep_their_case_unless_asked():
    docs = ["The cat saw THE cat", "the Dog"]
    for lowercase in (False, True):
        X, terms = document_term_matrix([d.split() for d in docs], lowercase=lowercase)
        vec = sk_count() if not lowercase else text.CountVectorizer(tokenizer=str.split,
                                                                    token_pattern=None)
        R = vec.fit_transform(docs)
        assert terms == list(vec.get_feature_names_out()) and (X != R).nnz == 0


def test_a_tokenizer_that_returns_non_str_tokens_is_refused_for_a_fixed_vocabulary():
    """Tokens that a given tokenizer made are checked like tokens given in a list: an id
    the vocabulary lacks is not silently dropped when it is not a str."""
    lengths = lambda s: [len(w) for w in s.split()]  # noqa: E731
    assert_error_names(lambda: document_term_matrix(["a b", "c dd"], vocabulary=["a"],
                                                    tokenizer=lengths),
                       TypeError, ["document_term_matrix: `docs[0]`", "int (1)", "position 0"])
    assert_error_names(lambda: document_term_matrix(["a b"], tokenizer=lengths),
                       TypeError, ["document_term_matrix: `docs`", "str tokens", "int (1)"])

# --- TF, DF, IDF, TF-IDF -------------------------------------------------------------

@pytest.mark.formula("idf.df")
def test_document_frequency_matches_binary_counts():
    docs = zipf_corpus(120, seed=1)
    X, _ = document_term_matrix(docs)
    binary = sk_count(binary=True).fit_transform(docs)
    np.testing.assert_array_equal(document_frequency(X), np.asarray(binary.sum(axis=0)).ravel())
    np.testing.assert_array_equal(document_frequency(X.toarray()), document_frequency(X))


@pytest.mark.formula("tf.raw", "tf.length", "tf.log")
@pytest.mark.parametrize("seed", SEEDS)
def test_tf_variants_match_sklearn(seed):
    docs = zipf_corpus(100, seed=seed)
    X, _ = document_term_matrix(docs)
    R = sk_count().fit_transform(docs)
    assert abs(term_frequency(X, "raw") - R).max() == 0
    l1 = preprocessing.normalize(R.astype(float), norm="l1")           # f / |d|
    assert abs(term_frequency(X, "length") - l1).max() < TOL
    sub = sk_tfidf(use_idf=False, sublinear_tf=True, norm=None).fit_transform(docs)
    assert abs(term_frequency(X, "log") - sub).max() < TOL


@pytest.mark.formula("idf.smooth", "idf.unsmoothed", "idf.plain")
@pytest.mark.parametrize("seed", SEEDS)
def test_idf_variants_match_sklearn_and_gensim(seed):
    gensim_tfidf = require("gensim.models.tfidfmodel")
    docs = zipf_corpus(90, seed=seed)
    X, _ = document_term_matrix(docs)
    df, N = document_frequency(X), X.shape[0]
    for smooth, variant in ((True, "smooth"), (False, "unsmoothed")):
        ref = sk_tfidf(smooth_idf=smooth).fit(docs).idf_
        np.testing.assert_allclose(idf(df, N, variant), ref, rtol=0, atol=TOL)
    plain = [gensim_tfidf.df2idf(int(d), N, log_base=math.e) for d in df]   # ln(N / df)
    np.testing.assert_allclose(idf(df, N, "plain"), plain, rtol=0, atol=TOL)


@pytest.mark.formula("idf.textbook", "idf.plain")
def test_idf_hand_worked():
    # N = 4 documents; df = 1, 2, 3, 4
    np.testing.assert_allclose(idf([1, 2, 3, 4], 4, "textbook"),
                               [math.log(2), math.log(4 / 3), 0.0, math.log(4 / 5)], atol=TOL)
    np.testing.assert_allclose(idf([1, 2, 3, 4], 4, "plain"),
                               [math.log(4), math.log(2), math.log(4 / 3), 0.0], atol=TOL)
    assert idf([4], 4, "textbook")[0] < 0          # a word in every document: negative weight


@pytest.mark.formula("tfidf.weight", "tfidf.l2")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("smooth", [True, False])
@pytest.mark.parametrize("norm", ["l2", None])
@pytest.mark.parametrize("sublinear", [True, False])
def test_tfidf_matches_tfidf_vectorizer(seed, smooth, norm, sublinear):
    docs = zipf_corpus(150, seed=seed)
    X, _ = document_term_matrix(docs)
    ref = sk_tfidf(smooth_idf=smooth, norm=norm, sublinear_tf=sublinear).fit_transform(docs)
    got = tfidf(X, tf="log" if sublinear else "raw",
                idf_variant="smooth" if smooth else "unsmoothed", norm=norm)
    assert isinstance(got, sp.csr_array)
    assert abs(got - ref).max() < TOL


@pytest.mark.formula("tfidf.weight")
def test_fitted_idf_transforms_new_documents_like_sklearn():
    train, new = zipf_corpus(120, seed=7), zipf_corpus(40, seed=8)
    vec = sk_tfidf().fit(train)
    X, terms = document_term_matrix(train)
    w = idf(document_frequency(X), X.shape[0], "smooth")
    Y, _ = document_term_matrix(new, vocabulary=terms)
    assert abs(tfidf(Y, idf_weights=w) - vec.transform(new)).max() < TOL


@pytest.mark.formula("tfidf.l2")
def test_l2_normalize_matches_sklearn_normalize():
    rng = np.random.default_rng(0)
    A = sp.random(30, 20, density=0.2, random_state=1, format="csr") * 5
    A = A.multiply(rng.random(A.shape) > 0.5).tocsr()        # some all-zero rows
    ref = preprocessing.normalize(A, norm="l2")
    assert abs(l2_normalize_rows(A) - ref).max() < TOL


def test_l2_normalize_is_exact_where_squares_leave_float64():
    """Rows whose squares overflow or underflow (entries near 1e±200, unequal) are divided
    by their norm as ``math.hypot`` gives it; a row of stored zeros stays zero, with no NaN
    and no warning.
    scikit-learn's ``normalize`` returns zeros or infinities for such rows."""
    rows = [[3e200, 4e200, 0.0], [1e-200, 2e-200, 2e-200], [5e-170, 0.0, 12e-170],
            [1e300, 2e300, 1e299]]
    want = np.array([[x / math.hypot(*r) for x in r] for r in rows])
    got = l2_normalize_rows(np.array(rows)).toarray()
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    zeros = sp.csr_array((np.zeros(2), [0, 2], [0, 2, 2]), shape=(2, 3))   # stored zeros
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # no 0/0 on the way
        out = l2_normalize_rows(zeros)
    assert np.isfinite(out.data).all() and not out.toarray().any()

def test_stays_sparse_on_a_large_corpus():
    docs = zipf_corpus(5000, n_words=20000, seed=9)
    X, _ = document_term_matrix(docs)
    W = tfidf(X)
    assert sp.issparse(W) and W.nnz == X.nnz and W.nnz < 0.01 * W.shape[0] * W.shape[1]


# --- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: document_term_matrix([]), ValueError, ["document_term_matrix: `docs` is empty"]),
        (lambda: document_term_matrix(["", "  "]), ValueError,
         ["document_term_matrix: no term left", "empty"]),
        (lambda: document_term_matrix(["the a", "a"], stop_words=["the", "a"]), ValueError,
         ["document_term_matrix: no term left", "stop words"]),
        (lambda: document_term_matrix("the cat"), TypeError, ["document_term_matrix: `docs`",
                                                              "str"]),
        (lambda: document_term_matrix([["a", 3]]), TypeError,
         ["document_term_matrix: `docs`", "str tokens", "int"]),
        (lambda: document_term_matrix([["a"], [["b"]]]), TypeError,
         ["document_term_matrix: `docs[1]`", "list"]),
        (lambda: document_term_matrix([["a", 3]], vocabulary=["a"]), TypeError,
         ["document_term_matrix: `docs[0]`", "position 1"]),
        (lambda: document_term_matrix([5]), TypeError, ["document_term_matrix: `docs[0]`", "int"]),
        (lambda: document_term_matrix(["a"], vocabulary={"a": 0, "b": 0}), ValueError,
         ["document_term_matrix: a `vocabulary` mapping", "columns 0..1"]),
        (lambda: document_term_matrix(["a"], vocabulary=["a", "a"]), ValueError,
         ["document_term_matrix: `vocabulary`", "repeat"]),
        (lambda: document_term_matrix(["a", "b"], min_df=3), ValueError,
         ["document_term_matrix", "`min_df`=3"]),
        (lambda: bag_of_words(["a"], "abc"), TypeError,
         ["bag_of_words: `vocabulary`", "list of terms", "a single str"]),
        (lambda: bag_of_words(5, ["a"]), TypeError, ["bag_of_words: `tokens`", "int"]),
        (lambda: bag_of_words([1, 2], ["a"]), TypeError, ["bag_of_words: `tokens`",
                                                          "list of str tokens"]),
        (lambda: one_hot([1, 5], 4), IndexError, ["one_hot: `ids`", "[0, 3]", "5"]),
        (lambda: one_hot([-1], 4), ValueError, ["one_hot: `ids`", "[0, 3]", "-1"]),
        (lambda: one_hot([[0], [1]], 2), ValueError, ["one_hot: `ids`", "1-D (n,)", "(2, 1)"]),
        (lambda: term_frequency(np.array([[1, -1]])), ValueError,
         ["term_frequency: `X`", ">= 0", "-1"]),
        (lambda: document_frequency(np.ones(3)), ValueError,
         ["document_frequency: `X`", "2-D (docs, terms)", "(3,)"]),
        (lambda: idf([1, 0], 3, "plain"), ValueError, ["idf: variant 'plain'", "`df` >= 1",
                                                       "term 1", "smooth"]),
        (lambda: idf([1, 5], 3), ValueError, ["idf: `df`", "[0, 3]", "n_docs=3"]),
        (lambda: idf([0], 2, variant="unsmoothed"), ValueError,
         ["idf: variant 'unsmoothed'", "`df` >= 1"]),
        (lambda: document_term_matrix(["a"], vocabulary={"a": 0, "b": 2}), ValueError,
         ["document_term_matrix: a `vocabulary` mapping", "2 terms", "columns 0..1"]),
        (lambda: document_term_matrix(["a"], vocabulary={"a": -1, "b": 1}), ValueError,
         ["document_term_matrix: a `vocabulary` mapping"]),
        (lambda: document_term_matrix(b"a b"), TypeError,
         ["document_term_matrix: `docs`", "list of documents", "bytes"]),
        (lambda: document_term_matrix([["a", ["b"]]]), TypeError,
         ["document_term_matrix: `docs[0]`", "str tokens", "list (['b'])", "position 1"]),
        (lambda: document_frequency(np.array([["a"]], dtype=object)), TypeError,
         ["document_frequency: `X`", "dtype", "object"]),
        (lambda: document_frequency(sp.csr_array(np.array([[0.0, -0.5]]))), ValueError,
         ["document_frequency: `X`", ">= 0", "-0.5"]),
        (lambda: tfidf(np.ones((2, 3)), idf_weights=np.ones(2)), ValueError,
         ["tfidf: `idf_weights`", "terms=3", "(2,)"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


def test_documented_values_for_empty_documents():
    """An empty document is an all-zero row: TF, TF-IDF and L2 keep it zero, never NaN."""
    X, _ = document_term_matrix(["a b", "", "b b c"])
    for variant in ("raw", "length", "log"):
        T = term_frequency(X, variant).toarray()
        assert np.isfinite(T).all() and not T[1].any()
    W = tfidf(X).toarray()
    assert np.isfinite(W).all() and not W[1].any()
    np.testing.assert_allclose(cosine_similarity(W, W, zero=0.0)[1], 0.0)
    assert np.isfinite(cosine_similarity(W, W, zero=0.0)).all()
    Y, _ = document_term_matrix(["zzz", "a"], vocabulary=["a", "b"])   # unknown words only
    assert Y.toarray().tolist() == [[0, 0], [1, 0]]


# --- small corpora counted and weighted by hand ---------------------------------------

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
