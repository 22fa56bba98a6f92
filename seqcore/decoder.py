r"""The Transformer decoder: the decoder block, embeddings with weight tying, a key–value cache.

A decoder block adds one sublayer to the encoder block: after its causally masked
self-attention, **cross-attention** reads the encoder's output (the *memory*) as keys
and values. Its weights are those of :mod:`seqcore.transformer`'s table plus the
cross-attention's and a third layer norm, named as ``torch.nn.TransformerDecoderLayer``
holds them:

=================================  ===========================  ==============================
seqcore                            shape                        PyTorch
=================================  ===========================  ==============================
``W_q … b_o`` (as the encoder)     ``(d_model, d_model)``…      ``self_attn.*``
``cross_W_q … cross_b_o``          ``(d_model, d_model)``…      ``multihead_attn.*``
``W_1, b_1, W_2, b_2``             as the encoder               ``linear1.*``, ``linear2.*``
``gamma_1, beta_1``                ``(d_model,)``               ``norm1.*`` (self-attention)
``gamma_2, beta_2``                ``(d_model,)``               ``norm2.*`` (cross-attention)
``gamma_3, beta_3``                ``(d_model,)``               ``norm3.*`` (FFN)
=================================  ===========================  ==============================

A decoder-only model (GPT) has no memory and so no cross-attention: its block is
:func:`seqcore.transformer_encoder_block` with ``causal=True`` (weights as the
encoder's), and :func:`decoder_block_step` takes it with ``memory=None``.

Generation produces one token at a time. :func:`decoder_block_step` computes the
block's output at the newest position only, reading the keys and values of the
earlier positions from a :class:`KVCache` instead of recomputing them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import array_api_compat
from array_api_compat import array_namespace

from ._recurrent import leading_sum, outer_sum
from ._trace import implements
from ._validate import (
    NO_DIMS,
    Domain,
    Flag,
    Floats,
    Group,
    Integer,
    Ints,
    Mask,
    MissingKeysError,
    ShapeError,
    calling,
    params,
)
from .attention import _attention
from .rnnlm import embedding_backward
from .transformer import (
    ATTENTION,
    BLOCK,
    BLOCK_PARAMS,
    HEADS,
    _merge_heads,
    _split_heads,
    positional_encoding,
)
from .transformer_grad import (
    ATTENTION_PARAMS,
    EPS,
    SEQUENCE,
    _ffn_forward,
    _Grads,
    _linear,
    _ln,
    _mha_forward,
    _present,
    as_weights,
)

__all__ = [
    "DECODER_PARAMS",
    "KVCache",
    "decoder_block_step",
    "tied_output_backward",
    "tied_output_logits",
    "transformer_decoder_block",
    "transformer_decoder_block_backward",
    "transformer_embedding",
    "transformer_embedding_backward",
]

CROSS_PARAMS = tuple(f"cross_{n}" for n in ATTENTION_PARAMS)
#: The weights of a decoder block: the encoder block's, the cross-attention's, a third norm.
DECODER = {**BLOCK, **{f"cross_{n}": d for n, d in ATTENTION.items()},
           "gamma_3": BLOCK["gamma_1"], "beta_3": BLOCK["beta_1"]}
DECODER_PARAMS = tuple(DECODER)
DECODER_ONLY = DECODER_PARAMS[len(BLOCK_PARAMS):]
#: The memory (the encoder's output) that cross-attention reads.
MEMORY = Floats(..., "n_mem", "d_model")


class StepWeights(Group):
    """A decoder block's weights, or the encoder block's alone (a decoder-only model, no
    memory); the body receives all of :data:`DECODER_PARAMS`, the absent ones ``None``."""

    def __init__(self) -> None:
        super().__init__(**DECODER)

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "a mapping of a decoder block's weights (or of an encoder block's)"

    def items(self, func: str, name: str, value: Any) -> dict[str, tuple[Any, Any]]:
        if isinstance(value, Mapping) and not any(k in value for k in DECODER_ONLY):
            return Group(**BLOCK).items(func, name, value)
        return super().items(func, name, value)


class Cache(Domain):
    """A :class:`KVCache`: the keys and values of one block's earlier positions."""

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "a KVCache (one per block)"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if not isinstance(value, KVCache):
            raise self.fail(TypeError, func, name, f"{type(value).__name__}")
        return value


