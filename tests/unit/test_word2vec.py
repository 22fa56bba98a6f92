"""Skip-gram (SGNS) and GloVe: losses and hand-written gradients vs torch.autograd (float64).

Also the noise and subsampling distributions vs the tables gensim builds, and the trainer.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    glove_gradients,
    glove_loss,
    glove_weight,
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


# --- GloVe ------------------------------------------------------------------------------------

def glove_torch(W, Wt, b, bt, X, x_max=100.0, alpha=0.75):
    """The GloVe objective written independently, as a loop over the non-zero counts."""
    total = torch.zeros((), dtype=torch.float64)
    for i, j in zip(*torch.nonzero(X, as_tuple=True), strict=True):
        x = X[i, j]
        f = (x / x_max) ** alpha if x < x_max else torch.ones((), dtype=torch.float64)
        total = total + f * (W[i] @ Wt[j] + b[i] + bt[j] - torch.log(x)) ** 2
    return total


def glove_problem(V=7, d=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randint(0, 250, (V, V), generator=g).to(torch.float64)
    X[torch.rand(V, V, generator=g) < 0.4] = 0.0            # many unseen pairs
    X[0, 1] = 0.5                                          # a fractional (1/distance) count
    params = [torch.randn(V, d, generator=g, dtype=torch.float64) * 0.3,
              torch.randn(V, d, generator=g, dtype=torch.float64) * 0.3,
              torch.randn(V, generator=g, dtype=torch.float64) * 0.1,
              torch.randn(V, generator=g, dtype=torch.float64) * 0.1]
    return params, X


@pytest.mark.formula("glove.weight")
def test_glove_weight_hand_worked():
    x = np.array([0.0, 1.0, 16.0, 50.0, 100.0, 1e6])
    expected = [0.0, 100**-0.75, 0.16**0.75, 0.5**0.75, 1.0, 1.0]
    np.testing.assert_allclose(glove_weight(x), expected, rtol=1e-15)
    np.testing.assert_allclose(glove_weight(np.array([5.0]), x_max=10, alpha=1.0), [0.5])


@pytest.mark.formula("glove.loss")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_glove_loss_matches_torch_loop(seed):
    params, X = glove_problem(seed=seed)
    expected = glove_torch(*params, X)
    got = glove_loss(*(p.numpy() for p in params), X.numpy())
    assert float(got) == pytest.approx(float(expected), rel=1e-12)
    torch.testing.assert_close(glove_loss(*params, X), expected, rtol=1e-12, atol=0)


@pytest.mark.formula("glove.grad")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_glove_gradients_match_autograd(seed):
    params, X = glove_problem(seed=seed)
    leaves = [p.clone().requires_grad_(True) for p in params]
    glove_torch(*leaves, X).backward()
    got = glove_gradients(*(p.numpy() for p in params), X.numpy())
    for mine, leaf in zip(got, leaves, strict=True):
        np.testing.assert_allclose(mine, leaf.grad.numpy(), rtol=0, atol=TOL)


# --- bad input ----------------------------------------------------------------------------

V3 = np.zeros((3, 2))


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: sgns_loss(np.ones(3), np.ones(4), np.ones((2, 3))), ShapeError,
         ["`u_pos`", "(3,)", "(4,)"]),
        (lambda: sgns_loss(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3))), ShapeError,
         ["`u_neg`", "3-D (batch, negative, dim)"]),
        (lambda: sgns_gradients(np.ones(3, dtype=int), np.ones(3), np.ones((1, 3))), TypeError,
         ["`v`", "floating"]),
        (lambda: noise_distribution([3, -1, 2]), ValueError, ["`counts`", "≥ 0", "-1"]),
        (lambda: noise_distribution([0, 0]), ValueError, ["`counts`", "all be zero"]),
        (lambda: noise_distribution([[1, 2]]), ShapeError, ["`counts`", "1-D"]),
        (lambda: subsample_keep_probability([5, 2], sample=1.5), ValueError,
         ["`sample`", "[0, 1)", "1.5"]),
        (lambda: skipgram_pairs([1, 2], window=0), ValueError, ["`window`", "≥ 1"]),
        (lambda: train_skipgram([["a", "b"]], min_count=5, progress=False), ValueError,
         ["`min_count`=5", "2 tokens"]),
        (lambda: train_skipgram([["a", 3]], min_count=1, progress=False), TypeError,
         ["`sentences`", "str", "3"]),
        (lambda: train_skipgram([["a"]], negative=0, progress=False), ValueError,
         ["`negative`", "≥ 1"]),
        (lambda: glove_weight(np.array([1.0, -2.0])), ValueError, ["`X`", "≥ 0", "-2.0"]),
        (lambda: glove_weight(np.array([1.0]), x_max=0), ValueError, ["`x_max`", "> 0"]),
        (lambda: glove_loss(V3, V3, np.zeros(3), np.zeros(3), np.ones((3, 4))), ShapeError,
         ["`X`", "(vocab, vocab)", "(3, 4)"]),
        (lambda: glove_gradients(V3, np.zeros((3, 5)), np.zeros(3), np.zeros(3),
                                 np.ones((3, 3))), ShapeError, ["`W_tilde`", "dim=2"]),
        (lambda: glove_loss(V3, V3, np.zeros(3), np.zeros(3), -np.ones((3, 3))), ValueError,
         ["co-occurrence counts ≥ 0"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)
