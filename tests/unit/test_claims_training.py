"""What the training page claims in words about Adam, checked with torch.optim.Adam itself.

Each test names the section it backs. seqcore's optimizers are compared with torch.optim in
test_optim.py; here PyTorch alone shows the behaviour the prose describes.
"""

from __future__ import annotations

import pytest

from tests._require import require

torch = require("torch")
f64 = torch.float64


def mean_steps(grads: list, lr: float = 1.0) -> list[float]:
    """The mean |θ_t − θ_{t−1}| of torch.optim.Adam (defaults) fed the given gradients."""
    w = torch.zeros_like(grads[0], requires_grad=True)
    opt = torch.optim.Adam([w], lr=lr)
    steps = []
    for g in grads:
        before = w.detach().clone()
        w.grad = g.clone()
        opt.step()
        steps.append(float((w.detach() - before).abs().mean()))
    return steps


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_adams_first_step_is_eta_whatever_the_gradient_scale(scale):
    """training § Adam and Q&A "warm-up": bias correction gives m̂₁ = g₁, v̂₁ = g₁², so every
    weight moves by η at the first step, whatever the size of its gradient."""
    g = scale * torch.randn(1000, dtype=f64, generator=torch.Generator().manual_seed(0))
    assert mean_steps([g], lr=0.01)[0] == pytest.approx(0.01, rel=1e-4)


def noisy_gradients(steps: int, noise: float) -> list:
    gen = torch.Generator().manual_seed(0)
    return [0.01 + noise * torch.randn(10_000, dtype=f64, generator=gen) for _ in range(steps)]


def test_adams_steps_shrink_where_the_gradient_is_mostly_noise():
    """training § Adam and Q&A "warm-up": gradients of mean 0.01 and standard deviation 1.
    The mean step is η at t = 1 and about 0.18 η from t ≈ 100 on: the step is at most about
    η and smaller where the sign is noisy, so the first steps are the large ones."""
    s = mean_steps(noisy_gradients(200, noise=1.0))
    assert s[0] == pytest.approx(1.0, rel=1e-6)
    assert 0.55 < s[1] < 0.75
    assert all(0.15 < x < 0.21 for x in s[99:])
    assert max(s) == s[0]


def test_without_noise_the_steps_stay_at_eta():
    """Negative control for the test above: the same mean with no noise keeps every step at
    η, so the shrinking above comes from the noise, not from the schedule of β₁ and β₂."""
    s = mean_steps(noisy_gradients(200, noise=0.0))
    assert all(x == pytest.approx(1.0, rel=1e-4) for x in s)
