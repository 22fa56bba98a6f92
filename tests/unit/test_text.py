"""Preprocessing: normalization, cleaning, sentence splitting, tokenization, vocabulary, padding.

References: kiwipiepy's own sentence splitter, torch.nn.utils.rnn.pad_sequence, and
hand-checked analyses of sentences taken from the source notes (seed 002).
"""

from __future__ import annotations

import sys
import unicodedata

import numpy as np
import pytest

import seqcore.text
from seqcore import (
    SPECIALS,
    Vocabulary,
    clean_text,
    morpheme_tokenize,
    normalize_text,
    pad_sequences,
    split_sentences,
    whitespace_tokenize,
)
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")
kiwipiepy = require("kiwipiepy")

# sentences of note 002 (§단어 표현 방법, §Bag of Words 모델), verbatim
NOTE_SENTENCES = [
    "자연어 처리에서는 텍스트의 특징 추출을 위해 수치화를 해주어야 한다.",
    "말 그대로 가방에 넣는 것. 순서를 고려하지 않음. 단지 출현 빈도, frequency에만 집중하는 "
    "데이터 수치화 표현 방법이다.",
    "이 모델에서는 단어의 순서나 문맥은 고려되지 않으며, 오직 단어가 몇 번 등장했는지만이 "
    "중요하다.",
]


def test_normalize_text():
    decomposed = unicodedata.normalize("NFD", "한국어")      # jamo, 6 code points
    assert decomposed != "한국어"
    assert normalize_text(decomposed) == "한국어"
    assert normalize_text("ＢｏＷ\u3000모델 ①") == "bow 모델 1"
    assert normalize_text("  A  B ", lowercase=False) == "A B"


def test_clean_text():
    raw = "<b>TF-IDF</b>는 중요도!! ☆ 참고: http://a.b/c?d=1 메일 me@x.org"
    assert clean_text(raw) == "TF-IDF 는 중요도!! 참고 메일"   # a tag becomes a space
    assert clean_text(raw, symbols=False, urls=False) == \
        "TF-IDF 는 중요도!! ☆ 참고: http://a.b/c?d=1 메일"


def test_sentence_split_matches_kiwi_on_the_notes():
    kiwi = kiwipiepy.Kiwi()
    for text in NOTE_SENTENCES:
        expected = [s.text.strip() for s in kiwi.split_into_sents(text)]
        assert split_sentences(text) == expected
    assert split_sentences("   ") == []


def test_morphemes_of_note_sentences():
    """Hand-checked: particles and endings come off the stems."""
    tokens = morpheme_tokenize(NOTE_SENTENCES[0], tags=True)
    nouns = [f for f, t in tokens if t.startswith("NN")]
    assert nouns == ["자연어 처리", "텍스트", "특징", "추출", "수치"]
    assert ("의", "JKG") in tokens and ("을", "JKO") in tokens and ("를", "JKO") in tokens
    words = whitespace_tokenize(NOTE_SENTENCES[0])
    assert "텍스트의" in words and "텍스트" not in words      # whitespace keeps them glued
    content = morpheme_tokenize(NOTE_SENTENCES[2], drop=("J", "E", "S"))
    for stem in ("모델", "단어", "순서", "문맥", "고려", "등장", "중요"):
        assert stem in content, (stem, content)
    assert all(isinstance(t, str) for t in content)


def test_missing_kiwipiepy_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "kiwipiepy", None)
    monkeypatch.setattr(seqcore.text, "_KIWI", [])
    with pytest.raises(ImportError, match=r"kiwipiepy.*pip install 'seqcore\[ko\]'"):
        morpheme_tokenize("한국어 문장")


