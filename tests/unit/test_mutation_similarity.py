"""Cases the mutation run (``bash .ci/mutation``) found untested in seqcore.similarity and
the one-hot encoder of seqcore.sparse: messages, sparse/dense mixes and torch tensors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from seqcore import cosine_similarity, euclidean_distance, jaccard_similarity, one_hot
from tests.unit.errors import assert_derived_errors, assert_error_names


@pytest.mark.parametrize("func", [cosine_similarity, euclidean_distance])
def test_errors_name_the_function(func):
    name = func.__name__
    assert_derived_errors(func, {"x": np.ones(3), "y": np.ones((2, 3))}, floats=[],
                          ragged=["x", "y"], sizes=["x", "y"])
    assert_error_names(lambda: func(np.ones((1, 1, 3)), np.ones(3)), ValueError,
                       [f"{name}: `x` must be 1-D (d,) or 2-D (rows, d); got 3-D shape (1, 1, 3)"])
    assert_error_names(lambda: func(np.ones(2), np.ones(3)), ValueError,
                       [f"{name}: `x` and `y` must have the same length d; got d=2 for `x` "
                        "(shape (2,)) and d=3 for `y` (shape (3,))"])
    assert_error_names(lambda: func(np.ones(0), np.ones(0)), ValueError,
                       [f"{name}: the vectors are empty (d=0)"])
    assert_error_names(lambda: func(np.ones(1), sp.csr_array(np.array([[True]]))),
                       TypeError, [f"{name}: `y` must hold numbers; got dtype bool"])


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
                       ["cosine_similarity: `x` has a zero vector at row 1; its angle to anything "
                        "is undefined (0/0). Drop empty documents first, or pass zero=0.0 to "
                        "score such pairs as 0"])
    assert_error_names(lambda: cosine_similarity(np.ones(2), np.zeros(2)), ValueError,
                       ["cosine_similarity: `y` is the zero vector;"])
    # Integer and boolean inputs are promoted to float64 on the dense path.
    np.testing.assert_allclose(cosine_similarity(np.array([1, 0]), np.array([True, True])),
                               np.sqrt(0.5))


def test_jaccard_by_hand():
    assert jaccard_similarity(["a", "b", "c"], ["b", "c", "d"]) == 0.5
    assert jaccard_similarity([], []) == 1.0
    assert jaccard_similarity(np.array([1, 0, 2]), np.array([0, 0, 3])) == 0.5
    torch = pytest.importorskip("torch")
    assert jaccard_similarity(torch.tensor([1, 0, 2]), torch.tensor([0, 0, 3])) == 0.5
    assert_error_names(lambda: jaccard_similarity(np.ones(2), [1, 1]), TypeError,
                       ["jaccard_similarity: `a` and `b` must both be arrays or both be "
                        "collections; got ndarray and list"])
    assert_error_names(lambda: jaccard_similarity(np.ones(2), np.ones(3)), ValueError,
                       ["jaccard_similarity: array inputs must be 1-D of the same length; got "
                        "`a` (2,) and `b` (3,)"])
    assert_error_names(lambda: jaccard_similarity(np.ones((1, 2)), np.ones((1, 2))), ValueError,
                       ["jaccard_similarity: array inputs must be 1-D"])
    assert_error_names(lambda: jaccard_similarity(["a"], "ab"), TypeError,
                       ["jaccard_similarity: `b` must be a collection of items (e.g. a token "
                        "list) or a 1-D array; got str. Split a string into tokens first"])
    assert_error_names(lambda: jaccard_similarity(5, ["a"]), TypeError,
                       ["jaccard_similarity: `a` must be a collection", "got int"])
    assert_error_names(lambda: jaccard_similarity(["a"], [["x"]]), TypeError,
                       ["jaccard_similarity: `b` holds an unhashable item (unhashable type: "
                        "'list')"])


def test_one_hot_by_hand():
    np.testing.assert_array_equal(one_hot([0, 2], 3), [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(one_hot(0, 1), [1])            # size 1 is allowed
    np.testing.assert_array_equal(one_hot(np.int64(1), np.int64(2)), [0, 1])
    assert one_hot([], 2).shape == (0, 2)
    for bad in (0, True, 2.0):
        assert_error_names(lambda bad=bad: one_hot([0], bad), ValueError,
                           [f"one_hot: `size` must be an integer >= 1; got {bad!r}"])
    assert_error_names(lambda: one_hot([0.0], 2), TypeError,
                       ["one_hot: `ids` must be integer token ids; got dtype float64"])
    assert_error_names(lambda: one_hot([[0], [1]], 2), ValueError,
                       ["one_hot: `ids` must be an int or a 1-D sequence; got shape (2, 1)"])
    assert_error_names(lambda: one_hot([1, 2, 0], 2), ValueError,
                       ["one_hot: `ids` must lie in [0, 1] for size=2; got 2"])
    assert_error_names(lambda: one_hot([1, 3, -1], 3), ValueError,
                       ["one_hot: `ids` must lie in [0, 2] for size=3; got 3"])
    assert_error_names(lambda: one_hot([0, -1], 3), ValueError, ["got -1"])


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
                       ["cosine_similarity: `x` has a zero vector at row 0;"])
    assert_error_names(lambda: cosine_similarity(wrap(X[:1]), wrap(X)), ValueError,
                       ["cosine_similarity: `y` has a zero vector at row 1;"])
    # A 1-D dense side keeps its axis off in the result.
    assert cosine_similarity(np.array([1.0, 0.0]), wrap(X[:1])).shape == (1,)
    assert cosine_similarity(wrap(X[:1]), np.array([1.0, 0.0])).shape == (1,)
    assert_error_names(lambda: cosine_similarity(np.zeros(2), wrap(X[:1])), ValueError,
                       ["cosine_similarity: `x` is the zero vector;"])
