"""One-hot, BoW, DTM, TF, IDF and TF-IDF against scikit-learn, torch and gensim;
cosine, Euclidean and Jaccard against scipy.spatial.distance."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from seqcore import (
    ShapeError,
    bag_of_words,
    cosine_similarity,
    document_frequency,
    document_term_matrix,
    euclidean_distance,
    idf,
    jaccard_similarity,
    l2_normalize_rows,
    one_hot,
    term_frequency,
    tfidf,
)
from tests._require import require
from tests.unit.errors import assert_error_names

text = require("sklearn.feature_extraction.text")
preprocessing = require("sklearn.preprocessing")
distance = require("scipy.spatial.distance")
torch = require("torch")

TOL = 1e-12


def zipf_corpus(n_docs: int, n_words: int = 300, seed: int = 0, empty: bool = True) -> list[str]:
    """Seeded documents whose word frequencies follow a Zipf law; some empty documents."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(n_words)])
    docs = []
    for i in range(n_docs):
        length = 0 if (empty and i % 17 == 5) else int(rng.integers(1, 40))
        ranks = np.minimum(rng.zipf(1.3, size=length), n_words) - 1
        docs.append(" ".join(words[ranks]))
    return docs


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


def test_pretokenized_documents_equal_strings():
    docs = zipf_corpus(30, seed=5)
    A, ta = document_term_matrix(docs)
    B, tb = document_term_matrix([d.split() for d in docs])
    assert ta == tb and (A != B).nnz == 0


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


def test_stays_sparse_on_a_large_corpus():
    docs = zipf_corpus(5000, n_words=20000, seed=9)
    X, _ = document_term_matrix(docs)
    W = tfidf(X)
    assert sp.issparse(W) and W.nnz == X.nnz and W.nnz < 0.01 * W.shape[0] * W.shape[1]


# --- similarity --------------------------------------------------------------------------

@pytest.mark.formula("similarity.cosine")
@pytest.mark.parametrize("shapes", [((5,), (5,)), ((5,), (4, 5)), ((3, 5), (5,)),
                                    ((3, 5), (4, 5))])
def test_cosine_matches_scipy(shapes):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    ref = 1.0 - distance.cdist(np.atleast_2d(x), np.atleast_2d(y), "cosine")
    ref = ref.reshape(np.broadcast_shapes(*(s[:-1] for s in shapes)) if len(shapes[0]) < 2 or
                      len(shapes[1]) < 2 else ref.shape)
    got = cosine_similarity(x, y)
    np.testing.assert_allclose(got, ref, rtol=0, atol=TOL)
    tt = cosine_similarity(torch.from_numpy(x), torch.from_numpy(y))
    assert isinstance(tt, torch.Tensor)
    np.testing.assert_allclose(tt.numpy(), ref, rtol=0, atol=TOL)


@pytest.mark.formula("similarity.cosine")
def test_cosine_on_tfidf_rows_matches_scipy_and_linear_kernel():
    docs = zipf_corpus(40, seed=2, empty=False)
    X, _ = document_term_matrix(docs)
    W = tfidf(X)
    ref = 1.0 - distance.cdist(W.toarray(), W.toarray(), "cosine")
    np.testing.assert_allclose(cosine_similarity(W, W), ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cosine_similarity(W[[0]], W.toarray()[3]), ref[0, 3], atol=1e-12)


@pytest.mark.formula("distance.euclidean")
@pytest.mark.parametrize("shapes", [((6,), (6,)), ((6,), (3, 6)), ((2, 6), (3, 6))])
def test_euclidean_matches_scipy(shapes):
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    ref = distance.cdist(np.atleast_2d(x), np.atleast_2d(y), "euclidean")
    got = euclidean_distance(x, y)
    np.testing.assert_allclose(np.atleast_2d(got).reshape(ref.shape), ref, rtol=0, atol=TOL)
    gt = euclidean_distance(torch.from_numpy(x), torch.from_numpy(y))
    np.testing.assert_allclose(np.atleast_2d(gt.numpy()).reshape(ref.shape), ref, atol=TOL)
    gs = euclidean_distance(sp.csr_array(np.atleast_2d(x)), sp.csr_array(np.atleast_2d(y)))
    np.testing.assert_allclose(gs, ref, rtol=0, atol=1e-10)


@pytest.mark.formula("distance.euclidean")
def test_one_hot_vectors_are_all_sqrt2_apart_and_orthogonal():
    E = one_hot(np.arange(5), 5).astype(float)
    D = euclidean_distance(E, E)
    np.testing.assert_allclose(D, math.sqrt(2) * (1 - np.eye(5)), atol=TOL)
    np.testing.assert_allclose(cosine_similarity(E, E), np.eye(5), atol=TOL)


@pytest.mark.formula("similarity.jaccard")
def test_jaccard_matches_scipy():
    rng = np.random.default_rng(3)
    for _ in range(20):
        u, v = rng.random(12) > 0.5, rng.random(12) > 0.6
        ref = 1.0 - distance.jaccard(u, v)
        assert abs(jaccard_similarity(u, v) - ref) < TOL
        a = {i for i in range(12) if u[i]}
        b = {i for i in range(12) if v[i]}
        assert abs(jaccard_similarity(a, b) - ref) < TOL
    z = np.zeros(4, dtype=bool)
    assert jaccard_similarity(z, z) == 1.0 == 1.0 - distance.jaccard(z, z)
    assert jaccard_similarity([], []) == 1.0
    assert jaccard_similarity(["a", "a", "b"], ["b", "c"]) == pytest.approx(1 / 3)


