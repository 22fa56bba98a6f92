"""The corpora that ship inside registry packages (seqcore.corpora): what is read, how a
missing package or file is reported, and how a character corpus is split and decoded."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import char_corpus, corpora
from seqcore.corpora import CharCorpus, corpus_text
from seqcore.text import Vocabulary
from tests.unit.errors import assert_error_names


def test_a_corpus_is_the_package_files_text_with_whitespace_collapsed():
    text = corpus_text("ko")
    assert text.startswith("대한민국헌법 유구한 역사와 전통")
    assert "  " not in text and "\n" not in text and text == text.strip()


def test_a_missing_package_is_named_with_the_line_that_installs_it(monkeypatch):
    package = "seqcore_test_no_such_package"
    monkeypatch.setitem(corpora.CORPORA, "lee", (package, ["x.cor"], "en", "-", "-"))
    monkeypatch.setitem(corpora.VERSIONS, package, f"{package}==1.0")
    assert_error_names(lambda: corpus_text("lee"), ModuleNotFoundError,
                       ["corpus_text:", "the corpus 'lee'", f"package '{package}'",
                        f"pip install '{package}==1.0'"])


def test_a_file_missing_from_an_installed_package_says_which_and_where(monkeypatch):
    *_, language, licence, about = corpora.CORPORA["lee"]
    monkeypatch.setitem(corpora.CORPORA, "lee", ("gensim", ["test/test_data/no_such.cor"], language,
                                                 licence, about))
    assert_error_names(lambda: corpus_text("lee"), FileNotFoundError,
                       ["corpus_text:", "gensim is installed but lacks",
                        "test/test_data/no_such.cor", "pip install 'gensim>=4.3.3'"])


def test_an_unknown_character_is_shown_as_a_box():
    vocab = Vocabulary([list("ab")], specials=("<pad>", "<unk>"))
    corpus = CharCorpus("x", "en", "-", "-", vocab, np.zeros(0, np.int64),
                        np.zeros(0, np.int64))
    ids = corpus.encode("ab?b")
    assert ids[2] == vocab.unk_id
    assert corpus.decode(ids) == "ab□b"


def test_the_split_is_contiguous_and_rare_characters_become_unknown():
    c = char_corpus("ko", valid_fraction=0.25, min_freq=3)
    text = corpus_text("ko")
    cut = round(len(text) * 0.75)
    assert (c.train.size, c.valid.size) == (cut, len(text) - cut)
    assert c.train.dtype == np.int64
    kept = c.decode(c.valid)
    assert len(kept) == c.valid.size and "□" in kept        # characters rarer than 3 in train
    assert c.describe()["unknown_in_valid"] == kept.count("□")


@pytest.mark.parametrize(("call", "error", "fragments"), [
    (lambda: corpus_text("wiki"), ValueError, ["corpus_text: `name`", "'lee'", "'ko'"]),
    (lambda: char_corpus("lee", valid_fraction=1.0), ValueError, ["`valid_fraction`"]),
    (lambda: char_corpus("lee", min_freq=0), ValueError, ["`min_freq`", ">= 1"]),
])
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)
