"""Byte-pair encoding (BPE): subword units learned by merging the most frequent pair.

Sennrich, Haddow & Birch (2016) borrowed a compression algorithm to cut words into
pieces: start from characters, count every pair of adjacent symbols over the corpus,
merge the most frequent pair into one new symbol, and repeat. Frequent words end up
as one symbol, rare words as a few pieces, and no word is ever out of vocabulary.

The convention is that of their reference implementation (``subword-nmt``, version
0.2 of its codes): words are the corpus split at whitespace; each word starts as its
characters with the end-of-word marker ``</w>`` fused to the last one
(``low`` → ``l o w</w>``), so a piece that ends a word differs from the same letters
inside one and no merge ever crosses a space; pair counts include every adjacent
position (``a a a`` holds the pair ``a a`` twice) and a merge replaces occurrences
left to right; the most frequent pair wins, a tie goes to the pair that sorts last
(by code point), and learning stops when the best pair is rarer than
``min_frequency``. Encoding a word applies the learned merges by rank: the
earliest-learned merge whose pair occurs in the word, everywhere in it, until none
applies. A character never seen in training stays a symbol of its own.

Pure Python over strings: text has no array form here (``Vocabulary`` turns the
pieces into ids).
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from typing import Any

from ._trace import implements
from ._validate import NO_DIMS, Domain, Integer, Options, Text, Tokens, calling, params

__all__ = ["BPE", "END_OF_WORD", "learn_bpe", "merge_pair", "pair_counts"]

#: Fused to the last symbol of every word: ``l o w</w>``.
END_OF_WORD = "</w>"

Pair = tuple[str, str]


# ---- the domains of this module's arguments --------------------------------------------

def _is_count(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _is_word(word: Any) -> bool:
    return isinstance(word, str) and bool(word) and len(word.split()) == 1 and \
        word == word.strip()


def _no_marker(func: str, what: str, text: str) -> None:
    if END_OF_WORD in text:
        raise ValueError(f"{func}: {what} contains the end-of-word marker "
                         f"{END_OF_WORD!r}, which would make decoding ambiguous")


class Corpus(Domain):
    """Text to learn from: a str, str texts (split at whitespace into words), or a mapping
    word -> count; the body receives the words' counts (a Counter, never empty)."""

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "a str, a list of str texts or a mapping word -> count"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if isinstance(value, Mapping):
            counts = self.counted(func, name, value)
        else:
            texts = [value] if isinstance(value, str) else value
            if not isinstance(texts, Iterable):
                raise self.fail(TypeError, func, name, type(value).__name__)
            counts = Counter()
            for i, text in enumerate(texts):
                if not isinstance(text, str):
                    raise self.fail(TypeError, func, name,
                                    f"{type(text).__name__} at position {i}")
                counts.update(text.split())
        if not counts:
            raise ValueError(f"{func}: `{name}` is empty: it has no words to learn from "
                             "(give a text, a list of texts or a mapping word -> count)")
        marked = next((w for w in counts if END_OF_WORD in w), None)
        if marked is not None:
            _no_marker(func, f"the word {marked!r}", marked)
        return counts

    @staticmethod
    def counted(func: str, name: str, value: Mapping[Any, Any]) -> Counter[str]:
        counts: Counter[str] = Counter()
        for word, n in value.items():
            if not _is_word(word):
                raise ValueError(f"{func}: the words of `{name}` must be non-empty str "
                                 f"without whitespace; got {word!r}")
            if not _is_count(n, 1):
                raise ValueError(f"{func}: the counts of `{name}` must be integers >= 1; "
                                 f"got {n!r} for {word!r}")
            counts[word] += n
        return counts


class SymbolCounts(Domain):
    """Words as tuples of str symbols, each with its count (an integer >= 0)."""

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "a mapping from tuples of str symbols to counts"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if not isinstance(value, Mapping):
            raise self.fail(TypeError, func, name, type(value).__name__)
        for symbols, n in value.items():
            if not isinstance(symbols, tuple) or not all(isinstance(s, str) for s in symbols):
                raise TypeError(f"{func}: the keys of `{name}` must be tuples of str "
                                f"symbols; got {symbols!r}")
            if not _is_count(n, 0):
                raise ValueError(f"{func}: the counts of `{name}` must be integers >= 0; "
                                 f"got {n!r} for {symbols!r}")
        return value


class SymbolPair(Domain):
    """Two str symbols, as a tuple: a merge."""

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "a tuple of two str symbols"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if not isinstance(value, tuple):
            raise self.fail(TypeError, func, name, f"{type(value).__name__} ({value!r})")
        if len(value) != 2 or not all(isinstance(s, str) for s in value):
            raise self.fail(ValueError, func, name, repr(value))   # as `merges` says it
        return value


