"""Sparse (local) representations: one-hot, Bag of Words, the document–term matrix, TF-IDF.

Every matrix here is a ``scipy.sparse.csr_array`` (documents are rows, terms
are columns) and stays sparse from counting to normalization: a corpus of
20,000 documents and 100,000 terms would need 16 GB as a dense float64 array,
but only a few megabytes as CSR. NumPy/SciPy only (text counting has no torch
form); convert a small result with ``torch.as_tensor(X.toarray())``.

Notation: :math:`N` documents :math:`d_1, \\dots, d_N`, terms
:math:`t_1, \\dots, t_V`, :math:`f_{t,d}` the number of times term :math:`t`
occurs in document :math:`d`, :math:`|d| = \\sum_t f_{t,d}` the document's
length, and :math:`\\mathrm{df}(t)` the number of documents that contain
:math:`t`. Logarithms are natural (``ln``), as in scikit-learn.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._trace import implements
from ._validate import Counts, Domain, Flag, Function, Integer, Ints, Options, calling, params

__all__ = [
    "IDF_VARIANTS",
    "TF_VARIANTS",
    "bag_of_words",
    "document_frequency",
    "document_term_matrix",
    "idf",
    "l2_normalize_rows",
    "one_hot",
    "term_frequency",
    "tfidf",
]

TF_VARIANTS = ("raw", "length", "log")
IDF_VARIANTS = ("plain", "textbook", "smooth", "unsmoothed")

#: A document–term matrix: counts (or weights) >= 0, dense or SciPy sparse, one row a document.
DTM = Counts("docs", "terms", sparse=True, nonempty="docs")
TOKENIZER = Function("a callable tokenizer str -> list of str", optional=True)


class Document(Domain):
    """One document: a str (tokenized later), or a list of str tokens."""

    def describe(self, dims: Any = None) -> str:
        return "a str or a list of str tokens"

    def check(self, func: str, name: str, value: Any, dims: Any) -> Any:
        if isinstance(value, str):
            return value
        if not isinstance(value, list | tuple):
            raise self.fail(TypeError, func, name, f"{type(value).__name__} ({value!r:.40})")
        for pos, t in enumerate(value):
            if not isinstance(t, str):
                raise self.fail(TypeError, func, name,
                                f"{type(t).__name__} ({t!r:.40}) at position {pos}")
        return value


class Queries(Domain):
    """Many queries at once: a list (not a single str) of :class:`Document` values."""

    def describe(self, dims: Any = None) -> str:
        return "a list of queries, each a str or a list of str tokens"

    def check(self, func: str, name: str, value: Any, dims: Any) -> Any:
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise self.fail(TypeError, func, name, "a single str (use scores() for one query)"
                            if isinstance(value, str) else type(value).__name__)
        queries = list(value)
        for i, query in enumerate(queries):
            Document().check(func, f"{name}[{i}]", query, dims)
        return queries


class Terms(Domain):
    """A fixed vocabulary: a list of distinct str terms, or a mapping term -> column."""

    def describe(self, dims: Any = None) -> str:
        return "a list of terms or a mapping term -> column"

    def check(self, func: str, name: str, value: Any, dims: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise self.fail(TypeError, func, name, "a single str" if isinstance(value, str)
                            else type(value).__name__)
        if isinstance(value, Mapping):   # term -> column, as a fitted model keeps it
            cols = np.fromiter(value.values(), dtype=np.int64, count=len(value))
            if cols.size and (cols.min() < 0 or cols.max() >= cols.size or
                              np.bincount(cols).max() > 1):
                raise ValueError(f"{func}: a `{name}` mapping must send its {len(value)} terms "
                                 f"to the columns 0..{len(value) - 1}, each once")
            return value
        terms = list(value)
        if len(set(terms)) != len(terms):
            raise ValueError(f"{func}: `{name}` must not repeat a term")
        return {t: j for j, t in enumerate(terms)}


@implements("onehot.vector")
@params(size=Integer(ge=1), ids=Ints("n?", ge=0, lt="size", host=True))
def one_hot(ids: Any, size: int) -> np.ndarray:
    r"""One-hot vectors: row :math:`i` has a single 1 at column ``ids[i]``.

    .. math::

        \mathbf{e}_i \in \{0, 1\}^{V}, \qquad
        (\mathbf{e}_i)_j = \begin{cases} 1 & j = i \\ 0 & j \ne i \end{cases}

    Equation id: ``onehot.vector``. Any two different one-hot vectors are
    orthogonal (dot product 0) and at Euclidean distance :math:`\sqrt{2}`:
    the representation says nothing about which words are alike.

    Parameters
    ----------
    ids : int or sequence of int
        Token ids in ``[0, size)`` (e.g. from :meth:`Vocabulary.encode`).
    size : int
        The vocabulary size :math:`V` (>= 1).

    Returns
    -------
    numpy.ndarray of int64, shape ``(V,)`` for one id, ``(len(ids), V)`` for a sequence

    Examples
    --------
    >>> from seqcore import one_hot
    >>> one_hot([0, 2], size=4)          # "Harry" -> 0, "met" -> 2
    array([[1, 0, 0, 0],
           [0, 0, 1, 0]])
    """
    out = np.zeros((*ids.shape, size), dtype=np.int64)
    # e_i: a 1 in column ids[i] of row i
    np.put_along_axis(out, ids.astype(np.int64)[..., None], 1, axis=-1)
    return out


def _token_lists(docs: Any, tokenizer: Callable[[str], list[str]] | None,
                 lowercase: bool) -> Iterable[tuple[Sequence[str], bool]]:
    """Yield each document as ``(tokens, trusted)``; ``trusted``: str.split made them (all str)."""
    func = calling()
    if isinstance(docs, (str, bytes)) or not isinstance(docs, Iterable):
        raise TypeError(f"{func}: `docs` must be a list of documents (str, or lists of str "
                        f"tokens); got {type(docs).__name__}")
    split = tokenizer or str.split
    for i, doc in enumerate(docs):
        if isinstance(doc, str):
            yield split(doc.lower() if lowercase else doc), tokenizer is None
            continue
        if isinstance(doc, (list, tuple)):
            tokens = [t.lower() for t in doc] if lowercase and doc and \
                all(isinstance(t, str) for t in doc) else doc
        else:
            raise TypeError(f"{func}: `docs[{i}]` must be a str or a list of str tokens; got "
                            f"{type(doc).__name__}")
        yield tokens, False


def _check_tokens(i: int, tokens: Sequence[Any]) -> None:
    for j, t in enumerate(tokens):
        if not isinstance(t, str):
            raise TypeError(f"{calling()}: `docs[{i}]` must hold str tokens only; got "
                            f"{type(t).__name__} ({t!r}) at position {j}")


def _count(docs: Any, vocabulary: Mapping[str, int] | None,
           tokenizer: Callable[[str], list[str]] | None, stop_words: Iterable[str] | None,
           lowercase: bool, min_df: int) -> tuple[sp.csr_array, list[str]]:
    """The counting behind :func:`document_term_matrix` (and :class:`BM25Index`), on checked
    settings; a message names the public function that was called."""
    stop = frozenset(stop_words or ())
    fixed = vocabulary is not None
    if fixed:                   # a fixed vocabulary: its terms in column order
        index, get = vocabulary, vocabulary.get
        terms = [""] * len(index)
        for t, j in index.items():
            terms[j] = t
    else:
        # a new term gets the next id: the dict's length at the moment it is first seen
        index = defaultdict()
        index.default_factory = index.__len__
        assign = index.__getitem__
    indices = array("i")   # column ids, 4 bytes per token occurrence (a list would need 8)
    indptr = [0]
    for i, (tokens, trusted) in enumerate(_token_lists(docs, tokenizer, lowercase)):
        try:
            if fixed:
                ids = list(map(get, tokens))
                if None in ids:     # out-of-vocabulary tokens: are they strings (if not known)?
                    if not trusted:
                        _check_tokens(i, tokens)
                    ids = [c for c in ids if c is not None]
                indices.extend(ids)
            elif stop:
                indices.extend(map(assign, [t for t in tokens if t not in stop]))
            else:
                indices.extend(map(assign, tokens))
        except TypeError:  # an unhashable token
            _check_tokens(i, tokens)
            raise
        indptr.append(len(indices))
    n_docs = len(indptr) - 1
    if n_docs == 0:
        raise ValueError(f"{calling()}: `docs` is empty; a DTM needs at least one document")
    if not fixed:
        # one check per distinct term, not per token: a non-str token would become a column
        bad = next((t for t in index if not isinstance(t, str)), None)
        if bad is not None:
            raise TypeError(f"{calling()}: `docs` must hold str tokens only; got "
                            f"{type(bad).__name__} ({bad!r})")
        terms = sorted(index)
        # first-seen ids -> sorted (alphabetical) column order, as scikit-learn lays them out
        order = np.empty(len(terms), dtype=np.int64)
        order[np.fromiter((index[t] for t in terms), dtype=np.int64, count=len(terms))] = \
            np.arange(len(terms))
        order = order.astype(np.int32)
        cols = order[np.frombuffer(indices, dtype=np.int32)]
    else:
        cols = np.frombuffer(indices, dtype=np.int32)
    if not terms:
        raise ValueError(f"{calling()}: no term left to count: every document in `docs` "
                         "is empty or made only of stop words")
    ptr = np.asarray(indptr, dtype=np.int32 if len(cols) < 2**31 - 1 else np.int64)
    # one entry per token occurrence; summing duplicates turns occurrences into counts f_{t,d}
    X = sp.csr_array((np.ones(len(cols), dtype=np.int32), cols, ptr), shape=(n_docs, len(terms)))
    del indices, cols
    X.sum_duplicates()
    X.data = X.data.astype(np.int64)   # counts as int64, as scikit-learn returns them
    if not fixed and min_df > 1:
        keep = np.flatnonzero(document_frequency(X) >= min_df)
        if keep.size == 0:
            raise ValueError(f"{calling()}: no term occurs in `min_df`={min_df} or "
                             "more documents")
        X = X[:, keep]
        terms = [terms[j] for j in keep]
    return X, terms


@implements("dtm.counts")
@params(vocabulary=Terms(), tokenizer=TOKENIZER, lowercase=Flag(), min_df=Integer(ge=1))
def document_term_matrix(
    docs: Iterable[str | Sequence[str]],
    vocabulary: Sequence[str] | None = None,
    tokenizer: Callable[[str], list[str]] | None = None,
    stop_words: Iterable[str] | None = None,
    lowercase: bool = False,
    min_df: int = 1,
) -> tuple[sp.csr_array, list[str]]:
    r"""The document–term matrix (DTM): one row of term counts per document, as CSR.

    .. math::

        X \in \mathbb{N}^{N \times V}, \qquad X_{d,t} = f_{t,d}
        = \#\{\text{occurrences of term } t \text{ in document } d\}

    Equation id: ``dtm.counts``. Each row is that document's Bag of Words
    (:func:`bag_of_words`); word order is lost.

    Parameters
    ----------
    docs : iterable of str or of lists of str
        Strings are tokenized with ``tokenizer`` (default: whitespace,
        ``str.split``); lists are taken as already tokenized.
    vocabulary : sequence of str, or mapping str -> column, optional
        Fix the columns to these terms, in this order (tokens outside it are
        ignored, as when a fitted vectorizer transforms new text); a mapping
        ``{term: column}`` is used as it is, without rebuilding it. Default:
        every term of ``docs`` that passes ``min_df`` and ``stop_words``,
        sorted (scikit-learn's column order).
    tokenizer : callable str -> list of str, optional
    stop_words : iterable of str, optional
        Terms never counted.
    lowercase : bool
        Lower-case before counting.
    min_df : int
        Without a fixed ``vocabulary``, keep terms that occur in at least this many documents.

    Returns
    -------
    X : scipy.sparse.csr_array of int64, shape ``(N, V)``
        Counts; a document with no (kept) token is an all-zero row.
    terms : list of str
        ``terms[j]`` is the term of column ``j``.

    Raises
    ------
    ValueError
        Empty corpus (no document), or, without a fixed vocabulary, no term left
        (every document empty or made only of stop words).

    Examples
    --------
    >>> from seqcore import document_term_matrix
    >>> X, terms = document_term_matrix(["the cat sat", "the cat ate the fish"])
    >>> terms
    ['ate', 'cat', 'fish', 'sat', 'the']
    >>> X.toarray()
    array([[0, 1, 0, 1, 1],
           [1, 1, 1, 0, 2]])
    """
    return _count(docs, vocabulary, tokenizer, stop_words, lowercase, min_df)


@implements("bow.vector")
@params(tokens=Document(), vocabulary=Terms(), tokenizer=TOKENIZER)
def bag_of_words(tokens: str | Sequence[str], vocabulary: Sequence[str],
                 tokenizer: Callable[[str], list[str]] | None = None) -> np.ndarray:
    r"""The Bag of Words vector of one document over a fixed vocabulary.

    .. math::

        \operatorname{bow}(d) = \left(f_{t_1,d},\; f_{t_2,d},\; \dots,\; f_{t_V,d}\right)

    Equation id: ``bow.vector``. Tokens outside the vocabulary are not
    counted; a document with none of the vocabulary's terms is the zero vector.

    Returns
    -------
    numpy.ndarray of int64, shape ``(V,)``

    Examples
    --------
    >>> from seqcore import bag_of_words
    >>> bag_of_words("the cat ate the fish", ["ate", "cat", "dog", "the"])
    array([1, 1, 0, 2])
    """
    X, _ = document_term_matrix([tokens], vocabulary=vocabulary, tokenizer=tokenizer)
    return X.toarray()[0]


@implements("idf.df")
@params(X=DTM)
def document_frequency(X: Any) -> np.ndarray:
    r"""Document frequency: in how many documents each term occurs.

    .. math::

        \mathrm{df}(t) = \left|\{\, d : f_{t,d} > 0 \,\}\right|

    Equation id: ``idf.df``.

    Parameters
    ----------
    X : sparse or dense matrix, shape ``(N, V)``
        A document–term matrix (counts).

    Returns
    -------
    numpy.ndarray of int64, shape ``(V,)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import document_frequency
    >>> document_frequency(np.array([[0, 1, 0, 1, 1], [1, 1, 1, 0, 2]]))
    array([1, 2, 1, 1, 2])
    """
    X = sp.csr_array(X)
    X.sum_duplicates()
    nonzero = X.indices[X.data != 0]          # df(t) = |{d : f_{t,d} > 0}|
    return np.bincount(nonzero, minlength=X.shape[1]).astype(np.int64)


@implements("tf.raw", "tf.length", "tf.log")
@params(X=DTM, variant=Options(*TF_VARIANTS))
def term_frequency(X: Any, variant: str = "raw") -> sp.csr_array:
    r"""Term-frequency weights of a document–term matrix, kept sparse.

    .. math::

        \mathrm{tf}_{\text{raw}}(t,d) = f_{t,d}, \qquad
        \mathrm{tf}_{\text{length}}(t,d) = \frac{f_{t,d}}{|d|}, \qquad
        \mathrm{tf}_{\text{log}}(t,d) = \begin{cases} 1 + \ln f_{t,d} & f_{t,d} > 0 \\
        0 & f_{t,d} = 0 \end{cases}

    Equation ids: ``tf.raw``, ``tf.length`` (the notes' definition: count
    divided by the number of words in the document), ``tf.log``
    (scikit-learn's ``sublinear_tf=True``). :math:`|d|` is the row sum of
    ``X``, i.e. the tokens that were counted (stop words excluded).

    Parameters
    ----------
    X : sparse or dense matrix, shape ``(N, V)``
    variant : {"raw", "length", "log"}

    Returns
    -------
    scipy.sparse.csr_array of float64, shape ``(N, V)``
        An empty document (:math:`|d| = 0`) stays an all-zero row under every
        variant (no division by zero).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import term_frequency
    >>> X = np.array([[0, 1, 3], [2, 2, 0]])
    >>> print(term_frequency(X, "length").toarray().round(3))
    [[0.   0.25 0.75]
     [0.5  0.5  0.  ]]
    >>> print(term_frequency(X, "log").toarray().round(3))
    [[0.    1.    2.099]
     [1.693 1.693 0.   ]]
    """
    X = sp.csr_array(X).astype(np.float64)
    X.sum_duplicates()
    X.eliminate_zeros()
    if variant == "log":
        X.data = 1.0 + np.log(X.data)                 # 1 + ln f, only where f > 0
    elif variant == "length":
        lengths = np.asarray(X.sum(axis=1)).ravel()   # |d|
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        X.data = X.data / lengths[rows]               # f / |d|; empty rows have no entries
    return X


@implements("idf.plain", "idf.textbook", "idf.smooth", "idf.unsmoothed")
@params(n_docs=Integer(ge=1), df=Counts("terms", le="n_docs"), variant=Options(*IDF_VARIANTS))
def idf(df: Any, n_docs: int, variant: str = "smooth") -> np.ndarray:
    r"""Inverse document frequency, in four variants stated exactly.

    .. math::

        \begin{aligned}
        \mathrm{idf}_{\text{plain}}(t) &= \ln\frac{N}{\mathrm{df}(t)} \\
        \mathrm{idf}_{\text{textbook}}(t) &= \ln\frac{N}{1 + \mathrm{df}(t)} \\
        \mathrm{idf}_{\text{smooth}}(t) &= \ln\frac{1 + N}{1 + \mathrm{df}(t)} + 1 \\
        \mathrm{idf}_{\text{unsmoothed}}(t) &= \ln\frac{N}{\mathrm{df}(t)} + 1
        \end{aligned}

    Equation ids: ``idf.plain``, ``idf.textbook``, ``idf.smooth``
    (scikit-learn's default ``smooth_idf=True``), ``idf.unsmoothed``
    (scikit-learn's ``smooth_idf=False``). BM25's variants are in
    :func:`bm25_idf`.

    Parameters
    ----------
    df : array of int, shape ``(V,)``
        Document frequencies, :math:`0 \le \mathrm{df}(t) \le N`.
    n_docs : int
        :math:`N`, the number of documents (>= 1).
    variant : {"plain", "textbook", "smooth", "unsmoothed"}

    Returns
    -------
    numpy.ndarray of float64, shape ``(V,)``

    Raises
    ------
    ValueError
        ``df`` outside :math:`[0, N]`, or ``df = 0`` for ``"plain"`` and
        ``"unsmoothed"`` (:math:`\ln(N/0)` is infinite: such a term belongs to
        no document of the corpus; build the vocabulary from the corpus, or
        use a smoothed variant).

    Notes
    -----
    The textbook form is negative when :math:`\mathrm{df}(t) = N` and zero
    when :math:`\mathrm{df}(t) = N - 1`: a word in every document then gets
    a *negative* weight. The ``+ 1`` of scikit-learn's forms keeps such
    words at a small positive weight instead of removing them.

    Examples
    --------
    >>> from seqcore import idf
    >>> for v in ("plain", "textbook", "smooth", "unsmoothed"):
    ...     print(f"{v:10s}", idf([1, 2, 4], n_docs=4, variant=v).round(4))
    plain      [1.3863 0.6931 0.    ]
    textbook   [ 0.6931  0.2877 -0.2231]
    smooth     [1.9163 1.5108 1.    ]
    unsmoothed [2.3863 1.6931 1.    ]
    """
    N = float(n_docs)
    if variant in ("plain", "unsmoothed") and df.size and df.min() == 0:
        j = int(np.argmin(df))
        raise ValueError(f"idf: variant {variant!r} needs every `df` >= 1 (ln(N/0) is "
                         f"infinite); got df=0 for term {j}. Use variant='smooth' or "
                         "'textbook', or drop terms that occur in no document")
    if variant == "plain":
        return np.log(N / df)                      # ln(N / df)
    if variant == "textbook":
        return np.log(N / (1.0 + df))              # ln(N / (1 + df))
    if variant == "smooth":
        return np.log((1.0 + N) / (1.0 + df)) + 1.0  # ln((1 + N) / (1 + df)) + 1
    return np.log(N / df) + 1.0                    # ln(N / df) + 1


@implements("tfidf.l2")
@params(X=DTM)
def l2_normalize_rows(X: Any) -> sp.csr_array:
    r"""Scale every row to unit Euclidean length; an all-zero row stays zero.

    .. math::

        \hat{x}_d = \frac{x_d}{\lVert x_d \rVert_2}
        = \frac{x_d}{\sqrt{\sum_t x_{d,t}^2}}

    Equation id: ``tfidf.l2``. After it, the dot product of two rows is their
    cosine similarity, and long documents no longer score higher just for
    being long.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import l2_normalize_rows
    >>> print(l2_normalize_rows(np.array([[3.0, 4.0], [0.0, 0.0]])).toarray())
    [[0.6 0.8]
     [0.  0. ]]
    """
    return _l2_rows_inplace(sp.csr_array(X).astype(np.float64))


def _l2_rows_inplace(X: sp.csr_array) -> sp.csr_array:
    X.sum_duplicates()
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    with np.errstate(over="ignore", under="ignore"):
        norms = np.sqrt(np.bincount(rows, weights=X.data * X.data, minlength=X.shape[0]))
    # Squares leave float64's range for entries beyond about 1e±154: recompute such rows
    # (rare) from the row divided by its largest |entry|, which leaves the norm's ratio exact.
    odd = np.flatnonzero(((norms < 1e-150) | (norms > 1e150)) & (np.diff(X.indptr) > 0))
    for r in odd:
        seg = X.data[X.indptr[r]:X.indptr[r + 1]]
        m = np.abs(seg).max()
        norms[r] = m * np.sqrt(np.sum((seg / m) ** 2)) if m > 0 else 0.0
    scale = np.zeros_like(norms)
    np.divide(1.0, norms, out=scale, where=norms > 0)   # a zero row has no entry to divide
    X.data *= scale[rows]                                # x_d / ||x_d||_2
    return X


@implements("tfidf.weight")
@params(X=DTM, tf=Options(*TF_VARIANTS), idf_variant=Options(*IDF_VARIANTS),
        norm=Options("l2", None), idf_weights=Counts("terms", optional=True, ge=None))
def tfidf(X: Any, tf: str = "raw", idf_variant: str = "smooth", norm: str | None = "l2",
          idf_weights: Any = None) -> sp.csr_array:
    r"""TF-IDF: term frequency times inverse document frequency, optionally L2-normalized.

    .. math::

        \operatorname{tfidf}(t, d) = \mathrm{tf}(t, d) \cdot \mathrm{idf}(t)

    Equation id: ``tfidf.weight``. With ``tf="raw"``, ``idf_variant="smooth"``,
    ``norm="l2"`` this is scikit-learn's ``TfidfVectorizer()`` default.

    Parameters
    ----------
    X : sparse or dense matrix, shape ``(N, V)``
        Document–term counts.
    tf : {"raw", "length", "log"}
        See :func:`term_frequency`.
    idf_variant : {"plain", "textbook", "smooth", "unsmoothed"}
        See :func:`idf`; computed from ``X`` itself unless ``idf_weights`` is given.
    norm : {"l2", None}
        Normalize each row with :func:`l2_normalize_rows`.
    idf_weights : array, shape ``(V,)``, optional
        IDF weights fitted on another corpus (to transform new documents).

    Returns
    -------
    scipy.sparse.csr_array of float64, shape ``(N, V)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import tfidf
    >>> X = np.array([[1, 1, 0], [1, 0, 2]])      # "the" is in both documents
    >>> print(tfidf(X, norm=None).toarray().round(4))
    [[1.     1.4055 0.    ]
     [1.     0.     2.8109]]
    >>> print(tfidf(X).toarray().round(4))
    [[0.5797 0.8148 0.    ]
     [0.3352 0.     0.9422]]
    """
    W = term_frequency(X, tf)
    w = idf(document_frequency(X), W.shape[0], idf_variant) if idf_weights is None else idf_weights
    W.data *= w[W.indices]                # tf(t, d) * idf(t), on the stored entries only
    return _l2_rows_inplace(W) if norm == "l2" else W   # W is our own copy
