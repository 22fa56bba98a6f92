"""seqcore._recurrent: the helpers the recurrent modules share, called directly, against
NumPy's einsum and by hand (the modules' own tests reach them only through the cells)."""

from __future__ import annotations

import array_api_compat
import numpy as np
import pytest

from seqcore._recurrent import finite, leading_sum, outer_sum, zeros_state
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")
xp_np = array_api_compat.array_namespace(np.zeros(1))


@pytest.mark.parametrize(("shape", "time_major", "state"), [
    ((5, 3), True, (7,)),              # (T, input): no batch axis
    ((5, 2, 3), True, (2, 7)),         # (T, batch, input)
    ((2, 3), False, (2, 7)),           # one step x: (batch, input)
    ((3,), False, (7,)),               # one step, no batch
])
def test_zeros_state_follows_the_batch_axis(shape, time_major, state):
    h = zeros_state(xp_np, np.ones(shape, dtype=np.float32), 7, time_major=time_major)
    assert h.shape == state and h.dtype == np.float32 and not h.any()
    t = torch.ones(shape, dtype=torch.float64)
    ht = zeros_state(array_api_compat.array_namespace(t), t, np.int64(7), time_major)
    assert tuple(ht.shape) == state and ht.dtype == torch.float64 and ht.device == t.device


def test_outer_and_leading_sums_match_einsum():
    rng = np.random.default_rng(0)
    D, X = rng.normal(size=(4, 2, 5)), rng.normal(size=(4, 2, 3))
    np.testing.assert_allclose(outer_sum(xp_np, D, X), np.einsum("tbm,tbk->mk", D, X),
                               rtol=1e-13)
    np.testing.assert_allclose(leading_sum(xp_np, D), D.sum(axis=(0, 1)), rtol=1e-13)
    # No leading axis at all: one outer product, and the vector itself.
    np.testing.assert_allclose(outer_sum(xp_np, D[0, 0], X[0, 0]), np.outer(D[0, 0], X[0, 0]))
    np.testing.assert_array_equal(leading_sum(xp_np, D[0, 0]), D[0, 0])
    # An empty time axis sums to zeros of the right shape.
    assert outer_sum(xp_np, D[:0], X[:0]).shape == (5, 3)
    assert not leading_sum(xp_np, D[:0]).any()


def test_finite_names_the_argument_and_counts():
    ok = np.ones(3)
    finite("f", xp_np, a=ok, b=None)                 # None is skipped, finite passes
    bad = np.array([1.0, np.nan, np.inf, -np.inf])
    assert_error_names(lambda: finite("clip", xp_np, a=ok, grads=bad), ValueError,
                       ["clip: `grads` must be finite", "3 NaN or infinite"])
