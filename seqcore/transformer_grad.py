r"""Backward passes of the Transformer encoder by hand: layer norm, FFN, multi-head attention.

As in :mod:`seqcore.attention_grad`, a backward function takes the gradient of the
loss with respect to the forward pass's output first (``d_y`` :math:`= \partial L /
\partial y`), then the forward pass's own arguments, and returns a dict with the
gradient of every array argument, under the argument's name (the weights under the
names of :mod:`seqcore.transformer`'s table; a bias that was ``None`` gets ``None``).
Weight gradients are summed over positions and batch.

What the forward pass computed and the backward pass needs (normalized inputs, the
FFN's hidden layer, the heads' projections and attention weights) is recomputed from
the arguments, one forward pass's worth of work, instead of being kept by the caller:
the signature stays the forward's, and a training step costs one forward pass more.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from array_api_compat import array_namespace

from ._recurrent import leading_sum, outer_sum
from ._trace import implements
from ._validate import Flag, Floats, Group, Mask, Real, params
from .attention import _attention
from .attention_grad import _sdpa_vjp
from .transformer import (
    ATTENTION,
    BLOCK,
    BLOCK_PARAMS,
    FFN,
    HEADS,
    _layer_norm,
    _merge_heads,
    _split_heads,
)

__all__ = [
    "feed_forward_backward",
    "layer_norm_backward",
    "multi_head_attention_backward",
    "transformer_encoder_block_backward",
]

ATTENTION_PARAMS = tuple(ATTENTION)
#: The input (and the output's gradient) of a block: positions by features.
SEQUENCE = Floats(..., "n", "d_model")
EPS = Real(ge=0)


def as_weights(params: Any, names: tuple[str, ...]) -> Mapping[str, Any]:
    """A block's weights by name: a mapping as given, a tuple in the order of ``names``."""
    return params if isinstance(params, Mapping) else dict(zip(names, params, strict=True))


# --- layer norm -----------------------------------------------------------------------------

def _layer_norm_vjp(xp: Any, dy: Any, x: Any, gamma: Any, eps: float) -> tuple[Any, Any, Any]:
    # x̂ = (x − μ) / √(σ² + ε), recomputed: a few passes over (n, d), no product
    xc = x - xp.mean(x, axis=-1, keepdims=True)
    inv = 1.0 / xp.sqrt(xp.mean(xc * xc, axis=-1, keepdims=True) + eps)
    xhat = xc * inv
    # δγ = Σ δy ⊙ x̂ ;  δβ = Σ δy ;  δx̂ = γ ⊙ δy
    dgamma, dbeta = leading_sum(xp, dy * xhat), leading_sum(xp, dy)
    dxhat = dy if gamma is None else dy * gamma
    # δx = (δx̂ − mean(δx̂) − x̂ ⊙ mean(δx̂ ⊙ x̂)) / √(σ² + ε)
    dx = dxhat - xp.mean(dxhat, axis=-1, keepdims=True) \
        - xhat * xp.mean(dxhat * xhat, axis=-1, keepdims=True)
    return dx * inv, dgamma, dbeta


@implements("transformer.layer-norm-backward")
@params(x=Floats(..., "d"), d_y=Floats(..., "d"), gamma=Floats("d", optional=True),
        beta=Floats("d", optional=True), eps=EPS)
def layer_norm_backward(d_y: Any, x: Any, gamma: Any = None, beta: Any = None,
                        eps: float = 1e-5) -> dict[str, Any]:
    r"""Gradients of the input, the scale and the shift of layer normalization.

    .. math::

        \begin{aligned}
        \hat{x} &= (x - \mu) / \sqrt{\sigma^2 + \varepsilon},
          \quad y = \gamma \odot \hat{x} + \beta \\
        \delta\gamma &= \textstyle\sum_{\text{positions}} \delta y \odot \hat{x},
          \quad \delta\beta = \textstyle\sum_{\text{positions}} \delta y \\
        \delta\hat{x} &= \gamma \odot \delta y \\
        \delta x &= \frac{1}{\sqrt{\sigma^2 + \varepsilon}}
          \Bigl(\delta\hat{x} - \overline{\delta\hat{x}}
          - \hat{x} \odot \overline{\delta\hat{x} \odot \hat{x}}\Bigr)
        \end{aligned}

    Equation id: ``transformer.layer-norm-backward``; :math:`\overline{v}` is the mean
    of :math:`v` over the :math:`d` features of one position. The two means subtracted
    from :math:`\delta\hat{x}` are what normalizing took away: a shift of all of
    :math:`x` and a stretch along :math:`\hat{x}` change nothing, so the gradient has
    no component along either.

    Parameters
    ----------
    d_y : array, shape like ``x``
    x, gamma, beta, eps
        As in :func:`seqcore.layer_norm` (``beta`` only decides whether its gradient
        is returned).

    Returns
    -------
    dict with ``"x"``, ``"gamma"``, ``"beta"`` (``None`` for an absent ``gamma``/``beta``).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import layer_norm_backward
    >>> g = layer_norm_backward(np.ones(3), np.array([1.0, 2.0, 3.0]), eps=0.0)
    >>> print(g["x"])          # adding to every feature moves no normalized value
    [0. 0. 0.]
    """
    dx, dgamma, dbeta = _layer_norm_vjp(array_namespace(x), d_y, x, gamma, eps)
    return {"x": dx, "gamma": None if gamma is None else dgamma,
            "beta": None if beta is None else dbeta}


