"""GloVe: the weighting function, the loss and its hand-written gradients vs an independent
torch loop and torch.autograd (float64), and small values worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcore import ShapeError, glove_gradients, glove_loss, glove_weight
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")

TOL = 1e-8          # the tolerance for gradients vs autograd (float64)


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


def test_glove_by_hand():
    # f(x) = (x / x_max)^alpha below x_max, 1 from x_max on (x_max itself included).
    np.testing.assert_allclose(glove_weight(np.array([0.0, 25.0, 100.0, 400.0]), alpha=0.5),
                               [0.0, 0.5, 1.0, 1.0])
    # One word, X = e: residual w.w~ + b + b~ - 1 = 1*1 + 0 + 0 - 1 = 0 -> loss 0; with b = 1: f.
    one = np.ones((1, 1))
    X = np.array([[math.e]])
    assert float(glove_loss(one, one, np.zeros(1), np.zeros(1), X)) == pytest.approx(0.0)
    f = (math.e / 100) ** 0.75
    assert float(glove_loss(one, one, np.ones(1), np.zeros(1), X)) == pytest.approx(f)
    # Unseen pairs (X = 0) weigh nothing even though log 0 is undefined.
    assert float(glove_loss(one, one, np.ones(1), np.zeros(1), np.zeros((1, 1)))) == 0.0


V3 = np.zeros((3, 2))


# x_max, alpha and the dtypes are derived in tests/unit/test_validation.py; here, the counts and
# the shapes that tie the four parameter arrays to X.
@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: glove_weight(np.array([1.0, -2.0])), ValueError,
         ["glove_weight: `X`", ">= 0", "-2"]),
        (lambda: glove_weight(np.array([1.0, np.nan])), ValueError,
         ["glove_weight: `X`", "finite"]),
        (lambda: glove_loss(V3, V3, np.zeros(3), np.zeros(3), np.ones((3, 4))), ShapeError,
         ["glove_loss: `X`", "(vocab, vocab)", "(3, 4)"]),
        (lambda: glove_gradients(V3, np.zeros((3, 5)), np.zeros(3), np.zeros(3),
                                 np.ones((3, 3))), ShapeError,
         ["glove_gradients: `W_tilde`", "dim=2"]),
        (lambda: glove_loss(V3, V3, np.zeros(3), np.zeros(3), -np.ones((3, 3))), ValueError,
         ["glove_loss: `X`", ">= 0"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)
