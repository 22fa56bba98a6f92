"""Input/output topologies of an RNN: one-to-one, one-to-many, many-to-one, many-to-many.

All of them are the same cell (:func:`seqcore.rnn_step`) and the same output layer
(:func:`seqcore.rnn_logits`); they differ only in *when* an input goes in and
*when* an output is read. Every function returns logits :math:`o_t`; the output
function :math:`g` (softmax for a class, identity for a number) is the task's
choice and is applied afterwards.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace

from ._recurrent import zeros_state
from ._trace import implements
from ._validate import Floats, Group, Integer, Options, ShapeError, params
from .rnn import (
    NONLINEARITY,
    RNN_OUTPUT,
    RNN_SEQUENCE,
    RNN_WEIGHTS,
    _input_part,
    _phi,
    rnn_forward,
    rnn_logits,
)

__all__ = ["encoder_decoder", "many_to_many", "many_to_one", "one_to_many", "one_to_one"]

FEEDBACK = ("none", "output")


@implements("topology.one-to-one")
@params(W_xh=RNN_WEIGHTS["W_xh"], b_h=RNN_WEIGHTS["b_h"], **RNN_OUTPUT,
        x=Floats("batch?", "input"), nonlinearity=NONLINEARITY)
def one_to_one(x: Any, W_xh: Any, b_h: Any, W_hy: Any, b_y: Any = None,
               nonlinearity: str = "tanh") -> Any:
    r"""One input, one output: a single step from :math:`h_0 = \mathbf{0}`, i.e. an MLP.

    .. math::

        h = \phi(W_{xh}\, x + b_h), \qquad o = W_{hy}\, h + b_y

    Equation id: ``topology.one-to-one``. With :math:`T = 1` there is no earlier
    state, so :math:`W_{hh}` never acts: this is a one-hidden-layer feed-forward
    network, listed with the topologies only for comparison.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import one_to_one
    >>> o = one_to_one(np.array([1.0]), np.array([[2.0]]), np.zeros(1), np.array([[1.0]]))
    >>> print(o.round(4))
    [0.964]
    """
    h = _phi(array_namespace(x), nonlinearity)(_input_part(x, W_xh, b_h))   # h = φ(W_xh x + b_h)
    return rnn_logits(h, W_hy, b_y)                                          # o = W_hy h + b_y


@implements("topology.one-to-many")
@params(**RNN_WEIGHTS, **RNN_OUTPUT, x=Floats("batch?", "input"),
        h0=Floats("batch?", "hidden", optional=True), steps=Integer(ge=1),
        feedback=Options(*FEEDBACK), nonlinearity=NONLINEARITY)
def one_to_many(x: Any, steps: int, W_xh: Any, W_hh: Any, b_h: Any, W_hy: Any,
                b_y: Any = None, feedback: str = "none", h0: Any = None,
                nonlinearity: str = "tanh") -> tuple[Any, Any]:
    r"""One input starts a sequence of ``steps`` outputs.

    .. math::

        \begin{aligned}
        x_1 &= x, \qquad
        x_t = \begin{cases} \mathbf{0} & \text{feedback = none} \\
                            o_{t-1} & \text{feedback = output} \end{cases}
        \quad (t \ge 2) \\
        h_t &= \phi(W_{xh}\, x_t + W_{hh}\, h_{t-1} + b_h), \qquad o_t = W_{hy}\, h_t + b_y
        \end{aligned}

    Equation id: ``topology.one-to-many``. The single input enters at the first
    step. After that either nothing new comes in (``"none"``: the state alone
    carries the sequence on) or the previous output is fed back as the next input
    (``"output"``; needs ``output == input``). Generating words feeds back the
    *embedding of the chosen word* instead, a decoding choice (greedy, sampling)
    covered with sequence generation; feeding the raw output :math:`o_{t-1}` is the
    differentiable version (e.g. continuing a time series).

    Parameters
    ----------
    x : array, shape ``(input,)`` or ``(batch, input)``
    steps : int
        Number of outputs :math:`T \ge 1`.
    feedback : {"none", "output"}
    h0 : optional initial state (e.g. computed from an image in captioning)

    Returns
    -------
    O : array, shape ``(steps, ..., output)``
    H : array, shape ``(steps, ..., hidden)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import one_to_many
    >>> W = dict(W_xh=np.array([[1.0]]), W_hh=np.array([[0.5]]), b_h=np.zeros(1),
    ...          W_hy=np.array([[1.0]]))
    >>> O, H = one_to_many(np.array([1.0]), 3, **W)
    >>> print(O[:, 0].round(4))
    [0.7616 0.3634 0.1797]
    >>> O, H = one_to_many(np.array([1.0]), 3, **W, feedback="output")
    >>> print(O[:, 0].round(4))
    [0.7616 0.8152 0.8405]
    """
    if feedback == "output" and W_hy.shape[0] != W_xh.shape[1]:
        raise ShapeError(f"one_to_many: feedback='output' feeds o_(t-1) back as the next input, "
                         f"so `W_hy` must have output == input = {W_xh.shape[1]} rows; got "
                         f"{W_hy.shape[0]}")
    xp = array_namespace(x)
    phi = _phi(xp, nonlinearity)
    h = zeros_state(xp, x, W_hh.shape[0], time_major=False) if h0 is None else h0
    x_t, outs, H = x, [], []
    for _ in range(steps):
        h = phi(_input_part(x_t, W_xh, b_h) + h @ W_hh.T)   # h_t = φ(W_xh x_t + b_h + W_hh h_{t-1})
        o = rnn_logits(h, W_hy, b_y)                          # o_t = W_hy h_t + b_y
        H.append(h)
        outs.append(o)
        x_t = o if feedback == "output" else xp.zeros_like(x)
    return xp.stack(outs, axis=0), xp.stack(H, axis=0)


@implements("topology.many-to-one")
@params(**RNN_WEIGHTS, **RNN_SEQUENCE, **RNN_OUTPUT, nonlinearity=NONLINEARITY)
def many_to_one(xs: Any, W_xh: Any, W_hh: Any, b_h: Any, W_hy: Any, b_y: Any = None,
                h0: Any = None, nonlinearity: str = "tanh") -> Any:
    r"""A whole sequence in, one output out, read from the last state.

    .. math::

        h_t = \phi(W_{xh}\, x_t + W_{hh}\, h_{t-1} + b_h), \quad t = 1, \dots, T, \qquad
        o = W_{hy}\, h_T + b_y

    Equation id: ``topology.many-to-one`` (sentiment of a review, spam or not).

    Returns
    -------
    array, shape ``(output,)`` or ``(batch, output)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import many_to_one
    >>> xs = np.array([[1.0], [0.0], [0.0]])
    >>> o = many_to_one(xs, np.array([[2.0]]), np.array([[0.5]]), None, np.array([[1.0]]))
    >>> print(o.round(4))
    [0.2203]
    """
    _, h_T = rnn_forward(xs, W_xh, W_hh, b_h, h0=h0, nonlinearity=nonlinearity)
    return rnn_logits(h_T, W_hy, b_y)


@implements("topology.many-to-many")
@params(**RNN_WEIGHTS, **RNN_SEQUENCE, **RNN_OUTPUT, nonlinearity=NONLINEARITY)
def many_to_many(xs: Any, W_xh: Any, W_hh: Any, b_h: Any, W_hy: Any, b_y: Any = None,
                 h0: Any = None, nonlinearity: str = "tanh") -> tuple[Any, Any]:
    r"""Aligned many-to-many: one output for every input, at the same step.

    .. math::

        h_t = \phi(W_{xh}\, x_t + W_{hh}\, h_{t-1} + b_h), \qquad
        o_t = W_{hy}\, h_t + b_y, \qquad t = 1, \dots, T

    Equation id: ``topology.many-to-many`` (a tag per word, a label per video frame,
    a next-word distribution per position in a language model).

    Returns
    -------
    O : array, shape ``(T, ..., output)``
    H : array, shape ``(T, ..., hidden)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import many_to_many
    >>> xs = np.array([[1.0], [0.0], [0.0]])
    >>> W_xh, W_hh, W_hy = np.array([[2.0]]), np.array([[0.5]]), np.array([[1.0]])
    >>> O, H = many_to_many(xs, W_xh, W_hh, None, W_hy)
    >>> print(O[:, 0].round(4))
    [0.964  0.4479 0.2203]
    """
    H, _ = rnn_forward(xs, W_xh, W_hh, b_h, h0=h0, nonlinearity=nonlinearity)
    return rnn_logits(H, W_hy, b_y), H


@implements("topology.encoder-decoder")
@params(encoder=Group(**RNN_WEIGHTS),
        decoder=Group(W_xh=Floats("hidden", "dec_input"), W_hh=RNN_WEIGHTS["W_hh"],
                      b_h=RNN_WEIGHTS["b_h"]),
        xs=RNN_SEQUENCE["xs"], ys_in=Floats("dec_time", "batch?", "dec_input", nonempty="dec_time"),
        **RNN_OUTPUT, nonlinearity=NONLINEARITY)
def encoder_decoder(xs: Any, ys_in: Any, encoder: tuple, decoder: tuple, W_hy: Any,
                    b_y: Any = None, nonlinearity: str = "tanh") -> tuple[Any, Any]:
    r"""Many-to-many with different lengths: encode :math:`T` inputs, decode :math:`T'` outputs.

    .. math::

        \begin{aligned}
        h_t &= \phi(W^{e}_{xh}\, x_t + W^{e}_{hh}\, h_{t-1} + b^{e}_h),
            \quad t = 1, \dots, T, \qquad h_0 = \mathbf{0} \\
        s_\tau &= \phi(W^{d}_{xh}\, u_\tau + W^{d}_{hh}\, s_{\tau-1} + b^{d}_h),
            \quad \tau = 1, \dots, T', \qquad s_0 = h_T \\
        o_\tau &= W_{hy}\, s_\tau + b_y
        \end{aligned}

    Equation id: ``topology.encoder-decoder``. The encoder's last state is the only
    thing the decoder learns about the input: its initial state :math:`s_0`. The
    decoder's inputs :math:`u_\tau` are given here (in translation: ``<s>`` then the
    previous target word, i.e. teacher forcing); at inference they are the model's
    own previous choices. :math:`T` and :math:`T'` are independent.

    Parameters
    ----------
    xs : array, shape ``(T, input)`` or ``(T, batch, input)``
    ys_in : array, shape ``(T', dec_input)`` or ``(T', batch, dec_input)``
        The decoder's inputs :math:`u_1, \dots, u_{T'}`.
    encoder, decoder : tuples ``(W_xh, W_hh, b_h)``
        Two separate RNNs; they must have the same hidden size.
    W_hy, b_y : the decoder's output layer

    Returns
    -------
    O : array, shape ``(T', ..., output)``
    h_T : array, the encoder's summary :math:`h_T = s_0`

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import encoder_decoder
    >>> rng = np.random.default_rng(0)
    >>> enc = (rng.normal(size=(4, 3)), rng.normal(size=(4, 4)), np.zeros(4))
    >>> dec = (rng.normal(size=(4, 2)), rng.normal(size=(4, 4)), np.zeros(4))
    >>> O, c = encoder_decoder(rng.normal(size=(5, 3)), rng.normal(size=(2, 2)), enc, dec,
    ...                        rng.normal(size=(6, 4)))
    >>> print(O.shape, c.shape)                   # 5 inputs in, 2 outputs out
    (2, 6) (4,)
    """
    _, h_T = rnn_forward(xs, *encoder, nonlinearity=nonlinearity)          # the summary
    S, _ = rnn_forward(ys_in, *decoder, h0=h_T, nonlinearity=nonlinearity)  # s_0 = h_T
    return rnn_logits(S, W_hy, b_y), h_T

