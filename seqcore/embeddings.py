"""Word embeddings as a matrix: lookup, nearest neighbours, analogies.

An embedding table is a matrix :math:`E \\in \\mathbb{R}^{V \\times d}` whose row
:math:`i` is the vector of word :math:`i` (PyTorch's ``nn.Embedding.weight``
layout). Similarity between words is the cosine of the angle between rows, so
the functions here normalize the rows they compare; the plain pairwise cosine
similarity of two vectors is chapter 3's (sparse representations).

The array functions take NumPy arrays or torch tensors. :class:`WordVectors`
adds the vocabulary (word ↔ row) on top, and reads Google's analogy question
file; it is plain Python over either backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from array_api_compat import array_namespace

from ._trace import implements
from ._validate import (
    Flag,
    Floats,
    Integer,
    Ints,
    Options,
    Real,
    ShapeError,
    Text,
    TokenIds,
    Tokens,
    calling,
    params,
)

TABLE = Floats("vocab", "dim")
ROW = Integer(ge=0, lt="vocab")

__all__ = [
    "UnknownWordError",
    "WordVectors",
    "analogy_3cosadd",
    "analogy_3cosmul",
    "embedding_lookup",
    "nearest_neighbors",
]


class UnknownWordError(KeyError):
    """A word that is not in the vocabulary of a :class:`WordVectors`."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


@implements("embedding.lookup")
@params(E=TABLE, ids=Ints(ge=0, lt="vocab"))
def embedding_lookup(E: Any, ids: Any) -> Any:
    r"""The embedding of each word index: row ``ids`` of the table ``E``.

    .. math::

        \phi(w_i) = \mathbf{e}_i^{\top} E = E_{i,:}

    Equation id: ``embedding.lookup``. Multiplying the one-hot vector
    :math:`\mathbf{e}_i \in \{0, 1\}^V` by the table picks out row :math:`i`;
    a lookup computes the same thing without building the :math:`V`-long
    one-hot vector or doing :math:`V \cdot d` multiply-adds. This is what
    ``torch.nn.Embedding`` does.

    Parameters
    ----------
    E : array, shape ``(V, d)``
        The embedding table, one row per word.
    ids : array of integers, any shape ``(...)``
        Word indices in ``[0, V)``.

    Returns
    -------
    array, shape ``(..., d)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import embedding_lookup
    >>> E = np.arange(12.0).reshape(4, 3)      # V=4 words, d=3
    >>> print(embedding_lookup(E, np.array([2, 0, 2])))
    [[6. 7. 8.]
     [0. 1. 2.]
     [6. 7. 8.]]
    >>> print(np.eye(4)[2] @ E)                 # the one-hot product gives the same row
    [6. 7. 8.]
    """
    xp = array_namespace(E)
    rows = xp.take(E, xp.reshape(ids, (-1,)), axis=0)       # row ids[i] of E, for every id
    return xp.reshape(rows, (*tuple(ids.shape), E.shape[1]))


def _unit_rows(xp: Any, M: Any, name: str) -> Any:
    """Rows divided by their L2 norms; a zero row has no direction (an error, naming it)."""
    norms = xp.linalg.vector_norm(M, axis=-1, keepdims=True)
    zero = norms[..., 0] == 0
    if bool(xp.any(zero)):
        where = int(xp.argmax(xp.astype(zero, xp.int64))) if M.ndim == 2 else 0
        what = f"row {where} of `{name}` is" if M.ndim == 2 else f"`{name}` is"
        raise ValueError(f"{calling()}: {what} the zero vector, whose cosine with anything is "
                         "undefined; drop it or give it a direction")
    return M / norms


def _top_k(xp: Any, scores: Any, k: int, exclude: Sequence[int]) -> tuple[Any, Any]:
    """The k best scores, best first (ties: the smaller row), leaving out ``exclude``."""
    excluded = sorted(set(exclude))
    available = scores.shape[0] - len(excluded)
    if k > available:
        raise ValueError(f"{calling()}: `k`={k} but only {available} rows remain after "
                         f"excluding {len(excluded)} of {scores.shape[0]}")
    scores = xp.asarray(scores, copy=True)
    if excluded:
        scores[excluded] = -float("inf")   # never returned: k ≤ the rows that remain
    order = xp.argsort(scores, descending=True, stable=True)[:k]
    return order, xp.take(scores, order, axis=0)


