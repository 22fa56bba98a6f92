"""Training a model on a token stream: batches, truncated BPTT, the loop, perplexity, checkpoints.

A **model** here is anything with

- ``loss_and_grads(params, inputs, targets, state) -> (loss, grads, state)``: the mean
  loss, a dict of gradients with the keys of ``params``, and the state to carry into
  the next chunk (``None`` for a model without one);
- ``forward(params, inputs, state) -> (logits, state)``;
- ``zero_state(batch, like)``: the initial state for ``batch`` sequences (or ``None``).

:class:`seqcore.RecurrentLM` is one. Parameters are a dict of named arrays; the
optimizers of :mod:`seqcore.optim` update such dicts.

Two ways to cut a stream :math:`x_0, x_1, \\dots, x_{N-1}` into batches of ``batch``
rows and ``steps`` time steps (inputs ``X`` and the next tokens ``Y`` as targets):

- **sequential**: the stream is cut into ``batch`` contiguous rows, and batch
  :math:`i` takes the columns :math:`iT \\dots iT + T - 1` of every row, so row
  :math:`b` of batch :math:`i+1` continues row :math:`b` of batch :math:`i`. The final
  state of one batch is the right initial state of the next: it is **carried**
  (its value, not its gradient: truncated BPTT).
- **random**: chunks of ``steps`` tokens at random places, shuffled; neighbouring rows
  of consecutive batches are unrelated, so the state is **reset** to zero for each batch.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import array_api_compat
import numpy as np

from ._trace import implements
from ._validate import (
    NO_DIMS,
    Domain,
    FilePath,
    Flag,
    Function,
    Integer,
    Ints,
    Named,
    Options,
    Real,
    Seed,
    Text,
    _kind,
    calling,
    params,
)
from .gradients import _global_norm, clip_grad_norm
from .optim import Optimizer

__all__ = [
    "bits_per_character",
    "evaluate_perplexity",
    "global_grad_norm",
    "load_checkpoint",
    "random_batches",
    "save_checkpoint",
    "sequential_batches",
    "stream_batches",
    "train",
]

PARTITIONS = ("sequential", "random")


# --- batches ------------------------------------------------------------------------------

#: A token stream: a non-empty 1-D sequence of integer ids, read on the host.
STREAM = Ints("tokens", host=True, nonempty="tokens")
#: How a stream is cut into (T, B) batches.
BATCHES = {"tokens": STREAM, "batch": Integer(ge=1), "steps": Integer(ge=1)}


@implements("train.sequential-batches")
@params(**BATCHES, offset=Integer(ge=0))
def sequential_batches(tokens: Any, batch: int, steps: int, offset: int = 0
                       ) -> list[tuple[np.ndarray, np.ndarray]]:
    r"""Cut a token stream into batches whose rows continue from one batch to the next.

    .. math::

        X^{(i)}_{t,b} = w_{o + bR + iT + t}, \qquad Y^{(i)}_{t,b} = w_{o + bR + iT + t + 1},
        \qquad R = \left\lfloor \frac{N - 1 - o}{B} \right\rfloor

    Equation id: ``train.sequential-batches``. Row :math:`b` is the stretch of
    :math:`R` tokens starting at :math:`o + bR` (``L`` in the code); batch :math:`i`
    holds its steps :math:`iT \dots iT + T - 1`, for
    :math:`i = 0 \dots \lfloor R/T \rfloor - 1`.
    The targets are the inputs shifted by one token. The last state of batch
    :math:`i` is therefore the state the network would have at the start of batch
    :math:`i + 1` if it had read the stream without stopping, with the weights of
    batch :math:`i` (an update between the two batches is not taken into account).

    Parameters
    ----------
    tokens : 1-D integer array
        The stream :math:`x_0 \dots x_{N-1}`.
    batch : int
        :math:`B`, rows per batch.
    steps : int
        :math:`T`, time steps per batch (the truncation length of BPTT).
    offset : int
        :math:`o \ge 0`, tokens skipped at the start (a new one each epoch varies
        where the chunks begin).

    Returns
    -------
    list of (X, Y)
        Time-major ``(T, B)`` int64 arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import sequential_batches
    >>> for X, Y in sequential_batches(np.arange(13), batch=2, steps=3):
    ...     print(X.T.tolist(), Y.T.tolist())             # rows as lists
    [[0, 1, 2], [6, 7, 8]] [[1, 2, 3], [7, 8, 9]]
    [[3, 4, 5], [9, 10, 11]] [[4, 5, 6], [10, 11, 12]]
    """
    ids, B, T = tokens, batch, steps
    L = (ids.size - 1 - offset) // B
    if L < T:
        raise ValueError(f"sequential_batches: `tokens` is too short: {ids.size} tokens give "
                         f"rows of {max(L, 0)} < `steps`={T} for batch={B}, offset={offset}; "
                         f"need at least batch·steps + offset + 1 = {B * T + offset + 1} tokens")
    rows_x = ids[offset:offset + B * L].reshape(B, L)               # row b starts at o + bL
    rows_y = ids[offset + 1:offset + 1 + B * L].reshape(B, L)
    return [(np.ascontiguousarray(rows_x[:, i * T:(i + 1) * T].T),
             np.ascontiguousarray(rows_y[:, i * T:(i + 1) * T].T)) for i in range(L // T)]


@params(**BATCHES, rng=Seed())
def random_batches(tokens: Any, batch: int, steps: int, rng: Any = None
                   ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Chunks of ``steps`` tokens from a random start, shuffled into batches of ``batch``.

    The stream is cut into chunks of ``steps`` tokens after a random offset in
    ``[0, steps)``; the chunks are shuffled and grouped ``batch`` at a time (the
    remainder is dropped). Rows of consecutive batches are unrelated, so a
    recurrent model starts each batch from the zero state.

    Parameters
    ----------
    tokens : 1-D integer array
    batch, steps : int
    rng : int, numpy.random.Generator or None

    Returns
    -------
    list of (X, Y)
        Time-major ``(steps, batch)`` int64 arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import random_batches
    >>> X, Y = random_batches(np.arange(20), batch=2, steps=4, rng=0)[0]
    >>> print(X.T.tolist(), Y.T.tolist())
    [[11, 12, 13, 14], [3, 4, 5, 6]] [[12, 13, 14, 15], [4, 5, 6, 7]]
    """
    ids, B, T, gen = tokens, batch, steps, np.random.default_rng(rng)   # a Generator passes
    offset = int(gen.integers(T))
    starts = np.arange(offset, ids.size - T, T)          # each chunk needs T + 1 tokens
    if starts.size < B:
        raise ValueError(f"random_batches: `tokens` is too short: {ids.size} tokens give "
                         f"{starts.size} chunks of `steps`={T} + 1, fewer than `batch`={B}")
    starts = gen.permutation(starts)
    out = []
    for i in range(starts.size // B):
        s = starts[i * B:(i + 1) * B]
        cols = s[None, :] + np.arange(T)[:, None]       # (T, B) positions
        out.append((ids[cols], ids[cols + 1]))
    return out


@params(**BATCHES, partition=Options(*PARTITIONS), seed=Seed())
def stream_batches(tokens: Any, batch: int, steps: int, partition: str = "sequential",
                   seed: int = 0) -> Iterator[tuple[np.ndarray, np.ndarray, bool]]:
    """Endless ``(X, Y, reset)`` over epochs; ``reset`` says: start from the zero state.

    Each epoch draws a new offset (sequential; drawn in ``[0, steps)`` once a row holds
    two batches' worth of tokens, else 0) or a new shuffle (random) from one generator
    seeded with ``seed``, so a run is reproducible. With ``"sequential"``
    the state is reset only at the start of an epoch; with ``"random"``, for every batch.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import stream_batches
    >>> it = stream_batches(np.arange(30), batch=2, steps=4, seed=0)
    >>> for X, _, reset in (next(it) for _ in range(5)):     # row 0; a new epoch resets
    ...     print(X[:, 0].tolist(), reset)
    [3, 4, 5, 6] True
    [7, 8, 9, 10] False
    [11, 12, 13, 14] False
    [2, 3, 4, 5] True
    [6, 7, 8, 9] False
    """
    # check now: an error from inside a generator would surface only at the first batch
    rng = np.random.default_rng(seed)
    first = _epoch(tokens, batch, steps, partition, rng)
    return _endless(first, tokens, batch, steps, partition, rng)


def _epoch(ids: np.ndarray, batch: int, steps: int, partition: str, rng: np.random.Generator):
    if partition == "random":
        return random_batches(ids, batch, steps, rng)
    offset = int(rng.integers(steps)) if (ids.size - 1) // batch >= 2 * steps else 0
    return sequential_batches(ids, batch, steps, offset)


def _endless(first, ids, batch, steps, partition, rng):
    batches = first
    while True:
        for i, (X, Y) in enumerate(batches):
            yield X, Y, partition == "random" or i == 0
        batches = _epoch(ids, batch, steps, partition, rng)


# --- measuring ----------------------------------------------------------------------------

@params(grads=Named())
def global_grad_norm(grads: Mapping[str, Any]) -> float:
    r"""The global L2 norm :math:`\sqrt{\sum_i \lVert g_i \rVert^2}` (inf or NaN if any is).

    The quantity :func:`seqcore.clip_grad_norm` caps; unlike it, this accepts
    non-finite gradients, to report a run that blew up. Finite entries beyond
    about 1e154, whose squares overflow, still give the exact norm.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import global_grad_norm
    >>> global_grad_norm({"a": np.array([3.0]), "b": np.array([[4.0]])})
    5.0
    """
    arrays = list(grads.values())
    xp = array_api_compat.array_namespace(*arrays)
    if not all(bool(xp.all(xp.isfinite(g))) for g in arrays):   # a run that blew up: as is
        return math.sqrt(sum(float(xp.sum(g * g)) for g in arrays))
    return float(_global_norm(xp, arrays))     # √(Σ ‖g_i‖²), exact where the squares overflow


@params(**BATCHES)
def evaluate_perplexity(model: Any, params: Mapping[str, Any], tokens: Any, batch: int = 16,
                        steps: int = 64) -> float:
    r"""Perplexity of ``model`` on a held-out stream: :math:`\exp` of the mean cross-entropy.

    The stream is cut into ``batch`` rows by :func:`sequential_batches` and read
    ``steps`` tokens at a time with the state carried (``lm.perplexity``). Each row
    starts from the zero state, so its first prediction has no context, and
    only whole batches are read: of the :math:`N - 1` targets,
    :math:`B T \lfloor R / T \rfloor` are scored (:math:`B` = ``batch``,
    :math:`T` = ``steps``, rows of :math:`R = \lfloor (N - 1)/B \rfloor`). The
    rest, fewer than :math:`B T` targets at the ends of the rows, is left out;
    on a short stream that is a noticeable share (the Korean validation text of
    the recorded runs: 5,120 of 5,927 targets, 86 %). ``batch=1`` leaves out
    fewer than ``steps`` targets. A stream too short for ``batch`` rows uses
    fewer rows.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import RecurrentLM, evaluate_perplexity
    >>> lm = RecurrentLM("gru", vocab_size=5, embed=3, hidden=4)
    >>> p = lm.init_params(seed=0)
    >>> p["W_hy"][:] = 0; p["b_y"][:] = 0                 # uniform predictions
    >>> round(evaluate_perplexity(lm, p, np.arange(40) % 5, batch=2, steps=8), 6)
    5.0
    """
    ids, T = tokens, steps
    B = max(1, min(batch, (ids.size - 1) // T))
    batches = sequential_batches(ids, B, T)
    like = next(iter(params.values()))
    state = model.zero_state(B, like)
    total, count = 0.0, 0
    for X, Y in batches:
        logits, state = model.forward(params, X, state)
        xp = array_api_compat.array_namespace(logits)
        lp = logits - xp.max(logits, axis=-1, keepdims=True)
        lp = lp - xp.log(xp.sum(xp.exp(lp), axis=-1, keepdims=True))   # log softmax
        Yx = xp.asarray(Y, device=array_api_compat.device(logits))
        picked = xp.take_along_axis(lp, Yx[..., None], axis=-1)
        total -= float(xp.sum(picked))
        count += Y.size
    return math.exp(total / count)


@implements("lm.bits-per-char")
@params(tokens=STREAM, characters=Integer(ge=1))
def bits_per_character(model: Any, params: Mapping[str, Any], tokens: Any,
                       characters: int) -> float:
    r"""Bits per character: the held-out text's negative log₂-likelihood over its characters.

    .. math::

        \operatorname{bpc}
        = -\frac{1}{N_{\text{char}}} \sum_{t=1}^{T} \log_2 p_\theta(u_t \mid u_0, \dots, u_{t-1})

    Equation id: ``lm.bits-per-char``. ``tokens`` is :math:`u_0, u_1, \dots, u_T`: the
    context token :math:`u_0` (the last unit before the held-out text) is read, not
    scored; each of :math:`u_1 \dots u_T` is predicted once, in one row, with the
    state carried from the start. Dividing by the number of characters
    :math:`N_{\text{char}}` instead of the number of units :math:`T` makes models
    with different units comparable: whatever the unit, the sum is the information
    the model needs to write that text (per token it is :math:`\log_2` of the
    perplexity).

    Parameters
    ----------
    model, params
        A model (``forward``, ``zero_state``) and its parameters.
    tokens : 1-D integer array
        The context id, then the ids of the held-out text.
    characters : int
        How many characters those units spell (>= 1).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import RecurrentLM, bits_per_character, evaluate_perplexity
    >>> lm = RecurrentLM("gru", vocab_size=4, embed=3, hidden=5)
    >>> p = lm.init_params(seed=0)
    >>> ids = np.array([0, 1, 2, 3, 2, 1, 0])             # the context, then 6 units
    >>> ppl = evaluate_perplexity(lm, p, ids, batch=1, steps=6)
    >>> bits = bits_per_character(lm, p, ids, characters=6)      # a character a unit
    >>> bool(np.isclose(bits, np.log2(ppl)))
    True
    >>> bool(np.isclose(bits_per_character(lm, p, ids, characters=12), bits / 2))
    True
    """
    if tokens.size < 2:
        raise ValueError(f"{calling()}: `tokens` is too short: it needs the context token "
                         f"and at least one token to predict; got {tokens.size}")
    predicted = tokens.size - 1
    perplexity = evaluate_perplexity(model, params, tokens, batch=1, steps=predicted)
    return math.log2(perplexity) * predicted / characters


# --- the loop -----------------------------------------------------------------------------

@dataclass
class TrainResult:
    """What :func:`train` returns: the trained parameters and the history of the run."""

    params: dict[str, Any]
    #: one entry per update: the loss before it, the gradient norm before clipping, the lr
    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    #: ``(step, {name: value})`` at every evaluation; step = updates done so far
    evals: list[tuple[int, dict[str, float]]] = field(default_factory=list)
    #: the update whose loss or gradient was not finite (the run stopped there), else None
    diverged_at: int | None = None
    seconds: float = 0.0


class _Instance(Domain):
    """An instance of a class (a :class:`~seqcore.Optimizer`)."""

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return f"a seqcore.{self.cls.__name__}"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if not isinstance(value, self.cls):
            raise self.fail(TypeError, func, name, _kind(value))
        return value


@params(steps=Integer(ge=1), optimizer=_Instance(Optimizer),
        schedule=Function("a callable step -> learning rate", optional=True),
        clip=Real(gt=0, optional=True),
        evaluate=Function("a callable params -> {name: value}", optional=True),
        eval_every=Integer(ge=0), progress=Flag(), desc=Text())
def train(model: Any, params: Mapping[str, Any],
          batches: Iterable[tuple[Any, Any, bool]], *, steps: int, optimizer: Optimizer,
          schedule: Callable[[int], float] | None = None, clip: float | None = None,
          evaluate: Callable[[dict[str, Any]], dict[str, float]] | None = None,
          eval_every: int = 0, progress: bool = True, desc: str = "train") -> TrainResult:
    """Train ``model`` for ``steps`` updates; record loss, gradient norm, lr and evaluations.

    One update: the loss and gradients of a batch from the carried state (or the
    zero state when the batch says ``reset``), the global gradient norm, clipping
    to ``clip`` if given (:func:`seqcore.clip_grad_norm`), the learning rate of
    ``schedule(step)`` if given, and the optimizer's step. A loss or gradient
    that is not finite stops the run (``diverged_at``). ``evaluate(params)`` runs
    every ``eval_every`` updates and after the last.

    Parameters
    ----------
    model
        Has ``loss_and_grads`` and ``zero_state`` (see the module's docstring).
    params : dict of arrays
        The initial parameters (not modified).
    batches : iterable of (X, Y, reset)
        E.g. :func:`stream_batches`.
    steps : int
        Number of updates.
    optimizer : a seqcore Optimizer
    schedule : callable, optional
        ``schedule(step) -> lr`` for update ``step`` (from 0).
    clip : float, optional
        The global-norm threshold.
    evaluate : callable, optional
    eval_every : int
        0: evaluate only at the end.
    progress : bool
        Draw a progress bar (tqdm) on stderr.
    desc : str
        The progress bar's label.

    Returns
    -------
    result : a TrainResult
        The parameters after the last update, and the history of the run.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import Optimizer, RecurrentLM, stream_batches, train
    >>> lm = RecurrentLM("rnn", vocab_size=4, embed=3, hidden=8)
    >>> text = np.array([0, 1, 2, 3] * 50)                 # a pattern to learn
    >>> run = train(lm, lm.init_params(seed=0), stream_batches(text, 4, 8), steps=60,
    ...             optimizer=Optimizer("adam", lr=0.05), progress=False)
    >>> print(round(run.loss[0], 2), round(run.loss[-1], 4))
    1.46 0.0006
    """
    from tqdm.auto import tqdm

    params = dict(params)
    like = next(iter(params.values()))
    result = TrainResult(params=params)
    start = time.perf_counter()
    state, it = None, iter(batches)
    bar = tqdm(total=steps, desc=desc, disable=not progress, leave=False)
    for step in range(steps):
        X, Y, reset = next(it)
        if reset or state is None:
            state = model.zero_state(int(X.shape[1]), like)
        loss, grads, state = model.loss_and_grads(params, X, Y, state)
        loss, norm = float(loss), global_grad_norm(grads)
        result.loss.append(loss)
        result.grad_norm.append(norm)
        if not (math.isfinite(loss) and math.isfinite(norm)):
            result.diverged_at = step
            break
        if clip is not None:
            grads, _ = clip_grad_norm(grads, clip)
        lr = schedule(step) if schedule is not None else optimizer.lr
        result.lr.append(lr)
        params = optimizer.step(params, grads, lr=lr)
        if evaluate is not None and eval_every and (step + 1) % eval_every == 0 \
                and step + 1 < steps:
            result.evals.append((step + 1, evaluate(params)))
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.3f}")
    bar.close()
    if evaluate is not None and result.diverged_at is None:
        result.evals.append((steps, evaluate(params)))
    result.params = params
    result.seconds = time.perf_counter() - start
    return result


# --- checkpoints --------------------------------------------------------------------------

@params(path=FilePath(".npz"), params=Named())
def save_checkpoint(path: str | Path, params: Mapping[str, Any],
                    meta: Mapping[str, Any] | None = None) -> Path:
    """Write the parameters (and JSON-able ``meta``) to an ``.npz`` file; return its path.

    Torch tensors are saved as NumPy arrays. The names are the parameter names.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from seqcore import load_checkpoint, save_checkpoint
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "w.npz"
    >>> _ = save_checkpoint(path, {"W": np.eye(2)}, meta={"step": 3})
    >>> params, meta = load_checkpoint(path)
    >>> print(params["W"].tolist(), meta)
    [[1.0, 0.0], [0.0, 1.0]] {'step': 3}
    """
    func = calling()
    if "__meta__" in params:
        raise ValueError(f"{func}: `params` must not use the reserved name '__meta__'")
    arrays = {}
    for name, value in params.items():
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        arrays[name] = np.asarray(value)
    try:
        text = json.dumps(dict(meta or {}))
    except TypeError as err:
        raise TypeError(f"{func}: `meta` must be JSON-serializable ({err})") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, __meta__=np.asarray(text), **arrays)
    return path


@params(path=FilePath(), like=Named(optional=True))
def load_checkpoint(path: str | Path, like: Mapping[str, Any] | None = None
                    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a checkpoint written by :func:`save_checkpoint`: ``(params, meta)``.

    With ``like`` (e.g. ``model.init_params(...)``), the names, shapes and dtypes
    must match it: a checkpoint of another model is refused with the differences
    named, instead of failing later inside a matrix product.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from seqcore import load_checkpoint, save_checkpoint
    >>> path = save_checkpoint(pathlib.Path(tempfile.mkdtemp()) / "w.npz", {"W": np.eye(2)})
    >>> load_checkpoint(path, like={"W": np.zeros((3, 3))})
    Traceback (most recent call last):
    ...
    ValueError: load_checkpoint: ... W: (2, 2) float64 (expected (3, 3) float64)
    """
    func = calling()
    if not path.is_file():
        raise FileNotFoundError(f"{func}: no checkpoint at {str(path)!r}")
    with np.load(path, allow_pickle=False) as data:
        try:
            params = {k: data[k] for k in data.files if k != "__meta__"}
        except ValueError:   # an object array: unpickling it could run code from the file
            raise ValueError(f"{func}: {str(path)!r} holds pickled Python objects; a "
                             "checkpoint holds plain arrays only") from None
        meta = json.loads(str(data["__meta__"])) if "__meta__" in data.files else {}
    if like is not None:
        missing, extra = sorted(set(like) - set(params)), sorted(set(params) - set(like))
        if missing or extra:
            raise KeyError(f"{func}: {str(path)!r} holds other parameters than expected: "
                           f"missing {missing}, unexpected {extra}")
        wrong = [f"{k}: {params[k].shape} {params[k].dtype} (expected "
                 f"{tuple(like[k].shape)} {like[k].dtype})" for k in like
                 if tuple(params[k].shape) != tuple(like[k].shape)
                 or str(params[k].dtype) != str(like[k].dtype).removeprefix("torch.")]
        if wrong:
            raise ValueError(f"{func}: {str(path)!r} does not fit the model: " + "; ".join(wrong))
    return params, meta
