"""Embedding lookup vs torch.nn.Embedding; neighbours and analogies vs gensim KeyedVectors."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    UnknownWordError,
    WordVectors,
    analogy_3cosadd,
    analogy_3cosmul,
    embedding_lookup,
    nearest_neighbors,
)
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")
gensim_models = require("gensim.models")

TOL = 1e-10
# gensim casts the query direction to float32 (its REAL) before the dot products, so its
# similarities carry float32 rounding: ~1e-8 here. Rankings must agree exactly.
GENSIM_TOL = 1e-6


def random_table(V=40, d=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(V, d))


def keyed_vectors(E):
    kv = gensim_models.KeyedVectors(vector_size=E.shape[1], dtype=np.float64)
    kv.add_vectors([f"w{i}" for i in range(E.shape[0])], E)
    return kv


@pytest.mark.formula("embedding.lookup")
@pytest.mark.parametrize("ids_shape", [(1,), (7,), (3, 5), (2, 3, 4)])
def test_lookup_matches_nn_embedding_and_one_hot_product(ids_shape):
    torch.manual_seed(0)
    emb = torch.nn.Embedding(11, 4, dtype=torch.float64)
    ids = torch.randint(0, 11, ids_shape)
    E = emb.weight.detach()
    expected = emb(ids).detach()
    one_hot = torch.nn.functional.one_hot(ids, 11).to(torch.float64) @ E
    got = embedding_lookup(E.numpy(), ids.numpy())
    np.testing.assert_allclose(got, expected.numpy(), rtol=0, atol=0)
    np.testing.assert_allclose(got, one_hot.numpy(), rtol=0, atol=TOL)
    got_t = embedding_lookup(E, ids)                  # the same function on torch tensors
    assert isinstance(got_t, torch.Tensor)
    torch.testing.assert_close(got_t, expected, rtol=0, atol=0)


@pytest.mark.formula("embedding.nearest")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearest_neighbors_match_gensim_most_similar(seed):
    E = random_table(seed=seed)
    kv = keyed_vectors(E)
    for i in (0, 7, 39):
        idx, cos = nearest_neighbors(E, E[i], k=10, exclude=[i])
        ref = kv.most_similar(f"w{i}", topn=10)
        assert [f"w{j}" for j in idx] == [w for w, _ in ref]
        np.testing.assert_allclose(cos, [s for _, s in ref], rtol=0, atol=GENSIM_TOL)
        # the same function on torch tensors, and against torch's own cosine
        t_idx, t_cos = nearest_neighbors(torch.from_numpy(E), torch.from_numpy(E[i]), k=10,
                                         exclude=[i])
        assert t_idx.tolist() == idx.tolist()
        ref_cos = torch.nn.functional.cosine_similarity(torch.from_numpy(E[idx]),
                                                        torch.from_numpy(E[i])[None, :])
        torch.testing.assert_close(t_cos, ref_cos, rtol=0, atol=TOL)


@pytest.mark.formula("analogy.3cosadd")
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_3cosadd_matches_gensim(seed):
    E = random_table(V=60, d=5, seed=seed)
    kv = keyed_vectors(E)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        a, b, c = (int(x) for x in rng.choice(60, size=3, replace=False))
        idx, score = analogy_3cosadd(E, a, b, c, k=8)
        ref = kv.most_similar(positive=[f"w{b}", f"w{c}"], negative=[f"w{a}"], topn=8)
        assert [f"w{j}" for j in idx] == [w for w, _ in ref]
        # gensim reports cos(d, b̂ − â + ĉ); ours is d̂·(b̂ − â + ĉ): the norm in between
        unit = E / np.linalg.norm(E, axis=1, keepdims=True)
        norm = np.linalg.norm(unit[b] - unit[a] + unit[c])
        np.testing.assert_allclose(score / norm, [s for _, s in ref], rtol=0, atol=GENSIM_TOL)


@pytest.mark.formula("analogy.3cosmul")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")   # gensim calls its own init_sims
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_3cosmul_matches_gensim(seed):
    E = random_table(V=60, d=5, seed=seed)
    kv = keyed_vectors(E)
    rng = np.random.default_rng(seed + 10)
    for _ in range(5):
        a, b, c = (int(x) for x in rng.choice(60, size=3, replace=False))
        idx, score = analogy_3cosmul(E, a, b, c, k=8, epsilon=1e-6)   # gensim's epsilon
        ref = kv.most_similar_cosmul(positive=[f"w{b}", f"w{c}"], negative=[f"w{a}"], topn=8)
        assert [f"w{j}" for j in idx] == [w for w, _ in ref]
        np.testing.assert_allclose(score, [s for _, s in ref], rtol=GENSIM_TOL, atol=0)


@pytest.mark.formula("analogy.3cosadd", "analogy.3cosmul")
def test_hand_built_king_queen():
    """Gender along one axis, royalty along another: both methods find queen."""
    words = ["king", "queen", "man", "woman", "prince", "apple"]
    E = np.array([[1.0, 1.0, 0.0], [1.0, -1.0, 0.0], [0.0, 1.0, 0.1], [0.0, -1.0, 0.1],
                  [0.9, 1.0, 0.3], [0.0, 0.0, 1.0]])
    wv = WordVectors(words, E)
    assert wv.analogy("man", "king", "woman")[0][0] == "queen"
    assert wv.analogy("man", "king", "woman", method="3cosmul")[0][0] == "queen"
    # hand-worked 3CosAdd score of queen: queen·king = 0; queen·man = −1; queen·woman = 1;
    # |queen| = √2, |man| = |woman| = √1.01
    expected = 0.0 - (-1 / (np.sqrt(2) * np.sqrt(1.01))) + 1 / (np.sqrt(2) * np.sqrt(1.01))
    assert wv.analogy("man", "king", "woman")[0][1] == pytest.approx(expected, abs=1e-12)


@pytest.mark.formula("analogy.3cosadd")
def test_evaluate_analogies_matches_gensim_on_question_file(tmp_path):
    E = random_table(V=30, d=4, seed=5)
    words = [f"w{i}" for i in range(30)]
    rng = np.random.default_rng(0)
    lines = [": section-a"]
    for _ in range(40):
        lines.append(" ".join(words[int(i)] for i in rng.choice(30, 4, replace=False)))
    lines += [": section-b", "w1 w2 w3 unknownword", "W4 W5 W6 W7"]
    path = tmp_path / "q.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kv = keyed_vectors(E)
    ref_score, _ = kv.evaluate_word_analogies(str(path), case_insensitive=True)
    report = WordVectors(words, E).evaluate_analogies(path)
    assert report.total == 41 and report.skipped == 1
    assert report.accuracy == pytest.approx(ref_score)


# --- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: embedding_lookup(np.ones((3, 2)), np.array([0, 3])), IndexError,
         ["`ids`", "[0, 2]", "0 to 3"]),
        (lambda: embedding_lookup(np.ones((3, 2)), np.array([0.0, 1.0])), TypeError,
         ["`ids`", "integers", "float64"]),
        (lambda: embedding_lookup(np.ones(3), np.array([0])), ShapeError,
         ["`E`", "2-D", "(3,)"]),
        (lambda: nearest_neighbors(np.ones((3, 2)), np.ones(3)), ShapeError,
         ["`query`", "dim=2", "(3,)"]),
        (lambda: nearest_neighbors(np.array([[1.0, 0.0], [0.0, 0.0]]), np.ones(2)),
         ValueError, ["row 1 of `vectors`", "zero vector"]),
        (lambda: nearest_neighbors(np.eye(3), np.zeros(3)), ValueError,
         ["`query` is the zero vector"]),
        (lambda: nearest_neighbors(np.eye(3), np.ones(3), k=3, exclude=[0]), ValueError,
         ["`k`=3", "only 2 rows remain"]),
        (lambda: nearest_neighbors(np.eye(3), np.ones(3), k=0), ValueError, ["`k`", "≥ 1"]),
        (lambda: analogy_3cosadd(np.eye(4), 0, 1, 9), IndexError, ["`c`", "[0, 3]", "9"]),
        (lambda: analogy_3cosadd(np.eye(4), 0, "b", 2), TypeError, ["`b`", "row index"]),
        (lambda: analogy_3cosmul(np.eye(4), 0, 1, 2, epsilon=0.0), ValueError,
         ["`epsilon`", "> 0"]),
        (lambda: WordVectors(["a", "b"], np.eye(3)), ShapeError, ["one row per word (2)"]),
        (lambda: WordVectors(["a", "a", "b"], np.eye(3)), ValueError, ["distinct", "'a'"]),
        (lambda: WordVectors(["a", "b", "c"], np.eye(3)).analogy("a", "b", "c",
                                                                 method="cos"),
         ValueError, ["`method`", "'3cosadd'", "'cos'"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


def test_unknown_words_in_an_analogy_get_a_clear_error():
    wv = WordVectors(["king", "queen", "man", "woman"], np.eye(4))
    with pytest.raises(UnknownWordError) as info:
        wv.analogy("man", "king", "wommen")
    assert str(info.value) == ("analogy: `c`='wommen' is not in the vocabulary (4 words)")
    assert isinstance(info.value, KeyError)      # what a dict lookup would raise
    with pytest.raises(UnknownWordError, match="most_similar: `word`='kings'"):
        wv.most_similar("kings")
    with pytest.raises(UnknownWordError):
        wv["nope"]