@implements("embedding.nearest")
@params(vectors=TABLE, query=Floats("dim"), k=Integer(ge=1), exclude=TokenIds(lt="vocab"))
def nearest_neighbors(vectors: Any, query: Any, k: int = 10,
                      exclude: Iterable[int] = ()) -> tuple[Any, Any]:
    r"""The ``k`` rows of ``vectors`` with the largest cosine similarity to ``query``.

    .. math::

        \operatorname{NN}_k(q) = \operatorname*{arg\,top\text{-}k}_{w \notin \text{exclude}}
        \; \frac{E_{w,:} \cdot q}{\lVert E_{w,:} \rVert \, \lVert q \rVert}

    Equation id: ``embedding.nearest``. Every row and the query are scaled to
    unit length first, so one matrix–vector product gives all :math:`V`
    cosines. Ties keep the lower index first.

    Parameters
    ----------
    vectors : array, shape ``(V, d)``
        The embedding table; no row may be the zero vector.
    query : array, shape ``(d,)``
        A vector, e.g. a row of ``vectors`` (then put its index in ``exclude``).
    k : int
        How many neighbours; at most the number of rows not excluded.
    exclude : iterable of int
        Row indices never returned (the query word itself, the words of an analogy).

    Returns
    -------
    indices : integer array, shape ``(k,)``
        Rows in order of decreasing similarity.
    scores : array, shape ``(k,)``
        Their cosine similarities, in :math:`[-1, 1]`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import nearest_neighbors
    >>> E = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [-1.0, 0.0]])
    >>> idx, cos = nearest_neighbors(E, E[0], k=2, exclude=[0])
    >>> print(idx, cos.round(4))
    [1 2] [0.9939 0.    ]
    """
    xp = array_namespace(vectors)
    unit, q = _unit_rows(xp, vectors, "vectors"), _unit_rows(xp, query, "query")
    return _top_k(xp, unit @ q, k, exclude)                 # cos(w, q) = ŵ · q̂ for every row


def _cosines(xp: Any, unit: Any, *rows: int) -> tuple[Any, ...]:
    # cos(w, x) for every row w and x ∈ {a, b, c}: one product each
    return tuple(unit @ unit[i, :] for i in rows)


@implements("analogy.3cosadd")
@params(vectors=TABLE, a=ROW, b=ROW, c=ROW, k=Integer(ge=1))
def analogy_3cosadd(vectors: Any, a: int, b: int, c: int, k: int = 1) -> tuple[Any, Any]:
    r"""Answer "``a`` is to ``b`` as ``c`` is to ?" by vector offset (3CosAdd).

    .. math::

        d^{*} = \operatorname*{arg\,max}_{d \notin \{a, b, c\}}
        \; \cos(d, b) - \cos(d, a) + \cos(d, c)

    Equation id: ``analogy.3cosadd`` (Mikolov et al. 2013; the name is Levy &
    Goldberg's, 2014). With unit rows :math:`\hat{x}` the score is
    :math:`\hat{d} \cdot (\hat{b} - \hat{a} + \hat{c})`, the famous
    *king − man + woman*. The three question words are excluded, as everyone
    does: without that, the answer is very often ``b`` or ``c`` itself.
    gensim's ``most_similar(positive=[b, c], negative=[a])`` ranks the same
    way; its scores are these divided by :math:`\lVert \hat{b} - \hat{a} +
    \hat{c} \rVert`.

    Parameters
    ----------
    vectors : array, shape ``(V, d)``
    a, b, c : int
        Row indices: ``a`` is to ``b`` as ``c`` is to the answer.
    k : int
        How many candidates to return.

    Returns
    -------
    indices : integer array, shape ``(k,)``
    scores : array, shape ``(k,)``
        The 3CosAdd scores, in :math:`[-3, 3]`.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import analogy_3cosadd
    >>> words = ["king", "queen", "man", "woman", "apple"]
    >>> E = np.array([[1.0, 1.0, 0.1], [1.0, -1.0, 0.1], [0.1, 1.0, 0.0],
    ...               [0.1, -1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> idx, score = analogy_3cosadd(E, a=2, b=0, c=3)     # man : king :: woman : ?
    >>> print(words[int(idx[0])], score.round(4))
    queen [1.4087]
    """
    xp = array_namespace(vectors)
    cos_a, cos_b, cos_c = _cosines(xp, _unit_rows(xp, vectors, "vectors"), a, b, c)
    return _top_k(xp, cos_b - cos_a + cos_c, k, [a, b, c])  # cos(d, b) − cos(d, a) + cos(d, c)


