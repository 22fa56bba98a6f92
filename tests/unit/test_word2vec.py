"""Skip-gram (SGNS): losses and hand-written gradients vs torch.autograd (float64); the noise
and subsampling distributions vs the tables gensim builds; pairs and the trainer by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    noise_distribution,
    sgns_gradients,
    sgns_loss,
    skipgram_pairs,
    skipgram_softmax,
    subsample_keep_probability,
    train_skipgram,
)
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")
gensim_models = require("gensim.models")

TOL = 1e-8          # the tolerance for gradients vs autograd (float64)


def sgns_torch(v, u_pos, u_neg):
    """The SGNS loss written independently with torch's logsigmoid."""
    F = torch.nn.functional
    pos = F.logsigmoid((u_pos * v).sum(-1))
    neg = F.logsigmoid(-(u_neg @ v.unsqueeze(-1)).squeeze(-1)).sum(-1)
    return -(pos + neg)


@pytest.mark.formula("word2vec.skipgram-softmax")
@pytest.mark.parametrize("batched", [False, True])
def test_skipgram_softmax_matches_torch(batched):
    g = torch.Generator().manual_seed(0)
    U = torch.randn(12, 5, generator=g, dtype=torch.float64)
    v = torch.randn(*((4,) if batched else ()), 5, generator=g, dtype=torch.float64)
    expected = torch.softmax(v @ U.T, dim=-1)
    np.testing.assert_allclose(skipgram_softmax(v.numpy(), U.numpy()), expected.numpy(),
                               rtol=0, atol=1e-14)


@pytest.mark.formula("word2vec.sgns-loss")
@pytest.mark.parametrize(("B", "K", "d"), [(None, 1, 3), (None, 5, 8), (7, 5, 10), (1, 15, 4)])
def test_sgns_loss_matches_torch(B, K, d):
    g = torch.Generator().manual_seed(K * d)
    lead = () if B is None else (B,)
    v = torch.randn(*lead, d, generator=g, dtype=torch.float64)
    u_pos = torch.randn(*lead, d, generator=g, dtype=torch.float64)
    u_neg = torch.randn(*lead, K, d, generator=g, dtype=torch.float64)
    got = sgns_loss(v.numpy(), u_pos.numpy(), u_neg.numpy())
    np.testing.assert_allclose(got, sgns_torch(v, u_pos, u_neg).numpy(), rtol=0, atol=1e-12)


@pytest.mark.formula("word2vec.sgns-loss")
def test_sgns_loss_stays_finite_for_huge_scores():
    v = np.array([[30.0, 0.0], [-30.0, 0.0]])
    u_pos = np.array([[-40.0, 0.0], [40.0, 0.0]])     # scores ±1200: σ under/overflows naively
    u_neg = np.array([[[40.0, 0.0]], [[-40.0, 0.0]]])
    got = sgns_loss(v, u_pos, u_neg)
    ref = sgns_torch(*(torch.from_numpy(a) for a in (v, u_pos, u_neg)))
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, ref.numpy(), rtol=1e-12)
    assert all(np.isfinite(gr).all() for gr in sgns_gradients(v, u_pos, u_neg))


@pytest.mark.formula("word2vec.sgns-grad")
@pytest.mark.parametrize(("B", "K", "d"), [(None, 1, 3), (None, 5, 8), (7, 5, 10), (3, 20, 2)])
def test_sgns_gradients_match_autograd(B, K, d):
    g = torch.Generator().manual_seed(B or 0)
    lead = () if B is None else (B,)
    v = torch.randn(*lead, d, generator=g, dtype=torch.float64, requires_grad=True)
    u_pos = torch.randn(*lead, d, generator=g, dtype=torch.float64, requires_grad=True)
    u_neg = torch.randn(*lead, K, d, generator=g, dtype=torch.float64, requires_grad=True)
    sgns_torch(v, u_pos, u_neg).sum().backward()    # per-pair gradients: rows do not mix
    got = sgns_gradients(v.detach().numpy(), u_pos.detach().numpy(), u_neg.detach().numpy())
    for mine, ref in zip(got, (v.grad, u_pos.grad, u_neg.grad), strict=True):
        np.testing.assert_allclose(mine, ref.numpy(), rtol=0, atol=TOL)
    # the same function on torch tensors
    got_t = sgns_gradients(v.detach(), u_pos.detach(), u_neg.detach())
    torch.testing.assert_close(got_t[0], v.grad, rtol=0, atol=TOL)


