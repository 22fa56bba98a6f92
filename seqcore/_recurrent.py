"""Checks and small helpers shared by the recurrent modules (LSTM, GRU, BPTT, deep RNNs).

Gated cells keep their gates stacked in one matrix, in PyTorch's layout: an LSTM's
``W_ih`` is ``(4·hidden, input)`` with the blocks ``i, f, g, o`` one under the other,
a GRU's is ``(3·hidden, input)`` with ``r, z, n``. The checks here say which block
size was expected when a matrix has the wrong number of rows.
"""

from __future__ import annotations

from typing import Any

import array_api_compat

from ._validate import ShapeError, floating, shapes


def gated_weights(func: str, xp: Any, a: dict[str, Any], gates: tuple[str, ...],
                  x_spec: dict[str, Any]) -> dict[str, int]:
    """Validate ``W_ih, W_hh, b_ih, b_hh`` of a cell with ``len(gates)`` stacked blocks.

    ``a`` holds the arrays by name; ``x_spec`` adds the patterns of the inputs and
    states (as for :func:`seqcore._validate.shapes`). Returns the bound sizes,
    ``hidden`` and ``input`` among them.
    """
    floating(func, xp, **a)
    G = len(gates)
    blocks = ", ".join(gates)
    W_hh = a["W_hh"]
    if W_hh.ndim != 2:
        raise ShapeError(f"{func}: `W_hh` must be 2-D ({G}·hidden, hidden) with the gate "
                         f"blocks {blocks} stacked; got {W_hh.ndim}-D shape {tuple(W_hh.shape)}")
    rows, hidden = (int(s) for s in W_hh.shape)
    if rows != G * hidden:
        raise ShapeError(
            f"{func}: `W_hh` must have {G}·hidden = {G}×{hidden} = {G * hidden} rows "
            f"(gate blocks {blocks}, each (hidden, hidden) = ({hidden}, {hidden})); "
            f"got shape {tuple(W_hh.shape)}")
    gh = f"{G}·hidden"
    for name in ("W_ih", "b_ih", "b_hh"):
        arr = a.get(name)
        if arr is not None and arr.ndim >= 1 and int(arr.shape[0]) != G * hidden:
            what = "rows" if name == "W_ih" else "entries"
            raise ShapeError(
                f"{func}: `{name}` must have {G}·hidden = {G * hidden} {what} (gate blocks "
                f"{blocks} of size hidden={hidden}, fixed by `W_hh`); got shape "
                f"{tuple(arr.shape)}")
    return shapes(func, W_hh=(W_hh, (gh, "hidden")), W_ih=(a["W_ih"], (gh, "input")),
                  b_ih=(a.get("b_ih"), (gh,)), b_hh=(a.get("b_hh"), (gh,)), **x_spec)


def state_patterns(rank: int) -> list[tuple[str, ...]]:
    """The one pattern a state may have, given the rank of a (time-major) input sequence."""
    return [("hidden",), ("batch", "hidden")][rank - 2:rank - 1]


def step_state_patterns(rank: int) -> list[tuple[str, ...]]:
    """The one pattern a state may have, given the rank of a single input ``x``."""
    return [("hidden",), ("batch", "hidden")][rank - 1:rank]


def nonempty(func: str, name: str, xs: Any) -> None:
    if int(xs.shape[0]) == 0:
        raise ShapeError(f"{func}: `{name}` must hold at least one time step; got shape "
                         f"{tuple(xs.shape)}")


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
    return xp.matmul(D2.T, X2)


def leading_sum(xp: Any, D: Any) -> Any:
    """Sum over every axis but the last: a bias gradient."""
    return xp.sum(xp.reshape(D, (-1, int(D.shape[-1]))), axis=0)
