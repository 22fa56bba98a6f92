"""The private in-place SDPA (seqcore/_attention_fast.py) against torch's own attention.

It must be a drop-in for ``seqcore.scaled_dot_product_attention``: the same outputs and
weights (float64, against ``torch.nn.functional.scaled_dot_product_attention`` and the public
function), the same errors, its inputs untouched, and autograd still right when a tensor
requires grad (it falls back to the public function then).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqcore import scaled_dot_product_attention
from seqcore._attention_fast import scaled_dot_product_attention_in_place as in_place
from seqcore._validate import ShapeError

F = torch.nn.functional
CASES = [  # (leading axes, n_q, n_k, d_k, d_v)
    ((), 5, 7, 4, 3),
    ((2,), 6, 6, 8, 5),
    ((2, 3), 9, 9, 4, 4),
    ((1, 2), 4, 11, 6, 2),
]


def _inputs(lead, n_q, n_k, d_k, d_v, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(*lead, n_q, d_k)), rng.normal(size=(*lead, n_k, d_k)),
            rng.normal(size=(*lead, n_k, d_v)))


def _padding(lead, n_q, n_k):
    """Keys blocked at the end of the first sequence (never a whole row under causal)."""
    keep = np.ones((*lead[:1], *[1] * (len(lead) - 1), 1, n_k), dtype=bool)
    if lead:
        keep[0, ..., max(1, n_k - 2):] = False
    return keep


def _torch_reference(Q, K, V, keep, causal):
    n_q, n_k = Q.shape[-2], K.shape[-2]
    mask = torch.ones(n_q, n_k, dtype=torch.bool)
    if causal:
        mask = mask.tril()
    if keep is not None:
        mask = mask & torch.as_tensor(keep)
    out = F.scaled_dot_product_attention(*map(torch.as_tensor, (Q, K, V)), attn_mask=mask)
    return out.numpy()


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("padded", [False, True])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("case", CASES)
def test_matches_torch_and_the_public_function(case, causal, padded, backend):
    lead, n_q, n_k = case[0], case[1], case[2]
    Q, K, V = _inputs(*case)
    keep = _padding(lead, n_q, n_k) if padded and lead else None
    ref = _torch_reference(Q, K, V, keep, causal)
    public = scaled_dot_product_attention(Q, K, V, mask=keep, causal=causal)
    args = (Q, K, V) if backend == "numpy" else tuple(map(torch.as_tensor, (Q, K, V)))
    mask = keep if backend == "numpy" or keep is None else torch.as_tensor(keep)
    out, w = (np.asarray(a) for a in in_place(*args, mask=mask, causal=causal))
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-13)
    np.testing.assert_allclose(w, public[1], rtol=0, atol=1e-14)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=0, atol=1e-13)


def test_negative_control_the_comparison_sees_a_missing_mask():
    Q, K, V = _inputs(*CASES[2])
    out, _ = in_place(Q, K, V, causal=True)
    assert np.abs(out - _torch_reference(Q, K, V, None, False)).max() > 1e-3


def test_inputs_are_untouched_and_large_scores_stay_finite():
    Q, K, V = _inputs(*CASES[1])
    Q = Q * 1e3                           # scores near 1e6: exp would overflow unshifted
    copies = [a.copy() for a in (Q, K, V)]
    out, w = in_place(Q, K, V, causal=True)
    assert all(np.array_equal(a, b) for a, b in zip((Q, K, V), copies, strict=True))
    assert np.isfinite(out).all() and np.isfinite(w).all()
    np.testing.assert_allclose(out, _torch_reference(Q, K, V, None, True), rtol=0, atol=1e-9)


def test_autograd_falls_back_to_the_public_function_and_its_gradients():
    Q, K, V = (torch.tensor(a, requires_grad=True) for a in _inputs(*CASES[1]))
    in_place(Q, K, V, causal=True)[0].sum().backward()
    ours = [a.grad.clone() for a in (Q, K, V)]
    for a in (Q, K, V):
        a.grad = None
    F.scaled_dot_product_attention(Q, K, V, is_causal=True).sum().backward()
    for g, a in zip(ours, (Q, K, V), strict=True):
        torch.testing.assert_close(g, a.grad, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("change", "error", "fragment"), [
    ({"mask": np.zeros((2, 6, 6), dtype=bool)}, ValueError, "blocks every key"),
    ({"mask": np.ones((2, 6, 6))}, TypeError, "`mask`.*boolean"),
    ({"K": np.ones((2, 5, 7))}, ShapeError, "`K`"),
    ({"Q": np.ones(8)}, ShapeError, "at least 2-D"),
])
def test_bad_input_gets_the_public_functions_errors(change, error, fragment):
    Q, K, V = _inputs(*CASES[1])
    args = dict(Q=Q, K=K, V=V) | change
    with pytest.raises(error, match=fragment):
        in_place(**args)
    with pytest.raises(error, match=fragment):
        scaled_dot_product_attention(**args)
