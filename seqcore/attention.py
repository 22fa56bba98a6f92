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

from ._trace import implements
from ._validate import ShapeError, floating, namespace, shapes

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


def _query_and_keys(func: str, s: Any, H: Any, **extra: Any) -> tuple[Any, dict[str, Any]]:
    xp, a = namespace(func, s=s, H=H, **extra)
    floating(func, xp, **a)
    batched = a["s"].ndim == 2
    shapes(func,
           s=(a["s"], [("query",), ("batch", "query")]),
           H=(a["H"], [("source", "key"), ("batch", "source", "key")][batched:batched + 1]))
    return xp, a


@implements("attention.dot")
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
    xp, a = _query_and_keys("dot_score", s, H)
    s, H = a["s"], a["H"]
    if s.shape[-1] != H.shape[-1]:
        raise ShapeError(f"dot_score: `s` and the rows of `H` must have the same size; got "
                         f"`s` {tuple(s.shape)} and `H` {tuple(H.shape)} (use general_score "
                         "for different sizes)")
    # e_i = s·h_i for all i at once: H s
    return xp.matmul(H, s[..., None])[..., 0]


@implements("attention.general")
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
    func = "general_score"
    xp, a = _query_and_keys(func, s, H, W_a=W_a)
    shapes(func, s=(a["s"], [("query",), ("batch", "query")]), W_a=(a["W_a"], ("query", "key")),
           H=(a["H"], [("source", "key"), ("batch", "source", "key")][a["s"].ndim - 1:a["s"].ndim]))
    # s^T W_a h_i = (W_a^T s)·h_i: project the query once, then one product per position
    q = xp.matmul(a["s"], a["W_a"])
    return xp.matmul(a["H"], q[..., None])[..., 0]


@implements("attention.additive")
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
    func = "additive_score"
    xp, a = _query_and_keys(func, s, H, W_s=W_s, W_h=W_h, v=v)
    r = a["s"].ndim
    shapes(func, s=(a["s"], [("query",), ("batch", "query")]),
           H=(a["H"], [("source", "key"), ("batch", "source", "key")][r - 1:r]),
           W_s=(a["W_s"], ("attn", "query")), W_h=(a["W_h"], ("attn", "key")),
           v=(a["v"], ("attn",)))
    # W_s s once per query, W_h h_i for all i in one product, broadcast over positions
    hidden = xp.tanh(xp.matmul(a["s"], a["W_s"].T)[..., None, :] + xp.matmul(a["H"], a["W_h"].T))
    return xp.matmul(hidden, a["v"])


def _check_mask(func: str, xp: Any, mask: Any, scores_shape: tuple[int, ...],
                query_axis: bool) -> Any:
    """Validate a boolean mask broadcastable to ``scores_shape``; refuse empty rows."""
    if not xp.isdtype(mask.dtype, "bool"):
        raise TypeError(f"{func}: `mask` must be boolean (True = attend, False = blocked); "
                        f"got dtype {mask.dtype}. Build it with a comparison, e.g. "
                        "lengths[:, None] > positions")
    mshape = tuple(int(d) for d in mask.shape)
    fits = len(mshape) <= len(scores_shape) and all(
        m in (1, s) for m, s in zip(reversed(mshape), reversed(scores_shape), strict=False))
    if not fits:
        raise ShapeError(f"{func}: `mask` must broadcast to the scores' shape {scores_shape} "
                         f"(each axis equal or 1, aligned from the right); got {mshape}")
    full = xp.broadcast_to(mask, scores_shape)
    allowed = xp.any(full, axis=-1)
    if not bool(xp.all(allowed)):
        flat = [int(i) for i in xp.nonzero(xp.reshape(~allowed, (-1,)))[0]]
        index = []
        rest = flat[0]
        for size in reversed(tuple(int(d) for d in allowed.shape)):
            rest, i = divmod(rest, size)
            index.insert(0, i)
        what = "query row" if query_axis else "score vector"
        more = f" (and {len(flat) - 1} more)" if len(flat) > 1 else ""
        raise ValueError(f"{func}: `mask` blocks every key of the {what} at index "
                         f"{tuple(index)}{more}; the softmax over no scores is 0/0. Let each "
                         "query attend to at least one key (e.g. to itself), or drop that query")
    return full


@implements("attention.weights")
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
        position of a score vector is a ``ValueError``.

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
    func = "attention_weights"
    xp, a = namespace(func, scores=scores, mask=mask)
    e = a["scores"]
    floating(func, xp, scores=e)
    if e.ndim == 0:
        raise ShapeError(f"{func}: `scores` must have at least one axis (..., S); got a scalar")
    return _masked_softmax(func, xp, e, a["mask"], query_axis=False)


