"""GloVe: a weighted least-squares fit of word vectors to log co-occurrence counts.

Notation (Pennington, Socher & Manning, 2014): :math:`X_{ij}` counts how often
word :math:`j` occurs in the context of word :math:`i`; :math:`w_i` and
:math:`\\tilde{w}_j` are the word and context vectors (rows of ``W`` and
``W_tilde``, shape ``(V, d)``), :math:`b_i, \\tilde{b}_j` their biases.
The usual final embedding is :math:`W + \\tilde{W}`.

Every function takes NumPy arrays or torch tensors.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace

from ._trace import implements
from ._validate import Floats, Real, params

__all__ = ["glove_gradients", "glove_loss", "glove_weight"]

#: f(x) = (x / x_max)^α below x_max: both settings positive and finite
WEIGHTING = {"x_max": Real(gt=0), "alpha": Real(gt=0)}
#: The word and context vectors, their biases and the co-occurrence counts.
GLOVE = {"W": Floats("vocab", "dim"), "W_tilde": Floats("vocab", "dim"), "b": Floats("vocab"),
         "b_tilde": Floats("vocab"), "X": Floats("vocab", "vocab", finite=True, ge=0),
         **WEIGHTING}


def _weight(xp: Any, X: Any, x_max: float, alpha: float) -> Any:
    # f(x) = (x / x_max)^α below x_max, 1 above; f(0) = 0 drops the unseen pairs
    return xp.where(X < x_max, (X / x_max) ** alpha, xp.ones_like(X))


def _residuals(W: Any, W_tilde: Any, b: Any, b_tilde: Any, X: Any, x_max: float,
               alpha: float) -> tuple[Any, Any]:
    """The weights f(X_ij) (0 where X_ij = 0) and the residuals r_ij, both (V, V)."""
    xp = array_namespace(X)
    seen = X > 0
    log_X = xp.log(xp.where(seen, X, xp.ones_like(X)))      # log 1 = 0 where unseen: f = 0 there
    # r_ij = w_i·w̃_j + b_i + b̃_j − log X_ij, one (V, V) matrix
    r = W @ W_tilde.T + b[:, None] + b_tilde[None, :] - log_X
    f = xp.where(seen, _weight(xp, X, x_max, alpha), xp.zeros_like(X))
    return f, r


@implements("glove.weight")
@params(X=Floats(finite=True, ge=0), **WEIGHTING)
def glove_weight(X: Any, x_max: float = 100.0, alpha: float = 0.75) -> Any:
    r"""GloVe's weighting function of a co-occurrence count.

    .. math::

        f(x) = \begin{cases} (x / x_{\max})^{\alpha} & x < x_{\max} \\ 1 & \text{otherwise}
        \end{cases}

    Equation id: ``glove.weight``. :math:`f(0) = 0`, so pairs that never
    co-occur (where :math:`\log X_{ij}` is :math:`-\infty`) drop out; rare
    pairs, whose counts are noisy, weigh little; very frequent pairs are
    capped at 1 so that they do not dominate. The paper uses
    :math:`x_{\max} = 100`, :math:`\alpha = 3/4`.

    Parameters
    ----------
    X : array, any shape
        Counts, ≥ 0 (real-valued counts are fine: GloVe weights by ``1/distance``).
    x_max, alpha : float, > 0

    Returns
    -------
    array, same shape as ``X``, values in ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import glove_weight
    >>> print(glove_weight(np.array([0.0, 1.0, 50.0, 100.0, 300.0])).round(4))
    [0.     0.0316 0.5946 1.     1.    ]
    """
    return _weight(array_namespace(X), X, x_max, alpha)


@implements("glove.loss")
@params(**GLOVE)
def glove_loss(W: Any, W_tilde: Any, b: Any, b_tilde: Any, X: Any, x_max: float = 100.0,
               alpha: float = 0.75) -> Any:
    r"""The GloVe objective: weighted squared error of :math:`\log X_{ij}`.

    .. math::

        J = \sum_{i, j \,:\, X_{ij} > 0} f(X_{ij})
        \left(w_i^{\top} \tilde{w}_j + b_i + \tilde{b}_j - \log X_{ij}\right)^2

    Equation id: ``glove.loss``. No :math:`\tfrac{1}{2}` in front, as in the
    paper (the reference C code halves it). Only pairs that co-occur enter the
    sum. Here ``X`` is a dense ``(V, V)`` matrix: fine for the small
    vocabularies of this site; a real trainer iterates over the non-zeros.

    Parameters
    ----------
    W, W_tilde : array, shape ``(V, d)``
        Word vectors :math:`w_i` and context vectors :math:`\tilde{w}_j`.
    b, b_tilde : array, shape ``(V,)``
    X : array, shape ``(V, V)``
        Co-occurrence counts, ≥ 0.
    x_max, alpha : float
        As in :func:`glove_weight`.

    Returns
    -------
    array, shape ``()``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import glove_loss
    >>> X = np.array([[0.0, 200.0], [10.0, 0.0]])     # two words; zeros on the diagonal
    >>> W, Wt, b, bt = np.zeros((2, 2)), np.zeros((2, 2)), np.zeros(2), np.zeros(2)
    >>> # 1·log(200)² + 0.1^0.75·log(10)²
    >>> print(round(float(glove_loss(W, Wt, b, bt, X)), 4))
    29.015
    """
    f, r = _residuals(W, W_tilde, b, b_tilde, X, x_max, alpha)
    return array_namespace(X).sum(f * r * r)             # J = Σ_ij f(X_ij) r_ij²


@implements("glove.grad")
@params(**GLOVE)
def glove_gradients(W: Any, W_tilde: Any, b: Any, b_tilde: Any, X: Any, x_max: float = 100.0,
                    alpha: float = 0.75) -> tuple[Any, Any, Any, Any]:
    r"""The gradients of :func:`glove_loss`, written out by hand.

    .. math::

        \begin{aligned}
        \frac{\partial J}{\partial w_i} &= 2 \sum_{j} f(X_{ij})\, r_{ij}\, \tilde{w}_j, &
        \frac{\partial J}{\partial b_i} &= 2 \sum_{j} f(X_{ij})\, r_{ij}, \\[0.5em]
        \frac{\partial J}{\partial \tilde{w}_j} &= 2 \sum_{i} f(X_{ij})\, r_{ij}\, w_i, &
        \frac{\partial J}{\partial \tilde{b}_j} &= 2 \sum_{i} f(X_{ij})\, r_{ij}
        \end{aligned}

    with :math:`r_{ij} = w_i^{\top} \tilde{w}_j + b_i + \tilde{b}_j - \log X_{ij}`.
    Equation id: ``glove.grad``. In matrix form, with :math:`G = f(X) \odot R`,
    :math:`\nabla_W J = 2 G \tilde{W}` and :math:`\nabla_{\tilde{W}} J = 2 G^{\top} W`.

    Parameters
    ----------
    W, W_tilde, b, b_tilde, X, x_max, alpha
        As in :func:`glove_loss`.

    Returns
    -------
    grad_W, grad_W_tilde, grad_b, grad_b_tilde : arrays shaped like the parameters

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import glove_gradients, glove_loss
    >>> X = np.array([[0.0, 200.0], [10.0, 0.0]])
    >>> P = [np.full((2, 2), 0.1), np.full((2, 2), 0.1), np.zeros(2), np.zeros(2)]
    >>> print(round(float(glove_loss(*P, X)), 4))
    28.7872
    >>> for _ in range(200):                         # plain gradient descent
    ...     P = [p - 0.02 * g for p, g in zip(P, glove_gradients(*P, X))]
    >>> print(round(float(glove_loss(*P, X)), 4))
    0.0017
    """
    f, r = _residuals(W, W_tilde, b, b_tilde, X, x_max, alpha)
    G = 2 * f * r                                     # 2 f(X_ij) r_ij
    xp = array_namespace(X)
    return G @ W_tilde, G.T @ W, xp.sum(G, axis=1), xp.sum(G, axis=0)
