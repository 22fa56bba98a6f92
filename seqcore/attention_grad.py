r"""Backward passes of attention, by hand: the chain rule through each line of the forward pass.

Every function here takes the gradient of the loss with respect to the forward
pass's output first (``d_out``, ``d_scores``… : :math:`\delta y = \partial L/\partial y`),
then the forward pass's own arguments, and returns the gradients of those arguments
in a dict keyed by their names. Weight gradients are summed over every leading
(batch) axis, because one weight serves the whole batch.

The forward passes are :mod:`seqcore.attention`'s; the tests compare every gradient
with ``torch.autograd`` in float64.
"""

from __future__ import annotations

import math
from typing import Any

from array_api_compat import array_namespace

from ._recurrent import leading_sum, outer_sum
from ._trace import implements
from ._validate import Floats, params
from .attention import KEYS, QUERY

__all__ = [
    "additive_score_backward",
    "context_vector_backward",
    "dot_score_backward",
    "general_score_backward",
    "scaled_dot_product_attention_backward",
    "softmax_backward",
]


def _owned(x: Any) -> bool:
    """May ``x``, a temporary of ours, be overwritten? Not while autograd records it."""
    return not getattr(x, "requires_grad", False)


def _softmax_vjp(xp: Any, A: Any, dA: Any) -> Any:
    # δe = α ⊙ (δα − Σ_k α_k δα_k): one pass for the row sums, then in place on δα
    dot = xp.sum(A * dA, axis=-1, keepdims=True)
    if _owned(dA):
        dA -= dot
        dA *= A
        return dA
    return A * (dA - dot)


@implements("attention.softmax-backward")
@params(weights=Floats(..., "S"), d_weights=Floats(..., "S"))
def softmax_backward(d_weights: Any, weights: Any) -> Any:
    r"""Gradient of the scores from the gradient of the softmax weights (masked or not).

    .. math::

        \delta e_j = \alpha_j \Bigl(\delta\alpha_j - \sum_{k=1}^{S} \alpha_k\, \delta\alpha_k\Bigr)

    Equation id: ``attention.softmax-backward``. The softmax's Jacobian is
    :math:`\partial \alpha_k / \partial e_j = \alpha_k ([k = j] - \alpha_j)`;
    multiplied by :math:`\delta\alpha` it never has to be formed. A position the
    mask blocked has :math:`\alpha_j = 0`, so its score gets gradient exactly 0: the
    same formula serves the masked softmax (:func:`seqcore.attention_weights`).

    Parameters
    ----------
    d_weights : array, shape ``(..., S)``
        :math:`\partial L / \partial \alpha`.
    weights : array, shape ``(..., S)``
        The forward pass's weights :math:`\alpha` (rows summing to 1).

    Returns
    -------
    array, shape ``(..., S)``
        :math:`\partial L / \partial e`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import attention_weights, softmax_backward
    >>> w = attention_weights(np.array([1.0, 2.0, 0.0]), mask=np.array([True, True, False]))
    >>> # L = α_1: raising e_1 raises α_1, raising e_2 lowers it; e_3 is blocked
    >>> g = softmax_backward(np.array([1.0, 0.0, 0.0]), w)
    >>> print(g[:2].round(4), g[2] == 0)
    [ 0.1966 -0.1966] True
    """
    W, dW = weights, d_weights
    return W * (dW - array_namespace(W).sum(W * dW, axis=-1, keepdims=True))


@implements("attention.scaled-dot-backward")
@params(Q=Floats(..., "n_q", "d_k"), K=Floats(..., "n_k", "d_k"), V=Floats(..., "n_k", "d_v"),
        weights=Floats(..., "n_q", "n_k"), d_out=Floats(..., "n_q", "d_v"))
