"""Statistical n-gram language models: counts, MLE and add-k smoothing, perplexity.

A sentence :math:`w_1 \\dots w_T` is padded with :math:`n-1` start symbols
``<s>`` and one end symbol ``</s>`` (the convention of Jurafsky & Martin), so
the model predicts every word *and* the end of the sentence, and every word
has a full context of :math:`n-1` words:

    bigram (n = 2):  ``<s> i study machine learning </s>``

Probabilities are computed from counts :math:`C(\\cdot)` over the padded
training sentences. Words never seen in training are mapped to ``<unk>``.
Pure Python and NumPy; log-probabilities are natural logarithms.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from ._trace import implements
from ._validate import Flag, Integer, Real, Text, Tokens, params

ORDER = Integer(ge=1)            # n: 1 = unigram, 2 = bigram, ...
SENTENCES = Tokens(nested=True, nonempty=True)

__all__ = ["BOS", "EOS", "UNK", "NGramLM", "ngram_counts", "ngrams"]

BOS, EOS, UNK = "<s>", "</s>", "<unk>"


def _ngrams(tokens: list[str], n: int, pad: bool) -> list[tuple[str, ...]]:
    seq = [BOS] * (n - 1) + tokens + [EOS] if pad else tokens
    return [tuple(seq[i:i + n]) for i in range(len(seq) - n + 1)]   # (w_i, ..., w_{i+n-1})


@params(tokens=Tokens(), n=ORDER, pad=Flag())
def ngrams(tokens: Sequence[str], n: int, pad: bool = True) -> list[tuple[str, ...]]:
    """The n-grams of one sentence, padded with ``n-1`` × ``<s>`` and one ``</s>``.

    Parameters
    ----------
    tokens : list of str
        One tokenized sentence (may be empty: its only n-gram then predicts ``</s>``).
    n : int
        >= 1.
    pad : bool
        Add the start and end symbols.

    Returns
    -------
    list of tuples of length n, one per predicted token (``len(tokens) + 1`` when padded)

    Examples
    --------
    >>> from seqcore import ngrams
    >>> ngrams(["i", "study", "ml"], 2)
    [('<s>', 'i'), ('i', 'study'), ('study', 'ml'), ('ml', '</s>')]
    >>> ngrams(["i", "study", "ml"], 3)[:2]
    [('<s>', '<s>', 'i'), ('<s>', 'i', 'study')]
    """
    return _ngrams(list(tokens), n, pad)


@params(sentences=Tokens(nested=True), n=ORDER, pad=Flag())
def ngram_counts(sentences: Iterable[Sequence[str]], n: int, pad: bool = True) -> Counter:
    """Count the n-grams of a corpus of tokenized sentences.

    Returns
    -------
    collections.Counter mapping n-gram tuples to counts :math:`C(w_{i-n+1} \\dots w_i)`

    Examples
    --------
    >>> from seqcore import ngram_counts
    >>> c = ngram_counts([["i", "study"], ["i", "sleep"]], 2)
    >>> c[("<s>", "i")], c[("i", "study")], c[("sleep", "</s>")]
    (2, 1, 1)
    """
    counts: Counter = Counter()
    for s in sentences:
        counts.update(_ngrams(list(s), n, pad))
    return counts


class NGramLM:
    r"""An n-gram language model fitted on tokenized sentences, with add-k smoothing.

    .. math::

        P(w_1, \dots, w_T) \approx
        \prod_{i=1}^{T+1} P\left(w_i \mid w_{i-n+1}, \dots, w_{i-1}\right),
        \qquad w_{T+1} = \texttt{</s>}

    Parameters
    ----------
    sentences : iterable of lists of str
        The training corpus, one tokenized sentence per item (at least one).
    n : int
        The order: 1 unigram, 2 bigram, 3 trigram... (>= 1).
    k : float
        Add-k smoothing constant (>= 0); ``k=0`` is the maximum-likelihood
        estimate (MLE), ``k=1`` Laplace (add-one) smoothing.
    vocab_size : int, optional
        :math:`V`, the number of outcomes smoothing spreads mass over. Default:
        the training word types plus ``</s>`` and ``<unk>`` (``<s>`` is never
        predicted).

    Attributes
    ----------
    vocab : set of str
        Training word types plus ``</s>``; anything else is scored as ``<unk>``.
    counts : Counter
        n-gram counts; ``context_counts`` counts each context as the prefix of an n-gram.

    Examples
    --------
    >>> from seqcore import NGramLM
    >>> corpus = [s.split() for s in ["i study machine learning", "i study math",
    ...                               "machine learning is fun"]]
    >>> lm = NGramLM(corpus, n=2)
    >>> lm.prob("study", ["i"]), lm.prob("machine", ["study"])
    (1.0, 0.5)
    >>> # 2/3 · 1 · 1/2 · 1 · 1/2
    >>> round(lm.sentence_probability("i study machine learning".split()), 4)
    0.1667
    """

    @params(sentences=SENTENCES, n=ORDER, k=Real(ge=0), vocab_size=Integer(ge=1, optional=True))
    def __init__(self, sentences: Iterable[Sequence[str]], n: int = 2, k: float = 0.0,
                 vocab_size: int | None = None) -> None:
        self.n, self.k = n, k
        sentences = [list(s) for s in sentences]
        self.vocab = {w for s in sentences for w in s} | {EOS}
        self.counts = ngram_counts(sentences, self.n)
        self.context_counts: Counter = Counter()
        for gram, c in self.counts.items():
            self.context_counts[gram[:-1]] += c       # C(context) = Σ_w C(context, w)
        # word types + </s> + <unk>, unless given
        self.vocab_size = len(self.vocab - {BOS, UNK}) + 1 if vocab_size is None else vocab_size

    def __repr__(self) -> str:
        return (f"NGramLM(n={self.n}, k={self.k:g}, {len(self.vocab)} types, "
                f"{sum(self.counts.values())} {self.n}-grams)")

    def _lookup(self, w: str) -> str:
        return w if w in self.vocab or w == BOS else UNK

    def _context(self, context: Sequence[str]) -> tuple[str, ...]:
        context = list(context)
        if len(context) < self.n - 1:
            raise ValueError(f"NGramLM.prob: `context` must hold the n-1 = {self.n - 1} previous "
                             f"words (pad with '<s>' at a sentence start); got {len(context)}")
        return tuple(self._lookup(w) for w in context[len(context) - (self.n - 1):]) \
            if self.n > 1 else ()

    @implements("ngram.mle", "ngram.add-k")
    @params(word=Text(), context=Tokens())
    def prob(self, word: str, context: Sequence[str] = ()) -> float:
        r"""The conditional probability of ``word`` after the last ``n-1`` words of ``context``.

        .. math::

            \begin{aligned}
            P_{\text{MLE}}(w_i \mid h) &= \frac{C(h\, w_i)}{C(h)}, \qquad
            h = w_{i-n+1} \dots w_{i-1} \\[0.5em]
            P_{\text{add-}k}(w_i \mid h) &= \frac{C(h\, w_i) + k}{C(h) + k V}
            \end{aligned}

        Equation ids: ``ngram.mle`` (``k = 0``) and ``ngram.add-k``.
        :math:`C(h)` counts the context as the start of an n-gram. Under MLE an
        unseen n-gram has probability 0, and so does any word after an
        unseen context (``0/0`` is defined as 0 here, as in ``nltk.lm.MLE``).

        Examples
        --------
        >>> from seqcore import NGramLM
        >>> lm = NGramLM([["a", "b"], ["a", "c"]], n=2, k=1)
        >>> lm.prob("b", ["a"])             # (1 + 1) / (2 + 1 * 5): V = {a, b, c, </s>, <unk>}
        0.2857142857142857
        """
        h = self._context(context)
        c_hw = self.counts[(*h, self._lookup(word))]
        c_h = self.context_counts[h]
        if self.k == 0:
            return c_hw / c_h if c_h else 0.0                      # C(h w) / C(h)
        return (c_hw + self.k) / (c_h + self.k * self.vocab_size)  # (C(h w) + k) / (C(h) + kV)

    def _padded_steps(self, tokens: Sequence[str]) -> list[tuple[tuple[str, ...], str]]:
        return [(g[:-1], g[-1]) for g in _ngrams(list(tokens), self.n, True)]

    @implements("lm.sentence-prob")
    @params(tokens=Tokens())
    def sentence_probability(self, tokens: Sequence[str]) -> float:
        r"""The probability of a whole sentence by the chain rule under the Markov assumption.

        .. math::

            P(w_1 \dots w_T) = \prod_{i=1}^{T+1} P\left(w_i \mid w_{i-n+1} \dots w_{i-1}\right)

        Equation id: ``lm.sentence-prob``, with :math:`n-1` ``<s>`` before
        :math:`w_1` and :math:`w_{T+1} =` ``</s>``. Products of many small
        numbers underflow to 0.0 for long sentences: compare sentences with
        :meth:`log_probability` instead.

        Examples
        --------
        >>> from seqcore import NGramLM
        >>> lm = NGramLM([["a", "b"], ["a", "c"]], n=2)
        >>> lm.sentence_probability(["a", "b"])      # P(a|<s>) P(b|a) P(</s>|b) = 1 * 0.5 * 1
        0.5
        """
        p = 1.0
        for h, w in self._padded_steps(tokens):
            p *= self.prob(w, h)                     # ∏ P(w_i | h_i)
        return p

    @implements("lm.log-prob")
    @params(tokens=Tokens())
    def log_probability(self, tokens: Sequence[str]) -> float:
        r"""The natural log of :meth:`sentence_probability`, as a sum of logs (no underflow).

        .. math::

            \ln P(w_1 \dots w_T)
            = \sum_{i=1}^{T+1} \ln P\left(w_i \mid w_{i-n+1} \dots w_{i-1}\right)

        Equation id: ``lm.log-prob``. A zero probability gives ``-inf`` (a
        documented value, never NaN).

        Examples
        --------
        >>> from seqcore import NGramLM
        >>> lm = NGramLM([["a", "b"], ["a", "c"]], n=2)
        >>> round(lm.log_probability(["a", "b"]), 4), lm.log_probability(["b", "a"])
        (-0.6931, -inf)
        """
        total = 0.0
        for h, w in self._padded_steps(tokens):
            p = self.prob(w, h)
            if p == 0.0:
                return -math.inf
            total += math.log(p)                     # Σ ln P(w_i | h_i)
        return total

    @implements("lm.perplexity")
    @params(sentences=SENTENCES)
    def perplexity(self, sentences: Iterable[Sequence[str]]) -> float:
        r"""Perplexity of a test corpus: the inverse probability per predicted token.

        .. math::

            \mathrm{PP}(W) = P(w_1 \dots w_N)^{-1/N}
            = \exp\left(-\frac{1}{N} \sum_{i=1}^{N} \ln P(w_i \mid w_{i-n+1} \dots w_{i-1})\right)

        Equation id: ``lm.perplexity``. :math:`N` counts every predicted token
        of every sentence, ``</s>`` included and ``<s>`` excluded. Lower is
        better; a model that spreads probability uniformly over :math:`V`
        outcomes has perplexity :math:`V`.

        Returns
        -------
        float
            ``inf`` if any token has probability 0 (an unseen n-gram under MLE).

        Examples
        --------
        >>> from seqcore import NGramLM
        >>> lm = NGramLM([["a", "b"], ["a", "c"]], n=2)
        >>> round(lm.perplexity([["a", "b"], ["a", "c"]]), 4)   # (1/2 * 1/2)^(-1/6)
        1.2599
        """
        total = sum(self.log_probability(s) for s in sentences)
        count = sum(len(s) + 1 for s in sentences)   # the words and </s>
        return math.exp(-total / count)              # exp(-(1/N) Σ ln P)
