"""Attention: encoder–decoder scores (dot, general, additive) and scaled dot-product attention.

Bahdanau's and Luong's decoders differ in *which* decoder state asks the
question: :func:`bahdanau_step` scores with the previous state
:math:`s_{i-1}` and feeds the context into the RNN that computes :math:`s_i`;
:func:`luong_step` first computes :math:`s_i`, scores with it, and combines
the context with :math:`s_i` afterwards.

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
from ._validate import Flag, Floats, Integer, Mask, ShapeError, blocked_rows, calling, params
from .gru import _cell as _gru_cell
from .gru import _pre as _gru_pre

__all__ = [
    "additive_score",
    "attention_weights",
    "bahdanau_step",
    "causal_mask",
    "context_vector",
    "dot_score",
    "general_score",
    "luong_step",
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
    return _dot(s, H)


def _dot(s: Any, H: Any) -> Any:
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
    return _general(s, H, W_a)


def _general(s: Any, H: Any, W_a: Any) -> Any:
    # s^T W_a h_i = (W_a^T s)·h_i: project the query once, then one product per position
    return _dot(s @ W_a, H)


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
    return _additive(array_namespace(s), s, H, W_s, W_h, v)


def _additive(xp: Any, s: Any, H: Any, W_s: Any, W_h: Any, v: Any) -> Any:
    # W_s s once per query, W_h h_i for all i in one product, broadcast over positions
    hidden = xp.tanh((s @ W_s.T)[..., None, :] + H @ W_h.T)
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

    ``owned=True``: ``e`` is a temporary of ours, so every pass after the scores
    writes over them (subtract the max, exp, normalize): the weights are the one
    (n_q, n_k) array the call allocates. Not when autograd records the graph: the
    backward of max and of exp needs their tensors unchanged.
    """
    in_place = not getattr(e, "requires_grad", False)
    if mask is not None:
        owned = True   # `where` below returns a fresh array
        full = xp.broadcast_to(mask, tuple(e.shape))
        blocked_rows(calling(), "mask", xp, full)
        e = xp.where(full, e, xp.asarray(-math.inf, dtype=e.dtype,
                                          device=array_api_compat.device(e)))
    if not (owned and in_place):
        # softmax.stable: every row keeps at least one finite score, so the max is finite
        w = xp.exp(e - xp.max(e, axis=-1, keepdims=True))
        return w / xp.sum(w, axis=-1, keepdims=True)
    e -= xp.max(e, axis=-1, keepdims=True)
    w = _exp_in_place(xp, e)
    # one reciprocal per row, then a multiplication: cheaper than n_k divisions
    w *= 1.0 / xp.sum(w, axis=-1, keepdims=True)
    return w


def _exp_in_place(xp: Any, x: Any) -> Any:
    """``exp`` written over ``x``: the array API has no ``out=``; NumPy and torch do."""
    if array_api_compat.is_numpy_array(x):
        return xp.exp(x, out=x)
    if array_api_compat.is_torch_array(x):
        return x.exp_()
    return xp.exp(x)


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
    return _context(weights, H)


def _context(weights: Any, H: Any) -> Any:
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
    if causal and mask is None and _writable(Q, K, V):
        return _causal_attention_by_rows(xp, Q, K, V)
    # Q Kᵀ / √d_k; scaling Q (n_q × d_k) is cheaper than scaling the scores
    scores = (Q * (1.0 / math.sqrt(Q.shape[-1]))) @ xp.matrix_transpose(K)
    if causal:
        keep = xp.asarray(causal_mask(Q.shape[-2], K.shape[-2]), device=array_api_compat.device(Q))
        mask = keep if mask is None else xp.logical_and(mask, keep)
    weights = _masked_softmax(xp, scores, mask, owned=True)     # softmax(Q Kᵀ / √d_k + M)
    return weights @ V, weights


def _writable(*arrays: Any) -> bool:
    """NumPy arrays, or torch tensors autograd does not record: results may be written in place."""
    if all(array_api_compat.is_numpy_array(a) for a in arrays):
        return True
    return all(array_api_compat.is_torch_array(a) and not a.requires_grad for a in arrays)


#: Query rows per block of the causal path: fewer means less of the upper triangle is
#: computed and thrown away, more means larger (faster) products; 64 at n = 256 computes
#: 62.5% of the full products, at n = 2048 51.6%.
CAUSAL_ROWS = 64