# --- feed-forward network -------------------------------------------------------------------

def _linear(x: Any, W: Any, b: Any) -> Any:
    # x W^T + b, PyTorch's layout
    y = x @ W.T
    return y if b is None else y + b


def _ffn_forward(xp: Any, x: Any, p: Mapping[str, Any]) -> tuple[Any, Any]:
    # r = max(0, x W_1 + b_1) ;  y = r W_2 + b_2  (the forward lines the backward retraces)
    r = _linear(x, p["W_1"], p["b_1"])
    r = xp.maximum(r, xp.zeros_like(r))
    return _linear(r, p["W_2"], p["b_2"]), r


def _ffn_vjp(xp: Any, dy: Any, x: Any, r: Any, p: Mapping[str, Any]) -> tuple[Any, dict]:
    # δW_2 = rᵀ δy ;  δb_2 = Σ δy ;  δr = δy W_2ᵀ
    g = {"W_2": outer_sum(xp, dy, r), "b_2": leading_sum(xp, dy)}
    dr = dy @ p["W_2"]
    # δa = δr ⊙ [a > 0]: ReLU passes the gradient where it passed the input (r > 0 ⇔ a > 0)
    da = dr * xp.astype(r > 0, dr.dtype)
    # δW_1 = xᵀ δa ;  δb_1 = Σ δa ;  δx = δa W_1ᵀ
    g |= {"W_1": outer_sum(xp, da, x), "b_1": leading_sum(xp, da)}
    return da @ p["W_1"], g


@implements("transformer.ffn-backward")
@params(**FFN, x=Floats(..., "d_model"), d_y=Floats(..., "d_model"))
def feed_forward_backward(d_y: Any, x: Any, W_1: Any, b_1: Any, W_2: Any,
                          b_2: Any) -> dict[str, Any]:
    r"""Gradients through the position-wise feed-forward network.

    .. math::

        \begin{aligned}
        a &= x W_1 + b_1, \quad r = \max(0, a), \quad y = r W_2 + b_2 \\
        \delta W_2 &= r^{\top} \delta y, \quad \delta b_2 = \textstyle\sum \delta y \\
        \delta a &= \bigl(\delta y\, W_2^{\top}\bigr) \odot [a > 0] \\
        \delta W_1 &= x^{\top} \delta a, \quad \delta b_1 = \textstyle\sum \delta a \\
        \delta x &= \delta a\, W_1^{\top}
        \end{aligned}

    Equation id: ``transformer.ffn-backward``, in the paper's row layout (here ``W_1``
    has PyTorch's shape ``(d_ff, d_model)``, so :math:`\delta W_1` is returned as
    :math:`\delta a^{\top} x`). The sums run over every position: the same two layers
    serve all of them.

    Parameters
    ----------
    d_y : array, shape ``(..., d_model)``
    x, W_1, b_1, W_2, b_2
        As in :func:`seqcore.feed_forward`.

    Returns
    -------
    dict with ``"x"``, ``"W_1"``, ``"b_1"``, ``"W_2"``, ``"b_2"``.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import feed_forward_backward
    >>> W_1 = np.array([[1.0], [-1.0]]); W_2 = np.array([[1.0, 1.0]])
    >>> g = feed_forward_backward(np.ones((2, 1)), np.array([[2.0], [-3.0]]), W_1, None,
    ...                           W_2, None)
    >>> print(g["x"].ravel())      # FFN(x) = |x|: its slope is the sign of x
    [ 1. -1.]
    """
    xp, p = array_namespace(x), {"W_1": W_1, "b_1": b_1, "W_2": W_2, "b_2": b_2}
    _, r = _ffn_forward(xp, x, p)
    dx, g = _ffn_vjp(xp, d_y, x, r, p)
    return {"x": dx, **_present(g, p)}


