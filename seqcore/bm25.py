"""BM25: TF-IDF with a saturating term frequency and document-length normalization.

Two forms are implemented, each exactly as a reference library computes it:

- ``"okapi"``: the classic Robertson–Spärck Jones IDF, which is negative for
  a term in more than half of the documents, with the floor that
  ``rank_bm25.BM25Okapi`` applies (negative IDFs are replaced by
  :math:`\\varepsilon` times the mean IDF), and the :math:`(k_1 + 1)` factor
  in the numerator;
- ``"lucene"``: the IDF :math:`\\ln(1 + \\dots)`, never negative, and no
  :math:`(k_1 + 1)` factor, as Lucene (since 8.0) and ``bm25s`` (its default
  ``method="lucene"``) compute it. The factor scales every score by the same
  constant, so the two forms rank documents the same way whenever their
  IDFs agree.

:class:`BM25Index` precomputes every document–term weight once into a sparse
matrix, so a query costs one gather and one sum over the postings of its
terms. NumPy/SciPy only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._trace import implements
from ._validate import Counts, Integer, Options, Real, params
from .sparse import TOKENIZER, Document, Queries, _count, document_frequency

__all__ = ["BM25_VARIANTS", "BM25Index", "bm25_idf", "bm25_tf"]

BM25_VARIANTS = ("okapi", "lucene")
VARIANT = Options(*BM25_VARIANTS)
#: k1 >= 0 sets how fast term frequency saturates (1.2-2.0 is usual); b in [0, 1] how much
#: length is normalized (0: none, 1: full).
SATURATION = {"k1": Real(ge=0), "b": Real(ge=0, le=1)}


@implements("bm25.idf-okapi", "bm25.idf-lucene")
@params(n_docs=Integer(ge=1), df=Counts("terms", le="n_docs"), variant=VARIANT, epsilon=Real(ge=0))
def bm25_idf(df: Any, n_docs: int, variant: str = "okapi", epsilon: float = 0.25) -> np.ndarray:
    r"""BM25's inverse document frequency, in the Okapi (floored) or Lucene form.

    .. math::

        \begin{aligned}
        \mathrm{idf}_{\text{RSJ}}(t) &= \ln\frac{N - \mathrm{df}(t) + 0.5}{\mathrm{df}(t) + 0.5}
        \\[0.5em]
        \mathrm{idf}_{\text{okapi}}(t) &= \begin{cases}
          \mathrm{idf}_{\text{RSJ}}(t) & \mathrm{idf}_{\text{RSJ}}(t) \ge 0 \\
          \varepsilon \cdot \frac{1}{V} \sum_{t'} \mathrm{idf}_{\text{RSJ}}(t') & \text{otherwise}
        \end{cases} \\[0.5em]
        \mathrm{idf}_{\text{lucene}}(t)
          &= \ln\left(1 + \frac{N - \mathrm{df}(t) + 0.5}{\mathrm{df}(t) + 0.5}\right)
        \end{aligned}

    Equation ids: ``bm25.idf-okapi`` (``rank_bm25.BM25Okapi``, whose mean
    runs over the :math:`V` terms of the corpus vocabulary, taken *before*
    flooring), ``bm25.idf-lucene`` (``bm25s``, Lucene).

    Parameters
    ----------
    df : array of int, shape ``(V,)``
        Document frequencies of the corpus's terms.
    n_docs : int
        :math:`N`.
    variant : {"okapi", "lucene"}
    epsilon : float
        The floor's :math:`\varepsilon` (Okapi only; rank_bm25's default 0.25).

    Notes
    -----
    :math:`\mathrm{idf}_{\text{RSJ}}` is negative as soon as a term is in more
    than half of the documents, so a document *containing* a common query word
    would score lower than one without it; the floor and the Lucene form are
    two fixes. rank_bm25's floor is itself negative when the mean IDF is
    (a corpus where most terms are in most documents); this function
    reproduces that too.

    Examples
    --------
    >>> from seqcore import bm25_idf
    >>> print(bm25_idf([1, 2, 5], n_docs=6).round(4))   # ln(1.5/5.5) < 0 -> 0.25 * mean
    [1.2993 0.5878 0.049 ]
    >>> print(bm25_idf([1, 5, 5], n_docs=6).round(4))   # a negative mean: a negative floor
    [ 1.2993 -0.1083 -0.1083]
    >>> print(bm25_idf([1, 2, 5], n_docs=6, variant="lucene").round(4))
    [1.5404 1.0296 0.2412]
    """
    ratio = (n_docs - df + 0.5) / (df + 0.5)       # (N - df + 0.5) / (df + 0.5)
    if variant == "lucene":
        return np.log1p(ratio)                     # ln(1 + ratio) >= ln(1 + 1/(2N+1)) > 0
    raw = np.log(ratio)
    if raw.size == 0:
        return raw
    floor = epsilon * raw.mean()                   # eps * mean idf, over all V terms
    return np.where(raw < 0, floor, raw)


@implements("bm25.tf-okapi", "bm25.tf-lucene")
@params(tf=Counts(), doc_len=Counts(), avgdl=Real(gt=0), **SATURATION, variant=VARIANT)
def bm25_tf(tf: Any, doc_len: Any, avgdl: float, k1: float = 1.5, b: float = 0.75,
            variant: str = "okapi") -> np.ndarray:
    r"""BM25's saturating term-frequency factor with document-length normalization.

    .. math::

        \begin{aligned}
        \mathrm{tf}_{\text{okapi}}(t,d) &= \frac{f_{t,d}\,(k_1 + 1)}
        {f_{t,d} + k_1\left(1 - b + b\,\frac{|d|}{\mathrm{avgdl}}\right)} \\[0.5em]
        \mathrm{tf}_{\text{lucene}}(t,d) &= \frac{f_{t,d}}
        {f_{t,d} + k_1\left(1 - b + b\,\frac{|d|}{\mathrm{avgdl}}\right)}
        \end{aligned}

    Equation ids: ``bm25.tf-okapi``, ``bm25.tf-lucene``. As :math:`f_{t,d}`
    grows the Okapi factor rises towards :math:`k_1 + 1` (the Lucene one
    towards 1) and never passes it: the tenth occurrence of a word adds far
    less than the first. :math:`b` scales how much a document longer than
    average (:math:`|d| > \mathrm{avgdl}`) is penalized; :math:`k_1 = 0` turns
    the factor into "does the term occur at all".

    Parameters
    ----------
    tf, doc_len : arrays (broadcast together)
        Counts :math:`f_{t,d} \ge 0` and document lengths :math:`|d| \ge 0`.
    avgdl : float
        The corpus's mean document length (> 0).
    k1, b : float
        :math:`k_1 \ge 0`, :math:`0 \le b \le 1`.
    variant : {"okapi", "lucene"}

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import bm25_tf
    >>> print(bm25_tf(np.array([0, 1, 2, 5, 100]), doc_len=10, avgdl=10).round(3))
    [0.    1.    1.429 1.923 2.463]
    """
    norm = doc_len / avgdl                         # built in place to keep few temporaries
    norm *= b
    norm += 1.0 - b
    norm *= k1                                     # K = k1 (1 - b + b |d| / avgdl)
    denom = tf + norm                              # f + K
    out = np.array(np.broadcast_to(tf * (k1 + 1.0) if variant == "okapi" else tf, denom.shape))
    # f (k1 + 1) / (f + K) or f / (f + K); where f + K = 0 (k1 = 0, or b = 1 and |d| = 0)
    # f is 0 too: no occurrence, no score, and 0/0 is left at 0 instead of NaN
    np.divide(out, denom, out=out, where=denom > 0)
    return out


class BM25Index:
    r"""A BM25 index over a tokenized corpus, for scoring many queries.

    .. math::

        \operatorname{score}(q, d) = \sum_{t \in q} \mathrm{idf}(t)\,\mathrm{tf}(t, d)

    The sum runs over the query's tokens (a repeated query word counts twice,
    as in rank_bm25 and bm25s; words not in the corpus add 0). ``idf`` and
    ``tf`` are :func:`bm25_idf` and :func:`bm25_tf` of the chosen ``variant``.
    Building the index computes :math:`\mathrm{idf}(t)\,\mathrm{tf}(t, d)` once
    for every stored (document, term) pair, into a sparse term-major matrix.

    Parameters
    ----------
    docs : iterable of str or of lists of str
        The corpus; strings are tokenized with ``tokenizer`` (default whitespace).
    k1, b : float
        :math:`k_1 \ge 0` (default 1.5) and :math:`0 \le b \le 1` (default 0.75),
        the defaults of rank_bm25 and bm25s.
    variant : {"okapi", "lucene"}
    epsilon : float
        The Okapi IDF floor's :math:`\varepsilon`.
    tokenizer : callable, optional
        Used for string documents and string queries.
    dtype : numpy dtype
        Of the stored weights (float64; float32 halves the memory, as bm25s stores).

    Raises
    ------
    ValueError
        Empty corpus, a corpus whose documents are all empty, ``k1 < 0``,
        ``b`` outside [0, 1]. An empty *document* is allowed: it scores 0.

    Examples
    --------
    >>> from seqcore import BM25Index
    >>> docs = ["the cat sat on the mat", "the dog sat on the log",
    ...         "cats and dogs are pets", "the cat chased the dog",
    ...         "a bird sang", "the end"]
    >>> index = BM25Index(docs)                     # Okapi, k1 = 1.5, b = 0.75
    >>> print(index.scores("cat sat").round(4))
    [1.0222 0.5111 0.     0.5598 0.     0.    ]
    >>> ids, best = index.top_k("the dog", k=2)
    >>> print(ids, best.round(4))
    [3 1] [0.9118 0.8404]
    """

    @params(**SATURATION, variant=VARIANT, epsilon=Real(ge=0), tokenizer=TOKENIZER)
    def __init__(self, docs: Iterable[str | Sequence[str]], k1: float = 1.5, b: float = 0.75,
                 variant: str = "okapi", epsilon: float = 0.25,
                 tokenizer: Callable[[str], list[str]] | None = None,
                 dtype: Any = np.float64) -> None:
        self.variant, self.k1, self.b, self.tokenizer = variant, k1, b, tokenizer
        X, terms = _count(docs, None, tokenizer, None, False, 1)
        self.n_docs = X.shape[0]
        self.terms = terms
        self.vocabulary = {t: j for j, t in enumerate(terms)}
        self.doc_len = np.asarray(X.sum(axis=1)).ravel().astype(np.int64)   # |d|
        self.avgdl = float(self.doc_len.mean())                             # avgdl
        self.df = document_frequency(X)
        self.idf = bm25_idf(self.df, self.n_docs, variant, epsilon)
        rows = np.repeat(np.arange(self.n_docs), np.diff(X.indptr))
        # idf(t) * tf(t, d) for every stored pair, computed once
        weights = bm25_tf(X.data, self.doc_len.astype(np.float64)[rows], self.avgdl, k1, b, variant)
        weights *= self.idf[X.indices]
        W = sp.csr_array((weights.astype(dtype), X.indices, X.indptr), shape=X.shape)
        self.weights = W.tocsc()     # term-major: column t holds the postings of term t

    def __repr__(self) -> str:
        return (f"BM25Index({self.n_docs} documents, {len(self.terms)} terms, "
                f"variant={self.variant!r}, k1={self.k1}, b={self.b})")

    def _query_ids(self, query: str | Sequence[str]) -> list[int]:
        """The columns of a query's known terms (a term seen twice counts twice)."""
        tokens = (self.tokenizer or str.split)(query) if isinstance(query, str) else query
        return [j for j in map(self.vocabulary.get, tokens) if j is not None]

    @implements("bm25.score")
    @params(query=Document())
    def scores(self, query: str | Sequence[str]) -> np.ndarray:
        r"""BM25 scores of every document for one query.

        .. math::

            \operatorname{score}(q, d) = \sum_{t \in q} \mathrm{idf}(t)\,
            \mathrm{tf}(t, d)

        Equation id: ``bm25.score``. A query whose words are all unknown to
        the corpus (or an empty query) gives all zeros.

        Returns
        -------
        numpy.ndarray, shape ``(n_docs,)``, in the index's ``dtype`` (float64 by default)

        Examples
        --------
        >>> from seqcore import BM25Index
        >>> index = BM25Index(["a b", "b c", "c d"], variant="lucene")
        >>> print(index.scores(["d", "zzz"]).round(4))         # "zzz" is unknown: adds 0
        [0.     0.     0.3923]
        >>> print(index.scores(["zzz"]))
        [0. 0. 0.]
        """
        ids = self._query_ids(query)
        W = self.weights
        scores = np.zeros(self.n_docs, dtype=W.data.dtype)
        indptr, indices, data = W.indptr, W.indices, W.data
        for j in ids:
            lo, hi = indptr[j], indptr[j + 1]
            # Σ_t idf(t) tf(t, d), term by term over its postings; np.add.at with one
            # dtype on both sides takes NumPy's fast unbuffered path
            np.add.at(scores, indices[lo:hi], data[lo:hi])
        return scores

    @params(queries=Queries())
    def scores_batch(self, queries: Iterable[str | Sequence[str]]) -> sp.csr_array:
        """Scores of many queries at once, as a sparse ``(n_queries, n_docs)`` matrix.

        One sparse product :math:`Q W^\\top` of the query–term count matrix and
        the weight matrix; documents that share no term with a query are
        implicit zeros.

        Examples
        --------
        >>> from seqcore import BM25Index
        >>> index = BM25Index(["a b", "b c", "c d"], variant="lucene")
        >>> print(index.scores_batch(["d", "a a"]).toarray().round(4))
        [[0.     0.     0.3923]
         [0.7847 0.     0.    ]]
        """
        rows, cols = [], []
        for i, q in enumerate(queries):
            ids = self._query_ids(q)
            rows.extend([i] * len(ids))
            cols.extend(ids)
        # Q: query-term counts (duplicates are summed by the constructor)
        Q = sp.csr_array((np.ones(len(cols)), (rows, cols)),
                         shape=(len(queries), len(self.terms)))
        return sp.csr_array(Q @ self.weights.T)

    @params(query=Document(), k=Integer(ge=1))
    def top_k(self, query: str | Sequence[str], k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best documents for a query: their ids and scores, best first.

        Ties keep the lower document id first.

        Examples
        --------
        >>> from seqcore import BM25Index
        >>> ids, best = BM25Index(["a b", "b c", "c c d"], variant="lucene").top_k("c", k=2)
        >>> print(ids, best.round(4))
        [2 1] [0.246  0.2009]
        """
        s = self.scores(query)
        k = min(int(k), self.n_docs)
        # everything above the k-th best score, then the lowest ids among those equal to it
        # (argpartition alone would pick any members of a tie that straddles the cut)
        kth = np.partition(s, self.n_docs - k)[self.n_docs - k]
        above = np.flatnonzero(s > kth)
        best = np.concatenate([above, np.flatnonzero(s == kth)[:k - above.size]])
        best = best[np.lexsort((best, -s[best]))]
        return best, s[best]
