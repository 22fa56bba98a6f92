"""What the LSTM/GRU page (chapter 10) claims in words, checked by computation (second reading).

Each test names the section it backs. References: SciPy's expit for the sigmoid, PyTorch's
GRUCell for the PyTorch form of the GRU. The first reading's claims are in
test_claims_recurrent.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from seqcore import gru_step, sigmoid
from tests._require import require

torch = require("torch")
expit = require("scipy.special").expit


# --- lstm-gru § the sigmoid ----------------------------------------------------------------

@pytest.mark.formula("sigmoid.stable")
def test_the_definition_overflows_only_below_minus_709_and_its_zero_is_the_limit():
    """lstm-gru § the sigmoid: 1/(1 + e^{−z}) overflows (with a warning) only for z < −709
    in float64, and then returns 0, the right limit."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert 1 / (1 + np.exp(np.float64(709))) > 0             # no warning at −709
        with pytest.raises(RuntimeWarning, match="overflow"):
            np.exp(np.float64(710))
    with np.errstate(over="ignore"):
        assert 1 / (1 + np.exp(np.float64(800))) == 0.0


@pytest.mark.formula("sigmoid.stable")
def test_the_tanh_form_trades_the_far_tail_for_no_branch():
    """lstm-gru § the sigmoid: the tanh form's absolute error is at rounding level, it returns
    0 only where the true value is below 1e-16 (z ≲ −38: the last zero is at −37.98, and
    at −37 it still returns 5.6e-17), and there the definition is the more accurate form:
    4.25e-18 at z = −40."""
    z = np.linspace(-60.0, 60.0, 200_001)
    exact = expit(z)
    assert np.abs(sigmoid(z) - exact).max() <= 2.3e-16
    zero = sigmoid(z) == 0
    assert zero.any() and exact[zero].max() < 1e-16 and round(z[zero].max()) == -38
    fine = np.arange(-39.0, -37.0, 1e-4)
    assert -37.99 < fine[sigmoid(fine) == 0].max() < -37.97
    # the control: z = −37 (the page's old bound) does not return 0
    assert 5e-17 < sigmoid(np.array(-37.0)) < 6e-17
    assert sigmoid(np.array(-40.0)) == 0.0
    naive = 1 / (1 + np.exp(40.0))
    assert naive == pytest.approx(4.25e-18, rel=1e-3)
    assert naive == pytest.approx(expit(-40.0), rel=1e-12)


# --- lstm-gru § GRU, the two forms -----------------------------------------------------------

def gru_problem(seed: int, zero_state: bool, zero_b_hn: bool):
    rng = np.random.default_rng(seed)
    d, n = 3, 4
    x = rng.normal(size=d)
    h = np.zeros(n) if zero_state else rng.normal(size=n)
    W_ih, W_hh = rng.normal(size=(3 * n, d)), rng.normal(size=(3 * n, n))
    b_ih, b_hh = rng.normal(size=3 * n), rng.normal(size=3 * n)
    if zero_b_hn:
        b_hh[2 * n:] = 0.0                                       # blocks r, z, n
    return x, h, W_ih, W_hh, b_ih, b_hh


def torch_gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    """PyTorch's form, computed by torch.nn.GRUCell."""
    cell = torch.nn.GRUCell(x.size, h.size, dtype=torch.float64)
    with torch.no_grad():
        for p, v in zip((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh),
                        (W_ih, W_hh, b_ih, b_hh), strict=True):
            p.copy_(torch.from_numpy(v))
        return cell(torch.from_numpy(x)[None], torch.from_numpy(h)[None])[0].numpy()


@pytest.mark.formula("gru.candidate-pytorch", "gru.candidate-cho")
@pytest.mark.parametrize("seed", range(4))
def test_the_two_gru_forms_agree_from_a_zero_state_with_zero_b_hn(seed):
    """lstm-gru § GRU, "values": not only r_t = 1 makes the forms agree; with h_{t−1} = 0 and
    b_hn = 0 both reset terms vanish, whatever r_t is."""
    args = gru_problem(seed, zero_state=True, zero_b_hn=True)
    cho = gru_step(*args, form="cho")
    np.testing.assert_allclose(cho, torch_gru_cell(*args), rtol=0, atol=1e-14)


@pytest.mark.formula("gru.candidate-pytorch", "gru.candidate-cho")
@pytest.mark.parametrize("zero_state, zero_b_hn", [(False, True), (True, False)])
def test_otherwise_the_two_gru_forms_differ(zero_state, zero_b_hn):
    """Negative control for the test above: drop either condition and the forms differ."""
    args = gru_problem(0, zero_state, zero_b_hn)
    cho = gru_step(*args, form="cho")
    assert np.abs(cho - torch_gru_cell(*args)).max() > 1e-3
