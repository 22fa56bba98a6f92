"""Jacobian products against torch.autograd.functional.jacobian; clipping against
torch.nn.utils.clip_grad_norm_ and clip_grad_value_."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    clip_grad_norm,
    clip_grad_value,
    hidden_jacobian,
    jacobian_norms,
    rnn_forward,
    step_jacobian,
)
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")
F64 = torch.float64
TOL, GRAD_TOL = 1e-10, 1e-8


def setup(n=5, d=2, T=10, scale=0.6, seed=0, nonlinearity="tanh"):
    torch.manual_seed(seed)
    W_hh = torch.randn(n, n, dtype=F64) * scale
    W_xh = torch.randn(n, d, dtype=F64)
    xs = torch.randn(T, d, dtype=F64)
    H, _ = rnn_forward(xs, W_xh, W_hh, nonlinearity=nonlinearity)
    return xs, W_xh, W_hh, H


def torch_jacobian(xs, W_xh, W_hh, H, t, nonlinearity):
    """∂h_T/∂h_t by autograd: rerun the recurrence from h_t with torch.nn.RNNCell."""
    cell = torch.nn.RNNCell(W_xh.shape[1], W_hh.shape[0], nonlinearity=nonlinearity,
                            bias=False, dtype=F64)
    with torch.no_grad():
        cell.weight_ih.copy_(W_xh)
        cell.weight_hh.copy_(W_hh)

    def run(h):
        for j in range(t, xs.shape[0]):
            h = cell(xs[j], h)
        return h

    h_t = H[t - 1] if t > 0 else torch.zeros(W_hh.shape[0], dtype=F64)
    return torch.autograd.functional.jacobian(run, h_t)


@pytest.mark.formula("gradients.step-jacobian")
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_step_jacobian_matches_autograd(nonlinearity):
    xs, W_xh, W_hh, H = setup(nonlinearity=nonlinearity)
    ref = torch_jacobian(xs, W_xh, W_hh, H, 9, nonlinearity)
    np.testing.assert_allclose(step_jacobian(H[9].numpy(), W_hh.numpy(), nonlinearity),
                               ref.numpy(), rtol=0, atol=GRAD_TOL)


@pytest.mark.formula("gradients.jacobian-product")
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("t", [0, 1, 4, 9, 10])
def test_jacobian_product_matches_autograd(t, nonlinearity):
    xs, W_xh, W_hh, H = setup(nonlinearity=nonlinearity, scale=0.9)
    ref = torch_jacobian(xs, W_xh, W_hh, H, t, nonlinearity)
    got = hidden_jacobian(H, W_hh, t, nonlinearity)       # torch tensors in
    torch.testing.assert_close(got, ref, rtol=0, atol=GRAD_TOL)
    np.testing.assert_allclose(hidden_jacobian(H.numpy(), W_hh.numpy(), t, nonlinearity),
                               ref.numpy(), rtol=0, atol=GRAD_TOL)


@pytest.mark.formula("gradients.norm-vs-gap")
def test_jacobian_norms_match_autograd_and_show_vanishing_and_exploding():
    xs, W_xh, W_hh, H = setup(T=12, scale=0.9)
    norms = jacobian_norms(H.numpy(), W_hh.numpy())
    for k in (1, 5, 12):
        ref = torch.linalg.matrix_norm(torch_jacobian(xs, W_xh, W_hh, H, 12 - k, "tanh"), ord=2)
        assert abs(norms[k - 1] - float(ref)) < GRAD_TOL
    # linear regime (states at 0): the norm is exactly ‖W^k‖₂, geometric in k
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    for rho in (0.5, 1.5):
        g = jacobian_norms(np.zeros((30, 6)), rho * Q)      # orthogonal: ‖(ρQ)^k‖ = ρ^k
        np.testing.assert_allclose(g, rho ** np.arange(1, 31), rtol=1e-10)
    assert jacobian_norms(np.zeros((30, 6)), 0.5 * Q)[-1] < 1e-8           # vanishing
    assert jacobian_norms(np.zeros((30, 6)), 1.5 * Q)[-1] > 1e5            # exploding


def _torch_params(grads):
    ps = [torch.nn.Parameter(g.clone()) for g in grads]
    for p, g in zip(ps, grads, strict=True):
        p.grad = g.clone()
    return ps


@pytest.mark.formula("gradients.clip-norm")
@pytest.mark.parametrize("max_norm", [1e-3, 0.5, 1.0, 7.0, 1e6])
def test_clip_grad_norm_matches_torch(max_norm):
    torch.manual_seed(1)
    grads = [torch.randn(4, 3, dtype=F64), torch.randn(4, dtype=F64), torch.randn(2, 2, 2,
                                                                                  dtype=F64)]
    ps = _torch_params(grads)
    ref_norm = torch.nn.utils.clip_grad_norm_(ps, max_norm)
    got, norm = clip_grad_norm([g.numpy() for g in grads], max_norm)
    assert abs(float(norm) - float(ref_norm)) < TOL
    for a, p in zip(got, ps, strict=True):
        np.testing.assert_allclose(a, p.grad.numpy(), rtol=0, atol=TOL)
    got_t, _ = clip_grad_norm({"a": grads[0], "b": grads[1], "c": grads[2]}, max_norm)
    assert isinstance(got_t["a"], torch.Tensor)
    torch.testing.assert_close(got_t["c"], ps[2].grad, rtol=0, atol=TOL)
    norms = np.linalg.norm(np.concatenate([a.ravel() for a in got]))
    assert norms <= max_norm * (1 + 1e-9) or max_norm > float(ref_norm)


@pytest.mark.formula("gradients.clip-norm")
def test_clip_grad_norm_keeps_the_direction():
    g = [np.array([3.0, 0.0]), np.array([0.0, -4.0])]
    got, norm = clip_grad_norm(g, 1.0)
    assert float(norm) == 5.0
    np.testing.assert_allclose(np.concatenate(got) * 5.0, np.concatenate(g), rtol=1e-5)


@pytest.mark.formula("gradients.clip-value")
@pytest.mark.parametrize("clip_value", [1e-3, 0.3, 1.0, 100.0])
def test_clip_grad_value_matches_torch(clip_value):
    torch.manual_seed(2)
    grads = [torch.randn(5, 3, dtype=F64), torch.tensor([float("inf"), -float("inf"), 0.1],
                                                        dtype=F64)]
    ps = _torch_params(grads)
    torch.nn.utils.clip_grad_value_(ps, clip_value)
    got = clip_grad_value([g.numpy() for g in grads], clip_value)
    for a, p in zip(got, ps, strict=True):
        np.testing.assert_array_equal(a, p.grad.numpy())
    got_t = clip_grad_value(grads, clip_value)
    torch.testing.assert_close(got_t[0], ps[0].grad, rtol=0, atol=0)


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: clip_grad_norm([np.ones(3)], 0.0), ValueError, ["`max_norm`", "> 0", "0.0"]),
        (lambda: clip_grad_norm([np.ones(3)], -1), ValueError, ["`max_norm`", "-1"]),
        (lambda: clip_grad_norm([np.ones(3)], float("nan")), ValueError, ["`max_norm`", "nan"]),
        (lambda: clip_grad_norm([np.ones(3)], float("inf")), ValueError, ["`max_norm`", "inf"]),
        (lambda: clip_grad_norm([np.ones(3), np.array([1.0, np.inf])], 1.0),
         ValueError, ["`grads[1]`", "finite", "1 NaN or infinite"]),
        (lambda: clip_grad_norm({"W": np.array([np.nan])}, 1.0),
         ValueError, ["`W`", "finite"]),
        (lambda: clip_grad_norm([], 1.0), ValueError, ["`grads`", "at least one array"]),
        (lambda: clip_grad_norm(np.ones(3), 1.0), TypeError, ["`grads`", "list or a dict"]),
        (lambda: clip_grad_value([np.ones(3)], 0), ValueError, ["`clip_value`", "> 0"]),
        (lambda: clip_grad_value([np.array([np.nan, 1.0])], 1.0),
         ValueError, ["`grads[0]`", "NaN"]),
        (lambda: clip_grad_value([np.array([1, 2])], 1.0), TypeError, ["`grads[0]`", "floating"]),
        (lambda: jacobian_norms(np.zeros((0, 3)), np.eye(3)),
         ShapeError, ["jacobian_norms: `H`", "at least one time step"]),
        (lambda: clip_grad_norm("ab", 1.0), TypeError, ["clip_grad_norm: `grads`", "list or a dict",
                                                         "got str"]),
        (lambda: clip_grad_value({}, 1.0), ValueError, ["clip_grad_value: `grads`",
                                                        "at least one array", "empty dict"]),
        (lambda: clip_grad_norm([np.ones(2), [[0.0], [0.0, 0.0]]], 1.0), TypeError,
         ["clip_grad_norm: `grads[1]`", "array"]),
        (lambda: clip_grad_value({"w": np.ones(2, dtype=int)}, 1.0), TypeError,
         ["clip_grad_value: `w`", "floating"]),
        (lambda: hidden_jacobian(np.zeros((4, 3)), np.eye(3), -1),
         ValueError, ["hidden_jacobian: `t`", "[0, 4]", "-1"]),
        (lambda: jacobian_norms(np.zeros((4, 3)), np.eye(4)),
         ShapeError, ["`H`", "hidden=4", "(4, 3)"]),
        (lambda: jacobian_norms(np.zeros(4), np.eye(4)),
         ShapeError, ["`H`", "2-D (time, hidden)", "(4,)"]),
        (lambda: hidden_jacobian(np.zeros((4, 3)), np.eye(3), 5),
         ValueError, ["`t`", "[0, 4]", "5"]),
        (lambda: step_jacobian(np.zeros(3), np.ones((3, 2))),
         ShapeError, ["`W_hh`", "(hidden, hidden)", "(3, 2)"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


@pytest.mark.gpu
@pytest.mark.formula("gradients.clip-norm", "gradients.jacobian-product")
def test_cuda_clipping_and_jacobians():
    dev = torch.device("cuda")
    grads = [torch.randn(4, 3, dtype=F64, device=dev), torch.randn(4, dtype=F64, device=dev)]
    ps = _torch_params(grads)
    ref = torch.nn.utils.clip_grad_norm_(ps, 0.5)
    got, norm = clip_grad_norm(grads, 0.5)
    assert got[0].device.type == "cuda"
    torch.testing.assert_close(norm, ref, rtol=0, atol=TOL)
    xs, W_xh, W_hh, H = setup()
    J = hidden_jacobian(H.to(dev), W_hh.to(dev), 3)
    torch.testing.assert_close(J.cpu(), torch_jacobian(xs, W_xh, W_hh, H, 3, "tanh"),
                               rtol=0, atol=GRAD_TOL)
    assert jacobian_norms(H.to(dev), W_hh.to(dev)).device.type == "cuda"


def test_clipping_by_hand_keeps_the_container():
    # norm 5 clipped to 1 -> (0.6, 0.8) (eps = 0 leaves it exact); an integer threshold is
    # accepted; a list stays a list, a dict a dict with its keys
    clipped, total = clip_grad_norm([np.array([3.0, 4.0])], 1, eps=0.0)
    assert isinstance(clipped, list) and float(total) == 5.0
    np.testing.assert_allclose(clipped[0], [0.6, 0.8], rtol=1e-15)
    out = clip_grad_value({"b": np.array([-2.0, 0.5, 2.0])}, 1)
    assert list(out) == ["b"]
    np.testing.assert_array_equal(out["b"], [-1.0, 0.5, 1.0])
    assert isinstance(clip_grad_value((np.ones(1),), 1.0), list)


def test_hidden_jacobian_at_the_step_bounds():
    rng = np.random.default_rng(3)
    T, N = 3, 4
    H, W_hh = np.tanh(rng.normal(size=(T, N))), rng.normal(size=(N, N)) / 2
    np.testing.assert_array_equal(hidden_jacobian(H, W_hh, T), np.eye(N))  # t = T: empty product
    # one step back: diag(1 - h_{T-1}^2) W_hh, by hand
    np.testing.assert_allclose(hidden_jacobian(H, W_hh, T - 1), (1 - H[-1] ** 2)[:, None] * W_hh,
                               rtol=1e-15)
    # relu: the derivative is 1 where h > 0 and 0 elsewhere (h = 0 included)
    h = np.array([0.5, 0.0, -1.0, 2.0])
    np.testing.assert_array_equal(step_jacobian(h, W_hh, nonlinearity="relu"),
                                  np.array([1.0, 0.0, 0.0, 1.0])[:, None] * W_hh)


def test_jacobians_keep_float32():
    h32, W32 = np.array([0.5, -0.5], dtype=np.float32), np.eye(2, dtype=np.float32)
    for nl in ("tanh", "relu"):
        assert step_jacobian(h32, W32, nonlinearity=nl).dtype == np.float32
        assert hidden_jacobian(h32[None], W32, 0, nonlinearity=nl).dtype == np.float32
        assert jacobian_norms(h32[None], W32, nonlinearity=nl).dtype == np.float32
    # relu: only the positive unit passes its row of W_hh = I
    np.testing.assert_array_equal(hidden_jacobian(h32[None], W32, 0, nonlinearity="relu"),
                                  [[1.0, 0.0], [0.0, 0.0]])


@pytest.mark.formula("gradients.clip-norm")
def test_the_global_norm_stays_exact_beyond_the_squares_range():
    from scipy.linalg.blas import dnrm2

    for grads in ([np.array([1e200, 1e200]), np.array([3e200])], [np.array([3e-200, 4e-200])],
                  [np.array([3e-30, 4e-30], dtype=np.float32)]):
        clipped, total = clip_grad_norm(grads, 1.0, eps=0.0)
        exact = dnrm2(np.concatenate(grads).astype(np.float64))
        np.testing.assert_allclose(float(total), exact, rtol=1e-6)
        np.testing.assert_allclose(np.concatenate(clipped),
                                   np.concatenate(grads) * min(1.0, 1.0 / exact), rtol=1e-6)


@pytest.mark.parametrize(("grads", "rtol"), [
    ([np.array([3e-157, 4e-157])], 1e-14),                  # squares 1e-313: subnormal
    ([np.array([3e-21, 4e-21], dtype=np.float32)], 1e-7),   # squares 1e-41 in float32
])
def test_the_global_norm_is_exact_where_the_squares_would_be_subnormal(grads, rtol):
    """Squares below the normal range keep few digits (plain √Σg² is off by 1.7e-12 here in
    float64, 1.1e-5 in float32); the scaled sum is exact to the last bit or two."""
    from scipy.linalg.blas import dnrm2

    _, total = clip_grad_norm(grads, 1.0, eps=0.0)
    exact = dnrm2(np.concatenate(grads).astype(np.float64))
    np.testing.assert_allclose(float(total), exact, rtol=rtol)


def test_gradients_with_no_entries_have_norm_zero_and_come_back_as_they_were():
    grads = {"w": np.zeros((2, 0)), "b": np.zeros(0)}
    clipped, total = clip_grad_norm(grads, 1.0)
    assert float(total) == 0.0 and list(clipped) == ["w", "b"]
    assert clipped["w"].shape == (2, 0) and clipped["b"].shape == (0,)
    assert [g.shape for g in clip_grad_value([np.zeros(0)], 1.0)] == [(0,)]


@pytest.mark.parametrize("clip", [clip_grad_norm, clip_grad_value])
def test_an_infinite_or_nan_gradient_is_named_by_the_function_and_its_key(clip):
    inf = {"w": np.ones(2), "b": np.array([1.0, np.inf])}
    nan = [np.ones(2), np.array([np.nan])]
    if clip is clip_grad_norm:       # the norm of an infinite gradient is no norm at all
        assert_error_names(lambda: clip(inf, 1.0), ValueError, ["clip_grad_norm:", "`b`",
                                                                "finite"])
    assert_error_names(lambda: clip(nan, 1.0), ValueError, [f"{clip.__name__}:", "`grads[1]`",
                                                            "NaN"])
