"""Attention: encoder–decoder scores (dot, general, additive) and scaled dot-product attention.

Notation (the site's, one throughout): a decoder state :math:`s` looks at the
encoder states :math:`h_1, \\dots, h_S` (the *keys* and *values* of the
Transformer's vocabulary). Batches stack rows, PyTorch's layout, so
:math:`W s` is ``s @ W.T`` in code.

Masks are boolean and say **where attention is allowed** (``True`` = attend),
the convention of ``torch.nn.functional.scaled_dot_product_attention``. Note
that ``torch.nn.MultiheadAttention``'s ``key_padding_mask`` and boolean
``attn_mask`` use the opposite sense (``True`` = blocked): negate them.
A mask that blocks every key of some query is an error, because the softmax of
an empty set of scores is undefined (``0/0``); this module refuses it instead
of returning NaN.
"""

from __future__ import annotations

import math
from typing import Any

import array_api_compat
from array_api_compat import array_namespace

from ._trace import implements
from ._validate import Flag, Floats, Integer, Mask, blocked_rows, calling, params

__all__ = [
    "additive_score",
    "attention_weights",
    "causal_mask",
    "context_vector",
    "dot_score",
    "general_score",
    "scaled_dot_product_attention",
]

#: A decoder state (the query), batched or not, and the encoder states it looks at.
QUERY = Floats("batch?", "query")
KEYS = Floats("batch?", "source", "key")


@implements("attention.dot")
@params(s=Floats("batch?", "key"), H=KEYS)
def dot_score(s: Any, H: Any) -> Any:
    r"""Luong's dot score: the decoder state against every encoder state.

    .. math::

        e_i = s^{\top} h_i, \qquad i = 1, \dots, S

    Equation id: ``attention.dot``. Needs :math:`s` and :math:`h_i` of the
    same size.

    Parameters
    ----------
    s : array, shape ``(d,)`` or ``(batch, d)``
        The decoder state (the query).
    H : array, shape ``(S, d)`` or ``(batch, S, d)``
        The encoder states :math:`h_1, \dots, h_S` as rows.

    Returns
    -------
    array, shape ``(S,)`` or ``(batch, S)``
        One score per source position.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import dot_score
    >>> H = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> print(dot_score(np.array([2.0, 1.0]), H))
    [2. 1. 3.]
    """
    return (H @ s[..., None])[..., 0]              # e_i = s·h_i for all i at once: H s


@implements("attention.general")
@params(W_a=Floats("query", "key"), s=QUERY, H=KEYS)
def general_score(s: Any, H: Any, W_a: Any) -> Any:
    r"""Luong's general (bilinear) score.

    .. math::

        e_i = s^{\top} W_a\, h_i

    Equation id: ``attention.general``.

    Parameters
    ----------
    s : array, shape ``(d_s,)`` or ``(batch, d_s)``
    H : array, shape ``(S, d_h)`` or ``(batch, S, d_h)``
    W_a : array, shape ``(d_s, d_h)``

    Returns
    -------
    array, shape ``(S,)`` or ``(batch, S)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import general_score
    >>> H = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> print(general_score(np.array([1.0, 1.0]), H, np.array([[2.0, 0.0], [0.0, -1.0]])))
    [ 2. -1.]
    """
    # s^T W_a h_i = (W_a^T s)·h_i: project the query once, then one product per position
    q = s @ W_a
    return (H @ q[..., None])[..., 0]


@implements("attention.additive")
@params(W_s=Floats("attn", "query"), W_h=Floats("attn", "key"), v=Floats("attn"),
        s=QUERY, H=KEYS)
def additive_score(s: Any, H: Any, W_s: Any, W_h: Any, v: Any) -> Any:
    r"""Bahdanau's additive score: a one-hidden-layer network on query and key.

    .. math::

        e_i = v^{\top} \tanh\left(W_s\, s + W_h\, h_i\right)

    Equation id: ``attention.additive``.

    Parameters
    ----------
    s : array, shape ``(d_s,)`` or ``(batch, d_s)``
    H : array, shape ``(S, d_h)`` or ``(batch, S, d_h)``
    W_s : array, shape ``(d_a, d_s)``
    W_h : array, shape ``(d_a, d_h)``
    v : array, shape ``(d_a,)``

    Returns
    -------
    array, shape ``(S,)`` or ``(batch, S)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import additive_score
    >>> H = np.array([[1.0], [-1.0]])
    >>> e = additive_score(np.array([0.0]), H, np.array([[1.0]]), np.array([[1.0]]),
    ...                    np.array([1.0]))
    >>> print(e.round(4))                     # tanh(±1)
    [ 0.7616 -0.7616]
    """
    # W_s s once per query, W_h h_i for all i in one product, broadcast over positions
    hidden = array_namespace(s).tanh((s @ W_s.T)[..., None, :] + H @ W_h.T)
    return hidden @ v                              # e_i = vᵀ tanh(W_s s + W_h h_i)