# --- the decoder block ----------------------------------------------------------------------

def _decoder_forward(xp: Any, x: Any, mem: Any, p: Mapping[str, Any], h: int,
                     norm_first: bool, mask: Any, memory_mask: Any, causal: bool,
                     eps: float) -> tuple[Any, tuple]:
    """``transformer.decoder-post-ln`` / ``-pre-ln``, keeping each sublayer's input."""
    if norm_first:
        n1 = _ln(p, 1, x, eps)
        att, s1 = _mha_forward(xp, n1, n1, n1, p, "", h, mask, causal)
        a = x + att                                    # a = x + MHA(LN_1(x))
        n2 = _ln(p, 2, a, eps)
        cross, s2 = _mha_forward(xp, n2, mem, mem, p, "cross_", h, memory_mask, False)
        b = a + cross                                  # b = a + Cross(LN_2(a), m)
        n3 = _ln(p, 3, b, eps)
        f, r = _ffn_forward(xp, n3, p)
        return b + f, (n1, s1, a, n2, s2, b, n3, r)    # y = b + FFN(LN_3(b))
    att, s1 = _mha_forward(xp, x, x, x, p, "", h, mask, causal)
    v1 = x + att
    a = _ln(p, 1, v1, eps)                             # a = LN_1(x + MHA(x))
    cross, s2 = _mha_forward(xp, a, mem, mem, p, "cross_", h, memory_mask, False)
    v2 = a + cross
    b = _ln(p, 2, v2, eps)                             # b = LN_2(a + Cross(a, m))
    f, r = _ffn_forward(xp, b, p)
    v3 = b + f
    return _ln(p, 3, v3, eps), (s1, v1, a, s2, v2, b, r, v3)   # y = LN_3(b + FFN(b))


def _decoder_vjp(grads: _Grads, dy: Any, x: Any, mem: Any, saved: tuple,
                 norm_first: bool) -> tuple[Any, Any]:
    """``transformer.decoder-backward``: δx and δm, the weights' gradients into ``grads``."""
    if norm_first:
        n1, s1, a, n2, s2, b, n3, r = saved
        # δb = δy + LN_3ᵀ FFNᵀ δy
        db = dy + grads.ln(3, grads.ffn(dy, n3, r), b)
        # cross-attention: δa = δb + LN_2ᵀ (its query's share) ;  δm = its keys' and values'
        dq, dm = grads.attention(db, n2, mem, s2, "cross_")
        da = db + grads.ln(2, dq, a)
        dq, dkv = grads.attention(da, n1, n1, s1)
        return da + grads.ln(1, dq + dkv, x), dm
    s1, v1, a, s2, v2, b, r, v3 = saved
    dv3 = grads.ln(3, dy, v3)
    db = dv3 + grads.ffn(dv3, b, r)
    dv2 = grads.ln(2, db, v2)
    # δa = δv + J_Cross,aᵀ δv ;  δm = J_Cross,mᵀ δv
    dq, dm = grads.attention(dv2, a, mem, s2, "cross_")
    dv1 = grads.ln(1, dv2 + dq, v1)
    dq, dkv = grads.attention(dv1, x, x, s1)
    return dv1 + dq + dkv, dm


#: The decoder block's arguments, forward and backward.
DECODER_ARGS = {"params": Group(**DECODER), "x": SEQUENCE, "memory": MEMORY,
                "num_heads": HEADS, "norm_first": Flag(), "mask": Mask(..., "n", "n"),
                "memory_mask": Mask(..., "n", "n_mem"), "causal": Flag(), "eps": EPS}