def _causal_attention_by_rows(xp: Any, Q: Any, K: Any, V: Any) -> tuple[Any, Any]:
    """attention.masked with the causal M, a block of query rows at a time.

    Rows ``i0 ≤ i < i1`` see keys ``j < i1`` only (``causal_mask``: j ≤ i), so each block
    multiplies by the keys it can see and skips the blocked upper triangle, whose weights
    stay the zeros they start as. Within a block, M is added as 0 and −∞; the softmax runs
    in place on the block's slice of the weights.
    """
    n_q, n_k = int(Q.shape[-2]), int(K.shape[-2])
    dev = array_api_compat.device(Q)
    weights = xp.zeros((*Q.shape[:-1], n_k), dtype=Q.dtype, device=dev)
    out = xp.empty((*Q.shape[:-1], V.shape[-1]), dtype=Q.dtype, device=dev)
    # M: 0 where key j ≤ query i, −∞ above the diagonal
    M = xp.where(xp.asarray(causal_mask(n_q, n_k), device=dev),
                 xp.asarray(0.0, dtype=Q.dtype), xp.asarray(-math.inf, dtype=Q.dtype))
    Q = Q * (1.0 / math.sqrt(Q.shape[-1]))                              # Q / √d_k
    for i0 in range(0, n_q, CAUSAL_ROWS):
        i1 = min(i0 + CAUSAL_ROWS, n_q)
        k1 = min(i1, n_k)                  # the keys any of these rows may see
        w = weights[..., i0:i1, :k1]
        _matmul_into(Q[..., i0:i1, :], xp.matrix_transpose(K[..., :k1, :]), w)
        w += M[i0:i1, :k1]                                              # Q Kᵀ / √d_k + M
        # softmax.stable in place: key 0 is never blocked, so each row's max is finite
        w -= xp.max(w, axis=-1, keepdims=True)
        w = _exp_in_place(xp, w)
        w *= 1.0 / xp.sum(w, axis=-1, keepdims=True)
        _matmul_into(w, V[..., :k1, :], out[..., i0:i1, :])         # weights V
    return out, weights


def _matmul_into(a: Any, b: Any, out: Any) -> None:
    """``out[...] = a @ b``, written straight into ``out`` (a view) where the library can."""
    if array_api_compat.is_numpy_array(out):
        import numpy as np

        np.matmul(a, b, out=out)
    elif array_api_compat.is_torch_array(out):
        import torch

        torch.matmul(a, b, out=out)
    else:
        out[...] = a @ b


#: The decoder's state s, its previous output's embedding y and the GRU cell that updates it.
DECODER = {"y_prev": Floats("batch?", "d_y"), "s_prev": Floats("batch?", "n"),
           "H": Floats("batch?", "source", "d_h", nonempty="source"),
           "W_hh": Floats("3*n", "n"), "b_ih": Floats("3*n", optional=True),
           "b_hh": Floats("3*n", optional=True)}


@implements("attention.bahdanau-state")
@params(**DECODER, W_s=Floats("attn", "n"), W_h=Floats("attn", "d_h"), v=Floats("attn"),
        W_ih=Floats("3*n", "d_y+d_h"))
def bahdanau_step(y_prev: Any, s_prev: Any, H: Any, W_s: Any, W_h: Any, v: Any, W_ih: Any,
                  W_hh: Any, b_ih: Any = None, b_hh: Any = None) -> tuple[Any, Any, Any]:
    r"""One decoder step of Bahdanau attention: score with :math:`s_{i-1}`, then update.

    .. math::

        \begin{aligned}
        s_i &= f\left(s_{i-1},\ [y_{i-1};\, c_i]\right) \\
        c_i &= \sum_{j=1}^{S} \alpha_{ij} h_j, \qquad
        \alpha_{ij} = \operatorname{softmax}_j
        \left(v^{\top} \tanh\left(W_s\, s_{i-1} + W_h\, h_j\right)\right)
        \end{aligned}

    Equation id: ``attention.bahdanau-state``. The query is the *previous*
    state :math:`s_{i-1}`: the weights are known before the RNN runs, and the
    context :math:`c_i` enters the RNN as part of its input. :math:`f` is a
    GRU cell here (:func:`seqcore.gru_step`, PyTorch's form); Bahdanau et al.
    used a gated unit of the same kind.

    Parameters
    ----------
    y_prev : array, shape ``(d_y,)`` or ``(batch, d_y)``
        The embedding of the previous output token :math:`y_{i-1}`.
    s_prev : array, shape ``(n,)`` or ``(batch, n)``
        The previous decoder state :math:`s_{i-1}`.
    H : array, shape ``(S, d_h)`` or ``(batch, S, d_h)``
        The encoder states.
    W_s, W_h, v
        As in :func:`additive_score` (``W_s`` reads ``n`` inputs).
    W_ih : array, shape ``(3n, d_y + d_h)``
        The GRU's input weights; it reads :math:`[y_{i-1}; c_i]`.
    W_hh, b_ih, b_hh
        As in :func:`seqcore.gru_step`.

    Returns
    -------
    s : array, shape like ``s_prev``
        The new state :math:`s_i`.
    c : array, shape ``(d_h,)`` or ``(batch, d_h)``
        The context :math:`c_i`.
    weights : array, shape ``(S,)`` or ``(batch, S)``
        :math:`\alpha_{i1}, \dots, \alpha_{iS}`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import bahdanau_step
    >>> rng = np.random.default_rng(0)
    >>> H, s_prev, y = rng.normal(size=(4, 3)), rng.normal(size=2), rng.normal(size=5)
    >>> W_s, W_h, v = rng.normal(size=(6, 2)), rng.normal(size=(6, 3)), rng.normal(size=6)
    >>> W_ih, W_hh = rng.normal(size=(6, 8)), rng.normal(size=(6, 2))
    >>> s, c, w = bahdanau_step(y, s_prev, H, W_s, W_h, v, W_ih, W_hh)
    >>> print(s.shape, c.shape, w.shape, round(float(w.sum()), 12))
    (2,) (3,) (4,) 1.0
    """
    xp = array_namespace(H)
    e = _additive(xp, s_prev, H, W_s, W_h, v)      # e_ij = a(s_{i-1}, h_j): before the RNN
    weights = _masked_softmax(xp, e, None, owned=True)     # α_ij = softmax_j e_ij
    c = _context(weights, H)                       # c_i = Σ_j α_ij h_j
    x = xp.concat([y_prev, c], axis=-1)            # the RNN reads [y_{i-1}; c_i]
    s, _ = _gru_cell(xp, _gru_pre(x, W_ih, b_ih), s_prev, W_hh, b_hh, "pytorch")
    return s, c, weights                           # s_i = f(s_{i-1}, [y_{i-1}; c_i])