@implements("attention.weights")
@params(scores=Floats(..., "source", nonempty="source"), mask=Mask(..., "source"))
def attention_weights(scores: Any, mask: Any = None) -> Any:
    r"""Attention weights: the softmax of the scores over source positions.

    .. math::

        \alpha_i = \frac{\exp(e_i)}{\sum_{j=1}^{S} \exp(e_j)},
        \qquad \alpha_i = 0 \text{ where the mask blocks } i

    Equation id: ``attention.weights``. Computed stably (the maximum allowed
    score is subtracted first), so scores of any size give finite weights.

    Parameters
    ----------
    scores : array, shape ``(..., S)``
        Scores :math:`e_i` from :func:`dot_score`, :func:`general_score` or
        :func:`additive_score`.
    mask : bool array broadcastable to ``scores``, optional
        ``True`` where attention is allowed (e.g. not padding). Blocking every
        position of a score vector is a ``ValueError``. Block keys with the mask, not
        with scores of ``-inf``: a row whose scores are all ``-inf`` gives NaN weights,
        as ``torch.softmax`` does. No scores at all (``S = 0``) is a ``ShapeError``.

    Returns
    -------
    array, same shape as ``scores``
        Non-negative weights that sum to 1 along the last axis.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import attention_weights
    >>> print(attention_weights(np.array([2.0, 1.0, 3.0])).round(4))
    [0.2447 0.09   0.6652]
    >>> print(attention_weights(np.array([2.0, 1.0, 3.0]),
    ...                         mask=np.array([True, True, False])).round(4))
    [0.7311 0.2689 0.    ]
    """
    return _masked_softmax(array_namespace(scores), scores, mask)


def _masked_softmax(xp: Any, e: Any, mask: Any, owned: bool = False) -> Any:
    """Softmax over the last axis with blocked entries at -inf.

    ``owned=True``: ``e`` is a temporary of ours, so the max is subtracted in
    place, and the normalization is always done in place on the fresh ``exp``
    (two allocations of an (n_q, n_k) array fewer). Not when autograd records
    the graph: the backward of max and of exp needs their tensors unchanged.
    """
    in_place = not getattr(e, "requires_grad", False)
    if mask is not None:
        owned = True   # `where` below returns a fresh array
        full = xp.broadcast_to(mask, tuple(e.shape))
        blocked_rows(calling(), "mask", xp, full)
        e = xp.where(full, e, xp.asarray(-math.inf, dtype=e.dtype,
                                          device=array_api_compat.device(e)))
    # softmax.stable: every row keeps at least one finite score, so the max is finite
    if owned and in_place:
        e -= xp.max(e, axis=-1, keepdims=True)
    else:
        e = e - xp.max(e, axis=-1, keepdims=True)
    w = xp.exp(e)
    if in_place:
        w /= xp.sum(w, axis=-1, keepdims=True)
        return w
    return w / xp.sum(w, axis=-1, keepdims=True)


@implements("attention.context")
@params(weights=Floats("batch?", "source"), H=Floats("batch?", "source", "d"))
def context_vector(weights: Any, H: Any) -> Any:
    r"""The context vector: the weight-averaged encoder states.

    .. math::

        c = \sum_{i=1}^{S} \alpha_i\, h_i

    Equation id: ``attention.context``.

    Parameters
    ----------
    weights : array, shape ``(S,)`` or ``(batch, S)``
    H : array, shape ``(S, d)`` or ``(batch, S, d)``

    Returns
    -------
    array, shape ``(d,)`` or ``(batch, d)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import context_vector
    >>> H = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> print(context_vector(np.array([0.25, 0.75]), H))
    [0.25 0.75]
    """
    return (weights[..., None, :] @ H)[..., 0, :]  # c = Σ_i α_i h_i = αᵀ H