@implements("transformer.decoder-post-ln", "transformer.decoder-pre-ln")
@params(**DECODER_ARGS)
def transformer_decoder_block(x: Any, memory: Any, params: Mapping[str, Any], num_heads: int,
                              norm_first: bool = False, mask: Any = None,
                              memory_mask: Any = None, causal: bool = True,
                              eps: float = 1e-5) -> Any:
    r"""One Transformer decoder block: masked self-attention, cross-attention, FFN.

    .. math::

        \begin{aligned}
        \text{post-LN:}\quad a &= \operatorname{LN}_1\bigl(x + \operatorname{MHA}(x)\bigr),
          \quad b = \operatorname{LN}_2\bigl(a + \operatorname{MHA}(a, m, m)\bigr) \\
        y &= \operatorname{LN}_3\bigl(b + \operatorname{FFN}(b)\bigr) \\
        \text{pre-LN:}\quad a &= x + \operatorname{MHA}\bigl(\operatorname{LN}_1(x)\bigr),
          \quad b = a + \operatorname{MHA}\bigl(\operatorname{LN}_2(a), m, m\bigr) \\
        y &= b + \operatorname{FFN}\bigl(\operatorname{LN}_3(b)\bigr)
        \end{aligned}

    Equation ids: ``transformer.decoder-post-ln`` (``norm_first=False``) and
    ``transformer.decoder-pre-ln`` (``norm_first=True``), as
    ``torch.nn.TransformerDecoderLayer`` in evaluation mode with ReLU. The first
    attention is causal self-attention; the second takes its queries from the decoder
    and its keys and values from the memory :math:`m`, the encoder's output, which no
    layer norm of this block touches.

    Parameters
    ----------
    x : array, shape ``(..., n, d_model)``
        The target sequence so far (embedded).
    memory : array, shape ``(..., n_mem, d_model)``
        The encoder's output; its width must be ``d_model``.
    params : mapping
        The arrays of :data:`DECODER_PARAMS` (biases, gammas and betas may be ``None``).
    num_heads : int
    norm_first : bool
    mask : bool array broadcastable to ``(..., n, n)``, optional
        Self-attention mask (``True`` = attend), e.g. target padding as ``(batch, 1, n)``.
    memory_mask : bool array broadcastable to ``(..., n, n_mem)``, optional
        Cross-attention mask, e.g. source padding as ``(batch, 1, n_mem)``.
    causal : bool
        Block the keys after each query in self-attention (default ``True``).
    eps : float

    Returns
    -------
    array, shape like ``x``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import DECODER_PARAMS, transformer_decoder_block
    >>> rng = np.random.default_rng(0)
    >>> d = 4
    >>> p = dict.fromkeys(DECODER_PARAMS)      # no biases, γ = 1, β = 0
    >>> p |= {n: rng.normal(size=(d, d)) for n in DECODER_PARAMS if n[-3:-1] == "W_"}
    >>> p |= {"W_1": rng.normal(size=(8, d)), "W_2": rng.normal(size=(d, 8))}
    >>> x, m = rng.normal(size=(3, d)), rng.normal(size=(5, d))
    >>> y = transformer_decoder_block(x, m, p, num_heads=2)
    >>> # causal: changing the last target position leaves the first two outputs alone
    >>> x2 = x.copy(); x2[-1] += 1.0
    >>> y2 = transformer_decoder_block(x2, m, p, num_heads=2)
    >>> print(y.shape, np.allclose(y[:2], y2[:2]), np.allclose(y[2], y2[2]))
    (3, 4) True False
    """
    xp, p = array_namespace(x), as_weights(params, DECODER_PARAMS)
    y, _ = _decoder_forward(xp, x, memory, p, num_heads, norm_first, mask, memory_mask,
                            causal, eps)
    return y


