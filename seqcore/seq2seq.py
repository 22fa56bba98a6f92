r"""An RNN encoder–decoder with Bahdanau attention, Luong attention or none, trained by hand.

The encoder is a GRU over the source embeddings, :math:`h_1, \dots, h_S`; the
decoder is a GRU started from the encoder's last state, :math:`s_0 = h_S`, and fed
the previous target token (teacher forcing). The three decoders differ only in what
they do with the encoder states:

- ``"none"``: nothing; :math:`h_S` is all the decoder ever sees of the source, and
  the next token is :math:`\operatorname{softmax}(W_y s_i + b_y)`;
- ``"bahdanau"``: :func:`seqcore.bahdanau_step` (the additive score with
  :math:`s_{i-1}`, :math:`c_i` fed into the GRU), predicting from
  :math:`[s_i; c_i; y_{i-1}]`;
- ``"luong"``: :func:`seqcore.luong_step` (the general score with :math:`s_i`,
  then :math:`\tilde h_i = \tanh(W_c [c_i; s_i])`), predicting from :math:`\tilde h_i`
  (without input feeding).

The backward pass is written by hand from the forward pass's equations: the
step backward passes below reuse :func:`seqcore.gru_backward` (one step),
:func:`seqcore.context_vector_backward`, :func:`seqcore.softmax_backward` and
the score backward passes of :mod:`seqcore.attention_grad`; the encoder's BPTT is
:func:`seqcore.gru_backward` over the source. The tests train it beside the same
model built from ``torch.nn`` modules and trained by autograd.

Parameters are a dict of named arrays in PyTorch's layouts (``E_src``, ``enc_W_ih``,
``enc_W_hh``, ``enc_b_ih``, ``enc_b_hh``, ``E_tgt``, ``dec_W_ih``…, ``W_y``, ``b_y``,
and ``W_s``, ``W_h``, ``v`` for Bahdanau or ``W_a``, ``W_c`` for Luong):
:meth:`Seq2Seq.shapes` lists them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from ._recurrent import outer_sum
from ._trace import implements
from ._validate import (
    Floats,
    Integer,
    Ints,
    Named,
    Options,
    OutOfRangeError,
    Seed,
    ShapeError,
    calling,
    model_params,
    params,
)
from .activations import log_softmax
from .attention import (
    DECODER,
    _additive,
    _context,
    _dot,
    _general,
    _masked_softmax,
    bahdanau_step,
    luong_step,
)
from .attention_grad import (
    additive_score_backward,
    context_vector_backward,
    dot_score_backward,
    general_score_backward,
    softmax_backward,
)
from .bptt import output_layer_backward
from .embeddings import embedding_lookup
from .gru import gru_backward, gru_forward, gru_step
from .rnn import rnn_logits
from .rnnlm import embedding_backward, mean_cross_entropy

__all__ = ["Seq2Seq", "bahdanau_step_backward", "luong_step_backward"]

ATTENTIONS = ("none", "bahdanau", "luong")
#: The id of ``<s>``, which starts every target (``seqcore.dates.TARGET_VOCAB``'s layout).
BOS = 0


def _gru_step_backward(d_s: Any, x: Any, s_prev: Any, W_ih: Any, W_hh: Any, b_ih: Any,
                       b_hh: Any) -> dict[str, Any]:
    """One step of :func:`seqcore.gru_backward`: a sequence of length 1."""
    return gru_backward(x[None, ...], d_s[None, ...], W_ih, W_hh, b_ih, b_hh, h0=s_prev)


def _gru_grads(g: dict[str, Any], b_ih: Any, b_hh: Any) -> dict[str, Any]:
    out = {"W_ih": g["W_ih"], "W_hh": g["W_hh"]}
    if b_ih is not None:
        out["b_ih"] = g["b_ih"]
    if b_hh is not None:
        out["b_hh"] = g["b_hh"]
    return out


@implements("attention.bahdanau-backward")
@params(**DECODER, W_s=Floats("attn", "n"), W_h=Floats("attn", "d_h"), v=Floats("attn"),
        W_ih=Floats("3*n", "d_y+d_h"), d_s=Floats("batch?", "n"),
        d_c=Floats("batch?", "d_h"))
def bahdanau_step_backward(d_s: Any, d_c: Any, y_prev: Any, s_prev: Any, H: Any, W_s: Any,
                           W_h: Any, v: Any, W_ih: Any, W_hh: Any, b_ih: Any = None,
                           b_hh: Any = None) -> dict[str, Any]:
    r"""Gradients through one Bahdanau decoder step (:func:`seqcore.bahdanau_step`).

    .. math::

        \begin{aligned}
        \delta s_i &= \delta s_i^{\mathrm{out}} + \delta s_i^{\mathrm{next}} \\
        [\delta y_{i-1}^{\mathrm{rnn}};\, \delta c_i^{\mathrm{rnn}}],
          \ \delta s_{i-1}^{\mathrm{rnn}}
          &= \operatorname{GRU}^{\top}\!\left(\delta s_i\right) \\
        \delta y_{i-1} &= \delta y_{i-1}^{\mathrm{out}} + \delta y_{i-1}^{\mathrm{rnn}} \\
        \delta c_i &= \delta c_i^{\mathrm{out}} + \delta c_i^{\mathrm{rnn}} \\
        \delta \alpha_{ij} &= h_j^{\top} \delta c_i \\
        \delta e_{ij} &= \alpha_{ij}\Bigl(\delta\alpha_{ij}
          - \sum_k \alpha_{ik}\,\delta\alpha_{ik}\Bigr) \\
        \delta s_{i-1} &= \delta s_{i-1}^{\mathrm{rnn}}
          + W_s^{\top} \sum_j \delta u_{ij} \\
        \delta h_j^{(i)} &= \alpha_{ij}\, \delta c_i + W_h^{\top} \delta u_{ij}
        \end{aligned}

    Equation id: ``attention.bahdanau-backward``, with
    :math:`\delta u_{ij} = \delta e_{ij}\, v \odot (1 - t_{ij}^2)` from
    :func:`seqcore.additive_score_backward`. :math:`\operatorname{GRU}^{\top}` is
    one step of :func:`seqcore.gru_backward`. The previous state reaches
    :math:`s_i` twice, through the GRU and through the scores that chose
    :math:`c_i`; the context reaches the loss twice, through the output layer
    (``d_c``) and through the GRU's input.

    The output layer is the model's, not the step's: it reads
    :math:`[s_i; c_i; y_{i-1}]` and sends each a share. The caller
    (:meth:`Seq2Seq.loss_and_grads`) makes the first line's sum, passes
    :math:`\delta c_i^{\mathrm{out}}` as ``d_c``, and adds
    :math:`\delta y_{i-1}^{\mathrm{out}}` to the ``"y_prev"`` returned here, which is
    :math:`\delta y_{i-1}^{\mathrm{rnn}}`: the gradient of this step's outputs
    :math:`s_i` and :math:`c_i` with respect to :math:`y_{i-1}`.

    Parameters
    ----------
    d_s : array, shape like ``s_prev``
        :math:`\delta s_i = \partial L / \partial s_i`, the output layer's share plus
        step :math:`i + 1`'s.
    d_c : array, shape ``(d_h,)`` or ``(batch, d_h)``
        :math:`\delta c_i^{\mathrm{out}}`: :math:`\partial L / \partial c_i` from the
        output layer only.
    y_prev, s_prev, H, W_s, W_h, v, W_ih, W_hh, b_ih, b_hh
        As in :func:`seqcore.bahdanau_step`.

    Returns
    -------
    dict with ``"y_prev"`` (:math:`\delta y_{i-1}^{\mathrm{rnn}}`), ``"s_prev"``,
    ``"H"``, ``"W_s"``, ``"W_h"``, ``"v"``, ``"W_ih"``, ``"W_hh"`` (and ``"b_ih"``,
    ``"b_hh"`` when given).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import bahdanau_step_backward
    >>> rng = np.random.default_rng(0)
    >>> H, s_prev, y = rng.normal(size=(4, 3)), rng.normal(size=2), rng.normal(size=5)
    >>> W_s, W_h, v = rng.normal(size=(6, 2)), rng.normal(size=(6, 3)), rng.normal(size=6)
    >>> W_ih, W_hh = rng.normal(size=(6, 8)), rng.normal(size=(6, 2))
    >>> g = bahdanau_step_backward(np.ones(2), np.zeros(3), y, s_prev, H, W_s, W_h, v,
    ...                            W_ih, W_hh)
    >>> print(g["s_prev"].shape, g["H"].shape, g["W_ih"].shape)
    (2,) (4, 3) (6, 8)
    """
    xp, d_y = array_namespace(H), y_prev.shape[-1]
    # forward again: α_ij, c_i and the GRU's input [y_{i-1}; c_i]
    weights = _masked_softmax(xp, _additive(xp, s_prev, H, W_s, W_h, v), None, owned=True)
    x = xp.concat([y_prev, _context(weights, H)], axis=-1)
    # through the GRU: [δy_{i-1}^rnn; δc_i^rnn] and the part of δs_{i-1} it carries back
    g = _gru_step_backward(d_s, x, s_prev, W_ih, W_hh, b_ih, b_hh)
    dx = g["xs"][0, ...]
    # δc_i = δc_i^out + δc_i^rnn, then back through c_i = Σ_j α_ij h_j and the softmax
    gc = context_vector_backward(d_c + dx[..., d_y:], weights, H)
    ga = additive_score_backward(softmax_backward(gc["weights"], weights), s_prev, H,
                                 W_s, W_h, v)
    return {"y_prev": dx[..., :d_y], "s_prev": g["h0"] + ga["s"], "H": gc["H"] + ga["H"],
            "W_s": ga["W_s"], "W_h": ga["W_h"], "v": ga["v"], **_gru_grads(g, b_ih, b_hh)}


@implements("attention.luong-backward")
@params(**DECODER, W_ih=Floats("3*n", "d_y"), W_c=Floats("d_c", "d_h+n"),
        W_a=Floats("n", "d_h", optional=True), d_h_tilde=Floats("batch?", "d_c"),
        d_s=Floats("batch?", "n"))
def luong_step_backward(d_h_tilde: Any, d_s: Any, y_prev: Any, s_prev: Any, H: Any,
                        W_ih: Any, W_hh: Any, W_c: Any, b_ih: Any = None, b_hh: Any = None,
                        W_a: Any = None) -> dict[str, Any]:
    r"""Gradients through one Luong decoder step (:func:`seqcore.luong_step`).

    .. math::

        \begin{aligned}
        \delta a_i &= \delta\tilde h_i \odot (1 - \tilde h_i^2) \\
        \delta W_c &= \delta a_i\, [c_i;\, s_i]^{\top} \\
        [\delta c_i;\, \delta s_i^{\mathrm{comb}}] &= W_c^{\top} \delta a_i \\
        \delta s_i &= \delta s_i^{\mathrm{next}} + \delta s_i^{\mathrm{comb}}
          + \delta s_i^{\mathrm{score}} \\
        \delta y_{i-1},\ \delta s_{i-1} &= \operatorname{GRU}^{\top}\!\left(\delta s_i\right)
        \end{aligned}

    Equation id: ``attention.luong-backward``. :math:`\delta c_i` goes back through
    the context and the softmax as in :func:`bahdanau_step_backward`; the score's
    backward pass (:func:`seqcore.general_score_backward`, or
    :func:`seqcore.dot_score_backward` without ``W_a``) gives
    :math:`\delta s_i^{\mathrm{score}}` and the keys' share of :math:`\delta h_j`.
    Here the query is the state the GRU has just made, so all three gradients
    of :math:`s_i` meet *before* the GRU's backward step; nothing from the
    attention reaches :math:`s_{i-1}` but through the GRU.

    Parameters
    ----------
    d_h_tilde : array, shape ``(d_c,)`` or ``(batch, d_c)``
        :math:`\partial L / \partial \tilde h_i` (from the output layer).
    d_s : array, shape like ``s_prev``
        :math:`\partial L / \partial s_i` from step :math:`i + 1` (zeros at the last).
    y_prev, s_prev, H, W_ih, W_hh, W_c, b_ih, b_hh, W_a
        As in :func:`seqcore.luong_step`.

    Returns
    -------
    dict with ``"y_prev"``, ``"s_prev"``, ``"H"``, ``"W_c"``, ``"W_ih"``, ``"W_hh"``
    (and ``"W_a"``, ``"b_ih"``, ``"b_hh"`` when given).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import luong_step_backward
    >>> rng = np.random.default_rng(0)
    >>> H, s_prev, y = rng.normal(size=(4, 2)), rng.normal(size=2), rng.normal(size=5)
    >>> g = luong_step_backward(np.ones(3), np.zeros(2), y, s_prev, H,
    ...                         rng.normal(size=(6, 5)), rng.normal(size=(6, 2)),
    ...                         rng.normal(size=(3, 4)))
    >>> print(g["s_prev"].shape, g["H"].shape, g["W_c"].shape)
    (2,) (4, 2) (3, 4)
    """
    xp, d_h = array_namespace(H), H.shape[-1]
    if W_a is None and d_h != s_prev.shape[-1]:
        raise ShapeError(f"luong_step_backward: without `W_a` the score is s_i·h_j, so `H` "
                         f"needs d_h = n = {s_prev.shape[-1]} features; got {d_h}")
    # forward again: s_i, α_ij, c_i and h̃_i
    s = gru_step(y_prev, s_prev, W_ih, W_hh, b_ih, b_hh)
    e = _dot(s, H) if W_a is None else _general(s, H, W_a)
    weights = _masked_softmax(xp, e, None, owned=True)
    cs = xp.concat([_context(weights, H), s], axis=-1)
    h_tilde = xp.tanh(cs @ W_c.T)
    # δa_i = δh̃_i ⊙ (1 − h̃_i²): through the tanh; then [δc_i; δs_i] = W_cᵀ δa_i
    da = d_h_tilde * (1.0 - h_tilde * h_tilde)
    dcs = da @ W_c
    gc = context_vector_backward(dcs[..., :d_h], weights, H)
    de = softmax_backward(gc["weights"], weights)
    gs = dot_score_backward(de, s, H) if W_a is None else \
        general_score_backward(de, s, H, W_a)
    # the three gradients of s_i meet before the GRU's backward step
    g = _gru_step_backward(d_s + dcs[..., d_h:] + gs["s"], y_prev, s_prev, W_ih, W_hh,
                           b_ih, b_hh)
    out = {"y_prev": g["xs"][0, ...], "s_prev": g["h0"], "H": gc["H"] + gs["H"],
           "W_c": outer_sum(xp, da, cs), **_gru_grads(g, b_ih, b_hh)}
    if W_a is not None:
        out["W_a"] = gs["W_a"]
    return out


#: Time-major token ids ``(T, batch)`` on the host.
SOURCE = Ints("source", "batch", host=True, nonempty="source", ge=0)
TARGET = Ints("target", "batch", host=True, ge=0)


class Seq2Seq:
    """A GRU encoder and a GRU decoder, with Bahdanau attention, Luong attention or none.

    Parameters
    ----------
    attention : {"none", "bahdanau", "luong"}
    source_vocab, target_vocab : int
        The numbers of source and target token ids. Target id 0 is ``<s>``.
    embed : int
        The embedding width :math:`d` (source and target).
    hidden : int
        The state width :math:`n` (encoder, decoder and the additive score's layer).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import Seq2Seq
    >>> model = Seq2Seq("bahdanau", source_vocab=6, target_vocab=5, embed=3, hidden=4)
    >>> params = model.init_params(seed=0)
    >>> src = np.array([[1, 2], [3, 4], [5, 0]])          # (S=3, batch=2)
    >>> tgt = np.array([[0, 0], [2, 3], [4, 4], [1, 1]])  # <s>, two tokens, </s>
    >>> loss, grads, _ = model.loss_and_grads(params, src, tgt)
    >>> print(round(float(loss), 4), grads["W_h"].shape, model.param_count())
    1.3797 (4, 4) 393
    """

    @params(attention=Options(*ATTENTIONS), source_vocab=Integer(ge=1),
            target_vocab=Integer(ge=2), embed=Integer(ge=1), hidden=Integer(ge=1))
    def __init__(self, attention: str, source_vocab: int, target_vocab: int, embed: int,
                 hidden: int) -> None:
        self.attention = attention
        self.source_vocab, self.target_vocab = source_vocab, target_vocab
        self.embed, self.hidden = embed, hidden

    def __repr__(self) -> str:
        return (f"Seq2Seq({self.attention!r}, source_vocab={self.source_vocab}, target_vocab="
                f"{self.target_vocab}, embed={self.embed}, hidden={self.hidden})")

    # -- parameters ----------------------------------------------------------------------

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every parameter, by name."""
        V_s, V_t, d, n = self.source_vocab, self.target_vocab, self.embed, self.hidden
        # Bahdanau's GRU reads [y_{i-1}; c_i], and its output layer [s_i; c_i; y_{i-1}]
        d_in = d + n if self.attention == "bahdanau" else d
        out = {"E_src": (V_s, d), "enc_W_ih": (3 * n, d), "enc_W_hh": (3 * n, n),
               "enc_b_ih": (3 * n,), "enc_b_hh": (3 * n,), "E_tgt": (V_t, d),
               "dec_W_ih": (3 * n, d_in), "dec_W_hh": (3 * n, n), "dec_b_ih": (3 * n,),
               "dec_b_hh": (3 * n,)}
        if self.attention == "bahdanau":
            out |= {"W_s": (n, n), "W_h": (n, n), "v": (n,), "W_y": (V_t, 2 * n + d)}
        elif self.attention == "luong":
            out |= {"W_a": (n, n), "W_c": (n, 2 * n), "W_y": (V_t, n)}
        else:
            out |= {"W_y": (V_t, n)}
        return out | {"b_y": (V_t,)}

    def param_count(self) -> int:
        """The number of weights."""
        return sum(math.prod(s) for s in self.shapes().values())

    @params(seed=Seed())
    def init_params(self, seed: int, dtype: Any = np.float64) -> dict[str, np.ndarray]:
        """PyTorch's default initialization, drawn from ``numpy.random.default_rng(seed)``.

        Embeddings :math:`\\mathcal N(0, 1)`; the GRUs' weights and biases uniform on
        :math:`[-1/\\sqrt n, 1/\\sqrt n]`; every other matrix (and ``b_y``) uniform on
        :math:`[-1/\\sqrt{\\text{fan-in}}, 1/\\sqrt{\\text{fan-in}}]`, ``nn.Linear``'s rule.
        """
        rng = seed                                          # a Generator, from the seed
        shapes = self.shapes()
        out = {}
        for name, shape in shapes.items():
            if name.startswith("E_"):
                w = rng.standard_normal(shape)
            else:
                fan_in = self.hidden if name[:4] in ("enc_", "dec_") else \
                    shapes["W_y"][1] if name == "b_y" else shape[-1]
                w = rng.uniform(-1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in), shape)
            out[name] = w.astype(dtype)
        return out

    def _check_params(self, p: Mapping[str, Any]) -> Any:
        return model_params(self, p)

    def _ids(self, name: str, ids: Any, vocab: int) -> Any:
        if int(np.max(ids)) >= vocab:
            raise OutOfRangeError(f"{calling()}: `{name}` must hold ids in [0, {vocab - 1}]; "
                                  f"got {int(np.max(ids))}")
        return ids

    @params(batch=Integer(ge=1), like=Floats())
    def zero_state(self, batch: int, like: Any) -> tuple:
        """No state is carried between batches (each batch is whole sentences): ``()``.
        Present so that :func:`seqcore.train` can drive the model."""
        return ()

    # -- the forward pass ----------------------------------------------------------------

    def _encode(self, p: dict[str, Any], source: Any) -> tuple[Any, Any, Any]:
        """Source embeddings ``(S, B, d)``, states ``(S, B, n)`` and the last state."""
        X = embedding_lookup(p["E_src"], source)
        H, h_S = gru_forward(X, p["enc_W_ih"], p["enc_W_hh"], p["enc_b_ih"], p["enc_b_hh"])
        return X, H, h_S

    def _step(self, p: dict[str, Any], y: Any, s_prev: Any, Hb: Any):
        """One decoder step: the new state, the output layer's input, the weights."""
        gru = (p["dec_W_ih"], p["dec_W_hh"], p["dec_b_ih"], p["dec_b_hh"])
        if self.attention == "bahdanau":
            s, c, w = bahdanau_step(y, s_prev, Hb, p["W_s"], p["W_h"], p["v"], *gru)
            return s, array_namespace(y).concat([s, c, y], axis=-1), w
        if self.attention == "luong":
            s, h_tilde, _, w = luong_step(y, s_prev, Hb, gru[0], gru[1], p["W_c"], *gru[2:],
                                          W_a=p["W_a"])
            return s, h_tilde, w
        s = gru_step(y, s_prev, *gru)
        return s, s, None

    def _decode(self, p: dict[str, Any], Y: Any, h_S: Any, Hb: Any):
        """Teacher-forced decoder over the embedded targets ``Y`` ``(T, B, d)``."""
        s, S_prev, feats, weights = h_S, [], [], []
        for i in range(Y.shape[0]):
            S_prev.append(s)
            s, f, w = self._step(p, Y[i, ...], s, Hb)
            feats.append(f)
            weights.append(w)
        return S_prev, feats, weights

    @params(params=Named(), source=SOURCE, target=TARGET)
    def forward(self, params: dict[str, Any], source: Any, target: Any) -> tuple[Any, Any]:
        """Teacher-forced logits ``(T, batch, V_t)`` for ``target`` ``(T + 1, batch)`` (its
        last token is never read), and the attention weights ``(T, batch, S)`` (None
        without attention)."""
        p = params
        xp = self._check_params(p)
        self._ids("source", source, self.source_vocab)
        self._ids("target", target, self.target_vocab)
        _, H, h_S = self._encode(p, source)
        Y = embedding_lookup(p["E_tgt"], target[:-1, ...])
        _, feats, weights = self._decode(p, Y, h_S, xp.permute_dims(H, (1, 0, 2)))
        logits = rnn_logits(xp.stack(feats, axis=0), p["W_y"], p["b_y"])
        return logits, None if weights[0] is None else xp.stack(weights, axis=0)

    # -- the backward pass ---------------------------------------------------------------

    @implements("attention.encoder-grad")
    @params(params=Named(), source=SOURCE, target=TARGET)
    def loss_and_grads(self, params: dict[str, Any], source: Any, target: Any,
                       state: Any = None) -> tuple[Any, dict[str, Any], tuple]:
        r"""Mean cross-entropy of the next target token (teacher forcing), and its gradients.

        ``target`` is ``(T + 1, batch)``: ``<s>`` then the tokens to predict (the last
        one is ``</s>``). The decoder reads ``target[:-1]`` and predicts
        ``target[1:]``. ``state`` is ignored (there is none to carry). The encoder
        states receive the gradients the attention sends them at every output step,
        and the last one also the decoder's initial state's; the encoder's BPTT adds
        what each state passes back through the recurrence:

        .. math::

            \begin{aligned}
            \delta h_j^{\mathrm{dec}} &= \sum_{i=1}^{T} \delta h_j^{(i)}
              + [j = S]\; \delta s_0 \\
            \delta h_j &= \delta h_j^{\mathrm{dec}}
              + \Bigl(\frac{\partial h_{j+1}}{\partial h_j}\Bigr)^{\top} \delta h_{j+1},
              \quad \delta h_{S+1} = \mathbf{0}
            \end{aligned}

        Equation id: ``attention.encoder-grad``. The first line is the gradient that
        arrives from the decoder, given to :func:`seqcore.gru_backward` as its direct
        term (``dH``, and ``dh_T`` for :math:`\delta s_0`); the second is that BPTT.
        Without attention the first sum is empty and only :math:`h_S` hears from the
        decoder: every gradient the source receives passes through the single vector
        :math:`s_0 = h_S`, the bottleneck.
        """
        p = params
        xp = self._check_params(p)
        self._ids("source", source, self.source_vocab)
        self._ids("target", target, self.target_vocab)
        X, H, h_S = self._encode(p, source)
        Hb = xp.permute_dims(H, (1, 0, 2))                       # (B, S, n): batch first
        Y = embedding_lookup(p["E_tgt"], target[:-1, ...])        # y_{i-1}, embedded
        S_prev, feats, _ = self._decode(p, Y, h_S, Hb)
        F = xp.stack(feats, axis=0)
        loss, dO = mean_cross_entropy(rnn_logits(F, p["W_y"], p["b_y"]), target[1:, ...])
        out = output_layer_backward(F, dO, p["W_y"])             # δW_y, δb_y and δ(features)
        grads, dY, dHb, ds0 = self._decoder_backward(xp, p, Y, S_prev, Hb, h_S, out["H"])
        # δh_j^dec (the attention's, and δs_0 into h_S since s_0 = h_S) is the direct
        # term of the encoder's BPTT, which adds the recurrent part itself
        enc = gru_backward(X, xp.permute_dims(dHb, (1, 0, 2)), p["enc_W_ih"], p["enc_W_hh"],
                           p["enc_b_ih"], p["enc_b_hh"], dh_T=ds0)
        grads |= {"E_src": embedding_backward(source, enc["xs"], self.source_vocab),
                  "E_tgt": embedding_backward(target[:-1, ...], dY, self.target_vocab),
                  "W_y": out["W_hy"], "b_y": out["b_y"],
                  **{f"enc_{k}": enc[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")}}
        return loss, {k: grads[k] for k in self.shapes()}, ()

    def _decoder_backward(self, xp: Any, p: dict[str, Any], Y: Any, S_prev: list, Hb: Any,
                          h_S: Any, dF: Any):
        """Walk the decoder back: its weights' gradients, δY, δH (batch first) and δs_0."""
        gru = (p["dec_W_ih"], p["dec_W_hh"], p["dec_b_ih"], p["dec_b_hh"])
        if self.attention == "none":
            # the decoder's input never depends on the source: one BPTT over all steps
            g = gru_backward(Y, dF, *gru, h0=h_S)
            return ({f"dec_{k}": g[k] for k in ("W_ih", "W_hh", "b_ih", "b_hh")}, g["xs"],
                    xp.zeros_like(Hb), g["h0"])
        n, total = self.hidden, {}
        ds, dHb, dY = xp.zeros_like(h_S), xp.zeros_like(Hb), [None] * Y.shape[0]
        for i in range(Y.shape[0] - 1, -1, -1):
            if self.attention == "bahdanau":
                # the output layer read [s_i; c_i; y_{i-1}]: δs_i = δs_i^out + δs_i^next,
                # δc_i^out into the step, and δy_{i-1} = δy_{i-1}^out + δy_{i-1}^rnn
                d = dF[i, ...]
                g = bahdanau_step_backward(d[..., :n] + ds, d[..., n:2 * n], Y[i, ...],
                                           S_prev[i], Hb, p["W_s"], p["W_h"], p["v"], *gru)
                dY[i] = g.pop("y_prev") + d[..., 2 * n:]
            else:
                g = luong_step_backward(dF[i, ...], ds, Y[i, ...], S_prev[i], Hb, gru[0],
                                        gru[1], p["W_c"], *gru[2:], W_a=p["W_a"])
                dY[i] = g.pop("y_prev")
            ds, dHb = g.pop("s_prev"), dHb + g.pop("H")
            for k, v in g.items():                     # shared weights: sum over the steps
                key = f"dec_{k}" if k in ("W_ih", "W_hh", "b_ih", "b_hh") else k
                total[key] = v if key not in total else total[key] + v
        return total, xp.stack(dY, axis=0), dHb, ds

    # -- decoding ------------------------------------------------------------------------

    @params(params=Named(), source=SOURCE, max_len=Integer(ge=1))
    def translate(self, params: dict[str, Any], source: Any,
                  max_len: int) -> tuple[np.ndarray, Any]:
        """Greedy decoding of a batch: ids ``(max_len, batch)`` and the attention weights
        ``(max_len, batch, S)`` (None without attention). Every row runs ``max_len``
        steps; cut each at its first ``</s>``."""
        p = params
        xp = self._check_params(p)
        self._ids("source", source, self.source_vocab)
        _, H, s = self._encode(p, source)
        Hb = xp.permute_dims(H, (1, 0, 2))
        ids = np.full(source.shape[1], BOS)
        out, weights = [], []
        for _ in range(max_len):
            s, f, w = self._step(p, embedding_lookup(p["E_tgt"], ids), s, Hb)
            ids = np.argmax(np.asarray(rnn_logits(f, p["W_y"], p["b_y"])), axis=-1)
            out.append(ids)
            weights.append(w)
        return np.stack(out), None if weights[0] is None else xp.stack(weights, axis=0)

    @params(params=Named(), source=Ints("source", host=True, nonempty="source", ge=0))
    def decoder(self, params: dict[str, Any], source: Any):
        """A ``step(prefix) -> log_probs`` for :mod:`seqcore.decoding` (greedy, beam) that
        translates one ``source`` (1-D ids); ``prefix`` is what follows ``<s>``. States are
        memoized by prefix, so a beam search computes each once. NumPy parameters."""
        p = params
        self._check_params(p)
        self._ids("source", source, self.source_vocab)
        _, H, h_S = self._encode(p, source[:, None])
        Hb = np.transpose(H, (1, 0, 2))
        states: dict[tuple[int, ...], Any] = {}

        def after(prefix: tuple[int, ...]):
            # the step that reads the prefix's last token (or <s>) on top of the shorter one
            if prefix not in states:
                s_prev = h_S if not prefix else after(prefix[:-1])[0]
                y = embedding_lookup(p["E_tgt"], np.asarray([prefix[-1] if prefix else BOS]))
                states[prefix] = self._step(p, y, s_prev, Hb)[:2]
            return states[prefix]

        def step(prefix: Sequence[int]) -> np.ndarray:
            prefix = tuple(int(t) for t in prefix)
            return log_softmax(rnn_logits(after(prefix)[1][0], p["W_y"], p["b_y"]))

        return step
