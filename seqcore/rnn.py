"""The vanilla (Elman) recurrent network: one step, a whole sequence, the output layer.

Notation (the site's, one throughout): column vectors, PyTorch's weight layout.

=================  ======================  ==============================
symbol             shape                   PyTorch name
=================  ======================  ==============================
:math:`x_t`        ``(input,)``            input at step ``t``
:math:`h_t`        ``(hidden,)``           hidden state
:math:`W_{xh}`     ``(hidden, input)``     ``weight_ih_l0``
:math:`W_{hh}`     ``(hidden, hidden)``    ``weight_hh_l0``
:math:`b_h`        ``(hidden,)``           ``bias_ih_l0 + bias_hh_l0``
:math:`W_{hy}`     ``(output, hidden)``    (a ``nn.Linear`` after the RNN)
=================  ======================  ==============================

A batch stacks vectors as rows, so in code :math:`W_{xh} x_t` becomes
``x @ W_xh.T``. The source notes also write :math:`a^{(t)}, W_{aa}, W_{ax},
W_{ya}` (Andrew Ng's course): :math:`a^{(t)} = h_t`, :math:`W_{aa} = W_{hh}`,
:math:`W_{ax} = W_{xh}`, :math:`W_{ya} = W_{hy}`.
"""

from __future__ import annotations

from typing import Any

import array_api_compat

from ._trace import implements
from ._validate import ShapeError, choice, floating, namespace, shapes
from .activations import softmax

NONLINEARITIES = ("tanh", "relu")


__all__ = ["rnn_forward", "rnn_logits", "rnn_output", "rnn_step"]


def _phi(xp: Any, nonlinearity: str) -> Any:
    if nonlinearity == "tanh":
        return xp.tanh
    return lambda a: xp.maximum(a, xp.zeros_like(a))


def _recur(xp: Any, phi: Any, xw: Any, h_prev: Any, W_hh: Any) -> Any:
    # h_t = φ(W_xh x_t + b_h + W_hh h_{t-1}); the input half `xw` is passed in
    # precomputed so that a whole sequence can project all inputs in one product.
    return phi(xw + xp.matmul(h_prev, W_hh.T))


def _check_weights(func: str, xp: Any, arrays: dict[str, Any], x_pattern: list) -> dict:
    floating(func, xp, **arrays)
    return shapes(
        func,
        W_xh=(arrays["W_xh"], ("hidden", "input")),
        W_hh=(arrays["W_hh"], ("hidden", "hidden")),
        b_h=(arrays.get("b_h"), ("hidden",)),
        **x_pattern,
    )


@implements("rnn.hidden")
def rnn_step(x: Any, h_prev: Any, W_xh: Any, W_hh: Any, b_h: Any = None,
             nonlinearity: str = "tanh") -> Any:
    r"""One step of a vanilla RNN.

    .. math::

        h_t = \phi\left(W_{xh}\, x_t + W_{hh}\, h_{t-1} + b_h\right),
        \qquad \phi \in \{\tanh, \operatorname{ReLU}\}

    Equation id: ``rnn.hidden``.

    Parameters
    ----------
    x : array, shape ``(input,)`` or ``(batch, input)``
        The input :math:`x_t`.
    h_prev : array, shape ``(hidden,)`` or ``(batch, hidden)``
        The previous state :math:`h_{t-1}`; same rank as ``x``.
    W_xh : array, shape ``(hidden, input)``
    W_hh : array, shape ``(hidden, hidden)``
    b_h : array, shape ``(hidden,)``, optional
        Bias; ``None`` means no bias. PyTorch keeps two biases, ``bias_ih`` and
        ``bias_hh``; only their sum enters the formula.
    nonlinearity : {"tanh", "relu"}

    Returns
    -------
    array, shape like ``h_prev``
        The new state :math:`h_t`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import rnn_step
    >>> W_xh = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])   # hidden=3, input=2
    >>> W_hh = 0.5 * np.eye(3)
    >>> h1 = rnn_step(np.array([1.0, 0.0]), np.zeros(3), W_xh, W_hh, np.zeros(3))
    >>> print(h1.round(4))
    [0.7616 0.     0.7616]
    """
    func = "rnn_step"
    choice(func, "nonlinearity", nonlinearity, NONLINEARITIES)
    xp, a = namespace(func, x=x, h_prev=h_prev, W_xh=W_xh, W_hh=W_hh, b_h=b_h)
    _check_weights(func, xp, a, {
        "x": (a["x"], [("input",), ("batch", "input")]),
        "h_prev": (a["h_prev"], [("hidden",), ("batch", "hidden")][a["x"].ndim - 1:a["x"].ndim]),
    })
    xw = xp.matmul(a["x"], a["W_xh"].T)
    if a["b_h"] is not None:
        xw = xw + a["b_h"]
    return _recur(xp, _phi(xp, nonlinearity), xw, a["h_prev"], a["W_hh"])


