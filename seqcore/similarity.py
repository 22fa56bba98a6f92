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

from ._trace import implements
from ._validate import ShapeError, floating, namespace

__all__ = ["cosine_similarity", "euclidean_distance", "jaccard_similarity"]


def _pair(func: str, x: Any, y: Any) -> tuple[Any, Any, Any, bool, bool]:
    """Validate ``x``, ``y`` and return them as 2-D row matrices plus which were vectors."""
    if sp.issparse(x) or sp.issparse(y):
        x2 = sp.csr_array(x) if sp.issparse(x) else sp.csr_array(np.atleast_2d(np.asarray(x)))
        y2 = sp.csr_array(y) if sp.issparse(y) else sp.csr_array(np.atleast_2d(np.asarray(y)))
        xv = not sp.issparse(x) and np.ndim(x) == 1
        yv = not sp.issparse(y) and np.ndim(y) == 1
        xp = None
        for name, a in (("x", x2), ("y", y2)):
            if not np.issubdtype(a.dtype, np.number):
                raise TypeError(f"{func}: `{name}` must hold numbers; got dtype {a.dtype}")
    else:
        xp, a = namespace(func, x=x, y=y)
        x2, y2 = a["x"], a["y"]
        if not xp.isdtype(x2.dtype, "real floating"):
            x2 = xp.astype(x2, xp.float64) if xp.isdtype(x2.dtype, ("integral", "bool")) else x2
        if not xp.isdtype(y2.dtype, "real floating"):
            y2 = xp.astype(y2, xp.float64) if xp.isdtype(y2.dtype, ("integral", "bool")) else y2
        floating(func, xp, x=x2, y=y2)
        xv, yv = x2.ndim == 1, y2.ndim == 1
        for name, arr in (("x", x2), ("y", y2)):
            if arr.ndim not in (1, 2):
                raise ShapeError(f"{func}: `{name}` must be 1-D (d,) or 2-D (rows, d); got "
                                 f"{arr.ndim}-D shape {tuple(arr.shape)}")
        x2 = x2[None, :] if xv else x2
        y2 = y2[None, :] if yv else y2
    if x2.shape[1] != y2.shape[1]:
        raise ShapeError(f"{func}: `x` and `y` must have the same length d; got "
                         f"d={x2.shape[1]} for `x` (shape {tuple(x.shape)}) and "
                         f"d={y2.shape[1]} for `y` (shape {tuple(y.shape)})")
    if x2.shape[1] == 0:
        raise ShapeError(f"{func}: the vectors are empty (d=0)")
    return xp, x2, y2, xv, yv


def _shape_result(out: Any, xv: bool, yv: bool) -> Any:
    if xv and yv:
        return out[0, 0]
    if xv:
        return out[0, :]
    if yv:
        return out[:, 0]
    return out


@implements("similarity.cosine")
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
    func = "cosine_similarity"
    xp, X, Y, xv, yv = _pair(func, x, y)
    if xp is None:  # SciPy sparse: row norms and all dot products stay sparse until the end
        X, Y = _max_scaled_sparse(X.astype(np.float64)), _max_scaled_sparse(Y.astype(np.float64))
        nx = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        ny = np.sqrt(np.asarray(Y.multiply(Y).sum(axis=1)).ravel())
        dots = (X @ Y.T).toarray()
        nxx, nyy = nx[:, None], ny[None, :]
        _zero_check(func, zero, nx, ny, xv, yv, lambda a: np.flatnonzero(a == 0))
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.clip(dots / (nxx * nyy), -1.0, 1.0)   # x·y / (||x|| ||y||), as below
        if zero is not None:
            out = np.where((nxx == 0) | (nyy == 0), zero, out)
        return _shape_result(out, xv, yv)
    X, Y = _max_scaled(xp, X), _max_scaled(xp, Y)
    nx = xp.sqrt(xp.sum(X * X, axis=1))
    ny = xp.sqrt(xp.sum(Y * Y, axis=1))
    _zero_check(func, zero, nx, ny, xv, yv,
                lambda a: [i for i, v in enumerate(np.asarray(_to_host(a) == 0)) if v])
    dots = xp.matmul(X, Y.T)
    denom = nx[:, None] * ny[None, :]
    if zero is not None:
        bad = denom == 0
        safe = xp.where(bad, xp.ones_like(denom), denom)
        cos = xp.clip(dots / safe, -1.0, 1.0)      # clipped as below
        return _shape_result(xp.where(bad, xp.full_like(denom, zero), cos), xv, yv)
    # x·y / (||x|| ||y||), clipped: rounding can push |cos| of parallel vectors past 1
    return _shape_result(xp.clip(dots / denom, -1.0, 1.0), xv, yv)


