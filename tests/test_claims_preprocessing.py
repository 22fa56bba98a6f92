"""Claims of the chapter 'Text preprocessing' (docs/preprocessing.*.md), checked by code.

Each test names the section whose sentence it backs. References: the Unicode character
database, Kiwi, held-out Korean text (this site's own Korean chapters), and separate
computations of each packed sentence.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pytest

from seqcore import pad_sequences, rnn_forward, scaled_dot_product_attention, whitespace_tokenize
from tests._require import require
from tests.conftest import DOCS


def test_hangul_syllables_are_a_closed_set_of_11172_built_from_67_jamo():
    """§ Tokenization, the units of a token: 19 initials × 21 vowels × 28 finals (none
    included) = 11,172 syllables, made of 67 jamo."""
    syllables = [chr(c) for c in range(0xAC00, 0xD7A4)]
    assert all(unicodedata.name(s).startswith("HANGUL SYLLABLE") for s in syllables)
    parts = [unicodedata.normalize("NFD", s) for s in syllables]
    initials = {p[0] for p in parts}
    vowels = {p[1] for p in parts}
    finals = {p[2] for p in parts if len(p) == 3}
    assert (len(syllables), len(initials), len(vowels), len(finals)) == (11172, 19, 21, 27)
    assert sum(len(p) == 2 for p in parts) == 19 * 21              # the 28th "final": none
    assert len(initials | vowels | finals) == 67
    # the 67 are positional: initial ㄱ (CHOSEONG KIYEOK) and final ㄱ (JONGSEONG KIYEOK) are
    # two. As letters they are the keyboard's 51 compatibility jamo (U+3131–U+3163)
    letters = {unicodedata.name(j).split()[-1] for j in initials | vowels | finals}
    compatibility = {unicodedata.name(chr(c)).removeprefix("HANGUL LETTER ")
                     for c in range(0x3131, 0x3164)}
    assert len(letters) == 51 and letters == compatibility


def _korean_prose(names: list[str]) -> str:
    """The Korean chapters' running text: no code, math, links or markup."""
    text = "\n".join((DOCS / f"{n}.ko.md").read_text(encoding="utf-8") for n in names)
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$|`[^`]*`|<[^>]+>|\]\([^)]*\)", " ", text, flags=re.S)
    return " ".join(re.findall(r"[가-힣]+", text))


def test_words_run_out_of_vocabulary_characters_do_not():
    """§ Tokenization, the units of a token: trained on some Korean chapters, eojeol leave
    many unseen tokens in other chapters and morphemes fewer; syllables are few even when
    learned from the text, and none at all with the closed set of 11,172 as vocabulary."""
    require("kiwipiepy")
    from seqcore import morpheme_tokenize

    train = _korean_prose(["rnn", "bptt", "lstm-gru"])
    test = _korean_prose(["sparse", "topology"])

    def oov(split) -> float:
        seen = set(split(train))
        held_out = split(test)
        return sum(t not in seen for t in held_out) / len(held_out)

    words, morphemes = oov(whitespace_tokenize), oov(morpheme_tokenize)
    characters = oov(lambda s: [c for c in s if not c.isspace()])
    assert words > 0.2 and morphemes < words / 2 and characters < 0.05, \
        (words, morphemes, characters)
    # rare, not never: a vocabulary learned from a corpus holds only the syllables it saw
    assert characters > 0 and len(set(train) - {" "}) < 11172 / 4
    closed = {chr(c) for c in range(0xAC00, 0xD7A4)}
    assert all(c in closed for c in test if not c.isspace())


def _pack(sentences: list[list[int]], maxlen: int) -> list[list[list[int]]]:
    """Greedy packing: fill each row with whole sentences (each ended by </s> = 3)."""
    rows, row = [], []
    for s in sentences:
        s = [*s, 3]
        if sum(map(len, row)) + len(s) > maxlen:
            rows.append(row)
            row = []
        row.append(s)
    return [*rows, row] if row else rows


def test_packing_removes_most_padding():
    """§ Padding and truncation, sequence packing: the same tokens in far fewer padding
    cells than one sentence per row; cut at row ends, only the last row has padding."""
    rng = np.random.default_rng(0)
    sentences = [list(rng.integers(4, 50, size=n)) for n in rng.integers(3, 30, size=200)]
    maxlen = 64
    one_per_row = pad_sequences([[*s, 3] for s in sentences], maxlen=maxlen)
    packed = _pack(sentences, maxlen)
    tokens = sum(len(s) + 1 for s in sentences)
    padding_alone = 1 - tokens / one_per_row.size
    padding_packed = 1 - tokens / (len(packed) * maxlen)
    assert padding_alone > 0.6 and padding_packed < padding_alone / 3, \
        (padding_alone, padding_packed)
    stream = [t for s in sentences for t in [*s, 3]]
    rows = pad_sequences([stream[i:i + maxlen] for i in range(0, len(stream), maxlen)],
                         maxlen=maxlen)
    assert (rows[:-1] == 0).sum() == 0 and (rows == 0).sum() < maxlen


def test_a_block_diagonal_mask_makes_a_packed_row_compute_each_sentence_alone():
    """§ Padding and truncation, sequence packing: without a mask the sentences in one row
    see each other; with a block-diagonal (and causal) mask, or a state reset for an RNN,
    every sentence's result equals the one computed alone."""
    rng = np.random.default_rng(1)
    lengths = [4, 6, 3]
    X = rng.normal(size=(sum(lengths), 8))
    owner = np.repeat(np.arange(len(lengths)), lengths)
    block = (owner[:, None] == owner[None, :]) & np.tri(len(owner), dtype=bool)
    packed, _ = scaled_dot_product_attention(X, X, X, mask=block)
    leaky, _ = scaled_dot_product_attention(X, X, X, causal=True)
    starts = np.cumsum([0, *lengths[:-1]])
    for start, n in zip(starts, lengths, strict=True):
        alone, _ = scaled_dot_product_attention(X[start:start + n], X[start:start + n],
                                                X[start:start + n], causal=True)
        np.testing.assert_allclose(packed[start:start + n], alone, atol=1e-12)
    assert not np.allclose(leaky[starts[1]:], packed[starts[1]:])   # the control: it leaks
    # an RNN: reset the state at each boundary = run each sentence alone
    W_xh, W_hh, b = rng.normal(size=(5, 8)), rng.normal(size=(5, 5)) * 0.5, rng.normal(size=5)
    h, states = np.zeros(5), []
    for t, x in enumerate(X):
        if t in starts:
            h = np.zeros(5)
        h = np.tanh(W_xh @ x + W_hh @ h + b)
        states.append(h)
    for start, n in zip(starts, lengths, strict=True):
        alone, _ = rnn_forward(X[start:start + n], W_xh, W_hh, b)
        np.testing.assert_allclose(np.array(states[start:start + n]), alone, atol=1e-12)


@pytest.mark.parametrize("pads", [2, 8, 32])
def test_post_padding_blurs_the_last_state_pre_padding_does_not(pads):
    """§ Padding and truncation: read without a mask, h_T after post-padding has read the
    padding (and drifts further the more there is); with pre-padding, a zero pad vector
    and no bias, the zero state stays zero until the sentence starts."""
    rng = np.random.default_rng(2)
    W_xh, W_hh = rng.normal(size=(6, 4)), rng.normal(size=(6, 6)) * 0.4
    b = rng.normal(size=6) * 0.5
    sentence = rng.normal(size=(5, 4))
    pad = np.zeros((pads, 4))
    _, alone = rnn_forward(sentence, W_xh, W_hh, np.zeros(6))
    _, pre = rnn_forward(np.vstack([pad, sentence]), W_xh, W_hh, np.zeros(6))
    np.testing.assert_allclose(pre, alone, atol=1e-15)
    _, alone_b = rnn_forward(sentence, W_xh, W_hh, b)
    _, post = rnn_forward(np.vstack([sentence, pad]), W_xh, W_hh, b)
    _, post_more = rnn_forward(np.vstack([sentence, pad, pad]), W_xh, W_hh, b)
    assert np.linalg.norm(post - alone_b) > 0.05
    # the more padding it reads, the closer it gets to the sentence-free fixed point
    _, fixed = rnn_forward(np.zeros((200, 4)), W_xh, W_hh, b)
    assert np.linalg.norm(post_more - fixed) < np.linalg.norm(post - fixed)


def test_a_sentence_split_across_rows_is_not_computed_as_alone():
    """§ Padding and truncation, sequence packing: only a sentence wholly inside one row gets
    its lone result; cut at the row's end and continued on the next row (state reset there),
    its second half no longer sees its first half."""
    rng = np.random.default_rng(5)
    W_xh, W_hh, b = rng.normal(size=(5, 8)), rng.normal(size=(5, 5)) * 0.5, rng.normal(size=5)
    sentence = rng.normal(size=(7, 8))
    alone, _ = rnn_forward(sentence, W_xh, W_hh, b)
    first, _ = rnn_forward(sentence[:4], W_xh, W_hh, b)     # the end of row 1
    second, _ = rnn_forward(sentence[4:], W_xh, W_hh, b)    # row 2 starts from h = 0
    np.testing.assert_allclose(first, alone[:4], atol=1e-12)
    assert np.abs(second - alone[4:]).max() > 0.1


def test_pack_padded_sequence_needs_post_padding():
    """§ Questions, pre- or post-padding: `pack_padded_sequence` reads the first lengths[i]
    steps of each row; on a post-padded row it gives the unpadded result, on a pre-padded row
    it reads the padding and drops the last real tokens."""
    torch = require("torch")
    from torch.nn.utils.rnn import pack_padded_sequence

    torch.manual_seed(0)
    rnn = torch.nn.RNN(1, 2, batch_first=True, dtype=torch.float64)
    real = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    pad = torch.zeros(2, dtype=torch.float64)
    _, alone = rnn(real.view(1, 3, 1))
    lengths = torch.tensor([3])
    for row, same in ((torch.cat([real, pad]), True), (torch.cat([pad, real]), False)):
        _, h = rnn(pack_padded_sequence(row.view(1, 5, 1), lengths, batch_first=True))
        assert torch.allclose(h, alone) is same
    # what the pre-padded packed batch actually read: the first three steps, 0, 0, 1
    _, read = rnn(torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64).view(1, 3, 1))
    _, h = rnn(pack_padded_sequence(torch.cat([pad, real]).view(1, 5, 1), lengths,
                                    batch_first=True))
    assert torch.allclose(h, read)


def test_left_padding_needs_positions_counted_from_the_real_tokens():
    """§ Questions, pre- or post-padding: a Transformer with absolute (sinusoidal) positions
    gives the unpadded result under left padding only when the mask hides the padding and
    the position numbers start at the first real token."""
    from seqcore import positional_encoding

    rng = np.random.default_rng(6)
    d, n, pads = 8, 4, 3
    words = rng.normal(size=(n, d))
    pe = positional_encoding(n + pads, d)
    alone, _ = scaled_dot_product_attention(words + pe[:n], words + pe[:n], words + pe[:n])
    real = np.r_[np.zeros(pads, bool), np.ones(n, bool)]
    mask = np.broadcast_to(real, (n + pads, n + pads))
    row = np.vstack([np.zeros((pads, d)), words])
    from_row_start = row + pe
    from_real = row + pe[np.maximum(np.cumsum(real) - 1, 0)]
    shifted, _ = scaled_dot_product_attention(from_row_start, from_row_start, from_row_start,
                                              mask=mask)
    counted, _ = scaled_dot_product_attention(from_real, from_real, from_real, mask=mask)
    np.testing.assert_allclose(counted[pads:], alone, atol=1e-12)
    assert np.abs(shifted[pads:] - alone).max() > 0.05        # positions shifted by 3


def test_frozen_pretrained_vectors_are_a_fixed_lookup_that_can_be_precomputed():
    """Correction box, embedding is usually not preprocessing: nn.Embedding is trained with
    the model, but nn.Embedding.from_pretrained freezes by default, so its lookup is a fixed
    rule and equals features computed beforehand."""
    torch = require("torch")

    vectors = torch.randn(6, 3, generator=torch.Generator().manual_seed(0))
    ids = torch.tensor([[1, 4, 2], [5, 0, 3]])
    for layer, trained in ((torch.nn.Embedding.from_pretrained(vectors), False),
                           (torch.nn.Embedding(6, 3), True)):
        head = torch.nn.Linear(3, 1)
        opt = torch.optim.SGD([*layer.parameters(), *head.parameters()], lr=0.5)
        before = layer.weight.detach().clone()
        head(layer(ids).mean(dim=1)).sum().backward()
        opt.step()
        assert layer.weight.requires_grad is trained
        assert (not torch.equal(layer.weight, before)) is trained
    features = vectors.numpy()[ids.numpy()]           # computed offline, with NumPy
    frozen = torch.nn.Embedding.from_pretrained(vectors)
    np.testing.assert_array_equal(frozen(ids).detach().numpy(), features)


def test_the_text_module_needs_nothing_beyond_numpy():
    """§ Tokenization: apart from kiwipiepy (imported inside morpheme_tokenize only),
    seqcore.text imports the standard library, NumPy and seqcore itself."""
    import ast
    import sys

    from tests.conftest import ROOT

    tree = ast.parse((ROOT / "seqcore" / "text.py").read_text(encoding="utf-8"))
    top = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            top.add(node.module.split(".")[0])
    assert top - set(sys.stdlib_module_names) - {"__future__"} == {"numpy"}, top
    nested = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
              and n.level == 0 and n not in tree.body}
    assert "kiwipiepy" in nested                     # the control: the one optional import