def gensim_vocab_model(counts, sample):
    """A gensim Word2Vec whose vocabulary has exactly ``counts`` (no training)."""
    words = {f"w{i}": int(c) for i, c in enumerate(counts)}
    model = gensim_models.Word2Vec(vector_size=4, min_count=1, sample=sample, sg=1, negative=5,
                                   seed=0, workers=1)
    model.build_vocab_from_freq(words)
    order = [int(k[1:]) for k in model.wv.index_to_key]   # gensim sorts by count
    return model, order


@pytest.mark.formula("word2vec.noise")
def test_noise_distribution_matches_gensim_cum_table():
    counts = np.array([500, 230, 230, 97, 40, 12, 5, 5, 1])
    model, order = gensim_vocab_model(counts, sample=0)
    domain = 2**31 - 1
    gensim_p = np.diff(np.concatenate([[0], model.cum_table])) / domain
    np.testing.assert_allclose(noise_distribution(counts[order]), gensim_p, rtol=0, atol=1e-9)


@pytest.mark.formula("word2vec.noise")
def test_noise_distribution_hand_worked():
    # 81^0.75 = 27, 16^0.75 = 8, 1^0.75 = 1; power 1 is the unigram distribution
    np.testing.assert_allclose(noise_distribution([81, 16, 1]), np.array([27, 8, 1]) / 36)
    np.testing.assert_allclose(noise_distribution([3, 1], power=1.0), [0.75, 0.25])


@pytest.mark.formula("word2vec.subsample")
@pytest.mark.parametrize("sample", [1e-3, 1e-2, 0.1])
def test_subsample_matches_gensim_sample_int(sample):
    counts = np.array([5000, 2300, 800, 97, 40, 12, 5, 1])
    model, order = gensim_vocab_model(counts, sample=sample)
    gensim_keep = np.array([model.wv.get_vecattr(k, "sample_int") for k in
                            model.wv.index_to_key], dtype=np.float64) / (2**32 - 1)
    ours = subsample_keep_probability(counts[order], sample=sample)
    np.testing.assert_allclose(ours, gensim_keep, rtol=0, atol=1e-9)   # uint32 rounding


def test_skipgram_pairs_hand_worked():
    assert skipgram_pairs([7, 8, 9, 10], window=2).tolist() == [
        [7, 8], [7, 9], [8, 7], [8, 9], [8, 10], [9, 7], [9, 8], [9, 10], [10, 8], [10, 9]]
    # shrink b_t: position 1 (id 8) keeps only window 2 − 1 = 1
    assert skipgram_pairs([7, 8, 9, 10], 2, np.array([0, 1, 0, 0]))[2:4].tolist() == [
        [8, 7], [8, 9]]


def test_trainer_is_seeded_silent_and_learns():
    corpus = [["a", "b", "c", "d"], ["a", "b", "e", "f"], ["c", "d", "e", "f"]] * 40
    wv1, l1 = train_skipgram(corpus, dim=6, window=2, epochs=4, min_count=1, sample=0, seed=3,
                             progress=False)
    wv2, _ = train_skipgram(corpus, dim=6, window=2, epochs=4, min_count=1, sample=0, seed=3,
                            progress=False)
    np.testing.assert_array_equal(wv1.vectors, wv2.vectors)
    assert l1[-1] < l1[0]
    assert len(wv1) == 6 and wv1.vectors.shape == (6, 6)


def test_trainer_progress_bar_can_be_shown_or_silenced(capsys):
    corpus = [["x", "y", "z"]] * 10
    train_skipgram(corpus, dim=2, window=1, epochs=2, min_count=1, seed=0, progress=False)
    assert "skip-gram" not in capsys.readouterr().err
    train_skipgram(corpus, dim=2, window=1, epochs=2, min_count=1, seed=0, progress=True)
    assert "skip-gram" in capsys.readouterr().err


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


def test_pairs_dtype_and_batched_softmax():
    assert skipgram_pairs(np.array([7, 8], dtype=np.int32), 1).dtype == np.int64
    U = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    p = skipgram_softmax(np.array([[math.log(2.0), 0.0]] * 2), U)
    np.testing.assert_allclose(p, [[0.5, 0.25, 0.25]] * 2, rtol=1e-14)


# --- bad input ----------------------------------------------------------------------------

CORPUS = [["a", "b", "a"], ["b", "c"]]