def _present(g: dict[str, Any], p: Mapping[str, Any]) -> dict[str, Any]:
    """The gradient of every weight of ``p``, ``None`` for a weight that is ``None``."""
    return {n: None if w is None else g[n] for n, w in p.items()}


# --- multi-head attention -------------------------------------------------------------------

def _mha_forward(xp: Any, q_in: Any, k_in: Any, v_in: Any, p: Mapping[str, Any], pre: str,
                 h: int, mask: Any, causal: bool) -> tuple[Any, tuple]:
    """``transformer.multi-head`` line by line, keeping what the backward pass reads."""
    w = {n: p[pre + n] for n in ATTENTION_PARAMS}
    # Q W_i^Q for all heads in one product, then cut into h heads of d_k columns
    Q = _split_heads(xp, _linear(q_in, w["W_q"], w["b_q"]), h)
    K = _split_heads(xp, _linear(k_in, w["W_k"], w["b_k"]), h)
    V = _split_heads(xp, _linear(v_in, w["W_v"], w["b_v"]), h)
    if mask is not None and mask.ndim >= 2:
        mask = xp.expand_dims(mask, axis=-3)           # one mask for every head
    heads, A = _attention(xp, Q, K, V, mask, causal)
    # Concat(head_1, ..., head_h) W^O
    C = _merge_heads(xp, heads)
    return _linear(C, w["W_o"], w["b_o"]), (Q, K, V, A, C)


def _mha_vjp(xp: Any, dy: Any, q_in: Any, k_in: Any, v_in: Any, saved: tuple,
             p: Mapping[str, Any], pre: str, h: int) -> tuple[list[Any], dict]:
    """``transformer.multi-head-backward``: the gradients of the three inputs and weights."""
    Q, K, V, A, C = saved
    # δW^O = Cᵀ δY ;  δC = δY W^Oᵀ, cut into the heads' blocks of columns
    g = {pre + "W_o": outer_sum(xp, dy, C), pre + "b_o": leading_sum(xp, dy)}
    d_heads = _split_heads(xp, dy @ p[pre + "W_o"], h)
    # each head: attention.scaled-dot-backward
    d_proj = _sdpa_vjp(xp, d_heads, Q, K, V, A)
    d_inputs = []
    for n, d, x in zip("qkv", d_proj, (q_in, k_in, v_in), strict=True):
        # δW_i = Xᵀ δQ̃_i for all heads at once; δX = Σ_i δQ̃_i W_iᵀ (the sum is the product)
        d = _merge_heads(xp, d)
        g[f"{pre}W_{n}"], g[f"{pre}b_{n}"] = outer_sum(xp, d, x), leading_sum(xp, d)
        d_inputs.append(d @ p[f"{pre}W_{n}"])
    return d_inputs, g


@implements("transformer.multi-head-backward")
@params(**ATTENTION, query=Floats(..., "n_q", "d_model"), key=Floats(..., "n_k", "d_model"),
        value=Floats(..., "n_k", "d_model"), d_out=Floats(..., "n_q", "d_model"),
        num_heads=HEADS, mask=Mask(..., "n_q", "n_k"), causal=Flag())