def test_vocabulary_ids_min_freq_and_specials():
    corpus = [["b", "a", "b"], ["c", "b", "a"], ["d"]]
    v = Vocabulary(corpus, min_freq=2)
    assert v.tokens[:4] == list(SPECIALS) and v.pad_id == 0 and v.unk_id == 1
    assert v.tokens[4:] == ["b", "a"]                    # by frequency: b 3, a 2
    assert len(v) == 6 and "c" not in v
    assert v.encode(["a", "c", "b"], bos=True, eos=True) == [2, 5, 1, 4, 3]
    assert v.decode(v.encode(["a", "b"])) == ["a", "b"]
    assert Vocabulary(corpus, max_size=1).tokens[4:] == ["b"]
    ties = Vocabulary([["x", "y", "z"]])
    assert ties.tokens[4:] == ["x", "y", "z"]           # ties: first appearance
    plain = Vocabulary(corpus, specials=["<pad>", "<unk>"])
    with pytest.raises(ValueError, match="without the special token '<s>'"):
        plain.encode(["a"], bos=True)


@pytest.mark.parametrize("side", ["post", "pre"])
def test_padding_matches_torch_pad_sequence(side):
    seqs = [[4, 5, 6], [7], [8, 9], []]
    expected = torch.nn.utils.rnn.pad_sequence(
        [torch.tensor(s, dtype=torch.int64) for s in seqs], batch_first=True,
        padding_value=0, padding_side="right" if side == "post" else "left").numpy()
    got = pad_sequences(seqs, padding=side)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)


def test_truncation_pre_and_post():
    seqs = [[1, 2, 3, 4, 5], [6]]
    assert pad_sequences(seqs, maxlen=3).tolist() == [[1, 2, 3], [6, 0, 0]]
    assert pad_sequences(seqs, maxlen=3, truncating="pre").tolist() == [[3, 4, 5], [6, 0, 0]]
    assert pad_sequences(seqs, maxlen=3, padding="pre", truncating="pre").tolist() == \
        [[3, 4, 5], [0, 0, 6]]
    assert pad_sequences(seqs, maxlen=0).shape == (2, 0)
    assert pad_sequences([], maxlen=4).shape == (0, 4)
    assert pad_sequences(seqs, maxlen=2, value=-1).tolist() == [[1, 2], [6, -1]]


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: normalize_text(3), TypeError, ["`text`", "str", "int"]),
        (lambda: normalize_text("a", form="NFX"), ValueError, ["`form`", "'NFX'"]),
        (lambda: clean_text(None), TypeError, ["`text`", "NoneType"]),
        (lambda: split_sentences(["a"]), TypeError, ["`text`", "list"]),
        (lambda: whitespace_tokenize(b"a b"), TypeError, ["`text`", "bytes"]),
        (lambda: morpheme_tokenize(1.5), TypeError, ["`text`", "float"]),
        (lambda: Vocabulary("abc"), TypeError, ["`corpus`", "single str"]),
        (lambda: Vocabulary([["a", 1]]), TypeError, ["`corpus[0]`", "int", "position 1"]),
        (lambda: Vocabulary(["a b"]), TypeError, ["`corpus[0]`", "list of str"]),
        (lambda: Vocabulary([["a"]], min_freq=0), ValueError, ["`min_freq`", ">= 1"]),
        (lambda: Vocabulary([["a"]], specials=["<s>"]), ValueError, ["`specials`", "<pad>"]),
        (lambda: Vocabulary([["a"]]).encode("a b"), TypeError, ["`tokens`", "str"]),
        (lambda: Vocabulary([["a"]]).encode([1]), TypeError, ["`tokens`", "int"]),
        (lambda: Vocabulary([["a"]]).decode([9]), ValueError, ["`ids`", "[0, 4]", "9"]),
        (lambda: pad_sequences([[1]], padding="left"), ValueError, ["`padding`", "'left'"]),
        (lambda: pad_sequences([[1]], truncating="x"), ValueError, ["`truncating`"]),
        (lambda: pad_sequences([[1]], maxlen=-1), ValueError, ["`maxlen`", ">= 0"]),
        (lambda: pad_sequences([["a"]]), TypeError, ["`sequences[0]`", "int ids"]),
        (lambda: pad_sequences(["ab"]), TypeError, ["`sequences[0]`", "str"]),
        (lambda: pad_sequences([[[1]]]), TypeError, ["`sequences[0]`", "flat"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)