# The domains (window, dim, epochs, alpha, min_alpha <= alpha, sample in [0, 1), dtypes, ranks)
# are derived in tests/unit/test_validation.py; here, what depends on the data.
@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: sgns_loss(np.ones(3), np.ones(4), np.ones((2, 3))), ShapeError,
         ["sgns_loss: `u_pos`", "(3,)", "(4,)"]),
        (lambda: sgns_loss(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3))), ShapeError,
         ["sgns_loss: `u_neg`", "3-D (batch, negative, dim)"]),
        (lambda: skipgram_softmax(np.ones((2, 3)), np.eye(2)), ShapeError,
         ["skipgram_softmax: `v_c`", "dim=2", "(2, 3)"]),
        (lambda: noise_distribution([3, -1, 2]), ValueError,
         ["noise_distribution: `counts`", ">= 0", "-1"]),
        (lambda: noise_distribution([1.0, np.inf]), ValueError, ["`counts`", "finite"]),
        (lambda: noise_distribution([0, 0]), ValueError,
         ["noise_distribution: `counts`", "all be zero"]),
        (lambda: skipgram_pairs([1, 2], 2, shrink=[0, 2]), ValueError,
         ["skipgram_pairs: `shrink`", "2 integers in [0, 1]"]),
        (lambda: skipgram_pairs([1, 2], 2, shrink=[0, -1]), ValueError,
         ["`shrink`", "2 integers in [0, 1]"]),
        (lambda: skipgram_pairs([1, 2], 2, shrink=[0]), ValueError, ["`shrink`", "2 integers"]),
        (lambda: train_skipgram([["a", "b"]], min_count=5, progress=False), ValueError,
         ["train_skipgram: no word occurs `min_count`=5 times", "2 tokens"]),
        (lambda: train_skipgram([["a", 3]], min_count=1, progress=False), TypeError,
         ["train_skipgram: `sentences[0]`", "str", "int (3)"]),
        (lambda: train_skipgram(CORPUS, alpha=0.01, min_alpha=0.02), ValueError,
         ["train_skipgram: `min_alpha`", "(0, 0.01]", "0.02"]),
        (lambda: train_skipgram(CORPUS * 3, min_count=1, alpha=1e30, min_alpha=1e30, epochs=5,
                                batch_size=1, sample=0.0, dim=2, progress=False),
         FloatingPointError, ["train_skipgram: the loss diverged", "lower `alpha`", "1e+30"]),
    ],
)
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning",
                            "ignore:overflow:RuntimeWarning")
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


# --- what the mutation run found untested ---------------------------------------------------

TINY = [["a", "b", "c", "a", "b", "d"] * 3, ["c", "d"], ["a", "b"]] * 5


def _tiny(**kw):
    return train_skipgram(TINY, **{"dim": 4, "window": 2, "negative": 2, "epochs": 4,
                                   "min_count": 1, "sample": 0, "progress": False, **kw})


def test_stop_after_gives_the_first_epochs_of_the_full_run():
    wv, losses = _tiny()
    part, first = _tiny(stop_after=2)
    assert len(losses) == 4 and first == losses[:2]
    assert not np.allclose(part.vectors, wv.vectors)


def test_a_sentence_of_two_words_is_trained_on():
    """Two kept words make two pairs, and the model learns from them."""
    kw = dict(dim=3, window=1, negative=1, epochs=2, min_count=1, sample=0, batch_size=4,
              progress=False)
    two, losses = train_skipgram([["a", "b"]] * 20, **kw)
    still, _ = train_skipgram([["a", "b"]] * 20, **kw, alpha=1e-12, min_alpha=1e-12)
    assert losses[0] > 0
    assert np.abs(two.vectors - still.vectors).max() > 1e-3     # updates happened


def test_the_defaults_are_gensims_and_the_bar_counts_epochs(capsys):
    """dim, window, negative, epochs, alpha, min_alpha, min_count and sample default to
    gensim's Word2Vec defaults; the progress bar counts epochs on stderr."""
    import inspect

    ours = inspect.signature(train_skipgram).parameters
    theirs = inspect.signature(gensim_models.Word2Vec).parameters
    for mine, gensims in [("dim", "vector_size"), ("window", "window"),
                          ("negative", "negative"), ("epochs", "epochs"), ("alpha", "alpha"),
                          ("min_alpha", "min_alpha"), ("min_count", "min_count"),
                          ("sample", "sample")]:
        assert ours[mine].default == theirs[gensims].default, mine
    assert ours["progress"].default is True
    train_skipgram(TINY, dim=4, window=2, negative=2, epochs=2, min_count=1, sample=0)
    drawn = capsys.readouterr().err
    assert "skip-gram" in drawn and "2/2" in drawn and "epoch" in drawn
