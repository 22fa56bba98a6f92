"""Cases the mutation run (``bash .ci/mutation``) found untested in seqcore.embeddings: the
full error messages, the edges of k/exclude/indices, and an analogy file worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    UnknownWordError,
    WordVectors,
    analogy_3cosadd,
    analogy_3cosmul,
    embedding_lookup,
    nearest_neighbors,
)
from tests.unit.errors import assert_derived_errors, assert_error_names

# Four unit directions in the plane, 30 degrees apart, and one at 180 degrees.
ANGLES = np.radians([0.0, 30.0, 60.0, 90.0, 180.0])
V = np.stack([np.cos(ANGLES), np.sin(ANGLES)], axis=1)
WORDS = ["a", "b", "c", "d", "e"]


def test_errors_name_the_function():
    assert_derived_errors(embedding_lookup, {"E": V, "ids": np.array([0, 4])}, floats=["E"],
                          ranks=["E"])
    assert_derived_errors(nearest_neighbors, {"vectors": V, "query": V[1], "k": 2},
                          floats=["vectors", "query"], ranks=["vectors", "query"],
                          sizes=["vectors", "query"])
    for func in (analogy_3cosadd, analogy_3cosmul):
        assert_derived_errors(func, {"vectors": V, "a": 0, "b": 1, "c": 2},
                              floats=["vectors"], ranks=["vectors"])


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: embedding_lookup(V, np.array([0.0])), TypeError,
     "embedding_lookup: `ids` must hold integers (word indices); got dtype float64"),
    (lambda: embedding_lookup(V, np.array([[0, 5]])), IndexError,
     "embedding_lookup: `ids` must lie in [0, 4] for a table of 5 rows; got values from 0 to 5"),
    (lambda: embedding_lookup(V, np.array([-1, 2])), IndexError,
     "got values from -1 to 2"),
    (lambda: nearest_neighbors(V, np.zeros(2)), ValueError,
     "nearest_neighbors: `query` is the zero vector, whose cosine with anything is undefined; "
     "drop it or give it a direction"),
    (lambda: nearest_neighbors(np.vstack([V, [0.0, 0.0]]), V[0]), ValueError,
     "nearest_neighbors: row 5 of `vectors` is the zero vector"),
    (lambda: nearest_neighbors(V, V[0], exclude=[5]), IndexError,
     "nearest_neighbors: `exclude` must hold indices in [0, 4]; got [5]"),
    (lambda: nearest_neighbors(V, V[0], exclude=[-1, 2]), IndexError,
     "nearest_neighbors: `exclude` must hold indices in [0, 4]; got [-1, 2]"),
    (lambda: nearest_neighbors(V, V[0], k=0), ValueError,
     "nearest_neighbors: `k` must be an integer ≥ 1; got 0"),
    (lambda: nearest_neighbors(V, V[0], k=True), ValueError, "nearest_neighbors: `k` must be"),
    (lambda: nearest_neighbors(V, V[0], k=2.0), ValueError, "nearest_neighbors: `k` must be"),
    (lambda: nearest_neighbors(V, V[0], k=4, exclude=[1, 1, 2]), ValueError,
     "nearest_neighbors: `k`=4 but only 3 rows remain after excluding 2 of 5"),
    (lambda: analogy_3cosadd(V, 0, 1, 5), IndexError,
     "analogy_3cosadd: `c` must be a row index in [0, 4]; got 5"),
    (lambda: analogy_3cosadd(V, -1, 1, 2), IndexError,
     "analogy_3cosadd: `a` must be a row index in [0, 4]; got -1"),
    (lambda: analogy_3cosmul(V, 0, 1.0, 2), TypeError,
     "analogy_3cosmul: `b` must be a row index (int); got float"),
    (lambda: analogy_3cosmul(V, 0, True, 2), TypeError,
     "analogy_3cosmul: `b` must be a row index (int); got bool"),
    (lambda: analogy_3cosmul(V, 0, 1, 2, k=3), ValueError,
     "analogy_3cosmul: `k`=3 but only 2 rows remain after excluding 3 of 5"),
    (lambda: analogy_3cosmul(V, 0, 1, 2, epsilon=0.0), ValueError,
     "analogy_3cosmul: `epsilon` must be > 0 (it keeps the division finite); got 0.0"),
    (lambda: WordVectors(["a", 1], V[:2]), TypeError,
     "WordVectors: `words` must be strings; got [1]"),
    (lambda: WordVectors(["a", "b", "a"], V[:3]), ValueError,
     "WordVectors: `words` must be distinct; 'a' appears twice"),
    (lambda: WordVectors(["a"], V[:2]), ValueError,
     "WordVectors: `vectors` must have one row per word (1); got shape (2, 2)"),
    (lambda: WordVectors(["a"], [[0], [0, 0]]), TypeError,
     "WordVectors: `vectors` must be an array or a nested list"),
    (lambda: WordVectors(["a"], np.ones((1, 2), dtype=int)), TypeError,
     "WordVectors: `vectors` must have a real floating dtype"),
    (lambda: WordVectors(["a"], np.ones(2)), ValueError, "WordVectors: `vectors` must be 2-D"),
    (lambda: WordVectors(WORDS, V)["z"], UnknownWordError,
     "WordVectors[...]: `word`='z' is not in the vocabulary (5 words)"),
    (lambda: WordVectors(WORDS, V).index("z"), UnknownWordError,
     "index: `word`='z' is not in the vocabulary (5 words)"),
    (lambda: WordVectors(WORDS, V).most_similar("z"), UnknownWordError,
     "most_similar: `word`='z' is not in the vocabulary"),
    (lambda: WordVectors(WORDS, V).analogy("a", "z", "c"), UnknownWordError,
     "analogy: `b`='z' is not in the vocabulary"),
    (lambda: WordVectors(WORDS, V).analogy("a", "b", "c", method="add"), ValueError,
     "analogy: `method` must be '3cosadd' or '3cosmul'; got 'add'"),
    (lambda: WordVectors(WORDS, V).evaluate_analogies(["a b c d", "a b c"]), ValueError,
     "evaluate_analogies: line 2 must hold 4 words 'a b c d'; got 'a b c'"),
])
def test_error_messages(call, error, message):
    assert_error_names(call, error, [message])


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
