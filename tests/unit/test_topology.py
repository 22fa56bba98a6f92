"""The chapter-5 maps: Jacobians vs analytic derivatives and torch.autograd; known double points."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    circle,
    figure_eight,
    immersion_rank,
    jacobian,
    klein_bottle,
    self_intersections,
)
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")

TAU = 2 * math.pi
T = np.linspace(0, TAU, 720, endpoint=False)
U, V = np.meshgrid(np.linspace(0, TAU, 48, endpoint=False),
                   np.linspace(0, TAU, 48, endpoint=False), indexing="ij")


def klein_jacobian(u, v, r=3.0):
    """∂K/∂u and ∂K/∂v, derived by hand."""
    cu, su = np.cos(u / 2), np.sin(u / 2)
    rho = r + cu * np.sin(v) - su * np.sin(2 * v)
    drho_du = -0.5 * su * np.sin(v) - 0.5 * cu * np.sin(2 * v)
    drho_dv = cu * np.cos(v) - 2 * su * np.cos(2 * v)
    dz_du = 0.5 * cu * np.sin(v) - 0.5 * su * np.sin(2 * v)
    dz_dv = su * np.cos(v) + 2 * cu * np.cos(2 * v)
    d_du = np.stack([drho_du * np.cos(u) - rho * np.sin(u),
                     drho_du * np.sin(u) + rho * np.cos(u), dz_du], axis=-1)
    d_dv = np.stack([drho_dv * np.cos(u), drho_dv * np.sin(u), dz_dv], axis=-1)
    return np.stack([d_du, d_dv], axis=-1)


@pytest.mark.formula("topology.circle")
def test_circle_is_the_unit_circle():
    p = circle(T, radius=2.5)
    np.testing.assert_allclose(np.hypot(p[:, 0], p[:, 1]), 2.5, rtol=0, atol=1e-14)
    np.testing.assert_allclose(np.arctan2(p[:, 1], p[:, 0]) % TAU, T, rtol=0, atol=1e-12)


@pytest.mark.formula("topology.figure-eight")
def test_figure_eight_is_gerono_lemniscate():
    # the lemniscate of Gerono: x^4 = x^2 − y^2
    p = figure_eight(T)
    np.testing.assert_allclose(p[:, 0] ** 4, p[:, 0] ** 2 - p[:, 1] ** 2, rtol=0, atol=1e-14)


@pytest.mark.formula("topology.klein-bottle")
def test_klein_bottle_glue_and_symmetry():
    # going once around in u lands on (u, −v): the Klein bottle's gluing
    np.testing.assert_allclose(klein_bottle(U + TAU, V), klein_bottle(U, -V), rtol=0,
                               atol=1e-12)
    np.testing.assert_allclose(klein_bottle(U, V + TAU), klein_bottle(U, V), rtol=0, atol=1e-12)
    # every meridian is the figure-eight curve (sin v, sin 2v) turned by u/2 in its plane
    u0 = 1.3
    p = klein_bottle(np.full_like(T, u0), T)
    radial = np.hypot(p[:, 0], p[:, 1]) - 3.0
    c, s = math.cos(u0 / 2), math.sin(u0 / 2)
    back = np.stack([c * radial + s * p[:, 2], -s * radial + c * p[:, 2]], axis=1)
    np.testing.assert_allclose(back, np.stack([np.sin(T), np.sin(2 * T)], axis=1), atol=1e-12)


@pytest.mark.formula("topology.jacobian")
def test_jacobian_matches_analytic_derivatives():
    np.testing.assert_allclose(jacobian(circle, T)[..., 0],
                               np.stack([-np.sin(T), np.cos(T)], axis=-1), rtol=0, atol=1e-9)
    np.testing.assert_allclose(jacobian(figure_eight, T)[..., 0],
                               np.stack([np.cos(T), np.cos(2 * T)], axis=-1), rtol=0, atol=1e-9)
    np.testing.assert_allclose(jacobian(klein_bottle, U, V), klein_jacobian(U, V), rtol=0,
                               atol=1e-8)


@pytest.mark.formula("topology.jacobian", "topology.klein-bottle")
def test_jacobian_matches_torch_autograd():
    u = torch.tensor([0.3, 2.0, 5.9], dtype=torch.float64)
    v = torch.tensor([1.1, 4.0, 0.2], dtype=torch.float64)
    for k in range(3):
        ref = torch.autograd.functional.jacobian(
            lambda a, b: klein_bottle(a, b), (u[k], v[k]))            # the map on tensors
        ref = torch.stack(ref, dim=-1)
        got = jacobian(klein_bottle, u[k:k + 1], v[k:k + 1])[0]
        torch.testing.assert_close(got, ref, rtol=0, atol=1e-8)


@pytest.mark.formula("topology.immersion")
def test_immersion_ranks():
    r_c, s_c = immersion_rank(circle, T)
    r_e, s_e = immersion_rank(figure_eight, T)
    r_k, s_k = immersion_rank(klein_bottle, U, V)
    assert r_c.min() == 1 and r_e.min() == 1 and r_k.min() == 2
    # analytic smallest singular values: |c'| = 1; |e'| = sqrt(cos²t + cos²2t)
    np.testing.assert_allclose(s_c, 1.0, atol=1e-9)
    np.testing.assert_allclose(s_e, np.hypot(np.cos(T), np.cos(2 * T)), atol=1e-9)
    np.testing.assert_allclose(s_k, np.linalg.svd(klein_jacobian(U, V), compute_uv=False)[..., -1],
                               atol=1e-8)


@pytest.mark.formula("topology.immersion")
def test_a_cusp_is_not_an_immersion():
    """t ↦ (t², t³) has a cusp at 0: rank 0 there, rank 1 elsewhere."""
    def cusp(t):
        return np.stack([t**2, t**3], axis=-1)

    rank, smallest = immersion_rank(cusp, np.array([-0.5, 0.0, 0.5]))
    assert rank.tolist() == [1, 0, 1]
    assert smallest[1] < 1e-9


@pytest.mark.formula("topology.double-points")
def test_double_points_are_the_known_sets():
    assert len(self_intersections(circle(T), T[:, None], tol=0.02, min_separation=0.5)) == 0
    pairs = self_intersections(figure_eight(T), T[:, None], tol=0.02, min_separation=0.5)
    assert len(pairs) > 0
    ts = np.sort(T[pairs], axis=1)
    # every double pair straddles t = 0 (≡ 2π) and t = π, close to the origin
    near_0 = np.minimum(ts[:, 0], TAU - ts[:, 1]) < 0.05
    near_pi = np.abs(ts - math.pi).min(axis=1) < 0.05
    assert (near_0 & near_pi).all()
    assert np.abs(figure_eight(T[pairs.ravel()])).max() < 0.05
    # Klein bottle: the double curve is v ∈ {0, π}, the circle of radius 3 in z = 0
    P = klein_bottle(U, V).reshape(-1, 3)
    Q = np.stack([U.ravel(), V.ravel()], axis=1)
    kp = self_intersections(P, Q, tol=0.05, min_separation=0.5, domain="klein")
    assert len(kp) >= 48                                  # at least one pair per u on the grid
    vs = Q[kp][:, :, 1]
    assert set(np.round(vs, 9).ravel()) <= {0.0, round(math.pi, 9)}
    pts = P[kp.ravel()]
    np.testing.assert_allclose(np.hypot(pts[:, 0], pts[:, 1]), 3.0, atol=1e-9)
    np.testing.assert_allclose(pts[:, 2], 0.0, atol=1e-9)
    assert len(np.unique(np.round(Q[kp][:, 0, 0], 9))) == 48   # all around the circle


def test_klein_seam_is_not_a_double_point():
    """Points glued by (u + 2π, v) ~ (u, −v) are neighbours, not a self-intersection."""
    P = klein_bottle(U, V).reshape(-1, 3)
    Q = np.stack([U.ravel(), V.ravel()], axis=1)
    as_torus = self_intersections(P, Q, tol=0.3, min_separation=0.5, domain="torus")
    as_klein = self_intersections(P, Q, tol=0.3, min_separation=0.5, domain="klein")
    assert len(as_klein) < len(as_torus)     # with the wrong gluing the seam looks like a crossing


# radius, r, eps, rtol, atol, tol, domain, f and the dtypes are derived in
# tests/unit/test_validation.py; here, what ties one argument to another.
@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: klein_bottle(np.ones(3), np.ones(4)), ShapeError,
         ["klein_bottle: `v`", "shape (3,) of `u`", "(4,)"]),
        (lambda: klein_bottle(np.ones(3), np.ones(3), r=1.25), ValueError,
         ["klein_bottle: `r`", "> 5/4", "1.25", "crosses the axis"]),
        (lambda: jacobian(circle), ValueError, ["jacobian: give at least one coordinate"]),
        (lambda: jacobian(circle, [[0.0], [0.0, 0.0]]), TypeError,
         ["jacobian: `coords[0]`", "array"]),
        (lambda: jacobian(circle, np.arange(3)), TypeError,
         ["jacobian: `coords[0]`", "floating"]),
        (lambda: self_intersections(np.ones((4, 2)), np.ones((4, 2)), 0.1, 0.1), ShapeError,
         ["self_intersections: `params`", "(4, 1)", "'circle'"]),
        (lambda: self_intersections(np.zeros((1, 2)), np.zeros((1, 1)), 0.1, 1.0), ValueError,
         ["self_intersections: `points`", "n ≥ 2", "(1, 2)"]),
        (lambda: self_intersections(np.zeros(3), np.zeros((3, 1)), 0.1, 1.0), ShapeError,
         ["self_intersections: `points`", "2-D (n, k)", "(3,)"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


# --- small cases worked by hand ------------------------------------------------------------

def test_batched_parameters_put_the_coordinates_last():
    grid = np.array([[0.0, np.pi / 2], [np.pi, 0.5]])
    c = circle(grid, radius=2.0)
    assert c.shape == (2, 2, 2)
    np.testing.assert_allclose(c[0, 1], [0.0, 2.0], atol=1e-15)
    np.testing.assert_allclose(c[1, 0], [-2.0, 0.0], atol=1e-15)
    e = figure_eight(grid)
    assert e.shape == (2, 2, 2)
    np.testing.assert_allclose(e[0, 1], [1.0, 0.0], atol=1e-15)   # sin, sin*cos at pi/2
    k = klein_bottle(grid, grid, r=1.26)   # r just above the bound 5/4 is allowed
    assert k.shape == (2, 2, 3)
    np.testing.assert_allclose(k[0, 0], [1.26, 0.0, 0.0], atol=1e-15)  # u = v = 0: (r, 0, 0)


def test_rank_threshold_by_hand():
    def stretch(u, v):  # Jacobian diag(10, 1e-3): singular values 10 and 1e-3
        return np.stack([10 * u, 1e-3 * v], axis=-1)

    u = np.array([0.3])
    rank, smallest = immersion_rank(stretch, u, u, rtol=1e-3, atol=0.0)
    # floor = rtol * s_max = 1e-2 > 1e-3, so the rank is 1; rtol / s_max would be 1e-4.
    assert rank.dtype.kind == "i" and rank.tolist() == [1]
    np.testing.assert_allclose(smallest, [1e-3], rtol=1e-6)
    assert immersion_rank(stretch, u, u, rtol=1e-5, atol=0.0)[0].tolist() == [2]
    assert immersion_rank(stretch, u, u, rtol=0.0, atol=1e-2)[0].tolist() == [1]

    def flat(u, v):  # the second direction is exactly flat: singular value 0
        return np.stack([u, 0.0 * v], axis=-1)

    # rtol = atol = 0 are allowed; a zero singular value is not counted (s > floor, not >=).
    assert immersion_rank(flat, u, u, rtol=0.0, atol=0.0)[0].tolist() == [1]


def test_self_intersections_boundaries():
    P = np.zeros((2, 2))     # two coincident points
    far = np.array([[0.0], [np.pi]])
    np.testing.assert_array_equal(self_intersections(P, far, 0.1, 1.0), [[0, 1]])
    # One coordinate per point (k = 1) is a valid curve in R^1.
    np.testing.assert_array_equal(self_intersections(np.zeros((2, 1)), far, 0.1, 1.0), [[0, 1]])
    # No close pair at all: an empty (0, 2) integer array.
    none = self_intersections(np.array([[0.0, 0.0], [5.0, 0.0]]), far, 0.1, 1.0)
    assert none.shape == (0, 2) and none.dtype == np.int64


def test_torus_distance_by_hand():
    P = np.zeros((2, 3))
    # Parameters (1, 2) and (1, 2.001): 0.001 apart on the torus, so not a double point;
    # a sum or a swapped coordinate anywhere in the distance would make them ~1 or more apart.
    near = np.array([[1.0, 2.0], [1.0, 2.001]])
    assert self_intersections(P, near, 0.1, 0.5, domain="torus").shape == (0, 2)
    near_u = np.array([[2.0, 1.0], [2.001, 1.0]])
    assert self_intersections(P, near_u, 0.1, 0.5, domain="torus").shape == (0, 2)
    # Around the seam: 0.1 and 2*pi - 0.1 are 0.2 apart.
    seam = np.array([[0.1, 1.0], [2 * np.pi - 0.1, 1.0]])
    assert self_intersections(P, seam, 0.1, 0.5, domain="torus").shape == (0, 2)
    assert self_intersections(P, seam, 0.1, 0.15, domain="torus").tolist() == [[0, 1]]


@pytest.mark.parametrize("domain", ["torus", "klein"])
def test_pairs_are_sorted(domain):
    P = np.zeros((4, 2))
    params = np.array([[0.0, 0.0], [2.0, 2.0], [4.0, 1.0], [1.0, 4.0]])
    out = self_intersections(P, params, 0.1, 0.5, domain=domain)
    assert out.tolist() == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
