"""Embedding versus immersion, by example: three maps and two checks a reader can run.

- :func:`circle`: the circle :math:`S^1 \\to \\mathbb{R}^2`, an embedding;
- :func:`figure_eight`: :math:`S^1 \\to \\mathbb{R}^2`, an immersion that is not
  injective (two points of the circle land on the origin);
- :func:`klein_bottle`: the "figure-8" immersion of the Klein bottle in
  :math:`\\mathbb{R}^3` (the Klein bottle cannot be embedded in
  :math:`\\mathbb{R}^3`; it can in :math:`\\mathbb{R}^4`).

The checks: :func:`immersion_rank` (is the Jacobian of full rank everywhere on a
grid? then the map is an immersion there) and :func:`self_intersections`
(do two distant parameter points land on the same image point? then the map is
not injective, so not an embedding). A grid shows what happens at its points
only; the page explains what a proof adds.

The maps and :func:`jacobian` take NumPy arrays or torch tensors;
:func:`self_intersections` is NumPy/SciPy (a k-d tree).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from ._trace import implements
from ._validate import Floats, Function, Options, Real, ShapeError, params

__all__ = [
    "circle",
    "figure_eight",
    "immersion_rank",
    "jacobian",
    "klein_bottle",
    "self_intersections",
]

TAU = 2 * math.pi
DOMAINS = ("circle", "torus", "klein")


#: Parameters of a map: floating arrays of one shape (points of the domain, coordinate-wise).
PARAMETER = Floats(...)
MAP = Function("a callable map of the coordinate arrays")


def _jacobian(f: Callable[..., Any], coords: tuple[Any, ...], eps: float) -> Any:
    xp = array_namespace(*coords)
    columns = []
    for j in range(len(coords)):
        plus = [p + eps if i == j else p for i, p in enumerate(coords)]
        minus = [p - eps if i == j else p for i, p in enumerate(coords)]
        columns.append((f(*plus) - f(*minus)) / (2 * eps))   # ∂F/∂x_j, shape (..., k)
    return xp.stack(columns, axis=-1)


@implements("topology.circle")
@params(t=PARAMETER, radius=Real(gt=0))
def circle(t: Any, radius: float = 1.0) -> Any:
    r"""The circle, embedded in the plane.

    .. math::

        c(t) = (r \cos t,\; r \sin t), \qquad t \in [0, 2\pi)

    Equation id: ``topology.circle``. Injective on :math:`[0, 2\pi)`, with
    :math:`c'(t) \neq 0`: an embedding of :math:`S^1` in :math:`\mathbb{R}^2`.

    Parameters
    ----------
    t : array, any shape ``(...)``
        Angles.
    radius : float, > 0

    Returns
    -------
    array, shape ``(..., 2)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import circle
    >>> print(circle(np.array([0.0, np.pi / 2])).round(4))
    [[1. 0.]
     [0. 1.]]
    """
    xp = array_namespace(t)
    return xp.stack([radius * xp.cos(t), radius * xp.sin(t)], axis=-1)   # (r cos t, r sin t)


@implements("topology.figure-eight")
@params(t=PARAMETER)
def figure_eight(t: Any) -> Any:
    r"""The figure eight: an immersion of the circle in the plane that is not injective.

    .. math::

        e(t) = (\sin t,\; \sin t \cos t), \qquad t \in [0, 2\pi)

    Equation id: ``topology.figure-eight`` (the lemniscate of Gerono).
    :math:`e'(t) = (\cos t, \cos 2t)` is never zero (where :math:`\cos t = 0`,
    :math:`\cos 2t = -1`), so it is an immersion; but
    :math:`e(0) = e(\pi) = (0, 0)`, so it is not injective and not an embedding.

    Parameters
    ----------
    t : array, any shape ``(...)``

    Returns
    -------
    array, shape ``(..., 2)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import figure_eight
    >>> print(figure_eight(np.array([0.0, np.pi])).round(12))   # two points, one image
    [[ 0.  0.]
     [ 0. -0.]]
    """
    xp = array_namespace(t)
    return xp.stack([xp.sin(t), xp.sin(t) * xp.cos(t)], axis=-1)          # (sin t, sin t cos t)


@implements("topology.klein-bottle")
@params(u=PARAMETER, v=PARAMETER,
        r=Real(gt=Fraction(5, 4), hint=" (the tube reaches 5/4 from the central circle, "
                                       "so a smaller r crosses the axis)"))
def klein_bottle(u: Any, v: Any, r: float = 3.0) -> Any:
    r"""The figure-8 immersion of the Klein bottle in :math:`\mathbb{R}^3`.

    .. math::

        \begin{aligned}
        \rho &= r + \cos\tfrac{u}{2} \sin v - \sin\tfrac{u}{2} \sin 2v \\
        K(u, v) &= \left(\rho \cos u,\; \rho \sin u,\;
            \sin\tfrac{u}{2} \sin v + \cos\tfrac{u}{2} \sin 2v\right)
        \end{aligned}

    Equation id: ``topology.klein-bottle``. A figure-eight curve
    :math:`(\sin v, \sin 2v)` is carried once around a circle of radius
    :math:`r` while it turns by half a turn. Going once around
    (:math:`u \to u + 2\pi`) lands on :math:`(u, -v)`: the square
    :math:`[0, 2\pi)^2` glued this way is the Klein bottle. The Jacobian has
    rank 2 everywhere (an immersion), but :math:`K(u, 0) = K(u, \pi)`: the
    surface passes through itself along the circle of radius :math:`r` in the
    plane :math:`z = 0`.

    Parameters
    ----------
    u, v : arrays of one shape ``(...)``
        Angles in :math:`[0, 2\pi)`.
    r : float
        Radius of the central circle; > 5/4 keeps the tube off the axis:
        :math:`\rho - r` is the first coordinate of the figure eight
        :math:`(\sin v, \sin 2v)` turned by :math:`u/2`, at most 5/4 in size.

    Returns
    -------
    array, shape ``(..., 3)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import klein_bottle
    >>> print(klein_bottle(np.array([1.0, 1.0]), np.array([0.0, np.pi])).round(4))
    [[ 1.6209  2.5244  0.    ]
     [ 1.6209  2.5244 -0.    ]]
    """
    xp = array_namespace(u)
    cu, su = xp.cos(u / 2), xp.sin(u / 2)
    rho = r + cu * xp.sin(v) - su * xp.sin(2 * v)        # distance from the z axis
    z = su * xp.sin(v) + cu * xp.sin(2 * v)
    return xp.stack([rho * xp.cos(u), rho * xp.sin(u), z], axis=-1)


@implements("topology.jacobian")
@params(f=MAP, coords=PARAMETER, eps=Real(gt=0))
def jacobian(f: Callable[..., Any], *coords: Any, eps: float = 1e-6) -> Any:
    r"""The Jacobian of a parametrized map at every grid point, by central differences.

    .. math::

        \left(dF_p\right)_{ij} = \frac{\partial F_i}{\partial x_j}(p)
        \approx \frac{F_i(p + h\, \mathbf{e}_j) - F_i(p - h\, \mathbf{e}_j)}{2h}

    Equation id: ``topology.jacobian``. The error is :math:`O(h^2)`; with
    float64 and :math:`h = 10^{-6}` it is about :math:`10^{-10}` for the maps
    of this module.

    Parameters
    ----------
    f : callable
        ``f(*coords)`` returns an array of shape ``(..., k)``, e.g. :func:`circle`
        (one coordinate) or :func:`klein_bottle` (two).
    *coords : arrays of one shape ``(...)``
        The points :math:`p`, one array per parameter (:math:`m` of them).
    eps : float
        The step :math:`h`, > 0.

    Returns
    -------
    array, shape ``(..., k, m)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import circle, jacobian
    >>> print(jacobian(circle, np.array([0.0])).round(6))    # c'(0) = (0, 1)
    [[[0.]
      [1.]]]
    """
    if not coords:
        raise ValueError("jacobian: give at least one coordinate array after `f`")
    return _jacobian(f, coords, eps)


@implements("topology.immersion")
@params(f=MAP, coords=PARAMETER, eps=Real(gt=0), rtol=Real(ge=0), atol=Real(ge=0))
def immersion_rank(f: Callable[..., Any], *coords: Any, eps: float = 1e-6,
                   rtol: float = 1e-6, atol: float = 1e-8) -> tuple[Any, Any]:
    r"""Rank of the Jacobian at each grid point, and its smallest singular value.

    .. math::

        F \text{ is an immersion} \iff \operatorname{rank} dF_p = \dim M
        \quad \text{for every } p \in M

    Equation id: ``topology.immersion``. The rank is the number of singular
    values of :func:`jacobian` above both ``atol`` and ``rtol`` times the
    largest one (the absolute floor sits above the finite-difference error,
    about :math:`10^{-10}`, so a vanishing derivative counts as zero). Full rank
    (:math:`m`, the number of coordinates) at every grid point says that the
    map is an immersion *at those points*; the smallest singular value says by
    how much.

    Parameters
    ----------
    f, *coords, eps
        As in :func:`jacobian`.
    rtol, atol : float
        Relative and absolute thresholds for a singular value to count.

    Returns
    -------
    rank : integer array, shape ``(...)``
    smallest : array, shape ``(...)``
        The smallest singular value of :math:`dF_p`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import figure_eight, immersion_rank
    >>> t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    >>> rank, smallest = immersion_rank(figure_eight, t)
    >>> print(int(rank.min()), round(float(smallest.min()), 4))   # rank 1 = dim S¹
    1 0.6614
    """
    if not coords:
        raise ValueError("immersion_rank: give at least one coordinate array after `f`")
    J = _jacobian(f, coords, eps)
    xp = array_namespace(J)
    s = xp.linalg.svdvals(J)                              # (..., min(k, m)), descending
    floor = xp.maximum(rtol * s[..., :1], xp.full_like(s[..., :1], atol))
    rank = xp.sum(xp.astype(s > floor, xp.int64), axis=-1)
    return rank, s[..., -1]


def _parameter_distance(domain: str, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Distance between parameter points in the glued square (period 2π)."""
    def wrap(d):
        d = np.abs(d) % TAU
        return np.minimum(d, TAU - d)

    if domain == "circle":
        return wrap(p[:, 0] - q[:, 0])
    if domain == "torus":
        return np.hypot(wrap(p[:, 0] - q[:, 0]), wrap(p[:, 1] - q[:, 1]))
    # Klein bottle: (u, v) ~ (u, v + 2π) and (u, v) ~ (u + 2π, −v); u ∈ [0, 2π)
    du = np.abs(p[:, 0] - q[:, 0])
    straight = np.hypot(du, wrap(p[:, 1] - q[:, 1]))
    across = np.hypot(TAU - du, wrap(p[:, 1] + q[:, 1]))  # through the glued edge: v flips
    return np.minimum(straight, across)