def scaled_dot_product_attention_backward(d_out: Any, Q: Any, K: Any, V: Any,
                                          weights: Any) -> dict[str, Any]:
    r"""Gradients of :math:`Q, K, V` through scaled dot-product attention (any mask).

    .. math::

        \begin{aligned}
        \delta V &= A^{\top} \delta O \\
        \delta A &= \delta O\, V^{\top} \\
        \delta Z_{ij} &= A_{ij} \Bigl(\delta A_{ij} - \sum_{k} A_{ik}\, \delta A_{ik}\Bigr) \\
        \delta Q &= \delta Z\, K / \sqrt{d_k} \\
        \delta K &= \delta Z^{\top} Q / \sqrt{d_k}
        \end{aligned}

    Equation id: ``attention.scaled-dot-backward``, for the forward pass
    :math:`Z = QK^{\top}/\sqrt{d_k} + M`, :math:`A = \operatorname{softmax}(Z)`,
    :math:`O = AV` (:func:`seqcore.scaled_dot_product_attention`). The mask
    :math:`M` needs no term of its own: its blocked entries have :math:`A_{ij} = 0`,
    so :math:`\delta Z_{ij} = 0` there, and query :math:`i` passes no gradient to a
    key it may not see. Only a key hidden from every query (padding) gets none at
    all; under a causal mask key :math:`j` still learns through the queries that
    see it. Beyond the inputs, the weights :math:`A` the forward pass returned are
    all the backward pass needs to remember.

    Parameters
    ----------
    d_out : array, shape ``(..., n_q, d_v)``
        :math:`\partial L / \partial O`.
    Q, K, V
        As in the forward pass: ``(..., n_q, d_k)``, ``(..., n_k, d_k)``, ``(..., n_k, d_v)``.
    weights : array, shape ``(..., n_q, n_k)``
        The forward pass's weights :math:`A`.

    Returns
    -------
    dict with ``"Q"``, ``"K"``, ``"V"``, each shaped like its input.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import scaled_dot_product_attention as sdpa
    >>> from seqcore import scaled_dot_product_attention_backward as sdpa_backward
    >>> rng = np.random.default_rng(0)
    >>> Q, K, V = rng.normal(size=(3, 2)), rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    >>> out, A = sdpa(Q, K, V, causal=True)
    >>> g = sdpa_backward(np.ones_like(out), Q, K, V, A)   # L = Σ O
    >>> print(g["V"].ravel().round(4))   # δV_j = Σ_i A_ij: how much each value is used
    [2.0042 0.5695 0.4263 0.    ]
    """
    grads = _sdpa_vjp(array_namespace(Q), d_out, Q, K, V, weights)
    return dict(zip("QKV", grads, strict=True))


def _sdpa_vjp(xp: Any, dO: Any, Q: Any, K: Any, V: Any, A: Any) -> tuple[Any, Any, Any]:
    """δQ, δK, δV of ``attention.scaled-dot-backward``, unchecked (callers check)."""
    scale = 1.0 / math.sqrt(int(Q.shape[-1]))
    # δV = Aᵀ δO ;  δA = δO Vᵀ
    dV = A.mT @ dO
    dA = dO @ V.mT
    # δZ = A ⊙ (δA − rowsum(A ⊙ δA)), written over δA: it is ours
    dZ = _softmax_vjp(xp, A, dA)
    # δQ = δZ K / √d_k ;  δK = δZᵀ Q / √d_k  (scaling the n × d results, not the n × n δZ)
    return (dZ @ K) * scale, (dZ.mT @ Q) * scale, dV


#: The gradient of the scores, one per source position (batched as the query).
D_SCORES = Floats("batch?", "source")


