"""Cases the mutation run (``bash .ci/mutation``) found untested in seqcore.attention."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    additive_score,
    attention_weights,
    causal_mask,
    context_vector,
    dot_score,
    general_score,
    scaled_dot_product_attention,
)
from tests.unit.errors import assert_derived_errors, assert_error_names

rng = np.random.default_rng(7)
s, H = rng.normal(size=3), rng.normal(size=(4, 3))


@pytest.mark.parametrize(("func", "good", "floats", "ranks", "sizes"), [
    (dot_score, {"s": s, "H": H}, ["s", "H"], ["s", "H"], ["H"]),
    (general_score, {"s": s[:2], "H": H, "W_a": rng.normal(size=(2, 3))},
     ["s", "H", "W_a"], ["s", "H", "W_a"], ["s", "H", "W_a"]),
    (additive_score, {"s": s[:2], "H": H, "W_s": rng.normal(size=(5, 2)),
                      "W_h": rng.normal(size=(5, 3)), "v": rng.normal(size=5)},
     ["s", "H", "W_s", "W_h", "v"], ["s", "H", "W_s", "W_h", "v"], ["s", "H", "W_s", "W_h", "v"]),
    (attention_weights, {"scores": H}, ["scores"], [], []),
    (context_vector, {"weights": np.full(4, 0.25), "H": H}, ["weights", "H"],
     ["weights", "H"], ["weights"]),
    (scaled_dot_product_attention, {"Q": H[:2], "K": H, "V": rng.normal(size=(4, 2))},
     ["Q", "K", "V"], [], ["Q", "K"]),
    # Batched: s (batch, query), H (batch, source, key).
    (dot_score, {"s": np.stack([s, s]), "H": np.stack([H, H])}, [], ["s", "H"], ["H"]),
    (general_score, {"s": np.stack([s[:2]] * 2), "H": np.stack([H, H]),
                     "W_a": rng.normal(size=(2, 3))}, [], ["s", "H"], ["s", "H", "W_a"]),
    (additive_score, {"s": np.stack([s[:2]] * 2), "H": np.stack([H, H]),
                      "W_s": rng.normal(size=(5, 2)), "W_h": rng.normal(size=(5, 3)),
                      "v": rng.normal(size=5)}, [], ["s", "H"], ["s", "H", "W_s", "W_h", "v"]),
    (context_vector, {"weights": np.full((2, 4), 0.25), "H": np.stack([H, H])}, [],
     ["weights", "H"], ["weights"]),
], ids=lambda v: getattr(v, "__name__", ""))
def test_errors_name_the_function(func, good, floats, ranks, sizes):
    assert_derived_errors(func, good, floats=floats, ranks=ranks, sizes=sizes)
    first = next(iter(good))
    if np.ndim(good[first]) == 2 and func is not scaled_dot_product_attention \
            and func is not attention_weights:
        # A batch that disagrees between the query side and H is refused by name.
        other = dict(good, **{first: np.concatenate([good[first]] * 2)})
        assert_error_names(lambda: func(**other), ValueError, [f"{func.__name__}: "])


def test_dot_score_needs_equal_sizes():
    assert_error_names(lambda: dot_score(s[:2], H), ValueError,
                       ["dot_score: `s` and the rows of `H` must have the same size; got `s` "
                        "(2,) and `H` (4, 3) (use general_score for different sizes)"])


def test_a_scalar_has_no_scores():
    assert_error_names(lambda: attention_weights(np.array(1.0)), ValueError,
                       ["attention_weights: `scores` must have at least one axis (..., S); "
                        "got a scalar"])
    assert_error_names(lambda: scaled_dot_product_attention(s, H, H), ValueError,
                       ["scaled_dot_product_attention: `Q` must be at least 2-D (..., n_q, d_k);"
                        " got shape (3,)"])


def test_mask_errors_name_the_function_and_the_blocked_row():
    scores = np.zeros((2, 3, 4))
    assert_error_names(lambda: attention_weights(scores, mask=np.ones(4)), TypeError,
                       ["attention_weights: `mask` must be boolean", "got dtype float64"])
    assert_error_names(lambda: attention_weights(scores, mask=np.ones(3, bool)), ValueError,
                       ["attention_weights: `mask` must broadcast to the scores' shape (2, 3, 4) "
                        "(each axis equal or 1, aligned from the right); got (3,)"])
    assert_error_names(lambda: attention_weights(scores, mask=np.ones((2, 2, 3, 4), bool)),
                       ValueError, ["attention_weights: `mask` must broadcast", "(2, 2, 3, 4)"])
    mask = np.ones((2, 3, 4), bool)
    mask[1, 2] = False
    assert_error_names(lambda: attention_weights(scores, mask=mask), ValueError,
                       ["attention_weights: `mask` blocks every key of the score vector at "
                        "index (1, 2); the softmax over no scores is 0/0"])
    mask[0, 1] = False
    message = assert_error_names(lambda: attention_weights(scores, mask=mask), ValueError,
                                 ["at index (0, 1) (and 1 more);"])
    assert "more)" in message
    Q = np.zeros((3, 2))
    assert_error_names(
        lambda: scaled_dot_product_attention(Q, Q, Q, mask=np.eye(3, dtype=bool)[::-1],
                                             causal=True),
        ValueError, ["scaled_dot_product_attention: `mask` blocks every key of the query row "
                     "at index (0,);"])
    assert_error_names(
        lambda: scaled_dot_product_attention(Q, Q, Q, mask=np.ones(2, bool), causal=True),
        ValueError, ["scaled_dot_product_attention: `mask` must broadcast"])


def test_a_broadcast_mask_row_weights_exactly():
    # One row of mask (1, 4) shared by both query rows: weights are 1/2 on the two kept keys.
    w = attention_weights(np.zeros((2, 4)), mask=np.array([[True, False, True, False]]))
    np.testing.assert_array_equal(w, [[0.5, 0, 0.5, 0]] * 2)


def test_causal_mask_arguments():
    np.testing.assert_array_equal(causal_mask(2, 3), [[1, 0, 0], [1, 1, 0]])
    np.testing.assert_array_equal(causal_mask(np.int64(2)), [[1, 0], [1, 1]])
    np.testing.assert_array_equal(causal_mask(1), [[True]])
    for bad in (0, -1, True, 2.0):
        assert_error_names(lambda bad=bad: causal_mask(bad), ValueError,
                           [f"causal_mask: `n_queries` must be a positive integer; got {bad!r}"])
    assert_error_names(lambda: causal_mask(2, 0), ValueError,
                       ["causal_mask: `n_keys` must be a positive integer; got 0"])


def test_causal_sdpa_with_more_keys_than_queries():
    # 1 query, 2 keys, causal: the query sees key 0 only, so it returns V[0] exactly.
    Q, K, V = np.ones((1, 2)), np.ones((2, 2)), np.array([[1.0, 2.0], [30.0, 40.0]])
    out, w = scaled_dot_product_attention(Q, K, V, causal=True)
    np.testing.assert_array_equal(w, [[1.0, 0.0]])
    np.testing.assert_array_equal(out, [[1.0, 2.0]])
