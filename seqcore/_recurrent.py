"""Small helpers shared by the recurrent modules (RNN, LSTM, GRU, BPTT, gradients).

Gated cells keep their gates stacked in one matrix, in PyTorch's layout: an LSTM's
``W_ih`` is ``(4·hidden, input)`` with the blocks ``i, f, g, o`` one under the other,
a GRU's is ``(3·hidden, input)`` with ``r, z, n`` (declared as the axis ``"4*hidden"``
of their parameter domains, :mod:`seqcore._validate`).
"""

from __future__ import annotations

from typing import Any

import array_api_compat


def zeros_state(xp: Any, xs: Any, hidden: int, time_major: bool = True) -> Any:
    """A zero state shaped for a time-major sequence ``xs`` (no batch axis if it has none),
    or with ``time_major=False`` for a single input ``x``."""
    lead = xs.shape[1:-1] if time_major else xs.shape[:-1]
    return xp.zeros((*tuple(lead), int(hidden)), dtype=xs.dtype,
                    device=array_api_compat.device(xs))


def finite(func: str, xp: Any, **arrays: Any) -> None:
    """Refuse NaN and ±inf where they would silently poison the result."""
    for name, arr in arrays.items():
        if arr is not None and not bool(xp.all(xp.isfinite(arr))):
            bad = int(xp.sum(xp.astype(~xp.isfinite(arr), xp.int64)))
            raise ValueError(f"{func}: `{name}` must be finite; it holds {bad} NaN or "
                             f"infinite value(s)")


def outer_sum(xp: Any, D: Any, X: Any) -> Any:
    """:math:`\\sum_t D_t^\\top X_t` over every leading axis: one matrix product.

    ``D`` is ``(..., m)``, ``X`` is ``(..., k)`` with the same leading axes; the result
    is ``(m, k)``, the gradient of a weight matrix summed over time and batch.
    """
    D2 = xp.reshape(D, (-1, int(D.shape[-1])))
    X2 = xp.reshape(X, (-1, int(X.shape[-1])))
    return D2.T @ X2


def leading_sum(xp: Any, D: Any) -> Any:
    """Sum over every axis but the last: a bias gradient."""
    return xp.sum(xp.reshape(D, (-1, int(D.shape[-1]))), axis=0)