@implements("transformer.decoder-backward")
@params(**DECODER_ARGS, d_y=SEQUENCE)
def transformer_decoder_block_backward(d_y: Any, x: Any, memory: Any,
                                       params: Mapping[str, Any], num_heads: int,
                                       norm_first: bool = False, mask: Any = None,
                                       memory_mask: Any = None, causal: bool = True,
                                       eps: float = 1e-5) -> dict[str, Any]:
    r"""Gradients of the target, the memory and every weight of a decoder block.

    .. math::

        \begin{aligned}
        \delta a &= \delta v + J_{\mathrm{Cross},\,a}^{\top}\, \delta v \\
        \delta m &= J_{\mathrm{Cross},\,m}^{\top}\, \delta v
        \end{aligned}

    Equation id: ``transformer.decoder-backward``. The self-attention and FFN
    sublayers go back as in the encoder block (``transformer.block-backward``); the
    cross-attention sublayer :math:`v = a + \operatorname{Cross}(a, m)` splits its
    gradient :math:`\delta v` (post-LN: :math:`J_{\mathrm{LN}_2}^{\top}\delta b`) in
    two: its query's share goes on down the decoder, its keys' and values' share
    goes to the memory. An encoder under :math:`N` decoder blocks receives the sum of
    the :math:`N` memory gradients.

    Parameters
    ----------
    d_y : array, shape ``(..., n, d_model)``
    x, memory, params, num_heads, norm_first, mask, memory_mask, causal, eps
        As in :func:`transformer_decoder_block`.

    Returns
    -------
    dict with ``"x"``, ``"memory"`` and every key of ``params`` (``None`` for a weight
    that is ``None``).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import DECODER_PARAMS, transformer_decoder_block_backward
    >>> rng = np.random.default_rng(0)
    >>> p = dict.fromkeys(DECODER_PARAMS)      # no biases, γ = 1, β = 0
    >>> p |= {n: rng.normal(size=(4, 4)) for n in DECODER_PARAMS if n[-3:-1] == "W_"}
    >>> p |= {"W_1": rng.normal(size=(8, 4)), "W_2": rng.normal(size=(4, 8))}
    >>> dy = np.zeros((3, 4)); dy[0] = 1.0          # L = the first output's sum
    >>> g = transformer_decoder_block_backward(dy, rng.normal(size=(3, 4)),
    ...                                        rng.normal(size=(5, 4)), p, 2,
    ...                                        norm_first=True)
    >>> # the first position saw only itself: later targets get no gradient
    >>> print(np.abs(g["x"][1:]).max(), g["memory"].shape)
    0.0 (5, 4)
    """
    xp, p, h = array_namespace(x), as_weights(params, DECODER_PARAMS), num_heads
    _, saved = _decoder_forward(xp, x, memory, p, h, norm_first, mask, memory_mask, causal,
                                eps)
    grads = _Grads(xp, p, h, eps)
    dx, dm = _decoder_vjp(grads, d_y, x, memory, saved, norm_first)
    return {"x": dx, "memory": dm, **_present(grads.g, p)}


# --- embeddings and the tied output layer ---------------------------------------------------

#: The embedding table: d_model even, as the positional encoding pairs sines and cosines.
TABLE = Floats("vocab", "2*half")
#: Token ids (rows of the table), one sequence or a batch.
IDS = Ints("batch?", "n", ge=0, lt="vocab")


@implements("transformer.embedding")
@params(E=TABLE, ids=IDS, offset=Integer(ge=0),
        pe=Floats("max_len", "2*half", optional=True))
def transformer_embedding(ids: Any, E: Any, offset: int = 0, pe: Any = None) -> Any:
    r"""Token embeddings scaled by :math:`\sqrt{d_{model}}`, plus the positional encoding.

    .. math::

        x_i = \sqrt{d_{model}}\; E_{t_i} + \mathrm{PE}(i)

    Equation id: ``transformer.embedding``. The paper multiplies the embedding weights
    by :math:`\sqrt{d_{model}}` (§3.4) without giving a reason. The usual one assumes
    a table drawn at standard deviation :math:`1/\sqrt{d_{model}}` (the authors'
    tensor2tensor code; natural for a table shared with the output layer): the
    factor then brings the token vectors to the size of the positional encoding,
    whose entries are of size 1. With a table drawn at standard deviation 1
    (``torch.nn.Embedding``'s default) it makes them about :math:`\sqrt{d_{model}}`
    times larger instead.

    Parameters
    ----------
    ids : integer array, shape ``(n,)`` or ``(batch, n)``
        Token ids :math:`t_i`, rows of ``E``.
    E : array, shape ``(V, d_model)``
        The embedding table (``d_model`` even).
    offset : int
        The position of the first token: generating one token at a time, the new
        token's position.
    pe : array, shape ``(max_len, d_model)``, optional
        A positional-encoding table made once (:func:`seqcore.positional_encoding`);
        computed here when not given. ``offset + n`` must not exceed ``max_len``.

    Returns
    -------
    array, shape ``(n, d_model)`` or ``(batch, n, d_model)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import transformer_embedding
    >>> E = np.array([[0.5, 0.0], [0.0, 0.5]])
    >>> print(transformer_embedding(np.array([1, 0]), E).round(4))   # √2·E_t + PE(i)
    [[0.     1.7071]
     [1.5486 0.5403]]
    """
    xp, n, d = array_namespace(E), int(ids.shape[-1]), int(E.shape[1])
    if pe is None:
        pe = xp.asarray(positional_encoding(offset + n, d), dtype=E.dtype,
                        device=array_api_compat.device(E))
    elif offset + n > int(pe.shape[0]):
        raise ValueError(f"{calling()}: positions {offset}..{offset + n - 1} lie beyond the "
                         f"{int(pe.shape[0])} rows of `pe`; make the table as long as the "
                         "longest sequence")
    # x_i = √d_model E_{t_i} + PE(i); the array API's take wants 1-D ids (torch's does)
    rows = xp.reshape(xp.take(E, xp.reshape(ids, (-1,)), axis=0), (*ids.shape, d))
    return math.sqrt(d) * rows + pe[offset:offset + n, :]