class Word(Domain):
    """One word: a non-empty str without whitespace."""

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "a non-empty str without whitespace"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if not isinstance(value, str):
            raise self.fail(TypeError, func, name, type(value).__name__)
        if not _is_word(value):
            raise self.fail(ValueError, func, name, repr(value))
        return value


class Merges(Domain):
    """Merges in the order learned: pairs of non-empty str symbols; returned as a list of
    tuples."""

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "a sequence of pairs of non-empty str symbols"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise self.fail(TypeError, func, name, type(value).__name__)
        merges = list(value)
        odd = next((m for m in merges if not isinstance(m, tuple | list)), None)
        if odd is not None:
            raise self.fail(TypeError, func, name, f"{type(odd).__name__} ({odd!r:.40}) among "
                            "them")
        bad = next((m for m in merges if len(m) != 2
                    or not all(isinstance(s, str) and s for s in m)), None)
        if bad is not None:
            raise self.fail(ValueError, func, name, f"{tuple(bad)!r} among them")
        return [tuple(m) for m in merges]


class Alphabet(Domain):
    """The characters of the training words: single-character strs (a str is its
    characters); returned as a list."""

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "an iterable of single characters"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if not isinstance(value, Iterable):
            raise self.fail(TypeError, func, name, type(value).__name__)
        alphabet = list(value)
        if not all(isinstance(c, str) and len(c) == 1 for c in alphabet):
            raise self.fail(ValueError, func, name, repr(alphabet[:10]))
        return alphabet


# ---- the algorithm -------------------------------------------------------------------


def initial_symbols(word: str) -> tuple[str, ...]:
    """A word as its characters, the end-of-word marker fused to the last: ``l o w</w>``."""
    return (*word[:-1], word[-1] + END_OF_WORD)


def _pairs(symbols: Sequence[str]) -> Counter[Pair]:
    return Counter(pairwise(symbols))


@implements("bpe.pair-count")
@params(words=SymbolCounts())
def pair_counts(words: Mapping[tuple[str, ...], int]) -> Counter[Pair]:
    r"""How often each pair of adjacent symbols occurs, each word weighted by its count.

    .. math::

        \begin{aligned}
        f(a, b) &= \sum_{w} n(w)\, c_{ab}(w) \\
        c_{ab}(w) &= \bigl|\{\, i : s_i(w) = a,\ s_{i+1}(w) = b \,\}\bigr|
        \end{aligned}

    Equation id: ``bpe.pair-count``. :math:`c_{ab}(w)` is how often the pair occurs
    in word :math:`w`; every adjacent position counts, so ``a a a`` holds the pair
    ``(a, a)`` twice.

    Parameters
    ----------
    words : mapping of tuple of str to int
        Each word as its current symbols, and how often the word occurs.

    Returns
    -------
    collections.Counter
        ``(a, b) -> f(a, b)``.

    Examples
    --------
    >>> from seqcore import pair_counts
    >>> counts = pair_counts({("l", "o", "w</w>"): 5, ("l", "o", "w", "e", "r</w>"): 2})
    >>> counts.most_common(3)
    [(('l', 'o'), 7), (('o', 'w</w>'), 5), (('o', 'w'), 2)]
    >>> counts[("e", "r</w>")], len(counts)
    (2, 5)
    """
    stats: Counter[Pair] = Counter()
    for symbols, n in words.items():
        for pair, k in _pairs(symbols).items():
            stats[pair] += k * n
    return stats


