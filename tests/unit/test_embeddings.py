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


def test_evaluate_analogies_uses_the_method_and_epsilon_it_is_given():
    """The report counts what ``analogy`` answers with the same method and epsilon (the
    four settings answer differently here); two questions with unknown words, two skipped."""
    words = [f"w{i}" for i in range(30)]
    wv = WordVectors(words, random_table(V=30, d=4, seed=5))
    rng = np.random.default_rng(0)
    questions = [[words[int(i)] for i in rng.choice(30, 4, replace=False)] for _ in range(200)]
    lines = [" ".join(q) for q in questions] + ["w1 w2 w3 nope", "nope w1 w2 w3"]

    def by_hand(method, epsilon):
        return sum(wv.analogy(a, b, c, k=1, method=method, epsilon=epsilon)[0][0] == d
                   for a, b, c, d in questions)

    settings = [("3cosadd", 1e-3), ("3cosmul", 1e-3), ("3cosmul", 1.001), ("3cosmul", 0.5)]
    counts = [by_hand(m, e) for m, e in settings]
    assert len(set(counts)) == 4
    for (method, epsilon), correct in zip(settings, counts, strict=True):
        report = wv.evaluate_analogies(lines, method=method, epsilon=epsilon)
        assert (report.correct, report.total, report.skipped) == (correct, 200, 2)
    assert wv.evaluate_analogies(lines, method="3cosmul").correct == counts[1]   # ε = 1e-3


def test_ties_go_to_the_lower_index_among_many():
    """Fifty rows in three directions: equal cosines are ranked by row index (an unstable
    sort reorders ties at this size); the default k is 10."""
    angles = np.radians([0.0, 40.0, 80.0])[np.random.default_rng(0).integers(0, 3, size=50)]
    rows = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    expected = sorted(range(50), key=lambda i: (angles[i], i))
    for k in (7, 20, 31):
        assert nearest_neighbors(rows, np.array([1.0, 0.0]), k=k)[0].tolist() == expected[:k]
    assert nearest_neighbors(rows, np.array([1.0, 0.0]))[0].tolist() == expected[:10]


# --- bad input ----------------------------------------------------------------------------

# The domains (dtypes, ranks, k, epsilon, method, ...) are derived in tests/unit/test_validation.py;
# here, what depends on the data: index ranges, zero vectors, duplicates, the question file.
@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: embedding_lookup(np.ones((3, 2)), np.array([0, 3])), IndexError,
         ["embedding_lookup: `ids`", "[0, 2]", "0 to 3"]),
        (lambda: embedding_lookup(V, np.array([-1, 2])), IndexError, ["`ids`", "-1 to 2"]),
        (lambda: embedding_lookup(np.ones(3), np.array([0])), ShapeError,
         ["embedding_lookup: `E`", "2-D", "(3,)"]),
        (lambda: nearest_neighbors(np.ones((3, 2)), np.ones(3)), ShapeError,
         ["nearest_neighbors: `query`", "dim=2", "(3,)"]),
        (lambda: nearest_neighbors(np.array([[1.0, 0.0], [0.0, 0.0]]), np.ones(2)),
         ValueError, ["nearest_neighbors: row 1 of `vectors`", "zero vector"]),
        (lambda: nearest_neighbors(np.eye(3), np.zeros(3)), ValueError,
         ["nearest_neighbors: `query` is the zero vector"]),
        (lambda: nearest_neighbors(V, V[0], exclude=[5]), IndexError,
         ["nearest_neighbors: `exclude`", "[0, 4]", "(5,)"]),
        (lambda: nearest_neighbors(V, V[0], exclude=[-1, 2]), IndexError,
         ["`exclude`", "[0, 4]", "-1"]),
        (lambda: nearest_neighbors(V, V[0], k=4, exclude=[1, 1, 2]), ValueError,
         ["nearest_neighbors: `k`=4", "only 3 rows remain", "excluding 2 of 5"]),
        (lambda: analogy_3cosadd(V, 0, 1, 5), IndexError, ["analogy_3cosadd: `c`", "[0, 4]", "5"]),
        (lambda: analogy_3cosadd(V, -1, 1, 2), IndexError, ["`a`", "[0, 4]", "-1"]),
        (lambda: analogy_3cosmul(V, 0, 1, 2, k=3), ValueError,
         ["analogy_3cosmul: `k`=3", "only 2 rows remain"]),
        (lambda: WordVectors(["a", "b"], np.eye(3)), ShapeError,
         ["WordVectors: `vectors`", "one row per word (2)", "(3, 3)"]),
        (lambda: WordVectors(["a", "a", "b"], np.eye(3)), ValueError,
         ["WordVectors: `words`", "distinct", "'a'"]),
        (lambda: WordVectors(["a", "b", "b"], np.eye(3)), ValueError, ["distinct", "'b'"]),
        (lambda: analogy_3cosadd(np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]), 0, 2, 0,
                                 k=1), ValueError,
         ["analogy_3cosadd: row 1 of `vectors`", "zero vector"]),
        (lambda: analogy_3cosmul(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), 0, 1, 0,
                                 k=1), ValueError,
         ["analogy_3cosmul: row 2 of `vectors`", "zero vector"]),
        (lambda: WordVectors(["a", 1], V[:2]), TypeError, ["WordVectors: `words`", "str", "int"]),
        (lambda: WordVectors(WORDS, V).evaluate_analogies(["a b c d", "a b c"]), ValueError,
         ["evaluate_analogies: line 2", "4 words", "'a b c'"]),
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
    with pytest.raises(UnknownWordError, match=r"WordVectors\[\.\.\.\]: `word`='nope'"):
        wv["nope"]
    with pytest.raises(UnknownWordError, match="index: `word`='z'"):
        wv.index("z")
    with pytest.raises(UnknownWordError, match="analogy: `b`='z'"):
        wv.analogy("man", "z", "woman")
    with pytest.raises(UnknownWordError, match="analogy: `a`='z'"):
        wv.analogy("z", "king", "woman")


