"""transformer § 'stored in advance' (note 003), second reading: with tied embeddings.

test_claims_transformer.py shows that, untied, the rows of tokens never input get exactly zero
gradient. The page now adds the tied case (the paper's §3.4, GPT-2, BERT): such a row does get
a gradient, through the output softmax only, and that gradient just lowers the token's logit.
"""

from __future__ import annotations

from seqcore import transformer_encoder_block
from tests._require import require
from tests.unit.test_claims_transformer import block_weights

torch = require("torch")
f64 = torch.float64


def tied_gradient(unseen_targets: bool = False):
    torch.manual_seed(0)
    V, d = 12, 8
    E = torch.randn(V, d, dtype=f64, requires_grad=True)
    p = block_weights(d, 16, torch_tensors=True)
    tokens = torch.tensor([3, 1, 4, 1, 5, 9, 2, 6])
    targets = torch.tensor([1, 4, 1, 5, 9, 2, 6, 7 if unseen_targets else 3])
    y = transformer_encoder_block(E[tokens], p, num_heads=2)
    logits = y @ E.T                                            # output layer tied to E
    torch.nn.functional.cross_entropy(logits, targets).backward()
    unseen = torch.ones(V, dtype=torch.bool)
    unseen[tokens.unique()] = False
    return E.grad, unseen, torch.softmax(logits.detach(), -1), y.detach(), len(tokens)


def test_tied_rows_of_unseen_tokens_get_only_the_softmax_push_down():
    grad, unseen, probs, y, N = tied_gradient()
    assert (grad[unseen].abs().sum(-1) > 0).all()               # not zero, unlike untied
    # the whole gradient of an unseen row v is Σ_t p_t(v) y_t / N: the term that lowers
    # its logit y_t·E_v; nothing from the lookup
    push_down = probs[:, unseen].T @ y / N
    torch.testing.assert_close(grad[unseen], push_down, rtol=0, atol=1e-14)


def test_a_row_that_is_a_target_gets_more_than_the_push_down():
    """Control: make token 7 (never input) a target once, and its row's gradient is no
    longer the push-down term alone, so the comparison above can fail."""
    grad, unseen, probs, y, N = tied_gradient(unseen_targets=True)
    push_down = probs[:, unseen].T @ y / N
    assert not torch.allclose(grad[unseen], push_down, rtol=0, atol=1e-8)


def rms(x) -> float:
    return float((x**2).mean() ** 0.5)


def test_the_sqrt_d_factor_matches_the_encoding_only_for_a_small_initialization():
    """transformer § embedding: with a table drawn at standard deviation 1/√d (tensor2tensor)
    the factor √d brings the token vectors to the positional encoding's size; with
    torch.nn.Embedding's own initialization (standard deviation 1) it makes them about √d
    times larger. The encoding is seqcore's, checked against the paper's formula elsewhere."""
    import numpy as np

    from seqcore import positional_encoding, transformer_embedding

    V, d, n = 1000, 256, 64
    pe = rms(np.asarray(positional_encoding(n, d)))             # 1/√2: entries of size 1
    assert 0.6 < pe < 0.8
    ids = np.arange(n)
    torch.manual_seed(0)
    # (table, the size of its scaled rows): 1 like the encoding's entries, or √d
    for table, size in ((np.random.default_rng(0).normal(0, d ** -0.5, (V, d)), 1.0),
                        (torch.nn.Embedding(V, d).weight.detach().numpy(), d ** 0.5)):
        x = transformer_embedding(ids, table)
        token = rms(x - np.asarray(positional_encoding(n, d)))  # the scaled rows alone
        assert 0.9 < token / size < 1.1
    # the control: without the factor the small table would be √d times too small
    small = np.random.default_rng(0).normal(0, d ** -0.5, (V, d))
    assert rms(small[ids]) < pe / 10