@implements("transformer.embedding-backward")
@params(E=Floats("vocab", "d_model"), ids=IDS, d_x=Floats("batch?", "n", "d_model"),
        d_E=Floats("vocab", "d_model", optional=True))
def transformer_embedding_backward(d_x: Any, ids: Any, E: Any, d_E: Any = None) -> Any:
    r"""The gradient of the embedding table, with the output layer's share when tied.

    .. math::

        \frac{\partial L}{\partial E}
        = \delta E^{\text{out}} + \sqrt{d_{model}} \sum_{i} e_{t_i}^{\top}\, \delta x_i

    Equation id: ``transformer.embedding-backward``. Row :math:`v` of the sum collects
    :math:`\sqrt{d_{model}}\,\delta x_i` from every position whose token is
    :math:`v` (:math:`e_v` is the one-hot row vector); the positional encoding is fixed
    and takes no gradient. With weight tying, the same :math:`E` also scored the
    outputs, and its gradient is the sum of both uses: pass the output layer's
    :math:`\delta E^{\text{out}}` (:func:`tied_output_backward`) as ``d_E``.

    Parameters
    ----------
    d_x : array, shape ``(n, d_model)`` or ``(batch, n, d_model)``
        :math:`\partial L / \partial x`, the gradient at the first block's input.
    ids : integer array, shape ``(n,)`` or ``(batch, n)``
    E : array, shape ``(V, d_model)``
    d_E : array, shape ``(V, d_model)``, optional
        The gradient of ``E`` from its other use (the tied output layer).

    Returns
    -------
    array, shape ``(V, d_model)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import transformer_embedding_backward
    >>> dE = transformer_embedding_backward(np.ones((3, 4)), np.array([2, 0, 2]),
    ...                                     np.zeros((3, 4)))
    >>> print(dE[:, 0])        # √4 · (number of uses of each token)
    [2. 0. 4.]
    """
    # √d_model Σ_i e_{t_i}ᵀ δx_i: the lookup's scatter-add, scaled as the forward scaled
    dE = embedding_backward(ids, math.sqrt(int(E.shape[1])) * d_x, int(E.shape[0]))
    return dE if d_E is None else dE + d_E


@implements("transformer.tied-output")
@params(E=Floats("vocab", "d_model"), b=Floats("vocab", optional=True),
        h=Floats(..., "d_model"))
def tied_output_logits(h: Any, E: Any, b: Any = None) -> Any:
    r"""Output logits from the embedding table itself (weight tying).

    .. math::

        o_i = h_i E^{\top} + b

    Equation id: ``transformer.tied-output``. The pre-softmax layer reuses the
    :math:`V \times d_{model}` embedding table as its weight (Press & Wolf, 2017;
    the Transformer paper shares it), so a model of vocabulary :math:`V` saves
    :math:`V \cdot d_{model}` parameters, and a token's input and output vectors are
    one vector. No :math:`\sqrt{d_{model}}` here: that factor scales the input side.

    Parameters
    ----------
    h : array, shape ``(..., d_model)``
        The last block's output (after the final layer norm of a pre-LN stack).
    E : array, shape ``(V, d_model)``
    b : array, shape ``(V,)``, optional

    Returns
    -------
    array, shape ``(..., V)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import tied_output_logits
    >>> E = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> print(tied_output_logits(np.array([2.0, -1.0]), E))   # h · each token's row
    [ 2. -1.  1.]
    """
    return _linear(h, E, b)                            # o = h Eᵀ + b, row by row


