"""Scaled dot-product attention, fewer passes over the scores (private; for the lead to swap in).

:func:`seqcore.scaled_dot_product_attention` makes its softmax in five passes over the
``(..., n_q, n_k)`` scores, one of them into a fresh array (max, subtract, exp, sum, divide),
and builds the causal mask as a dense boolean of the scores' shape, then a third array with
``where``. Here the same arithmetic writes nothing but the scores the product returns: the
causal mask is one ``(n_q, n_k)`` array of 0 and −∞ added in place (broadcast over the batch
and the heads), the exp is in place, and the rows are normalized in place by their
reciprocal sums. Same equations (``attention.scaled-dot``, ``attention.masked``), same
declared domains (the public function's), same results to rounding.

Tiling the scores so that each tile stays in the CPU's cache while its softmax runs was
tried too (tiles of 256 KiB to 4 MiB, batch 8, 8 heads, n 256): no faster at this size on a
2-core machine, so the whole array is done at once.

NumPy arrays and torch tensors that autograd does not record take this path; anything
else (another namespace, a tensor that requires grad) goes to the public function, because
autograd needs the tensors that an in-place exp would overwrite.
"""

from __future__ import annotations

import math
from typing import Any

import array_api_compat
from array_api_compat import array_namespace

from . import attention as _attention
from ._validate import blocked_rows, calling, params


def _exp_in_place(x: Any) -> Any:
    """``exp`` written over ``x``: the array API has no ``out=``, NumPy and torch do."""
    if array_api_compat.is_numpy_array(x):
        import numpy as np

        return np.exp(x, out=x)
    return x.exp_()


def _in_place_ok(*arrays: Any) -> bool:
    """NumPy arrays, or torch tensors that autograd does not record."""
    if all(array_api_compat.is_numpy_array(a) for a in arrays):
        return True
    return all(array_api_compat.is_torch_array(a) and not a.requires_grad for a in arrays)


@params(**_attention.scaled_dot_product_attention.__params__)
def scaled_dot_product_attention_in_place(Q: Any, K: Any, V: Any, mask: Any = None,
                                          causal: bool = False) -> tuple[Any, Any]:
    r"""Scaled dot-product attention; as :func:`seqcore.scaled_dot_product_attention`.

    .. math::

        \operatorname{Attention}(Q, K, V)
        = \operatorname{softmax}\!\left(\frac{Q K^{\top}}{\sqrt{d_k}} + M\right) V

    Same arguments, returns and domains as the public function.
    """
    xp = array_namespace(Q)
    if not _in_place_ok(Q, K, V):
        return _attention._attention(xp, Q, K, V, mask, causal)
    return _attention_in_place(xp, Q, K, V, mask, causal)


def _attention_in_place(xp: Any, Q: Any, K: Any, V: Any, mask: Any,
                        causal: bool) -> tuple[Any, Any]:
    """The math of :func:`scaled_dot_product_attention_in_place`, on checked arguments."""
    n_q, d_k, n_k = int(Q.shape[-2]), int(Q.shape[-1]), int(K.shape[-2])
    dev = array_api_compat.device(Q)
    # scores = Q K^T / sqrt(d_k): the one (..., n_q, n_k) array, returned as the weights
    scores = (Q * (1.0 / math.sqrt(d_k))) @ xp.matrix_transpose(K)
    keep = xp.asarray(_attention.causal_mask(n_q, n_k), device=dev) if causal else None
    if mask is not None:
        both = mask if keep is None else xp.logical_and(mask, keep)
        # padding: blocked entries to -inf (a fresh array from `where`, as the public one)
        full = xp.broadcast_to(both, tuple(int(d) for d in scores.shape))
        blocked_rows(calling(), "mask", xp, full)
        scores = xp.where(full, scores, xp.asarray(-math.inf, dtype=scores.dtype, device=dev))
    elif keep is not None:
        # attention.causal-mask as M: one (n_q, n_k) array of 0 and -inf, added in place
        scores += xp.where(keep, xp.asarray(0.0, dtype=scores.dtype),
                           xp.asarray(-math.inf, dtype=scores.dtype))
    # softmax.stable, in place: every row keeps a finite score, so its max is finite
    scores -= xp.max(scores, axis=-1, keepdims=True)
    weights = _exp_in_place(scores)
    # one reciprocal per row, then a multiplication: cheaper than n_k divisions
    weights *= 1.0 / xp.sum(weights, axis=-1, keepdims=True)
    return weights @ V, weights
