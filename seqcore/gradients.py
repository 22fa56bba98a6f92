"""Why RNN gradients vanish or explode, and the standard remedy for explosion: clipping.

The gradient that reaches :math:`h_t` from a loss at step :math:`T` passes through
the Jacobian product :math:`\\partial h_T / \\partial h_t`, a product of
:math:`T - t` step Jacobians :math:`\\operatorname{diag}(\\phi'(a_j))\\, W_{hh}`. Its
norm shrinks or grows roughly geometrically with the gap :math:`T - t`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import array_api_compat
from array_api_compat import array_namespace

from ._recurrent import finite
from ._trace import implements
from ._validate import Floats, Integer, Real, floating, namespace, params
from .rnn import NONLINEARITY

STATES = {"W_hh": Floats("hidden", "hidden"), "H": Floats("time", "hidden", nonempty="time")}

__all__ = [
    "clip_grad_norm",
    "clip_grad_value",
    "hidden_jacobian",
    "jacobian_norms",
    "step_jacobian",
]


def _phi_prime(xp: Any, h: Any, nonlinearity: str) -> Any:
    if nonlinearity == "tanh":
        return 1.0 - h * h
    return xp.astype(h > 0, h.dtype)


@implements("gradients.step-jacobian")
@params(W_hh=Floats("hidden", "hidden"), h_t=Floats("hidden"), nonlinearity=NONLINEARITY)
def step_jacobian(h_t: Any, W_hh: Any, nonlinearity: str = "tanh") -> Any:
    r"""The Jacobian of one RNN step with respect to the previous state.

    .. math::

        \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}\bigl(\phi'(a_t)\bigr)\,
        W_{hh} = \operatorname{diag}\bigl(1 - h_t^2\bigr)\, W_{hh} \quad (\phi = \tanh)

    Equation id: ``gradients.step-jacobian``. The tanh's derivative is read off
    the new state :math:`h_t`, no pre-activation needed.

    Parameters
    ----------
    h_t : array, shape ``(hidden,)``
        The state *after* the step.
    W_hh : array, shape ``(hidden, hidden)``

    Returns
    -------
    array, shape ``(hidden, hidden)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import step_jacobian
    >>> print(step_jacobian(np.array([0.0, 0.5]), np.array([[1.0, 2.0], [3.0, 4.0]])))
    [[1.   2.  ]
     [2.25 3.  ]]
    """
    # ∂h_t/∂h_{t-1} = diag(φ'(a_t)) W_hh: scale row i of W_hh by φ'(a_t)_i
    return _phi_prime(array_namespace(h_t), h_t, nonlinearity)[:, None] * W_hh


@implements("gradients.jacobian-product")
@params(**STATES, t=Integer(ge=0, le="time"), nonlinearity=NONLINEARITY)
def hidden_jacobian(H: Any, W_hh: Any, t: int, nonlinearity: str = "tanh") -> Any:
    r"""The Jacobian :math:`\partial h_T / \partial h_t` of an unrolled RNN.

    .. math::

        \frac{\partial h_T}{\partial h_t} = \prod_{j=t+1}^{T}
        \frac{\partial h_j}{\partial h_{j-1}}
        = \operatorname{diag}(\phi'(a_T))\, W_{hh} \cdots
          \operatorname{diag}(\phi'(a_{t+1}))\, W_{hh}

    Equation id: ``gradients.jacobian-product``. The newest factor stands on the
    left (the chain rule multiplies from the output back).

    Parameters
    ----------
    H : array, shape ``(T, hidden)``
        The states :math:`h_1, \dots, h_T` of one sequence (``rnn_forward``'s ``H``).
    W_hh : array, shape ``(hidden, hidden)``
    t : int
        The earlier step, :math:`0 \le t \le T` (``t = 0`` is the initial state,
        ``t = T`` gives the identity).

    Returns
    -------
    array, shape ``(hidden, hidden)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import hidden_jacobian, rnn_forward
    >>> W_hh = np.array([[0.5]])
    >>> H, _ = rnn_forward(np.array([[1.0], [0.0], [0.0]]), np.array([[1.0]]), W_hh)
    >>> print(hidden_jacobian(H, W_hh, 1).round(4))   # ∂h_3/∂h_1 = (1-h_3²)·½·(1-h_2²)·½
    [[0.21]]
    """
    xp = array_namespace(H)
    J = xp.eye(W_hh.shape[0], dtype=H.dtype, device=array_api_compat.device(H))
    for j in range(t, H.shape[0]):                     # H[j] is h_{j+1}; newer factors go left
        J = (_phi_prime(xp, H[j, :], nonlinearity)[:, None] * W_hh) @ J
    return J


@implements("gradients.norm-vs-gap")
@params(**STATES, nonlinearity=NONLINEARITY)
def jacobian_norms(H: Any, W_hh: Any, nonlinearity: str = "tanh") -> Any:
    r"""The spectral norm of :math:`\partial h_T / \partial h_{T-k}` for every gap :math:`k`.

    .. math::

        g(k) = \Bigl\lVert \frac{\partial h_T}{\partial h_{T-k}} \Bigr\rVert_2,
        \qquad k = 1, \dots, T

    Equation id: ``gradients.norm-vs-gap``. One pass from :math:`T` back to 0,
    multiplying one step Jacobian per gap. When :math:`g(k)` falls
    geometrically the gradient *vanishes* (old inputs cannot teach the model);
    when it grows geometrically it *explodes*.

    Parameters
    ----------
    H : array, shape ``(T, hidden)``
    W_hh : array, shape ``(hidden, hidden)``

    Returns
    -------
    array, shape ``(T,)``
        Entry ``k - 1`` is :math:`g(k)`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import jacobian_norms
    >>> H = np.zeros((4, 2))            # states at 0: tanh' = 1, a pure power of W_hh
    >>> print(jacobian_norms(H, 0.5 * np.eye(2)))
    [0.5    0.25   0.125  0.0625]
    """
    xp = array_namespace(H)
    J = xp.eye(W_hh.shape[0], dtype=H.dtype, device=array_api_compat.device(H))
    norms = []
    for j in range(H.shape[0] - 1, -1, -1):            # gap k = T - j
        J = J @ (_phi_prime(xp, H[j, :], nonlinearity)[:, None] * W_hh)
        norms.append(xp.linalg.matrix_norm(J, ord=2))
    return xp.stack(norms)


def _grad_list(func: str, grads: Any, finite_only: bool = True) -> tuple[list[Any], Any]:
    """The gradients of a list or dict, as (arrays, namespace); refuses NaN (and with
    ``finite_only``, ±inf): clipping cannot repair them."""
    if isinstance(grads, Mapping):
        names, arrays = [str(k) for k in grads], list(grads.values())
    elif isinstance(grads, Sequence) and not isinstance(grads, str):
        names, arrays = [f"grads[{i}]" for i in range(len(grads))], list(grads)
    else:
        raise TypeError(f"{func}: `grads` must be a list or a dict of arrays; got "
                        f"{type(grads).__name__}")
    if not arrays:
        raise ValueError(f"{func}: `grads` must hold at least one array; got an empty "
                         f"{type(grads).__name__}")
    xp, a = namespace(func, **dict(zip(names, arrays, strict=True)))
    floating(func, xp, **a)
    if finite_only:
        finite(func, xp, **a)
    for name in names:
        if bool(xp.any(xp.isnan(a[name]))):
            raise ValueError(f"{func}: `{name}` holds NaN; clipping cannot repair it")
    return [a[n] for n in names], xp


def _global_norm(xp: Any, grads: list[Any]) -> Any:
    """√(Σ_i ‖g_i‖²), as torch computes it; when the squares leave the float range
    (entries beyond about 1e±154 in float64, 1e±19 in float32) the same norm of the
    gradients divided by their largest |entry|, times that entry, which stays exact."""
    total = xp.sqrt(sum(xp.sum(g * g) for g in grads))
    info = xp.finfo(grads[0].dtype)
    if info.smallest_normal ** 0.5 * 1e4 < float(total) < info.max ** 0.5 * 1e-4:
        return total
    m = max((float(xp.max(xp.abs(g))) for g in grads if math.prod(g.shape)), default=0.0)
    if m == 0:
        return total
    return m * xp.sqrt(sum(xp.sum((g / m) * (g / m)) for g in grads))


def _repack(grads: Any, arrays: list[Any]) -> Any:
    """``arrays`` in the container ``grads`` came in: a dict under its keys, else a list."""
    if isinstance(grads, Mapping):
        return dict(zip(grads.keys(), arrays, strict=True))
    return list(arrays)


@implements("gradients.clip-norm")
@params(max_norm=Real(gt=0), eps=Real(ge=0))
def clip_grad_norm(grads: Any, max_norm: float, eps: float = 1e-6) -> tuple[Any, Any]:
    r"""Rescale all gradients together so that their global norm is at most ``max_norm``.

    .. math::

        \lVert g \rVert = \sqrt{\textstyle\sum_i \lVert g_i \rVert_2^2}, \qquad
        g_i \leftarrow g_i \cdot \min\Bigl(1, \frac{c}{\lVert g \rVert + \epsilon}\Bigr)

    Equation id: ``gradients.clip-norm``. One factor for every array keeps the
    direction of the whole gradient; only its length is capped. The small
    :math:`\epsilon = 10^{-6}` is PyTorch's (``clip_grad_norm_``), so the two
    agree to the last bit.

    Parameters
    ----------
    grads : list or dict of arrays
        Every gradient of one update (NumPy or torch, one library).
    max_norm : float
        The threshold :math:`c > 0`.
    eps : float
        Guard against a zero norm.

    Returns
    -------
    clipped : list or dict (as given)
        New arrays; the inputs are not modified.
    total_norm : scalar array
        :math:`\lVert g \rVert` before clipping.

    Raises
    ------
    ValueError
        If ``max_norm`` is not a finite number > 0, or a gradient holds NaN/inf
        (the norm would be NaN/inf and every gradient would become NaN or 0;
        ``torch.nn.utils.clip_grad_norm_(..., error_if_nonfinite=True)`` refuses too).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import clip_grad_norm
    >>> clipped, norm = clip_grad_norm([np.array([3.0]), np.array([4.0])], max_norm=1.0)
    >>> print(float(norm), [g.round(4) for g in clipped])
    5.0 [array([0.6]), array([0.8])]
    """
    arrays, xp = _grad_list("clip_grad_norm", grads)
    total = _global_norm(xp, arrays)                            # ‖g‖, the global L2 norm
    coef = xp.clip(max_norm / (total + eps), max=1.0)           # min(1, c / (‖g‖ + ε))
    return _repack(grads, [g * coef for g in arrays]), total


@implements("gradients.clip-value")
@params(clip_value=Real(gt=0))
def clip_grad_value(grads: Any, clip_value: float) -> Any:
    r"""Clamp every gradient entry to :math:`[-c, c]`.

    .. math::

        g_{i,k} \leftarrow \max\bigl(-c, \min(c, g_{i,k})\bigr)

    Equation id: ``gradients.clip-value``. Unlike :func:`clip_grad_norm` this
    changes the direction of the gradient whenever some entries are clipped and
    others are not. As with ``torch.nn.utils.clip_grad_value_``, :math:`\pm\infty`
    becomes :math:`\pm c`; NaN is refused (clamping cannot repair it).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import clip_grad_value
    >>> print(clip_grad_value({"W": np.array([-3.0, 0.5, np.inf])}, 1.0))
    {'W': array([-1. ,  0.5,  1. ])}
    """
    arrays, xp = _grad_list("clip_grad_value", grads, finite_only=False)
    return _repack(grads, [xp.clip(g, min=-clip_value, max=clip_value) for g in arrays])
