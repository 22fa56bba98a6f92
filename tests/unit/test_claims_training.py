"""What the training page claims in words about Adam, checked with torch.optim.Adam itself.

Each test names the section it backs. seqcore's optimizers are compared with torch.optim in
test_optim.py; here PyTorch alone shows the behaviour the prose describes.
"""

from __future__ import annotations

import itertools

import pytest

from tests._require import require
from tests.conftest import DOCS

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


def test_after_the_first_step_the_noisy_steps_are_still_a_large_share_of_eta():
    """training § the learning-rate schedule: the first step is exactly η, and the next few
    are still a large share of it for the noisy gradients of the Q&A: about 0.64 η at the
    second step and 0.27 η at the tenth (the page's numbers), falling all the way."""
    s = mean_steps(noisy_gradients(10, noise=1.0))
    assert s[0] == pytest.approx(1.0, rel=1e-6)
    assert round(s[1], 2) == 0.64 and round(s[9], 2) == 0.27
    for lang in ("ko", "en"):
        page = (DOCS / f"training.{lang}.md").read_text(encoding="utf-8")
        assert "0.64\\,\\eta" in page and "0.27\\,\\eta" in page, lang
    assert all(a > b for a, b in itertools.pairwise(s))
    # the control: "almost η in the first few steps" would need s[1] and s[9] near 1
    assert s[9] < 0.5


def test_the_vocabulary_of_2205_counts_the_two_special_tokens():
    """training § Korean in three units: the morpheme vocabulary's 2,205 ids are the kept
    pieces and every character in both forms plus <pad> and <unk>; BPE reaches the same
    size with two forms of every character and one symbol per merge."""
    import json

    r = json.loads((DOCS / "_data/experiments/units_ko.json").read_text(encoding="utf-8"))
    chars = r["units"]["char"]["vocabulary"] - 2 - 1          # less the specials and " "
    merges = r["segmenters"]["bpe"]["merges"]
    assert r["units"]["morph"]["vocabulary"] == r["units"]["bpe"]["vocabulary"]
    assert r["units"]["bpe"]["vocabulary"] == 2 * chars + merges + 2
    # the reason: the experiment's Vocabulary counts its specials in its length
    from seqcore import Vocabulary

    assert len(Vocabulary([["a", "b"]], specials=("<pad>", "<unk>"))) == 4
    # the control: without the two specials the count does not add up
    assert r["units"]["bpe"]["vocabulary"] != 2 * chars + merges
