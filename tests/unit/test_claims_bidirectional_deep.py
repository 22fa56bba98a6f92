"""What the bidirectional/deep page (chapter 11) claims in words, checked with PyTorch alone.

Each test names the section it backs. The formulas are tested against PyTorch in
test_topologies_deep.py; the first reading's claims are in test_claims_recurrent.py.
"""

from __future__ import annotations

import pytest

from tests._require import require

torch = require("torch")
f64 = torch.float64


def layer_by_layer(rnn, x):
    """Run each layer of a stacked bidirectional torch.nn.RNN as its own one-layer RNN."""
    finals, inp = [], x
    for layer in range(rnn.num_layers):
        one = torch.nn.RNN(inp.shape[-1], rnn.hidden_size, bidirectional=True, dtype=f64)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            for suffix in ("", "_reverse"):
                src = getattr(rnn, f"{name}_l{layer}{suffix}")
                getattr(one, f"{name}_l0{suffix}").data.copy_(src.data)
        inp, h_n = one(inp)
        finals.append(h_n)                                      # (2, batch, hidden)
    return finals


def h_n_index(layer: int, direction: int) -> int:
    """bidirectional-deep § PyTorch: layer ℓ counted from 1, direction k (0 forward, 1 backward)."""
    return 2 * (layer - 1) + direction


@pytest.mark.parametrize("layers", [2, 3])
def test_the_state_of_layer_l_direction_k_is_h_n_of_2_l_minus_1_plus_k(layers):
    """bidirectional-deep § PyTorch: the final state of layer ℓ (from 1) in direction k sits
    at h_n[2(ℓ−1) + k]; each layer is rerun alone to know which state is which."""
    torch.manual_seed(0)
    rnn = torch.nn.RNN(3, 4, num_layers=layers, bidirectional=True, dtype=f64)
    x = torch.randn(5, 2, 3, dtype=f64)
    with torch.no_grad():
        _, h_n = rnn(x)
        finals = layer_by_layer(rnn, x)
    for layer in range(1, layers + 1):
        for k in (0, 1):
            torch.testing.assert_close(h_n[h_n_index(layer, k)], finals[layer - 1][k],
                                       rtol=0, atol=1e-14)
    # negative control: the old text's index ℓ·2 + k, with the page's ℓ from 1, is off by two
    assert not torch.allclose(h_n[2 * 1 + 0], finals[0][0])
