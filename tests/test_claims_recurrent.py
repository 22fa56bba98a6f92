"""What the BPTT, LSTM/GRU and bidirectional/deep pages claim in words, checked by computation.

Each test names the section it backs; the formulas themselves are tested against PyTorch in
test_bptt.py, test_gradients.py, test_lstm_gru.py and test_topologies_deep.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    clip_grad_norm,
    clip_grad_value,
    jacobian_norms,
    lstm_step,
    rnn_bptt,
    rnn_forward,
    truncated_bptt,
)
from tests._require import require

torch = require("torch")
f64 = torch.float64


# --- bptt § truncated BPTT ----------------------------------------------------------------

def rnn_problem(T: int = 9, seed: int = 0):
    rng = np.random.default_rng(seed)
    d, n, q = 3, 4, 5
    w = dict(W_xh=rng.normal(size=(n, d)), W_hh=rng.normal(size=(n, n)) * 0.6,
             b_h=rng.normal(size=n), W_hy=rng.normal(size=(q, n)), b_y=rng.normal(size=q))
    return rng.normal(size=(T, d)), rng.integers(0, q, size=T), w


def steps_reached(t0: int, k: int | None) -> list[int]:
    """The steps whose input gradient changes when only the target at step t0 changes."""
    xs, y, w = rnn_problem()
    other = y.copy()
    other[t0] = (y[t0] + 1) % 5

    def input_grad(targets):
        if k is None:
            return rnn_bptt(xs, targets, **w)[1]["xs"]
        return truncated_bptt(xs, targets, **w, k=k)[1]["xs"]

    moved = np.abs(input_grad(y) - input_grad(other)).max(axis=-1) > 1e-12
    return [int(t) for t in np.flatnonzero(moved)]


@pytest.mark.formula("bptt.truncated")
def test_the_first_step_of_a_chunk_gets_no_gradient_through_time():
    """bptt § truncated BPTT (k = 3, chunks 0–2, 3–5, 6–8): the loss at the first step of a
    chunk reaches its own input only; at the last step it reaches back through the chunk;
    without truncation every loss reaches back to the start."""
    assert steps_reached(3, k=3) == [3]                 # first step of chunk 2
    assert steps_reached(5, k=3) == [3, 4, 5]           # last step of chunk 2
    assert steps_reached(6, k=3) == [6]                 # x_5 → L_6 spans one step, and is cut
    assert steps_reached(5, k=None) == [0, 1, 2, 3, 4, 5]
    assert steps_reached(5, k=9) == steps_reached(5, k=None)   # k ≥ T: ordinary BPTT


# --- bptt § vanishing and exploding gradients -----------------------------------------------

@pytest.mark.formula("gradients.norm-vs-gap")
@pytest.mark.parametrize("seed", range(5))
def test_the_jacobian_product_never_exceeds_the_bound(seed):
    """bptt § the product of Jacobians, the prose formula gradients.bound:
    ‖∂h_T/∂h_t‖₂ ≤ (γ σ_max(W_hh))^{T−t}, γ = 1 for tanh."""
    rng = np.random.default_rng(seed)
    n, T = 6, 30
    W_hh = rng.normal(size=(n, n)) * rng.uniform(0.2, 0.8)
    H, _ = rnn_forward(rng.normal(size=(T, 3)), rng.normal(size=(n, 3)), W_hh)
    g = jacobian_norms(H, W_hh)
    bound = np.linalg.norm(W_hh, 2) ** np.arange(1, T)
    assert (g[:T - 1] <= bound * (1 + 1e-12)).all()


@pytest.mark.formula("gradients.norm-vs-gap")
def test_a_scaled_orthogonal_matrix_gives_rho_to_the_k_in_the_linear_region():
    """bptt § gap: W_hh = ρQ with Q orthogonal; with states at 0 (tanh' = 1) g(k) = ρ^k: ρ = 0.5
    falls to about 1e-12 in 40 steps, ρ = 1.5 grows to about 1e7."""
    Q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(8, 8)))
    H = np.zeros((41, 8))
    for rho, after_40 in ((0.5, 1e-12), (1.5, 1e7)):
        g = jacobian_norms(H, rho * Q)
        np.testing.assert_allclose(g[:40], rho ** np.arange(1, 41), rtol=1e-9)
        assert 0.5 < g[39] / after_40 < 2


# --- bptt § gradient clipping ---------------------------------------------------------------

@pytest.mark.formula("gradients.clip-norm", "gradients.clip-value")
def test_norm_clipping_keeps_the_direction_and_value_clipping_turns_it():
    """bptt § gradient clipping: the left panel keeps every direction, the right one bends
    a gradient when only some of its components are cut."""
    g = {"W": np.array([3.0, 0.5])}
    by_norm, _ = clip_grad_norm(g, 1.0)
    by_value = clip_grad_value(g, 1.0)
    cos = lambda a, b: a @ b / np.linalg.norm(a) / np.linalg.norm(b)   # noqa: E731
    assert cos(by_norm["W"], g["W"]) == pytest.approx(1.0, abs=1e-15)
    assert cos(by_value["W"], g["W"]) < 0.96            # 17° off: [1, 0.5] vs [3, 0.5]


# --- lstm-gru ------------------------------------------------------------------------------

@pytest.mark.formula("lstm.cell")
def test_the_cell_state_jacobian_is_the_forget_gate():
    """lstm-gru § LSTM: ∂c_t/∂c_{t−1} = diag(f_t) (the gates read x_t and h_{t−1}, not c_{t−1})."""
    g = torch.Generator().manual_seed(0)
    n, d = 5, 3
    x, h, c = (torch.randn(s, dtype=f64, generator=g) for s in (d, n, n))
    W_ih, W_hh = torch.randn(4 * n, d, dtype=f64, generator=g), torch.randn(4 * n, n,
                                                                           dtype=f64, generator=g)
    J = torch.autograd.functional.jacobian(lambda c_: lstm_step(x, h, c_, W_ih, W_hh)[1], c)
    f = torch.sigmoid(W_ih[n:2 * n] @ x + W_hh[n:2 * n] @ h)     # blocks i, f, g, o
    torch.testing.assert_close(J, torch.diag(f), rtol=0, atol=1e-15)


@pytest.mark.parametrize("n", [8, 64])
def test_a_gru_has_three_quarters_of_an_lstms_parameters(n):
    """lstm-gru § questions: at the same hidden size a GRU has exactly 3/4 of the parameters."""
    count = lambda m: sum(p.numel() for p in m.parameters())      # noqa: E731
    lstm, gru = torch.nn.LSTM(10, n, num_layers=2), torch.nn.GRU(10, n, num_layers=2)
    assert 4 * count(gru) == 3 * count(lstm)


# --- bidirectional-deep ---------------------------------------------------------------------

@pytest.mark.parametrize("layers", [1, 3])
def test_a_bidirectional_rnn_has_twice_the_parameters(layers):
    """bidirectional-deep § questions: the two directions share nothing, so the parameter
    count doubles for one layer; above it each layer also reads 2n inputs."""
    count = lambda m: sum(p.numel() for p in m.parameters())      # noqa: E731
    one, two = (torch.nn.RNN(6, 4, num_layers=layers, bidirectional=b) for b in (False, True))
    extra = (layers - 1) * 2 * 4 * 4                             # W_ih reads 2n, not n
    assert count(two) == 2 * count(one) + extra