@implements("attention.luong-output")
@params(**DECODER, W_ih=Floats("3*n", "d_y"), W_c=Floats("d_c", "d_h+n"),
        W_a=Floats("n", "d_h", optional=True))
def luong_step(y_prev: Any, s_prev: Any, H: Any, W_ih: Any, W_hh: Any, W_c: Any,
               b_ih: Any = None, b_hh: Any = None,
               W_a: Any = None) -> tuple[Any, Any, Any, Any]:
    r"""One decoder step of Luong attention: update, score with :math:`s_i`, then combine.

    .. math::

        \begin{aligned}
        s_i &= f\left(s_{i-1},\ y_{i-1}\right) \\
        \tilde{h}_i &= \tanh\left(W_c\, [c_i;\, s_i]\right), \qquad
        c_i = \sum_{j=1}^{S} \alpha_{ij} h_j, \qquad
        \alpha_{ij} = \operatorname{softmax}_j \operatorname{score}(s_i, h_j)
        \end{aligned}

    Equation id: ``attention.luong-output``. The query is the *current* state
    :math:`s_i`, computed first without the context; the attentional state
    :math:`\tilde{h}_i` then predicts :math:`y_i` through
    :math:`\operatorname{softmax}(W_y \tilde{h}_i)`. The score is
    :func:`dot_score`, or :func:`general_score` when ``W_a`` is given.
    (Luong et al. also feed :math:`\tilde{h}_{i-1}` into the next step's
    input, "input feeding"; pass it inside ``y_prev`` to do so.)

    Parameters
    ----------
    y_prev : array, shape ``(d_y,)`` or ``(batch, d_y)``
    s_prev : array, shape ``(n,)`` or ``(batch, n)``
    H : array, shape ``(S, d_h)`` or ``(batch, S, d_h)``
    W_ih : array, shape ``(3n, d_y)``
    W_hh, b_ih, b_hh
        As in :func:`seqcore.gru_step`.
    W_c : array, shape ``(d_c, d_h + n)``
        Reads :math:`[c_i; s_i]`.
    W_a : array, shape ``(n, d_h)``, optional

    Returns
    -------
    s : array, shape like ``s_prev``
    h_tilde : array, shape ``(d_c,)`` or ``(batch, d_c)``
    c : array, shape ``(d_h,)`` or ``(batch, d_h)``
    weights : array, shape ``(S,)`` or ``(batch, S)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import luong_step
    >>> rng = np.random.default_rng(0)
    >>> H, s_prev, y = rng.normal(size=(4, 2)), rng.normal(size=2), rng.normal(size=5)
    >>> s, h_tilde, c, w = luong_step(y, s_prev, H, rng.normal(size=(6, 5)),
    ...                               rng.normal(size=(6, 2)), rng.normal(size=(3, 4)))
    >>> print(s.shape, h_tilde.shape, c.shape, w.shape)
    (2,) (3,) (2,) (4,)
    """
    xp = array_namespace(H)
    if W_a is None and H.shape[-1] != s_prev.shape[-1]:
        raise ShapeError(f"luong_step: without `W_a` the score is the dot product s_i·h_j, so "
                         f"`H` needs d_h = n = {s_prev.shape[-1]} features; got {H.shape[-1]}"
                         ". Give W_a (general_score) to compare states of other sizes")
    s, _ = _gru_cell(xp, _gru_pre(y_prev, W_ih, b_ih), s_prev, W_hh, b_hh, "pytorch")
    e = _dot(s, H) if W_a is None else _general(s, H, W_a)     # score(s_i, h_j), with s_i
    weights = _masked_softmax(xp, e, None, owned=True)         # α_ij = softmax_j e_ij
    c = _context(weights, H)                                   # c_i = Σ_j α_ij h_j
    h_tilde = xp.tanh(xp.concat([c, s], axis=-1) @ W_c.T)      # h̃_i = tanh(W_c [c_i; s_i])
    return s, h_tilde, c, weights
