"""Claims of the chapter 'Word embeddings' (docs/embeddings.*.md), checked by code.

Each test names the section whose sentence it backs. The trained vectors come from
gensim's Word2Vec on the Lee corpus that ships in gensim's wheel (an independent
trainer, about 3 s on one core); the rest is checked against torch.autograd or by hand.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import spearmanr

from seqcore import embedding_lookup, glove_weight, noise_distribution, subsample_keep_probability
from tests._require import require
from tests.conftest import DOCS

gensim = require("gensim")
torch = require("torch")


@pytest.fixture(scope="module")
def lee_vectors():
    """Skip-gram vectors of the Lee corpus (the chapter's settings, 10 epochs, one thread)."""
    from gensim.models import Word2Vec
    from gensim.test.utils import datapath
    from gensim.utils import simple_preprocess

    with open(datapath("lee_background.cor"), encoding="utf-8") as f:
        sentences = [simple_preprocess(line) for line in f]
    model = Word2Vec(sentences, vector_size=50, window=5, negative=5, sg=1, epochs=10,
                     min_count=5, sample=1e-3, workers=1, seed=0)
    return model.wv


def _falls_again_for_the_most_frequent(counts: np.ndarray, norms: np.ndarray) -> bool:
    """The ten most frequent words are clearly shorter than the words ranked 30–100."""
    by_count = np.argsort(-counts)
    return bool(norms[by_count[:10]].mean() < 0.9 * norms[by_count[30:100]].mean())


def test_vector_length_is_correlated_with_frequency_but_not_monotone(lee_vectors):
    """§ Cosine similarity and nearest neighbours: length correlates with frequency, is
    largest for middle-frequency words and falls again for the most frequent ones."""
    wv = lee_vectors
    counts = np.array([wv.get_vecattr(w, "count") for w in wv.index_to_key])
    norms = np.linalg.norm(wv.vectors, axis=1)
    rho = spearmanr(np.log(counts), norms).statistic
    assert rho > 0.5, f"length and log-frequency should be correlated; Spearman {rho:.3f}"
    assert _falls_again_for_the_most_frequent(counts, norms)
    assert norms[wv.key_to_index["the"]] < np.median(norms[np.argsort(-counts)[30:100]])
    # the control: lengths that did grow with frequency would fail the check
    assert not _falls_again_for_the_most_frequent(counts, np.log(counts))


def test_without_the_exclusion_a_question_word_wins(lee_vectors):
    """§ Analogies, correction box: without d ∉ {a, b, c} the nearest word to b − a + c is
    far more often a question word than the expected answer."""
    from gensim.test.utils import datapath

    wv = lee_vectors
    with open(datapath("questions-words.txt"), encoding="utf-8") as f:
        questions = [line.lower().split() for line in f if not line.startswith(":")]
    questions = [q for q in questions if all(w in wv.key_to_index for w in q)]
    unit, index = wv.get_normed_vectors(), wv.key_to_index
    question_word = right = right_excluded = 0
    for a, b, c, d in questions:
        scores = unit @ (unit[index[b]] - unit[index[a]] + unit[index[c]])
        first = wv.index_to_key[int(np.argmax(scores))]
        question_word += first in (a, b, c)
        right += first == d
        scores[[index[a], index[b], index[c]]] = -np.inf
        right_excluded += wv.index_to_key[int(np.argmax(scores))] == d
    assert len(questions) > 100
    assert question_word > 0.25 * len(questions)
    assert question_word > 10 * max(right, 1)
    assert right_excluded >= right     # excluding the question words can only help the answer


@pytest.mark.formula("embedding.lookup")
def test_the_lookups_gradient_reaches_only_the_rows_used():
    """§ Lookup = one-hot × matrix: as for a linear layer on one-hot inputs, only the rows
    of the words that occur get a gradient."""
    E = torch.randn(10, 4, dtype=torch.float64, requires_grad=True)
    ids = torch.tensor([3, 7, 3])
    (embedding_lookup(E, ids) ** 2).sum().backward()
    touched = torch.nonzero(E.grad.abs().sum(dim=1)).ravel().tolist()
    assert touched == [3, 7]
    E2 = E.detach().clone().requires_grad_(True)
    one_hot = torch.nn.functional.one_hot(ids, 10).to(torch.float64)
    ((one_hot @ E2) ** 2).sum().backward()
    torch.testing.assert_close(E.grad, E2.grad, rtol=0, atol=0)


@pytest.mark.formula("word2vec.noise")
def test_the_three_quarter_power_favours_rare_words():
    """§ Negative sampling: the 3/4 power gives rare words more chances than their
    frequency; frequent words fewer."""
    counts = np.array([1000, 300, 50, 10, 2, 1])
    boost = noise_distribution(counts) / (counts / counts.sum())
    assert np.all(np.diff(boost) > 0)          # the rarer the word, the bigger the boost
    assert boost[0] < 1 < boost[-1]
    flat = noise_distribution(counts, power=1.0) / (counts / counts.sum())
    np.testing.assert_allclose(flat, 1.0)       # the control: power 1 changes nothing


@pytest.mark.formula("word2vec.subsample")
def test_subsampling_keeps_frequent_words_less_often():
    """§ Negative sampling, subsampling: the keep probability shrinks with frequency and
    is 1 for words rarer than the threshold allows."""
    counts = np.array([50_000, 5_000, 500, 50, 5, 1])
    keep = subsample_keep_probability(counts, sample=1e-3)
    assert np.all(np.diff(keep) >= 0) and keep[0] < keep[1] < 1
    assert keep[-1] == 1.0


@pytest.mark.formula("glove.weight")
def test_the_glove_weight_ignores_zero_counts_and_caps_common_pairs():
    """§ GloVe: f(0) = 0, small weights for rare counts, 1 from x_max on."""
    x = np.array([0.0, 1.0, 10.0, 50.0, 100.0, 1e4])
    f = glove_weight(x)
    assert f[0] == 0 and np.all(np.diff(f) >= 0)
    assert f[1] < 0.05 and f[4] == f[5] == 1.0


def test_the_recorded_training_time_ratio_is_the_quoted_slowdown():
    """§ Training on real text: seqcore and gensim: seqcore's NumPy trainer took several
    times as long as gensim's compiled one. The page quotes the ratio from the record
    (python -m experiments word2vec_lee); the ratio there is seqcore's time over gensim's."""
    record = json.loads((DOCS / "_data" / "experiments" / "word2vec_lee.json")
                        .read_text(encoding="utf-8"))
    seconds = record["train_seconds"]
    assert seconds["ratio"] == round(seconds["seqcore"] / seconds["gensim"], 1)
    assert seconds["ratio"] > 2, "the page says seqcore's trainer is several times slower"
    assert record["analogy"]["inside_vocabulary"] == 146
    assert record["analogy"]["questions_in_file"] == 19_544


def test_the_standard_analogy_evaluation_excludes_the_question_words(lee_vectors):
    """§ Analogies, correction box: gensim's most_similar (the standard evaluation, like
    word2vec's compute-accuracy) never answers with a, b or c, although the nearest word to
    b − a + c is often one of them."""
    from gensim.test.utils import datapath

    wv = lee_vectors
    with open(datapath("questions-words.txt"), encoding="utf-8") as f:
        questions = [line.lower().split() for line in f if not line.startswith(":")]
    questions = [q for q in questions if all(w in wv.key_to_index for w in q)][:60]
    unit, index = wv.get_normed_vectors(), wv.key_to_index
    nearest_is_a_question_word = 0
    for a, b, c, _ in questions:
        answers = [w for w, _ in wv.most_similar(positive=[b, c], negative=[a], topn=5)]
        assert not {a, b, c} & set(answers)
        scores = unit @ (unit[index[b]] - unit[index[a]] + unit[index[c]])
        nearest_is_a_question_word += wv.index_to_key[int(np.argmax(scores))] in (a, b, c)
    assert nearest_is_a_question_word > 10          # the control: the exclusion does work


def test_hierarchical_softmax_is_a_normalized_distribution_over_the_vocabulary():
    """§ Word2Vec, skip-gram: hierarchical softmax (gensim hs=1, the other replacement of the
    full softmax) scores each word by the binary decisions on its Huffman-tree path; the
    scores sum to 1 over the vocabulary, and paths are about log₂ V long."""
    from gensim.models import Word2Vec

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)]
    zipf = 1 / np.arange(1, 41)
    sentences = [list(rng.choice(words, size=12, p=zipf / zipf.sum())) for _ in range(300)]
    model = Word2Vec(sentences, vector_size=8, window=2, hs=1, negative=0, min_count=1,
                     epochs=3, workers=1, seed=0)
    wv = model.wv
    V = len(wv.index_to_key)
    for center in wv.index_to_key[:5]:
        v = wv[center]
        p = np.empty(V)
        for i, w in enumerate(wv.index_to_key):
            code = np.asarray(wv.get_vecattr(w, "code"), dtype=float)
            point = np.asarray(wv.get_vecattr(w, "point"))
            # word2vec.c: a node's code bit 0 has probability σ(x), bit 1 has σ(−x)
            p[i] = np.prod(1 / (1 + np.exp(-(1 - 2 * code) * (model.syn1[point] @ v))))
        assert p.sum() == pytest.approx(1.0, abs=1e-5)
        assert not np.allclose(p, 1 / V)             # the control: it is not just uniform
    lengths = [len(wv.get_vecattr(w, "code")) for w in wv.index_to_key]
    assert np.mean(lengths) < np.log2(V) + 1 and max(lengths) < V / 2