@implements("attention.causal-mask")
@params(n_queries=Integer(ge=1), n_keys=Integer(ge=1, optional=True))
def causal_mask(n_queries: int, n_keys: int | None = None) -> Any:
    r"""The causal (look-ahead) mask: query :math:`i` may attend to keys :math:`j \le i`.

    .. math::

        M_{ij} = \begin{cases} 0 & j \le i \\ -\infty & j > i \end{cases}

    Equation id: ``attention.causal-mask``. Returned as booleans (``True``
    where :math:`M_{ij} = 0`, attention allowed); adding :math:`M` to the
    scores before the softmax is the same as blocking the ``False`` entries.
    With ``n_keys != n_queries`` the diagonal starts at the top left, as in
    ``torch.nn.functional.scaled_dot_product_attention(is_causal=True)``.

    Parameters
    ----------
    n_queries : int
    n_keys : int, optional
        Defaults to ``n_queries``.

    Returns
    -------
    NumPy bool array, shape ``(n_queries, n_keys)``

    Examples
    --------
    >>> from seqcore import causal_mask
    >>> print(causal_mask(3).astype(int))
    [[1 0 0]
     [1 1 0]
     [1 1 1]]
    """
    import numpy as np

    n_keys = n_queries if n_keys is None else n_keys
    return np.tril(np.ones((n_queries, n_keys), dtype=bool))      # M_ij = 0 (True) for j ≤ i


@implements("attention.scaled-dot", "attention.masked")
@params(Q=Floats(..., "n_q", "d_k"), K=Floats(..., "n_k", "d_k", nonempty="n_k"),
        V=Floats(..., "n_k", "d_v"), mask=Mask(..., "n_q", "n_k"), causal=Flag())
def scaled_dot_product_attention(Q: Any, K: Any, V: Any, mask: Any = None,
                                 causal: bool = False) -> tuple[Any, Any]:
    r"""Scaled dot-product attention, with optional padding and causal masks.

    .. math::

        \operatorname{Attention}(Q, K, V)
        = \operatorname{softmax}\!\left(\frac{Q K^{\top}}{\sqrt{d_k}} + M\right) V

    Equation ids: ``attention.scaled-dot`` (no mask) and ``attention.masked``
    (:math:`M_{ij} = -\infty` where attention is blocked, 0 elsewhere).
    Dividing by :math:`\sqrt{d_k}` keeps the scores' variance near 1 when the
    entries of :math:`Q` and :math:`K` have variance 1, so the softmax does not
    saturate as :math:`d_k` grows. The softmax is the stable one: very large
    scores stay finite.

    Parameters
    ----------
    Q : array, shape ``(..., n_q, d_k)``
    K : array, shape ``(..., n_k, d_k)``
    V : array, shape ``(..., n_k, d_v)``
        Leading axes (batch, heads) must be equal for the three.
    mask : bool array broadcastable to ``(..., n_q, n_k)``, optional
        ``True`` = attend. A key-padding mask of shape ``(batch, 1, n_k)``
        blocks padded keys for every query. A query row whose keys are all
        blocked is a ``ValueError``.
    causal : bool
        Also block keys after the query (:func:`causal_mask`).

    Returns
    -------
    out : array, shape ``(..., n_q, d_v)``
    weights : array, shape ``(..., n_q, n_k)``
        The attention weights; each row sums to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import scaled_dot_product_attention
    >>> Q = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> K = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> V = np.array([[1.0], [2.0], [3.0]])
    >>> out, w = scaled_dot_product_attention(Q, K, V)
    >>> print(w.round(3))
    [[0.401 0.198 0.401]
     [0.198 0.401 0.401]]
    >>> print(out.round(3))
    [[2.   ]
     [2.203]]
    """
    return _attention(array_namespace(Q), Q, K, V, mask, causal)


def _attention(xp: Any, Q: Any, K: Any, V: Any, mask: Any, causal: bool) -> tuple[Any, Any]:
    # Q Kᵀ / √d_k; scaling Q (n_q × d_k) is cheaper than scaling the scores
    scores = (Q * (1.0 / math.sqrt(Q.shape[-1]))) @ xp.matrix_transpose(K)
    if causal:
        M = xp.asarray(causal_mask(Q.shape[-2], K.shape[-2]), device=array_api_compat.device(Q))
        mask = M if mask is None else xp.logical_and(mask, M)
    weights = _masked_softmax(xp, scores, mask, owned=True)     # softmax(Q Kᵀ / √d_k + M)
    return weights @ V, weights
