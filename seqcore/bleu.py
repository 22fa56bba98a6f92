r"""BLEU (Papineni et al., 2002): corpus-level modified n-gram precision and a brevity penalty.

Corpus BLEU adds the clipped n-gram matches and the n-gram counts of *all*
hypotheses before dividing (a micro-average), and compares the total hypothesis
length with the total of each hypothesis's closest reference length. Tokens are
whatever the caller splits into (words, or characters for the date task of
:mod:`seqcore.dates`); nothing here tokenizes.

The reference implementation is ``nltk.translate.bleu_score.corpus_bleu`` with
uniform weights; ``smoothing="epsilon"`` is its ``SmoothingFunction().method1``
(a precision :math:`p_n`, :math:`n \ge 2`, with no match gets
:math:`\epsilon / \text{count}`; no unigram match still gives 0). Where the two
differ, by design: a hypothesis shorter than :math:`n` has no :math:`n`-gram, and
here it adds nothing to :math:`p_n`'s denominator (Papineni's definition), while
NLTK adds 1 for it; and a precision of 0 without smoothing gives BLEU exactly 0,
where NLTK returns about :math:`10^{-77}` (it replaces the 0 by the smallest float).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from ._trace import implements
from ._validate import NO_DIMS, Domain, Integer, Options, Real, Tokens, _kind, params, str_tokens

__all__ = ["brevity_penalty", "corpus_bleu", "modified_precision"]


class _References(Domain):
    """For each hypothesis, a non-empty list of reference token lists."""

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "a list holding, for each hypothesis, a non-empty list of references (lists " \
               "of str tokens)"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            raise self.fail(TypeError, func, name, _kind(value))
        out = []
        for i, refs in enumerate(value):
            if isinstance(refs, str) or not isinstance(refs, Sequence) or not refs:
                raise self.fail(TypeError, func, f"{name}[{i}]",
                                "an empty list" if isinstance(refs, Sequence) and not
                                isinstance(refs, str) else _kind(refs))
            out.append([str_tokens(func, f"{name}[{i}][{k}]", r) for k, r in enumerate(refs)])
        return out


REFERENCES = _References()


def _same_length(func: str, hypotheses: list, references: list) -> None:
    if len(references) != len(hypotheses):
        raise ValueError(f"{func}: `references` must hold one list of references per "
                         f"hypothesis, {len(hypotheses)}; got {len(references)}")


def _closest(h: int, refs: Sequence[Sequence[str]]) -> int:
    """The reference length closest to ``h``; the shorter one on a tie."""
    return min((len(ref) for ref in refs), key=lambda m: (abs(m - h), m))


def _ngrams(tokens: Sequence[str], n: int) -> Counter:
    return Counter(tuple(tokens[k:k + n]) for k in range(len(tokens) - n + 1))


@implements("bleu.precision")
@params(hypotheses=Tokens(nested=True), references=REFERENCES, n=Integer(ge=1))
def modified_precision(hypotheses: Sequence[Sequence[str]],
                       references: Sequence[Sequence[Sequence[str]]],
                       n: int) -> tuple[int, int]:
    r"""The corpus's clipped :math:`n`-gram matches and its :math:`n`-gram count.

    .. math::

        p_n = \frac{\sum_{\hat y} \sum_{g \in \hat y}
                \min\bigl(\operatorname{count}_{\hat y}(g),\;
                \max_{r \in R(\hat y)} \operatorname{count}_{r}(g)\bigr)}
              {\sum_{\hat y} \sum_{g \in \hat y} \operatorname{count}_{\hat y}(g)}

    Equation id: ``bleu.precision``. :math:`g` runs over the distinct
    :math:`n`-grams of hypothesis :math:`\hat y` and :math:`R(\hat y)` are its
    references. Clipping stops a hypothesis from scoring by repeating a word the
    reference has once ("the the the").

    Returns
    -------
    (matches, total) : tuple of int
        :math:`p_n`'s numerator and denominator (the denominator may be 0).

    Examples
    --------
    >>> from seqcore import modified_precision
    >>> modified_precision([["the"] * 7], [[["the", "cat", "is", "on", "the", "mat"]]], 1)
    (2, 7)
    """
    _same_length("modified_precision", hypotheses, references)
    matches = total = 0
    for hyp, refs in zip(hypotheses, references, strict=True):
        counts = _ngrams(hyp, n)
        # the most times each n-gram occurs in any one reference: its clip
        clip = Counter()
        for ref in refs:
            clip |= _ngrams(ref, n)
        matches += sum(min(c, clip[g]) for g, c in counts.items())
        total += sum(counts.values())
    return matches, total


@implements("bleu.brevity")
@params(hyp_length=Integer(ge=0), ref_length=Integer(ge=0))
def brevity_penalty(hyp_length: int, ref_length: int) -> float:
    r"""The brevity penalty: short hypotheses lose, long ones are left to the precisions.

    .. math::

        \mathrm{BP} = \begin{cases} 1 & c > r \\ e^{\,1 - r/c} & 0 < c \le r \\
                      0 & c = 0 \end{cases}

    Equation id: ``bleu.brevity``. :math:`c` is the total hypothesis length and
    :math:`r` the sum, over hypotheses, of the reference length closest to each
    (the shorter one on a tie). Precision alone would reward a hypothesis that
    says only the words it is sure of.

    Examples
    --------
    >>> from seqcore import brevity_penalty
    >>> brevity_penalty(12, 10), round(brevity_penalty(8, 10), 4)
    (1.0, 0.7788)
    """
    c, r = hyp_length, ref_length
    if c > r:
        return 1.0
    return 0.0 if c == 0 else math.exp(1.0 - r / c)


@implements("bleu.score")
@params(hypotheses=Tokens(nested=True), references=REFERENCES, max_n=Integer(ge=1),
        smoothing=Options("none", "epsilon"), epsilon=Real(gt=0))
def corpus_bleu(hypotheses: Sequence[Sequence[str]],
                references: Sequence[Sequence[Sequence[str]]], max_n: int = 4,
                smoothing: str = "none", epsilon: float = 0.1) -> float:
    r"""Corpus BLEU with uniform weights: the brevity penalty times the geometric mean of
    :math:`p_1, \dots, p_N`.

    .. math::

        \mathrm{BLEU} = \mathrm{BP} \cdot \exp\Bigl(\sum_{n=1}^{N} \tfrac{1}{N} \log p_n\Bigr)

    Equation id: ``bleu.score``. Without smoothing, one :math:`p_n = 0` makes
    BLEU 0 (a corpus with no matching 4-gram at all); ``smoothing="epsilon"``
    replaces a zero numerator of :math:`p_n`, :math:`n \ge 2`, by ``epsilon`` (NLTK's
    ``method1``): no unigram match at all still gives 0, as in NLTK.

    Parameters
    ----------
    hypotheses : list of token lists
    references : list of lists of token lists
        ``references[k]`` are the references of ``hypotheses[k]``.
    max_n : int
        :math:`N`, 4 in the usual BLEU-4.
    smoothing : {"none", "epsilon"}
    epsilon : float

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> from seqcore import corpus_bleu
    >>> hyp = "the cat sat on the mat".split()
    >>> refs = ["the cat sat on a mat".split(), "a cat sat on the mat".split()]
    >>> round(corpus_bleu([hyp], [refs]), 4)
    0.9554
    """
    _same_length("corpus_bleu", hypotheses, references)
    c = sum(len(h) for h in hypotheses)
    # each hypothesis's closest reference length; the shorter one on a tie
    r = sum(_closest(len(hyp), refs) for hyp, refs in zip(hypotheses, references, strict=True))
    log_p = 0.0
    for n in range(1, max_n + 1):
        matches, total = modified_precision(hypotheses, references, n)
        if matches == 0 and (smoothing == "none" or n == 1 or total == 0):
            return 0.0
        # p_n, its zero numerator smoothed to ε when asked
        log_p += math.log((matches or epsilon) / total) / max_n
    return brevity_penalty(c, r) * math.exp(log_p)
