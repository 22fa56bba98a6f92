"""Cases the mutation run (``bash .ci/mutation``) found untested in seqcore.text: full error
messages, the boundaries of min_freq/max_size/maxlen/ids, and padding dtypes, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    Vocabulary,
    clean_text,
    normalize_text,
    pad_sequences,
    split_sentences,
    whitespace_tokenize,
)
from tests.unit.errors import assert_error_names

CORPUS = [["b", "a", "b"], ["c", "b", "a"]]


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: normalize_text(b"x"), TypeError, "normalize_text: `text` must be a str; got bytes"),
    (lambda: normalize_text("x", form="nfc"), ValueError,
     "normalize_text: `form` must be one of 'NFKC', 'NFC', 'NFKD', 'NFD'; got 'nfc'"),
    (lambda: clean_text(1), TypeError, "clean_text: `text` must be a str; got int (1)"),
    (lambda: split_sentences(None), TypeError, "split_sentences: `text` must be a str"),
    (lambda: whitespace_tokenize(["a"]), TypeError, "whitespace_tokenize: `text` must be a str"),
    (lambda: Vocabulary(CORPUS, min_freq=0), ValueError,
     "Vocabulary: `min_freq` must be an integer >= 1; got 0"),
    (lambda: Vocabulary(CORPUS, min_freq=True), ValueError, "Vocabulary: `min_freq` must be"),
    (lambda: Vocabulary(CORPUS, min_freq=1.0), ValueError, "Vocabulary: `min_freq` must be"),
    (lambda: Vocabulary(CORPUS, max_size=-1), ValueError,
     "Vocabulary: `max_size` must be None or an integer >= 0; got -1"),
    (lambda: Vocabulary(CORPUS, max_size=2.0), ValueError, "Vocabulary: `max_size` must be"),
    (lambda: Vocabulary(CORPUS, specials=["<pad>"]), ValueError,
     "Vocabulary: `specials` must be distinct and include '<pad>' and '<unk>'; got ['<pad>']"),
    (lambda: Vocabulary(CORPUS, specials=["<unk>", "<pad>", "<unk>"]), ValueError,
     "Vocabulary: `specials` must be distinct"),
    (lambda: Vocabulary("a b"), TypeError,
     "Vocabulary: `corpus` must be a list of tokenized documents (lists of str); got a single "
     "str"),
    (lambda: Vocabulary([["a"], "b"]), TypeError,
     "Vocabulary: `corpus[1]` must be a list of str tokens (tokenize first); got str"),
    (lambda: Vocabulary(CORPUS).encode("b a"), TypeError,
     "Vocabulary.encode: `tokens` must be a list of str tokens (tokenize first); got str"),
    (lambda: Vocabulary(CORPUS).decode([0, 7]), ValueError,
     "Vocabulary.decode: `ids` must lie in [0, 6]; got 7 at position 1"),
    (lambda: Vocabulary(CORPUS).decode([-1]), ValueError,
     "Vocabulary.decode: `ids` must lie in [0, 6]; got -1 at position 0"),
    (lambda: Vocabulary(CORPUS, specials=["<pad>", "<unk>"]).encode(["a"], bos=True),
     ValueError, "Vocabulary: this vocabulary was built without the special token '<s>'; "
     "`specials` = ['<pad>', '<unk>']"),
    (lambda: pad_sequences([[1]], padding="left"), ValueError,
     "pad_sequences: `padding` must be 'pre' or 'post'; got 'left'"),
    (lambda: pad_sequences([[1]], truncating="both"), ValueError,
     "pad_sequences: `truncating` must be 'pre' or 'post'; got 'both'"),
    (lambda: pad_sequences("12"), TypeError,
     "pad_sequences: `sequences` must be a list of id lists; got str"),
    (lambda: pad_sequences(iter([[1]])), TypeError,
     "pad_sequences: `sequences` must be a list of id lists; got list_iterator"),
    (lambda: pad_sequences([[1], 5]), TypeError,
     "pad_sequences: `sequences[1]` must be a list of int ids; got int"),
    (lambda: pad_sequences([[1], "ab"]), TypeError,
     "pad_sequences: `sequences[1]` must be a list of int ids; got str"),
    (lambda: pad_sequences([[1.5]]), TypeError,
     "pad_sequences: `sequences[0]` must be a flat list of int ids (encode tokens with "
     "Vocabulary.encode first); got [1.5]"),
    (lambda: pad_sequences([[[1]]]), TypeError, "pad_sequences: `sequences[0]` must be a flat"),
    (lambda: pad_sequences([[1]], maxlen=-1), ValueError,
     "pad_sequences: `maxlen` must be None or an integer >= 0; got -1"),
    (lambda: pad_sequences([[1]], maxlen=True), ValueError, "pad_sequences: `maxlen` must be"),
    (lambda: pad_sequences([[1]], maxlen=1.0), ValueError, "pad_sequences: `maxlen` must be"),
])
def test_error_messages(call, error, message):
    assert_error_names(call, error, [message])


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
