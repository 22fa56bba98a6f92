"""Cases the mutation run (``bash .ci/mutation``) found untested in seqcore.word2vec and
seqcore.glove: full messages, boundaries, and small values worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcore import (
    glove_loss,
    glove_weight,
    noise_distribution,
    sgns_gradients,
    sgns_loss,
    skipgram_pairs,
    subsample_keep_probability,
    train_skipgram,
)
from tests.unit.errors import assert_error_names

TS = "train_skipgram"
CORPUS = [["a", "b", "a"], ["b", "c"]]


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: noise_distribution([[1.0]]), ValueError,
     "noise_distribution: `counts` must be a non-empty 1-D array of word counts; got shape "
     "(1, 1)"),
    (lambda: noise_distribution([]), ValueError, "noise_distribution: `counts` must be a "
     "non-empty 1-D array of word counts; got shape (0,)"),
    (lambda: noise_distribution(["a"]), TypeError,
     "noise_distribution: `counts` must be numbers; got dtype <U1"),
    (lambda: noise_distribution([1.0, -2.0]), ValueError,
     "noise_distribution: `counts` must be finite and ≥ 0; got -2.0"),
    (lambda: noise_distribution([1.0, math.inf]), ValueError,
     "noise_distribution: `counts` must be finite and ≥ 0; got inf"),
    (lambda: noise_distribution([0, 0]), ValueError,
     "noise_distribution: `counts` must not all be zero"),
    (lambda: subsample_keep_probability([1], sample=1.0), ValueError,
     "subsample_keep_probability: `sample` must be in [0, 1); got 1.0"),
    (lambda: subsample_keep_probability([1], sample=-0.1), ValueError,
     "subsample_keep_probability: `sample` must be in [0, 1); got -0.1"),
    (lambda: subsample_keep_probability([[1]]), ValueError,
     "subsample_keep_probability: `counts` must be a non-empty 1-D array"),
    (lambda: skipgram_pairs([1, 2], 0), ValueError,
     "skipgram_pairs: `window` must be an integer ≥ 1; got 0"),
    (lambda: skipgram_pairs([1, 2], True), ValueError, "skipgram_pairs: `window` must be"),
    (lambda: skipgram_pairs([1, 2], 2.0), ValueError, "skipgram_pairs: `window` must be"),
    (lambda: skipgram_pairs([1, 2], 2, shrink=[0, 2]), ValueError,
     "skipgram_pairs: `shrink` must hold 2 integers in [0, 1]"),
    (lambda: skipgram_pairs([1, 2], 2, shrink=[0, -1]), ValueError,
     "skipgram_pairs: `shrink` must hold 2 integers in [0, 1]"),
    (lambda: skipgram_pairs([1, 2], 2, shrink=[0]), ValueError,
     "skipgram_pairs: `shrink` must hold 2 integers"),
    *[(lambda name=name: train_skipgram(CORPUS, **{name: 0}), ValueError,
       f"{TS}: `{name}` must be an integer ≥ 1; got 0")
      for name in ("dim", "window", "negative", "epochs", "min_count", "batch_size")],
    (lambda: train_skipgram(CORPUS, dim=True), ValueError,
     f"{TS}: `dim` must be an integer ≥ 1; got True"),
    (lambda: train_skipgram(CORPUS, epochs=1.0), ValueError,
     f"{TS}: `epochs` must be an integer ≥ 1; got 1.0"),
    (lambda: train_skipgram(CORPUS, alpha=0.01, min_alpha=0.02), ValueError,
     f"{TS}: need 0 < `min_alpha` ≤ `alpha`; got 0.02, 0.01"),
    (lambda: train_skipgram(CORPUS, min_alpha=0.0), ValueError,
     f"{TS}: need 0 < `min_alpha` ≤ `alpha`; got 0.0, 0.025"),
    (lambda: train_skipgram([["a", 1]], min_count=1), TypeError,
     f"{TS}: `sentences` must hold lists of str tokens; got 1"),
    (lambda: train_skipgram(CORPUS, min_count=3), ValueError,
     f"{TS}: no word occurs `min_count`=3 times (the corpus has 5 tokens)"),
    (lambda: train_skipgram(CORPUS * 3, min_count=1, alpha=1e30, min_alpha=1e30, epochs=5,
                            batch_size=1, sample=0.0, dim=2, progress=False), FloatingPointError,
     f"{TS}: the loss diverged; lower `alpha` (was 1e+30)"),
])
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning",
                            "ignore:overflow:RuntimeWarning")
def test_error_messages(call, error, message):
    assert_error_names(call, error, [message])


def test_distributions_by_hand():
    np.testing.assert_allclose(noise_distribution([1, 16], power=0.5), [0.2, 0.8])
    np.testing.assert_allclose(noise_distribution(np.array([0.0, 2.0])), [0.0, 1.0])
    np.testing.assert_array_equal(subsample_keep_probability([3, 1], sample=0), [1.0, 1.0])
    # threshold t = 0.25 * 4 = 1: keep = (sqrt(c/t) + 1) * t / c, capped at 1.
    np.testing.assert_allclose(subsample_keep_probability([3, 1], sample=0.25),
                               [(math.sqrt(3) + 1) / 3, 1.0])
    np.testing.assert_allclose(subsample_keep_probability([3, 0], sample=0.25)[1], 1.0)


def test_pairs_by_hand():
    ids = [7, 8, 9]
    assert skipgram_pairs(ids, 1).tolist() == [[7, 8], [8, 7], [8, 9], [9, 8]]
    assert skipgram_pairs(ids, 2).tolist() == [[7, 8], [7, 9], [8, 7], [8, 9], [9, 7], [9, 8]]
    # shrink 1 of window 2 leaves reach 1 for that centre only.
    assert skipgram_pairs(ids, 2, shrink=[1, 0, 0]).tolist() == [
        [7, 8], [8, 7], [8, 9], [9, 7], [9, 8]]
    assert skipgram_pairs([5], 3).shape == (0, 2)
    assert skipgram_pairs(np.array([[1, 2]]), 1).tolist() == [[1, 2], [2, 1]]


def test_sgns_by_hand():
    v, u, n = np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.zeros((2, 2))
    # every score 0: loss = -log s(0) - 2 log s(0) = 3 log 2.
    assert float(sgns_loss(v, u, n)) == pytest.approx(3 * math.log(2))
    g_v, g_u, g_n = sgns_gradients(v, u, n)
    np.testing.assert_allclose(g_v, -0.5 * u)
    np.testing.assert_allclose(g_u, -0.5 * v)
    np.testing.assert_allclose(g_n, [0.5 * v, 0.5 * v])
    batch = sgns_loss(np.stack([v, v]), np.stack([u, u]), np.stack([n, n]))
    np.testing.assert_allclose(batch, [3 * math.log(2)] * 2)


def test_training_keeps_frequent_words_first():
    wv, losses = train_skipgram(CORPUS * 5, dim=3, window=1, negative=1, epochs=2,
                                min_count=6, batch_size=4, progress=False)
    assert wv.words == ["a", "b"]          # a 10, b 10, c 5 (< min_count)
    assert wv.vectors.shape == (2, 3) and wv.vectors.dtype == np.float32
    assert len(losses) == 2 and all(math.isfinite(x) for x in losses)


def test_glove_by_hand():
    # f(x) = (x / x_max)^alpha below x_max, 1 from x_max on (x_max itself included).
    np.testing.assert_allclose(glove_weight(np.array([0.0, 25.0, 100.0, 400.0]), alpha=0.5),
                               [0.0, 0.5, 1.0, 1.0])
    for bad in ({"x_max": 0.0}, {"alpha": 0.0}):
        name, value = next(iter(bad.items()))
        assert_error_names(lambda bad=bad: glove_weight(np.ones(1), **bad), ValueError,
                           [f"glove_weight: `{name}` must be > 0; got {value!r}"])
    assert_error_names(lambda: glove_weight(np.array([1.0, -2.0])), ValueError,
                       ["glove_weight: `X` must hold finite co-occurrence counts ≥ 0; got "
                        "minimum -2.0 and maximum 1.0"])
    assert_error_names(lambda: glove_weight(np.array([1.0, np.nan])), ValueError,
                       ["glove_weight: `X` must hold finite co-occurrence counts"])
    # One word, X = e: residual w.w~ + b + b~ - 1 = 1*1 + 0 + 0 - 1 = 0 -> loss 0; with b = 1: f.
    one = np.ones((1, 1))
    X = np.array([[math.e]])
    assert float(glove_loss(one, one, np.zeros(1), np.zeros(1), X)) == pytest.approx(0.0)
    f = (math.e / 100) ** 0.75
    assert float(glove_loss(one, one, np.ones(1), np.zeros(1), X)) == pytest.approx(f)
    # Unseen pairs (X = 0) weigh nothing even though log 0 is undefined.
    assert float(glove_loss(one, one, np.ones(1), np.zeros(1), np.zeros((1, 1)))) == 0.0


def test_pairs_dtype_and_batched_softmax():
    from seqcore import skipgram_softmax

    assert skipgram_pairs(np.array([7, 8], dtype=np.int32), 1).dtype == np.int64
    U = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    p = skipgram_softmax(np.array([[math.log(2.0), 0.0]] * 2), U)
    np.testing.assert_allclose(p, [[0.5, 0.25, 0.25]] * 2, rtol=1e-14)
    assert_error_names(lambda: skipgram_softmax(np.ones((2, 3)), U), ValueError,
                       ["skipgram_softmax: `v_c` must have shape (batch, dim) = (2, 2), "
                        "because `U` fixes dim=2; got (2, 3)"])