def _masked_softmax(func: str, xp: Any, e: Any, mask: Any, query_axis: bool,
                    owned: bool = False) -> Any:
    """Softmax over the last axis with blocked entries at -inf.

    ``owned=True``: ``e`` is a temporary of ours, so the max is subtracted in
    place, and the normalization is always done in place on the fresh ``exp``
    (two allocations of an (n_q, n_k) array fewer). Not when autograd records
    the graph: the backward of max and of exp needs their tensors unchanged.
    """
    in_place = not getattr(e, "requires_grad", False)
    if mask is not None:
        owned = True   # `where` below returns a fresh array
        full = _check_mask(func, xp, mask, tuple(int(d) for d in e.shape), query_axis)
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
    func = "context_vector"
    xp, a = namespace(func, weights=weights, H=H)
    floating(func, xp, **a)
    r = a["weights"].ndim
    shapes(func, weights=(a["weights"], [("source",), ("batch", "source")]),
           H=(a["H"], [("source", "d"), ("batch", "source", "d")][r - 1:r]))
    # c = Σ_i α_i h_i = α^T H
    return xp.matmul(a["weights"][..., None, :], a["H"])[..., 0, :]


@implements("attention.causal-mask")
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
    for name, n in (("n_queries", n_queries), ("n_keys", n_keys)):
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"causal_mask: `{name}` must be a positive integer; got {n!r}")
    return np.tril(np.ones((n_queries, n_keys), dtype=bool))


@implements("attention.scaled-dot", "attention.masked")
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
    func = "scaled_dot_product_attention"
    xp, a = namespace(func, Q=Q, K=K, V=V, mask=mask)
    Q, K, V = a["Q"], a["K"], a["V"]
    floating(func, xp, Q=Q, K=K, V=V)
    if Q.ndim < 2:
        raise ShapeError(f"{func}: `Q` must be at least 2-D (..., n_q, d_k); got shape "
                         f"{tuple(Q.shape)}")
    lead = tuple(f"lead{i}" for i in range(Q.ndim - 2))
    shapes(func, Q=(Q, (*lead, "n_q", "d_k")), K=(K, (*lead, "n_k", "d_k")),
           V=(V, (*lead, "n_k", "d_v")))
    d_k = int(Q.shape[-1])
    # scores = Q K^T / sqrt(d_k); scaling Q (n_q × d_k) is cheaper than scaling the scores
    scores = xp.matmul(Q * (1.0 / math.sqrt(d_k)), xp.matrix_transpose(K))
    m = a["mask"]
    if causal:
        c = xp.asarray(causal_mask(int(Q.shape[-2]), int(K.shape[-2])),
                       device=array_api_compat.device(Q))
        if m is not None:
            _check_mask(func, xp, m, tuple(int(d) for d in scores.shape), True)
            m = xp.logical_and(m, c)
        else:
            m = c
    weights = _masked_softmax(func, xp, scores, m, query_axis=True, owned=True)
    return xp.matmul(weights, V), weights


@implements("attention.bahdanau-state")
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
    from .gru import gru_step

    func = "bahdanau_step"
    xp, a = namespace(func, y_prev=y_prev, H=H, W_ih=W_ih)
    floating(func, xp, **a)
    if a["y_prev"].ndim == 0 or a["H"].ndim == 0:
        raise ShapeError(f"{func}: `y_prev` and `H` need a feature axis; got shapes "
                         f"{tuple(a['y_prev'].shape)} and {tuple(a['H'].shape)}")
    reads = int(a["y_prev"].shape[-1]) + int(a["H"].shape[-1])
    if a["W_ih"].ndim != 2 or int(a["W_ih"].shape[-1]) != reads:
        raise ShapeError(f"{func}: `W_ih` must be 2-D (3·n, d_y + d_h) to read [y_prev; c] "
                         f"(d_y + d_h = {reads}); got shape {tuple(a['W_ih'].shape)}")
    e = additive_score(s_prev, H, W_s, W_h, v)        # e_ij = a(s_{i-1}, h_j): before the RNN
    weights = attention_weights(e)                    # α_ij = softmax_j e_ij
    c = context_vector(weights, H)                    # c_i = Σ_j α_ij h_j
    x = xp.concat([a["y_prev"], c], axis=-1)          # the RNN reads [y_{i-1}; c_i]
    s = gru_step(x, s_prev, W_ih, W_hh, b_ih, b_hh)   # s_i = f(s_{i-1}, [y_{i-1}; c_i])
    return s, c, weights


@implements("attention.luong-output")
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
    from .gru import gru_step

    func = "luong_step"
    s = gru_step(y_prev, s_prev, W_ih, W_hh, b_ih, b_hh)     # s_i = f(s_{i-1}, y_{i-1}) first
    e = dot_score(s, H) if W_a is None else general_score(s, H, W_a)   # score(s_i, h_j)
    weights = attention_weights(e)
    c = context_vector(weights, H)
    xp, a = namespace(func, W_c=W_c, s=s)
    floating(func, xp, **a)
    cs = xp.concat([c, s], axis=-1)                           # [c_i; s_i]
    if a["W_c"].ndim != 2 or a["W_c"].shape[-1] != cs.shape[-1]:
        raise ShapeError(f"{func}: `W_c` must be 2-D (d_c, d_h + n) to read [c_i; s_i] "
                         f"(d_h + n = {cs.shape[-1]}); got shape {tuple(a['W_c'].shape)}")
    h_tilde = xp.tanh(xp.matmul(cs, a["W_c"].T))               # h̃_i = tanh(W_c [c_i; s_i])
    return s, h_tilde, c, weights