def multi_head_attention_backward(d_out: Any, query: Any, key: Any, value: Any, W_q: Any,
                                  W_k: Any, W_v: Any, W_o: Any, num_heads: int,
                                  b_q: Any = None, b_k: Any = None, b_v: Any = None,
                                  b_o: Any = None, mask: Any = None,
                                  causal: bool = False) -> dict[str, Any]:
    r"""Gradients of the inputs and the weights of multi-head attention.

    .. math::

        \begin{aligned}
        \delta W^{O} &= C^{\top} \delta Y, \quad \delta C = \delta Y\, W^{O\top},
          \quad C = \operatorname{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h) \\
        \delta\tilde{Q}_i, \delta\tilde{K}_i, \delta\tilde{V}_i
          &= \text{attention backward of } \delta\mathrm{head}_i \\
        \delta W_i^{Q} &= Q^{\top} \delta\tilde{Q}_i, \quad
          \delta Q = \textstyle\sum_{i=1}^{h} \delta\tilde{Q}_i\, W_i^{Q\top}
        \end{aligned}

    Equation id: ``transformer.multi-head-backward``, with
    :math:`\tilde{Q}_i = Q W_i^Q` the query projection of head :math:`i` (keys and
    values likewise). :math:`\delta\mathrm{head}_i` is head :math:`i`'s block of
    :math:`d_k` columns of :math:`\delta C`, and its attention backward is
    ``attention.scaled-dot-backward``. Since the heads' projections are row blocks
    of one matrix, the sum over heads is one matrix product. For self-attention
    (:math:`Q = K = V = X`) the gradient of :math:`X` is the sum of the three
    returned input gradients.

    Parameters
    ----------
    d_out : array, shape ``(..., n_q, d_model)``
    query, key, value, W_q, W_k, W_v, W_o, num_heads, b_q, b_k, b_v, b_o, mask, causal
        As in :func:`seqcore.multi_head_attention`.

    Returns
    -------
    dict with ``"query"``, ``"key"``, ``"value"`` and every weight's name (``None`` for
    an absent bias).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import multi_head_attention_backward
    >>> rng = np.random.default_rng(0)
    >>> X, W = rng.normal(size=(3, 4)), {n: rng.normal(size=(4, 4)) for n in "qkvo"}
    >>> dY = np.zeros((3, 4)); dY[0] = 1.0            # L = the first output's sum
    >>> g = multi_head_attention_backward(dY, X, X, X, W["q"], W["k"], W["v"], W["o"],
    ...                                   num_heads=2, causal=True)
    >>> # causal: the first query saw only the first key, so the later keys get nothing
    >>> print(g["W_q"].shape, g["b_q"], np.abs(g["key"][1:]).max())
    (4, 4) None 0.0
    """
    xp, h = array_namespace(query), num_heads
    p = dict(zip(ATTENTION_PARAMS, (W_q, W_k, W_v, W_o, b_q, b_k, b_v, b_o), strict=True))
    _, saved = _mha_forward(xp, query, key, value, p, "", h, mask, causal)
    (dq, dk, dv), g = _mha_vjp(xp, d_out, query, key, value, saved, p, "", h)
    return {"query": dq, "key": dk, "value": dv, **_present(g, p)}


# --- the encoder block ----------------------------------------------------------------------

def _ln(p: Mapping[str, Any], i: int, v: Any, eps: float) -> Any:
    return _layer_norm(v, p[f"gamma_{i}"], p[f"beta_{i}"], eps)


def _block_forward(xp: Any, x: Any, p: Mapping[str, Any], h: int, norm_first: bool,
                   mask: Any, causal: bool, eps: float) -> tuple[Any, tuple]:
    """``transformer.post-ln`` / ``transformer.pre-ln``, keeping each sublayer's input."""
    if norm_first:
        n1 = _ln(p, 1, x, eps)
        att, s_att = _mha_forward(xp, n1, n1, n1, p, "", h, mask, causal)
        z = x + att                                    # z = x + MHA(LN_1(x))
        n2 = _ln(p, 2, z, eps)
        f, r = _ffn_forward(xp, n2, p)
        return z + f, (n1, s_att, z, n2, r)            # y = z + FFN(LN_2(z))
    att, s_att = _mha_forward(xp, x, x, x, p, "", h, mask, causal)
    v = x + att
    z = _ln(p, 1, v, eps)                              # z = LN_1(x + MHA(x))
    f, r = _ffn_forward(xp, z, p)
    u = z + f
    return _ln(p, 2, u, eps), (s_att, v, z, r, u)      # y = LN_2(z + FFN(z))


class _Grads:
    """The sublayers' backward passes, adding every weight gradient into one dict."""

    def __init__(self, xp: Any, p: Mapping[str, Any], h: int, eps: float) -> None:
        self.xp, self.p, self.h, self.eps, self.g = xp, p, h, eps, {}

    def ln(self, i: int, d: Any, v: Any) -> Any:
        dv, self.g[f"gamma_{i}"], self.g[f"beta_{i}"] = _layer_norm_vjp(
            self.xp, d, v, self.p[f"gamma_{i}"], self.eps)
        return dv

    def ffn(self, d: Any, v: Any, r: Any) -> Any:
        dv, g = _ffn_vjp(self.xp, d, v, r, self.p)
        self.g |= g
        return dv

    def attention(self, d: Any, q_in: Any, kv_in: Any, saved: tuple, pre: str = "") -> tuple:
        (dq, dk, dv), g = _mha_vjp(self.xp, d, q_in, kv_in, kv_in, saved, self.p, pre, self.h)
        self.g |= g
        return dq, dk + dv


