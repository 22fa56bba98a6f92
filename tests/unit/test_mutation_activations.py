"""Cases the mutation run (``bash .ci/mutation``) found untested in seqcore.activations.

Each error message starts with the function's own name and names the argument; the axis
bounds are exact (``axis = ndim`` is refused by seqcore itself, not by NumPy).
"""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import log_softmax, sigmoid, softmax, tanh_derivative_from_output
from tests.unit.errors import assert_derived_errors, assert_error_names

Z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])


@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_softmax_family_errors_name_the_function(func):
    assert_derived_errors(func, {"z": Z}, floats=["z"])
    name = func.__name__
    assert_error_names(lambda: func(np.array(1.0)), ValueError,
                       [f"{name}: `z` must have at least one axis; got a 0-D scalar"])
    # axis = ndim is one past the end: refused with the valid range, for either sign.
    assert_error_names(lambda: func(Z, axis=2), ValueError,
                       [f"{name}: `axis` must be in [-2, 1] for a 2-D `z`; got 2"])
    assert_error_names(lambda: func(Z, axis=-3), ValueError, [f"{name}: `axis`", "got -3"])
    # The extreme valid axes are accepted.
    np.testing.assert_allclose(np.exp(func(Z, axis=-2)) if func is log_softmax
                               else func(Z, axis=-2),
                               np.exp(Z) / np.exp(Z).sum(axis=0), rtol=1e-12)


@pytest.mark.parametrize(("func", "arg"), [(sigmoid, "z"), (tanh_derivative_from_output, "y")])
def test_elementwise_errors_name_the_function(func, arg):
    assert_derived_errors(func, {arg: Z[0]}, floats=[arg])


def test_sigmoid_and_tanh_derivative_hand_values():
    # sigma(0) = 1/2, sigma(ln 3) = 3/4, sigma(-ln 3) = 1/4; 1 - y^2 at y = 0.5 is 0.75.
    np.testing.assert_allclose(sigmoid(np.array([0.0, np.log(3.0), -np.log(3.0)])),
                               [0.5, 0.75, 0.25], rtol=1e-15)
    np.testing.assert_allclose(tanh_derivative_from_output(np.array([0.5, -1.0, 0.0])),
                               [0.75, 0.0, 1.0], rtol=0)
