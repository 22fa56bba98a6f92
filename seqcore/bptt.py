"""Loss over time and backpropagation through time (BPTT) for the vanilla RNN, by hand.

Notation as in :mod:`seqcore.rnn`: :math:`h_t = \\phi(a_t)`,
:math:`a_t = W_{xh} x_t + W_{hh} h_{t-1} + b_h`, logits
:math:`o_t = W_{hy} h_t + b_y`, prediction :math:`\\hat y_t = \\operatorname{softmax}(o_t)`,
and the target :math:`y_t` is a class index (the one-hot vector's position).

Everything here is written with plain array operations; the tests compare each
gradient with ``torch.autograd``.
"""

from __future__ import annotations

from typing import Any

import array_api_compat
from array_api_compat import array_namespace

from ._recurrent import leading_sum, outer_sum, zeros_state
from ._trace import implements
from ._validate import Floats, Integer, Ints, params
from .activations import log_softmax, softmax
from .rnn import NONLINEARITY, RNN_OUTPUT, RNN_SEQUENCE, RNN_WEIGHTS, rnn_forward, rnn_logits

#: Logits over ``classes`` and the true class of each, with any leading axes.
SCORED = {"logits": Floats(..., "classes", finite=True), "targets": Ints(..., ge=0, lt="classes")}
#: The same along a sequence (time first) of an RNN whose output layer gives the classes.
SEQUENCE_TARGETS = Ints("time", "batch?", ge=0, lt="output")
STATE_GRAD = Floats("batch?", "hidden", optional=True)

__all__ = [
    "cross_entropy",
    "cross_entropy_grad",
    "output_layer_backward",
    "rnn_backward",
    "rnn_bptt",
    "sequence_cross_entropy",
    "truncated_bptt",
]


def _one_hot(xp: Any, logits: Any, targets: Any) -> Any:
    """y_t as one-hot rows in the dtype of the logits."""
    classes = xp.arange(logits.shape[-1], device=array_api_compat.device(logits))
    return xp.astype(classes == targets[..., None], logits.dtype)


@implements("bptt.loss-step")
@params(**SCORED)
def cross_entropy(logits: Any, targets: Any) -> Any:
    r"""Cross-entropy of one step (or of every step at once), from the logits.

    .. math::

        L_t = -\sum_{k} (e_{y_t})_k \log \hat{y}_{t,k} = -\log \hat{y}_{t, y_t}
            = -\log \operatorname{softmax}(o_t)_{y_t}

    Equation id: ``bptt.loss-step``. Computed with :func:`log_softmax`, so a
    confident wrong answer costs a large finite number instead of ``inf``.

    Parameters
    ----------
    logits : array, shape ``(..., K)``
        The scores :math:`o_t`; any leading axes (time, batch).
    targets : integer array, shape ``(...)``
        The index of the correct class at each position.

    Returns
    -------
    array, shape ``(...)``
        :math:`L_t` for each position.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import cross_entropy
    >>> logits = np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> print(cross_entropy(logits, np.array([0, 2])).round(4))
    [0.2395 1.0986]
    """
    xp = array_namespace(logits)
    return -xp.sum(_one_hot(xp, logits, targets) * log_softmax(logits, axis=-1), axis=-1)


@implements("bptt.loss-total")
@params(logits=Floats("time", "batch?", "classes", finite=True, nonempty="time"),
        targets=Ints("time", "batch?", ge=0, lt="classes"))
def sequence_cross_entropy(logits: Any, targets: Any) -> Any:
    r"""The loss of a whole sequence: the per-step cross-entropies summed over time.

    .. math::

        L = \sum_{t=1}^{T} L_t

    Equation id: ``bptt.loss-total``. Time is the first axis, as everywhere in
    :mod:`seqcore`; a batch axis after it is kept (one total per sequence).

    Parameters
    ----------
    logits : array, shape ``(T, K)`` or ``(T, batch, K)``
    targets : integer array, shape ``(T,)`` or ``(T, batch)``

    Returns
    -------
    scalar array, or shape ``(batch,)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import sequence_cross_entropy
    >>> O = np.zeros((4, 5))                       # uniform guesses over 5 classes, 4 steps
    >>> # 4 log 5
    >>> print(round(float(sequence_cross_entropy(O, np.array([1, 2, 3, 4]))), 4))
    6.4378
    """
    return array_namespace(logits).sum(cross_entropy(logits, targets), axis=0)   # Σ_t L_t


