"""Vector similarity (seqcore.similarity): cosine, Euclidean and Jaccard against
scipy.spatial.distance, on dense, sparse and torch inputs, and small cases by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from seqcore import (
    ShapeError,
    cosine_similarity,
    document_term_matrix,
    euclidean_distance,
    jaccard_similarity,
    one_hot,
    tfidf,
)
from tests._require import require
from tests.unit.corpora import zipf_corpus
from tests.unit.errors import assert_error_names

distance = require("scipy.spatial.distance")


torch = require("torch")


TOL = 1e-12


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
    assert np.shape(got) == ref.shape          # assert_allclose alone would broadcast (1, 4)
    np.testing.assert_allclose(got, ref, rtol=0, atol=TOL)
    scored = cosine_similarity(x, y, zero=0.0)     # no zero vector here: the same result
    assert np.shape(scored) == ref.shape
    np.testing.assert_allclose(scored, ref, rtol=0, atol=TOL)
    tt = cosine_similarity(torch.from_numpy(x), torch.from_numpy(y))
    assert isinstance(tt, torch.Tensor) and tuple(tt.shape) == ref.shape
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
    # a 1-D side keeps its axis off: (), (3,), (2, 3)
    assert np.shape(got) == tuple(n for n, s in zip(ref.shape, shapes, strict=True) if len(s) == 2)
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


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: cosine_similarity(np.ones(3), np.ones(4)), ShapeError,
         ["cosine_similarity: `y`", "d=3", "(4,)"]),
        (lambda: cosine_similarity(np.zeros(3), np.ones(3)), ValueError,
         ["cosine_similarity: `x`", "zero vector", "zero=0.0"]),
        (lambda: cosine_similarity(np.ones((2, 3)), np.array([[1.0, 0, 0], [0, 0, 0]])),
         ValueError, ["cosine_similarity: `y`", "zero vector at row 1"]),
        (lambda: cosine_similarity(np.ones((2, 2, 2)), np.ones(2)), ShapeError,
         ["cosine_similarity: `x`", "3-D"]),
        (lambda: cosine_similarity(np.ones(3), torch.ones(3)), TypeError,
         ["cosine_similarity", "one library"]),
        (lambda: euclidean_distance(np.ones((2, 3)), np.ones((2, 4))), ShapeError,
         ["euclidean_distance: `y`", "d=3", "(2, 4)"]),
        (lambda: jaccard_similarity("abc", "abx"), TypeError,
         ["jaccard_similarity: `a`", "collection", "Split a string"]),
        (lambda: jaccard_similarity(np.ones(3), np.ones(4)), ShapeError,
         ["jaccard_similarity", "same length", "(3,)", "(4,)"]),
        (lambda: jaccard_similarity(np.ones(3), [1, 2]), TypeError,
         ["jaccard_similarity: `a` and `b`", "both be arrays"]),
        (lambda: jaccard_similarity(np.ones((1, 2)), np.ones((1, 2))), ShapeError,
         ["jaccard_similarity: `a`", "1-D array", "2-D"]),
        (lambda: jaccard_similarity(5, ["a"]), TypeError, ["jaccard_similarity: `a`", "int"]),
        (lambda: jaccard_similarity(["a"], [["x"]]), TypeError,
         ["jaccard_similarity: `b`", "unhashable"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


def test_zero_vectors_in_a_torch_graph():
    """The zero-vector check reads the norms on the host without breaking the graph."""
    Z = torch.tensor([[0.0, 0.0], [1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    assert_error_names(lambda: cosine_similarity(Z, Z), ValueError,
                       ["cosine_similarity: `x`", "zero vector at row 0"])
    c = cosine_similarity(Z, Z, zero=0.0)
    c.sum().backward()
    assert Z.grad is not None and torch.isfinite(Z.grad).all()
    np.testing.assert_allclose(c.detach().numpy(), [[0.0, 0.0], [0.0, 1.0]], atol=1e-15)


@pytest.mark.formula("distance.euclidean")
def test_sparse_distances_do_not_cancel():
    """‖x‖² + ‖y‖² − 2 x·y loses every digit for [1e8, 1, 2] and [1e8, 2, 2]: recomputed."""
    x, y = np.array([[1e8, 1.0, 2.0]]), np.array([[1e8, 2.0, 2.0]])
    ref = distance.cdist(x, y, "euclidean")
    np.testing.assert_allclose(euclidean_distance(sp.csr_array(x), sp.csr_array(y)), ref,
                               rtol=1e-12)
    np.testing.assert_allclose(euclidean_distance(x, y), ref, rtol=1e-12)
    X = sp.csr_array(np.array([[1e8, 1.0, 2.0], [3.0, 0.0, 4.0]]))
    np.testing.assert_allclose(euclidean_distance(X, X).diagonal(), 0.0, atol=0)
    # ‖x‖² + ‖y‖² − 2 x·y gives 8, not 9, for [1e8, 3] and [1e8, 0]: a wrong value that is not
    # near zero is recomputed too (the test is relative to ‖x‖² + ‖y‖², not absolute)
    x, y = np.array([[1e8, 3.0]]), np.array([[1e8, 0.0]])
    assert euclidean_distance(sp.csr_array(x), sp.csr_array(y)).tolist() == [[3.0]]


def test_sparse_and_dense_mixes_by_hand():
    Y = sp.csr_array(np.array([[3.0, 4.0], [0.0, 0.0]]))
    d = euclidean_distance(np.array([0.0, 0.0]), Y)          # a 1-D x keeps its axis off
    assert d.shape == (2,)
    np.testing.assert_allclose(d, [5.0, 0.0])
    d = euclidean_distance(Y, np.array([3.0, 4.0]))
    assert d.shape == (2,)
    np.testing.assert_allclose(d, [0.0, 5.0], atol=1e-12)
    ints = euclidean_distance(sp.csr_array(np.array([[1, 2]])), np.array([[4, 6]]))
    np.testing.assert_allclose(ints, [[5.0]])
    # A zero row scored as 0 when asked to, also in the sparse path (scaling must not make NaN).
    c = cosine_similarity(Y, np.array([1.0, 0.0]), zero=0.0)
    np.testing.assert_allclose(c, [0.6, 0.0])
    assert_error_names(lambda: cosine_similarity(Y, np.array([1.0, 0.0])), ValueError,
                       ["cosine_similarity: `x`", "zero vector at row 1", "undefined (0/0)",
                        "zero=0.0"])
    assert_error_names(lambda: cosine_similarity(np.ones(2), np.zeros(2)), ValueError,
                       ["cosine_similarity: `y`", "is the zero vector"])
    # Integer and boolean inputs are promoted to float64 on the dense path.
    np.testing.assert_allclose(cosine_similarity(np.array([1, 0]), np.array([True, True])),
                               np.sqrt(0.5))


def test_jaccard_by_hand():
    assert jaccard_similarity(["a", "b", "c"], ["b", "c", "d"]) == 0.5
    assert jaccard_similarity([], []) == 1.0
    assert jaccard_similarity(np.array([1, 0, 2]), np.array([0, 0, 3])) == 0.5
    assert jaccard_similarity(torch.tensor([1, 0, 2]), torch.tensor([0, 0, 3])) == 0.5
    assert jaccard_similarity(torch.tensor([1.0, 0.0], requires_grad=True),
                              torch.tensor([1.0, 1.0])) == 0.5


# Rows scaled by their largest entry, then x·x / (||x|| ||x||) rounds to 1 + 2^-52 for this
# vector: the cosine must still be clipped into [-1, 1] on both paths.
ROUNDS_OVER = np.array([0.5715298307297609, 0.32186939107594215, 0.5943000301996968,
                        0.33791122550713326, 0.39161900052816123])


@pytest.mark.parametrize("sparse", [False, True])
def test_cosine_is_clipped_and_shaped(sparse):
    wrap = sp.csr_array if sparse else np.asarray
    both = np.stack([ROUNDS_OVER, -ROUNDS_OVER])
    c = cosine_similarity(wrap(both), wrap(both))
    assert c.tolist() == [[1.0, -1.0], [-1.0, 1.0]]
    c = cosine_similarity(wrap(both), wrap(both), zero=0.0)
    assert c.tolist() == [[1.0, -1.0], [-1.0, 1.0]]
    # zero=0.5 fills exactly the pairs that touch a zero row, on either side.
    X = np.array([[1.0, 0.0], [0.0, 0.0]])
    c = cosine_similarity(wrap(X), wrap(X[::-1]), zero=0.5)
    np.testing.assert_array_equal(c, [[0.5, 1.0], [0.5, 0.5]])
    assert_error_names(lambda: cosine_similarity(wrap(X[::-1]), wrap(X)), ValueError,
                       ["cosine_similarity: `x`", "zero vector at row 0"])
    assert_error_names(lambda: cosine_similarity(wrap(X[:1]), wrap(X)), ValueError,
                       ["cosine_similarity: `y`", "zero vector at row 1"])
    # A 1-D dense side keeps its axis off in the result.
    assert cosine_similarity(np.array([1.0, 0.0]), wrap(X[:1])).shape == (1,)
    assert cosine_similarity(wrap(X[:1]), np.array([1.0, 0.0])).shape == (1,)
    assert_error_names(lambda: cosine_similarity(np.zeros(2), wrap(X[:1])), ValueError,
                       ["cosine_similarity: `x`", "is the zero vector"])
    assert_error_names(lambda: cosine_similarity(wrap(X[:1]), np.zeros(2)), ValueError,
                       ["cosine_similarity: `y`", "is the zero vector"])