@implements("bpe.merge")
@params(symbols=Tokens(), pair=SymbolPair())
def merge_pair(symbols: Sequence[str], pair: Pair) -> tuple[str, ...]:
    r"""Replace every occurrence of ``pair`` in ``symbols`` by one symbol, left to right.

    .. math::

        \begin{aligned}
        &(\dots, s_{i-1}, a, b, s_{i+2}, \dots) \\
        \to\; &(\dots, s_{i-1}, ab, s_{i+2}, \dots)
        \end{aligned}

    Equation id: ``bpe.merge``. Overlapping occurrences are taken from the left:
    ``a a a`` becomes ``aa a``.

    Examples
    --------
    >>> from seqcore import merge_pair
    >>> merge_pair(("l", "o", "w", "l", "o", "w</w>"), ("l", "o"))
    ('lo', 'w', 'lo', 'w</w>')
    >>> merge_pair(("a", "a", "a</w>"), ("a", "a"))
    ('aa', 'a</w>')
    """
    a, b = pair
    out: list[str] = []
    i, n = 0, len(symbols)
    while i < n:
        if i + 1 < n and symbols[i] == a and symbols[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return tuple(out)


def _descending(symbol: str) -> tuple[int, ...]:
    """A key that sorts strings in reverse code-point order (a prefix sorts after)."""
    return (*(-ord(c) for c in symbol), 1)


@implements("bpe.best-pair")
@params(corpus=Corpus(), num_merges=Integer(ge=0), min_frequency=Integer(ge=1))
def learn_bpe(corpus: str | Iterable[str] | Mapping[str, int], num_merges: int,
              min_frequency: int = 2) -> BPE:
    r"""Learn ``num_merges`` merges: each time, the most frequent pair becomes one symbol.

    .. math::

        (a^\ast, b^\ast) = \operatorname*{arg\,max}_{(a, b)}\;
        \bigl(f(a, b),\ (a, b)\bigr)

    Equation id: ``bpe.best-pair``. :math:`f` is :func:`pair_counts` over the
    current segmentation of every word; pairs are compared by count and then, on a
    tie, as pairs of strings, so the pair that sorts last wins (``subword-nmt``'s
    rule). After the merge (:func:`merge_pair` in every word) only the counts of the
    words that held the pair change; they are counted again, and a heap keeps the
    best pair at hand. Learning stops early when the best pair occurs fewer than
    ``min_frequency`` times.

    Parameters
    ----------
    corpus : str, list of str, or mapping of str to int
        A text or texts (split at whitespace into words), or word counts.
    num_merges : int
        How many merges to learn (>= 0).
    min_frequency : int
        Stop when the best pair is rarer than this (>= 1; ``subword-nmt``'s default 2).

    Returns
    -------
    bpe : a BPE
        The merges in the order learned, and the alphabet.

    Examples
    --------
    >>> from seqcore import learn_bpe
    >>> bpe = learn_bpe({"low": 5, "lower": 2, "newest": 6, "widest": 3}, num_merges=4)
    >>> bpe.merges                  # ('e', 's') and ('s', 't</w>') tie at 9: the latter
    [('s', 't</w>'), ('e', 'st</w>'), ('l', 'o'), ('w', 'est</w>')]
    """
    counts = corpus                                 # the words and their counts
    words = [initial_symbols(w) for w in counts]
    freq = list(counts.values())
    stats: Counter[Pair] = Counter()
    where: defaultdict[Pair, set[int]] = defaultdict(set)     # pair -> words holding it
    for j, symbols in enumerate(words):
        for pair, k in _pairs(symbols).items():
            stats[pair] += k * freq[j]
            where[pair].add(j)
    key: dict[str, tuple[int, ...]] = {}

    def entry(pair: Pair) -> tuple:
        a, b = pair
        ka = key.get(a) or key.setdefault(a, _descending(a))
        kb = key.get(b) or key.setdefault(b, _descending(b))
        # a min-heap on (-f, a descending, b descending) pops the max of (f, (a, b))
        return (-stats[pair], ka, kb, pair)

    heap = [entry(p) for p in stats]
    heapq.heapify(heap)
    merges: list[Pair] = []
    while len(merges) < num_merges:
        while heap and -heap[0][0] != stats.get(heap[0][3], 0):
            heapq.heappop(heap)                    # stale: the count has changed since
        if not heap or -heap[0][0] < min_frequency:
            break
        best = heapq.heappop(heap)[3]
        merges.append(best)
        changed: set[Pair] = set()
        for j in sorted(where.pop(best)):
            old = words[j]
            new = merge_pair(old, best)
            if new == old:
                continue
            words[j] = new
            # count the word again: exact, whatever the overlaps
            for pair, k in _pairs(old).items():
                stats[pair] -= k * freq[j]
                changed.add(pair)
            for pair, k in _pairs(new).items():
                stats[pair] += k * freq[j]
                where[pair].add(j)
                changed.add(pair)
        for pair in changed:
            if stats[pair] > 0:
                heapq.heappush(heap, entry(pair))
            else:
                del stats[pair]
    return BPE(merges, alphabet=sorted({c for w in counts for c in w}))


class BPE:
    """Learned merges, and the encoder and decoder they define.

    Parameters
    ----------
    merges : sequence of (str, str)
        The merges in the order they were learned (the rank of a merge is its index).
    alphabet : iterable of str
        The characters of the training words.

    Examples
    --------
    >>> from seqcore import learn_bpe
    >>> bpe = learn_bpe({"low": 5, "lower": 2, "newest": 6, "widest": 3}, num_merges=6)
    >>> tokens = bpe.encode("lowest newer")
    >>> tokens
    ['lo', 'west</w>', 'ne', 'w', 'e', 'r</w>']
    >>> bpe.decode(tokens)
    'lowest newer'
    """

    @params(merges=Merges(), alphabet=Alphabet())
    def __init__(self, merges: Sequence[Pair], alphabet: Iterable[str]) -> None:
        self.merges: list[Pair] = merges
        self.alphabet: list[str] = sorted(set(alphabet))
        self.ranks: dict[Pair, int] = {}
        for rank, pair in enumerate(merges):
            self.ranks.setdefault(pair, rank)      # a pair learned twice keeps its first rank
        self._known = set(self.alphabet)
        self._cache: dict[str, tuple[str, ...]] = {}

    def __repr__(self) -> str:
        return f"BPE({len(self.merges)} merges, {len(self.alphabet)} characters)"

    @property
    def vocabulary(self) -> list[str]:
        """Every symbol the encoder can give for text in the alphabet.

        Each character inside a word and at its end (``c``, ``c</w>``), then the
        result of each merge in the order learned: ``2 |alphabet| + merges`` at most.
        """
        symbols = [*self.alphabet, *(c + END_OF_WORD for c in self.alphabet),
                   *(a + b for a, b in self.merges)]
        return list(dict.fromkeys(symbols))

    @implements("bpe.encode")
    @params(word=Word())
    def segment(self, word: str) -> tuple[str, ...]:
        r"""One word as symbols: the earliest-learned merge that applies, until none does.

        .. math::

            (a, b) = \operatorname*{arg\,min}_{(s_i,\, s_{i+1}) \,\in\, \mathcal{M}}
            \operatorname{rank}(s_i, s_{i+1})

        Equation id: ``bpe.encode``. Among the adjacent pairs of the word that are
        merges (:math:`\mathcal{M}`), the one learned first is merged everywhere in
        the word (:func:`merge_pair`), and again, until no adjacent pair is a merge.

        Examples
        --------
        >>> from seqcore import BPE
        >>> bpe = BPE([("s", "t</w>"), ("e", "st</w>"), ("l", "o"), ("w", "est</w>")],
        ...           alphabet="delost")
        >>> bpe.segment("slowest")            # (w, est</w>) was learned before (lo, w)
        ('s', 'lo', 'west</w>')
        """
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        symbols = initial_symbols(word)
        ranks = self.ranks
        for _ in range(len(symbols) - 1):     # each merge joins two symbols: n - 1 at most
            present = [(ranks[p], p) for p in pairwise(symbols) if p in ranks]
            if not present:
                break
            symbols = merge_pair(symbols, min(present)[1])
        self._cache[word] = symbols
        return symbols

    @params(text=Text(), unknown=Options("keep", "error"))
    def encode(self, text: str, unknown: str = "keep") -> list[str]:
        """The pieces of a text: its whitespace-separated words, each :meth:`segment`-ed.

        Parameters
        ----------
        text : str
        unknown : {"keep", "error"}
            What to do with a character outside the alphabet. ``"keep"``: it stays a
            symbol of its own (no merge contains it), as ``subword-nmt`` does, so
            decoding still gives the text back and a vocabulary maps it to ``<unk>``.
            ``"error"``: raise a ValueError naming it.

        Returns
        -------
        list of str
            The last piece of every word ends with ``</w>``.
        """
        _no_marker(calling(), "`text`", text)
        words = text.split()
        if unknown == "error":
            _known_characters(words, self._known)
        return [piece for word in words for piece in self.segment(word)]

    @params(tokens=Tokens())
    def decode(self, tokens: Iterable[str]) -> str:
        """The text of the pieces: joined, each ``</w>`` a space (none after the last word).

        ``decode(encode(text))`` is ``" ".join(text.split())``: the words of the text
        separated by single spaces.
        """
        text = "".join(tokens).replace(END_OF_WORD, " ")
        return text[:-1] if text.endswith(" ") else text


def _known_characters(words: list[str], known: set[str]) -> None:
    """Refuse the first character of ``words`` outside the learned alphabet."""
    for position, word in enumerate(words):
        odd = [c for c in word if c not in known]
        if odd:
            raise ValueError(f"{calling()}: the character {odd[0]!r} of word {word!r} "
                             f"(word {position}) is not in the alphabet learned from the "
                             "corpus; pass unknown='keep' to keep it as a symbol of its own")
