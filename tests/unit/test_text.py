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
        (lambda: normalize_text(3), TypeError, ["normalize_text: `text`", "a str", "int"]),
        (lambda: Vocabulary("abc"), TypeError, ["Vocabulary: `corpus`", "tokenized sentences",
                                                "str ('abc')"]),
        (lambda: Vocabulary([["a", 1]]), TypeError, ["Vocabulary: `corpus[0]`", "int",
                                                     "position 1"]),
        (lambda: Vocabulary(["a b"]), TypeError, ["Vocabulary: `corpus[0]`", "list of str"]),
        (lambda: Vocabulary([["a"]], specials=["<s>"]), ValueError,
         ["Vocabulary: `specials`", "'<pad>' and '<unk>'"]),
        (lambda: Vocabulary([["a"]], specials=["<unk>", "<pad>", "<unk>"]), ValueError,
         ["Vocabulary: `specials`", "distinct"]),
        (lambda: Vocabulary([["a"]], specials=["<pad>", "<unk>"]).encode(["a"], bos=True),
         ValueError, ["Vocabulary", "without the special token '<s>'", "`specials`"]),
        (lambda: Vocabulary([["a"]]).encode([1]), TypeError, ["Vocabulary.encode: `tokens`",
                                                              "int", "position 0"]),
        (lambda: Vocabulary([["a"]]).decode([9]), ValueError,
         ["Vocabulary.decode: `ids`", "[0, 4]", "9", "position 0"]),
        (lambda: Vocabulary([["a"]]).decode([4, 5]), ValueError,
         ["Vocabulary.decode: `ids`", "[0, 4]", "5", "position 1"]),
        (lambda: pad_sequences([["a"]]), TypeError, ["pad_sequences: `sequences[0]`", "int ids"]),
        (lambda: pad_sequences(["ab"]), TypeError, ["pad_sequences: `sequences[0]`", "str"]),
        (lambda: pad_sequences([[[1]]]), TypeError, ["pad_sequences: `sequences[0]`", "flat"]),
        (lambda: pad_sequences("12"), TypeError, ["pad_sequences: `sequences`", "id lists",
                                                  "str"]),
        (lambda: pad_sequences(iter([[1]])), TypeError, ["pad_sequences: `sequences`",
                                                         "list_iterator"]),
        (lambda: morpheme_tokenize("a", drop="NNG"), TypeError,
         ["morpheme_tokenize: `drop`", "list of str", "str ('NNG')"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


# --- small cases worked by hand ------------------------------------------------------------

CORPUS = [["b", "a", "b"], ["c", "b", "a"]]


def test_vocabulary_boundaries_by_hand():
    # counts: b 3, a 2, c 1; ties keep first-seen order (Counter.most_common).
    v = Vocabulary(CORPUS)
    assert v.tokens == ["<pad>", "<unk>", "<s>", "</s>", "b", "a", "c"]
    assert v.counts == {"b": 3, "a": 2, "c": 1}
    assert repr(v) == "Vocabulary(7 tokens, 4 special)" and len(v) == 7 and "c" in v
    assert Vocabulary(CORPUS, min_freq=2).tokens[4:] == ["b", "a"]
    assert Vocabulary(CORPUS, min_freq=3).tokens[4:] == ["b"]
    assert Vocabulary(CORPUS, max_size=0).tokens[4:] == []
    assert Vocabulary(CORPUS, max_size=1).tokens[4:] == ["b"]
    assert v.decode([6, 0, 1, 2]) == ["c", "<pad>", "<unk>", "<s>"]
    assert v.decode([6, 0, 1, 2], skip_specials=True) == ["c", "<unk>"]
    assert v.encode(["a", "zz"], bos=True, eos=True) == [2, 5, 1, 3]
    assert v.encode(("a",)) == [5]
    w = Vocabulary([["x"]], specials=["<unk>", "<pad>"])
    assert (w.unk_id, w.pad_id) == (0, 1)


def test_pad_sequences_by_hand():
    seqs = [[1, 2, 3], [4], []]
    out = pad_sequences(seqs)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [[1, 2, 3], [4, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(pad_sequences(seqs, padding="pre", value=-1),
                                  [[1, 2, 3], [-1, -1, 4], [-1, -1, -1]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=2), [[1, 2], [4, 0], [0, 0]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=2, truncating="pre"),
                                  [[2, 3], [4, 0], [0, 0]])
    # maxlen equal to the longest row: nothing is cut; maxlen 0 keeps no column.
    np.testing.assert_array_equal(pad_sequences([[1, 2]], maxlen=2, truncating="pre"), [[1, 2]])
    assert pad_sequences(seqs, maxlen=0).shape == (3, 0)
    assert pad_sequences([]).shape == (0, 0) and pad_sequences([]).dtype == np.int64
    assert pad_sequences([[]]).shape == (1, 0)
    # uint8 ids become int64 so that a negative padding value is representable.
    padded = pad_sequences([np.array([200], dtype=np.uint8), []], value=-1)
    assert padded.dtype == np.int64
    np.testing.assert_array_equal(padded, [[200], [-1]])


def test_cleaning_switches():
    text = "<b>Hi</b> see https://x.org or mail a@b.com #now"
    assert clean_text(text) == "Hi see or mail now"
    assert clean_text(text, html=False) == "b Hi b see or mail now"
    assert clean_text(text, urls=False) == "Hi see https x.org or mail now"
    assert clean_text(text, emails=False) == "Hi see or mail a b.com now"
    assert clean_text(text, symbols=False) == "Hi see or mail #now"
    assert normalize_text("  Ａ  B ") == "a b"
    assert normalize_text("Ａ B", lowercase=False) == "A B"
    assert normalize_text("ﬁ", form="NFC") == "ﬁ"