@implements("bptt.dlogits")
@params(**SCORED)
def cross_entropy_grad(logits: Any, targets: Any) -> Any:
    r"""Gradient of the cross-entropy with respect to the logits: prediction minus target.

    .. math::

        \frac{\partial L_t}{\partial o_t} = \hat{y}_t - e_{y_t}

    Equation id: ``bptt.dlogits``. The softmax's Jacobian and the log's
    derivative cancel to this simple difference, which is why softmax and
    cross-entropy are always paired.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import cross_entropy_grad
    >>> print(cross_entropy_grad(np.array([0.0, 0.0]), np.array(1)))
    [ 0.5 -0.5]
    """
    return softmax(logits, axis=-1) - _one_hot(array_namespace(logits), logits, targets)


@implements("bptt.output-grads")
@params(W_hy=Floats("output", "hidden"), H=Floats(..., "hidden"), dO=Floats(..., "output"))
def output_layer_backward(H: Any, dO: Any, W_hy: Any) -> dict[str, Any]:
    r"""Backward through the output layer :math:`o_t = W_{hy} h_t + b_y`, every step.

    .. math::

        \frac{\partial L}{\partial W_{hy}} = \sum_t \delta o_t\, h_t^\top, \qquad
        \frac{\partial L}{\partial b_y} = \sum_t \delta o_t, \qquad
        \frac{\partial L_t}{\partial h_t} = W_{hy}^\top \delta o_t

    with :math:`\delta o_t = \partial L / \partial o_t`. Equation id:
    ``bptt.output-grads``. The weights are shared over time, so their
    gradients are sums over every step (and every sequence of a batch).

    Parameters
    ----------
    H : array, shape ``(T, ..., hidden)``
    dO : array, shape ``(T, ..., output)``
    W_hy : array, shape ``(output, hidden)``

    Returns
    -------
    dict with ``"H"`` (the direct gradient of each :math:`h_t`), ``"W_hy"``, ``"b_y"``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import output_layer_backward
    >>> g = output_layer_backward(np.ones((3, 2)), np.ones((3, 4)), np.ones((4, 2)))
    >>> print(g["W_hy"][0], g["b_y"], g["H"][0])
    [3. 3.] [3. 3. 3. 3.] [4. 4.]
    """
    xp = array_namespace(H)
    return {"H": dO @ W_hy,                        # W_hyᵀ δo_t, as rows
            "W_hy": outer_sum(xp, dO, H),          # Σ_t δo_t h_tᵀ
            "b_y": leading_sum(xp, dO)}            # Σ_t δo_t


def _phi_prime(xp: Any, H: Any, nonlinearity: str) -> Any:
    if nonlinearity == "tanh":
        return 1.0 - H * H                             # tanh'(a_t) = 1 − h_t²
    return xp.astype(H > 0, H.dtype)                   # ReLU'(a_t) = 1[a_t > 0] = 1[h_t > 0]


@implements("bptt.hidden-grad", "bptt.weight-grads", "bptt.input-grads")
@params(W_xh=RNN_WEIGHTS["W_xh"], W_hh=RNN_WEIGHTS["W_hh"], **RNN_SEQUENCE,
        H=Floats("time", "batch?", "hidden"), dH=Floats("time", "batch?", "hidden"),
        dh_T=STATE_GRAD, nonlinearity=NONLINEARITY)
