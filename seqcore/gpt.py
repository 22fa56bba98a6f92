r"""A small GPT: a decoder-only Transformer language model, trained with hand-written gradients.

Token embedding scaled by :math:`\sqrt{d_{model}}` plus the sinusoidal positions, ``L``
pre-LN blocks of causal self-attention and FFN, a final layer norm, and the output
layer tied to the embedding table. Nothing here is new mathematics: the forward pass
is :func:`seqcore.transformer_embedding`, the encoder block with ``causal=True`` (a
decoder block without cross-attention), :func:`seqcore.layer_norm` and
:func:`seqcore.tied_output_logits`; the backward pass is
:func:`seqcore.mean_cross_entropy`'s gradient, :func:`seqcore.tied_output_backward`,
the layer norm's and each block's backward pass, top block first, and
:func:`seqcore.transformer_embedding_backward`, which adds the table's two shares.
No autograd.

Parameters are one flat dict of named arrays, PyTorch's layouts:

=============================  ======================  ===========================================
name                           shape                   PyTorch (see ``tests/unit/test_gpt.py``)
=============================  ======================  ===========================================
``E``                          ``(V, d_model)``        ``embedding.weight`` (also the output's)
``b_y``                        ``(V,)``                the output layer's bias
``block{l}.W_q`` … ``beta_2``  as the encoder block's  ``layers[l]``, a ``TransformerEncoderLayer``
``gamma_f``, ``beta_f``        ``(d_model,)``          the final ``LayerNorm``
=============================  ======================  ===========================================

The model reads time-major ``(T, batch)`` token ids, as :class:`seqcore.RecurrentLM`
does, so that :func:`seqcore.train` and :func:`seqcore.evaluate_perplexity` drive both.
It has no state to carry: each chunk of at most ``context`` tokens is read on its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import array_api_compat
import numpy as np

from ._trace import implements
from ._validate import (
    Flag,
    Floats,
    Integer,
    Ints,
    Named,
    OutOfRangeError,
    Real,
    Seed,
    ShapeError,
    TokenIds,
    calling,
    model_params,
    params,
)
from .activations import log_softmax
from .decoder import (
    KVCache,
    decoder_block_step,
    tied_output_backward,
    tied_output_logits,
    transformer_embedding,
    transformer_embedding_backward,
)
from .decoding import top_p_softmax
from .rnnlm import mean_cross_entropy
from .transformer import BLOCK_PARAMS, HEADS, _layer_norm, positional_encoding
from .transformer_grad import _block_forward, _block_vjp, _Grads, _layer_norm_vjp

__all__ = ["GPT"]

#: Time-major token ids (T, batch), on the host (the model checks them against V and T).
TOKENS = Ints("time", "batch", host=True, nonempty="time", ge=0)


class GPT:
    r"""A decoder-only Transformer LM: embedding, ``L`` causal pre-LN blocks, tied output.

    Parameters
    ----------
    vocab_size : int
        :math:`V`.
    d_model : int
        The width :math:`d` (even: the positional encoding pairs sines and cosines).
    num_heads : int
        Divides ``d_model``.
    num_layers : int
        :math:`L`, the number of blocks.
    d_ff : int
        The FFN's hidden width.
    context : int
        The most positions the model reads at once (the rows of its position table).
    eps : float
        The layer norms' :math:`\varepsilon`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import GPT
    >>> gpt = GPT(vocab_size=10, d_model=8, num_heads=2, num_layers=2, d_ff=16, context=6)
    >>> params = gpt.init_params(seed=0)
    >>> gpt.param_count(), len(params)
    (1306, 36)
    >>> x = np.array([[1, 2], [3, 4], [5, 6]])        # (T=3, batch=2) token ids
    >>> loss, grads, _ = gpt.loss_and_grads(params, x, (x + 1) % 10)
    >>> print(round(float(loss), 4), grads["block1.W_q"].shape)
    3.0421 (8, 8)
    """

    @params(vocab_size=Integer(ge=1), d_model=Integer(ge=2, multiple_of=2), num_heads=HEADS,
            num_layers=Integer(ge=1), d_ff=Integer(ge=1), context=Integer(ge=1),
            eps=Real(gt=0))
    def __init__(self, vocab_size: int, d_model: int, num_heads: int, num_layers: int,
                 d_ff: int, context: int, eps: float = 1e-5) -> None:
        self.vocab_size, self.d_model, self.num_heads = vocab_size, d_model, num_heads
        self.num_layers, self.d_ff, self.context, self.eps = num_layers, d_ff, context, eps
        # PE(i) for every position the model can read: fixed, made once
        self._pe64 = np.asarray(positional_encoding(context, d_model), dtype=np.float64)

    def __repr__(self) -> str:
        return (f"GPT(vocab_size={self.vocab_size}, d_model={self.d_model}, num_heads="
                f"{self.num_heads}, num_layers={self.num_layers}, d_ff={self.d_ff}, "
                f"context={self.context})")

    # -- parameters ----------------------------------------------------------------------

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every parameter, by name."""
        V, d, f = self.vocab_size, self.d_model, self.d_ff
        block = {"W_1": (f, d), "b_1": (f,), "W_2": (d, f)}
        out: dict[str, tuple[int, ...]] = {"E": (V, d), "b_y": (V,)}
        for layer in range(self.num_layers):
            for name in BLOCK_PARAMS:
                shape = (d, d) if name.startswith("W_") else (d,)
                out[f"block{layer}.{name}"] = block.get(name, shape)
        return out | {"gamma_f": (d,), "beta_f": (d,)}

    @implements("gpt.param-count")
    def param_count(self) -> int:
        r"""The number of parameters, tied table counted once.

        .. math::

            P = V d + V + L\,(4d^2 + 4d + 2\,d\,d_{ff} + d_{ff} + d + 4d) + 2d

        Equation id: ``gpt.param-count``: the table and the output bias; per block the
        four attention projections and their biases, the FFN's two layers and biases,
        two layer norms; the final layer norm.
        """
        V, d, f, L = self.vocab_size, self.d_model, self.d_ff, self.num_layers
        return V * d + V + L * (4 * d * d + 4 * d + 2 * d * f + f + d + 4 * d) + 2 * d

    @params(seed=Seed())
    def init_params(self, seed: int, dtype: Any = np.float64) -> dict[str, np.ndarray]:
        r"""Seeded initial weights, drawn from ``numpy.random.default_rng(seed)``.

        Every matrix is :math:`\mathcal N(0, 1/\text{fan-in})`, so that each layer keeps
        the size of what it reads; the two matrices that write into the residual stream
        (:math:`W^O` and :math:`W_2`) are scaled by a further :math:`1/\sqrt{2L}`, GPT-2's
        rule, so that the :math:`2L` additions to the stream do not grow it with depth.
        The table :math:`E` is :math:`\mathcal N(0, 1/d)`: times :math:`\sqrt{d}` it
        enters with unit variance, the size of the positional encoding. Biases and
        :math:`\beta` start at 0, :math:`\gamma` at 1.
        """
        rng, L = seed, self.num_layers
        out = {}
        for name, shape in self.shapes().items():
            base = name.rpartition(".")[2]
            if base.startswith(("gamma", "beta", "b_")):
                w = np.full(shape, 1.0 if base.startswith("gamma") else 0.0)
            else:
                scale = 1 / math.sqrt(shape[1])            # 1/√fan-in (E: 1/√d)
                if base in ("W_o", "W_2"):
                    scale /= math.sqrt(2 * L)
                w = rng.normal(0.0, scale, shape)
            out[name] = w.astype(dtype)
        return out

    def _check_params(self, p: Mapping[str, Any]) -> Any:
        return model_params(self, p)

    def _block(self, p: Mapping[str, Any], layer: int) -> dict[str, Any]:
        return {n: p[f"block{layer}.{n}"] for n in BLOCK_PARAMS}

    # -- state (none: every chunk is read on its own) --------------------------------------

    @params(batch=Integer(ge=1), like=Floats())
    def zero_state(self, batch: int, like: Any) -> None:
        """``None``: the model carries nothing from one chunk to the next."""
        return None

    def _ids(self, xp: Any, name: str, ids: Any, like: Any) -> Any:
        """Token ids ``(T, batch)``, checked against V and the context, as ``(batch, T)``."""
        T = int(ids.shape[0])
        if T > self.context:
            raise ShapeError(f"{calling()}: `{name}` has {T} time steps, more than the "
                             f"context={self.context} positions of {self!r}; cut the stream "
                             f"into chunks of at most {self.context}")
        if int(ids.max()) >= self.vocab_size:
            raise OutOfRangeError(f"{calling()}: `{name}` must hold token ids in "
                                  f"[0, {self.vocab_size - 1}]; got {int(ids.max())}")
        return xp.asarray(np.ascontiguousarray(ids.T), device=array_api_compat.device(like))

    def _pe(self, xp: Any, like: Any) -> Any:
        return xp.asarray(self._pe64, dtype=like.dtype, device=array_api_compat.device(like))

    # -- forward and backward ------------------------------------------------------------

    def _forward(self, xp: Any, p: Mapping[str, Any], ids: Any) -> tuple[Any, tuple]:
        """``gpt.logits`` line by line, keeping every block's input and what it saved."""
        # x⁽⁰⁾ = √d E_t + PE
        x = transformer_embedding(ids, p["E"], pe=self._pe(xp, p["E"]))
        kept = []
        for layer in range(self.num_layers):
            # x⁽ˡ⁾ = x⁽ˡ⁻¹⁾ + MHA(LN₁ ·) then + FFN(LN₂ ·): a causal pre-LN block
            y, saved = _block_forward(xp, x, self._block(p, layer), self.num_heads, True,
                                      None, True, self.eps)
            kept.append((x, saved))
            x = y
        # h = LN_f(x⁽ᴸ⁾) ;  o = h Eᵀ + b
        h = _layer_norm(x, p["gamma_f"], p["beta_f"], self.eps)
        return tied_output_logits(h, p["E"], p["b_y"]), (x, h, kept)

    @implements("gpt.logits")
    @params(params=Named(), inputs=TOKENS)
    def forward(self, params: Mapping[str, Any], inputs: Any, state: Any = None
                ) -> tuple[Any, None]:
        r"""Logits ``(T, batch, V)`` for time-major token ids ``(T, batch)``; no state.

        .. math::

            \begin{aligned}
            x^{(0)}_i &= \sqrt{d}\, E_{t_i} + \mathrm{PE}(i) \\
            x^{(l)} &= \operatorname{Block}_l\bigl(x^{(l-1)}\bigr), \quad l = 1, \dots, L \\
            o_i &= \operatorname{LN}_f\bigl(x^{(L)}_i\bigr)\, E^{\top} + b
            \end{aligned}

        Equation id: ``gpt.logits``. :math:`\operatorname{Block}_l` is the pre-LN block
        (``transformer.pre-ln``) with the causal mask: position :math:`i` reads
        positions :math:`1 \dots i` only, so :math:`o_i` scores the token after
        :math:`t_1 \dots t_i`. ``state`` is accepted and ignored (the training loop
        passes one).
        """
        xp = self._check_params(params)
        ids = self._ids(xp, "inputs", inputs, params["E"])
        logits, _ = self._forward(xp, params, ids)
        return xp.permute_dims(logits, (1, 0, 2)), None

    @implements("gpt.backward")
    @params(params=Named(), inputs=TOKENS, targets=Ints("time", "batch", host=True))
    def loss_and_grads(self, params: Mapping[str, Any], inputs: Any, targets: Any,
                       state: Any = None) -> tuple[Any, dict[str, Any], None]:
        r"""Mean cross-entropy of the next tokens and its gradient for every parameter.

        .. math::

            \begin{aligned}
            \delta o_i &= \bigl(\operatorname{softmax}(o_i) - e_{y_i}\bigr) / N \\
            \delta x^{(L)}_i &= J_{\mathrm{LN}_f}^{\top}\, \bigl(\delta o_i\, E\bigr) \\
            \delta x^{(l-1)} &= J_{\operatorname{Block}_l}^{\top}\, \delta x^{(l)},
              \quad l = L, \dots, 1 \\
            \frac{\partial L}{\partial E} &= \textstyle\sum_i \delta o_i^{\top} h_i
              + \sqrt{d} \sum_i e_{t_i}^{\top}\, \delta x^{(0)}_i
            \end{aligned}

        Equation id: ``gpt.backward``. The chain of the page's backward passes, top to
        bottom: the loss (``train.lm-loss``, :math:`N` targets), the tied output layer
        (``transformer.output-backward``), the final layer norm
        (``transformer.layer-norm-backward``), each block (``transformer.block-backward``,
        its weights' gradients on the way), and the embedding
        (``transformer.embedding-backward``). What the model adds to the blocks is the
        last line: the table is used twice, so its gradient is the sum of both uses.

        Returns
        -------
        loss : scalar array
        grads : dict
            The gradient of every parameter, under its name.
        state : None
        """
        p = params
        xp = self._check_params(p)
        ids = self._ids(xp, "inputs", inputs, p["E"])
        Y = self._ids(xp, "targets", targets, p["E"])
        logits, (xL, h, kept) = self._forward(xp, p, ids)
        loss, dO = mean_cross_entropy(logits, Y)                 # δo = (ŷ − e_y) / N
        out = tied_output_backward(dO, h, p["E"], p["b_y"])      # δh = δo E, δE_out, δb
        grads: dict[str, Any] = {"b_y": out["b"]}
        dx, grads["gamma_f"], grads["beta_f"] = _layer_norm_vjp(xp, out["h"], xL,
                                                                p["gamma_f"], self.eps)
        for layer in reversed(range(self.num_layers)):
            # δx⁽ˡ⁻¹⁾ = J_Blockᵀ δx⁽ˡ⁾, the block's weight gradients gathered on the way
            x, saved = kept[layer]
            g = _Grads(xp, self._block(p, layer), self.num_heads, self.eps)
            dx = _block_vjp(g, dx, x, saved, True)
            grads |= {f"block{layer}.{n}": v for n, v in g.g.items()}
        # ∂L/∂E = δE_out + √d Σ e_tᵀ δx⁽⁰⁾: the table's two uses
        grads["E"] = transformer_embedding_backward(dx, ids, p["E"], d_E=out["E"])
        return loss, {k: grads[k] for k in p}, None

    # -- generation ----------------------------------------------------------------------

    @params(params=Named())
    def decoder(self, params: Mapping[str, Any]):
        r"""A ``step(prefix) -> log_probs`` for :mod:`seqcore.decoding`, with a key–value cache.

        While the prefix fits the context, each block keeps a :class:`seqcore.KVCache`
        of the tokens read so far, and a prefix that extends the last one by a token
        costs one :func:`seqcore.decoder_block_step` per block; a prefix that leaves
        the last one (a beam search's other hypothesis) truncates the caches to the
        common part and reads on from there. A prefix longer than ``context`` is read
        from its last ``context`` tokens (a sliding window): its positions all move,
        so nothing cached applies and the window is read whole. The empty prefix
        gives the output layer at a zero vector,
        :math:`\operatorname{softmax}(\beta_f E^{\top} + b)`.
        NumPy parameters, computed in float64.
        """
        self._check_params(params)
        return _Incremental(self, {k: np.asarray(v, dtype=np.float64)
                                   for k, v in params.items()}).log_probs

    @params(params=Named(), prompt=TokenIds(nonempty=True), length=Integer(ge=1),
            temperature=Real(gt=0), top_p=Real(gt=0, le=1), greedy=Flag(), rng=Seed())
    def generate(self, params: Mapping[str, Any], prompt: Sequence[int], length: int,
                 temperature: float = 1.0, top_p: float = 1.0, greedy: bool = False,
                 rng: Any = None) -> tuple[int, ...]:
        r"""``length`` tokens after ``prompt``: greedy, or sampled at a temperature and top-p.

        Greedy takes the arg max at each step. Otherwise each token is drawn from
        :func:`seqcore.top_p_softmax` of the logits at ``temperature`` (``top_p=1``
        keeps every token: plain temperature sampling). The key–value cache of
        :meth:`decoder` serves every step while the text fits the context.
        """
        bad = [t for t in prompt if t >= self.vocab_size]
        if bad:
            raise OutOfRangeError(f"{calling()}: `prompt` must hold token ids in "
                                  f"[0, {self.vocab_size - 1}]; got {bad[:5]}")
        step, seq = self.decoder(params), tuple(prompt)
        for _ in range(length):
            lp = step(seq)
            if greedy:
                token = int(np.argmax(lp))
            else:
                probs = np.asarray(top_p_softmax(lp, top_p, temperature))
                token = int(rng.choice(probs.size, p=probs / probs.sum()))
            seq = (*seq, token)
        return seq[len(prompt):]