@implements("analogy.3cosmul")
@params(vectors=TABLE, a=ROW, b=ROW, c=ROW, k=Integer(ge=1), epsilon=Real(gt=0))
def analogy_3cosmul(vectors: Any, a: int, b: int, c: int, k: int = 1,
                    epsilon: float = 1e-3) -> tuple[Any, Any]:
    r"""Answer "``a`` is to ``b`` as ``c`` is to ?" multiplicatively (3CosMul).

    .. math::

        d^{*} = \operatorname*{arg\,max}_{d \notin \{a, b, c\}}
        \; \frac{s(d, b)\, s(d, c)}{s(d, a) + \varepsilon},
        \qquad s(x, y) = \frac{1 + \cos(x, y)}{2}

    Equation id: ``analogy.3cosmul`` (Levy & Goldberg, 2014). Shifting the
    cosines to :math:`[0, 1]` keeps every factor non-negative; the product
    stops one large similarity from outweighing the other two, which is what
    often happens with 3CosAdd. :math:`\varepsilon` avoids a division by
    zero; the paper uses 0.001, gensim's ``most_similar_cosmul`` 1e-6.

    Parameters
    ----------
    vectors : array, shape ``(V, d)``
    a, b, c : int
        Row indices: ``a`` is to ``b`` as ``c`` is to the answer.
    k : int
    epsilon : float
        Must be > 0.

    Returns
    -------
    indices : integer array, shape ``(k,)``
    scores : array, shape ``(k,)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import analogy_3cosmul
    >>> E = np.array([[1.0, 1.0, 0.1], [1.0, -1.0, 0.1], [0.1, 1.0, 0.0],
    ...               [0.1, -1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> idx, score = analogy_3cosmul(E, a=2, b=0, c=3)
    >>> print(int(idx[0]), score.round(4))
    1 [2.4043]
    """
    xp = array_namespace(vectors)
    cos_a, cos_b, cos_c = _cosines(xp, _unit_rows(xp, vectors, "vectors"), a, b, c)

    def shifted(cos: Any) -> Any:
        return (1 + cos) / 2        # s = (1 + cos) / 2 ∈ [0, 1]

    scores = shifted(cos_b) * shifted(cos_c) / (shifted(cos_a) + epsilon)
    return _top_k(xp, scores, k, [a, b, c])


@dataclass
class AnalogyReport:
    """Result of :meth:`WordVectors.evaluate_analogies`."""

    correct: int = 0
    total: int = 0
    skipped: int = 0
    sections: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        """Share of the questions inside the vocabulary answered correctly (0 when none)."""
        return self.correct / self.total if self.total else 0.0


