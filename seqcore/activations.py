"""Nonlinearities and the output distribution, in numerically stable forms."""

from __future__ import annotations

from typing import Any

from ._trace import implements
from ._validate import floating, namespace

__all__ = ["softmax"]


@implements("softmax.stable")
def softmax(z: Any, axis: int = -1) -> Any:
    r"""Softmax along ``axis``, shifted by the maximum so that no ``exp`` overflows.

    .. math::

        \operatorname{softmax}(z)_k
        = \frac{\exp(z_k - \max_j z_j)}{\sum_{i} \exp(z_i - \max_j z_j)}

    Equation id: ``softmax.stable``. Subtracting the maximum changes nothing
    mathematically (numerator and denominator both gain the factor
    :math:`e^{-\max_j z_j}`) but keeps the largest exponent at :math:`e^0 = 1`,
    so logits of any size give finite probabilities.

    Parameters
    ----------
    z : array, shape ``(..., K)``
        Real-valued scores (logits), float32 or float64; NumPy or torch.
    axis : int
        The axis that is normalized.

    Returns
    -------
    array, same shape as ``z``
        Non-negative entries summing to 1 along ``axis``.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import softmax
    >>> print(softmax(np.array([1.0, 2.0, 3.0])).round(4))
    [0.09   0.2447 0.6652]
    >>> print(softmax(np.array([1000.0, 1001.0])).round(4))  # no overflow
    [0.2689 0.7311]
    """
    xp, a = namespace("softmax", z=z)
    z = a["z"]
    floating("softmax", xp, z=z)
    if z.ndim == 0:
        raise ValueError("softmax: `z` must have at least one axis; got a 0-D scalar")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"softmax: `axis` must be in [{-z.ndim}, {z.ndim - 1}] for a "
                         f"{z.ndim}-D `z`; got {axis}")
    shifted = z - xp.max(z, axis=axis, keepdims=True)
    e = xp.exp(shifted)
    return e / xp.sum(e, axis=axis, keepdims=True)
