"""Nonlinearities and the output distribution, in numerically stable forms."""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace

from ._trace import implements
from ._validate import Axis, Floats, params

__all__ = ["log_softmax", "sigmoid", "softmax", "tanh_derivative_from_output"]


def _shift(xp: Any, z: Any, axis: int) -> Any:
    """z − max_j z_j along ``axis``; an empty axis has nothing to shift (and no maximum)."""
    return z - xp.max(z, axis=axis, keepdims=True) if z.shape[axis] else z


@implements("softmax.stable")
@params(z=Floats(..., "classes"), axis=Axis("z"))
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
    xp = array_namespace(z)
    e = xp.exp(_shift(xp, z, axis))
    return e / xp.sum(e, axis=axis, keepdims=True)


@implements("softmax.log")
@params(z=Floats(..., "classes"), axis=Axis("z"))
def log_softmax(z: Any, axis: int = -1) -> Any:
    r"""The logarithm of :func:`softmax`, computed without forming the softmax.

    .. math::

        \log \operatorname{softmax}(z)_k
        = (z_k - m) - \log \sum_{i} \exp(z_i - m), \qquad m = \max_j z_j

    Equation id: ``softmax.log``. Taking ``log(softmax(z))`` would turn a
    probability that underflowed to 0 into ``-inf``; the shifted
    log-sum-exp form stays finite for any finite logits. The cross-entropy
    of the BPTT chapter is built on it.

    Parameters
    ----------
    z : array, shape ``(..., K)``
        Logits, float32 or float64; NumPy or torch.
    axis : int
        The axis that is normalized.

    Returns
    -------
    array, same shape as ``z``
        Log-probabilities (all :math:`\le 0`).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import log_softmax
    >>> print(log_softmax(np.array([1.0, 2.0, 3.0])).round(4))
    [-2.4076 -1.4076 -0.4076]
    >>> print(log_softmax(np.array([0.0, -2000.0])))           # log(0) would be -inf
    [    0. -2000.]
    """
    xp = array_namespace(z)
    shifted = _shift(xp, z, axis)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def _sigmoid(xp: Any, z: Any) -> Any:
    # σ(z) = ½ (1 + tanh(z / 2)): tanh saturates at ±1 instead of overflowing, and it is
    # one transcendental call instead of exp + divide + a branch per sign.
    return 0.5 + 0.5 * xp.tanh(0.5 * z)


@implements("sigmoid.stable")
@params(z=Floats())
def sigmoid(z: Any) -> Any:
    r"""The logistic sigmoid, in a form that never overflows.

    .. math::

        \sigma(z) = \frac{1}{1 + e^{-z}} = \frac{1}{2}\left(1 + \tanh\frac{z}{2}\right)

    Equation id: ``sigmoid.stable``. The two sides are the same function
    (multiply numerator and denominator of the left by :math:`e^{z/2}`). The
    left side overflows :math:`e^{-z}` with a warning below :math:`z \approx -709`
    in float64 (the result, 0, is then the right limit). The right side only
    evaluates tanh, which saturates at :math:`\pm 1`, so without a branch every
    input gives a finite value in :math:`[0, 1]`. The absolute error stays at
    the rounding level; far in the negative tail (:math:`z \lesssim -38` in
    float64) the result is 0 where the exact value is below :math:`10^{-16}`.
    The gates of the LSTM and the GRU use it.

    Parameters
    ----------
    z : array, any shape
        Float32 or float64; NumPy or torch.

    Returns
    -------
    array, same shape as ``z``, values in :math:`[0, 1]`

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import sigmoid
    >>> print(sigmoid(np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])).round(4))
    [0.     0.2689 0.5    0.7311 1.    ]
    """
    return _sigmoid(array_namespace(z), z)


@params(y=Floats())
def tanh_derivative_from_output(y: Any) -> Any:
    r"""The derivative of tanh written through its output: :math:`1 - \tanh(a)^2`.

    .. math::

        \frac{d}{da}\tanh(a) = 1 - \tanh^2(a) = 1 - y^2, \qquad y = \tanh(a)

    Backward passes keep the forward outputs, so they need no pre-activation.
    (A helper of the gradient equations ``bptt.hidden-grad``, ``lstm.backward``
    and ``gru.backward``; it claims no formula of its own.)

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import tanh_derivative_from_output
    >>> print(tanh_derivative_from_output(np.tanh(np.array([0.0, 1.0]))).round(4))
    [1.   0.42]
    """
    return 1.0 - y * y
