"""Cases the mutation run (``bash .ci/mutation``) found untested in seqcore.topology: error
messages, exact boundaries of the tolerances, the shape of batched parameters, the torus
distance and the rank threshold, all worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    circle,
    figure_eight,
    immersion_rank,
    jacobian,
    klein_bottle,
    self_intersections,
)
from tests.errors import assert_derived_errors, assert_error_names

t = np.linspace(0.0, 1.0, 4)


def test_errors_name_the_function():
    assert_derived_errors(circle, {"t": t}, floats=["t"])
    assert_derived_errors(figure_eight, {"t": t}, floats=["t"])
    assert_derived_errors(klein_bottle, {"u": t, "v": t}, floats=["u", "v"])
    assert_error_names(lambda: klein_bottle(t, t[:3]), ValueError,
                       ["klein_bottle: the parameters must have one shape; got {'u': (4,), "
                        "'v': (3,)}"])
    assert_error_names(lambda: jacobian(circle, [[0.0], [0.0, 0.0]]), TypeError,
                       ["jacobian: `coords[0]` must be an array or a nested list"])
    assert_error_names(lambda: jacobian(circle, np.arange(3)), TypeError,
                       ["jacobian: `coords[0]` must have a real floating dtype"])
    assert_error_names(lambda: jacobian(3, t), TypeError,
                       ["jacobian: `f` must be a callable map; got int"])
    assert_error_names(lambda: jacobian(circle), ValueError,
                       ["jacobian: give at least one coordinate array after `f`"])
    for eps in (0.0, -1e-3):
        assert_error_names(lambda eps=eps: jacobian(circle, t, eps=eps), ValueError,
                           [f"jacobian: `eps` must be > 0; got {eps!r}"])
    assert_error_names(lambda: circle(t, radius=0.0), ValueError,
                       ["circle: `radius` must be > 0; got 0.0"])
    assert_error_names(lambda: klein_bottle(t, t, r=1.25), ValueError,
                       ["klein_bottle: `r` must be > 5/4 (the tube reaches 5/4 from the "
                        "central circle, so a smaller r crosses the axis); got 1.25"])
    for name in ("rtol", "atol"):
        assert_error_names(lambda name=name: immersion_rank(circle, t, **{name: -1e-9}),
                           ValueError, [f"immersion_rank: `{name}` must be >= 0; got -1e-09"])


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
    assert_error_names(lambda: self_intersections(P[:1], far[:1], 0.1, 1.0), ValueError,
                       ["self_intersections: `points` must be 2-D (n, k) with n ≥ 2; "
                        "got shape (1, 2)"])
    assert_error_names(lambda: self_intersections(np.zeros(3), far, 0.1, 1.0), ValueError,
                       ["self_intersections: `points` must be 2-D (n, k) with n ≥ 2; "
                        "got shape (3,)"])
    # One coordinate per point (k = 1) is a valid curve in R^1.
    np.testing.assert_array_equal(self_intersections(np.zeros((2, 1)), far, 0.1, 1.0), [[0, 1]])
    assert_error_names(lambda: self_intersections(P, far[:, 0], 0.1, 1.0), ValueError,
                       ["self_intersections: `params` must have shape (n, m) = (2, 1) for domain "
                        "'circle'; got (2,)"])
    for tol, sep in ((0.0, 1.0), (0.1, 0.0)):
        assert_error_names(lambda tol=tol, sep=sep: self_intersections(P, far, tol, sep),
                           ValueError, ["self_intersections: `tol` and `min_separation` must be "
                                        f"> 0; got {tol!r}, {sep!r}"])
    assert_error_names(lambda: self_intersections(P, far, 0.1, 1.0, domain="sphere"),
                       ValueError, ["self_intersections: `domain` must be one of 'circle', "
                                    "'torus', 'klein'; got 'sphere'"])
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
