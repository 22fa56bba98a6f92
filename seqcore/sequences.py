"""Why sequence models: the probability of a sequence, autoregression, and recurrence as a filter.

The chapter that opens the course (``why-sequence-models.md``) computes everything it shows
with the functions below:

- :func:`sequence_log_prob`: the autoregressive (chain-rule) factorization of a sequence's
  probability, from given conditionals;
- :func:`markov_chain_log_prob`: the same under the first-order Markov assumption;
- :func:`ar_simulate`, :func:`ar_predict`, :func:`ar_fit`, :func:`ar_forecast`: the
  autoregressive model AR(p) of a real-valued series;
- :func:`latent_states`: the latent autoregressive model, a state that summarises the past;
- :func:`linear_rnn`, :func:`linear_rnn_impulse_response`: the linear RNN and its infinite
  impulse response (IIR);
- :func:`next_items`: next-item recommendation as an argmax.

Notation: :math:`x_1, \\dots, x_T` is the sequence, :math:`x_{<t} = (x_1, \\dots, x_{t-1})`
its prefix. Tokens (words, items) are integer indices into a vocabulary of size ``V``.
Every function takes NumPy arrays (the default) or torch tensors, except
:func:`latent_states`, which takes whatever its step function takes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import array_api_compat
import numpy as np
from array_api_compat import array_namespace

from ._trace import implements
from ._validate import (
    Array,
    Flag,
    Floats,
    Function,
    Integer,
    Ints,
    Probabilities,
    Real,
    ShapeError,
    TokenIds,
    calling,
    params,
)

__all__ = [
    "ar_fit",
    "ar_forecast",
    "ar_predict",
    "ar_simulate",
    "latent_states",
    "linear_rnn",
    "linear_rnn_impulse_response",
    "markov_chain_log_prob",
    "next_items",
    "sequence_log_prob",
]

#: An AR(p) series and its p coefficients.
SERIES = {"x": Floats("time"), "phi": Floats("p", nonempty="p"), "c": Real()}


def _safe_log(xp: Any, p: Any) -> Any:
    # log 0 = -inf is the right answer for an impossible event; computing it
    # through where() keeps NumPy from warning about a division by zero.
    positive = p > 0
    logged = xp.log(xp.where(positive, p, xp.ones_like(p)))
    return xp.where(positive, logged, xp.full_like(p, -float("inf")))


def _at_least_p(x: Any, p: int) -> None:
    if x.shape[0] < p:
        raise ShapeError(f"{calling()}: `x` must hold at least p={p} values; got {x.shape[0]}")


def _lags(xp: Any, x: Any, p: int) -> Any:
    """Columns x_{t-1}, ..., x_{t-p} for t = p+1, ..., T (1-based): shape (T - p, p)."""
    T = x.shape[0]
    return xp.stack([x[p - i:T - i] for i in range(1, p + 1)], axis=1)


# --- the probability of a sequence ------------------------------------------------------

@implements("seq.autoregressive")
@params(probs=Probabilities("batch?", "time", "vocab"),
        tokens=Ints("batch?", "time", ge=0, lt="vocab"))
def sequence_log_prob(probs: Any, tokens: Any) -> Any:
    r"""Log-probability of a sequence from its conditionals, by the chain rule.

    .. math::

        p(x_1, \dots, x_T) = \prod_{t=1}^{T} p(x_t \mid x_{<t}),
        \qquad
        \log p(x_1, \dots, x_T) = \sum_{t=1}^{T} \log p(x_t \mid x_{<t})

    Equation id: ``seq.autoregressive``. Row ``t`` of ``probs`` is the model's
    distribution for position ``t`` *given the prefix* :math:`x_{<t}` (for ``t = 1``
    the prefix is empty); the function picks the probability of the token that
    actually came and adds the logs. Adding logs instead of multiplying
    probabilities keeps long sequences from underflowing to 0.

    Parameters
    ----------
    probs : array, shape ``(T, V)`` or ``(batch, T, V)``
        Conditional distributions, each row non-negative and summing to 1.
    tokens : integer array, shape ``(T,)`` or ``(batch, T)``
        The observed token ids :math:`x_1, \dots, x_T`.

    Returns
    -------
    array, shape ``()`` or ``(batch,)``
        :math:`\log p(x_1, \dots, x_T)`; ``-inf`` when some observed token had
        probability 0 (an impossible sequence), never NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import sequence_log_prob
    >>> probs = np.array([[0.5, 0.5, 0.0],     # p(x1)
    ...                   [0.1, 0.2, 0.7],     # p(x2 | x1)
    ...                   [0.6, 0.3, 0.1]])    # p(x3 | x1, x2)
    >>> lp = sequence_log_prob(probs, np.array([0, 2, 0]))
    >>> print(round(float(lp), 4), round(float(np.exp(lp)), 4))    # 0.5 * 0.7 * 0.6
    -1.5606 0.21
    """
    xp = array_namespace(probs)
    # p(x_t | x_<t): the entry of row t at column x_t, selected by comparison
    # (a one-hot mask) so that the same code runs on every array library.
    ids = xp.arange(probs.shape[-1], dtype=tokens.dtype, device=array_api_compat.device(tokens))
    chosen = xp.sum(xp.where(tokens[..., None] == ids, probs, xp.zeros_like(probs)), axis=-1)
    return xp.sum(_safe_log(xp, chosen), axis=-1)      # log p(x_1..x_T) = Σ_t log p(x_t | x_<t)


@implements("seq.markov")
@params(initial=Probabilities("vocab"), transition=Probabilities("vocab", "vocab"),
        tokens=Ints("batch?", "time", ge=0, lt="vocab", nonempty="time"))
def markov_chain_log_prob(tokens: Any, initial: Any, transition: Any) -> Any:
    r"""Log-probability of a sequence under a first-order Markov chain.

    .. math::

        p(x_1, \dots, x_T) = p(x_1) \prod_{t=2}^{T} p(x_t \mid x_{t-1})
        = \pi_{x_1} \prod_{t=2}^{T} A_{x_{t-1} x_t}

    Equation id: ``seq.markov``. The Markov assumption replaces the whole prefix
    :math:`x_{<t}` of the chain rule by the last token :math:`x_{t-1}`, so one
    ``V × V`` table :math:`A` holds every conditional.

    Parameters
    ----------
    tokens : integer array, shape ``(T,)`` or ``(batch, T)``, T >= 1
    initial : array, shape ``(V,)``
        :math:`\pi_i = p(x_1 = i)`.
    transition : array, shape ``(V, V)``
        :math:`A_{ij} = p(x_t = j \mid x_{t-1} = i)`; every row sums to 1.

    Returns
    -------
    array, shape ``()`` or ``(batch,)``
        ``-inf`` for a sequence with an impossible step.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import markov_chain_log_prob
    >>> pi = np.array([0.8, 0.2])                  # 0 = sunny, 1 = rainy
    >>> A = np.array([[0.9, 0.1], [0.5, 0.5]])
    >>> lp = markov_chain_log_prob(np.array([0, 0, 1]), pi, A)
    >>> print(round(float(np.exp(lp)), 4))         # 0.8 * 0.9 * 0.1
    0.072
    """
    xp, V, T = array_namespace(initial), initial.shape[0], tokens.shape[-1]
    lead = tuple(tokens.shape[:-1])
    first = xp.take(initial, xp.reshape(tokens[..., 0], (-1,)))          # π_{x_1}
    # A_{x_{t-1} x_t}, read from the flattened table at row * V + column
    pairs = tokens[..., :-1] * V + tokens[..., 1:]
    steps = xp.reshape(xp.take(xp.reshape(transition, (-1,)), xp.reshape(pairs, (-1,))),
                       (*lead, T - 1))
    # log p = log π_{x_1} + Σ_t log A_{x_{t-1} x_t}
    return xp.reshape(_safe_log(xp, first), lead) + xp.sum(_safe_log(xp, steps), axis=-1)


# --- AR(p): the autoregressive model of a real-valued series ------------------------------

@implements("ar.model")
@params(noise=Floats("time"), phi=SERIES["phi"], c=Real(), x_init=Floats("p", optional=True))
def ar_simulate(noise: Any, phi: Any, c: float = 0.0, x_init: Any = None) -> Any:
    r"""Generate an AR(p) series from its noise: each value regresses on the last ``p``.

    .. math::

        x_t = c + \sum_{i=1}^{p} \phi_i\, x_{t-i} + \varepsilon_t

    Equation id: ``ar.model``. The values before the series starts,
    :math:`x_{1-p}, \dots, x_0`, are ``x_init`` (zeros when omitted).

    Parameters
    ----------
    noise : array, shape ``(T,)``
        The innovations :math:`\varepsilon_1, \dots, \varepsilon_T`.
    phi : array, shape ``(p,)``
        :math:`\phi_1, \dots, \phi_p` (``phi[0]`` multiplies the most recent value).
    c : float
        The constant :math:`c`.
    x_init : array, shape ``(p,)``, optional
        :math:`x_{1-p}, \dots, x_0`, oldest first.

    Returns
    -------
    array, shape ``(T,)``
        :math:`x_1, \dots, x_T`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import ar_simulate
    >>> x = ar_simulate(np.array([1.0, 0.0, 0.0, 0.0]), np.array([0.5, 0.25]))
    >>> print(x)                               # 1, 0.5*1, 0.5*0.5 + 0.25*1, ...
    [1.    0.5   0.5   0.375]
    """
    xp, p = array_namespace(noise), phi.shape[0]
    past = [xp.zeros((), dtype=noise.dtype) for _ in range(p)] if x_init is None else \
        [x_init[i] for i in range(p)]
    out = []
    for t in range(noise.shape[0]):
        # x_t = c + Σ_i φ_i x_{t-i} + ε_t   (past[-i] is x_{t-i})
        x_t = c + sum(phi[i - 1] * past[-i] for i in range(1, p + 1)) + noise[t]
        out.append(x_t)
        past = [*past[1:], x_t]
    return xp.stack(out) if out else xp.zeros((0,), dtype=noise.dtype)


@implements("ar.predict")
@params(**SERIES)
def ar_predict(x: Any, phi: Any, c: float = 0.0) -> Any:
    r"""One-step-ahead AR(p) predictions from the observed past.

    .. math::

        \hat{x}_t = c + \sum_{i=1}^{p} \phi_i\, x_{t-i}, \qquad t = p+1, \dots, T

    Equation id: ``ar.predict``. Every prediction uses observed values only
    (no prediction is fed back), so ``x[p:] - ar_predict(x, phi, c)`` are the
    one-step residuals. For values beyond the data use :func:`ar_forecast`.

    Parameters
    ----------
    x : array, shape ``(T,)``, T >= p
    phi : array, shape ``(p,)``
    c : float

    Returns
    -------
    array, shape ``(T - p,)``
        :math:`\hat{x}_{p+1}, \dots, \hat{x}_T`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import ar_predict
    >>> print(ar_predict(np.array([1.0, 2.0, 4.0, 3.0]), np.array([0.5, 0.5])))
    [1.5 3. ]
    """
    xp, p = array_namespace(x), phi.shape[0]
    _at_least_p(x, p)
    if x.shape[0] == p:
        return xp.zeros((0,), dtype=x.dtype)
    return c + _lags(xp, x, p) @ phi       # x̂_t = c + Σ_i φ_i x_{t-i}, all t in one product


@implements("ar.least-squares")
@params(x=SERIES["x"], p=Integer(ge=1), intercept=Flag())
def ar_fit(x: Any, p: int, intercept: bool = True) -> tuple[Any, float]:
    r"""Fit AR(p) by least squares on the one-step residuals.

    .. math::

        (\hat{c}, \hat{\phi}) = \operatorname*{arg\,min}_{c,\, \phi}
        \sum_{t=p+1}^{T} \Bigl(x_t - c - \sum_{i=1}^{p} \phi_i\, x_{t-i}\Bigr)^2

    Equation id: ``ar.least-squares``. This is ordinary linear regression of
    :math:`x_t` on its own lags :math:`x_{t-1}, \dots, x_{t-p}` ("auto-regression"),
    solved through a QR decomposition of the lag matrix (better conditioned than
    the normal equations). For a stationary AR(p) process it recovers the true
    coefficients as ``T`` grows.

    Parameters
    ----------
    x : array, shape ``(T,)``
        The series; needs ``T - p >= p + 1`` equations (``p`` without intercept).
    p : int, >= 1
        The order: how many past values each prediction uses.
    intercept : bool
        Fit :math:`c` too; with ``False``, :math:`c = 0`.

    Returns
    -------
    phi : array, shape ``(p,)``
    c : float

    Raises
    ------
    ValueError
        When the lags are linearly dependent (e.g. a constant series), so that the
        minimiser is not unique.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import ar_fit
    >>> x = 2.0 ** np.arange(8)                  # x_t = 2 x_{t-1} exactly
    >>> phi, c = ar_fit(x, p=1, intercept=False)
    >>> print(phi.round(6), c)
    [2.] 0.0
    """
    xp, unknowns = array_namespace(x), p + int(intercept)
    if x.shape[0] - p < unknowns:
        raise ShapeError(f"ar_fit: `x` must hold at least {p + unknowns} values to fit "
                         f"{unknowns} unknowns from T - p equations; got T={x.shape[0]}")
    X = _lags(xp, x, p)                                   # rows: x_{t-1}, ..., x_{t-p}
    if intercept:
        X = xp.concat([xp.ones_like(X[:, :1]), X], axis=1)
    y = x[p:]
    # min ||y - X β||²: with X = QR, β solves R β = Qᵀ y
    Q, R = xp.linalg.qr(X)
    diag = xp.abs(xp.linalg.diagonal(R))
    # a (numerically) zero pivot of R means a column is a combination of the others
    if float(xp.min(diag)) <= 10 * xp.finfo(x.dtype).eps * X.shape[0] * float(xp.max(diag)):
        raise ValueError(f"ar_fit: the lagged values of `x` are linearly dependent (a constant "
                         f"or otherwise degenerate series), so the AR({p}) fit is not unique")
    beta = xp.linalg.solve(R, Q.T @ y)
    return (beta[1:], float(beta[0])) if intercept else (beta, 0.0)


@implements("ar.forecast")
@params(**SERIES, steps=Integer(ge=0))
def ar_forecast(x: Any, phi: Any, steps: int, c: float = 0.0) -> Any:
    r"""Forecast ``steps`` values past the end of ``x``, feeding predictions back in.

    .. math::

        \hat{x}_{T+h} = c + \sum_{i=1}^{p} \phi_i\, \tilde{x}_{T+h-i},
        \qquad
        \tilde{x}_s = \begin{cases} x_s & s \le T \\ \hat{x}_s & s > T \end{cases}

    Equation id: ``ar.forecast``. Beyond one step the forecast uses its own earlier
    forecasts, so errors compound; for a stationary process the forecast decays to
    the mean :math:`c / (1 - \sum_i \phi_i)`.

    Parameters
    ----------
    x : array, shape ``(T,)``, T >= p
    phi : array, shape ``(p,)``
    steps : int, >= 0
    c : float

    Returns
    -------
    array, shape ``(steps,)``
        :math:`\hat{x}_{T+1}, \dots, \hat{x}_{T+\text{steps}}`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import ar_forecast
    >>> print(ar_forecast(np.array([4.0, 2.0]), np.array([0.5]), steps=3))
    [1.   0.5  0.25]
    """
    xp, p = array_namespace(x), phi.shape[0]
    _at_least_p(x, p)
    past = [x[x.shape[0] - p + i] for i in range(p)]     # x_{T-p+1}, ..., x_T
    out = []
    for _ in range(steps):
        nxt = c + sum(phi[i - 1] * past[-i] for i in range(1, p + 1))   # x̂_{T+h}
        out.append(nxt)
        past = [*past[1:], nxt]
    return xp.stack(out) if out else xp.zeros((0,), dtype=x.dtype)


# --- a state that summarises the past ------------------------------------------------------

@implements("seq.latent")
@params(step=Function("a callable (h_prev, x_t) -> h_t"), xs=Array(), h0=Array())
def latent_states(xs: Any, step: Callable[[Any, Any], Any], h0: Any) -> Any:
    r"""Run a latent autoregressive model: a state updated from the last state and input.

    .. math::

        h_t = g(h_{t-1}, x_t), \qquad
        p(x_{t+1} \mid x_1, \dots, x_t) \approx p(x_{t+1} \mid h_t)

    Equation id: ``seq.latent``. :math:`h_t` has a fixed size however long the
    prefix is; that is how the model escapes the fixed window of AR(p). A vanilla
    RNN is the case :math:`g(h, x) = \tanh(W_{hh} h + W_{xh} x + b_h)`; a linear
    :math:`g` gives :func:`linear_rnn`.

    Parameters
    ----------
    xs : array, shape ``(T, ...)``, T >= 1
        The inputs, time first.
    step : callable ``(h_prev, x_t) -> h_t``
        The update :math:`g`; it must return an array shaped like ``h0``.
    h0 : array
        The initial state :math:`h_0`.

    Returns
    -------
    array, shape ``(T, *h0.shape)``
        :math:`h_1, \dots, h_T`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import latent_states
    >>> running_max = lambda h, x: np.maximum(h, x)   # a state: the maximum so far
    >>> xs = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    >>> print(latent_states(xs, running_max, np.array(-np.inf)))
    [3. 3. 4. 4. 5.]
    """
    if xs.ndim == 0 or xs.shape[0] == 0:
        raise ShapeError(f"latent_states: `xs` must have a time axis with at least one step; "
                         f"got shape {tuple(xs.shape)}")
    h, states = h0, []
    for t in range(xs.shape[0]):
        h_new = step(h, xs[t, ...])                        # h_t = g(h_{t-1}, x_t)
        if tuple(h_new.shape) != tuple(h.shape):
            raise ShapeError(f"latent_states: `step` must return a state shaped like `h0` "
                             f"{tuple(h.shape)}; at t={t + 1} it returned {tuple(h_new.shape)}")
        states.append(h_new)
        h = h_new
    return array_namespace(xs).stack(states, axis=0)


# --- the linear RNN is an IIR filter ---------------------------------------------------------

@implements("seq.linear-rnn")
@params(a=Real(), b=Real(), xs=Floats("time", "batch?", nonempty="time"),
        h0=Floats("batch?", finite=True))
def linear_rnn(xs: Any, a: float, b: float, h0: Any = 0.0) -> Any:
    r"""A scalar linear RNN, which is exactly a first-order IIR filter.

    .. math::

        h_t = a\, h_{t-1} + b\, x_t, \qquad t = 1, \dots, T

    Equation id: ``seq.linear-rnn``. In signal-processing terms this is the
    recursive filter with transfer function :math:`H(z) = b / (1 - a z^{-1})`;
    :func:`linear_rnn_impulse_response` gives its impulse response. With
    :math:`|a| < 1` the state forgets geometrically; with :math:`|a| > 1` it grows
    without bound (returned as computed, inf once it overflows).

    Parameters
    ----------
    xs : array, shape ``(T,)`` or ``(T, batch)``
    a, b : float
        The recurrent and input weights.
    h0 : float or array of shape ``(batch,)``
        :math:`h_0`; 0 by default.

    Returns
    -------
    array, shape like ``xs``
        :math:`h_1, \dots, h_T`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import linear_rnn
    >>> print(linear_rnn(np.array([1.0, 0.0, 0.0, 0.0]), a=0.5, b=2.0))
    [2.   1.   0.5  0.25]
    """
    xp = array_namespace(xs)
    h = xp.broadcast_to(xp.asarray(h0, dtype=xs.dtype), tuple(xs.shape[1:]))
    states = []
    for t in range(xs.shape[0]):
        h = a * h + b * xs[t, ...]                          # h_t = a h_{t-1} + b x_t
        states.append(h)
    return xp.stack(states, axis=0)


@implements("seq.iir-impulse")
@params(a=Real(), b=Real(), length=Integer(ge=0))
def linear_rnn_impulse_response(a: float, b: float, length: int) -> np.ndarray:
    r"""The impulse response of :func:`linear_rnn`: what one input of 1 leaves behind.

    .. math::

        h_t = \sum_{k=0}^{t-1} g_k\, x_{t-k} + a^{t} h_0,
        \qquad g_k = b\, a^{k}, \quad k = 0, 1, 2, \dots

    Equation id: ``seq.iir-impulse``. Unrolling the recurrence writes every state
    as a convolution of the whole input history with :math:`g`; :math:`g_k \ne 0`
    for every :math:`k` when :math:`a \ne 0`, so the response is *infinitely long*
    (infinite impulse response, IIR), unlike a model that looks at a fixed window
    of :math:`p` inputs (finite impulse response, FIR).

    Parameters
    ----------
    a, b : float
    length : int, >= 0
        How many taps :math:`g_0, \dots, g_{\text{length}-1}` to return.

    Returns
    -------
    numpy.ndarray, shape ``(length,)``, float64

    Examples
    --------
    >>> from seqcore import linear_rnn_impulse_response
    >>> print(linear_rnn_impulse_response(0.5, 2.0, 5))
    [2.    1.    0.5   0.25  0.125]
    """
    return b * a ** np.arange(length, dtype=float)       # g_k = b a^k


# --- recommendation: the most probable next item ------------------------------------------

@implements("seq.next-item")
@params(probs=Floats("batch?", "vocab", nan=False), k=Integer(ge=1),
        exclude=TokenIds(lt="vocab", optional=True))
def next_items(probs: Any, k: int = 1, exclude: Sequence[int] | None = None) -> Any:
    r"""The ``k`` most probable next items: an argmax over the next-item distribution.

    .. math::

        \hat{y}_{t+1} = \operatorname*{arg\,max}_{y}\; P(y \mid x_1, \dots, x_t)

    Equation id: ``seq.next-item``. ``k = 1`` is the argmax itself; a list of
    recommendations is the ``k`` largest. Items in ``exclude`` (say, ones the user
    already bought) are never returned. Ties go to the smaller item id, so the
    result is deterministic. Any scores that are monotone in the probabilities
    (logits, for example) give the same answer.

    Parameters
    ----------
    probs : array, shape ``(V,)`` or ``(batch, V)``
        :math:`P(y \mid x_1, \dots, x_t)` for each of ``V`` items, or logits.
    k : int, 1 <= k <= V - len(exclude)
    exclude : sequence of int, optional
        Item ids to leave out.

    Returns
    -------
    integer array, shape ``(k,)`` or ``(batch, k)``
        Item ids, most probable first.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import next_items
    >>> p = np.array([0.1, 0.4, 0.3, 0.2])
    >>> print(next_items(p), next_items(p, k=2, exclude=[1]))
    [1] [2 3]
    """
    V, excluded = probs.shape[-1], sorted(set(exclude or ()))
    if k > V - len(excluded):
        raise ValueError(f"next_items: `k` must be an integer in [1, {V - len(excluded)}] "
                         f"(V={V} items, {len(excluded)} excluded); got {k}")
    xp = array_namespace(probs)
    order = xp.argsort(probs, axis=-1, descending=True, stable=True)   # ties: smaller id first
    if not excluded:
        return order[..., :k]
    # drop the excluded ids from each ranking and keep the order of the rest
    rows = order if order.ndim == 2 else order[None, :]
    picked = [[int(i) for i in rows[r, ...] if int(i) not in excluded][:k]
              for r in range(rows.shape[0])]
    out = xp.asarray(picked, dtype=order.dtype, device=array_api_compat.device(order))
    return out if order.ndim == 2 else out[0, ...]