def rnn_backward(xs: Any, H: Any, dH: Any, W_xh: Any, W_hh: Any, h0: Any = None,
                 dh_T: Any = None, nonlinearity: str = "tanh") -> dict[str, Any]:
    r"""Backpropagation through time for the vanilla RNN, given the forward states.

    .. math::

        \begin{aligned}
        \delta h_t &= \frac{\partial L}{\partial h_t}\Big|_{\text{direct}}
                      + W_{hh}^\top \delta a_{t+1}, \qquad \delta a_{T+1} = \mathbf{0} \\
        \delta a_t &= \delta h_t \odot \phi'(a_t)
                    = \delta h_t \odot (1 - h_t^2) \quad (\phi = \tanh) \\
        \frac{\partial L}{\partial W_{xh}} &= \sum_{t=1}^{T} \delta a_t\, x_t^\top, \quad
        \frac{\partial L}{\partial W_{hh}} = \sum_{t=1}^{T} \delta a_t\, h_{t-1}^\top, \quad
        \frac{\partial L}{\partial b_h} = \sum_{t=1}^{T} \delta a_t \\
        \frac{\partial L}{\partial x_t} &= W_{xh}^\top \delta a_t, \qquad
        \frac{\partial L}{\partial h_0} = W_{hh}^\top \delta a_1
        \end{aligned}

    Equation ids: ``bptt.hidden-grad``, ``bptt.weight-grads``,
    ``bptt.input-grads``. Only the recursion for :math:`\delta h_t` has to run
    step by step; the weight gradients are then one matrix product each over
    all steps and the whole batch.

    Parameters
    ----------
    xs : array, shape ``(T, input)`` or ``(T, batch, input)``
    H : array, shape ``(T, ..., hidden)``
        The states of the forward pass (:func:`seqcore.rnn_forward`).
    dH : array, shape ``(T, ..., hidden)``
        :math:`\partial L/\partial h_t` from outside the recurrence (e.g.
        ``output_layer_backward(...)["H"]``).
    W_xh, W_hh, h0, nonlinearity
        As in the forward pass.
    dh_T : array, shape ``(..., hidden)``, optional
        Extra gradient arriving at :math:`h_T` from beyond the sequence.

    Returns
    -------
    dict with ``"xs", "h0", "W_xh", "W_hh", "b_h"``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import rnn_backward, rnn_forward
    >>> xs, W_xh, W_hh = np.array([[1.0], [0.0]]), np.array([[2.0]]), np.array([[0.5]])
    >>> H, _ = rnn_forward(xs, W_xh, W_hh)
    >>> g = rnn_backward(xs, H, np.array([[0.0], [1.0]]), W_xh, W_hh)   # L = h_2
    >>> print(round(float(g["xs"][0, 0]), 6), round(float((1 - H[1, 0]**2) * 0.5
    ...       * (1 - H[0, 0]**2) * 2.0), 6))                             # ∂h_2/∂x_1 by hand
    0.05648 0.05648
    """
    xp = array_namespace(xs)
    h0 = zeros_state(xp, xs, W_hh.shape[0]) if h0 is None else h0
    D = _phi_prime(xp, H, nonlinearity)                # φ'(a_t) for every step at once
    carry = xp.zeros_like(h0) if dh_T is None else dh_T
    dA = [None] * xs.shape[0]
    for t in range(xs.shape[0] - 1, -1, -1):
        dh = dH[t, ...] + carry                        # δh_t = direct + W_hhᵀ δa_{t+1}
        dA[t] = dh * D[t, ...]                         # δa_t = δh_t ⊙ φ'(a_t)
        carry = dA[t] @ W_hh                           # W_hhᵀ δa_t (rows: δa_tᵀ W_hh)
    DA = xp.stack(dA, axis=0)
    H_prev = xp.concat([h0[None, ...], H[:-1, ...]], axis=0)
    return {
        "xs": DA @ W_xh,                               # ∂L/∂x_t = W_xhᵀ δa_t
        "h0": carry,                                   # ∂L/∂h_0 = W_hhᵀ δa_1
        "W_xh": outer_sum(xp, DA, xs),                 # Σ_t δa_t x_tᵀ
        "W_hh": outer_sum(xp, DA, H_prev),             # Σ_t δa_t h_{t-1}ᵀ
        "b_h": leading_sum(xp, DA),                    # Σ_t δa_t
    }


@implements("bptt.total")
@params(**RNN_WEIGHTS, **RNN_SEQUENCE, **RNN_OUTPUT, targets=SEQUENCE_TARGETS, dh_T=STATE_GRAD,
        nonlinearity=NONLINEARITY)
def rnn_bptt(xs: Any, targets: Any, W_xh: Any, W_hh: Any, b_h: Any, W_hy: Any, b_y: Any,
             h0: Any = None, nonlinearity: str = "tanh", dh_T: Any = None
             ) -> tuple[Any, dict[str, Any]]:
    r"""Loss and every gradient of an RNN with a softmax output at each step.

    .. math::

        \frac{\partial L}{\partial W_{hh}}
        = \sum_{t=1}^{T} \sum_{k=1}^{t}
          \frac{\partial L_t}{\partial h_t}
          \Bigl(\prod_{j=k+1}^{t} \frac{\partial h_j}{\partial h_{j-1}}\Bigr)
          \frac{\partial^{+} h_k}{\partial W_{hh}}

    Equation id: ``bptt.total``. The double sum over every path from a loss
    :math:`L_t` back to the step :math:`k` where :math:`W_{hh}` acted is never
    formed: :func:`rnn_backward`'s recursion for :math:`\delta h_t` adds the
    paths up one step at a time (``∂⁺`` is the derivative of step :math:`k`
    alone, holding :math:`h_{k-1}` fixed).

    Parameters
    ----------
    xs : array, shape ``(T, input)`` or ``(T, batch, input)``
    targets : integer array, shape ``(T,)`` or ``(T, batch)``
        The correct class at each step.
    W_xh, W_hh, b_h, W_hy, b_y, h0, nonlinearity
        The network (biases are required here: pass zeros for none).
    dh_T : optional
        Extra gradient arriving at :math:`h_T` (used by :func:`truncated_bptt`).

    Returns
    -------
    loss : scalar array
        :math:`L`, summed over time and over the batch.
    grads : dict
        ``"W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0", "xs"``, and ``"h_T"`` (the last state).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import rnn_bptt
    >>> rng = np.random.default_rng(0)
    >>> xs, y = rng.normal(size=(6, 3)), np.array([0, 1, 2, 0, 1, 2])
    >>> W = dict(W_xh=rng.normal(size=(4, 3)), W_hh=rng.normal(size=(4, 4)),
    ...          b_h=np.zeros(4), W_hy=rng.normal(size=(3, 4)), b_y=np.zeros(3))
    >>> loss, g = rnn_bptt(xs, y, **W)
    >>> print(round(float(loss), 4), g["W_hh"].shape, g["xs"].shape)
    15.1955 (4, 4) (6, 3)
    """
    H, h_T = rnn_forward(xs, W_xh, W_hh, b_h, h0=h0, nonlinearity=nonlinearity)
    logits = rnn_logits(H, W_hy, b_y)                      # o_t = W_hy h_t + b_y
    loss = array_namespace(H).sum(cross_entropy(logits, targets))
    dO = cross_entropy_grad(logits, targets)               # δo_t = ŷ_t − y_t
    out = output_layer_backward(H, dO, W_hy)
    g = rnn_backward(xs, H, out["H"], W_xh, W_hh, h0=h0, dh_T=dh_T, nonlinearity=nonlinearity)
    return loss, {"W_xh": g["W_xh"], "W_hh": g["W_hh"], "b_h": g["b_h"], "W_hy": out["W_hy"],
                  "b_y": out["b_y"], "h0": g["h0"], "xs": g["xs"], "h_T": h_T}


