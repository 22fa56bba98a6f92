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

from array_api_compat import array_namespace

from ._recurrent import zeros_state
from ._trace import implements
from ._validate import Floats, Options, params
from .activations import softmax

NONLINEARITIES = ("tanh", "relu")

#: The domains of a vanilla RNN's weights (PyTorch's layout), shared by the topologies and BPTT.
RNN_WEIGHTS = {"W_xh": Floats("hidden", "input"), "W_hh": Floats("hidden", "hidden"),
               "b_h": Floats("hidden", optional=True)}
#: A sequence, time first, with an optional batch axis, and the state it may start from.
RNN_SEQUENCE = {"xs": Floats("time", "batch?", "input", nonempty="time"),
                "h0": Floats("batch?", "hidden", optional=True)}
#: The output layer on top of the states.
RNN_OUTPUT = {"W_hy": Floats("output", "hidden"), "b_y": Floats("output", optional=True)}
NONLINEARITY = Options(*NONLINEARITIES)


__all__ = ["rnn_forward", "rnn_logits", "rnn_output", "rnn_step"]


def _phi(xp: Any, nonlinearity: str) -> Any:
    if nonlinearity == "tanh":
        return xp.tanh
    return lambda a: xp.maximum(a, xp.zeros_like(a))


def _input_part(x: Any, W_xh: Any, b_h: Any) -> Any:
    # W_xh x_t + b_h: for a whole sequence, every step's input in one product
    return x @ W_xh.T if b_h is None else x @ W_xh.T + b_h


@implements("rnn.hidden")
@params(**RNN_WEIGHTS, x=Floats("batch?", "input"), h_prev=Floats("batch?", "hidden"),
        nonlinearity=NONLINEARITY)
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
    phi = _phi(array_namespace(x), nonlinearity)
    return phi(_input_part(x, W_xh, b_h) + h_prev @ W_hh.T)    # φ(W_xh x_t + b_h + W_hh h_{t-1})


@implements("rnn.unroll")
@params(**RNN_WEIGHTS, **RNN_SEQUENCE, nonlinearity=NONLINEARITY)
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
    xp = array_namespace(xs)
    phi = _phi(xp, nonlinearity)
    h = zeros_state(xp, xs, W_hh.shape[0]) if h0 is None else h0
    xw = _input_part(xs, W_xh, b_h)                  # (T, ..., hidden): all steps at once
    states = []
    for t in range(xs.shape[0]):
        h = phi(xw[t, ...] + h @ W_hh.T)             # h_t = φ(W_xh x_t + b_h + W_hh h_{t-1})
        states.append(h)
    return xp.stack(states, axis=0), h


@implements("rnn.logits")
@params(**RNN_OUTPUT, h=Floats(..., "hidden"))
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
    o = h @ W_hy.T                                   # o_t = W_hy h_t + b_y
    return o if b_y is None else o + b_y


@implements("rnn.output")
@params(**RNN_OUTPUT, h=Floats(..., "hidden"))
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