class _Incremental:
    """The state of :meth:`GPT.decoder`: one cache per block and the tokens they hold."""

    def __init__(self, model: GPT, p: dict[str, np.ndarray]) -> None:
        self.m, self.p = model, p
        self.blocks = [model._block(p, layer) for layer in range(model.num_layers)]
        self.caches = [KVCache(model.context) for _ in range(model.num_layers)]
        self.tokens: tuple[int, ...] = ()
        self.top: np.ndarray | None = None       # the last block's output at the last token

    def log_probs(self, prefix: Sequence[int]) -> np.ndarray:
        m, p = self.m, self.p
        prefix = tuple(int(t) for t in prefix)
        bad = [t for t in prefix if not 0 <= t < m.vocab_size]
        if bad:
            raise OutOfRangeError(f"GPT decoder: token ids must lie in [0, "
                                  f"{m.vocab_size - 1}]; got {bad[:5]}")
        if not prefix:
            top = np.zeros(m.d_model)
        elif len(prefix) > m.context:
            # a sliding window: positions 0 … context−1 again, nothing cached applies
            ids = np.asarray(prefix[-m.context:])[None, :]
            top = m._forward(np, p, ids)[1][0][0, -1]
        else:
            top = self._read(prefix)
        h = _layer_norm(top, p["gamma_f"], p["beta_f"], m.eps)
        return log_softmax(tied_output_logits(h, p["E"], p["b_y"]))

    def _read(self, prefix: tuple[int, ...]) -> np.ndarray:
        """The last block's output at the prefix's last token, reading only what is new."""
        common = 0
        for a, b in zip(self.tokens, prefix, strict=False):
            if a != b:
                break
            common += 1
        if common == len(prefix) == len(self.tokens):
            return self.top
        # keep the common part; the last token is read again if nothing new follows it
        keep = min(common, len(prefix) - 1)
        for cache in self.caches:
            cache.truncate(keep)
        m, pe = self.m, self.m._pe64
        for i in range(keep, len(prefix)):
            x = transformer_embedding(np.asarray([prefix[i]]), self.p["E"], offset=i, pe=pe)[0]
            for block, cache in zip(self.blocks, self.caches, strict=True):
                x = decoder_block_step(x, block, m.num_heads, cache, norm_first=True,
                                       eps=m.eps)
        self.tokens, self.top = prefix, x
        return x