@implements("bptt.truncated")
@params(**RNN_WEIGHTS, **RNN_SEQUENCE, **RNN_OUTPUT, targets=SEQUENCE_TARGETS, k=Integer(ge=1),
        nonlinearity=NONLINEARITY)
def truncated_bptt(xs: Any, targets: Any, W_xh: Any, W_hh: Any, b_h: Any, W_hy: Any, b_y: Any,
                   k: int, h0: Any = None, nonlinearity: str = "tanh"
                   ) -> tuple[Any, dict[str, Any]]:
    r"""Truncated BPTT: chunks of ``k`` steps, the state carried forward, gradients not back.

    .. math::

        \widetilde{\nabla}_\theta L
        = \sum_{c} \nabla_\theta \sum_{t \in \text{chunk } c} L_t
          \Big|_{h_{s_c - 1} \text{ held constant}}, \qquad
        \text{chunk } c = \{s_c, \dots, s_c + k - 1\}

    Equation id: ``bptt.truncated``. The forward pass is the same as without
    truncation (each chunk starts from the last state of the one before), but
    no gradient crosses a chunk boundary, so no path spans more than ``k - 1``
    steps: cost and memory per chunk are bounded, and a dependency of ``k`` or
    more steps cannot be learned through the gradient. With ``k >= T`` it is
    full BPTT.

    The gradients of all chunks are summed here (weights held fixed); in
    training one usually updates the weights after each chunk instead.

    Parameters
    ----------
    xs, targets, W_xh, W_hh, b_h, W_hy, b_y, h0, nonlinearity
        As in :func:`rnn_bptt`.
    k : int
        Chunk length, ``k >= 1``.

    Returns
    -------
    loss, grads
        As in :func:`rnn_bptt`; ``grads["h0"]`` is the gradient of the first
        chunk's loss only.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import rnn_bptt, truncated_bptt
    >>> rng = np.random.default_rng(0)
    >>> xs, y = rng.normal(size=(6, 3)), np.array([0, 1, 2, 0, 1, 2])
    >>> W = dict(W_xh=rng.normal(size=(4, 3)), W_hh=rng.normal(size=(4, 4)),
    ...          b_h=np.zeros(4), W_hy=rng.normal(size=(3, 4)), b_y=np.zeros(3))
    >>> full, g = rnn_bptt(xs, y, **W)
    >>> cut, g2 = truncated_bptt(xs, y, **W, k=2)
    >>> # the same loss, another gradient
    >>> print(np.isclose(full, cut), np.allclose(g["W_hh"], g2["W_hh"]))
    True False
    """
    total, grads, h = None, None, h0
    for s in range(0, xs.shape[0], k):
        loss, g = rnn_bptt(xs[s:s + k, ...], targets[s:s + k, ...], W_xh, W_hh, b_h, W_hy, b_y,
                           h0=h, nonlinearity=nonlinearity)
        h = g.pop("h_T")                               # carried forward as a constant
        dxs = g.pop("xs")
        if grads is None:
            total, grads, parts = loss, g, [dxs]
        else:
            total = total + loss
            g.pop("h0")                                # a chunk's h0 is a constant, not a leaf
            grads = {name: grads[name] + g[name] for name in grads if name != "h0"} | {
                "h0": grads["h0"]}
            parts.append(dxs)
    grads["xs"] = array_namespace(xs).concat(parts, axis=0)
    grads["h_T"] = h
    return total, grads
