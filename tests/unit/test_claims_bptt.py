"""What the BPTT page (chapter 9) claims in words, checked by computation (second reading).

Each test names the section it backs. The formulas are tested against PyTorch in
test_bptt.py and test_gradients.py; the first reading's claims are in test_claims_recurrent.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import jacobian_norms, rnn_forward
from tests.unit.test_claims_recurrent import steps_reached


def longest_gap(k: int | None, T: int = 9) -> int:
    """The largest t0 − s over every loss L_{t0} and every input x_s it sends gradient to."""
    return max(t0 - min(steps_reached(t0, k)) for t0 in range(T))


@pytest.mark.formula("bptt.truncated")
@pytest.mark.parametrize("k", [2, 3, 4])
def test_no_dependency_of_k_or_more_steps_gets_gradient(k):
    """bptt § truncated BPTT: the longest path inside a chunk spans k − 1 steps, so a
    dependency of k steps (not only one "further apart than k") gets no gradient."""
    assert longest_gap(k) == k - 1


def test_without_truncation_the_gap_is_the_whole_sequence():
    """Negative control for the test above: with k ≥ T the same count reaches T − 1 = 8,
    so longest_gap can see gaps of k and more when they exist."""
    assert longest_gap(None) == 8
    assert longest_gap(9) == 8


@pytest.mark.formula("gradients.norm-vs-gap")
def test_gradients_can_explode_with_saturated_states():
    """bptt § the product of Jacobians, below the gap plot: with the plot's Q, ρ = 5 and the
    inputs scaled by 0.1 the mean |h_t| is 0.86 (saturated: mean tanh' well below 1), yet
    g(40) ≈ 9·10²; explosion is not confined to the linear range."""
    rng = np.random.default_rng(0)                      # the same draws as plot_gradient_gap
    n, T = 8, 40
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    W_xh = rng.normal(size=(n, 2))
    xs = rng.normal(size=(T, 2))
    H, _ = rnn_forward(0.1 * xs, W_xh, 5 * Q)
    g = jacobian_norms(H, 5 * Q)
    assert round(float(np.abs(H).mean()), 2) == 0.86
    assert (1 - H**2).mean() < 0.5                      # tanh' = 1 − h²: far from linear
    assert 850 < g[T - 1] < 1000
    # control: the same states with ρ = 1.5 instead (a smaller W_hh) do vanish or stay small
    H_small, _ = rnn_forward(xs, W_xh, 1.5 * Q)
    assert jacobian_norms(H_small, 1.5 * Q)[T - 1] < 1e-6
