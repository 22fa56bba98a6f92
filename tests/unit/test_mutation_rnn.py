"""Cases the mutation run (``bash .ci/mutation``) found untested in seqcore.rnn, bptt and
gradients: every error names its function and argument; the boundaries are exact."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from seqcore import (
    clip_grad_norm,
    clip_grad_value,
    cross_entropy,
    cross_entropy_grad,
    hidden_jacobian,
    jacobian_norms,
    output_layer_backward,
    rnn_backward,
    rnn_bptt,
    rnn_forward,
    rnn_logits,
    rnn_output,
    rnn_step,
    sequence_cross_entropy,
    step_jacobian,
    truncated_bptt,
)
from tests.unit.errors import (
    assert_batch_axis_is_checked,
    assert_derived_errors,
    assert_error_names,
)

rng = np.random.default_rng(3)
T, D, N, K = 3, 2, 4, 5
xs, W_xh, W_hh = rng.normal(size=(T, D)), rng.normal(size=(N, D)), rng.normal(size=(N, N)) / 2
b_h, h0 = rng.normal(size=N), rng.normal(size=N)
W_hy, b_y = rng.normal(size=(K, N)), rng.normal(size=K)
H = np.tanh(rng.normal(size=(T, N)))
targets = np.array([0, 4, 2])

CASES = [
    (rnn_step, {"x": xs[0], "h_prev": h0, "W_xh": W_xh, "W_hh": W_hh, "b_h": b_h},
     ["x", "h_prev", "W_xh", "W_hh", "b_h"], ["x", "h_prev", "W_xh", "W_hh", "b_h"],
     ["x", "h_prev", "W_xh", "W_hh", "b_h"]),
    (rnn_forward, {"xs": xs, "W_xh": W_xh, "W_hh": W_hh, "b_h": b_h, "h0": h0},
     ["xs", "W_xh", "W_hh", "b_h", "h0"], ["xs", "W_xh", "W_hh", "b_h", "h0"],
     ["xs", "W_xh", "W_hh", "b_h", "h0"]),
    (rnn_logits, {"h": H, "W_hy": W_hy, "b_y": b_y}, ["h", "W_hy", "b_y"], ["W_hy", "b_y"],
     ["h", "W_hy", "b_y"]),
    (cross_entropy, {"logits": H, "targets": targets % N}, ["logits"], [], []),
    (cross_entropy_grad, {"logits": H, "targets": targets % N}, ["logits"], [], []),
    (output_layer_backward, {"H": H, "dO": rng.normal(size=(T, K)), "W_hy": W_hy},
     ["H", "dO", "W_hy"], ["W_hy"], ["H", "dO", "W_hy"]),
    (rnn_backward, {"xs": xs, "H": H, "dH": H, "W_xh": W_xh, "W_hh": W_hh, "h0": h0,
                    "dh_T": h0},
     ["xs", "H", "dH", "W_xh", "W_hh", "h0", "dh_T"], ["H", "dH", "W_xh", "W_hh", "h0", "dh_T"],
     ["xs", "H", "dH", "W_xh", "W_hh", "h0", "dh_T"]),
    (rnn_bptt, {"xs": xs, "targets": targets, "W_xh": W_xh, "W_hh": W_hh, "b_h": b_h,
                "W_hy": W_hy, "b_y": b_y},
     [], ["W_hy", "b_y"], ["W_hy", "b_y"]),
    (step_jacobian, {"h_t": H[0], "W_hh": W_hh}, ["h_t", "W_hh"], ["h_t", "W_hh"],
     ["h_t", "W_hh"]),
    (hidden_jacobian, {"H": H, "W_hh": W_hh, "t": 1}, ["H", "W_hh"], ["H", "W_hh"],
     ["H", "W_hh"]),
    (jacobian_norms, {"H": H, "W_hh": W_hh}, ["H", "W_hh"], ["H", "W_hh"], ["H", "W_hh"]),
]


@pytest.mark.parametrize(("func", "good", "floats", "ranks", "sizes"), CASES,
                         ids=[c[0].__name__ for c in CASES])
def test_errors_name_the_function(func, good, floats, ranks, sizes):
    assert_derived_errors(func, good, floats=floats, ranks=ranks, sizes=sizes)
    if "nonlinearity" in inspect.signature(func).parameters:
        # rnn_bptt passes it on to rnn_forward, whose name its message carries.
        name = "rnn_forward" if func is rnn_bptt else func.__name__
        assert_error_names(lambda: func(**good, nonlinearity="sigmoid"), ValueError,
                           [f"{name}: `nonlinearity` must be one of 'tanh', 'relu'; "
                            "got 'sigmoid'"])


def test_output_and_ragged_names():
    assert_error_names(lambda: rnn_output(H, W_hy, [[0.0], [0.0, 0.0]]), TypeError,
                       ["rnn_logits: `b_y` must be an array or a nested list"])
    assert_error_names(lambda: rnn_logits(np.array(1.0), W_hy), ValueError,
                       ["rnn_logits: `h` must have at least one axis (..., hidden); got a scalar"])
    assert_error_names(lambda: rnn_bptt(xs, targets, W_xh, W_hh, b_h, [[0.0], [0.0, 0.0]], b_y),
                       TypeError, ["rnn_bptt: `W_hy` must be an array"])
    assert_error_names(lambda: rnn_bptt(xs, targets, W_xh, W_hh, b_h, W_hy.astype(np.float32),
                                        b_y), TypeError, ["rnn_bptt: `W_hy` has dtype float32"])
    assert_error_names(lambda: output_layer_backward(np.array(1.0), b_y, W_hy), ValueError,
                       ["output_layer_backward: `H` must have at least one axis; got a scalar"])


def test_time_axis_must_not_be_empty():
    assert_error_names(lambda: rnn_forward(xs[:0], W_xh, W_hh), ValueError,
                       ["rnn_forward: `xs` must hold at least one time step; got shape (0, 2)"])
    assert_error_names(lambda: rnn_backward(xs[:0], H[:0], H[:0], W_xh, W_hh), ValueError,
                       ["rnn_backward: `xs` must hold at least one time step"])
    assert_error_names(lambda: sequence_cross_entropy(H[:0], targets[:0]), ValueError,
                       ["sequence_cross_entropy: `logits` must hold at least one time step"])
    assert_error_names(lambda: sequence_cross_entropy(H[0], targets[0]), ValueError,
                       ["sequence_cross_entropy: `logits` must be 2-D (time, classes) or 3-D "
                        "(time, batch, classes); got 1-D shape (4,)"])
    assert_error_names(lambda: sequence_cross_entropy(H[None, None], targets), ValueError,
                       ["sequence_cross_entropy: `logits` must be 2-D", "got 4-D"])
    assert_error_names(lambda: hidden_jacobian(H[:0], W_hh, 0), ValueError,
                       ["hidden_jacobian: `H` must hold at least one state; got shape (0, 4)"])
    assert_error_names(lambda: jacobian_norms(H[:0], W_hh), ValueError,
                       ["jacobian_norms: `H` must hold at least one state"])


def test_targets_errors():
    logits = np.zeros((2, 3))
    assert_error_names(lambda: cross_entropy(logits, np.array([0.0, 1.0])), TypeError,
                       ["cross_entropy: `targets` must hold integer class indices; "
                        "got dtype float64"])
    assert_error_names(lambda: cross_entropy(np.array(1.0), np.array(0)), ValueError,
                       ["cross_entropy: `logits` must have at least one axis (..., classes); "
                        "got a scalar"])
    assert_error_names(lambda: cross_entropy(logits, [0, -1]), ValueError,
                       ["cross_entropy: `targets` must be class indices in [0, 2]; got values "
                        "from -1 to 0"])
    assert_error_names(lambda: cross_entropy(logits, [3, 0]), ValueError,
                       ["from 0 to 3"])
    # The largest class index K-1 and the smallest 0 are valid: loss = log 3 for flat logits.
    np.testing.assert_allclose(cross_entropy(logits, [2, 0]), [np.log(3.0)] * 2, rtol=1e-15)
    assert cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int)).shape == (0,)
    assert_error_names(lambda: cross_entropy(np.array([[0.0, np.inf]]), [0]), ValueError,
                       ["cross_entropy: `logits` must be finite; it holds 1 NaN or infinite"])
    assert_error_names(lambda: cross_entropy(np.array([[np.nan, np.inf]]), [0]), ValueError,
                       ["it holds 2 NaN or infinite value(s)"])


def test_truncated_bptt_arguments():
    args = (xs, targets, W_xh, W_hh, b_h, W_hy, b_y)
    for k in (0, -1, True, 1.5):
        assert_error_names(lambda k=k: truncated_bptt(*args, k=k), ValueError,
                           [f"truncated_bptt: `k` (the chunk length) must be an integer >= 1; "
                            f"got {k!r}"])
    assert_error_names(lambda: truncated_bptt(xs[0], *args[1:], k=1), ValueError,
                       ["truncated_bptt: `xs` must be 2-D (time, input) or 3-D (time, batch, "
                        "input); got 1-D shape (2,)"])
    assert_error_names(lambda: truncated_bptt(np.array(1.0), *args[1:], k=1), ValueError,
                       ["truncated_bptt: `xs` must be 2-D", "got 0-D shape ()"])
    assert_error_names(lambda: truncated_bptt(xs[:0], *args[1:], k=1), ValueError,
                       ["truncated_bptt: `xs` must hold at least one time step"])
    # k >= T is one chunk: the same as full BPTT; targets may be a list.
    full_loss, full = rnn_bptt(*args)
    loss, g = truncated_bptt(xs, list(targets), *args[2:], k=T)
    np.testing.assert_allclose(loss, full_loss, rtol=1e-12)
    for name in ("W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0", "xs", "h_T"):
        np.testing.assert_allclose(g[name], full[name], rtol=1e-12, err_msg=name)


def test_clip_arguments():
    g = {"a": np.array([3.0, 4.0])}
    for func, arg in ((clip_grad_norm, "max_norm"), (clip_grad_value, "clip_value")):
        name = func.__name__
        for bad in (0, -1.0, float("inf"), float("nan"), True, "1"):
            assert_error_names(lambda func=func, bad=bad: func(g, bad), ValueError,
                               [f"{name}: `{arg}` must be a finite number > 0; got {bad!r}"])
        assert_error_names(lambda func=func: func(5.0, 1.0), TypeError,
                           [f"{name}: `grads` must be a list or a dict of arrays; got float"])
        assert_error_names(lambda func=func: func("ab", 1.0), TypeError,
                           [f"{name}: `grads` must be a list", "got str"])
        assert_error_names(lambda func=func: func([], 1.0), ValueError,
                           [f"{name}: `grads` must hold at least one array; got an empty list"])
        assert_error_names(lambda func=func: func({}, 1.0), ValueError, ["got an empty dict"])
        assert_error_names(lambda func=func: func([np.ones(2), [[0.0], [0.0, 0.0]]], 1.0),
                           TypeError, [f"{name}: `grads[1]` must be an array"])
        assert_error_names(lambda func=func: func({"w": np.ones(2, dtype=int)}, 1.0), TypeError,
                           [f"{name}: `w` must have a real floating dtype"])
    assert_error_names(lambda: clip_grad_norm([np.array([np.inf])], 1.0), ValueError,
                       ["clip_grad_norm: `grads[0]` must be finite"])
    assert_error_names(lambda: clip_grad_value({"w": np.array([1.0, np.nan])}, 1.0), ValueError,
                       ["clip_grad_value: `w` holds NaN; clipping cannot repair it"])
    # Hand values: norm 5 clipped to 1 -> (0.6, 0.8) (eps = 0 leaves it exact); an integer
    # threshold is accepted; a list stays a list, a dict a dict with its keys.
    clipped, total = clip_grad_norm([np.array([3.0, 4.0])], 1, eps=0.0)
    assert isinstance(clipped, list) and float(total) == 5.0
    np.testing.assert_allclose(clipped[0], [0.6, 0.8], rtol=1e-15)
    out = clip_grad_value({"b": np.array([-2.0, 0.5, 2.0])}, 1)
    assert list(out) == ["b"]
    np.testing.assert_array_equal(out["b"], [-1.0, 0.5, 1.0])
    assert isinstance(clip_grad_value((np.ones(1),), 1.0), list)


def test_hidden_jacobian_step_bounds():
    n = W_hh.shape[0]
    np.testing.assert_array_equal(hidden_jacobian(H, W_hh, T), np.eye(n))  # t = T: empty product
    for t in (-1, T + 1, True, 1.0):
        assert_error_names(lambda t=t: hidden_jacobian(H, W_hh, t), ValueError,
                           [f"hidden_jacobian: `t` must be an integer step in [0, {T}]; "
                            f"got {t!r}"])
    # One step back: diag(1 - h_{T-1}^2) W_hh, by hand.
    np.testing.assert_allclose(hidden_jacobian(H, W_hh, T - 1),
                               (1 - H[-1] ** 2)[:, None] * W_hh, rtol=1e-15)
    # relu: the derivative is 1 where h > 0 and 0 elsewhere (h = 0 included).
    h = np.array([0.5, 0.0, -1.0, 2.0])
    np.testing.assert_array_equal(step_jacobian(h, W_hh, nonlinearity="relu"),
                                  np.array([1.0, 0.0, 0.0, 1.0])[:, None] * W_hh)


def test_jacobians_keep_float32():
    h32, W32 = np.array([0.5, -0.5], dtype=np.float32), np.eye(2, dtype=np.float32)
    for nl in ("tanh", "relu"):
        assert step_jacobian(h32, W32, nonlinearity=nl).dtype == np.float32
        assert hidden_jacobian(h32[None], W32, 0, nonlinearity=nl).dtype == np.float32
        assert jacobian_norms(h32[None], W32, nonlinearity=nl).dtype == np.float32
    # relu: only the positive unit passes its row of W_hh = I.
    np.testing.assert_array_equal(hidden_jacobian(h32[None], W32, 0, nonlinearity="relu"),
                                  [[1.0, 0.0], [0.0, 0.0]])


B = 2
xsB, HB = rng.normal(size=(T, B, D)), np.tanh(rng.normal(size=(T, B, N)))
h0B = rng.normal(size=(B, N))
BATCHED = [
    (rnn_step, {"x": xsB[0], "h_prev": h0B, "W_xh": W_xh, "W_hh": W_hh, "b_h": b_h},
     ["x", "h_prev"]),
    (rnn_forward, {"xs": xsB, "W_xh": W_xh, "W_hh": W_hh, "b_h": b_h, "h0": h0B}, ["xs", "h0"]),
    (rnn_backward, {"xs": xsB, "H": HB, "dH": HB, "W_xh": W_xh, "W_hh": W_hh, "h0": h0B,
                    "dh_T": h0B}, ["xs", "H", "dH", "h0", "dh_T"]),
]


@pytest.mark.parametrize(("func", "good", "args"), BATCHED, ids=[c[0].__name__ for c in BATCHED])
def test_batched_shapes_are_checked(func, good, args):
    name = func.__name__
    # Another batch size, or a batch axis too many, is refused by name.
    assert_batch_axis_is_checked(func, good, args)
    # With unbatched inputs, a batched state is refused too.
    plain = {k: (v[:, 0] if k in ("xs", "H", "dH") else v[0] if k in ("x", "h_prev", "h0", "dh_T")
                 else v) for k, v in good.items()}
    func(**plain)
    for arg in args:
        if arg in ("h_prev", "h0", "dh_T", "H", "dH"):
            assert_error_names(lambda arg=arg: func(**{**plain, arg: good[arg]}), ValueError,
                               [f"{name}: `{arg}`"])
