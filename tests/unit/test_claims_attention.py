"""What the attention page claims in words, checked by computation.

Each test names the section it backs. The formulas themselves are tested against PyTorch in
tests/unit/test_attention.py; these are the sentences around them.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import attention_weights, scaled_dot_product_attention
from tests._require import require

torch = require("torch")


def unscaled_and_scaled_scores(d_k: int = 64, n_keys: int = 16, n_queries: int = 10_000):
    """q·k for queries and keys with independent N(0, 1) entries, and the same over √d_k."""
    rng = np.random.default_rng(0)
    Q = rng.normal(size=(n_queries, 1, d_k))
    K = rng.normal(size=(n_queries, n_keys, d_k))
    raw = (Q @ K.transpose(0, 2, 1))[:, 0]
    return raw, raw / np.sqrt(d_k)


@pytest.mark.formula("attention.scaled-dot")
def test_unscaled_scores_have_variance_d_k_and_scaled_ones_variance_one():
    """attention § scaled dot-product: Var(q·k) = d_k = 64 (standard deviation 8); dividing by
    √d_k brings it back to 1."""
    raw, scaled = unscaled_and_scaled_scores()
    assert raw.var() == pytest.approx(64, rel=0.02)
    assert scaled.var() == pytest.approx(1, rel=0.02)


@pytest.mark.formula("attention.scaled-dot")
def test_unscaled_scores_saturate_the_softmax_and_flatten_its_gradient():
    """attention § scaled dot-product: with 16 keys and d_k = 64, 29% of the queries put more
    than 0.99 on one key and 25% get a softmax Jacobian of norm below 0.01; after the division
    by √d_k, none do (the numbers the page quotes)."""
    found = []
    for scores in unscaled_and_scaled_scores():
        a = attention_weights(scores)
        # the Jacobian of the softmax, diag(a) − a aᵀ, carries every gradient into the scores
        J = np.einsum("bi,ij->bij", a, np.eye(a.shape[-1])) - np.einsum("bi,bj->bij", a, a)
        norms = np.linalg.norm(J, ord=2, axis=(1, 2))
        found.append((round(float((a.max(-1) > 0.99).mean()), 2),
                      round(float((norms < 0.01).mean()), 2)))
    assert found == [(0.29, 0.25), (0.0, 0.0)]


@pytest.mark.formula("attention.scaled-dot")
def test_the_softmax_jacobian_used_above_is_autograds():
    """The Jacobian formula of the test above, against torch.autograd (not a self-check)."""
    z = torch.randn(7, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 8
    J = torch.autograd.functional.jacobian(lambda x: torch.softmax(x, -1), z).numpy()
    a = attention_weights(z.numpy())
    np.testing.assert_allclose(np.diag(a) - np.outer(a, a), J, rtol=0, atol=1e-15)


@pytest.mark.formula("attention.masked")
def test_blocked_keys_get_exactly_zero_and_the_rest_renormalize():
    """attention § masks: e^{-∞} = 0, so a blocked key gets weight 0 exactly, and the weights
    of the others are the softmax over the allowed keys alone."""
    rng = np.random.default_rng(1)
    Q, K, V = rng.normal(size=(3, 4)), rng.normal(size=(6, 4)), rng.normal(size=(6, 2))
    allowed = np.array([True, False, True, True, False, True])
    _, w = scaled_dot_product_attention(Q, K, V, mask=allowed)
    assert (w[:, ~allowed] == 0).all()
    _, alone = scaled_dot_product_attention(Q, K[allowed], V[allowed])
    np.testing.assert_allclose(w[:, allowed], alone, rtol=0, atol=1e-15)



@pytest.mark.formula("attention.scaled-dot-backward")
def test_a_causally_hidden_key_learns_through_the_queries_that_see_it():
    """attention § backward pass: a query sends no gradient to a key it may not see, but
    under a causal mask every key is seen by itself and the later queries and learns
    through them; only a key hidden from every query (padding) gets exactly zero.
    The reference is torch's scaled_dot_product_attention under autograd."""
    from seqcore import scaled_dot_product_attention_backward

    n, d = 5, 3
    rng = np.random.default_rng(2)
    Q, K, V = rng.normal(size=(n, d)), rng.normal(size=(n, d)), rng.normal(size=(n, 2))
    causal = np.tril(np.ones((n, n), dtype=bool))

    def torch_dK(query: int) -> np.ndarray:
        """δK under the causal mask when only query `query`'s output enters the loss."""
        q, k, v = (torch.tensor(x, requires_grad=True) for x in (Q, K, V))
        out = torch.nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=torch.tensor(causal))
        out[query].sum().backward()
        return k.grad.numpy()

    for i in range(1, n):                    # query i reaches the keys j ≤ i, no others
        dK = torch_dK(i)
        assert (dK[i + 1:] == 0).all() and (np.abs(dK[:i + 1]).sum(axis=1) > 0).all()
    _, A = scaled_dot_product_attention(Q, K, V, mask=causal)
    g = scaled_dot_product_attention_backward(np.ones((n, 2)), Q, K, V, A)
    np.testing.assert_allclose(g["K"], sum(torch_dK(i) for i in range(n)),
                               rtol=1e-10, atol=1e-12)
    assert (np.abs(g["K"]).sum(axis=1) > 0).all()          # every key learns something
    # the control: the last key made padding (hidden from every query) gets exactly zero
    padded = causal & np.array([True] * (n - 1) + [False])
    _, A = scaled_dot_product_attention(Q, K, V, mask=padded)
    g = scaled_dot_product_attention_backward(np.ones((n, 2)), Q, K, V, A)
    assert (g["K"][-1] == 0).all() and (g["V"][-1] == 0).all()
    assert (np.abs(g["K"][:-1]).sum(axis=1) > 0).all()