@implements("transformer.output-backward")
@params(E=Floats("vocab", "d_model"), b=Floats("vocab", optional=True),
        h=Floats(..., "d_model"), d_logits=Floats(..., "vocab"))
def tied_output_backward(d_logits: Any, h: Any, E: Any, b: Any = None) -> dict[str, Any]:
    r"""Gradients of the hidden states, the table and the bias through the tied output layer.

    .. math::

        \begin{aligned}
        \delta h_i &= \delta o_i\, E \\
        \delta E^{\text{out}} &= \textstyle\sum_i \delta o_i^{\top} h_i,
          \quad \delta b = \textstyle\sum_i \delta o_i
        \end{aligned}

    Equation id: ``transformer.output-backward``. :math:`\delta E^{\text{out}}` is
    only the output layer's share of the table's gradient: add the input side's with
    :func:`transformer_embedding_backward` (``d_E=``).

    Parameters
    ----------
    d_logits : array, shape ``(..., V)``
    h, E, b
        As in :func:`tied_output_logits`.

    Returns
    -------
    dict with ``"h"``, ``"E"``, ``"b"`` (``None`` without a bias).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import tied_output_backward
    >>> g = tied_output_backward(np.array([1.0, 0.0, -1.0]), np.array([2.0, -1.0]),
    ...                          np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    >>> print(g["h"], g["E"].tolist())
    [ 0. -1.] [[2.0, -1.0], [0.0, 0.0], [-2.0, 1.0]]
    """
    xp, dO = array_namespace(h), d_logits
    return {"h": dO @ E, "E": outer_sum(xp, dO, h),
            "b": None if b is None else leading_sum(xp, dO)}


# --- incremental decoding -------------------------------------------------------------------

class KVCache:
    r"""The keys and values one block has computed so far, for decoding one token at a time.

    Holds, per head, the self-attention keys :math:`K_{1:t}` and values
    :math:`V_{1:t}` of the :math:`t` positions decoded so far (room for ``max_len``,
    allocated at the first step) and, for a decoder block, the cross-attention keys
    and values of the memory, computed once. Use one cache per block; pass it to
    :func:`decoder_block_step`, which appends the new position.

    Parameters
    ----------
    max_len : int
        The most positions the cache will hold (the longest sequence to generate).

    Examples
    --------
    >>> from seqcore import KVCache
    >>> cache = KVCache(max_len=16)
    >>> print(len(cache), cache.max_len)
    0 16
    """

    @params(max_len=Integer(ge=1))
    def __init__(self, max_len: int) -> None:
        self.max_len = max_len
        self.length = 0
        self.keys: Any = None        # (..., h, max_len, d_k)
        self.values: Any = None
        self.memory: Any = None      # the cross-attention's (K, V) of the memory

    def __len__(self) -> int:
        return self.length

    def __repr__(self) -> str:
        return f"KVCache(length={self.length}, max_len={self.max_len})"

    @params(length=Integer(ge=0))
    def truncate(self, length: int) -> None:
        """Forget every position from ``length`` on (e.g. to decode again from there)."""
        if length > self.length:
            raise ValueError(f"{calling()}: `length` must be an integer in [0, {self.length}] "
                             f"(the positions held); got {length}")
        self.length = length

    @params(k=Floats(..., "new", "d_k"), v=Floats(..., "new", "d_k"))
    def append(self, xp: Any, k: Any, v: Any) -> tuple[Any, Any]:
        """Write the new positions' keys and values (``(..., new, d_k)``, one new position
        a step); return all keys and values so far."""
        return self._write(xp, k, v)

    def _write(self, xp: Any, k: Any, v: Any) -> tuple[Any, Any]:
        t, new = self.length, int(k.shape[-2])
        shape = (*k.shape[:-2], self.max_len, int(k.shape[-1]))
        _room(self, new, shape, k.dtype)
        if self.keys is None:
            dev = array_api_compat.device(k)
            self.keys = xp.zeros(shape, dtype=k.dtype, device=dev)
            self.values = xp.zeros(shape, dtype=v.dtype, device=dev)
        # K_{1:t+new} = [K_{1:t}; k]: the new rows written, nothing recomputed
        self.keys[..., t:t + new, :] = k
        self.values[..., t:t + new, :] = v
        self.length = t + new
        return self.keys[..., :t + new, :], self.values[..., :t + new, :]


