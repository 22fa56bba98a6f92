"""Text preprocessing: normalize, clean, split, tokenize, index, pad.

The pipeline of the notes is EDA → preprocessing → tokenization → token
encoding. This module covers the last three: Unicode and case normalization,
regex cleaning, sentence splitting, whitespace and Korean morpheme
tokenization, a :class:`Vocabulary` that maps tokens to integer ids (with a
minimum frequency and the special tokens ``<pad>``, ``<unk>``, ``<s>``,
``</s>``), and padding/truncation to one length.

Strings and Python lists in, Python lists or NumPy integer arrays out: this
module is NumPy-only (text has no torch form; ``torch.as_tensor`` converts the
padded array). Korean morpheme analysis uses `kiwipiepy`, an optional extra
(``pip install 'seqcore[ko]'``); everything else needs only the standard library.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ._validate import Flag, Integer, Options, Text, TokenIds, Tokens, calling, params

# subword units: byte-pair encoding lives in a module of its own, re-exported here
from .bpe import BPE, END_OF_WORD, learn_bpe, merge_pair, pair_counts

__all__ = [
    "BPE",
    "END_OF_WORD",
    "SPECIALS",
    "Vocabulary",
    "clean_text",
    "learn_bpe",
    "merge_pair",
    "morpheme_tokenize",
    "normalize_text",
    "pad_sequences",
    "pair_counts",
    "split_sentences",
    "whitespace_tokenize",
]

#: The special tokens, in the order they get ids 0, 1, 2, 3.
SPECIALS = ("<pad>", "<unk>", "<s>", "</s>")

_URL = re.compile(r"https?://\S+|www\.\S+")
_HTML_TAG = re.compile(r"<[^>]+>")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
# letters of any script (Hangul included), digits, whitespace and basic punctuation survive
_NOISE = re.compile(r"[^\w\s.,!?'\"-]")
_SPACES = re.compile(r"\s+")
# a sentence ends at . ! ? … (or a run of them) followed by whitespace and more text;
# so a dot inside a number (3.14) never ends one, and a dot after a single capital
# (the U.S. army) is taken for an abbreviation
_SENTENCE_END = re.compile(r"(?<!\b[A-Z])([.!?…]+[\"')\]]*)\s+(?=\S)")


SIDE = Options("pre", "post")


@params(text=Text(), lowercase=Flag(), form=Options("NFKC", "NFC", "NFKD", "NFD"))
def normalize_text(text: str, lowercase: bool = True, form: str = "NFKC") -> str:
    """Unicode-normalize, optionally lower-case, and collapse whitespace.

    NFKC folds compatibility characters into their plain forms (full-width
    ``Ａ`` → ``A``, ``①`` → ``1``) and composes decomposed Hangul jamo into
    syllables, so that the same word is always the same string. Lower-casing
    affects Latin letters only; Hangul has no case.

    Parameters
    ----------
    text : str
    lowercase : bool
        Lower-case with :meth:`str.lower`.
    form : {"NFKC", "NFC", "NFKD", "NFD"}
        The Unicode normal form.

    Returns
    -------
    str

    Examples
    --------
    >>> from seqcore import normalize_text
    >>> normalize_text("  Ｈｅｌｌｏ,   ＮＬＰ!\\t자연어  처리 ")
    'hello, nlp! 자연어 처리'
    """
    text = unicodedata.normalize(form, text)
    if lowercase:
        text = text.lower()
    return _SPACES.sub(" ", text).strip()


@params(text=Text(), urls=Flag(), html=Flag(), emails=Flag(), symbols=Flag())
def clean_text(text: str, urls: bool = True, html: bool = True, emails: bool = True,
               symbols: bool = True) -> str:
    """Remove noise with regular expressions: URLs, HTML tags, e-mail addresses, symbols.

    Each kind of noise is replaced by a space and runs of whitespace are
    collapsed. ``symbols`` removes every character that is not a letter (of
    any script), a digit, whitespace or basic punctuation ``. , ! ? ' " -``.

    Examples
    --------
    >>> from seqcore import clean_text
    >>> clean_text("<p>BoW는 순서를 무시한다 ★★ https://example.com 참고</p>")
    'BoW는 순서를 무시한다 참고'
    """
    if html:
        text = _HTML_TAG.sub(" ", text)
    if urls:
        text = _URL.sub(" ", text)
    if emails:
        text = _EMAIL.sub(" ", text)
    if symbols:
        text = _NOISE.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


@params(text=Text())
def split_sentences(text: str) -> list[str]:
    """Split text into sentences at ``.``, ``!``, ``?`` or ``…`` followed by whitespace.

    A rule-based splitter: a dot inside a number (``3.14``) or after a single
    capital letter (``U.S.``) does not end a sentence, and closing quotes or
    brackets stay with their sentence. Korean sentences that end with ``다.``
    or ``요?`` are split the same way; text with no final punctuation (common
    in chat messages) is one sentence, and for that case a morpheme analyzer
    does better (``kiwipiepy.Kiwi.split_into_sents``).

    Returns
    -------
    list of str
        The sentences, stripped; an empty or blank text gives ``[]``.

    Examples
    --------
    >>> from seqcore import split_sentences
    >>> text = "말 그대로 가방에 넣는 것. 순서를 고려하지 않음. Pi is 3.14! Right?"
    >>> split_sentences(text)
    ['말 그대로 가방에 넣는 것.', '순서를 고려하지 않음.', 'Pi is 3.14!', 'Right?']
    """
    parts = _SENTENCE_END.split(text.strip())
    # re.split with one group alternates [text, end, text, end, ..., text]
    sentences = [parts[i] + (parts[i + 1] if i + 1 < len(parts) else "")
                 for i in range(0, len(parts), 2)]
    return [s.strip() for s in sentences if s.strip()]


@params(text=Text())
def whitespace_tokenize(text: str) -> list[str]:
    """Split on runs of whitespace (``str.split()``): the tokenizer the notes' DTM uses.

    Examples
    --------
    >>> from seqcore import whitespace_tokenize
    >>> whitespace_tokenize("the cat  sat\\non the mat")
    ['the', 'cat', 'sat', 'on', 'the', 'mat']
    """
    return text.split()


_KIWI: list[Any] = []
KIWI_INSTALL = "pip install 'seqcore[ko]'   (or: pip install kiwipiepy)"


def _kiwi() -> Any:
    if not _KIWI:
        try:
            from kiwipiepy import Kiwi
        except ImportError as err:
            raise ImportError(
                "morpheme_tokenize needs the Korean morpheme analyzer kiwipiepy, which is "
                f"not installed ({err}). Install it with: {KIWI_INSTALL}"
            ) from err
        _KIWI.append(Kiwi())
    return _KIWI[0]


@params(text=Text(), tags=Flag(), drop=Tokens())
def morpheme_tokenize(text: str, tags: bool = False,
                      drop: Iterable[str] = ()) -> list[str] | list[tuple[str, str]]:
    """Korean morpheme tokenization with kiwipiepy (optional extra ``ko``).

    Korean attaches particles and endings to stems (``텍스트의``, ``추출을``),
    so whitespace tokens mix a content word with grammar; a morpheme analyzer
    separates them: ``텍스트`` + ``의``. Tags are Kiwi's (Sejong-style):
    ``NNG`` common noun, ``NNP`` proper noun, ``VV`` verb, ``JKO`` object
    particle, ``EC``/``EF`` endings, ``SF`` final punctuation.

    Parameters
    ----------
    text : str
    tags : bool
        Return ``(form, tag)`` pairs instead of forms.
    drop : iterable of str
        Tags (or tag prefixes such as ``"J"`` for all particles) to leave out.

    Raises
    ------
    ImportError
        With the install command, when kiwipiepy is missing.

    Examples
    --------
    >>> from seqcore import morpheme_tokenize
    >>> morpheme_tokenize("단어의 순서를 고려하지 않는다.")
    ['단어', '의', '순서', '를', '고려', '하', '지', '않', '는다', '.']
    >>> morpheme_tokenize("단어의 순서를 고려하지 않는다.", tags=True, drop=("J", "E", "S"))
    [('단어', 'NNG'), ('순서', 'NNG'), ('고려', 'NNG'), ('하', 'XSV'), ('않', 'VX')]
    """
    drop = tuple(drop)
    out = [(t.form, t.tag) for t in _kiwi().tokenize(text)
           if not (drop and t.tag.startswith(drop))]
    return out if tags else [form for form, _ in out]


class Vocabulary:
    """A token ↔ id mapping built from a corpus, with special tokens and a minimum frequency.

    Ids ``0..3`` are the specials ``<pad>``, ``<unk>``, ``<s>``, ``</s>`` (in
    that order, so that padding is id 0), then the kept tokens by descending
    frequency, ties broken by first appearance. A token seen fewer than
    ``min_freq`` times is left out and encodes to ``<unk>``.

    Parameters
    ----------
    corpus : iterable of list of str
        Tokenized documents (or sentences).
    min_freq : int
        Keep tokens seen at least this often (>= 1).
    max_size : int, optional
        Keep at most this many ordinary tokens (the most frequent).
    specials : sequence of str
        The special tokens; ``<pad>`` and ``<unk>`` must be among them.

    Examples
    --------
    >>> from seqcore import Vocabulary
    >>> corpus = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat"]]
    >>> vocab = Vocabulary(corpus, min_freq=2)
    >>> vocab.tokens
    ['<pad>', '<unk>', '<s>', '</s>', 'the', 'cat', 'sat']
    >>> vocab.encode(["the", "dog", "sat"], bos=True, eos=True)
    [2, 4, 1, 6, 3]
    >>> vocab.decode([2, 4, 1, 6, 3, 0, 0], skip_specials=True)
    ['the', '<unk>', 'sat']
    """

    @params(corpus=Tokens(nested=True), min_freq=Integer(ge=1),
            max_size=Integer(ge=0, optional=True), specials=Tokens())
    def __init__(self, corpus: Iterable[Sequence[str]], min_freq: int = 1,
                 max_size: int | None = None, specials: Sequence[str] = SPECIALS) -> None:
        specials = list(specials)
        missing = [s for s in ("<pad>", "<unk>") if s not in specials]
        if missing or len(set(specials)) != len(specials):
            raise ValueError(f"Vocabulary: `specials` must be distinct and include '<pad>' and "
                             f"'<unk>'; got {specials!r}")
        counts: Counter[str] = Counter()
        for doc in corpus:
            counts.update(doc)
        kept = [t for t, c in counts.most_common() if c >= min_freq and t not in specials]
        if max_size is not None:
            kept = kept[:max_size]
        self.counts = counts
        self.specials = specials
        self.tokens: list[str] = specials + kept
        self.index: dict[str, int] = {t: i for i, t in enumerate(self.tokens)}
        self.pad_id = self.index["<pad>"]
        self.unk_id = self.index["<unk>"]

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: object) -> bool:
        return token in self.index

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} tokens, {len(self.specials)} special)"

    @params(tokens=Tokens(), bos=Flag(), eos=Flag())
    def encode(self, tokens: Sequence[str], bos: bool = False, eos: bool = False) -> list[int]:
        """Token ids; unknown tokens map to ``<unk>``; optionally wrap in ``<s>`` … ``</s>``.

        Examples
        --------
        >>> from seqcore import Vocabulary
        >>> Vocabulary([["a", "b"]]).encode(["b", "zzz"])
        [5, 1]
        """
        get, unk = self.index.get, self.unk_id
        ids = [get(t, unk) for t in tokens]
        if bos:
            ids.insert(0, self._special("<s>"))
        if eos:
            ids.append(self._special("</s>"))
        return ids

    @params(ids=TokenIds(), skip_specials=Flag())
    def decode(self, ids: Iterable[int], skip_specials: bool = False) -> list[str]:
        """Tokens for ids; ``skip_specials`` drops ``<pad>``, ``<s>``, ``</s>`` (not ``<unk>``).

        Examples
        --------
        >>> from seqcore import Vocabulary
        >>> Vocabulary([["a", "b"]]).decode([4, 5, 0])
        ['a', 'b', '<pad>']
        """
        out = []
        n = len(self.tokens)
        for position, i in enumerate(ids):
            if i >= n:
                raise ValueError(f"Vocabulary.decode: `ids` must lie in [0, {n - 1}]; "
                                 f"got {i} at position {position}")
            token = self.tokens[i]
            if skip_specials and token in self.specials and i != self.unk_id:
                continue
            out.append(token)
        return out

    def _special(self, token: str) -> int:
        if token not in self.index:
            raise ValueError(f"Vocabulary: this vocabulary was built without the special "
                             f"token {token!r}; `specials` = {self.specials!r}")
        return self.index[token]


def _id_row(i: int, seq: Any) -> np.ndarray:
    """One row of token ids for :func:`pad_sequences` (a list, NumPy or torch ids)."""
    from ._validate import as_numpy

    if isinstance(seq, str) or not hasattr(seq, "__len__"):
        raise TypeError(f"{calling()}: `sequences[{i}]` must be a list of int ids; got "
                        f"{type(seq).__name__}")
    row = as_numpy(seq)
    if row.ndim != 1 or (row.size and not np.issubdtype(row.dtype, np.integer)):
        raise TypeError(f"{calling()}: `sequences[{i}]` must be a flat list of int ids "
                        f"(encode tokens with Vocabulary.encode first); got {seq!r:.60}")
    return row.astype(np.int64)


@params(maxlen=Integer(ge=0, optional=True), padding=SIDE, truncating=SIDE, value=Integer())
def pad_sequences(sequences: Sequence[Sequence[int]], maxlen: int | None = None,
                  padding: str = "post", truncating: str = "post",
                  value: int = 0) -> np.ndarray:
    """Pad (or truncate) id sequences to one length and stack them into an int64 array.

    ``padding="pre"`` puts the pad ids before the tokens, ``"post"`` after;
    ``truncating="pre"`` drops tokens from the start (keeping the end of a
    long sequence), ``"post"`` from the end. With ``maxlen=None`` the length
    is that of the longest sequence. Pre-padding keeps the real tokens next
    to the last time step, which is what an RNN's final state reads;
    post-padding is what ``torch.nn.utils.rnn.pad_sequence`` does.

    Parameters
    ----------
    sequences : sequence of sequences of int
    maxlen : int, optional
        The common length (>= 0).
    padding, truncating : {"pre", "post"}
    value : int
        The pad id (``Vocabulary.pad_id`` is 0).

    Returns
    -------
    numpy.ndarray, shape ``(len(sequences), maxlen)``, dtype int64

    Examples
    --------
    >>> from seqcore import pad_sequences
    >>> pad_sequences([[5, 6, 7], [8]], padding="post")
    array([[5, 6, 7],
           [8, 0, 0]])
    >>> pad_sequences([[5, 6, 7], [8]], maxlen=2, padding="pre", truncating="pre")
    array([[6, 7],
           [0, 8]])
    """
    if isinstance(sequences, str) or not isinstance(sequences, Sequence):
        raise TypeError(f"pad_sequences: `sequences` must be a list of id lists; got "
                        f"{type(sequences).__name__}")
    rows = [_id_row(i, seq) for i, seq in enumerate(sequences)]
    if maxlen is None:
        maxlen = max((len(r) for r in rows), default=0)
    out = np.full((len(rows), maxlen), value, dtype=np.int64)
    for i, row in enumerate(rows):
        if len(row) > maxlen:
            row = row[len(row) - maxlen:] if truncating == "pre" else row[:maxlen]
        if len(row) == 0:
            continue
        if padding == "pre":
            out[i, maxlen - len(row):] = row
        else:
            out[i, :len(row)] = row
    return out
