"""Sequence generation: teacher forcing, greedy and beam search, temperature/top-k/top-p sampling.

A **decoder** here is any function ``step(prefix) -> log_probs``: given the
tokens generated so far (a tuple of ints, empty at the start) it returns the
log-probabilities of the next token, a 1-D array of length ``V`` (the
vocabulary). A fixed table (``lambda prefix: log_P[prefix[-1]]``, a bigram
model) and a recurrent network (:func:`rnn_language_model`) both qualify.
Working on prefixes keeps the search code independent of how a model stores
its state; a stateful model memoizes its state by prefix.

The search and sampling loops are plain Python over NumPy (they are discrete
and sequential); :func:`temperature_softmax` and :func:`top_k_softmax` take
NumPy arrays or torch tensors like the rest of seqcore, and so does
:func:`top_p_softmax` (nucleus sampling).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from array_api_compat import array_namespace

from ._trace import implements
from ._validate import (
    Floats,
    Function,
    Integer,
    Options,
    OutOfRangeError,
    Real,
    Seed,
    ShapeError,
    TokenIds,
    as_numpy,
    calling,
    params,
    sum_tolerance,
)
from .activations import softmax
from .rnn import rnn_logits, rnn_step

__all__ = [
    "Hypothesis",
    "beam_search",
    "gnmt_length_penalty",
    "greedy_search",
    "power_length_penalty",
    "rnn_language_model",
    "sample_sequence",
    "sample_token",
    "teacher_forcing_loss",
    "temperature_softmax",
    "top_k_softmax",
    "top_p_softmax",
]

Step = Callable[[tuple[int, ...]], Any]

STEP = Function("a callable decoder step(prefix) -> log-probabilities")
TEMPERATURE = Real(gt=0, hint=". For the limit τ → 0 use greedy_search (arg max)")
#: What every search takes: the decoder, a length, an end token and a start.
SEARCH = {"step": STEP, "max_len": Integer(ge=1), "eos": Integer(ge=0, optional=True),
          "prefix": TokenIds()}


class Hypothesis(NamedTuple):
    """One finished sequence of :func:`beam_search`."""

    tokens: tuple[int, ...]
    log_prob: float   #: :math:`\\log P(y \\mid \\text{prefix})`
    score: float      #: ``log_prob / lp(len(tokens))``, lp as ``length_norm`` says


def _log_softmax(z: np.ndarray) -> np.ndarray:
    # log softmax(z) = z - max z - log Σ exp(z - max z): no overflow, no log(0)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _log_probs(step: Step, prefix: tuple[int, ...], V: int | None) -> np.ndarray:
    """Call the decoder and check that it returned a log-probability vector (as float64).

    A row computed in float32 (an LM head's ``log_softmax``) sums to 1 only within a few
    ulps times the square root of V: the tolerance is that of its own dtype."""
    func, out = calling(), step(prefix)
    lp = as_numpy(out)
    if lp.ndim != 1 or lp.size == 0 or (V is not None and lp.size != V):
        want = f"({V},)" if V is not None else "(V,) with V ≥ 1"
        raise ShapeError(f"{func}: `step` must return a 1-D array of log-probabilities of shape "
                         f"{want}; for prefix {prefix} it returned shape {lp.shape}")
    tol = sum_tolerance(np, lp.dtype if lp.dtype.kind == "f" else np.float64, lp.size)
    lp = lp.astype(np.float64)
    if np.isnan(lp).any() or (lp == np.inf).any():
        raise ValueError(f"{func}: `step` returned NaN or +inf for prefix {prefix}")
    total = float(np.logaddexp.reduce(lp))
    if abs(total) > tol:
        raise ValueError(f"{func}: `step` must return log-probabilities, whose exp sums to 1 "
                         f"(within {tol:.2g}); for prefix {prefix} it sums to "
                         f"{math.exp(total):.9g}. Apply a log-softmax to logits first")
    return lp


def _in_vocab(name: str, tokens: tuple[int, ...], V: int) -> None:
    bad = [t for t in tokens if t >= V]
    if bad:
        raise OutOfRangeError(f"{calling()}: `{name}` has token ids {bad} outside the "
                              f"vocabulary 0..{V - 1} of `step`")


def _start(step: Step, prefix: tuple[int, ...]) -> int | None:
    """Learn V from the empty prefix first (so the decoder never sees a bad id), then check
    the prefix against it; None when there is no prefix."""
    if not prefix:
        return None
    V = _log_probs(step, (), None).size
    _in_vocab("prefix", prefix, V)
    return V


@implements("generation.teacher-forcing")
@params(step=STEP, targets=TokenIds(nonempty=True), reduction=Options("sum", "mean"))
def teacher_forcing_loss(step: Step, targets: Sequence[int], reduction: str = "sum") -> float:
    r"""The training loss with teacher forcing: every step is fed the *true* prefix.

    .. math::

        \mathcal{L}(\theta) = -\sum_{t=1}^{T} \log P_\theta\left(y_t \mid y_1, \dots, y_{t-1}\right)

    Equation id: ``generation.teacher-forcing``. The condition
    :math:`y_1, \dots, y_{t-1}` is the ground truth, not what the model would
    have generated, so all :math:`T` terms can be computed in parallel from
    the target sequence (one pass of an RNN over it).

    Parameters
    ----------
    step : callable
        The decoder, ``step(prefix) -> log_probs`` (module docstring).
    targets : sequence of int
        The true sequence :math:`y_1, \dots, y_T`, :math:`T \ge 1`.
    reduction : {"sum", "mean"}
        The sum of the :math:`T` cross-entropies, or their mean (what
        ``torch.nn.functional.cross_entropy`` returns by default).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import teacher_forcing_loss
    >>> P = np.array([[0.5, 0.5], [0.9, 0.1]])        # P(next | previous), start = token 0
    >>> step = lambda prefix: np.log(P[prefix[-1] if prefix else 0])
    >>> print(round(teacher_forcing_loss(step, [1, 0]), 4))   # -log 0.5 - log 0.9
    0.7985
    """
    total, V = 0.0, None
    for t in range(len(targets)):
        lp = _log_probs(step, targets[:t], V)      # the true prefix y_<t, never a prediction
        V = lp.size
        _in_vocab("targets", targets[t:t + 1], V)
        total -= float(lp[targets[t]])             # − log P(y_t | y_<t)
    return total / len(targets) if reduction == "mean" else total


@implements("generation.greedy")
@params(**SEARCH)
def greedy_search(step: Step, max_len: int, eos: int | None = None,
                  prefix: Sequence[int] = ()) -> tuple[tuple[int, ...], float]:
    r"""Greedy decoding: take the most probable token at every step.

    .. math::

        \hat{y}_t = \operatorname*{arg\,max}_{w}\ \log P\left(w \mid \hat{y}_1, \dots,
        \hat{y}_{t-1}\right)

    Equation id: ``generation.greedy``. Fast and deterministic, but a locally
    best token can lead to a worse sequence (see :func:`beam_search`). Ties go
    to the smallest token id.

    Parameters
    ----------
    step : callable
        The decoder, ``step(prefix) -> log_probs``.
    max_len : int
        The most tokens to generate, ≥ 1.
    eos : int, optional
        End-of-sequence token: generation stops after it (it is included).
    prefix : sequence of int
        Given start, e.g. the words typed so far; not part of the result.

    Returns
    -------
    tokens : tuple of int
        The generated continuation.
    log_prob : float
        :math:`\log P(\text{tokens} \mid \text{prefix})`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import greedy_search
    >>> P = np.array([[0.1, 0.6, 0.3], [0.5, 0.1, 0.4], [0.2, 0.2, 0.6]])
    >>> step = lambda prefix: np.log(P[prefix[-1] if prefix else 0])
    >>> tokens, lp = greedy_search(step, max_len=3)
    >>> print(tokens, round(lp, 4))                  # 0.6 * 0.5 * 0.6
    (1, 0, 1) -1.7148
    """
    seq, V = prefix, _start(step, prefix)
    total = 0.0
    for _ in range(max_len):
        lp = _log_probs(step, seq, V)
        V = lp.size
        w = int(np.argmax(lp))                   # arg max_w log P(w | ŷ_<t)
        seq, total = (*seq, w), total + float(lp[w])
        if w == eos:
            break
    return seq[len(prefix):], total


@implements("generation.beam-score")
@params(**SEARCH, beam_width=Integer(ge=1), length_penalty=Real(ge=0),
        length_norm=Options("power", "gnmt"))
def beam_search(step: Step, beam_width: int, max_len: int, eos: int | None = None,
                length_penalty: float = 0.0, prefix: Sequence[int] = (),
                length_norm: str = "power") -> list[Hypothesis]:
    r"""Beam search: keep the ``beam_width`` best prefixes at every step.

    .. math::

        \operatorname{score}(y) = \frac{1}{\operatorname{lp}(y)} \sum_{t=1}^{|y|}
        \log P\left(y_t \mid y_1, \dots, y_{t-1}\right)

    Equation id: ``generation.beam-score``. The length penalty
    :math:`\operatorname{lp}(y)` is :func:`power_length_penalty`,
    :math:`|y|^{\alpha}` (``length_norm="power"``), or
    :func:`gnmt_length_penalty`, :math:`((5 + |y|)/6)^{\alpha}`
    (``length_norm="gnmt"``). With :math:`\alpha = 0` (``length_penalty=0``)
    both are 1 and the score is the sequence's log-probability, which favours
    short sequences (every token adds a negative term); the power form with
    :math:`\alpha = 1` compares average log-probability per token.

    At each step every live prefix is extended by every token; the
    ``beam_width`` best extensions survive (all live prefixes have the same
    length, so raw and normalized scores rank them alike). An extension that
    ends in ``eos`` is finished and leaves the beam. After ``max_len`` steps
    the live prefixes are finished too; the finished ones are ranked by score.
    ``beam_width=1`` is greedy search. No pruning happens while the number of
    live prefixes times ``V`` stays within ``beam_width``: with
    ``beam_width`` :math:`\ge V^{T-1}` the search is exhaustive for
    ``max_len`` :math:`= T` (for :math:`T = 2`, :math:`\ge V` suffices).
    A wider beam usually finds a sequence at least as probable, but not
    always: a wider beam can keep prefixes that push the later best one out.

    Parameters
    ----------
    step : callable
        The decoder, ``step(prefix) -> log_probs``.
    beam_width : int
        ≥ 1.
    max_len : int
        ≥ 1.
    eos : int, optional
    length_penalty : float
        :math:`\alpha \ge 0`.
    prefix : sequence of int
    length_norm : {"power", "gnmt"}
        Which length penalty divides the log-probability.

    Returns
    -------
    list of Hypothesis
        ``(tokens, log_prob, score)``, best score first, at most ``beam_width``.
        Ties are broken by the smaller token sequence.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import beam_search, greedy_search
    >>> P = np.array([[0.1, 0.5, 0.4], [0.4, 0.3, 0.3], [0.1, 0.1, 0.8]])
    >>> step = lambda prefix: np.log(P[prefix[-1] if prefix else 0])
    >>> tokens, lp = greedy_search(step, max_len=2)
    >>> print(tokens, round(float(np.exp(lp)), 2))             # 0.5 * 0.4
    (1, 0) 0.2
    >>> best = beam_search(step, beam_width=2, max_len=2)[0]
    >>> print(best.tokens, round(float(np.exp(best.log_prob)), 2))   # 0.4 * 0.8
    (2, 2) 0.32
    """
    V, n0 = _start(step, prefix), len(prefix)
    penalty = LENGTH_PENALTIES[length_norm]

    def score(tokens: tuple[int, ...], lp: float) -> float:
        return lp / penalty(len(tokens) - n0, length_penalty)     # log P(y) / lp(y)

    alive: list[tuple[tuple[int, ...], float]] = [(prefix, 0.0)]
    finished: list[tuple[tuple[int, ...], float]] = []
    for _ in range(max_len):
        candidates = []
        for seq, total in alive:
            lp = _log_probs(step, seq, V)
            V = lp.size
            candidates.extend(((*seq, w), total + float(lp[w])) for w in range(V)
                              if lp[w] > -np.inf)
        candidates.sort(key=lambda c: (-c[1], c[0]))
        alive = []
        for seq, total in candidates[:beam_width]:
            (finished if seq[-1] == eos else alive).append((seq, total))
        if not alive:
            break
    finished.extend(alive)
    ranked = sorted(finished, key=lambda c: (-score(*c), c[0]))[:beam_width]
    return [Hypothesis(seq[n0:], total, score(seq, total)) for seq, total in ranked]


@implements("generation.temperature")
@params(logits=Floats(..., "vocab"), temperature=TEMPERATURE)
def temperature_softmax(logits: Any, temperature: float = 1.0) -> Any:
    r"""The next-token distribution at temperature :math:`\tau`.

    .. math::

        p_i(\tau) = \frac{\exp(z_i / \tau)}{\sum_{j=1}^{V} \exp(z_j / \tau)}

    Equation id: ``generation.temperature``. :math:`\tau = 1` is the model's
    own distribution; :math:`\tau < 1` sharpens it (:math:`\tau \to 0`: all
    mass on the arg max, greedy); :math:`\tau > 1` flattens it
    (:math:`\tau \to \infty`: uniform). Log-probabilities work as logits: a
    constant shift of all :math:`z_i` changes nothing.

    Parameters
    ----------
    logits : array, shape ``(..., V)``
    temperature : float
        :math:`\tau > 0`; ``0``, negative or non-finite values are a ``ValueError``.

    Returns
    -------
    array, shape like ``logits``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import temperature_softmax
    >>> z = np.log(np.array([0.5, 0.3, 0.2]))
    >>> for tau in (0.5, 1.0, 2.0):
    ...     print(tau, temperature_softmax(z, tau).round(3))
    0.5 [0.658 0.237 0.105]
    1.0 [0.5 0.3 0.2]
    2.0 [0.415 0.322 0.263]
    """
    return softmax(logits / temperature, axis=-1)          # softmax.stable of z / τ


@implements("generation.top-k")
@params(logits=Floats(..., "vocab"), k=Integer(ge=1), temperature=TEMPERATURE)
def top_k_softmax(logits: Any, k: int, temperature: float = 1.0) -> Any:
    r"""Top-:math:`k` sampling distribution: renormalize over the :math:`k` best tokens.

    .. math::

        p_i = \begin{cases}
          \dfrac{\exp(z_i / \tau)}{\sum_{j \in \mathcal{V}_k} \exp(z_j / \tau)}
            & i \in \mathcal{V}_k \\
          0 & \text{otherwise}
        \end{cases}

    Equation id: ``generation.top-k``. :math:`\mathcal{V}_k` is the set of the
    :math:`k` largest logits; ties at the boundary go to the smaller token id,
    so exactly :math:`k` tokens keep mass. :math:`k \ge V` keeps every token
    (plain temperature sampling); :math:`k = 1` is greedy.

    Parameters
    ----------
    logits : array, shape ``(..., V)``
    k : int
        ≥ 1.
    temperature : float
        :math:`\tau > 0`.

    Returns
    -------
    array, shape like ``logits``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import top_k_softmax
    >>> z = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    >>> print(top_k_softmax(z, k=2).round(3))         # 0.5 / 0.8, 0.3 / 0.8
    [0.625 0.375 0.    0.   ]
    """
    xp = array_namespace(logits)
    # rank of each token (0 = largest); stable sorts send ties to the smaller id
    order = xp.argsort(-logits, axis=-1, stable=True)
    rank = xp.argsort(order, axis=-1, stable=True)
    z = xp.where(rank < k, logits / temperature, xp.full_like(logits, -math.inf))
    return softmax(z, axis=-1)                             # renormalized over the k best


@params(logits=Floats("vocab", host=True), temperature=TEMPERATURE,
        top_k=Integer(ge=1, optional=True), rng=Seed(), size=Integer(ge=1, optional=True))
def sample_token(logits: Any, temperature: float = 1.0, top_k: int | None = None,
                 rng: Any = None, size: int | None = None) -> Any:
    r"""Draw token ids from :func:`temperature_softmax` (or :func:`top_k_softmax`).

    Parameters
    ----------
    logits : array, shape ``(V,)``
        Logits or log-probabilities of the next token.
    temperature : float
        :math:`\tau > 0`.
    top_k : int, optional
        Keep only the ``top_k`` best tokens.
    rng : int, numpy.random.Generator or None
        A seed or a generator; the same seed gives the same draws. ``None``
        draws fresh entropy (not reproducible).
    size : int, optional
        Number of independent draws; ``None`` returns one ``int``.

    Returns
    -------
    int, or NumPy int array of shape ``(size,)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import sample_token
    >>> z = np.log(np.array([0.5, 0.3, 0.2]))
    >>> print(sample_token(z, temperature=1.0, rng=0, size=8))
    [1 0 0 0 2 2 1 1]
    >>> print(sample_token(z, top_k=1, rng=0, size=8))      # k = 1: always the arg max
    [0 0 0 0 0 0 0 0]
    """
    p = temperature_softmax(logits, temperature) if top_k is None else \
        top_k_softmax(logits, top_k, temperature)
    draws = rng.choice(p.size, size=size, p=p)
    return int(draws) if size is None else draws


@params(**SEARCH, temperature=TEMPERATURE, top_k=Integer(ge=1, optional=True), rng=Seed())
def sample_sequence(step: Step, max_len: int, temperature: float = 1.0,
                    top_k: int | None = None, eos: int | None = None,
                    prefix: Sequence[int] = (), rng: Any = None) -> tuple[int, ...]:
    r"""Generate by sampling each next token from the (tempered, top-k) distribution.

    Parameters
    ----------
    step : callable
        The decoder, ``step(prefix) -> log_probs``.
    max_len : int
        The most tokens to generate.
    temperature, top_k, rng
        As in :func:`sample_token`.
    eos : int, optional
        Stop after this token.
    prefix : sequence of int

    Returns
    -------
    tuple of int
        The generated continuation.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import sample_sequence
    >>> P = np.array([[0.1, 0.6, 0.3], [0.5, 0.1, 0.4], [0.2, 0.2, 0.6]])
    >>> step = lambda prefix: np.log(P[prefix[-1] if prefix else 0])
    >>> print(sample_sequence(step, 6, rng=1), sample_sequence(step, 6, rng=1))  # one seed
    (1, 2, 0, 2, 1, 0) (1, 2, 0, 2, 1, 0)
    """
    seq, V = prefix, _start(step, prefix)
    for _ in range(max_len):
        lp = _log_probs(step, seq, V)
        V = lp.size
        w = sample_token(lp, temperature, top_k, rng=rng)
        seq = (*seq, w)
        if w == eos:
            break
    return seq[len(prefix):]


@params(E=Floats("tokens", "input", host=True), W_xh=Floats("hidden", "input", host=True),
        W_hh=Floats("hidden", "hidden", host=True), W_hy=Floats("vocab", "hidden", host=True),
        b_h=Floats("hidden", optional=True, host=True),
        b_y=Floats("vocab", optional=True, host=True),
        bos=Integer(ge=0, lt="tokens", optional=True))
def rnn_language_model(E: Any, W_xh: Any, W_hh: Any, W_hy: Any, b_h: Any = None,
                       b_y: Any = None, bos: int | None = None) -> Step:
    r"""A decoder ``step(prefix) -> log_probs`` from the weights of an RNN language model.

    Token :math:`w` enters as its embedding row ``E[w]``; the state follows
    ``rnn.hidden`` and the next-token distribution ``rnn.output``, as a
    log-softmax. The first input is ``E[bos]`` (a start token), or a zero
    vector when ``bos`` is ``None`` (the convention :math:`x^{(1)} = \mathbf{0}`
    of Andrew Ng's course). States are memoized by prefix, so a search that
    extends many prefixes computes each state once. NumPy only.

    Parameters
    ----------
    E : array, shape ``(V_in, input)``
        Embedding table.
    W_xh, W_hh, b_h
        As in :func:`seqcore.rnn_step`.
    W_hy, b_y
        As in :func:`seqcore.rnn_logits`, shape ``(V, hidden)``.
    bos : int, optional

    Returns
    -------
    callable
        ``step(prefix: tuple[int, ...]) -> ndarray of shape (V,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import greedy_search, rnn_language_model
    >>> rng = np.random.default_rng(0)
    >>> V, d, n = 4, 3, 5
    >>> step = rnn_language_model(rng.normal(size=(V, d)), rng.normal(size=(n, d)),
    ...                           rng.normal(size=(n, n)), rng.normal(size=(V, n)), bos=0)
    >>> print(np.exp(step(())).round(3), np.exp(step(())).sum().round(6))
    [0.418 0.396 0.051 0.135] 1.0
    >>> print(greedy_search(step, max_len=4)[0])
    (0, 1, 3, 3)
    """
    x0 = np.zeros(E.shape[1], dtype=E.dtype) if bos is None else E[bos]
    h0 = np.zeros(W_hh.shape[0], dtype=E.dtype)
    states: dict[tuple[int, ...], np.ndarray] = {}

    def state(prefix: tuple[int, ...]) -> np.ndarray:
        if prefix not in states:
            if not prefix:
                states[prefix] = rnn_step(x0, h0, W_xh, W_hh, b_h)
            else:
                # the state after the prefix reads its last token on top of the shorter prefix
                states[prefix] = rnn_step(E[prefix[-1]], state(prefix[:-1]), W_xh, W_hh, b_h)
        return states[prefix]

    @params(prefix=TokenIds(lt=E.shape[0]))
    def step(prefix: tuple[int, ...]) -> np.ndarray:
        return _log_softmax(rnn_logits(state(prefix), W_hy, b_y))

    return step


def _power_lp(length: int, alpha: float) -> float:
    return float(length) ** alpha                      # lp(y) = |y|^α


def _gnmt_lp(length: int, alpha: float) -> float:
    return ((5.0 + length) / 6.0) ** alpha             # lp(y) = ((5 + |y|) / 6)^α


#: beam_search's ``length_norm``: the length penalty that divides a log-probability.
LENGTH_PENALTIES = {"power": _power_lp, "gnmt": _gnmt_lp}
LENGTH_PENALTY = {"length": Integer(ge=1), "alpha": Real(ge=0)}


@implements("generation.length-penalty")
@params(**LENGTH_PENALTY)
def power_length_penalty(length: int, alpha: float) -> float:
    r"""The plain length penalty: the length to the power :math:`\alpha`.

    .. math::

        \operatorname{lp}(y) = |y|^{\alpha}

    Equation id: ``generation.length-penalty``. Dividing a log-probability by
    it gives :func:`beam_search`'s ``length_norm="power"``: :math:`\alpha = 0`
    leaves the log-probability as it is, :math:`\alpha = 1` makes it the mean
    log-probability per token (the ``length_penalty`` exponent of Hugging
    Face's beam search).

    Parameters
    ----------
    length : int
        :math:`|y| \ge 1`, the number of generated tokens.
    alpha : float
        :math:`\alpha \ge 0`.

    Returns
    -------
    float

    Examples
    --------
    >>> from seqcore import power_length_penalty
    >>> print(power_length_penalty(4, 0.5), power_length_penalty(4, 1.0))
    2.0 4.0
    """
    return _power_lp(length, alpha)                    # lp(y) = |y|^α


@implements("generation.length-penalty-gnmt")
@params(**LENGTH_PENALTY)
def gnmt_length_penalty(length: int, alpha: float) -> float:
    r"""The length penalty of Google's NMT system (Wu et al. 2016), used by the Transformer.

    .. math::

        \operatorname{lp}(y) = \left(\frac{5 + |y|}{6}\right)^{\alpha}

    Equation id: ``generation.length-penalty-gnmt``. It is 1 for one token and
    grows more slowly than :math:`|y|^{\alpha}`: the constant 5 damps the
    penalty's effect on short outputs. The Transformer paper decodes with
    :math:`\alpha = 0.6`.

    Parameters
    ----------
    length : int
        :math:`|y| \ge 1`.
    alpha : float
        :math:`\alpha \ge 0`.

    Returns
    -------
    float

    Examples
    --------
    >>> from seqcore import gnmt_length_penalty
    >>> print(gnmt_length_penalty(1, 0.6), round(gnmt_length_penalty(7, 1.0), 6))
    1.0 2.0
    """
    return _gnmt_lp(length, alpha)                     # lp(y) = ((5 + |y|) / 6)^α


@implements("generation.top-p")
@params(logits=Floats(..., "vocab"), p=Real(gt=0, le=1), temperature=TEMPERATURE)
def top_p_softmax(logits: Any, p: float, temperature: float = 1.0) -> Any:
    r"""Nucleus (top-:math:`p`) sampling distribution (Holtzman et al. 2020).

    .. math::

        p_i = \begin{cases}
          \dfrac{q_i}{\sum_{j \in \mathcal{V}_p} q_j} & i \in \mathcal{V}_p \\
          0 & i \notin \mathcal{V}_p
        \end{cases}, \qquad
        \mathcal{V}_p = \Bigl\{ i : \sum_{j:\, r_j < r_i} q_j < p \Bigr\},
        \qquad q = \operatorname{softmax}(z / \tau)

    Equation id: ``generation.top-p``. :math:`r_i` is the rank of token
    :math:`i` by :math:`q_i`, largest first, ties to the smaller id. A token is
    kept while the tokens ranked above it hold less than :math:`p` of the
    mass, so :math:`\mathcal{V}_p` is the smallest set of most probable tokens
    whose mass reaches :math:`p`. Unlike top-:math:`k`, its size follows the
    shape of the distribution: few tokens where the model is sure, many where
    it is not. :math:`p = 1` keeps every token of nonzero probability.

    Parameters
    ----------
    logits : array, shape ``(..., V)``
    p : float
        :math:`0 < p \le 1`.
    temperature : float
        :math:`\tau > 0`, applied before the nucleus is chosen.

    Returns
    -------
    array, shape like ``logits``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import top_p_softmax
    >>> z = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    >>> print(top_p_softmax(z, p=0.7).round(3))      # 0.5 < 0.7, 0.5 + 0.3 reaches it
    [0.625 0.375 0.    0.   ]
    >>> print(top_p_softmax(z, p=0.9).round(3))      # 0.5 + 0.3 < 0.9: 0.15 joins
    [0.526 0.316 0.158 0.   ]
    """
    xp = array_namespace(logits)
    q = softmax(logits / temperature, axis=-1)                 # q = softmax(z / τ)
    order = xp.argsort(-q, axis=-1, stable=True)               # rank r: largest q first
    above = xp.cumulative_sum(xp.take_along_axis(q, order, axis=-1), axis=-1,
                              include_initial=True)[..., :-1]  # Σ_{j: r_j < r_i} q_j
    keep = xp.take_along_axis(above < p, xp.argsort(order, axis=-1, stable=True), axis=-1)
    zt = xp.where(keep, logits / temperature, xp.full_like(logits, -math.inf))
    return softmax(zt, axis=-1)                                # renormalize over V_p
