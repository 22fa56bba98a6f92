r"""The Transformer encoder: multi-head attention, positional encoding, layer norm, FFN, a block.

Weights use PyTorch's layout (``(out, in)``, applied as ``x @ W.T``), so the
weights of ``torch.nn.MultiheadAttention`` and ``torch.nn.TransformerEncoderLayer``
copy over directly:

=====================  ===========================  ===========================================
seqcore                shape                        PyTorch
=====================  ===========================  ===========================================
``W_q, W_k, W_v``      ``(d_model, d_model)``       ``in_proj_weight`` split in three row blocks
``b_q, b_k, b_v``      ``(d_model,)``               ``in_proj_bias`` split in three
``W_o, b_o``           ``(d_model, d_model)``       ``out_proj.weight``, ``out_proj.bias``
``W_1, b_1``           ``(d_ff, d_model)``          ``linear1.weight``, ``linear1.bias``
``W_2, b_2``           ``(d_model, d_ff)``          ``linear2.weight``, ``linear2.bias``
``gamma_1, beta_1``    ``(d_model,)``               ``norm1.weight``, ``norm1.bias``
``gamma_2, beta_2``    ``(d_model,)``               ``norm2.weight``, ``norm2.bias``
=====================  ===========================  ===========================================

Head :math:`i` of the paper's :math:`W_i^Q \in \mathbb{R}^{d_{model} \times d_k}`
is ``W_q[i*d_k:(i+1)*d_k].T``: the heads are row blocks of one matrix.
Dropout is left out (evaluation mode).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from ._trace import implements
from ._validate import Flag, Floats, Group, Integer, Mask, Real, params
from .attention import _attention

__all__ = [
    "feed_forward",
    "layer_norm",
    "multi_head_attention",
    "positional_encoding",
    "positional_shift",
    "transformer_encoder_block",
]

D = Floats("d_model", "d_model")
B = Floats("d_model", optional=True)
#: The weights of multi-head attention: four (d_model, d_model) projections and their biases.
ATTENTION = {"W_q": D, "W_k": D, "W_v": D, "W_o": D, "b_q": B, "b_k": B, "b_v": B, "b_o": B}
FFN = {"W_1": Floats("d_ff", "d_model"), "b_1": Floats("d_ff", optional=True),
       "W_2": Floats("d_model", "d_ff"), "b_2": B}
HEADS = Integer(ge=1, divides="d_model", hint=" so that every head gets d_k = d_model / "
                "num_heads columns; choose a divisor of d_model")


def _linear(x: Any, W: Any, b: Any) -> Any:
    y = x @ W.T                                        # x Wᵀ + b, rows as vectors
    return y if b is None else y + b


def _split_heads(xp: Any, x: Any, h: int) -> Any:
    # (..., n, d_model) -> (..., h, n, d_k): head i is the i-th block of d_k columns
    *lead, n, d = (int(s) for s in x.shape)
    x = xp.reshape(x, (*lead, n, h, d // h))
    k = len(lead)
    return xp.permute_dims(x, (*range(k), k + 1, k, k + 2))


def _merge_heads(xp: Any, x: Any) -> Any:
    # (..., h, n, d_k) -> (..., n, h * d_k): Concat(head_1, ..., head_h)
    *lead, h, n, d_k = (int(s) for s in x.shape)
    k = len(lead)
    x = xp.permute_dims(x, (*range(k), k + 1, k, k + 2))
    return xp.reshape(x, (*lead, n, h * d_k))


def _mha(query: Any, key: Any, value: Any, w: Mapping[str, Any], h: int, mask: Any,
         causal: bool) -> tuple[Any, Any]:
    xp = array_namespace(query)
    # Q W_i^Q for all heads in one product, then cut the columns into h heads
    Q = _split_heads(xp, _linear(query, w["W_q"], w["b_q"]), h)
    K = _split_heads(xp, _linear(key, w["W_k"], w["b_k"]), h)
    V = _split_heads(xp, _linear(value, w["W_v"], w["b_v"]), h)
    if mask is not None and mask.ndim >= 2:
        mask = xp.expand_dims(mask, axis=-3)           # one mask for every head
    heads, weights = _attention(xp, Q, K, V, mask, causal)
    # Concat(head_1, ..., head_h) W^O
    return _linear(_merge_heads(xp, heads), w["W_o"], w["b_o"]), weights


def _layer_norm(x: Any, gamma: Any, beta: Any, eps: float) -> Any:
    xp = array_namespace(x)
    mu = xp.mean(x, axis=-1, keepdims=True)
    var = xp.mean((x - mu) ** 2, axis=-1, keepdims=True)       # biased, like torch
    y = (x - mu) / xp.sqrt(var + eps)
    if gamma is not None:
        y = y * gamma
    return y if beta is None else y + beta


def _feed_forward(x: Any, W_1: Any, b_1: Any, W_2: Any, b_2: Any) -> Any:
    hidden = _linear(x, W_1, b_1)
    hidden = array_namespace(x).maximum(hidden, array_namespace(x).zeros_like(hidden))  # max(0, ·)
    return _linear(hidden, W_2, b_2)


@implements("transformer.self-attention", "transformer.multi-head")
@params(**ATTENTION, query=Floats(..., "n_q", "d_model"),
        key=Floats(..., "n_k", "d_model", nonempty="n_k"), value=Floats(..., "n_k", "d_model"),
        num_heads=HEADS, mask=Mask(..., "n_q", "n_k"), causal=Flag())
def multi_head_attention(query: Any, key: Any, value: Any, W_q: Any, W_k: Any, W_v: Any,
                         W_o: Any, num_heads: int, b_q: Any = None, b_k: Any = None,
                         b_v: Any = None, b_o: Any = None, mask: Any = None,
                         causal: bool = False) -> tuple[Any, Any]:
    r"""Multi-head attention; self-attention when ``query``, ``key`` and ``value`` are one ``X``.

    .. math::

        \begin{aligned}
        \operatorname{MultiHead}(Q, K, V)
          &= \operatorname{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h)\, W^O \\
        \mathrm{head}_i &= \operatorname{Attention}(Q W_i^Q,\ K W_i^K,\ V W_i^V)
        \end{aligned}

    Equation ids: ``transformer.multi-head``, and ``transformer.self-attention``
    for :math:`Q = K = V = X`. Each head works in :math:`d_k = d_{model}/h`
    dimensions, so :math:`h` heads cost about as much as one full-width head.

    Parameters
    ----------
    query : array, shape ``(..., n_q, d_model)``
    key, value : array, shape ``(..., n_k, d_model)``
    W_q, W_k, W_v, W_o : array, shape ``(d_model, d_model)``
        PyTorch layout (see the module table).
    num_heads : int
        Must divide ``d_model``.
    b_q, b_k, b_v, b_o : array, shape ``(d_model,)``, optional
    mask : bool array broadcastable to ``(..., n_q, n_k)``, optional
        ``True`` = attend; the same mask is used by every head.
    causal : bool
        Block keys after each query.

    Returns
    -------
    out : array, shape ``(..., n_q, d_model)``
    weights : array, shape ``(..., num_heads, n_q, n_k)``
        Every head's attention weights (``torch.nn.MultiheadAttention`` returns
        their mean over heads by default).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import multi_head_attention
    >>> X = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
    >>> I = np.eye(4)
    >>> out, w = multi_head_attention(X, X, X, I, I, I, I, num_heads=2)
    >>> print(out.shape, w.shape)
    (3, 4) (2, 3, 3)
    >>> print(w[1].round(3))     # head 2 sees columns 3-4 only, where rows 1-2 are zero
    [[0.333 0.333 0.333]
     [0.333 0.333 0.333]
     [0.164 0.164 0.673]]
    """
    w = {"W_q": W_q, "W_k": W_k, "W_v": W_v, "W_o": W_o, "b_q": b_q, "b_k": b_k, "b_v": b_v,
         "b_o": b_o}
    return _mha(query, key, value, w, num_heads, mask, causal)


@implements("transformer.positional-encoding")
@params(n_positions=Integer(ge=1), d_model=Integer(ge=2, multiple_of=2), base=Real(gt=0))
def positional_encoding(n_positions: int, d_model: int, base: float = 10000.0) -> Any:
    r"""Sinusoidal positional encoding of "Attention Is All You Need".

    .. math::

        \mathrm{PE}_{(pos,\, 2i)} = \sin\!\left(\frac{pos}{10000^{2i/d_{model}}}\right),
        \qquad
        \mathrm{PE}_{(pos,\, 2i+1)} = \cos\!\left(\frac{pos}{10000^{2i/d_{model}}}\right)

    Equation id: ``transformer.positional-encoding``. Column pair
    :math:`(2i, 2i+1)` turns at angular frequency
    :math:`\omega_i = 10000^{-2i/d_{model}}`, from 1 rad per position down to
    nearly :math:`10^{-4}`.

    Parameters
    ----------
    n_positions : int
        Positions :math:`0, \dots, n-1`.
    d_model : int
        Even.
    base : float
        The 10000 of the paper.

    Returns
    -------
    NumPy float64 array, shape ``(n_positions, d_model)``
        Convert with ``torch.asarray`` for torch.

    Examples
    --------
    >>> from seqcore import positional_encoding
    >>> print(positional_encoding(3, 4).round(4))
    [[ 0.      1.      0.      1.    ]
     [ 0.8415  0.5403  0.01    1.    ]
     [ 0.9093 -0.4161  0.02    0.9998]]
    """
    pos = np.arange(n_positions, dtype=np.float64)[:, None]
    omega = base ** (-np.arange(0, d_model, 2, dtype=np.float64) / d_model)   # 1/10000^(2i/d)
    pe = np.empty((n_positions, d_model))
    pe[:, 0::2] = np.sin(pos * omega)
    pe[:, 1::2] = np.cos(pos * omega)
    return pe


@implements("transformer.pe-shift")
@params(k=Integer(), d_model=Integer(ge=2, multiple_of=2), base=Real(gt=0))
def positional_shift(k: int, d_model: int, base: float = 10000.0) -> Any:
    r"""The rotation :math:`M_k` with :math:`\mathrm{PE}(pos + k) = M_k \mathrm{PE}(pos)`.

    .. math::

        \begin{bmatrix} \mathrm{PE}_{(pos+k,\,2i)} \\ \mathrm{PE}_{(pos+k,\,2i+1)} \end{bmatrix}
        = \begin{bmatrix} \cos k\omega_i & \sin k\omega_i \\
                          -\sin k\omega_i & \cos k\omega_i \end{bmatrix}
          \begin{bmatrix} \mathrm{PE}_{(pos,\,2i)} \\ \mathrm{PE}_{(pos,\,2i+1)} \end{bmatrix}

    Equation id: ``transformer.pe-shift``. A block-diagonal rotation that
    depends on the offset :math:`k` only, not on :math:`pos`: the reason the
    paper chose sinusoids ("relative positions are a linear function").

    Parameters
    ----------
    k : int
        The offset (may be negative).
    d_model : int
        Even.

    Returns
    -------
    NumPy float64 array, shape ``(d_model, d_model)``
        Orthogonal.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import positional_encoding, positional_shift
    >>> PE = positional_encoding(10, 6)
    >>> M3 = positional_shift(3, 6)
    >>> print(np.allclose(PE[:7] @ M3.T, PE[3:]))     # every row moved by 3
    True
    """
    omega = base ** (-np.arange(0, d_model, 2, dtype=np.float64) / d_model)
    c, s = np.cos(k * omega), np.sin(k * omega)
    M = np.zeros((d_model, d_model))
    i = np.arange(0, d_model, 2)
    # sin(a + b) = sin a cos b + cos a sin b ;  cos(a + b) = cos a cos b − sin a sin b
    M[i, i], M[i, i + 1] = c, s
    M[i + 1, i], M[i + 1, i + 1] = -s, c
    return M


@implements("transformer.layer-norm")
@params(x=Floats(..., "d"), gamma=Floats("d", optional=True), beta=Floats("d", optional=True),
        eps=Real(ge=0))
def layer_norm(x: Any, gamma: Any = None, beta: Any = None, eps: float = 1e-5) -> Any:
    r"""Layer normalization over the last axis (the features of one position).

    .. math::

        \operatorname{LN}(x) = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}} + \beta,
        \qquad \mu = \frac{1}{d}\sum_{j} x_j,\quad \sigma^2 = \frac{1}{d}\sum_j (x_j - \mu)^2

    Equation id: ``transformer.layer-norm``. The biased variance (divide by
    :math:`d`), as ``torch.nn.LayerNorm``.

    Parameters
    ----------
    x : array, shape ``(..., d)``
    gamma, beta : array, shape ``(d,)``, optional
        Scale and shift; default 1 and 0.
    eps : float
        Added to the variance; must be positive.

    Returns
    -------
    array, shape like ``x``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import layer_norm
    >>> print(layer_norm(np.array([1.0, 2.0, 3.0]), eps=0.0).round(4))
    [-1.2247  0.      1.2247]
    """
    return _layer_norm(x, gamma, beta, eps)


@implements("transformer.ffn")
@params(**FFN, x=Floats(..., "d_model"))
def feed_forward(x: Any, W_1: Any, b_1: Any, W_2: Any, b_2: Any) -> Any:
    r"""The position-wise feed-forward network: the same two-layer MLP at every position.

    .. math::

        \operatorname{FFN}(x) = \max(0,\ x W_1^{\top} + b_1)\, W_2^{\top} + b_2

    Equation id: ``transformer.ffn`` (the paper writes :math:`x W_1` with its
    :math:`W_1 \in \mathbb{R}^{d_{model} \times d_{ff}}`; here ``W_1`` has
    PyTorch's shape ``(d_ff, d_model)``).

    Parameters
    ----------
    x : array, shape ``(..., d_model)``
    W_1 : array, shape ``(d_ff, d_model)``
    b_1 : array, shape ``(d_ff,)`` or None
    W_2 : array, shape ``(d_model, d_ff)``
    b_2 : array, shape ``(d_model,)`` or None

    Returns
    -------
    array, shape like ``x``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import feed_forward
    >>> W_1 = np.array([[1.0], [-1.0]]); W_2 = np.array([[1.0, 1.0]])
    >>> print(feed_forward(np.array([[2.0], [-3.0]]), W_1, None, W_2, None))   # |x|
    [[2.]
     [3.]]
    """
    return _feed_forward(x, W_1, b_1, W_2, b_2)


#: The weights of an encoder block, by name: every key present (a bias or a layer-norm
#: scale may be None).
BLOCK = {**ATTENTION, **FFN, "gamma_1": B, "beta_1": B, "gamma_2": B, "beta_2": B}
BLOCK_PARAMS = tuple(BLOCK)


@implements("transformer.post-ln", "transformer.pre-ln")
@params(params=Group(**BLOCK), x=Floats(..., "n", "d_model"), num_heads=HEADS,
        norm_first=Flag(), mask=Mask(..., "n", "n"), causal=Flag(), eps=Real(ge=0))
def transformer_encoder_block(x: Any, params: Mapping[str, Any], num_heads: int,
                              norm_first: bool = False, mask: Any = None,
                              causal: bool = False, eps: float = 1e-5) -> Any:
    r"""One Transformer encoder block, post-LN (the paper) or pre-LN.

    .. math::

        \begin{aligned}
        \text{post-LN:}\quad z &= \operatorname{LN}_1\bigl(x + \operatorname{MHA}(x)\bigr),
          & y &= \operatorname{LN}_2\bigl(z + \operatorname{FFN}(z)\bigr) \\
        \text{pre-LN:}\quad z &= x + \operatorname{MHA}\bigl(\operatorname{LN}_1(x)\bigr),
          & y &= z + \operatorname{FFN}\bigl(\operatorname{LN}_2(z)\bigr)
        \end{aligned}

    Equation ids: ``transformer.post-ln`` (``norm_first=False``) and
    ``transformer.pre-ln`` (``norm_first=True``), as
    ``torch.nn.TransformerEncoderLayer`` in evaluation mode with ReLU.

    Parameters
    ----------
    x : array, shape ``(..., n, d_model)``
    params : mapping
        The arrays named in the module table: ``W_q, W_k, W_v, W_o, b_q, b_k,
        b_v, b_o, W_1, b_1, W_2, b_2, gamma_1, beta_1, gamma_2, beta_2``
        (biases may be ``None``).
    num_heads : int
    norm_first : bool
        ``False``: post-LN, ``True``: pre-LN.
    mask, causal
        As in :func:`multi_head_attention`.
    eps : float
        Layer-norm epsilon.

    Returns
    -------
    array, shape like ``x``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import transformer_encoder_block
    >>> rng = np.random.default_rng(0)
    >>> d, d_ff = 4, 8
    >>> p = {n: rng.normal(size=(d, d)) for n in ("W_q", "W_k", "W_v", "W_o")}
    >>> p |= {"W_1": rng.normal(size=(d_ff, d)), "W_2": rng.normal(size=(d, d_ff))}
    >>> p |= {n: None for n in ("b_q", "b_k", "b_v", "b_o", "b_1", "b_2")}
    >>> p |= {"gamma_1": np.ones(d), "beta_1": np.zeros(d),
    ...       "gamma_2": np.ones(d), "beta_2": np.zeros(d)}
    >>> y = transformer_encoder_block(rng.normal(size=(5, d)), p, num_heads=2)
    >>> print(y.shape, np.abs(y.mean(axis=-1)).max() < 1e-12)   # post-LN: mean 0 each
    (5, 4) True
    """
    p = params

    def ln(v: Any, i: int) -> Any:
        return _layer_norm(v, p[f"gamma_{i}"], p[f"beta_{i}"], eps)

    def mha(v: Any) -> Any:
        return _mha(v, v, v, p, num_heads, mask, causal)[0]

    def ffn(v: Any) -> Any:
        return _feed_forward(v, p["W_1"], p["b_1"], p["W_2"], p["b_2"])

    if norm_first:
        z = x + mha(ln(x, 1))           # pre-LN: normalize the sublayer's input
        return z + ffn(ln(z, 2))
    z = ln(x + mha(x), 1)               # post-LN: normalize after the residual sum
    return ln(z + ffn(z), 2)