class WordVectors:
    """An embedding table with its vocabulary: look words up by name.

    Parameters
    ----------
    words : sequence of str
        One distinct word per row, in row order.
    vectors : array, shape ``(V, d)``
        NumPy array or torch tensor.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import WordVectors
    >>> wv = WordVectors(["king", "queen", "man", "woman", "apple"],
    ...                  np.array([[1.0, 1.0, 0.1], [1.0, -1.0, 0.1], [0.1, 1.0, 0.0],
    ...                            [0.1, -1.0, 0.0], [0.0, 0.0, 1.0]]))
    >>> [(w, round(s, 3)) for w, s in wv.analogy("man", "king", "woman", k=2)]
    [('queen', 1.409), ('apple', 0.071)]
    >>> wv.analogy("man", "kingg", "woman")
    Traceback (most recent call last):
    ...
    seqcore.embeddings.UnknownWordError: ...`b`='kingg' is not in the vocabulary (5 words)
    """

    @params(words=Tokens(), vectors=TABLE)
    def __init__(self, words: Sequence[str], vectors: Any) -> None:
        words = list(words)
        if len(set(words)) != len(words):
            seen: set[str] = set()
            dup = next(w for w in words if w in seen or seen.add(w))
            raise ValueError(f"WordVectors: `words` must be distinct; {dup!r} appears twice")
        if vectors.shape[0] != len(words):
            raise ShapeError(f"WordVectors: `vectors` must have one row per word ({len(words)}); "
                             f"got shape {tuple(vectors.shape)}")
        self.words = words
        self.vectors = vectors
        self.index_of = {w: i for i, w in enumerate(words)}

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index_of

    @params(word=Text())
    def index(self, word: str, func: str = "index", arg: str = "word") -> int:
        """Row of ``word``; a clear :class:`UnknownWordError` when it is not there."""
        try:
            return self.index_of[word]
        except KeyError:
            raise UnknownWordError(f"{func}: `{arg}`={word!r} is not in the vocabulary "
                                   f"({len(self)} words)") from None

    def __getitem__(self, word: str) -> Any:
        return self.vectors[self.index(word, "WordVectors[...]"), :]

    @params(word=Text(), k=Integer(ge=1))
    def most_similar(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` nearest words by cosine (``embedding.nearest``), ``word`` excluded."""
        i = self.index(word, "most_similar")
        idx, cos = nearest_neighbors(self.vectors, self.vectors[i, :], k=k, exclude=[i])
        return [(self.words[int(j)], float(s)) for j, s in zip(idx, cos, strict=True)]

    @params(a=Text(), b=Text(), c=Text(), k=Integer(ge=1), method=Options("3cosadd", "3cosmul"),
            epsilon=Real(gt=0))
    def analogy(self, a: str, b: str, c: str, k: int = 1, method: str = "3cosadd",
                epsilon: float = 1e-3) -> list[tuple[str, float]]:
        """``a`` is to ``b`` as ``c`` is to ? — ``method`` is ``"3cosadd"`` or ``"3cosmul"``."""
        rows = [self.index(w, "analogy", name) for name, w in (("a", a), ("b", b), ("c", c))]
        if method == "3cosadd":
            idx, s = analogy_3cosadd(self.vectors, *rows, k=k)
        else:
            idx, s = analogy_3cosmul(self.vectors, *rows, k=k, epsilon=epsilon)
        return [(self.words[int(j)], float(v)) for j, v in zip(idx, s, strict=True)]

    @params(method=Options("3cosadd", "3cosmul"), lowercase=Flag(), epsilon=Real(gt=0))
    def evaluate_analogies(self, questions: str | Path | Iterable[str],
                           method: str = "3cosadd", lowercase: bool = True,
                           epsilon: float = 1e-3) -> AnalogyReport:
        """Accuracy on analogy questions in Google's ``questions-words.txt`` format.

        Lines ``a b c d`` ask "a is to b as c is to d"; ``: name`` starts a section.
        A question with a word outside the vocabulary is skipped (counted in
        ``skipped``), as in gensim's ``evaluate_word_analogies``. With
        ``lowercase`` the question words are lower-cased first (the vocabulary
        is taken as is).
        """
        if isinstance(questions, (str, Path)):
            lines: Iterable[str] = Path(questions).read_text(encoding="utf-8").splitlines()
        else:
            lines = questions
        report, section = AnalogyReport(), ""
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith(":"):
                section = line[1:].strip()
                continue
            parts = line.lower().split() if lowercase else line.split()
            if len(parts) != 4:
                raise ValueError(f"evaluate_analogies: line {number} must hold 4 words "
                                 f"'a b c d'; got {line!r}")
            if not all(p in self for p in parts):
                report.skipped += 1
                continue
            a, b, c, d = parts
            guess = self.analogy(a, b, c, k=1, method=method, epsilon=epsilon)[0][0]
            hit = int(guess == d)
            report.correct += hit
            report.total += 1
            ok, n = report.sections.get(section, (0, 0))
            report.sections[section] = (ok + hit, n + 1)
        return report
