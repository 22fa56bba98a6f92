"""Claims of the chapter 'RNN topologies' (docs/topologies.*.md), checked by code.

Each test names the section whose sentence it backs. References: PyTorch's FLOP counter
and autograd, and the decoder recomputed on its own from the encoder's summary.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import encoder_decoder, rnn_forward
from tests._require import require

torch = require("torch")


def _weights(seed: int = 0, d: int = 3, e: int = 2, n: int = 4, q: int = 5):
    rng = np.random.default_rng(seed)
    enc = (rng.normal(size=(n, d)), rng.normal(size=(n, n)) * 0.5, rng.normal(size=n) * 0.1)
    dec = (rng.normal(size=(n, e)), rng.normal(size=(n, n)) * 0.5, rng.normal(size=n) * 0.1)
    return enc, dec, rng.normal(size=(q, n)), rng.normal(size=q) * 0.1


@pytest.mark.formula("topology.encoder-decoder")
def test_the_decoder_learns_about_the_input_only_through_h_T():
    """§ Many-to-many, encoder–decoder: the decoder's outputs are those of the decoder RNN
    run alone from s₀ = h_T, whatever the input's length."""
    enc, dec, W_hy, b_y = _weights()
    rng = np.random.default_rng(1)
    U = rng.normal(size=(3, 2))
    for T in (2, 7, 40):
        xs = rng.normal(size=(T, 3))
        out, h_T = encoder_decoder(xs, U, enc, dec, W_hy, b_y)
        _, last = rnn_forward(xs, *enc)
        S, _ = rnn_forward(U, *dec, h0=last)
        np.testing.assert_allclose(h_T, last, atol=1e-12)
        np.testing.assert_allclose(out, S @ W_hy.T + b_y, atol=1e-12)


def _flops(fn) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def test_a_decoder_step_costs_the_same_for_any_t_attention_grows_with_t():
    """§ Many-to-many, encoder–decoder, correction box: with the fixed summary one decoder
    step's cost does not depend on T; attending over T encoder states costs O(T) per step."""
    n, e = 16, 8
    W_xh, W_hh = torch.randn(n, e), torch.randn(n, n)
    s, u = torch.randn(1, n), torch.randn(1, e)
    fixed, attention = [], []
    for T in (10, 100, 1000):
        H = torch.randn(T, n)
        fixed.append(_flops(lambda: torch.tanh(u @ W_xh.T + s @ W_hh.T)))
        attention.append(_flops(lambda H=H: torch.softmax(s @ H.T, dim=-1) @ H))
    assert fixed[0] == fixed[1] == fixed[2] > 0
    assert attention[1] == 10 * attention[0] and attention[2] == 10 * attention[1]


def test_the_fixed_summary_is_a_bottleneck_attention_is_not():
    """§ Many-to-many, encoder–decoder: the longer the input, the less the summary h_T keeps
    of its beginning (∂h_T/∂x₁ vanishes), while an attention context reaches h₁ directly."""
    torch.manual_seed(0)
    n = 8
    rnn = torch.nn.RNN(4, n)
    with torch.no_grad():
        rnn.weight_hh_l0.mul_(0.5)
    through_summary, through_attention = [], []
    for T in (5, 40):
        x = torch.randn(T, 1, 4, requires_grad=True)
        H, h_T = rnn(x)
        (g,) = torch.autograd.grad(h_T.sum(), x, retain_graph=True)
        through_summary.append(float(g[0].norm()))
        query = H[-1, 0].detach()
        weights = torch.softmax(H[:, 0] @ query, dim=0)
        context = weights @ H[:, 0]
        (g,) = torch.autograd.grad(context.sum(), x)
        through_attention.append(float(g[0].norm()))
    assert through_summary[1] < 1e-6 * through_summary[0]
    assert through_attention[1] > 1e3 * through_summary[1]


@pytest.mark.formula("topology.encoder-decoder")
def test_teacher_forcing_and_free_running_feed_different_inputs():
    """§ Questions and answers, what goes in after the first step (exposure bias): with
    teacher forcing the decoder reads the correct words, at inference its own choices;
    the two runs agree until the first wrong choice and differ after it."""
    enc, dec, W_hy, b_y = _weights(seed=3, e=5)
    embed = np.eye(5)                      # decoder inputs: one-hot of the previous word
    start, gold = 0, [4, 2, 3, 1]
    xs = np.random.default_rng(4).normal(size=(6, 3))
    forced_inputs = embed[[start, *gold[:-1]]]
    forced, _ = encoder_decoder(xs, forced_inputs, enc, dec, W_hy, b_y)
    chosen, inputs = [], [start]
    for _ in gold:                         # free running: feed back the arg max
        logits, _ = encoder_decoder(xs, embed[inputs], enc, dec, W_hy, b_y)
        chosen.append(int(np.argmax(logits[-1])))
        inputs.append(chosen[-1])
    wrong = [i for i, (c, g) in enumerate(zip(chosen, gold, strict=True)) if c != g]
    assert wrong and wrong[0] < len(gold) - 1, (chosen, gold)
    first_wrong = wrong[0]
    free, _ = encoder_decoder(xs, embed[inputs[:-1]], enc, dec, W_hy, b_y)
    np.testing.assert_allclose(free[:first_wrong + 1], forced[:first_wrong + 1], atol=1e-12)
    assert not np.allclose(free[first_wrong + 1:], forced[first_wrong + 1:])