@pytest.mark.gpu
@pytest.mark.formula("similarity.cosine", "distance.euclidean")
def test_cosine_and_euclidean_on_cuda_tensors():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(3, 8)), rng.normal(size=(5, 8))
    xc, yc = (torch.from_numpy(a).to("cuda") for a in (x, y))
    got = cosine_similarity(xc, yc)
    assert got.device.type == "cuda"
    np.testing.assert_allclose(got.cpu().numpy(), 1.0 - distance.cdist(x, y, "cosine"),
                               rtol=0, atol=TOL)
    np.testing.assert_allclose(euclidean_distance(xc, yc).cpu().numpy(),
                               distance.cdist(x, y, "euclidean"), rtol=0, atol=TOL)
    with pytest.raises(ValueError, match="`y` has a zero vector at row 0"):
        cosine_similarity(xc, torch.zeros(2, 8, dtype=torch.float64, device="cuda"))


# --- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: document_term_matrix([]), ValueError, ["`docs` is empty"]),
        (lambda: document_term_matrix(["", "  "]), ValueError, ["no term left", "empty"]),
        (lambda: document_term_matrix(["the a", "a"], stop_words=["the", "a"]), ValueError,
         ["no term left", "stop words"]),
        (lambda: document_term_matrix("the cat"), TypeError, ["`docs`", "str"]),
        (lambda: document_term_matrix([["a", 3]]), TypeError, ["`docs`", "str tokens", "int"]),
        (lambda: document_term_matrix([["a"], [["b"]]]), TypeError, ["`docs[1]`", "list"]),
        (lambda: document_term_matrix([["a", 3]], vocabulary=["a"]), TypeError,
         ["`docs[0]`", "position 1"]),
        (lambda: document_term_matrix([5]), TypeError, ["`docs[0]`", "int"]),
        (lambda: document_term_matrix(["a"], vocabulary={"a": 0, "b": 0}), ValueError,
         ["`vocabulary` mapping", "columns 0..1"]),
        (lambda: document_term_matrix(["a"], vocabulary=["a", "a"]), ValueError,
         ["`vocabulary`", "repeat"]),
        (lambda: document_term_matrix(["a"], min_df=0), ValueError, ["`min_df`"]),
        (lambda: one_hot([1, 5], 4), ValueError, ["`ids`", "[0, 3]", "5"]),
        (lambda: one_hot([0.5], 4), TypeError, ["`ids`", "float"]),
        (lambda: one_hot([0], 0), ValueError, ["`size`"]),
        (lambda: term_frequency(np.ones((2, 2)), "sqrt"), ValueError, ["`variant`", "'sqrt'"]),
        (lambda: term_frequency(np.zeros((0, 3))), ValueError, ["`X`", "empty"]),
        (lambda: term_frequency(np.array([[1, -1]])), ValueError, ["`X`", ">= 0"]),
        (lambda: term_frequency(np.array([["a"]])), TypeError, ["`X`", "dtype"]),
        (lambda: idf([1, 0], 3, "plain"), ValueError, ["`df` >= 1", "term 1", "smooth"]),
        (lambda: idf([1, 5], 3), ValueError, ["`df`", "[0, n_docs=3]"]),
        (lambda: idf([1], 0), ValueError, ["`n_docs`", "empty corpus"]),
        (lambda: idf([1], 3, "bm25"), ValueError, ["`variant`"]),
        (lambda: tfidf(np.ones((2, 3)), norm="l1"), ValueError, ["`norm`"]),
        (lambda: tfidf(np.ones((2, 3)), idf_weights=np.ones(2)), ValueError,
         ["`idf_weights`", "(3,)"]),
        (lambda: cosine_similarity(np.ones(3), np.ones(4)), ShapeError,
         ["`x` and `y`", "d=3", "d=4"]),
        (lambda: cosine_similarity(np.zeros(3), np.ones(3)), ValueError,
         ["`x`", "zero vector", "zero=0.0"]),
        (lambda: cosine_similarity(np.ones((2, 3)), np.array([[1.0, 0, 0], [0, 0, 0]])),
         ValueError, ["`y`", "row 1"]),
        (lambda: cosine_similarity(np.ones((2, 2, 2)), np.ones(2)), ShapeError, ["`x`", "3-D"]),
        (lambda: cosine_similarity(np.ones(3), torch.ones(3)), TypeError, ["one library"]),
        (lambda: euclidean_distance(np.ones((2, 3)), np.ones((2, 4))), ShapeError,
         ["`x` and `y`", "d=3", "d=4"]),
        (lambda: jaccard_similarity("abc", "abx"), TypeError, ["`a`", "tokens"]),
        (lambda: jaccard_similarity(np.ones(3), np.ones(4)), ShapeError, ["same length"]),
        (lambda: jaccard_similarity(np.ones(3), [1, 2]), TypeError, ["both be arrays"]),
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
