"""The nonlinearities and the output distribution (seqcore.activations) against PyTorch.

Softmax and log-softmax along any axis, stable for huge logits; the sigmoid in its tanh form;
the derivative of tanh from its output. Bad inputs of every public function are derived in
``tests/unit/test_validation.py``; the axis bounds and the 0-D input are checked here.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import log_softmax, sigmoid, softmax, tanh_derivative_from_output
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")
F64 = torch.float64
Z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])


@pytest.mark.formula("softmax.stable")
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_matches_torch(axis):
    z = torch.randn(4, 6, dtype=F64) * 10
    np.testing.assert_allclose(softmax(z.numpy(), axis=axis),
                               torch.softmax(z, dim=axis).numpy(), rtol=0, atol=1e-14)


@pytest.mark.formula("softmax.stable")
def test_softmax_stays_finite_for_huge_logits():
    z = np.array([[800.0, -800.0, 0.0], [-1e5, -1e5 + 1, -1e5 + 2]])
    p = softmax(z)
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[1], torch.softmax(torch.tensor([0.0, 1.0, 2.0], dtype=F64),
                                                   0).numpy())


@pytest.mark.formula("softmax.log")
@pytest.mark.parametrize("axis", [0, -1])
def test_log_softmax_matches_torch(axis):
    z = torch.randn(5, 7, dtype=F64) * 30
    np.testing.assert_allclose(log_softmax(z.numpy(), axis=axis),
                               torch.log_softmax(z, dim=axis).numpy(), rtol=0, atol=1e-12)


@pytest.mark.formula("softmax.stable", "softmax.log")
def test_an_empty_axis_gives_an_empty_result_as_torch():
    z = np.zeros((3, 0))
    assert softmax(z).shape == log_softmax(z).shape == tuple(torch.softmax(torch.zeros(3, 0),
                                                                           -1).shape)


@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_axis_must_be_an_axis_of_z(func):
    name = func.__name__
    assert_error_names(lambda: func(Z, axis=2), ValueError, [f"{name}: `axis`", "[-2, 1]",
                                                              "2-D `z`"])
    assert_error_names(lambda: func(Z, axis=-3), ValueError, [f"{name}: `axis`", "got -3"])
    assert_error_names(lambda: func(np.array(1.0)), ValueError, [f"{name}: `z`", "at least 1-D"])
    # the extreme valid axes are accepted
    want = np.exp(Z) / np.exp(Z).sum(axis=0)
    got = func(Z, axis=-2)
    np.testing.assert_allclose(np.exp(got) if func is log_softmax else got, want, rtol=1e-12)


@pytest.mark.formula("sigmoid.stable")
def test_sigmoid_matches_torch_and_stays_finite():
    z = torch.linspace(-800, 800, 101, dtype=F64)
    np.testing.assert_allclose(sigmoid(z.numpy()), torch.sigmoid(z).numpy(), rtol=0, atol=1e-15)
    with np.errstate(over="raise"):
        assert np.isfinite(sigmoid(np.array([-1e308, 1e308]))).all()
    torch.testing.assert_close(sigmoid(z), torch.sigmoid(z), rtol=0, atol=1e-15)


def test_sigmoid_and_tanh_derivative_hand_values():
    # sigma(0) = 1/2, sigma(ln 3) = 3/4, sigma(-ln 3) = 1/4; 1 - y^2 at y = 0.5 is 0.75.
    np.testing.assert_allclose(sigmoid(np.array([0.0, np.log(3.0), -np.log(3.0)])),
                               [0.5, 0.75, 0.25], rtol=1e-15)
    np.testing.assert_allclose(tanh_derivative_from_output(np.array([0.5, -1.0, 0.0])),
                               [0.75, 0.0, 1.0], rtol=0)


def test_tanh_derivative_is_autograd_of_tanh():
    a = torch.linspace(-4, 4, 17, dtype=F64, requires_grad=True)
    torch.tanh(a).sum().backward()
    np.testing.assert_allclose(tanh_derivative_from_output(torch.tanh(a).detach().numpy()),
                               a.grad.numpy(), rtol=1e-12, atol=1e-15)