@implements("topology.double-points")
@params(points=Floats("n", "k", host=True), params=Floats("n", "m", host=True), tol=Real(gt=0),
        min_separation=Real(gt=0), domain=Options(*DOMAINS))
def self_intersections(points: Any, params: Any, tol: float, min_separation: float,
                       domain: str = "circle") -> np.ndarray:
    r"""Pairs of sample points that are far apart on the manifold but meet in the image.

    .. math::

        D(F) = \{(p, q) \in M \times M : p \neq q,\ F(p) = F(q)\},
        \qquad F \text{ injective} \iff D(F) = \emptyset

    Equation id: ``topology.double-points``. On a grid the test is
    :math:`\lVert F(p) - F(q) \rVert <` ``tol`` while the parameter distance
    (in the glued domain) exceeds ``min_separation``: near pairs are always
    close in the image and say nothing. Any pair found shows that :math:`F` is
    not injective, hence not an embedding. NumPy/SciPy only (a k-d tree finds
    the close pairs).

    Parameters
    ----------
    points : array, shape ``(n, k)``
        Images :math:`F(p)` of the sample points.
    params : array, shape ``(n, m)``
        The sample points :math:`p` (angles, period :math:`2\pi`).
    tol : float, > 0
    min_separation : float, > 0
    domain : {"circle", "torus", "klein"}
        How the parameter square is glued: ``"circle"`` (:math:`m = 1`),
        ``"torus"`` or ``"klein"`` (:math:`m = 2`, see :func:`klein_bottle`).

    Returns
    -------
    ndarray of int, shape ``(pairs, 2)``: indices ``i < j`` into ``points``.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import figure_eight, self_intersections
    >>> t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    >>> pairs = self_intersections(figure_eight(t), t[:, None], tol=0.02,
    ...                            min_separation=1.0)
    >>> print(len(pairs) > 0, np.round(t[pairs[0]], 4))          # t = 0 meets t = π
    True [0.     3.1416]
    """
    from scipy.spatial import cKDTree

    P, Q = points, params
    if P.shape[0] < 2:
        raise ShapeError(f"self_intersections: `points` must be 2-D (n, k) with n ≥ 2; got shape "
                         f"{P.shape}")
    m = 1 if domain == "circle" else 2
    if Q.shape[1] != m:
        raise ShapeError(f"self_intersections: `params` must have shape (n, m) = ({P.shape[0]}, "
                         f"{m}) for domain {domain!r}; got {Q.shape}")
    close = cKDTree(P).query_pairs(tol, output_type="ndarray")     # |F(p) − F(q)| ≤ tol
    if close.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    far = _parameter_distance(domain, Q[close[:, 0]], Q[close[:, 1]]) > min_separation
    pairs = close[far]
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))].astype(np.int64)
