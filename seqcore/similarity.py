"""Vector similarity: cosine similarity, Euclidean distance, Jaccard similarity.

:func:`cosine_similarity` and :func:`euclidean_distance` take a single vector
``(d,)`` or a matrix of row vectors ``(m, d)`` on each side, as NumPy arrays or
torch tensors (CPU or CUDA; written once against the array API), and also
SciPy sparse rows such as TF-IDF documents. The shapes of the result:

==============  ==============  ===============
``x``           ``y``           result
==============  ==============  ===============
``(d,)``        ``(d,)``        scalar ``()``
``(d,)``        ``(n, d)``      ``(n,)``
``(m, d)``      ``(d,)``        ``(m,)``
``(m, d)``      ``(n, d)``      ``(m, n)``: every pair
==============  ==============  ===============

:func:`jaccard_similarity` compares sets (token sets) or binary vectors.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import array_api_compat
import numpy as np
import scipy.sparse as sp
from array_api_compat import array_namespace

from ._trace import implements
from ._validate import Domain, Floats, Real, ShapeError, as_numpy, calling, params

__all__ = ["cosine_similarity", "euclidean_distance", "jaccard_similarity"]

#: One vector (d,) or rows of vectors (m, d) on each side; NumPy, torch or SciPy sparse.
PAIR = {"x": Floats("m?", "d", promote=True, sparse=True, nonempty="d"),
        "y": Floats("n?", "d", promote=True, sparse=True, nonempty="d")}


def _rows(A: Any) -> Any:
    """A dense vector as a one-row matrix; rows stay rows."""
    return A[None, :] if A.ndim == 1 else A


def _csr(A: Any) -> Any:
    return sp.csr_array(A) if sp.issparse(A) else sp.csr_array(np.atleast_2d(_to_host(A)))


def _shape_result(out: Any, xv: bool, yv: bool) -> Any:
    if xv and yv:
        return out[0, 0]
    if xv:
        return out[0, :]
    if yv:
        return out[:, 0]
    return out


@implements("similarity.cosine")
@params(**PAIR, zero=Real(ge=-1, le=1, optional=True))
def cosine_similarity(x: Any, y: Any, zero: float | None = None) -> Any:
    r"""Cosine of the angle between vectors: 1 same direction, 0 orthogonal, −1 opposite.

    .. math::

        \cos(\mathbf{x}, \mathbf{y})
        = \frac{\mathbf{x} \cdot \mathbf{y}}
               {\lVert \mathbf{x} \rVert_2\, \lVert \mathbf{y} \rVert_2}
        = \frac{\sum_i x_i y_i}{\sqrt{\sum_i x_i^2}\, \sqrt{\sum_i y_i^2}}

    Equation id: ``similarity.cosine``. The length of a vector does not
    matter, only its direction: a document repeated twice has cosine 1 with
    itself.

    Parameters
    ----------
    x, y : array ``(d,)`` or ``(rows, d)``; NumPy, torch, or SciPy sparse
        See the module's table for the result's shape. Integer inputs are
        converted to float64.
    zero : float, optional
        The value for a pair that involves a zero vector, whose angle is
        undefined (:math:`0/0`). By default such a pair is an error naming the
        argument and row; pass e.g. ``zero=0.0`` (scikit-learn's convention)
        to score it instead. Never NaN.

    Returns
    -------
    scalar, ``(n,)``, ``(m,)`` or ``(m, n)`` array, in ``x``'s library
    (NumPy for sparse inputs)

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import cosine_similarity
    >>> king = np.array([0.23, 0.56, -0.15, 0.88])
    >>> queen = np.array([0.25, 0.60, -0.20, 0.85])
    >>> print(round(float(cosine_similarity(king, queen)), 4))
    0.9977
    >>> print(cosine_similarity(np.eye(2), np.array([[1.0, 1.0], [0.0, 2.0]])).round(4))
    [[0.7071 0.    ]
     [0.7071 1.    ]]
    """
    xv, yv = x.ndim == 1, y.ndim == 1
    if sp.issparse(x) or sp.issparse(y):
        return _shape_result(_cosine_sparse(_csr(x), _csr(y), zero, xv, yv), xv, yv)
    xp = array_namespace(x, y)
    X, Y = _max_scaled(xp, _rows(x)), _max_scaled(xp, _rows(y))
    nx, ny = _norms(xp, X), _norms(xp, Y)                                     # ‖x‖, ‖y‖
    _zero_check(zero, nx, ny, xv, yv)
    denom = nx[:, None] * ny[None, :]
    if zero is None:
        # x·y / (‖x‖ ‖y‖), clipped: rounding can push |cos| of parallel vectors past 1
        return _shape_result(xp.clip((X @ Y.T) / denom, -1.0, 1.0), xv, yv)
    bad = denom == 0
    cos = xp.clip((X @ Y.T) / xp.where(bad, xp.ones_like(denom), denom), -1.0, 1.0)
    return _shape_result(xp.where(bad, xp.full_like(denom, zero), cos), xv, yv)


# The cosine does not change when a row is scaled, so each row is first divided by its
# largest |entry|: the squares, norms and dot products then stay clear of overflow
# (entries near 1e200) and underflow (near 1e-200, which would pass for a zero vector).
def _max_scaled(xp: Any, A: Any) -> Any:
    m = xp.max(xp.abs(A), axis=1, keepdims=True)
    return A / xp.where(m == 0, xp.ones_like(m), m)


def _norms(xp: Any, A: Any) -> Any:
    """The rows' L2 norms, 0 for a zero row, with a finite gradient there too: the square
    root is taken of 1 instead of 0 (whose derivative is infinite), then masked."""
    ss = xp.sum(A * A, axis=1)
    zero = ss == 0
    return xp.where(zero, xp.zeros_like(ss), xp.sqrt(xp.where(zero, xp.ones_like(ss), ss)))


def _max_scaled_sparse(A: Any) -> Any:
    m = np.asarray(abs(A).max(axis=1).todense()).ravel()
    m[m == 0] = 1.0
    return sp.csr_array(sp.diags(1.0 / m) @ A)


def _cosine_sparse(X: Any, Y: Any, zero: float | None, xv: bool, yv: bool) -> np.ndarray:
    """The same cosine on SciPy rows: norms and all dot products stay sparse until the end."""
    X, Y = _max_scaled_sparse(X.astype(np.float64)), _max_scaled_sparse(Y.astype(np.float64))
    nx = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    ny = np.sqrt(np.asarray(Y.multiply(Y).sum(axis=1)).ravel())
    _zero_check(zero, nx, ny, xv, yv)
    nxx, nyy = nx[:, None], ny[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.clip((X @ Y.T).toarray() / (nxx * nyy), -1.0, 1.0)  # x·y / (‖x‖ ‖y‖)
    return out if zero is None else np.where((nxx == 0) | (nyy == 0), zero, out)


def _to_host(a: Any) -> np.ndarray:
    return as_numpy(a)      # a torch tensor (on any device, with or without a graph) too


def _zero_check(zero: float | None, nx: Any, ny: Any, xv: bool, yv: bool) -> None:
    if zero is not None:
        return
    for name, norms, vec in (("x", nx, xv), ("y", ny, yv)):
        rows = np.flatnonzero(_to_host(norms) == 0)
        if len(rows):
            which = "is the zero vector" if vec else f"has a zero vector at row {int(rows[0])}"
            raise ValueError(
                f"{calling()}: `{name}` {which}; its angle to anything is undefined (0/0). "
                "Drop empty documents first, or pass zero=0.0 to score such pairs as 0")


def _euclidean_sparse(X: Any, Y: Any) -> np.ndarray:
    """‖x‖² + ‖y‖² − 2 x·y for all pairs at once; a pair where that cancels (near-equal rows
    far from the origin, e.g. [1e8, 1, 2] and [1e8, 2, 2]) is computed from its difference."""
    X, Y = X.astype(np.float64), Y.astype(np.float64)
    sx = np.asarray(X.multiply(X).sum(axis=1)).ravel()[:, None]
    sy = np.asarray(Y.multiply(Y).sum(axis=1)).ravel()[None, :]
    sq = sx + sy - 2.0 * (X @ Y.T).toarray()
    # rounding leaves an error of about eps·(‖x‖² + ‖y‖²): recompute where that is not small
    for i, j in zip(*np.nonzero(sq <= 1e-6 * (sx + sy)), strict=True):
        d = X[[i]] - Y[[j]]
        sq[i, j] = d.multiply(d).sum()
    return np.sqrt(np.maximum(sq, 0.0))


class SetLike(Domain):
    """A collection of hashable items (a token list, a set), or a 1-D array read as the set
    of its nonzero positions; returned as ``(set, length)``, the length None for a
    collection."""

    def describe(self, dims: Any = None) -> str:
        return "a collection of items (e.g. a token list) or a 1-D array"

    def check(self, func: str, name: str, value: Any, dims: Any) -> Any:
        if array_api_compat.is_array_api_obj(value) or isinstance(value, np.ndarray):
            A = _to_host(value)
            if A.ndim != 1:
                raise ShapeError(f"{func}: `{name}` must be {self.describe()}; got "
                                 f"{A.ndim}-D shape {A.shape}")
            return set(np.flatnonzero(A).tolist()), A.shape[0]
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise self.fail(TypeError, func, name, f"{type(value).__name__}. Split a string "
                                                   "into tokens first")
        try:
            return set(value), None
        except TypeError as err:
            raise TypeError(f"{func}: `{name}` holds an unhashable item ({err})") from None


@implements("distance.euclidean")
@params(**PAIR)
def euclidean_distance(x: Any, y: Any) -> Any:
    r"""Straight-line (L2) distance between vectors: 0 for identical vectors.

    .. math::

        d(\mathbf{x}, \mathbf{y}) = \lVert \mathbf{x} - \mathbf{y} \rVert_2
        = \sqrt{\sum_i (x_i - y_i)^2}

    Equation id: ``distance.euclidean``. Unlike the cosine, it grows with the
    vectors' lengths: a long document is far from a short one on the same
    topic unless the rows are normalized first (:func:`l2_normalize_rows`).

    Parameters
    ----------
    x, y : array ``(d,)`` or ``(rows, d)``; NumPy, torch, or SciPy sparse
        All pairs of an ``(m, d)`` and an ``(n, d)`` input are computed from the
        differences directly, using ``m * n * d`` numbers of memory
        (sparse inputs use :math:`\lVert x\rVert^2 + \lVert y\rVert^2 - 2\,x\cdot y`,
        and recompute from the difference the pairs where that cancels).

    Notes
    -----
    Dense entries beyond about :math:`10^{154}` (float64) overflow the squares, and the
    distance is ``inf``, as in ``scipy.spatial.distance.cdist`` and ``torch.cdist``.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import euclidean_distance
    >>> print(euclidean_distance(np.array([0.0, 0.0]), np.array([3.0, 4.0])))
    5.0
    >>> print(euclidean_distance(np.eye(3), np.eye(3)).round(4))    # one-hot: all sqrt(2)
    [[0.     1.4142 1.4142]
     [1.4142 0.     1.4142]
     [1.4142 1.4142 0.    ]]
    """
    xv, yv = x.ndim == 1, y.ndim == 1
    if sp.issparse(x) or sp.issparse(y):
        return _shape_result(_euclidean_sparse(_csr(x), _csr(y)), xv, yv)
    xp = array_namespace(x, y)
    diff = _rows(x)[:, None, :] - _rows(y)[None, :, :]                    # (m, n, d)
    return _shape_result(xp.sqrt(xp.sum(diff * diff, axis=-1)), xv, yv)   # √Σ_i (x_i − y_i)²


@implements("similarity.jaccard")
@params(a=SetLike(), b=SetLike())
def jaccard_similarity(a: Iterable[Any] | Any, b: Iterable[Any] | Any) -> float:
    r"""Jaccard similarity: shared elements over all elements, of two sets.

    .. math::

        J(A, B) = \frac{|A \cap B|}{|A \cup B|}

    Equation id: ``similarity.jaccard``. Counts do not matter, only presence:
    ``["the", "the", "cat"]`` is the set ``{"the", "cat"}``. Binary vectors
    (NumPy boolean or 0/1 arrays of equal length) are read as the sets of
    their nonzero positions; SciPy's ``scipy.spatial.distance.jaccard`` is
    :math:`1 - J`.

    Parameters
    ----------
    a, b : iterables of hashable items (token lists, sets), or 1-D arrays of equal length

    Returns
    -------
    float in [0, 1]
        Two empty sets give ``1.0`` (they are identical; SciPy gives distance
        0 for two all-zero vectors), never NaN.

    Examples
    --------
    >>> from seqcore import jaccard_similarity
    >>> jaccard_similarity("the cat sat".split(), "the cat ate the fish".split())
    0.4
    """
    (A, n_a), (B, n_b) = a, b
    if (n_a is None) != (n_b is None):
        raise TypeError("jaccard_similarity: `a` and `b` must both be arrays or both be "
                        "collections")
    if n_a != n_b:
        raise ShapeError(f"jaccard_similarity: array inputs must be 1-D of the same length; "
                         f"got `a` ({n_a},) and `b` ({n_b},)")
    union, inter = len(A | B), len(A & B)
    return 1.0 if union == 0 else inter / union     # |A ∩ B| / |A ∪ B|; J(∅, ∅) = 1
