"""Real text that ships inside registry packages, read offline: English and Korean prose.

Nothing is downloaded at run time: each corpus is a file inside an installed Python
package, found without importing the package.

=========  =====================================================  ====================
name       text                                                   package (licence)
=========  =====================================================  ====================
``lee``    the Lee background corpus: 300 English news articles   gensim (LGPL-2.1)
           (Lee, Pincombe & Welsh, 2005), ``lee_background.cor``
``ko``     the Constitution of the Republic of Korea              konlpy (GPL-3.0+)
           (``kolaw``) and ten bills of the National Assembly
           (2010, ``kobill``), one after the other
=========  =====================================================  ====================

The Korean texts are official documents: Article 7 of the Korean Copyright Act leaves
the constitution and laws, and the state's notices and similar documents, without
copyright protection. konlpy redistributes them under its own licence, GPL-3.0 or later.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._validate import Integer, Options, Real, Text, calling, params
from .text import Vocabulary

__all__ = ["char_corpus", "corpus_text"]

#: name -> (package, files inside the package, language, licence, what it is)
CORPORA = {
    "lee": ("gensim", ["test/test_data/lee_background.cor"], "en", "LGPL-2.1 (gensim)",
            "Lee background corpus: 300 English news articles (gensim test data)"),
    "ko": ("konlpy", ["data/corpus/kolaw/constitution.txt",
                      *(f"data/corpus/kobill/18098{n}.txt" for n in range(90, 100))],
           "ko", "GPL-3.0-or-later (konlpy); the texts are official documents without "
           "copyright (Korean Copyright Act, Art. 7)",
           "Constitution of the Republic of Korea (kolaw) and 10 National Assembly bills of "
           "2010 (kobill), shipped in konlpy"),
}
VERSIONS = {"gensim": "gensim>=4.3.3", "konlpy": "konlpy==0.6.0"}


def _package_dir(name: str, package: str) -> Path:
    func = calling()
    spec = importlib.util.find_spec(package)       # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"{func}: the corpus {name!r} ships inside the Python package {package!r}, which "
            f"is not installed. Install it with: .venv/bin/python -m pip install "
            f"'{VERSIONS[package]}'   (or: bash .ci/setup)")
    return Path(next(iter(spec.submodule_search_locations)))


@params(name=Options(*CORPORA))
def corpus_text(name: str) -> str:
    """The corpus as one string, whitespace runs collapsed to one space.

    The bills break lines in the middle of sentences (a printed page's width);
    collapsing every run of spaces and newlines keeps the words and drops the layout.

    Examples
    --------
    >>> from seqcore.corpora import corpus_text
    >>> corpus_text("ko")[:17]
    '대한민국헌법 유구한 역사와 전통'
    """
    package, files, *_ = CORPORA[name]
    base = _package_dir(name, package)
    parts = []
    for rel in files:
        path = base / rel
        if not path.is_file():
            raise FileNotFoundError(f"{calling()}: {package} is installed but lacks {rel} (at "
                                    f"{path}); reinstall it: pip install '{VERSIONS[package]}'")
        parts.append(path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", " ".join(parts)).strip()


@dataclass
class CharCorpus:
    """A character-level corpus: the vocabulary, and the training and validation ids."""

    name: str
    language: str
    licence: str
    about: str
    vocab: Vocabulary
    train: np.ndarray
    valid: np.ndarray

    def decode(self, ids) -> str:
        """The text of a sequence of ids (``<unk>`` shown as ``□``)."""
        return "".join("□" if t == "<unk>" else t for t in self.vocab.decode(ids))

    @params(text=Text())
    def encode(self, text: str) -> list[int]:
        return self.vocab.encode(list(text))

    def describe(self) -> dict:
        """Sizes and provenance, for an experiment's record."""
        return {"name": self.name, "language": self.language, "licence": self.licence,
                "about": self.about, "unit": "character", "vocabulary": len(self.vocab),
                "train_characters": int(self.train.size),
                "valid_characters": int(self.valid.size),
                "unknown_in_valid": int(np.sum(self.valid == self.vocab.unk_id))}


@params(name=Options(*CORPORA), valid_fraction=Real(gt=0, lt=1), min_freq=Integer(ge=1))
def char_corpus(name: str, valid_fraction: float = 0.1, min_freq: int = 1) -> CharCorpus:
    """Characters of a corpus as ids: the first part for training, the last for validation.

    The split is contiguous (the validation text is text the model never saw, not
    sentences shuffled out of it). Characters seen fewer than ``min_freq`` times in
    the training part become ``<unk>`` (id 1); id 0 is ``<pad>``, unused here.

    Examples
    --------
    >>> from seqcore import char_corpus
    >>> c = char_corpus("lee")
    >>> len(c.vocab), c.train.size, c.valid.size, c.decode(c.train[:21])
    (82, 323755, 35973, 'Hundreds of people ha')
    """
    text = corpus_text(name)
    cut = round(len(text) * (1 - valid_fraction))
    vocab = Vocabulary([list(text[:cut])], min_freq=min_freq, specials=("<pad>", "<unk>"))
    ids = np.asarray(vocab.encode(list(text)), dtype=np.int64)
    _, _, language, licence, about = CORPORA[name]
    return CharCorpus(name, language, licence, about, vocab, ids[:cut], ids[cut:])