def _block_vjp(grads: _Grads, dy: Any, x: Any, saved: tuple, norm_first: bool) -> Any:
    """``transformer.block-backward``: δx, with the weights' gradients added to ``grads``."""
    if norm_first:
        n1, s_att, z, n2, r = saved
        # δz = δy + LN_2ᵀ FFNᵀ δy: the residual passes δy on untouched
        dz = dy + grads.ln(2, grads.ffn(dy, n2, r), z)
        # δx = δz + LN_1ᵀ MHAᵀ δz (self-attention: query, key and value are all LN_1(x))
        dq, dkv = grads.attention(dz, n1, n1, s_att)
        return dz + grads.ln(1, dq + dkv, x)
    s_att, v, z, r, u = saved
    # δu = LN_2ᵀ δy ;  δz = δu + FFNᵀ δu
    du = grads.ln(2, dy, u)
    dz = du + grads.ffn(du, z, r)
    # δv = LN_1ᵀ δz ;  δx = δv + MHAᵀ δv
    dv = grads.ln(1, dz, v)
    dq, dkv = grads.attention(dv, x, x, s_att)
    return dv + dq + dkv


@implements("transformer.block-backward")
@params(params=Group(**BLOCK), x=SEQUENCE, d_y=SEQUENCE, num_heads=HEADS, norm_first=Flag(),
        mask=Mask(..., "n", "n"), causal=Flag(), eps=EPS)
def transformer_encoder_block_backward(d_y: Any, x: Any, params: Mapping[str, Any],
                                       num_heads: int, norm_first: bool = False,
                                       mask: Any = None, causal: bool = False,
                                       eps: float = 1e-5) -> dict[str, Any]:
    r"""Gradients of the input and every weight of an encoder block, post-LN or pre-LN.

    .. math::

        \begin{aligned}
        \text{post-LN:}\quad \delta u &= J_{\mathrm{LN}_2}^{\top} \delta y,
          & \delta z &= \delta u + J_{\mathrm{FFN}}^{\top} \delta u \\
        \delta v &= J_{\mathrm{LN}_1}^{\top} \delta z,
          & \delta x &= \delta v + J_{\mathrm{MHA}}^{\top} \delta v \\
        \text{pre-LN:}\quad \delta z &= \delta y
          + J_{\mathrm{LN}_2}^{\top} J_{\mathrm{FFN}}^{\top} \delta y,
          & \delta x &= \delta z + J_{\mathrm{LN}_1}^{\top} J_{\mathrm{MHA}}^{\top} \delta z
        \end{aligned}

    Equation id: ``transformer.block-backward``. In the post-LN block
    :math:`v = x + \operatorname{MHA}(x)`, :math:`z = \operatorname{LN}_1(v)`,
    :math:`u = z + \operatorname{FFN}(z)`, :math:`y = \operatorname{LN}_2(u)`;
    :math:`J_f^{\top}\delta` is the backward pass of sublayer :math:`f` at its own
    input (``transformer.layer-norm-backward``, ``transformer.ffn-backward``,
    ``transformer.multi-head-backward``). Each residual connection adds the incoming
    gradient unchanged; in the pre-LN block that makes an identity path from
    :math:`\delta y` to :math:`\delta x`, which no layer norm rescales.

    Parameters
    ----------
    d_y : array, shape ``(..., n, d_model)``
    x, params, num_heads, norm_first, mask, causal, eps
        As in :func:`seqcore.transformer_encoder_block`. With ``causal=True`` this is
        also the backward pass of a decoder-only (GPT) block.

    Returns
    -------
    dict with ``"x"`` and every key of ``params`` (``None`` for a weight that is ``None``).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import transformer_encoder_block_backward
    >>> rng = np.random.default_rng(0)
    >>> d, d_ff = 4, 8
    >>> p = {n: rng.normal(size=(d, d)) for n in ("W_q", "W_k", "W_v", "W_o")}
    >>> p |= {"W_1": rng.normal(size=(d_ff, d)), "W_2": rng.normal(size=(d, d_ff))}
    >>> p |= {n: None for n in ("b_q", "b_k", "b_v", "b_o", "b_1", "b_2")}
    >>> p |= {f"{w}_{i}": None for w in ("gamma", "beta") for i in (1, 2)}
    >>> g = transformer_encoder_block_backward(np.ones((5, d)), rng.normal(size=(5, d)),
    ...                                        p, num_heads=2)
    >>> # post-LN: LN_2 removed any shift of all features, so δy = 1 reaches nothing
    >>> print(np.abs(g["x"]).max().round(12), g["W_1"].shape)
    0.0 (8, 4)
    """
    xp, p, h = array_namespace(x), as_weights(params, BLOCK_PARAMS), num_heads
    _, saved = _block_forward(xp, x, p, h, norm_first, mask, causal, eps)
    grads = _Grads(xp, p, h, eps)
    dx = _block_vjp(grads, d_y, x, saved, norm_first)
    return {"x": dx, **_present(grads.g, p)}