@implements("attention.dot-backward")
@params(s=Floats("batch?", "key"), H=KEYS, d_scores=D_SCORES)
def dot_score_backward(d_scores: Any, s: Any, H: Any) -> dict[str, Any]:
    r"""Gradients of the query and the encoder states through Luong's dot score.

    .. math::

        \begin{aligned}
        \delta s &= \sum_{j=1}^{S} \delta e_j\, h_j \\
        \delta h_j &= \delta e_j\, s
        \end{aligned}

    Equation id: ``attention.dot-backward``, for :math:`e_j = s^{\top} h_j`
    (:func:`seqcore.dot_score`).

    Parameters
    ----------
    d_scores : array, shape ``(S,)`` or ``(batch, S)``
    s : array, shape ``(d,)`` or ``(batch, d)``
    H : array, shape ``(S, d)`` or ``(batch, S, d)``

    Returns
    -------
    dict with ``"s"`` and ``"H"``.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import dot_score_backward
    >>> g = dot_score_backward(np.array([1.0, 0.0]), np.array([2.0, 3.0]), np.eye(2))
    >>> print(g["s"], g["H"].tolist())
    [1. 0.] [[2.0, 3.0], [0.0, 0.0]]
    """
    dE = d_scores
    # δs = Σ_j δe_j h_j = Hᵀ δe ;  δh_j = δe_j s
    return {"s": (dE[..., None, :] @ H)[..., 0, :], "H": dE[..., :, None] * s[..., None, :]}


@implements("attention.general-backward")
@params(W_a=Floats("query", "key"), s=QUERY, H=KEYS, d_scores=D_SCORES)
def general_score_backward(d_scores: Any, s: Any, H: Any, W_a: Any) -> dict[str, Any]:
    r"""Gradients through Luong's general score, the bilinear :math:`e_j = s^{\top} W_a h_j`.

    .. math::

        \begin{aligned}
        g &= \sum_{j=1}^{S} \delta e_j\, h_j \\
        \delta s &= W_a\, g \\
        \delta W_a &= s\, g^{\top} \\
        \delta h_j &= \delta e_j\, W_a^{\top} s
        \end{aligned}

    Equation id: ``attention.general-backward`` (:func:`seqcore.general_score`).
    :math:`g` is what the scores ask of the projected query :math:`W_a^{\top} s`.
    With a batch, :math:`\delta W_a` is summed over it.

    Parameters
    ----------
    d_scores : array, shape ``(S,)`` or ``(batch, S)``
    s : array, shape ``(d_s,)`` or ``(batch, d_s)``
    H : array, shape ``(S, d_h)`` or ``(batch, S, d_h)``
    W_a : array, shape ``(d_s, d_h)``

    Returns
    -------
    dict with ``"s"``, ``"H"``, ``"W_a"``.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import general_score_backward
    >>> g = general_score_backward(np.array([1.0]), np.array([1.0, 2.0]),
    ...                            np.array([[3.0]]), np.array([[1.0], [1.0]]))
    >>> print(g["s"], g["W_a"].ravel(), g["H"].ravel())
    [3. 3.] [3. 6.] [3.]
    """
    xp, dE = array_namespace(s), d_scores
    # g = Σ_j δe_j h_j, the gradient of the projected query q = W_aᵀ s
    g = (dE[..., None, :] @ H)[..., 0, :]
    q = s @ W_a
    return {"s": g @ W_a.T,                              # δs = W_a g
            "W_a": outer_sum(xp, s, g),                  # δW_a = Σ_batch s gᵀ
            "H": dE[..., :, None] * q[..., None, :]}     # δh_j = δe_j W_aᵀ s


@implements("attention.additive-backward")
@params(W_s=Floats("attn", "query"), W_h=Floats("attn", "key"), v=Floats("attn"),
        s=QUERY, H=KEYS, d_scores=D_SCORES)
