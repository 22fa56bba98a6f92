"""Input checks that fail early, with messages that name the argument.

Every public function validates its inputs here, before any array work, so a
reader who passes a wrong shape sees *which* argument, *what* was expected and
*what* was given, instead of a broadcasting error from deep inside NumPy.
"""

from __future__ import annotations

from typing import Any

import array_api_compat
import numpy as np

Pattern = tuple[str, ...]


class ShapeError(ValueError):
    """An argument has the wrong rank or a size that disagrees with another argument."""


def namespace(func: str, **arrays: Any) -> tuple[Any, dict[str, Any]]:
    """Return the array namespace shared by ``arrays`` and the arrays themselves.

    Arguments that are not arrays yet (lists, scalars) are converted with that
    namespace; ``None`` stays ``None``. Mixing NumPy arrays with torch tensors,
    or tensors on different devices, is an error rather than a silent copy.
    """
    given = {k: v for k, v in arrays.items() if v is not None}
    native = {k: v for k, v in given.items() if array_api_compat.is_array_api_obj(v)}
    if native:
        try:
            xp = array_api_compat.array_namespace(*native.values())
        except TypeError:
            kinds = ", ".join(f"`{k}` is {type(v).__module__}.{type(v).__name__}"
                              for k, v in native.items())
            raise TypeError(
                f"{func}: all arrays must come from one library (all NumPy or all torch); "
                f"got {kinds}"
            ) from None
    else:
        xp = array_api_compat.array_namespace(np.empty(0))
    out = dict(arrays)
    for k, v in given.items():
        if k not in native:
            try:
                out[k] = xp.asarray(v)
            except (TypeError, ValueError) as err:
                raise TypeError(
                    f"{func}: `{k}` must be an array or a nested list of numbers; "
                    f"got {type(v).__name__} ({err})"
                ) from None
    _same_device(func, {k: out[k] for k in given})
    return xp, out


def _same_device(func: str, arrays: dict[str, Any]) -> None:
    devices = {k: array_api_compat.device(v) for k, v in arrays.items()}
    distinct = {str(d) for d in devices.values()}
    if len(distinct) > 1:
        listing = ", ".join(f"`{k}` on {d}" for k, d in devices.items())
        raise ValueError(f"{func}: all arrays must be on one device; got {listing}")


def floating(func: str, xp: Any, **arrays: Any) -> None:
    """Require a real floating dtype, the same for every argument."""
    first: tuple[str, Any] | None = None
    for name, a in arrays.items():
        if a is None:
            continue
        if not xp.isdtype(a.dtype, "real floating"):
            raise TypeError(
                f"{func}: `{name}` must have a real floating dtype (float32 or float64); "
                f"got {a.dtype}. Convert it first, e.g. x.astype(float) or x.double()"
            )
        if first is None:
            first = (name, a.dtype)
        elif a.dtype != first[1]:
            raise TypeError(
                f"{func}: `{name}` has dtype {a.dtype} but `{first[0]}` has {first[1]}; "
                "use one floating dtype for all arguments"
            )


def _fmt(pattern: Pattern) -> str:
    return "(" + ", ".join(pattern) + ("," if len(pattern) == 1 else "") + ")"


def shapes(func: str, **specs: tuple[Any, Pattern | list[Pattern]]) -> dict[str, int]:
    """Check ranks and bind named dimensions across arguments.

    ``specs`` maps an argument name to ``(array, pattern)`` where a pattern is a
    tuple of dimension names such as ``("batch", "input")``, or a list of
    alternative patterns (unbatched and batched). The first argument that
    fixes a dimension wins; a later disagreement names both arguments.

    Returns the bound sizes, e.g. ``{"hidden": 4, "input": 3}``.
    """
    dims: dict[str, tuple[int, str]] = {}
    for name, (arr, patterns) in specs.items():
        if arr is None:
            continue
        alternatives = patterns if isinstance(patterns, list) else [patterns]
        shape = tuple(int(s) for s in arr.shape)
        fitting = [p for p in alternatives if len(p) == len(shape)]
        if not fitting:
            wanted = " or ".join(f"{len(p)}-D {_fmt(p)}" for p in alternatives)
            raise ShapeError(f"{func}: `{name}` must be {wanted}; got {len(shape)}-D shape {shape}")
        pattern = fitting[0]
        for dim, size in zip(pattern, shape, strict=True):
            if dim in dims and dims[dim][0] != size:
                expected = tuple(dims[d][0] if d in dims else d for d in pattern)
                raise ShapeError(
                    f"{func}: `{name}` must have shape {_fmt(pattern)} = {expected}, because "
                    f"`{dims[dim][1]}` fixes {dim}={dims[dim][0]}; got {shape}"
                )
            dims.setdefault(dim, (size, name))
    return {d: s for d, (s, _) in dims.items()}


def choice(func: str, name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """Require ``value`` to be one of ``allowed`` strings."""
    if value not in allowed:
        raise ValueError(f"{func}: `{name}` must be one of {', '.join(map(repr, allowed))}; "
                         f"got {value!r}")
    return value
