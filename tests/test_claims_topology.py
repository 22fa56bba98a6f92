"""Claims of the chapter 'Embeddings and topology' (docs/topology.*.md), checked by code.

Each test names the section whose sentence it backs. The references are analytic facts
(periodicity, a hand-written lift to ℝ⁴, one-sided difference quotients), not seqcore's
own output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcore import circle, immersion_rank, jacobian, klein_bottle, self_intersections

TAU = 2 * math.pi
T = np.linspace(0, TAU, 720, endpoint=False)
U, V = np.meshgrid(np.linspace(0, TAU, 48, endpoint=False),
                   np.linspace(0, TAU, 48, endpoint=False), indexing="ij")


def _close_but_far(points: np.ndarray, distance: np.ndarray, tol: float, far: float) -> int:
    """How many pairs meet in the image (closer than tol) while `distance` says far apart."""
    gap = np.linalg.norm(points[:, None] - points[None], axis=-1)
    return int(np.sum(np.triu((gap < tol) & (distance > far), k=1)))


@pytest.mark.formula("topology.circle")
def test_the_circle_embeds_s1_but_not_the_interval():
    """§ The circle in the plane: on [0, 2π) the inverse of c breaks at (r, 0); on
    S¹ = ℝ/2πℤ, where the angles are glued, c has no double point."""
    t = T[::4]
    on_interval = np.abs(t[:, None] - t[None])
    on_circle = np.minimum(on_interval, TAU - on_interval)
    points = circle(t)
    assert _close_but_far(points, on_interval, tol=0.05, far=1.0) > 0
    assert _close_but_far(points, on_circle, tol=0.05, far=1.0) == 0
    # the same two points: t just after 0 and just before 2π
    eps = 1e-4
    a, b = circle(np.array([eps, TAU - eps]))
    assert np.linalg.norm(a - b) < 3 * eps and (TAU - eps) - eps > 6
    # and the library's check, which glues the interval into S¹, agrees
    assert len(self_intersections(points, t[:, None], tol=0.05, min_separation=1.0)) == 0


def _klein_in_r4(u, v, r=3.0):
    """The figure-8 Klein bottle with a fourth coordinate cos v: the two sheets that cross
    along v ∈ {0, π} get w = +1 and w = −1."""
    return np.concatenate([klein_bottle(u, v, r), np.cos(v)[..., None]], axis=-1)


@pytest.mark.formula("topology.klein-bottle", "topology.double-points")
def test_a_fourth_coordinate_removes_the_klein_bottles_double_curve():
    """§ Questions and answers, 'Why can the Klein bottle not be embedded in ℝ³?': in ℝ⁴
    one sheet is lifted over the other where they cross, and the double curve is gone."""
    # the lift respects the gluing (u + 2π, −v) ~ (u, v), so it is a map of the Klein bottle
    np.testing.assert_allclose(_klein_in_r4(U + TAU, -V), _klein_in_r4(U, V), atol=1e-12)
    rank, smallest = immersion_rank(_klein_in_r4, U, V)
    assert rank.min() == 2 and smallest.min() > 0.5
    Q = np.stack([U.ravel(), V.ravel()], axis=1)
    in_r3 = self_intersections(klein_bottle(U, V).reshape(-1, 3), Q, tol=0.05,
                               min_separation=0.5, domain="klein")
    in_r4 = self_intersections(_klein_in_r4(U, V).reshape(-1, 4), Q, tol=0.05,
                               min_separation=0.5, domain="klein")
    assert len(in_r3) >= 48 and len(in_r4) == 0


def test_the_one_hot_linear_map_is_not_injective_but_its_vertices_are():
    """§ So what is a learned word embedding?, 'Dimension runs the other way': x ↦ Eᵀx from
    ℝ^V to ℝ^d with d < V has a kernel, while the V one-hot vertices go to V different rows."""
    rng = np.random.default_rng(0)
    V_, d = 12, 4
    E = rng.normal(size=(V_, d))
    kernel = np.linalg.svd(E.T)[2][d:]            # rows spanning {x : Eᵀx = 0}
    assert kernel.shape == (V_ - d, V_)
    x = kernel[0]
    assert np.linalg.norm(x) > 0.99 and np.abs(E.T @ x).max() < 1e-12
    rows = E.T @ np.eye(V_)                       # the images of the one-hot vertices
    assert len({tuple(np.round(c, 12)) for c in rows.T}) == V_


def _encoder(t, activation=lambda z: np.maximum(z, 0.0)):
    """A small fixed network restricted to the circle, ℝ² → 5 hidden → ℝ³ (ReLU unless
    told otherwise); also returns the hidden pre-activations."""
    rng = np.random.default_rng(1)
    W1, b1, W2 = rng.normal(size=(5, 2)), rng.normal(size=5) * 0.3, rng.normal(size=(3, 5))
    pre = circle(t) @ W1.T + b1
    return activation(pre) @ W2.T, pre


def _one_sided(f, t, h=1e-6):
    """The left and right difference quotients of f at the single point t."""
    at = lambda s: f(np.array([s]))[0][0]                      # noqa: E731
    return (at(t) - at(t - h)) / h, (at(t + h) - at(t)) / h


def test_a_relu_encoder_is_only_piecewise_smooth():
    """§ So what is a learned word embedding?, the manifold-hypothesis paragraph: where a
    ReLU bends the one-sided derivatives differ (no derivative); inside a piece the map is
    smooth and the rank can be asked there."""
    _, pre = _encoder(T)
    steps, units = np.nonzero(np.diff(np.sign(pre), axis=0))  # where a hidden unit bends
    assert len(steps) > 0
    i, unit = steps[0], units[0]
    lo, hi = T[i], T[i + 1]                                     # bisect to the bend itself
    for _ in range(60):
        mid = (lo + hi) / 2
        same_side = np.sign(_encoder(np.array([mid]))[1][0, unit]) == np.sign(pre[i, unit])
        lo, hi = (mid, hi) if same_side else (lo, mid)
    kink = (lo + hi) / 2
    left, right = _one_sided(_encoder, kink)
    assert np.linalg.norm(left - right) > 1e-3 * np.linalg.norm(left + right)
    # away from every bend the Jacobian exists and is injective (rank 1)
    away = np.abs(pre).min(axis=1) > 1e-3
    rank, _ = immersion_rank(lambda t: _encoder(t)[0], T[away])
    assert rank.min() == 1
    # the control: with tanh the one-sided quotients agree to O(h) at the same point
    left, right = _one_sided(lambda t: _encoder(t, np.tanh), kink)
    assert np.linalg.norm(left - right) < 1e-4


def test_the_inclusion_of_the_three_sphere_in_r4():
    """§ Three kinds of map: the author's example, S³ in ℝ⁴. In Hopf coordinates the points
    lie on the unit sphere and the Jacobian has full rank 3 (away from the coordinates'
    own degenerate circles η ∈ {0, π/2})."""
    eta, xi1, xi2 = np.meshgrid(np.linspace(0.1, math.pi / 2 - 0.1, 9),
                                np.linspace(0, TAU, 12, endpoint=False),
                                np.linspace(0, TAU, 12, endpoint=False), indexing="ij")

    def s3(eta, xi1, xi2):
        return np.stack([np.cos(eta) * np.cos(xi1), np.cos(eta) * np.sin(xi1),
                         np.sin(eta) * np.cos(xi2), np.sin(eta) * np.sin(xi2)], axis=-1)

    np.testing.assert_allclose(np.linalg.norm(s3(eta, xi1, xi2), axis=-1), 1.0, atol=1e-15)
    rank, _ = immersion_rank(s3, eta, xi1, xi2)
    assert rank.min() == 3
    assert jacobian(s3, eta, xi1, xi2).shape == (*eta.shape, 4, 3)


@pytest.mark.formula("topology.klein-bottle", "topology.immersion")
def test_the_klein_bottle_immersion_needs_r_above_five_quarters():
    """§ The Klein bottle in ℝ³: ρ − r is the figure eight (sin v, sin 2v) turned by u/2, so
    |ρ − r| ≤ 5/4 (the maximum of sin²v + sin²2v is 25/16, at sin²v = 5/8); r > 5/4 keeps
    ρ > 0 and the rank at 2, and klein_bottle accepts every such r. The control: at r = 1.2
    the tube reaches the axis (ρ ≤ 0 somewhere)."""
    from scipy.optimize import minimize_scalar

    best = minimize_scalar(lambda v: -(np.sin(v) ** 2 + np.sin(2 * v) ** 2),
                           bounds=(0.5, 1.5), method="bounded")
    assert -best.fun == pytest.approx(25 / 16, abs=1e-9)
    assert np.sin(best.x) ** 2 == pytest.approx(5 / 8, abs=1e-6)
    u, v = np.meshgrid(np.linspace(0, TAU, 721), np.linspace(0, TAU, 721), indexing="ij")
    offset = np.cos(u / 2) * np.sin(v) - np.sin(u / 2) * np.sin(2 * v)      # ρ − r
    assert np.abs(offset).max() == pytest.approx(1.25, abs=1e-4)
    assert np.abs(offset).max() <= 1.25 + 1e-12
    for r in (1.3, 3.0):
        xyz = klein_bottle(u, v, r)
        np.testing.assert_allclose(np.hypot(xyz[..., 0], xyz[..., 1]), r + offset, atol=1e-12)
        assert (r + offset).min() > 0
        rank, smallest = immersion_rank(lambda a, b, r=r: klein_bottle(a, b, r), U, V)
        assert rank.min() == 2 and smallest.min() > 1e-3
    assert (1.2 + offset).min() < 0
    with pytest.raises(ValueError, match="5/4"):
        klein_bottle(U, V, 1.25)