def _room(cache: KVCache, new: int, shape: tuple[int, ...], dtype: Any) -> None:
    """Refuse a write past ``max_len``, or of keys another block or batch would make."""
    if cache.length + new > cache.max_len:
        raise ValueError(f"{calling()}: `cache` is full: it holds max_len={cache.max_len} "
                         "positions; make KVCache(max_len) as long as the longest sequence")
    if cache.keys is not None and (tuple(cache.keys.shape) != shape
                                   or cache.keys.dtype != dtype):
        raise ShapeError(f"{calling()}: `cache` holds keys of shape "
                         f"{tuple(cache.keys.shape)} and dtype {cache.keys.dtype}, but this "
                         f"step makes {shape} of {dtype}: one cache per block and batch")


def _step_attention(xp: Any, v: Any, p: Mapping[str, Any], h: int, cache: KVCache) -> Any:
    """Self-attention of the new position over the cached ones: ``transformer.kv-cache``."""
    # q_t, k_t, v_t: projections of the new position only, O(d²)
    q = _split_heads(xp, _linear(v, p["W_q"], p["b_q"]), h)
    k = _split_heads(xp, _linear(v, p["W_k"], p["b_k"]), h)
    val = _split_heads(xp, _linear(v, p["W_v"], p["b_v"]), h)
    # K_{1:t} = [K_{1:t-1}; k_t], V likewise: one row written, nothing recomputed
    K, V = cache._write(xp, k, val)
    # o_t = softmax(q_t K_{1:t}ᵀ / √d_k) V_{1:t}, O(t·d): the keys are all in the past
    heads, _ = _attention(xp, q, K, V, None, False)
    return _linear(_merge_heads(xp, heads), p["W_o"], p["b_o"])


def _step_cross(xp: Any, v: Any, mem: Any, p: Mapping[str, Any], h: int, cache: KVCache,
                memory_mask: Any) -> Any:
    if cache.memory is None:   # the memory's keys and values: once per sequence
        cache.memory = (_split_heads(xp, _linear(mem, p["cross_W_k"], p["cross_b_k"]), h),
                        _split_heads(xp, _linear(mem, p["cross_W_v"], p["cross_b_v"]), h))
    q = _split_heads(xp, _linear(v, p["cross_W_q"], p["cross_b_q"]), h)
    if memory_mask is not None and memory_mask.ndim >= 2:
        memory_mask = xp.expand_dims(memory_mask, axis=-3)
    heads, _ = _attention(xp, q, *cache.memory, memory_mask, False)
    return _linear(_merge_heads(xp, heads), p["cross_W_o"], p["cross_b_o"])


@implements("transformer.kv-cache")
@params(params=StepWeights(), x=Floats("batch?", "d_model"), num_heads=HEADS, cache=Cache(),
        memory=Floats("batch?", "n_mem", "d_model", optional=True), norm_first=Flag(),
        memory_mask=Mask("batch?", 1, "n_mem"), eps=EPS)
