"""Word2Vec skip-gram with negative sampling (SGNS): the loss, its gradients, a small trainer.

Notation: :math:`v_c` is the *input* ("center") vector of word :math:`c`, a row
of :math:`W_{\\text{in}}`; :math:`u_o` is the *output* ("context") vector of
word :math:`o`, a row of :math:`W_{\\text{out}}`. The embedding one keeps is
:math:`W_{\\text{in}}` (gensim's ``wv.vectors``; its :math:`W_{\\text{out}}` is
``syn1neg``).

The loss and gradients take NumPy arrays or torch tensors; the trainer is
NumPy only (it scatters updates with ``np.add.at``) and is small on purpose:
it is meant for corpora of a few hundred thousand tokens.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from ._trace import implements
from ._validate import Counts, Flag, Floats, Integer, Ints, Real, Tokens, calling, params
from .activations import softmax
from .embeddings import WordVectors

__all__ = [
    "noise_distribution",
    "sgns_gradients",
    "sgns_loss",
    "skipgram_pairs",
    "skipgram_softmax",
    "subsample_keep_probability",
    "train_skipgram",
]


def _sigmoid(xp: Any, x: Any) -> Any:
    # σ(x) from e = exp(-|x|) ≤ 1 on both branches, so nothing overflows
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _log_sigmoid(xp: Any, x: Any) -> Any:
    # log σ(x) = min(x, 0) − log(1 + e^{−|x|}): finite for any x
    return xp.minimum(x, xp.zeros_like(x)) - xp.log1p(xp.exp(-xp.abs(x)))


@implements("word2vec.skipgram-softmax")
@params(U=Floats("vocab", "dim"), v_c=Floats("batch?", "dim"))
def skipgram_softmax(v_c: Any, U: Any) -> Any:
    r"""The full-softmax skip-gram model: :math:`P(o \mid c)` for every word ``o``.

    .. math::

        P(o \mid c) = \frac{\exp(u_o^{\top} v_c)}{\sum_{w=1}^{V} \exp(u_w^{\top} v_c)}

    Equation id: ``word2vec.skipgram-softmax``. The denominator runs over the
    whole vocabulary, which is why Word2Vec replaces this by negative sampling
    (:func:`sgns_loss`) for real vocabularies.

    Parameters
    ----------
    v_c : array, shape ``(d,)`` or ``(batch, d)``
        Input vector(s) of the center word(s).
    U : array, shape ``(V, d)``
        All output vectors :math:`u_1, \dots, u_V`.

    Returns
    -------
    array, shape ``(V,)`` or ``(batch, V)``: a distribution over the vocabulary.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import skipgram_softmax
    >>> U = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    >>> print(skipgram_softmax(np.array([2.0, 0.0]), U).round(4))
    [0.8668 0.1173 0.0159]
    """
    return softmax(v_c @ U.T, axis=-1)          # p(o | c) = softmax(U v_c)_o


#: The center vector, its true context vector and K noise vectors (one row of a batch or many).
SGNS = {"v": Floats("batch?", "dim"), "u_pos": Floats("batch?", "dim"),
        "u_neg": Floats("batch?", "negative", "dim")}
#: Word counts: non-negative, at least one word, not all zero.
COUNTS = Counts("vocab", nonempty="vocab")
POSITIVE = Integer(ge=1)


def _scores(xp: Any, v: Any, u_pos: Any, u_neg: Any) -> tuple[Any, Any]:
    s_pos = xp.sum(u_pos * v, axis=-1)                       # u_o · v_c
    s_neg = xp.sum(u_neg * v[..., None, :], axis=-1)         # u_k · v_c, k = 1..K
    return s_pos, s_neg


@implements("word2vec.sgns-loss")
@params(**SGNS)
def sgns_loss(v: Any, u_pos: Any, u_neg: Any) -> Any:
    r"""Skip-gram negative-sampling loss of (center, context) pairs with ``K`` noise words.

    .. math::

        \mathcal{L}(c, o) = -\log \sigma\left(u_o^{\top} v_c\right)
        - \sum_{k=1}^{K} \log \sigma\left(-u_{n_k}^{\top} v_c\right)

    Equation id: ``word2vec.sgns-loss`` (Mikolov et al., 2013). The true pair
    should score high, the ``K`` words drawn from the noise distribution
    (:func:`noise_distribution`) low. :math:`\log\sigma` is computed in a
    stable form, so huge scores give a finite loss.

    Parameters
    ----------
    v : array, shape ``(d,)`` or ``(batch, d)``
        Input vectors :math:`v_c` of the center words.
    u_pos : array, same shape as ``v``
        Output vectors :math:`u_o` of the observed context words.
    u_neg : array, shape ``(K, d)`` or ``(batch, K, d)``
        Output vectors :math:`u_{n_1}, \dots, u_{n_K}` of the noise words.

    Returns
    -------
    array, shape ``()`` or ``(batch,)``: one loss per pair (not averaged).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import sgns_loss
    >>> v = np.array([1.0, 0.0]); u_o = np.array([2.0, 0.0])
    >>> u_neg = np.array([[-1.0, 0.0], [0.0, 3.0]])
    >>> print(round(float(sgns_loss(v, u_o, u_neg)), 4))  # -log σ(2) - log σ(1) - log σ(0)
    1.1333
    """
    xp = array_namespace(v)
    s_pos, s_neg = _scores(xp, v, u_pos, u_neg)
    return -_log_sigmoid(xp, s_pos) - xp.sum(_log_sigmoid(xp, -s_neg), axis=-1)


@implements("word2vec.sgns-grad")
@params(**SGNS)
def sgns_gradients(v: Any, u_pos: Any, u_neg: Any) -> tuple[Any, Any, Any]:
    r"""The gradients of :func:`sgns_loss`, written out by hand.

    .. math::

        \begin{aligned}
        \frac{\partial \mathcal{L}}{\partial v_c} &=
            \left(\sigma(u_o^{\top} v_c) - 1\right) u_o
            + \sum_{k=1}^{K} \sigma(u_{n_k}^{\top} v_c)\, u_{n_k} \\
        \frac{\partial \mathcal{L}}{\partial u_o} &= \left(\sigma(u_o^{\top} v_c) - 1\right) v_c \\
        \frac{\partial \mathcal{L}}{\partial u_{n_k}} &= \sigma(u_{n_k}^{\top} v_c)\, v_c
        \end{aligned}

    Equation id: ``word2vec.sgns-grad``. They follow from
    :math:`\frac{d}{dx}\log\sigma(x) = 1 - \sigma(x)` and
    :math:`\sigma(-x) = 1 - \sigma(x)`. In a batch each row is one pair's
    gradient; a word that occurs in several pairs collects the sum of its rows.

    Parameters
    ----------
    v, u_pos, u_neg
        As in :func:`sgns_loss`.

    Returns
    -------
    grad_v, grad_u_pos, grad_u_neg : arrays shaped like ``v``, ``u_pos``, ``u_neg``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import sgns_gradients
    >>> gv, go, gn = sgns_gradients(np.array([1.0, 0.0]), np.array([0.0, 1.0]),
    ...                             np.array([[1.0, 0.0]]))
    >>> print(gv.round(4), go.round(4), gn.round(4))
    [ 0.7311 -0.5   ] [-0.5 -0. ] [[0.7311 0.    ]]
    """
    xp = array_namespace(v)
    s_pos, s_neg = _scores(xp, v, u_pos, u_neg)
    g_pos = _sigmoid(xp, s_pos) - 1                 # dL/d(u_o·v) = σ(u_o·v) − 1
    g_neg = _sigmoid(xp, s_neg)                     # dL/d(u_k·v) = σ(u_k·v)
    grad_v = g_pos[..., None] * u_pos + xp.sum(g_neg[..., None] * u_neg, axis=-2)
    grad_u_pos = g_pos[..., None] * v
    grad_u_neg = g_neg[..., None] * v[..., None, :]
    return grad_v, grad_u_pos, grad_u_neg


def _some(counts: np.ndarray) -> np.ndarray:
    if counts.sum() == 0:
        raise ValueError(f"{calling()}: `counts` must not all be zero")
    return counts


@implements("word2vec.noise")
@params(counts=COUNTS, power=Real(ge=0))
def noise_distribution(counts: Any, power: float = 0.75) -> np.ndarray:
    r"""The distribution negative samples are drawn from: unigram counts to the power 3/4.

    .. math::

        P_n(w) = \frac{\operatorname{count}(w)^{3/4}}{\sum_{w'} \operatorname{count}(w')^{3/4}}

    Equation id: ``word2vec.noise``. The exponent :math:`3/4` (``power``)
    flattens the unigram distribution: rare words are drawn more often than
    their frequency, frequent ones less. NumPy only.

    Parameters
    ----------
    counts : array-like, shape ``(V,)``
        Word counts, ≥ 0, not all zero.
    power : float
        The exponent; 0.75 in the paper and in gensim (``ns_exponent``).

    Returns
    -------
    ndarray, shape ``(V,)``, summing to 1.

    Examples
    --------
    >>> from seqcore import noise_distribution
    >>> print(noise_distribution([81, 16, 1]).round(4))     # 27 : 8 : 1
    [0.75   0.2222 0.0278]
    """
    w = _some(counts) ** power                      # count(w)^α, then normalized
    return w / w.sum()


@implements("word2vec.subsample")
@params(counts=COUNTS, sample=Real(ge=0, lt=1))
def subsample_keep_probability(counts: Any, sample: float = 1e-3) -> np.ndarray:
    r"""Probability of keeping each occurrence of a word when frequent words are subsampled.

    .. math::

        p_{\text{keep}}(w) = \min\left(1,\;
        \left(\sqrt{\frac{f(w)}{t}} + 1\right) \frac{t}{f(w)}\right),
        \qquad f(w) = \frac{\operatorname{count}(w)}{\sum_{w'} \operatorname{count}(w')}

    Equation id: ``word2vec.subsample``. This is the rule of the original C
    code and of gensim (``sample`` = :math:`t`); the paper states the simpler
    :math:`1 - \sqrt{t / f(w)}` as the probability of *dropping*. Words rarer
    than about :math:`2.6\,t` are always kept. ``sample=0`` keeps everything.
    NumPy only.

    Parameters
    ----------
    counts : array-like, shape ``(V,)``
        Counts of the words of the vocabulary (after ``min_count``).
    sample : float
        The threshold :math:`t`, in ``[0, 1)``.

    Returns
    -------
    ndarray, shape ``(V,)``, values in ``(0, 1]``.

    Examples
    --------
    >>> from seqcore import subsample_keep_probability
    >>> print(subsample_keep_probability([500, 300, 150, 50], sample=0.05).round(4))
    [0.4162 0.5749 0.9107 1.    ]
    """
    c = _some(counts)
    if sample == 0:
        return np.ones_like(c)
    threshold = sample * c.sum()                    # t · N, so f(w)/t = count/threshold
    with np.errstate(divide="ignore"):
        keep = (np.sqrt(c / threshold) + 1) * (threshold / c)
    return np.minimum(keep, 1.0)


@params(ids=Ints(host=True), window=POSITIVE, shrink=Ints(optional=True, host=True))
def skipgram_pairs(ids: Sequence[int], window: int, shrink: np.ndarray | None = None
                   ) -> np.ndarray:
    r"""All (center, context) pairs of one sentence: context within ``window`` positions.

    With ``shrink`` (one integer ``b_t`` in ``[0, window)`` per position), the
    window of position :math:`t` is :math:`m - b_t`, as in Word2Vec, which
    samples ``b_t`` uniformly so that near neighbours count more often.

    Parameters
    ----------
    ids : sequence of int, length ``T``
    window : int, ≥ 1
    shrink : integer array, shape ``(T,)``, optional

    Returns
    -------
    ndarray of int, shape ``(pairs, 2)``: columns center, context.

    Examples
    --------
    >>> from seqcore import skipgram_pairs
    >>> skipgram_pairs([10, 11, 12], window=1).tolist()
    [[10, 11], [11, 10], [11, 12], [12, 11]]
    """
    ids = ids.astype(np.int64, copy=False).reshape(-1)
    T = ids.size
    reach = np.full(T, window) if shrink is None else window - shrink
    if reach.shape != (T,) or (reach < 1).any() or (reach > window).any():
        raise ValueError(f"skipgram_pairs: `shrink` must hold {T} integers in [0, {window - 1}]")
    pos = np.arange(T)
    out = []
    for offset in range(-window, window + 1):
        if offset == 0:
            continue
        ctx = pos + offset
        ok = (ctx >= 0) & (ctx < T) & (abs(offset) <= reach)
        out.append(np.stack([pos[ok], ctx[ok]], axis=1))
    pairs = np.concatenate(out)                       # window >= 1: two offsets at least
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))   # by center, then context position
    return ids[pairs[order]]


@params(sentences=Tokens(nested=True), dim=POSITIVE, window=POSITIVE, negative=POSITIVE,
        epochs=POSITIVE, alpha=Real(gt=0), min_alpha=Real(gt=0, le="alpha"),
        min_count=POSITIVE, sample=Real(ge=0, lt=1), batch_size=POSITIVE, seed=Integer(ge=0),
        progress=Flag(), stop_after=Integer(ge=1, le="epochs", optional=True))
def train_skipgram(sentences: Iterable[Sequence[str]], dim: int = 100, window: int = 5,
                   negative: int = 5, epochs: int = 5, alpha: float = 0.025,
                   min_alpha: float = 1e-4, min_count: int = 5, sample: float = 1e-3,
                   batch_size: int = 256, seed: int = 0, progress: bool = True,
                   stop_after: int | None = None) -> tuple[Any, list[float]]:
    r"""Train skip-gram with negative sampling on tokenized sentences (NumPy, CPU).

    The same recipe as Word2Vec / gensim (``sg=1``, ``hs=0``): a vocabulary of
    the words seen at least ``min_count`` times, sorted by count; frequent
    words subsampled (:func:`subsample_keep_probability`) anew in every epoch;
    a window shrunk at random per position (:func:`skipgram_pairs`); ``negative``
    noise words per pair from :func:`noise_distribution`; input vectors
    initialised uniformly in :math:`\pm 0.5 / d`, output vectors at zero; a
    learning rate falling linearly from ``alpha`` to ``min_alpha``. The updates
    are :func:`sgns_gradients`, applied to shuffled mini-batches of pairs
    (gensim applies them one pair at a time, in corpus order, on several
    threads).

    Parameters
    ----------
    sentences : iterable of sequences of str
    dim, window, negative, epochs, alpha, min_alpha, min_count, sample
        As in gensim's ``Word2Vec`` (``vector_size`` is ``dim``).
    batch_size : int
        Pairs per update.
    seed : int
        Seeds everything; the same seed gives the same vectors.
    progress : bool
        Show a tqdm progress bar (on stderr); ``False`` silences it.
    stop_after : int, optional
        Stop after this many epochs, with the learning rate still scheduled over
        ``epochs``: the first epochs of the full run, exactly (a recorded run's
        reproducibility check re-runs its first epoch this way).

    Returns
    -------
    vectors : a WordVectors table
        The input vectors :math:`W_{\text{in}}` with their words.
    losses : list of float
        The mean :func:`sgns_loss` per pair in each epoch.

    Examples
    --------
    >>> from seqcore import train_skipgram
    >>> corpus = [["the", "cat", "sat"], ["the", "dog", "sat"]] * 50
    >>> wv, losses = train_skipgram(corpus, dim=8, window=2, epochs=3, min_count=1,
    ...                             sample=0, seed=0, progress=False)
    >>> print(wv.words, len(losses), losses[-1] < losses[0])
    ['the', 'sat', 'cat', 'dog'] 3 True
    """
    from tqdm.auto import tqdm

    counts = Counter(t for s in sentences for t in s)
    # sorted by count, ties in order of first appearance (Counter keeps insertion order)
    words = [w for w, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n >= min_count]
    if not words:
        raise ValueError(f"train_skipgram: no word occurs `min_count`={min_count} times "
                         f"(the corpus has {sum(counts.values())} tokens)")
    index = {w: i for i, w in enumerate(words)}
    freq = np.array([counts[w] for w in words], dtype=np.float64)
    keep_p = subsample_keep_probability(freq, sample)
    noise_cdf = np.cumsum(noise_distribution(freq))
    corpus = [np.array([index[t] for t in s if t in index], dtype=np.int64) for s in sentences]

    rng = np.random.default_rng(seed)
    V = len(words)
    W_in = ((rng.random((V, dim)) - 0.5) / dim).astype(np.float32)
    W_out = np.zeros((V, dim), dtype=np.float32)
    losses: list[float] = []
    bar = tqdm(total=epochs, desc="skip-gram", unit="epoch", disable=not progress)
    for epoch in range(epochs if stop_after is None else stop_after):
        chunks = []
        for ids in corpus:
            kept = ids[rng.random(ids.size) < keep_p[ids]]
            if kept.size > 1:
                chunks.append(skipgram_pairs(kept, window, rng.integers(0, window, kept.size)))
        pairs = np.concatenate(chunks) if chunks else np.empty((0, 2), dtype=np.int64)
        pairs = pairs[rng.permutation(len(pairs))]
        total = 0.0
        for start in range(0, len(pairs), batch_size):
            c, o = pairs[start:start + batch_size, 0], pairs[start:start + batch_size, 1]
            neg = np.searchsorted(noise_cdf, rng.random((c.size, negative)) * noise_cdf[-1])
            neg = np.minimum(neg, V - 1)
            # linear decay over the whole run: progress = (epoch + share of this epoch) / epochs
            lr = alpha - (alpha - min_alpha) * (epoch + start / len(pairs)) / epochs
            v, u_o, u_n = W_in[c], W_out[o], W_out[neg]
            total += float(np.sum(sgns_loss(v, u_o, u_n)))
            g_v, g_o, g_n = sgns_gradients(v, u_o, u_n)
            np.add.at(W_in, c, -lr * g_v)              # a word in several pairs: sum of rows
            np.add.at(W_out, o, -lr * g_o)
            np.add.at(W_out, neg.reshape(-1), -lr * g_n.reshape(-1, dim))
        losses.append(total / max(len(pairs), 1))
        bar.update(1)
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
    bar.close()
    if not math.isfinite(losses[-1]):
        raise FloatingPointError(f"train_skipgram: the loss diverged; lower `alpha` (was "
                                 f"{alpha})")
    return WordVectors(words, W_in), losses