@implements("rnn.unroll")
def rnn_forward(xs: Any, W_xh: Any, W_hh: Any, b_h: Any = None, h0: Any = None,
                nonlinearity: str = "tanh") -> tuple[Any, Any]:
    r"""Run :func:`rnn_step` over a whole sequence, time-major.

    .. math::

        h_t = \phi\left(W_{xh}\, x_t + W_{hh}\, h_{t-1} + b_h\right),
        \quad t = 1, \dots, T, \qquad h_0 = \mathbf{0} \text{ unless given}

    Equation id: ``rnn.unroll``. The same weights are used at every step
    (weight sharing across time). All input projections
    :math:`W_{xh} x_t + b_h` are computed in one matrix product before the
    loop; only the recurrent product has to wait for the previous state.

    Parameters
    ----------
    xs : array, shape ``(T, input)`` or ``(T, batch, input)``
        The inputs :math:`x_1, \dots, x_T`, time first (PyTorch's default layout).
    W_xh, W_hh, b_h, nonlinearity
        As in :func:`rnn_step`.
    h0 : array, shape ``(hidden,)`` or ``(batch, hidden)``, optional
        The initial state :math:`h_0`; zeros when omitted.

    Returns
    -------
    H : array, shape ``(T, hidden)`` or ``(T, batch, hidden)``
        Every state :math:`h_1, \dots, h_T`.
    h_T : array, shape ``(hidden,)`` or ``(batch, hidden)``
        The last state (``H[-1]``), as ``torch.nn.RNN`` returns it.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import rnn_forward
    >>> xs = np.array([[1.0], [0.0], [0.0]])            # T=3, input=1
    >>> H, h_T = rnn_forward(xs, np.array([[2.0]]), np.array([[0.5]]))
    >>> print(H[:, 0].round(4))                          # the first input fades
    [0.964  0.4479 0.2203]
    """
    func = "rnn_forward"
    choice(func, "nonlinearity", nonlinearity, NONLINEARITIES)
    xp, a = namespace(func, xs=xs, W_xh=W_xh, W_hh=W_hh, b_h=b_h, h0=h0)
    xs = a["xs"]
    rank = xs.ndim
    dims = _check_weights(func, xp, a, {
        "xs": (xs, [("time", "input"), ("time", "batch", "input")]),
        "h0": (a["h0"], [("hidden",), ("batch", "hidden")][rank - 2:rank - 1]),
    })
    if dims["time"] == 0:
        raise ShapeError(f"{func}: `xs` must hold at least one time step; got shape "
                         f"{tuple(xs.shape)}")
    h = a["h0"]
    if h is None:
        h = xp.zeros((*tuple(xs.shape[1:-1]), dims["hidden"]), dtype=xs.dtype,
                     device=array_api_compat.device(xs))
    xw = xp.matmul(xs, a["W_xh"].T)          # (T, ..., hidden): all steps at once
    if a["b_h"] is not None:
        xw = xw + a["b_h"]
    phi, W_hh = _phi(xp, nonlinearity), a["W_hh"]
    states = []
    for t in range(dims["time"]):
        h = _recur(xp, phi, xw[t, ...], h, W_hh)
        states.append(h)
    return xp.stack(states, axis=0), h


@implements("rnn.logits")
def rnn_logits(h: Any, W_hy: Any, b_y: Any = None) -> Any:
    r"""Output scores (logits) read off a hidden state.

    .. math::

        o_t = W_{hy}\, h_t + b_y

    Equation id: ``rnn.logits``.

    Parameters
    ----------
    h : array, shape ``(..., hidden)``
        One state, a batch, or a whole sequence of states.
    W_hy : array, shape ``(output, hidden)``
    b_y : array, shape ``(output,)``, optional

    Returns
    -------
    array, shape ``(..., output)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import rnn_logits
    >>> print(rnn_logits(np.array([1.0, -1.0]), np.array([[1.0, 1.0], [2.0, 0.0]])))
    [0. 2.]
    """
    func = "rnn_logits"
    xp, a = namespace(func, h=h, W_hy=W_hy, b_y=b_y)
    floating(func, xp, **a)
    if a["h"].ndim == 0:
        raise ShapeError(f"{func}: `h` must have at least one axis (..., hidden); got a scalar")
    shapes(func, W_hy=(a["W_hy"], ("output", "hidden")), b_y=(a["b_y"], ("output",)),
           h=(a["h"], (*tuple(f"lead{i}" for i in range(a["h"].ndim - 1)), "hidden")))
    o = xp.matmul(a["h"], a["W_hy"].T)
    return o if a["b_y"] is None else o + a["b_y"]


@implements("rnn.output")
def rnn_output(h: Any, W_hy: Any, b_y: Any = None) -> Any:
    r"""The output distribution over ``output`` classes (e.g. the next word).

    .. math::

        \hat{y}_t = \operatorname{softmax}\left(W_{hy}\, h_t + b_y\right)

    Equation id: ``rnn.output``. Computed as :func:`softmax` of
    :func:`rnn_logits`, so it stays finite for any logits.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import rnn_output
    >>> p = rnn_output(np.array([1.0, -1.0]), np.array([[1.0, 1.0], [2.0, 0.0]]))
    >>> print(p.round(4), round(float(p.sum()), 12))
    [0.1192 0.8808] 1.0
    """
    return softmax(rnn_logits(h, W_hy, b_y), axis=-1)
