"""A recurrent language model trained with the hand-written BPTT of the RNN, LSTM and GRU.

Embedding → recurrent cell → linear output → softmax, the model of
``torch.nn.Embedding`` + ``torch.nn.RNN/LSTM/GRU`` + ``torch.nn.Linear``. Its
parameters are a dict of named arrays, in PyTorch's layouts:

==========  =========================  =============================================
name        shape                      PyTorch
==========  =========================  =============================================
``E``       ``(V, embed)``             ``embedding.weight``
``W_ih``    ``(G·hidden, embed)``      ``rnn.weight_ih_l0`` (``G`` = 1, 4, 3 blocks)
``W_hh``    ``(G·hidden, hidden)``     ``rnn.weight_hh_l0``
``b_ih``    ``(G·hidden,)``            ``rnn.bias_ih_l0``
``b_hh``    ``(G·hidden,)``            ``rnn.bias_hh_l0``
``W_hy``    ``(V, hidden)``            ``out.weight``
``b_y``     ``(V,)``                   ``out.bias``
==========  =========================  =============================================

The gradient is a dict with the same keys. Nothing here is autograd: the forward
pass is :func:`seqcore.embedding_lookup`, the cell's ``*_forward`` and
:func:`seqcore.rnn_logits`; the backward pass is :func:`mean_cross_entropy`,
:func:`seqcore.output_layer_backward`, the cell's hand-derived backward pass
(:func:`seqcore.rnn_backward`, and the walks of :func:`seqcore.lstm_backward` and
:func:`seqcore.gru_backward` fed with the gates the forward pass kept) and
:func:`embedding_backward`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import array_api_compat
import numpy as np

from . import gru as _gru
from . import lstm as _lstm
from ._trace import implements
from ._validate import (
    Floats,
    Group,
    Integer,
    Ints,
    Options,
    OutOfRangeError,
    Real,
    Seed,
    ShapeError,
    calling,
    model_params,
    params,
)
from .activations import log_softmax, softmax
from .bptt import output_layer_backward, rnn_backward
from .embeddings import embedding_lookup
from .gru import gru_forward
from .lstm import lstm_forward
from .rnn import rnn_forward, rnn_logits

__all__ = ["RecurrentLM", "embedding_backward", "matched_hidden", "mean_cross_entropy"]

CELLS = ("rnn", "lstm", "gru")
GATE_BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}
#: what an ignored target holds (PyTorch's default ``ignore_index``)
IGNORE = -100


#: What a model's parameters are: named arrays whose sizes agree (the instance's sizes are
#: checked by the method itself).
PARAMS = Group(E=Floats("vocab", "embed"), W_ih=Floats("gates", "embed"),
               W_hh=Floats("gates", "hidden"), b_ih=Floats("gates"), b_hh=Floats("gates"),
               W_hy=Floats("vocab", "hidden"), b_y=Floats("vocab"))
#: Time-major token ids (T, batch), on the host: a torch model gets them on its device.
#: (Targets may also hold ``ignore_index``: mean_cross_entropy checks them.)
TOKENS = Ints("time", "batch", host=True, nonempty="time", ge=0, lt="vocab")


@implements("train.lm-loss")
@params(logits=Floats(..., "classes"), targets=Ints(...), ignore_index=Integer())
def mean_cross_entropy(logits: Any, targets: Any, ignore_index: int = IGNORE
                       ) -> tuple[Any, Any]:
    r"""The mean cross-entropy over every counted position, and its gradient.

    .. math::

        L = \frac{1}{|\mathcal{M}|} \sum_{(t, b) \in \mathcal{M}}
            -\log \operatorname{softmax}(o_{t,b})_{y_{t,b}}, \qquad
        \frac{\partial L}{\partial o_{t,b}} =
            \frac{[(t, b) \in \mathcal{M}]}{|\mathcal{M}|} \left(\hat y_{t,b} - e_{y_{t,b}}\right)

    Equation id: ``train.lm-loss``. :math:`y_{t,b}` is a class index and
    :math:`e_{y}` the one-hot vector with a 1 at :math:`y`. :math:`\mathcal{M}`
    holds the positions whose target is not ``ignore_index`` (padding, or steps
    of a sequence that predict nothing). A mean instead of the sum of
    ``bptt.loss-total`` keeps the size of the gradient, and so the learning rate,
    independent of the batch and of the sequence length; it is
    ``torch.nn.functional.cross_entropy``'s default.

    Parameters
    ----------
    logits : array, shape ``(..., V)``
    targets : integer array, shape ``(...)``
        Class indices, or ``ignore_index`` where nothing is predicted.
    ignore_index : int

    Returns
    -------
    loss : scalar array
    dlogits : array, shape of ``logits``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import mean_cross_entropy
    >>> loss, d = mean_cross_entropy(np.zeros((3, 4)), np.array([1, -100, 2]))
    >>> print(round(float(loss), 4), bool(np.all(d[1] == 0)))   # log 4; the ignored row: 0
    1.3863 True
    """
    xp, V = array_api_compat.array_namespace(logits), logits.shape[-1]
    counted = targets != ignore_index                             # (t, b) ∈ M
    n = int(xp.sum(xp.astype(counted, xp.int64)))                 # |M|
    safe = xp.where(counted, targets, xp.zeros_like(targets))
    if n == 0 or int(xp.min(safe)) < 0 or int(xp.max(safe)) >= V:
        raise OutOfRangeError(
            f"mean_cross_entropy: `targets` must hold class ids in [0, {V - 1}] or "
            f"`ignore_index`={ignore_index}, at least one of them an id; got values from "
            f"{int(xp.min(targets))} to {int(xp.max(targets))}")
    dev = array_api_compat.device(logits)
    onehot = xp.astype(xp.arange(V, device=dev) == safe[..., None], logits.dtype)
    weight = xp.astype(counted, logits.dtype)[..., None] / n      # [(t,b) ∈ M] / |M|
    loss = -xp.sum(weight * onehot * log_softmax(logits, axis=-1))
    return loss, weight * (softmax(logits, axis=-1) - onehot)     # (ŷ − y) / |M|


@implements("train.embedding-grad")
@params(ids=Ints("...", ge=0, lt="vocab_size"), dX=Floats(..., "d"), vocab_size=Integer(ge=1))
def embedding_backward(ids: Any, dX: Any, vocab_size: int) -> Any:
    r"""The gradient of the embedding table from the gradients of the looked-up rows.

    .. math::

        \frac{\partial L}{\partial E_{v,:}} = \sum_{(t, b)\,:\; w_{t,b} = v}
            \frac{\partial L}{\partial e_{t,b}}, \qquad e_{t,b} = E_{w_{t,b},:}

    Equation id: ``train.embedding-grad``. The lookup ``embedding.lookup`` is a
    product with a one-hot vector, so its gradient adds each position's
    :math:`\partial L/\partial e_{t,b}` into the row of its word; a word used
    twice gets both contributions, a word not in the batch gets zero.

    Parameters
    ----------
    ids : integer array, shape ``(...)``
    dX : array, shape ``(..., d)``
        :math:`\partial L / \partial e` at every position (``*_backward(...)["xs"]``).
    vocab_size : int

    Returns
    -------
    array, shape ``(vocab_size, d)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import embedding_backward
    >>> print(embedding_backward(np.array([2, 0, 2]), np.ones((3, 2)), 4))
    [[1. 1.]
     [0. 0.]
     [2. 2.]
     [0. 0.]]
    """
    xp = array_api_compat.array_namespace(dX)
    flat = xp.reshape(ids, (-1,))
    rows = xp.reshape(dX, (-1, int(dX.shape[-1])))
    dE = xp.zeros((vocab_size, int(dX.shape[-1])), dtype=dX.dtype,
                  device=array_api_compat.device(dX))
    # The array API has no scatter-add; each library's own one adds repeated ids correctly.
    if array_api_compat.is_torch_array(dE):
        return dE.index_add_(0, flat, rows)
    np.add.at(dE, flat, rows)
    return dE


class RecurrentLM:
    """An embedding, one recurrent layer (RNN, LSTM or GRU) and a softmax output layer.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    vocab_size : int
        :math:`V`, the number of token ids (inputs and outputs).
    embed : int
        The embedding width :math:`d`.
    hidden : int
        The state width :math:`n`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import RecurrentLM
    >>> lm = RecurrentLM("lstm", vocab_size=10, embed=4, hidden=8)
    >>> params = lm.init_params(seed=0)
    >>> lm.param_count(), sorted(params)
    (578, ['E', 'W_hh', 'W_hy', 'W_ih', 'b_hh', 'b_ih', 'b_y'])
    >>> x = np.array([[1, 2], [3, 4], [5, 6]])        # (T=3, batch=2) token ids
    >>> loss, grads, state = lm.loss_and_grads(params, x, (x + 1) % 10)
    >>> print(round(float(loss), 4), grads["W_hh"].shape, state[0].shape)
    2.3422 (32, 8) (2, 8)
    """

    @params(cell=Options(*CELLS), vocab_size=Integer(ge=1), embed=Integer(ge=1),
            hidden=Integer(ge=1))
    def __init__(self, cell: str, vocab_size: int, embed: int, hidden: int) -> None:
        self.cell = cell
        self.vocab_size, self.embed, self.hidden = vocab_size, embed, hidden
        self.gates = GATE_BLOCKS[cell]

    def __repr__(self) -> str:
        return (f"RecurrentLM({self.cell!r}, vocab_size={self.vocab_size}, embed={self.embed}, "
                f"hidden={self.hidden})")

    # -- parameters ----------------------------------------------------------------------

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every parameter, by name."""
        V, d, n, G = self.vocab_size, self.embed, self.hidden, self.gates
        return {"E": (V, d), "W_ih": (G * n, d), "W_hh": (G * n, n), "b_ih": (G * n,),
                "b_hh": (G * n,), "W_hy": (V, n), "b_y": (V,)}

    def param_count(self) -> int:
        """:math:`V d + G(n d + n^2 + 2n) + V n + V`."""
        return sum(math.prod(s) for s in self.shapes().values())

    @params(seed=Seed(), carry_bias=Real())
    def init_params(self, seed: int, dtype: Any = np.float64,
                    carry_bias: float = 0.0) -> dict[str, np.ndarray]:
        """PyTorch's default initialization, drawn from ``numpy.random.default_rng(seed)``.

        The embedding is :math:`\\mathcal N(0, 1)` (``nn.Embedding``); every other
        weight and bias is uniform on :math:`[-1/\\sqrt n, 1/\\sqrt n]` (``nn.RNN``'s
        rule, and ``nn.Linear``'s for a fan-in of :math:`n`).

        ``carry_bias`` is added to the bias of the gate that keeps the old state: the
        LSTM's forget gate :math:`f` and the GRU's update gate :math:`z` (both the
        second block of ``b_ih``). With 0 (PyTorch's default) these gates start near
        :math:`\\sigma(0) = 1/2`, which halves what is kept at every step; a bias of 1
        (Gers et al., 2000; Jozefowicz et al., 2015) starts them near 0.73.
        """
        if carry_bias and self.cell == "rnn":
            raise ValueError("RecurrentLM.init_params: `carry_bias` needs a gated cell (lstm "
                             "or gru); a vanilla RNN has no gate that keeps the state")
        rng = seed                                          # a Generator, from the seed
        bound = 1 / math.sqrt(self.hidden)
        out = {}
        for name, shape in self.shapes().items():
            w = rng.standard_normal(shape) if name == "E" else rng.uniform(-bound, bound, shape)
            out[name] = w.astype(dtype)
        n = self.hidden
        b_ih = out["b_ih"]
        b_ih[n:2 * n] += carry_bias                         # f (LSTM: i, f, g, o) or z (r, z, n)
        return out

    def _check_params(self, p: Mapping[str, Any]) -> Any:
        return model_params(self, p)

    # -- state ---------------------------------------------------------------------------

    @params(batch=Integer(ge=1), like=Floats())
    def zero_state(self, batch: int, like: Any) -> tuple[Any, ...]:
        """The zero initial state for ``batch`` sequences: ``(h,)``, or ``(h, c)`` (LSTM).

        ``like`` is any parameter array: the state gets its library, dtype and device.
        """
        xp = array_api_compat.array_namespace(like)
        z = xp.zeros((batch, self.hidden), dtype=like.dtype, device=array_api_compat.device(like))
        return (z, xp.zeros_like(z)) if self.cell == "lstm" else (z,)

    def _state(self, xp: Any, state: Any, inputs: Any, like: Any) -> tuple[Any, ...]:
        """The initial state (zeros for None), checked against this model and the batch."""
        batch = int(inputs.shape[1])
        if state is None:
            return self.zero_state(batch, like)
        want = 2 if self.cell == "lstm" else 1
        if not isinstance(state, tuple) or len(state) != want:
            raise TypeError(f"{calling()}: `state` must be a tuple of {want} array(s) "
                            f"({'(h, c)' if want == 2 else '(h,)'}) or None; got {state!r:.60}")
        for s in state:
            if tuple(s.shape) != (batch, self.hidden):
                raise ShapeError(f"{calling()}: each `state` array must have shape (batch, "
                                 f"hidden) = ({batch}, {self.hidden}); got {tuple(s.shape)}")
        return state

    @staticmethod
    def _on(xp: Any, ids: Any, like: Any) -> Any:
        """Token ids (checked on the host) moved to the parameters' library and device:
        batches come from NumPy, a model on a GPU gets them there."""
        return xp.asarray(ids, device=array_api_compat.device(like))

    def _recur(self, p: dict[str, Any], X: Any, state: tuple[Any, ...]):
        """The recurrent layer over the embedded inputs: states ``H`` and the last state."""
        if self.cell == "rnn":
            H, h = rnn_forward(X, p["W_ih"], p["W_hh"], p["b_ih"] + p["b_hh"], h0=state[0])
            return H, (h,)
        if self.cell == "lstm":
            H, h, c = lstm_forward(X, p["W_ih"], p["W_hh"], p["b_ih"], p["b_hh"], *state)
            return H, (h, c)
        H, h = gru_forward(X, p["W_ih"], p["W_hh"], p["b_ih"], p["b_hh"], h0=state[0])
        return H, (h,)

    def _recur_kept(self, xp: Any, p: dict[str, Any], X: Any, state: tuple[Any, ...]):
        """As :meth:`_recur`, keeping what the backward pass needs (the gates of each step).

        The LSTM and GRU run the same forward code as ``lstm_forward`` and
        ``gru_forward`` (their modules' ``_run``), keeping the gates, so that the
        backward walk (``_bptt``, the body of ``lstm_backward`` / ``gru_backward``)
        does not recompute them. The parameters were checked by :meth:`check_params`.
        """
        if self.cell == "rnn":
            H, last = self._recur(p, X, state)
            return H, last, None
        weights = (X, p["W_ih"], p["W_hh"], p["b_ih"], p["b_hh"])
        if self.cell == "lstm":
            Hs, C, gates, h, c = _lstm._run(xp, *weights, *state, keep=True)
            return xp.stack(Hs, axis=0), (h, c), (Hs, C, gates)
        Hs, caches, h = _gru._run(xp, *weights, state[0], "pytorch", keep=True)
        return xp.stack(Hs, axis=0), (h,), (Hs, caches)

    @params(params=PARAMS, inputs=TOKENS)
    def forward(self, params: dict[str, Any], inputs: Any, state: Any = None
                ) -> tuple[Any, tuple[Any, ...]]:
        """Logits ``(T, batch, V)`` for time-major token ids ``(T, batch)``, and the last state."""
        p = params
        xp = self._check_params(p)
        inputs = self._on(xp, inputs, p["E"])
        state = self._state(xp, state, inputs, p["E"])
        H, last = self._recur(p, embedding_lookup(p["E"], inputs), state)
        return rnn_logits(H, p["W_hy"], p["b_y"]), last

    @params(params=PARAMS, inputs=TOKENS, targets=Ints("time", "batch", host=True))
    def loss_and_grads(self, params: dict[str, Any], inputs: Any, targets: Any,
                       state: Any = None) -> tuple[Any, dict[str, Any], tuple[Any, ...]]:
        """Mean cross-entropy, its gradient for every parameter, and the last state.

        ``state`` is the initial state (``None``: zeros). The returned state is the
        value to carry into the next chunk of a stream: truncated BPTT passes the
        state's value forward and no gradient back (PyTorch's ``h.detach()``).
        """
        p = params
        xp = self._check_params(p)
        inputs, targets = self._on(xp, inputs, p["E"]), self._on(xp, targets, p["E"])
        state = self._state(xp, state, inputs, p["E"])
        X = embedding_lookup(p["E"], inputs)                     # e_{t,b} = E[w_{t,b}]
        H, last, kept = self._recur_kept(xp, p, X, state)
        logits = rnn_logits(H, p["W_hy"], p["b_y"])               # o = W_hy h + b_y
        loss, dO = mean_cross_entropy(logits, targets)
        out = output_layer_backward(H, dO, p["W_hy"])            # W_hy, b_y, and ∂L/∂h_t
        g = self._backward(xp, p, X, H, out["H"], state, kept)
        grads = {"E": embedding_backward(inputs, g["xs"], self.vocab_size),
                 "W_ih": g["W_ih"], "W_hh": g["W_hh"], "b_ih": g["b_ih"], "b_hh": g["b_hh"],
                 "W_hy": out["W_hy"], "b_y": out["b_y"]}
        return loss, grads, last

    def _backward(self, xp: Any, p: dict[str, Any], X: Any, H: Any, dH: Any,
                  state: tuple[Any, ...], kept: Any) -> dict[str, Any]:
        if self.cell == "rnn":
            g = rnn_backward(X, H, dH, p["W_ih"], p["W_hh"], h0=state[0])
            # b_ih and b_hh enter only as their sum: both get the sum's gradient
            return {"xs": g["xs"], "W_ih": g["W_xh"], "W_hh": g["W_hh"], "b_ih": g["b_h"],
                    "b_hh": g["b_h"]}
        if self.cell == "lstm":
            return _lstm._bptt(xp, X, dH, p["W_ih"], p["W_hh"], *state, None, None, *kept)
        return _gru._bptt(xp, X, dH, p["W_ih"], p["W_hh"], state[0], None, "pytorch", *kept)

    # -- generation ----------------------------------------------------------------------

    @params(params=PARAMS)
    def decoder(self, params: dict[str, Any]):
        r"""A ``step(prefix) -> log_probs`` for :mod:`seqcore.decoding` (greedy, beam, sampling).

        ``step(prefix)`` is the distribution of the next token after reading
        ``prefix`` from the zero state; the empty prefix gives the output layer at the
        zero state, :math:`\operatorname{softmax}(b_y)` (a model of a stream is
        meant to be given a prompt: ``prefix=...`` in the decoding functions).
        States are memoized by prefix, so a beam search computes each state once.
        NumPy parameters only.
        """
        p = params
        self._check_params(p)
        states: dict[tuple[int, ...], tuple[Any, ...]] = {(): self.zero_state(1, p["E"])}

        def state_after(prefix: tuple[int, ...]) -> tuple[Any, ...]:
            if prefix not in states:
                # the state after a prefix reads its last token on top of the shorter prefix
                x = embedding_lookup(p["E"], np.asarray([[prefix[-1]]]))
                states[prefix] = self._recur(p, x, state_after(prefix[:-1]))[1]
            return states[prefix]

        def step(prefix: Sequence[int]) -> np.ndarray:
            prefix = tuple(int(t) for t in prefix)
            bad = [t for t in prefix if not 0 <= t < self.vocab_size]
            if bad:
                raise ValueError(f"RecurrentLM decoder: token ids must lie in "
                                 f"[0, {self.vocab_size - 1}]; got {bad[:5]}")
            logits = rnn_logits(state_after(prefix)[0][0], p["W_hy"], p["b_y"])
            return log_softmax(logits)

        return step


@params(cell=Options(*CELLS), vocab_size=Integer(ge=1), embed=Integer(ge=1),
        params=Integer(ge=1))
def matched_hidden(cell: str, vocab_size: int, embed: int, params: int) -> int:
    """The hidden width whose :class:`RecurrentLM` has the parameter count closest to ``params``.

    Examples
    --------
    >>> from seqcore import RecurrentLM, matched_hidden
    >>> n = matched_hidden("rnn", 80, 32, RecurrentLM("lstm", 80, 32, 128).param_count())
    >>> n, RecurrentLM("rnn", 80, 32, n).param_count()
    (254, 96112)
    """
    G = GATE_BLOCKS[cell]

    def total(n: int) -> int:   # V·d + G(n·d + n² + 2n) + V·n + V
        return vocab_size * embed + G * (n * embed + n * n + 2 * n) + vocab_size * n + vocab_size

    # the count grows with n: stop at the first n past the target
    n = 1
    while total(n) < params:
        n += 1
    return n if n == 1 or total(n) - params <= params - total(n - 1) else n - 1