def decoder_block_step(x: Any, params: Mapping[str, Any], num_heads: int, cache: KVCache,
                       memory: Any = None, norm_first: bool = False,
                       memory_mask: Any = None, eps: float = 1e-5) -> Any:
    r"""The block's output at one new position, with the earlier keys and values from a cache.

    .. math::

        \begin{aligned}
        k_t &= x_t W^{K}, \quad v_t = x_t W^{V} \\
        K_{1:t} &= \begin{bmatrix} K_{1:t-1} \\ k_t \end{bmatrix}, \quad
          V_{1:t} = \begin{bmatrix} V_{1:t-1} \\ v_t \end{bmatrix} \\
        o_t &= \operatorname{softmax}\!\left(\frac{q_t K_{1:t}^{\top}}{\sqrt{d_k}}\right)
          V_{1:t}
        \end{aligned}

    Equation id: ``transformer.kv-cache`` (per head; :math:`x_t` is the
    self-attention's input at the new position, :math:`q_t = x_t W^{Q}`). Under the
    causal mask no earlier position ever attends to a later one, so the keys and
    values of positions :math:`1, \dots, t-1` do not change when token :math:`t`
    arrives: computed once and kept, they leave the new position's projections and
    FFN, :math:`O(d^2)`, and its attention over :math:`t` cached keys,
    :math:`O(t \cdot d)`. The output equals row :math:`t` of
    :func:`transformer_decoder_block` (or of
    :func:`seqcore.transformer_encoder_block` with ``causal=True`` when there is no
    memory) on the whole prefix.

    Parameters
    ----------
    x : array, shape ``(d_model,)`` or ``(batch, d_model)``
        The block's input at the new position.
    params : mapping
        :data:`DECODER_PARAMS` with a memory; the encoder block's weights without one.
    num_heads : int
    cache : object
        This block's :class:`KVCache`; the new position is appended to it.
    memory : array, shape ``(n_mem, d_model)`` or ``(batch, n_mem, d_model)``, optional
        The encoder's output, for a decoder block; its keys and values are computed at
        the first step and kept in the cache.
    norm_first, memory_mask, eps
        As in :func:`transformer_decoder_block`.

    Returns
    -------
    array, shape like ``x``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import KVCache, decoder_block_step, transformer_encoder_block
    >>> rng = np.random.default_rng(0)
    >>> d = 4
    >>> p = {n: rng.normal(size=(d, d)) for n in ("W_q", "W_k", "W_v", "W_o")}
    >>> p |= {"W_1": rng.normal(size=(8, d)), "W_2": rng.normal(size=(d, 8))}
    >>> p |= {n: None for n in ("b_q", "b_k", "b_v", "b_o", "b_1", "b_2",
    ...                         "gamma_1", "beta_1", "gamma_2", "beta_2")}
    >>> X = rng.normal(size=(5, d))
    >>> cache = KVCache(max_len=5)
    >>> steps = np.stack([decoder_block_step(x, p, 2, cache) for x in X])
    >>> full = transformer_encoder_block(X, p, 2, causal=True)
    >>> print(len(cache), np.abs(steps - full).max() < 1e-12)
    5 True
    """
    xp, p = array_namespace(x), as_weights(params, DECODER_PARAMS)
    _cross_weights_for(memory, p)
    v = x[..., None, :]                               # (..., 1, d): a sequence of one
    if memory is None:
        return _decoder_only_step(xp, v, p, num_heads, cache, norm_first, eps)[..., 0, :]
    return _decoder_step(xp, v, memory, p, num_heads, cache, norm_first, memory_mask,
                         eps)[..., 0, :]


def _cross_weights_for(memory: Any, p: Mapping[str, Any]) -> None:
    """A memory needs the cross-attention's weights (a decoder block); no memory, none."""
    if (memory is None) != (p["cross_W_q"] is None):
        which = "unknown" if memory is None else "missing"
        raise MissingKeysError(f"{calling()}: `params` must be a decoder block's weights "
                               f"with a memory, an encoder block's without; {which} "
                               f"{list(DECODER_ONLY)}")


def _decoder_only_step(xp: Any, x: Any, p: Mapping[str, Any], h: int, cache: KVCache,
                       norm_first: bool, eps: float) -> Any:
    if norm_first:
        z = x + _step_attention(xp, _ln(p, 1, x, eps), p, h, cache)
        return z + _ffn_forward(xp, _ln(p, 2, z, eps), p)[0]
    z = _ln(p, 1, x + _step_attention(xp, x, p, h, cache), eps)
    return _ln(p, 2, z + _ffn_forward(xp, z, p)[0], eps)


def _decoder_step(xp: Any, x: Any, mem: Any, p: Mapping[str, Any], h: int, cache: KVCache,
                  norm_first: bool, memory_mask: Any, eps: float) -> Any:
    if norm_first:
        a = x + _step_attention(xp, _ln(p, 1, x, eps), p, h, cache)
        b = a + _step_cross(xp, _ln(p, 2, a, eps), mem, p, h, cache, memory_mask)
        return b + _ffn_forward(xp, _ln(p, 3, b, eps), p)[0]
    a = _ln(p, 1, x + _step_attention(xp, x, p, h, cache), eps)
    b = _ln(p, 2, a + _step_cross(xp, a, mem, p, h, cache, memory_mask), eps)
    return _ln(p, 3, b + _ffn_forward(xp, b, p)[0], eps)
