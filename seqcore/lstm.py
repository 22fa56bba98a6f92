"""Long short-term memory (LSTM): the step with every gate, the sequence, the backward pass.

Weights use PyTorch's layout, the four gate blocks stacked in the order
``i, f, g, o`` (input gate, forget gate, candidate, output gate):

=================  =========================  ==========================
symbol             shape                      PyTorch name
=================  =========================  ==========================
:math:`W_{i\\ast}`  ``(4·hidden, input)``      ``weight_ih_l0``
:math:`W_{h\\ast}`  ``(4·hidden, hidden)``     ``weight_hh_l0``
:math:`b_{i\\ast}`  ``(4·hidden,)``            ``bias_ih_l0``
:math:`b_{h\\ast}`  ``(4·hidden,)``            ``bias_hh_l0``
=================  =========================  ==========================

In an LSTM the two biases only ever appear as a sum, as in the vanilla RNN.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace

from ._recurrent import leading_sum, outer_sum, zeros_state
from ._trace import implements
from ._validate import Floats, params
from .activations import _sigmoid

__all__ = ["lstm_backward", "lstm_forward", "lstm_step"]

GATES = ("i", "f", "g", "o")
#: PyTorch's layout: the four gate blocks i, f, g, o stacked, each ``hidden`` rows.
LSTM_WEIGHTS = {"W_hh": Floats("4*hidden", "hidden"), "W_ih": Floats("4*hidden", "input"),
                "b_ih": Floats("4*hidden", optional=True),
                "b_hh": Floats("4*hidden", optional=True)}
SEQUENCE = {"xs": Floats("time", "batch?", "input", nonempty="time"),
            "h0": Floats("batch?", "hidden", optional=True),
            "c0": Floats("batch?", "hidden", optional=True)}


def _pre(x: Any, W_ih: Any, b_ih: Any, b_hh: Any) -> Any:
    xw = x @ W_ih.T                                    # W_i* x_t for the four gates at once
    if b_ih is not None:
        xw = xw + b_ih
    if b_hh is not None:
        xw = xw + b_hh
    return xw


def _cell(xp: Any, xw: Any, h_prev: Any, c_prev: Any, W_hh: Any):
    n = W_hh.shape[1]
    a = xw + h_prev @ W_hh.T                           # all four pre-activations at once
    i = _sigmoid(xp, a[..., 0:n])                      # i_t = σ(W_ii x_t + W_hi h_{t-1} + b_i)
    f = _sigmoid(xp, a[..., n:2 * n])                  # f_t = σ(W_if x_t + W_hf h_{t-1} + b_f)
    g = xp.tanh(a[..., 2 * n:3 * n])                   # g_t = tanh(W_ig x_t + W_hg h_{t-1} + b_g)
    o = _sigmoid(xp, a[..., 3 * n:4 * n])              # o_t = σ(W_io x_t + W_ho h_{t-1} + b_o)
    c = f * c_prev + i * g                             # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h = o * xp.tanh(c)                                 # h_t = o_t ⊙ tanh(c_t)
    return h, c, (i, f, g, o)


def _run(xp: Any, xs: Any, W_ih: Any, W_hh: Any, b_ih: Any, b_hh: Any, h: Any, c: Any,
         keep: bool):
    XW = _pre(xs, W_ih, b_ih, b_hh)                    # every input projection at once
    H, C, gates = [], [], []
    for t in range(xs.shape[0]):
        h, c, gs = _cell(xp, XW[t, ...], h, c, W_hh)
        H.append(h)
        if keep:
            C.append(c)
            gates.append(gs)
    return H, C, gates, h, c


@implements("lstm.gates", "lstm.cell", "lstm.hidden")
@params(**LSTM_WEIGHTS, x=Floats("batch?", "input"), h_prev=Floats("batch?", "hidden"),
        c_prev=Floats("batch?", "hidden"))
def lstm_step(x: Any, h_prev: Any, c_prev: Any, W_ih: Any, W_hh: Any, b_ih: Any = None,
              b_hh: Any = None) -> tuple[Any, Any]:
    r"""One LSTM step: four gates, the new cell state and the new hidden state.

    .. math::

        \begin{aligned}
        i_t &= \sigma(W_{ii} x_t + W_{hi} h_{t-1} + b_i) &
        f_t &= \sigma(W_{if} x_t + W_{hf} h_{t-1} + b_f) \\
        g_t &= \tanh(W_{ig} x_t + W_{hg} h_{t-1} + b_g) &
        o_t &= \sigma(W_{io} x_t + W_{ho} h_{t-1} + b_o) \\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t &
        h_t &= o_t \odot \tanh(c_t)
        \end{aligned}

    Equation ids: ``lstm.gates``, ``lstm.cell``, ``lstm.hidden``. Each bias
    :math:`b_\ast` is the sum of the matching blocks of ``b_ih`` and ``b_hh``.

    Parameters
    ----------
    x : array, shape ``(input,)`` or ``(batch, input)``
    h_prev, c_prev : arrays, shape ``(hidden,)`` or ``(batch, hidden)``
        Previous hidden state :math:`h_{t-1}` and cell state :math:`c_{t-1}`.
    W_ih : array, shape ``(4·hidden, input)``, blocks ``i, f, g, o``
    W_hh : array, shape ``(4·hidden, hidden)``
    b_ih, b_hh : arrays, shape ``(4·hidden,)``, optional

    Returns
    -------
    h, c : arrays, shape like ``h_prev``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import lstm_step
    >>> n, d = 2, 1
    >>> W_ih = np.ones((4 * n, d)); W_hh = np.zeros((4 * n, n))
    >>> h, c = lstm_step(np.array([2.0]), np.zeros(n), np.zeros(n), W_ih, W_hh)
    >>> print(h.round(4), c.round(4))        # c = σ(2)·tanh(2), h = σ(2)·tanh(c)
    [0.6083 0.6083] [0.8491 0.8491]
    """
    h, c, _ = _cell(array_namespace(x), _pre(x, W_ih, b_ih, b_hh), h_prev, c_prev, W_hh)
    return h, c


@implements("lstm.unroll")
@params(**LSTM_WEIGHTS, **SEQUENCE)
def lstm_forward(xs: Any, W_ih: Any, W_hh: Any, b_ih: Any = None, b_hh: Any = None,
                 h0: Any = None, c0: Any = None) -> tuple[Any, Any, Any]:
    r"""Run :func:`lstm_step` over a time-major sequence.

    .. math::

        (h_t, c_t) = \operatorname{LSTM}(x_t, h_{t-1}, c_{t-1}), \quad t = 1, \dots, T,
        \qquad h_0 = c_0 = \mathbf{0} \text{ unless given}

    Equation id: ``lstm.unroll``.

    Parameters
    ----------
    xs : array, shape ``(T, input)`` or ``(T, batch, input)``
    W_ih, W_hh, b_ih, b_hh
        As in :func:`lstm_step`.
    h0, c0 : arrays, shape ``(hidden,)`` or ``(batch, hidden)``, optional

    Returns
    -------
    H : array, shape ``(T, ..., hidden)``
        Every hidden state (what ``torch.nn.LSTM`` calls ``output``).
    h_T, c_T : arrays, shape ``(..., hidden)``
        The last hidden and cell state (``h_n``, ``c_n``).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import lstm_forward
    >>> rng = np.random.default_rng(0)
    >>> H, h_T, c_T = lstm_forward(rng.normal(size=(5, 3)), rng.normal(size=(8, 3)),
    ...                            rng.normal(size=(8, 2)))
    >>> print(H.shape, h_T.shape, c_T.shape)
    (5, 2) (2,) (2,)
    """
    xp, n = array_namespace(xs), W_hh.shape[1]
    h0 = zeros_state(xp, xs, n) if h0 is None else h0
    c0 = zeros_state(xp, xs, n) if c0 is None else c0
    H, _, _, h, c = _run(xp, xs, W_ih, W_hh, b_ih, b_hh, h0, c0, keep=False)
    return xp.stack(H, axis=0), h, c


@implements("lstm.backward")
@params(**LSTM_WEIGHTS, **SEQUENCE, dH=Floats("time", "batch?", "hidden"),
        dh_T=Floats("batch?", "hidden", optional=True),
        dc_T=Floats("batch?", "hidden", optional=True))
def lstm_backward(xs: Any, dH: Any, W_ih: Any, W_hh: Any, b_ih: Any = None,
                  b_hh: Any = None, h0: Any = None, c0: Any = None, dh_T: Any = None,
                  dc_T: Any = None) -> dict[str, Any]:
    r"""Backpropagation through time for an LSTM, written out by hand.

    Given :math:`\partial L / \partial h_t` for every step (``dH``, the part that
    reaches :math:`h_t` from outside the recurrence, e.g. from an output layer),
    walk back from :math:`t = T` to 1 carrying :math:`\delta h` and :math:`\delta c`:

    .. math::

        \begin{aligned}
        \delta h_t &= \tfrac{\partial L}{\partial h_t}\big|_{\text{direct}}
                      + W_{h\ast}^\top \delta a_{t+1} \\
        \delta c_t &= \delta h_t \odot o_t \odot (1 - \tanh^2 c_t)
                      + \delta c_{t+1} \odot f_{t+1} \\
        \delta a^{o}_t &= \delta h_t \odot \tanh(c_t) \odot o_t (1 - o_t) &
        \delta a^{i}_t &= \delta c_t \odot g_t \odot i_t (1 - i_t) \\
        \delta a^{f}_t &= \delta c_t \odot c_{t-1} \odot f_t (1 - f_t) &
        \delta a^{g}_t &= \delta c_t \odot i_t \odot (1 - g_t^2)
        \end{aligned}

    and :math:`\partial L/\partial W_{i\ast} = \sum_t \delta a_t x_t^\top`,
    :math:`\partial L/\partial W_{h\ast} = \sum_t \delta a_t h_{t-1}^\top`,
    :math:`\partial L/\partial b = \sum_t \delta a_t`,
    :math:`\partial L/\partial x_t = W_{i\ast}^\top \delta a_t`, where
    :math:`\delta a_t = [\delta a^i_t; \delta a^f_t; \delta a^g_t; \delta a^o_t]`.

    Equation id: ``lstm.backward``. The forward pass is recomputed inside.

    Parameters
    ----------
    xs : array, shape ``(T, input)`` or ``(T, batch, input)``
    dH : array, shape ``(T, ..., hidden)``
        :math:`\partial L/\partial h_t` from outside the recurrence, for every step.
    W_ih, W_hh, b_ih, b_hh, h0, c0
        As in :func:`lstm_forward`.
    dh_T, dc_T : arrays, shape ``(..., hidden)``, optional
        Extra gradient arriving at the final states (e.g. from a later chunk).

    Returns
    -------
    dict with keys ``"xs", "h0", "c0", "W_ih", "W_hh", "b_ih", "b_hh"``
        The gradient of :math:`L` with respect to each; ``b_ih`` and ``b_hh`` get the
        same gradient because only their sum enters.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import lstm_backward
    >>> rng = np.random.default_rng(0)
    >>> xs, W_ih = rng.normal(size=(4, 3)), rng.normal(size=(8, 3))
    >>> W_hh = rng.normal(size=(8, 2))
    >>> g = lstm_backward(xs, np.ones((4, 2)), W_ih, W_hh)     # L = sum of every h_t
    >>> print(sorted(g), g["W_ih"].shape, g["xs"].shape)
    ['W_hh', 'W_ih', 'b_hh', 'b_ih', 'c0', 'h0', 'xs'] (8, 3) (4, 3)
    """
    xp, n = array_namespace(xs), W_hh.shape[1]
    h0 = zeros_state(xp, xs, n) if h0 is None else h0
    c0 = zeros_state(xp, xs, n) if c0 is None else c0
    H, C, gates, _, _ = _run(xp, xs, W_ih, W_hh, b_ih, b_hh, h0, c0, keep=True)
    return _bptt(xp, xs, dH, W_ih, W_hh, h0, c0, dh_T, dc_T, H, C, gates)


def _bptt(xp: Any, xs: Any, dH: Any, W_ih: Any, W_hh: Any, h0: Any, c0: Any, dh_T: Any,
          dc_T: Any, H: list, C: list, gates: list) -> dict[str, Any]:
    """The backward walk of :func:`lstm_backward`, from a forward pass kept by ``_run``
    (a caller that ran ``_run(..., keep=True)`` itself, a training step, does not run it
    twice)."""
    dh_next = xp.zeros_like(h0) if dh_T is None else dh_T
    dc_next = xp.zeros_like(c0) if dc_T is None else dc_T
    dA = [None] * xs.shape[0]
    for t in range(xs.shape[0] - 1, -1, -1):
        i, f, g, o = gates[t]
        c_prev = C[t - 1] if t > 0 else c0
        dh = dH[t, ...] + dh_next                      # direct + through h_{t+1}
        tc = xp.tanh(C[t])
        dc = dc_next + dh * o * (1.0 - tc * tc)        # through h_t = o ⊙ tanh(c_t), and c_{t+1}
        dA[t] = xp.concat([
            dc * g * i * (1.0 - i),                    # δa^i
            dc * c_prev * f * (1.0 - f),               # δa^f
            dc * i * (1.0 - g * g),                    # δa^g
            dh * tc * o * (1.0 - o),                   # δa^o
        ], axis=-1)
        dh_next = dA[t] @ W_hh                         # W_h*ᵀ δa_t, as a row vector
        dc_next = dc * f                               # c_t = f_t ⊙ c_{t-1} + …
    DA = xp.stack(dA, axis=0)
    H_prev = xp.stack([h0, *H[:-1]], axis=0)
    db = leading_sum(xp, DA)
    return {
        "xs": DA @ W_ih,                               # ∂L/∂x_t = W_i*ᵀ δa_t
        "h0": dh_next,
        "c0": dc_next,
        "W_ih": outer_sum(xp, DA, xs),                 # Σ_t δa_t x_tᵀ
        "W_hh": outer_sum(xp, DA, H_prev),             # Σ_t δa_t h_{t-1}ᵀ
        "b_ih": db,
        "b_hh": db,
    }