def additive_score_backward(d_scores: Any, s: Any, H: Any, W_s: Any, W_h: Any,
                            v: Any) -> dict[str, Any]:
    r"""Gradients through Bahdanau's additive score :math:`e_j = v^{\top}\tanh(u_j)`.

    .. math::

        \begin{aligned}
        u_j &= W_s\, s + W_h\, h_j, \quad t_j = \tanh(u_j) \\
        \delta u_j &= \delta e_j\, v \odot (1 - t_j^2) \\
        \delta v &= \sum_{j} \delta e_j\, t_j \\
        \delta W_s &= \sum_{j} \delta u_j\, s^{\top}, \quad
          \delta s = W_s^{\top} \sum_{j} \delta u_j \\
        \delta W_h &= \sum_{j} \delta u_j\, h_j^{\top}, \quad
          \delta h_j = W_h^{\top} \delta u_j
        \end{aligned}

    Equation id: ``attention.additive-backward`` (:func:`seqcore.additive_score`).
    The query enters every :math:`u_j`, so its gradient collects all
    :math:`S` of them; each encoder state enters one. The hidden layer
    :math:`t_j` is recomputed (one product per argument), not remembered.

    Parameters
    ----------
    d_scores : array, shape ``(S,)`` or ``(batch, S)``
    s, H, W_s, W_h, v
        As in :func:`seqcore.additive_score`.

    Returns
    -------
    dict with ``"s"``, ``"H"``, ``"W_s"``, ``"W_h"``, ``"v"``.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import additive_score_backward
    >>> one = np.array([[1.0]])
    >>> g = additive_score_backward(np.array([1.0]), np.array([0.0]), np.array([[0.0]]),
    ...                             one, one, np.array([2.0]))
    >>> print(g["v"], g["s"], g["H"].ravel())   # at u = 0: tanh' = 1, t = 0
    [0.] [2.] [2.]
    """
    xp, dE = array_namespace(s), d_scores
    # forward again: t_j = tanh(W_s s + W_h h_j)
    t = xp.tanh((s @ W_s.T)[..., None, :] + H @ W_h.T)
    # δu_j = δe_j v ⊙ (1 − t_j²)
    dU = dE[..., :, None] * v * (1.0 - t * t)
    dU_sum = xp.sum(dU, axis=-2)                         # Σ_j δu_j, per query
    return {"v": leading_sum(xp, dE[..., :, None] * t),  # Σ_j δe_j t_j
            "W_s": outer_sum(xp, dU_sum, s),             # Σ_j δu_j sᵀ
            "s": dU_sum @ W_s,                           # W_sᵀ Σ_j δu_j
            "W_h": outer_sum(xp, dU, H),                 # Σ_j δu_j h_jᵀ
            "H": dU @ W_h}                               # W_hᵀ δu_j


@implements("attention.context-backward")
@params(weights=Floats("batch?", "source"), H=Floats("batch?", "source", "d"),
        d_context=Floats("batch?", "d"))
def context_vector_backward(d_context: Any, weights: Any, H: Any) -> dict[str, Any]:
    r"""Gradients of the weights and the encoder states through :math:`c = \sum_j \alpha_j h_j`.

    .. math::

        \begin{aligned}
        \delta \alpha_j &= h_j^{\top} \delta c \\
        \delta h_j &= \alpha_j\, \delta c
        \end{aligned}

    Equation id: ``attention.context-backward`` (:func:`seqcore.context_vector`).
    Each encoder state reaches the loss twice, through the context (here) and
    through its score; the caller adds the two gradients.

    Parameters
    ----------
    d_context : array, shape ``(d,)`` or ``(batch, d)``
    weights : array, shape ``(S,)`` or ``(batch, S)``
    H : array, shape ``(S, d)`` or ``(batch, S, d)``

    Returns
    -------
    dict with ``"weights"`` and ``"H"``.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import context_vector_backward
    >>> g = context_vector_backward(np.array([1.0, 0.0]), np.array([0.25, 0.75]), np.eye(2))
    >>> print(g["weights"], g["H"].tolist())
    [1. 0.] [[0.25, 0.0], [0.75, 0.0]]
    """
    dc, w = d_context, weights
    # δα_j = h_jᵀ δc ;  δh_j = α_j δc
    return {"weights": (H @ dc[..., :, None])[..., 0], "H": w[..., :, None] * dc[..., None, :]}