# The cosine does not change when a row is scaled, so each row is first divided by its
# largest |entry|: the squares, norms and dot products then stay clear of overflow
# (entries near 1e200) and underflow (near 1e-200, which would pass for a zero vector).
def _max_scaled(xp: Any, A: Any) -> Any:
    m = xp.max(xp.abs(A), axis=1, keepdims=True)
    return A / xp.where(m == 0, xp.ones_like(m), m)


def _max_scaled_sparse(A: Any) -> Any:
    m = np.asarray(abs(A).max(axis=1).todense()).ravel()
    m[m == 0] = 1.0
    return sp.csr_array(sp.diags(1.0 / m) @ A)


def _to_host(a: Any) -> Any:
    return a.cpu().numpy() if hasattr(a, "cpu") else a


def _zero_check(func: str, zero: float | None, nx: Any, ny: Any, xv: bool, yv: bool,
                where_zero: Any) -> None:
    if zero is not None:
        return
    for name, norms, vec in (("x", nx, xv), ("y", ny, yv)):
        rows = where_zero(norms)
        if len(rows):
            which = "is the zero vector" if vec else f"has a zero vector at row {int(rows[0])}"
            raise ValueError(
                f"{func}: `{name}` {which}; its angle to anything is undefined (0/0). "
                "Drop empty documents first, or pass zero=0.0 to score such pairs as 0")


@implements("distance.euclidean")
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
        (sparse inputs use :math:`\lVert x\rVert^2 + \lVert y\rVert^2 - 2\,x\cdot y`).

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
    func = "euclidean_distance"
    xp, X, Y, xv, yv = _pair(func, x, y)
    if xp is None:
        X, Y = X.astype(np.float64), Y.astype(np.float64)
        sx = np.asarray(X.multiply(X).sum(axis=1)).ravel()[:, None]
        sy = np.asarray(Y.multiply(Y).sum(axis=1)).ravel()[None, :]
        sq = sx + sy - 2.0 * (X @ Y.T).toarray()
        return _shape_result(np.sqrt(np.maximum(sq, 0.0)), xv, yv)  # clamp rounding below 0
    diff = X[:, None, :] - Y[None, :, :]                             # (m, n, d)
    return _shape_result(xp.sqrt(xp.sum(diff * diff, axis=-1)), xv, yv)


@implements("similarity.jaccard")
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
    func = "jaccard_similarity"
    # torch tensors have no __array_namespace__; iterated as collections they would become
    # sets of 0-D tensors (hashed by identity) and give a wrong score.
    arrays = [array_api_compat.is_array_api_obj(v) for v in (a, b)]
    if any(arrays):
        if not all(arrays):
            raise TypeError(f"{func}: `a` and `b` must both be arrays or both be collections; "
                            f"got {type(a).__name__} and {type(b).__name__}")
        A, B = np.asarray(_to_host(a)), np.asarray(_to_host(b))
        if A.ndim != 1 or A.shape != B.shape:
            raise ShapeError(f"{func}: array inputs must be 1-D of the same length; got "
                             f"`a` {A.shape} and `b` {B.shape}")
        A, B = A != 0, B != 0
        union = int(np.count_nonzero(A | B))
        inter = int(np.count_nonzero(A & B))
    else:
        sets = []
        for name, v in (("a", a), ("b", b)):
            if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
                raise TypeError(f"{func}: `{name}` must be a collection of items (e.g. a token "
                                f"list) or a 1-D array; got {type(v).__name__}. Split a "
                                "string into tokens first")
            try:
                sets.append(set(v))
            except TypeError as err:
                raise TypeError(f"{func}: `{name}` holds an unhashable item ({err})") from None
        A, B = sets
        union, inter = len(A | B), len(A & B)
    return 1.0 if union == 0 else inter / union     # |A ∩ B| / |A ∪ B|; J(∅, ∅) = 1