# --- small cases worked by hand ----------------------------------------------------------

# Four unit directions in the plane, 30 degrees apart, and one at 180 degrees.
ANGLES = np.radians([0.0, 30.0, 60.0, 90.0, 180.0])
V = np.stack([np.cos(ANGLES), np.sin(ANGLES)], axis=1)
WORDS = ["a", "b", "c", "d", "e"]


def test_lookup_keeps_the_shape_of_ids():
    out = embedding_lookup(V, np.array([[4, 0], [1, 1]]))
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out[0, 0], V[4])
    assert embedding_lookup(V, np.zeros((0, 3), dtype=int)).shape == (0, 3, 2)


def test_neighbours_by_hand():
    # From 30 degrees: 0 and 60 tie at cos 30 (the lower index first), then 90, then 180.
    idx, cos = nearest_neighbors(V, V[1], k=4, exclude=[1])
    assert idx.tolist() == [0, 2, 3, 4]
    np.testing.assert_allclose(cos, np.cos(np.radians([30, 30, 60, 150])), atol=1e-15)
    idx, _ = nearest_neighbors(V, V[1] * 7.0, k=2, exclude=[0, 1])
    assert idx.tolist() == [2, 3]       # the query's length does not matter
    # The last excludable index is allowed; k = everything that remains is allowed.
    assert nearest_neighbors(V, V[0], k=1, exclude=[4])[0].tolist() == [0]
    assert nearest_neighbors(V, V[0], k=5)[0].tolist() == [0, 1, 2, 3, 4]
    # The scores of the returned rows are left as they were (not the excluded -inf).
    np.testing.assert_allclose(nearest_neighbors(V, V[0], k=1)[1], [1.0])


def test_analogies_by_hand():
    # 3CosAdd for a=0deg, b=30deg, c=60deg: cos(x,30) - cos(x,0) + cos(x,60) is largest at 90.
    idx, score = analogy_3cosadd(V, 0, 1, 2, k=2)
    assert idx.tolist() == [3, 4]
    expected = [np.cos(np.radians(60)) - 0 + np.cos(np.radians(30)),
                np.cos(np.radians(150)) + 1 + np.cos(np.radians(120))]
    np.testing.assert_allclose(score, expected, atol=1e-15)
    idx, score = analogy_3cosmul(V, 0, 1, 2, k=1, epsilon=0.5)
    shifted = lambda deg: (1 + np.cos(np.radians(deg))) / 2  # noqa: E731
    assert idx.tolist() == [3]
    np.testing.assert_allclose(score, [shifted(60) * shifted(30) / (shifted(90) + 0.5)],
                               rtol=1e-14)
    # numpy integers are row indices too.
    assert analogy_3cosadd(V, np.int64(0), 1, 2)[0].tolist() == [3]


def test_word_vectors_by_hand(tmp_path):
    wv = WordVectors(WORDS, V)
    np.testing.assert_array_equal(wv["e"], V[4])
    assert len(wv) == 5 and "a" in wv and "z" not in wv
    # The default k is 10: twelve words at 0, 10, ..., 110 degrees give their ten nearest.
    angles = np.radians(np.arange(12) * 10.0)
    twelve = WordVectors([f"w{i}" for i in range(12)], np.stack([np.cos(angles),
                                                                  np.sin(angles)], axis=1))
    assert [w for w, _ in twelve.most_similar("w0")] == [f"w{i}" for i in range(1, 11)]
    assert wv.most_similar("a", k=1) == [("b", pytest.approx(np.cos(np.radians(30))))]
    assert wv.analogy("a", "b", "c") == [("d", pytest.approx(expected_3cosadd()))]
    assert wv.analogy("a", "b", "c", method="3cosmul", epsilon=0.5)[0][0] == "d"
    questions = tmp_path / "q.txt"
    questions.write_text(": first\nA B C D\n\nA B C E\n: second one \na b c x\nb c d e\n",
                         encoding="utf-8")
    report = wv.evaluate_analogies(questions)
    # b c d -> e: 3CosAdd scores a at cos60 - cos30 = -0.37 and e at +0.37.
    assert (report.correct, report.total, report.skipped) == (2, 3, 1)
    assert report.sections == {"first": (1, 2), "second one": (1, 1)}
    assert report.accuracy == pytest.approx(2 / 3)
    cased = wv.evaluate_analogies(["A B C D", "a b c d"], lowercase=False)
    assert (cased.correct, cased.total, cased.skipped) == (1, 1, 1)
    assert cased.sections == {"": (1, 1)}
    mul = wv.evaluate_analogies(["a b c d"], method="3cosmul", epsilon=0.5)
    assert (mul.correct, mul.total) == (1, 1)


def expected_3cosadd() -> float:
    return float(np.cos(np.radians(60)) + np.cos(np.radians(30)))
