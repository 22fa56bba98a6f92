"""Input checks that fail early, with messages that name the function and the argument.

A public function states the domain of each parameter once, next to its signature::

    @params(z=Floats(..., "classes"), axis=Axis("z"))
    def softmax(z, axis=-1): ...

:func:`params` checks (and converts) the arguments before the body runs, so the body
holds only the math. A message starts with the function's name, taken from the function
itself, then says which argument, what was expected and what was given::

    softmax: `axis` must be an integer in [-2, 1] (an axis of the 2-D `z`); got 2

The rules, the same for every function:

- **Exception type.** ``TypeError`` when an argument is of the wrong *kind* (a str where
  a number belongs, a float or a bool where an integer belongs, an integer array where a
  floating one belongs, a ragged list); ``ValueError`` when the kind is right but the
  *value* is outside the domain (NaN, 0 for a positive size, an unknown option);
  :class:`ShapeError`, a ``ValueError``, for ranks and sizes that disagree.
- **NumPy scalars** are the Python numbers they hold: ``np.int64(3)`` is the integer 3,
  ``np.float32(1e-5)`` the real number 1e-5, and the body receives ``int`` / ``float``.
  ``bool`` (and ``np.bool_``) is not an integer. Reals are finite unless a domain says
  otherwise; NaN is in no domain.
- **Arrays** are NumPy arrays or torch tensors (any device, with or without
  ``requires_grad``), all from one library and one device; lists are converted. Floating
  arrays of one call share one dtype. Dimension names bind sizes across arguments; a name
  ending in ``?`` is an optional axis (``"batch?"``): the first argument that has it or
  lacks it decides for all; ``...`` stands for any number of leading axes, the same for
  every argument that has it.

The building blocks (:func:`namespace`, :func:`floating`, :func:`shapes`, :func:`choice`)
remain usable by hand.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

import array_api_compat
import numpy as np

Pattern = tuple[str, ...]
F = TypeVar("F", bound=Callable[..., Any])


class ShapeError(ValueError):
    """An argument has the wrong rank or a size that disagrees with another argument."""


class MissingKeysError(ValueError, KeyError):
    """A mapping of named arrays without the keys it needs (or with unknown ones): a
    ValueError that is also the KeyError a dict lookup would raise."""

    def __str__(self) -> str:   # KeyError would print the message in quotes
        return str(self.args[0])


class OutOfRangeError(ValueError, IndexError):
    """An index (a token id, a row number) outside its table: a ValueError that is also the
    IndexError that NumPy and torch raise for the same mistake."""


_NUMPY = array_api_compat.array_namespace(np.empty(0))


# --- arrays by hand ---------------------------------------------------------------------------

def namespace(func: str, **arrays: Any) -> tuple[Any, dict[str, Any]]:
    """Return the array namespace shared by ``arrays`` and the arrays themselves.

    Arguments that are not arrays yet (lists, scalars) are converted with that
    namespace; ``None`` stays ``None``. Mixing NumPy arrays with torch tensors,
    or tensors on different devices, is an error rather than a silent copy.
    """
    given = {k: v for k, v in arrays.items() if v is not None}
    if all(type(v) is np.ndarray for v in given.values()):
        return _NUMPY, dict(arrays)          # the common case: nothing to convert or compare
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


@functools.cache
def _compile(pattern: Pattern) -> tuple[str | None, Pattern, Pattern, bool]:
    """``pattern`` taken apart once: its optional axis (or None), the pattern with that axis,
    without it, and whether it starts with ``...``."""
    optional = [d[:-1] for d in pattern if d.endswith("?")]
    if len(optional) > 1 or (optional and pattern[:1] == ("...",)):
        raise ValueError(f"shape pattern {pattern}: at most one optional axis, and not "
                         "together with '...'")
    full = tuple(d.rstrip("?") for d in pattern)
    short = tuple(d for d in pattern if not d.endswith("?"))
    return (optional[0] if optional else None), full, short, full[:1] == ("...",)


def _fit(pattern: Pattern, rank: int, present: dict[str, bool]) -> tuple[Pattern, int] | None:
    """The named axes of ``pattern`` for an array of ``rank`` axes, after its ``k`` leading
    axes (``...``), as ``(names, k)``; None when the rank does not fit, or when the optional
    axis contradicts what an earlier argument decided (``present``)."""
    optional, full, short, lead = _compile(pattern)
    if optional is not None:
        keep = rank == len(full)
        if present.get(optional, keep) != keep:
            return None
        full = full if keep else short
    if lead:
        k = rank - (len(full) - 1)
        return None if k < 0 else (full[1:], k)
    return (full, 0) if len(full) == rank else None


def _wanted(pattern: Pattern, present: dict[str, bool]) -> str:
    """The ranks and axes ``pattern`` admits, as a message says them."""
    optional, full, short, lead = _compile(pattern)
    if lead:
        return f"at least {len(full) - 1}-D {_fmt(full)}"
    if optional is None:
        return f"{len(full)}-D {_fmt(full)}"
    if optional in present:
        p = full if present[optional] else short
        return f"{len(p)}-D {_fmt(p)}"
    return f"{len(short)}-D {_fmt(short)} or {len(full)}-D {_fmt(full)}"


def _expected(dim: str, dims: Mapping[str, tuple[int, str]]) -> str:
    if "+" in dim:
        parts = dim.split("+")
        return str(sum(dims[p][0] for p in parts)) if all(p in dims for p in parts) else dim
    factor, _, base = dim.rpartition("*")
    return str(dims[base][0] * int(factor or 1)) if base in dims else dim


def _order(named: tuple[str, int]) -> int:
    """Plain names bind first, then stacked ones ("4*hidden"), then sums ("d_y+d_h")."""
    return 2 if "+" in named[0] else 1 if "*" in named[0] else 0


def shapes(func: str, **specs: tuple[Any, Pattern | list[Pattern]]) -> dict[str, Any]:
    """Check ranks and bind named dimensions across arguments.

    ``specs`` maps an argument name to ``(array, pattern)``: a pattern is a tuple of
    dimension names such as ``("batch?", "input")``, or a list of alternative patterns.
    In a pattern:

    - a name binds a size: the first argument that fixes it wins, a later disagreement
      names both arguments;
    - a name ending in ``?`` is an optional axis (at most one per pattern): the first
      argument that has it or lacks it decides, and later ones must agree (a batch axis
      given to one argument must be given to all);
    - ``"..."``, first in a pattern, is any number of leading axes, the same for every
      argument that has it;
    - ``"4*hidden"`` is an axis of four stacked blocks of ``hidden`` (the gates of an LSTM);
    - ``"d_y+d_h"`` is an axis as long as two others together (weights that read a
      concatenation ``[y; c]``); its parts are bound by other axes first.

    Returns the bound sizes, e.g. ``{"hidden": 4, "input": 3}`` (an optional axis that
    was left out is not in it; the leading axes are under ``"..."``, as a tuple).
    """
    dims: dict[str, tuple[int, str]] = {}
    present: dict[str, bool] = {}
    decided_by: dict[str, str] = {}
    lead: tuple[tuple[int, ...], str] | None = None
    sums: list[tuple] = []      # "d_y+d_h" axes whose parts were not all bound yet
    for name, (arr, patterns) in specs.items():
        if arr is None:
            continue
        alternatives = patterns if isinstance(patterns, list) else (patterns,)
        shape = tuple(map(int, arr.shape))
        fit = None
        for alt in alternatives:
            fit = _fit(alt, len(shape), present)
            if fit is not None:
                break
        optional = {o for o in (_compile(alt)[0] for alt in alternatives) if o}
        if fit is None:
            wanted = " or ".join(_wanted(p, present) for p in alternatives)
            because = "".join(f", because `{decided_by[o]}` "
                              f"{'has a' if present[o] else 'has no'} {o} axis"
                              for o in sorted(optional & set(present)))
            raise ShapeError(f"{func}: `{name}` must be {wanted}{because}; got {len(shape)}-D "
                             f"shape {shape}")
        names, k = fit
        for o in optional:
            if o not in present:
                present[o], decided_by[o] = o in names, name
        if _compile(alt)[3]:
            if lead is not None and lead[0] != shape[:k]:
                what = "the shape" if not names else "the leading axes"
                raise ShapeError(f"{func}: `{name}` must have {what} {lead[0]} of "
                                 f"`{lead[1]}`; got shape {shape}")
            lead = lead or (shape[:k], name)
        for dim, size in sorted(zip(names, shape[k:], strict=True), key=_order):
            if "+" in dim:
                # checked once its parts are bound: here, or after the arguments that bind them
                sums.append((name, dim, size, names, k, shape))
                if all(p in dims for p in dim.split("+")):
                    _check_sum(func, dims, *sums.pop())
                continue
            factor, _, base = dim.rpartition("*")
            bound = dims.get(base)
            if bound is None and factor and size % int(factor) == 0:
                dims[base] = (size // int(factor), name)
            elif bound is None and not factor:
                dims[dim] = (size, name)
            elif bound is None or bound[0] * int(factor or 1) != size:
                dots = ("...",) if k else ()
                expected = tuple(_expected(d, dims) for d in names)
                why = (f" ({dim}: a multiple of {factor})" if not bound else
                       f" ({base}={bound[0]} from its other axis)" if bound[1] == name else
                       f", because `{bound[1]}` fixes {base}={bound[0]}")
                raise ShapeError(
                    f"{func}: `{name}` must have shape {_fmt((*dots, *names))} = "
                    f"{_fmt((*dots, *expected))}{why}; got {shape}"
                )
    for deferred in sums:
        if all(p in dims for p in deferred[1].split("+")):
            _check_sum(func, dims, *deferred)
    out: dict[str, Any] = {d: s for d, (s, _) in dims.items()}
    if lead is not None:
        out["..."] = lead[0]
    return out


def _check_sum(func: str, dims: dict[str, tuple[int, str]], name: str, dim: str, size: int,
               names: tuple[str, ...], k: int, shape: tuple[int, ...]) -> None:
    """An axis ``"d_y+d_h"`` of ``name`` must be as long as its bound parts together."""
    parts = dim.split("+")
    if sum(dims[p][0] for p in parts) != size:
        dots = ("...",) if k else ()
        expected = tuple(_expected(d, dims) for d in names)
        sizes = " + ".join(f"{p}={dims[p][0]}" for p in parts)
        raise ShapeError(f"{func}: `{name}` must have shape {_fmt((*dots, *names))}"
                         f" = {_fmt((*dots, *expected))} ({dim}: {sizes}); got {shape}")


def choice(func: str, name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """Require ``value`` to be one of ``allowed`` strings."""
    if value not in allowed:
        raise ValueError(f"{func}: `{name}` must be one of {', '.join(map(repr, allowed))}; "
                         f"got {value!r}")
    return value


# --- declared domains ------------------------------------------------------------------------

NO_DIMS: Mapping[str, Any] = MappingProxyType({})


def _kind(value: Any) -> str:
    return f"{type(value).__name__} ({value!r:.40})"


class Domain:
    """The set of values a parameter accepts; :func:`params` applies it.

    ``check(func, name, value, dims)`` returns the value the function body receives, or
    raises; ``describe(dims)`` is the expectation as a message says it ("an integer >= 1").
    ``dims`` holds the sizes the array arguments bound (for bounds such as ``le="time"``).
    """

    optional = False
    hint = ""      # advice appended to the message, verbatim

    def dependent(self) -> bool:
        """Whether the domain needs the sizes the array arguments bind (checked after them)."""
        return False

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        raise NotImplementedError

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def fail(self, error: type[Exception], func: str, name: str, got: str,
             dims: Mapping[str, Any] = NO_DIMS) -> Exception:
        return error(f"{func}: `{name}` must be {self.describe(dims)}; got {got}{self.hint}")


def _number(value: Any, integral: bool) -> bool:
    if isinstance(value, bool | np.bool_):
        return False
    return isinstance(value, numbers.Integral if integral else numbers.Real)


class _Bounded(Domain):
    """Bounds ``ge`` / ``gt`` / ``le`` / ``lt``: numbers, or names of dimensions that the
    array arguments bind (``Integer(ge=0, le="time")``)."""

    noun = "a number"

    def __init__(self, ge: Any = None, gt: Any = None, le: Any = None, lt: Any = None, *,
                 optional: bool = False, hint: str = "") -> None:
        self.bounds = (ge, gt, le, lt)
        self.optional, self.hint = optional, hint

    def limits(self, dims: Mapping[str, Any]) -> tuple[Any, Any, Any, Any]:
        return tuple(dims.get(b, b) if isinstance(b, str) else b for b in self.bounds)

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        ge, gt, le, lt = self.limits(dims)
        low = f"[{ge}" if ge is not None else f"({gt}" if gt is not None else ""
        high = f"{le}]" if le is not None else f"{lt})" if lt is not None else ""
        text = self.noun
        if low and high:
            text += f" in {low}, {high}"
        elif low or high:
            sign = {"[": ">=", "(": ">", "]": "<=", ")": "<"}[(low or high[-1])[0]]
            text += f" {sign} {low[1:] or high[:-1]}"
        return text + (", or None" if self.optional else "")

    def inside(self, v: float, dims: Mapping[str, Any]) -> bool:
        ge, gt, le, lt = self.limits(dims)
        return ((ge is None or v >= ge) and (gt is None or v > gt)
                and (le is None or v <= le) and (lt is None or v < lt))

    def dependent(self) -> bool:
        return any(isinstance(b, str) for b in self.bounds)


class Integer(_Bounded):
    """An integer (``int`` or a NumPy integer; not ``bool``), with optional bounds;
    ``multiple_of=2``: even; ``divides="d_model"``: a divisor of that dimension."""

    noun = "an integer"

    def __init__(self, ge: Any = None, gt: Any = None, le: Any = None, lt: Any = None, *,
                 multiple_of: int | None = None, divides: str | None = None,
                 optional: bool = False, hint: str = "") -> None:
        super().__init__(ge, gt, le, lt, optional=optional, hint=hint)
        self.multiple_of, self.divides = multiple_of, divides

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        text = super().describe(dims)
        if self.multiple_of == 2:
            text += " and even"
        elif self.multiple_of:
            text += f" and a multiple of {self.multiple_of}"
        if self.divides:
            size = dims.get(self.divides)
            text += f" that divides {self.divides}" + (f"={size}" if size is not None else "")
        return text

    def dependent(self) -> bool:
        return super().dependent() or self.divides is not None

    def inside(self, v: float, dims: Mapping[str, Any]) -> bool:
        size = dims.get(self.divides) if self.divides else None
        return (super().inside(v, dims) and (not self.multiple_of or v % self.multiple_of == 0)
                and (size is None or (v != 0 and size % v == 0)))

    def limits(self, dims: Mapping[str, Any]) -> tuple[Any, Any, Any, Any]:
        ge, gt, le, lt = super().limits(dims)
        # integers: say the closed range, [1, 4] rather than (0, 5)
        return (gt + 1 if gt is not None else ge, None,
                lt - 1 if lt is not None else le, None)

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if value is None and self.optional:
            return None
        if not _number(value, integral=True):
            raise self.fail(TypeError, func, name, _kind(value), dims)
        value = int(value)
        if not self.inside(value, dims):
            size = dims.get(self.divides) if self.divides else None
            if size is not None and _Bounded.inside(self, value, dims) and value:
                # in range, but not a divisor: say which size it must divide
                raise ValueError(f"{func}: {self.divides}={size} must be divisible by "
                                 f"`{name}`={value}{self.hint}")
            # a bound that names a dimension makes the integer an index into a table
            index = any(isinstance(b, str) for b in self.bounds)
            raise self.fail(OutOfRangeError if index else ValueError, func, name, str(value),
                            dims)
        return value


class Real(_Bounded):
    """A real number (``int``, ``float``, a NumPy number; not ``bool``), finite unless
    ``finite=False`` (which admits ±inf, never NaN), with optional bounds."""

    def __init__(self, ge: Any = None, gt: Any = None, le: Any = None, lt: Any = None, *,
                 finite: bool = True, optional: bool = False, hint: str = "") -> None:
        super().__init__(ge, gt, le, lt, optional=optional, hint=hint)
        self.finite = finite
        self.noun = "a finite number" if finite else "a number (not NaN)"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if value is None and self.optional:
            return None
        if not _number(value, integral=False):
            raise self.fail(TypeError, func, name, _kind(value), dims)
        value = float(value)
        if math.isnan(value) or (self.finite and math.isinf(value)) \
                or not self.inside(value, dims):
            raise self.fail(ValueError, func, name, str(value), dims)
        return value


class Options(Domain):
    """One of a few values (strings; ``None`` too when listed)."""

    def __init__(self, *values: Any) -> None:
        self.values = values
        self.optional = None in values

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "one of " + ", ".join(map(repr, self.values))

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if not isinstance(value, str | type(None)):
            raise self.fail(TypeError, func, name, _kind(value))
        if value not in self.values:
            raise self.fail(ValueError, func, name, repr(value))
        return value


class Flag(Domain):
    """``True`` or ``False`` (a NumPy bool too); not 0, 1, None or a string."""

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "True or False"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if not isinstance(value, bool | np.bool_):
            raise self.fail(TypeError, func, name, _kind(value))
        return bool(value)


class Function(Domain):
    """A callable (a decoder step, a map, a tokenizer)."""

    def __init__(self, what: str = "a callable", *, optional: bool = False) -> None:
        self.what, self.optional = what, optional

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return self.what + (" or None" if self.optional else "")

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if (value is None and self.optional) or callable(value):
            return value
        raise self.fail(TypeError, func, name, _kind(value))


class Text(Domain):
    """A ``str``."""

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "a str"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if not isinstance(value, str):
            raise self.fail(TypeError, func, name, _kind(value))
        return value


def str_tokens(func: str, name: str, tokens: Any) -> Sequence[str]:
    """Require a list or tuple of str tokens (TypeError otherwise, naming the position)."""
    if isinstance(tokens, str) or not isinstance(tokens, Sequence):
        raise TypeError(f"{func}: `{name}` must be a list of str tokens (tokenize first); "
                        f"got {_kind(tokens)}")
    for j, t in enumerate(tokens):
        if not isinstance(t, str):
            raise TypeError(f"{func}: `{name}` must hold str tokens only; got "
                            f"{_kind(t)} at position {j}")
    return tokens


class Named(Domain):
    """A non-empty mapping of names to arrays (a model's parameters, its gradients) whose
    names the caller chooses; the function checks the arrays, knowing what they must be."""

    def __init__(self, *, optional: bool = False) -> None:
        self.optional = optional

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "a non-empty dict of named arrays" + (", or None" if self.optional else "")

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if value is None and self.optional:
            return None
        if not isinstance(value, Mapping) or not value:
            raise self.fail(TypeError, func, name, _kind(value))
        return value


class FilePath(Domain):
    """A file's path: a ``str`` or an ``os.PathLike``, returned as a ``pathlib.Path``;
    ``suffix=".npz"``: with that ending (a ValueError otherwise)."""

    def __init__(self, suffix: str = "") -> None:
        self.suffix = suffix

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "a path (str or os.PathLike)" + (f" ending in {self.suffix}" if self.suffix
                                                 else "")

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        import os
        from pathlib import Path

        if not isinstance(value, str | os.PathLike):
            raise self.fail(TypeError, func, name, _kind(value))
        path = Path(value)
        if self.suffix and path.suffix != self.suffix:
            raise self.fail(ValueError, func, name, repr(str(path)))
        return path


class Tokens(Domain):
    """A list (or tuple) of str tokens; ``nested=True``: a list of such lists (a corpus,
    returned as a list, so a generator is read once)."""

    def __init__(self, nested: bool = False, *, nonempty: bool = False) -> None:
        self.nested, self.nonempty = nested, nonempty

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        what = ("a list of tokenized sentences (lists of str)" if self.nested
                else "a list of str tokens (tokenize first)")
        return ("a non-empty " + what[2:]) if self.nonempty else what

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if not self.nested:
            return str_tokens(func, name, value)
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise self.fail(TypeError, func, name, _kind(value))
        out = [str_tokens(func, f"{name}[{i}]", s) for i, s in enumerate(value)]
        if self.nonempty and not out:
            raise self.fail(ValueError, func, name, "an empty list")
        return out


class TokenIds(Domain):
    """A sequence of integer token ids >= 0 (a list, tuple or 1-D integer array), returned
    as a tuple of int; ``lt="vocab"``: each below that dimension (or below a given int)."""

    def __init__(self, *, nonempty: bool = False, lt: str | int | None = None,
                 optional: bool = False) -> None:
        self.nonempty, self.lt, self.optional = nonempty, lt, optional

    def dependent(self) -> bool:
        return isinstance(self.lt, str)

    def top(self, dims: Mapping[str, Any]) -> int | None:
        return self.lt if isinstance(self.lt, int) else dims.get(self.lt)

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        top = self.top(dims)
        bound = f" in [0, {top - 1}]" if top is not None else " >= 0"
        return (("a non-empty" if self.nonempty else "a") + " sequence of integer token ids"
                + bound + (", or None" if self.optional else ""))

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if value is None and self.optional:
            return None
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise self.fail(TypeError, func, name, _kind(value))
        items = list(as_numpy(value).reshape(-1)) if hasattr(value, "shape") else list(value)
        bad = next((t for t in items if not _number(t, integral=True)), None)
        if bad is not None:
            raise self.fail(TypeError, func, name, f"{_kind(bad)} among them")
        ids = tuple(int(t) for t in items)
        top = self.top(dims)
        if any(t < 0 or (top is not None and t >= top) for t in ids):
            raise self.fail(OutOfRangeError, func, name, str(ids), dims)
        if self.nonempty and not ids:
            raise self.fail(ValueError, func, name, "an empty sequence")
        return ids


class Seed(Domain):
    """Where random draws come from: an integer seed >= 0, a ``numpy.random.Generator``,
    or ``None`` (fresh entropy); the body receives a Generator."""

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "a seed (an integer >= 0), a numpy.random.Generator or None"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if isinstance(value, np.random.Generator):
            return value
        if value is not None and not _number(value, integral=True):
            raise self.fail(TypeError, func, name, _kind(value))
        if value is not None and int(value) < 0:
            raise self.fail(ValueError, func, name, str(value))
        return np.random.default_rng(None if value is None else int(value))


# --- array domains -----------------------------------------------------------------------------

class Array(Domain):
    """An array whose axes are named: ``Floats("batch?", "time", "vocab")``; ``...`` first
    stands for any leading axes. Subclasses fix the dtype. ``finite`` (no NaN or ±inf),
    ``nan=False`` (no NaN), ``ge`` and ``lt`` bound the values (``lt`` may name a
    dimension: ids below the vocabulary size); ``nonempty`` names the axes that must hold
    at least one entry; ``host=True`` (a NumPy-only function) copies a torch tensor to
    NumPy, without its graph. A number given for a ``Floats`` argument becomes a 0-d array
    in the floating dtype of the others (it broadcasts; no shape of its own is checked)."""

    kind = "an array"
    dtype_text = "a numeric dtype"
    library = "any"   # "any": NumPy or torch (the array API); "numpy": converted to NumPy

    sparse = False   # also takes a SciPy sparse matrix (converted to CSR, checked by shape)

    def __init__(self, *dims: Any, optional: bool = False, finite: bool = False,
                 nan: bool = True, ge: Any = None, lt: Any = None, le: Any = None,
                 nonempty: str | tuple[str, ...] = (), host: bool = False,
                 sparse: bool = False) -> None:
        self.sparse = sparse
        self.dims = tuple("..." if d is Ellipsis else d for d in dims)
        self.optional, self.finite, self.nan, self.ge, self.lt = optional, finite, nan, ge, lt
        self.le = le
        self.nonempty = (nonempty,) if isinstance(nonempty, str) else tuple(nonempty)
        if host:        # a NumPy-only function: torch tensors are copied to NumPy
            self.library = "numpy"

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        if not self.dims:
            return self.kind
        full = tuple(d.rstrip("?") for d in self.dims)
        return f"{self.kind} {_fmt(full)}"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        # arrays are checked together by params(), which needs all of them at once; an
        # optional array left as None is not in what they return
        return _check_arrays(func, {name: self}, {name: value}, set())[0].get(name)

    def dtype_ok(self, kind: str, a: Any) -> bool:
        """Whether an array of dtype kind ``kind`` (see :func:`dtype_kind`) is accepted."""
        return kind != "O"

    def convert(self, xp: Any, a: Any) -> Any:
        return a

    def values(self, func: str, name: str, xp: Any, a: Any, dims: Mapping[str, Any]) -> None:
        """Value checks, after the shapes are bound: finite, bounds, ids in range."""
        if not math.prod(a.shape):
            return
        if not self.nan and xp.isdtype(a.dtype, "real floating") and bool(xp.any(xp.isnan(a))):
            raise ValueError(f"{func}: `{name}` must not hold NaN")
        if self.finite and not bool(xp.all(xp.isfinite(a))):
            bad = int(xp.sum(xp.astype(~xp.isfinite(a), xp.int64)))
            raise ValueError(f"{func}: `{name}` must be finite; it holds {bad} NaN or "
                             "infinite value(s)")
        if self.ge is None and self.lt is None and self.le is None:
            return
        if xp.isdtype(a.dtype, "real floating") and bool(xp.any(xp.isnan(a))):
            raise ValueError(f"{func}: `{name}` must hold numbers >= {self.ge}; it holds NaN")
        lo, hi = _item(xp.min(a)), _item(xp.max(a))
        lt = dims.get(self.lt, self.lt) if isinstance(self.lt, str) else self.lt
        le = dims.get(self.le, self.le) if isinstance(self.le, str) else self.le
        if (self.ge is None or lo >= self.ge) and (lt is None or hi < lt) and (
                le is None or hi <= le):
            return
        if le is not None:
            raise ValueError(f"{func}: `{name}` must hold values in [{self.ge}, {le}]"
                             + (f" ({self.le}={le})" if isinstance(self.le, str) else "")
                             + f"; got values from {lo} to {hi}")
        if lt is None:
            raise ValueError(f"{func}: `{name}` must hold values >= {self.ge}; its smallest "
                             f"is {lo}")
        size = f" ({self.lt}={lt})" if isinstance(self.lt, str) else ""
        raise OutOfRangeError(f"{func}: `{name}` must hold ids in [0, {lt - 1}]{size}; got "
                              f"values from {lo} to {hi}")


def dtype_kind(a: Any) -> str:
    """``"f"`` real floating, ``"i"`` integer (signed or not), ``"b"`` bool, ``"c"`` complex,
    ``"O"`` anything else (objects, strings), for NumPy arrays and torch tensors alike."""
    dt = a.dtype
    kind = getattr(dt, "kind", None)
    if kind is not None:                                   # NumPy
        return {"u": "i", "f": "f", "i": "i", "b": "b", "c": "c"}.get(kind, "O")
    if dt.is_complex:                                      # torch
        return "c"
    if dt.is_floating_point:
        return "f"
    return "b" if str(dt) == "torch.bool" else "i"


def _item(v: Any) -> Any:
    v = v.item() if hasattr(v, "item") else v
    return int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 2**53 else v


class Floats(Array):
    """A real floating array (float32 or float64). The ``Floats`` arguments of one call
    share one dtype. ``promote=True`` also takes integer and bool arrays, as float64."""

    kind = "a floating array"
    dtype_text = "a real floating dtype (float32 or float64)"

    def __init__(self, *dims: Any, promote: bool = False, **kw: Any) -> None:
        super().__init__(*dims, **kw)
        self.promote = promote
        if promote:
            self.kind, self.dtype_text = "a numeric array", "a real dtype (floating, integer, bool)"

    def dtype_ok(self, kind: str, a: Any) -> bool:
        return kind == "f" or (self.promote and kind in "ib")

    def convert(self, xp: Any, a: Any) -> Any:
        if self.promote and not xp.isdtype(a.dtype, "real floating"):
            return xp.astype(a, xp.float64)
        return a


def sum_tolerance(xp: Any, dtype: Any, n: int) -> float:
    """How far from 1 a correctly normalized row of ``n`` entries may sum in ``dtype``.

    The rounding error of a sum grows like a random walk, so the slack is a few ulps times
    the square root of ``n``, never under 64 ulps: a float32 log-softmax over 32,000 tokens,
    exponentiated, sums to within about 4e-6 of 1 (``8 * sqrt(32000) * 1.2e-7 = 1.7e-4``
    leaves room); float64 rows of 1,000 entries get about 5.6e-14.
    """
    eps = float(xp.finfo(dtype).eps)
    return max(64.0, 8.0 * math.sqrt(n)) * eps


class Probabilities(Floats):
    """Floats whose last axis holds distributions: entries >= 0 that sum to 1, up to
    :func:`sum_tolerance` (float32 rows computed by a real model pass) and never less than
    1e-8 (1e-4 in float32), the slack of a table typed by hand."""

    kind = "a floating array of probabilities"

    def values(self, func: str, name: str, xp: Any, a: Any, dims: Mapping[str, Any]) -> None:
        if not math.prod(a.shape):
            return
        if bool(xp.any(xp.isnan(a))):
            raise ValueError(f"{func}: `{name}` must hold probabilities; it contains NaN")
        if bool(xp.any(a < 0)):
            raise ValueError(f"{func}: `{name}` must hold probabilities (>= 0); "
                             f"its smallest entry is {float(xp.min(a))}")
        worst = float(xp.max(xp.abs(xp.sum(a, axis=-1) - 1)))
        # rows typed by hand or rounded for display get the slack they always had
        typed = 1e-4 if float(xp.finfo(a.dtype).eps) > 1e-10 else 1e-8
        if worst > max(typed, sum_tolerance(xp, a.dtype, int(a.shape[-1]))):
            raise ValueError(f"{func}: every row of `{name}` (its last axis) must sum to 1; "
                             f"one row is off by {worst:.3g}")


class Ints(Array):
    """An integer array (token ids, class indices); an empty list counts as one."""

    kind = "an integer array"
    dtype_text = "an integer dtype"

    def dtype_ok(self, kind: str, a: Any) -> bool:
        return kind == "i" or (kind == "f" and not math.prod(a.shape))

    def convert(self, xp: Any, a: Any) -> Any:
        return a if xp.isdtype(a.dtype, "integral") else xp.astype(a, xp.int64)


class Bools(Array):
    """A boolean array (a mask)."""

    kind = "a boolean array"
    dtype_text = "a boolean dtype"

    def dtype_ok(self, kind: str, a: Any) -> bool:
        return kind == "b"


class Counts(Array):
    """Finite numbers >= 0 on the host, as a NumPy array: float64, or int64 with
    ``integer=True``. A torch tensor is copied to NumPy without its gradient (counts and
    lengths have none)."""

    library = "numpy"

    def __init__(self, *dims: Any, integer: bool = False, **kw: Any) -> None:
        kw.setdefault("ge", 0)
        kw.setdefault("finite", True)
        super().__init__(*dims, **kw)
        self.integer = integer
        self.kind = "an integer array of counts" if integer else "an array of numbers >= 0"
        self.dtype_text = "an integer dtype" if integer else "a real dtype (integer or floating)"

    def dtype_ok(self, kind: str, a: Any) -> bool:
        return kind == "i" or (kind == "f" and (not self.integer or not a.size))

    def convert(self, xp: Any, a: Any) -> Any:
        return a.astype(np.int64 if self.integer else np.float64)


class Group(Array):
    """A tuple of arrays with named fields, each with its own domain, e.g. an encoder's
    ``(W_xh, W_hh, b_h)``. Messages name a field as ``encoder.W_hh``; the body receives a
    tuple of the checked arrays."""

    kind = "a tuple"

    def __init__(self, **fields: Array) -> None:
        super().__init__()
        self.fields = fields

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return f"a tuple (or a mapping) of {', '.join(self.fields)}"

    def items(self, func: str, name: str, value: Any) -> dict[str, tuple[Array, Any]]:
        """The fields as ``{message name: (domain, value)}``: ``encoder.W_hh`` for a tuple,
        ``params['W_q']`` for a mapping (which must have exactly the fields as keys)."""
        if isinstance(value, Mapping):
            missing = [f for f in self.fields if f not in value]
            unknown = sorted(str(k) for k in value if k not in self.fields)
            if missing or unknown:
                raise MissingKeysError(f"{func}: `{name}` must have exactly the keys "
                                       f"{', '.join(self.fields)}; missing {missing}, "
                                       f"unknown {unknown}")
            return {f"{name}[{f!r}]": (d, value[f]) for f, d in self.fields.items()}
        if not isinstance(value, tuple | list) or len(value) != len(self.fields):
            got = _kind(value) if not isinstance(value, tuple | list) else \
                f"{type(value).__name__} of length {len(value)}"
            raise self.fail(TypeError, func, name, got)
        return {f"{name}.{f}": (d, v) for (f, d), v in zip(self.fields.items(), value,
                                                           strict=True)}


def model_params(model: Any, p: Mapping[str, Any]) -> Any:
    """Check a model's ``params`` against ``model.shapes()``; return their array namespace.

    Exactly the model's keys (else :class:`MissingKeysError`, naming the missing and the
    unknown ones) and each array at its shape (else :class:`ShapeError`). The message
    names the public function running (:func:`calling`) and the model.
    """
    want = model.shapes()
    missing = [k for k in want if k not in p]
    unknown = sorted(str(k) for k in p if k not in want)
    if missing or unknown:
        raise MissingKeysError(f"{calling()}: `params` must have exactly the keys of "
                               f"{model!r}.shapes(); missing {missing[:4]}, "
                               f"unknown {unknown[:4]}")
    for name, shape in want.items():
        if tuple(p[name].shape) != shape:
            raise ShapeError(f"{calling()}: `params['{name}']` must have shape {shape} for "
                             f"{model!r}; got {tuple(p[name].shape)}")
    return array_api_compat.array_namespace(*p.values())


def _is_sparse(value: Any) -> bool:
    return type(value).__module__.startswith("scipy.sparse")


def as_numpy(value: Any) -> np.ndarray:
    """A NumPy array of ``value``: a torch tensor leaves its device and its graph."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


class Axis(Integer):
    """An axis of the array argument ``of``: an integer in [-ndim, ndim - 1]."""

    def __init__(self, of: str) -> None:
        super().__init__(ge=f"-ndim:{of}", lt=f"ndim:{of}")
        self.of = of

    def limits(self, dims: Mapping[str, Any]) -> tuple[Any, Any, Any, Any]:
        ndim = dims.get(f"ndim:{self.of}")
        return (None, None, None, None) if ndim is None else (-ndim, None, ndim - 1, None)

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        ndim = dims.get(f"ndim:{self.of}")
        of = f"the {ndim}-D `{self.of}`" if ndim is not None else f"`{self.of}`"
        return f"{super().describe(dims)} (an axis of {of})"


class Mask(Bools):
    """A boolean mask, ``True`` where attention is allowed, that broadcasts to scores whose
    axes are ``scores`` (e.g. ``(..., "n_q", "n_k")``, sizes bound by the other arguments).
    A row that blocks every key is refused: the softmax over no scores is 0/0."""

    def __init__(self, *scores: Any, optional: bool = True) -> None:
        super().__init__(optional=optional)
        self.scores = tuple("..." if d is Ellipsis else d for d in scores)

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return f"a boolean mask that broadcasts to the scores {_fmt(tuple(map(str, self.scores)))}"

    @staticmethod
    def sizes(axis: Any, dims: Mapping[str, Any]) -> tuple[int, ...]:
        """The sizes one named axis of the scores stands for: the leading axes (``...``), a
        fixed size (an int: one new query), a bound dimension, or nothing for an optional
        axis (``"batch?"``) that the arrays left out."""
        if axis == "...":
            return tuple(dims.get("...", ()))
        if isinstance(axis, int):
            return (axis,)
        name = axis.rstrip("?")
        return () if axis.endswith("?") and name not in dims else (dims[name],)

    def values(self, func: str, name: str, xp: Any, a: Any, dims: Mapping[str, Any]) -> None:
        if any(isinstance(d, str) and d != "..." and not d.endswith("?") and d not in dims
               for d in self.scores):
            return          # the array that sizes the scores was not given: no scores to fit
        shape = tuple(s for d in self.scores for s in self.sizes(d, dims))
        mask_shape = tuple(int(d) for d in a.shape)
        if len(mask_shape) > len(shape) or any(
                m not in (1, s) for m, s in zip(reversed(mask_shape), reversed(shape),
                                                strict=False)):
            raise ShapeError(f"{func}: `{name}` must broadcast to the scores' shape {shape} "
                             f"(each axis equal or 1, aligned from the right); got {mask_shape}")
        what = "query row" if len([d for d in self.scores if d != "..."]) > 1 else \
            "score vector"
        blocked_rows(func, name, xp, xp.broadcast_to(a, shape), what)


def blocked_rows(func: str, name: str, xp: Any, mask: Any, what: str = "query row") -> None:
    """Refuse a mask with a row (last axis) that blocks every key, naming the first one."""
    allowed = xp.any(mask, axis=-1)
    if bool(xp.all(allowed)):
        return
    flat = [int(i) for i in xp.nonzero(xp.reshape(~allowed, (-1,)))[0]]
    index, rest = [], flat[0]
    for size in reversed(tuple(int(d) for d in allowed.shape)):
        rest, i = divmod(rest, size)
        index.insert(0, i)
    more = f" (and {len(flat) - 1} more)" if len(flat) > 1 else ""
    raise ValueError(f"{func}: `{name}` blocks every key of the {what} at index {tuple(index)}"
                     f"{more}; the softmax over no scores is 0/0. Let each query attend to at "
                     "least one key (e.g. to itself), or drop that query")


# --- the decorator -----------------------------------------------------------------------------

_CALLING: contextvars.ContextVar[str] = contextvars.ContextVar("seqcore_calling",
                                                               default="seqcore")


def calling() -> str:
    """The name of the innermost public function running now: a helper that finds a bad
    input only while computing (a mask combined with the causal one) names it in its message."""
    return _CALLING.get()


def public_name(func: Callable[..., Any]) -> str:
    """The name a message starts with: ``softmax``, ``BM25Index.top_k``, ``BM25Index``."""
    return func.__qualname__.replace(".<locals>", "").removesuffix(".__init__")


def params(**domains: Domain) -> Callable[[F], F]:
    """Check the arguments named in ``domains`` before the function runs.

    The array arguments are checked together (one library, one device, one floating dtype;
    their named dimensions bound across them); scalar domains before them, and those whose
    bounds name a dimension after them. The body receives the converted values (arrays as
    arrays, NumPy scalars as Python numbers); an argument left at its default is not
    checked. The domains stay on the function as ``func.__params__``: the validation
    tests derive their bad inputs from them.
    """

    def decorate(func: F) -> F:
        sig = inspect.signature(func)
        unknown = set(domains) - set(sig.parameters)
        if unknown:
            raise TypeError(f"params: {func.__qualname__} has no parameter(s) {sorted(unknown)}")
        name = public_name(func)
        arrays = {k: d for k, d in domains.items() if isinstance(d, Array)}
        late = {k: d for k, d in domains.items() if not isinstance(d, Array) and d.dependent()}
        early = {k: d for k, d in domains.items() if k not in arrays and k not in late}
        variadic = {k for k, p in sig.parameters.items() if p.kind is p.VAR_POSITIONAL}

        names = tuple(sig.parameters)
        simple = all(p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                     for p in sig.parameters.values())
        n_positional = sum(p.kind is p.POSITIONAL_OR_KEYWORD for p in sig.parameters.values())
        # a bound may name another parameter left at its default (stop_after <= epochs)
        defaults = {k: p.default for k, p in sig.parameters.items()
                    if _number(p.default, integral=False)}

        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if simple and len(args) <= n_positional and not (kwargs.keys() & names[:len(args)]):
                # an unknown keyword reaches func(), which names it
                given = dict(zip(names, args, strict=False)) | kwargs
                bound = None
            else:
                bound = sig.bind(*args, **kwargs)
                given = bound.arguments
            for k, d in early.items():
                if k in given:
                    given[k] = d.check(name, k, given[k], NO_DIMS)
            dims: Mapping[str, Any] = NO_DIMS
            if arrays:
                converted, dims = _check_arrays(name, arrays, given, variadic, defaults)
                given.update(converted)
            if late:
                # a bound may name a dimension ("time") or another parameter ("alpha")
                dims = {**defaults, **{k: v for k, v in given.items()
                                       if _number(v, integral=False)}, **dims}
            for k, d in late.items():
                if k in given:
                    given[k] = d.check(name, k, given[k], dims)
            token = _CALLING.set(name)
            try:
                return func(**given) if bound is None else func(*bound.args, **bound.kwargs)
            finally:
                _CALLING.reset(token)

        checked.__params__ = MappingProxyType(dict(domains))  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


def _check_arrays(func: str, domains: Mapping[str, Array], given: Mapping[str, Any],
                  variadic: set[str], defaults: Mapping[str, Any] = NO_DIMS
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Convert and check the array arguments; returns them and the bound dimensions."""
    domain_of: dict[str, Array] = {}   # the name a message uses -> its domain
    raw: dict[str, Any] = {}
    for k, d in domains.items():
        if k not in given:
            continue
        if k in variadic:
            for i, v in enumerate(given[k]):
                if v is None:
                    raise d.fail(TypeError, func, f"{k}[{i}]", "None")
                domain_of[f"{k}[{i}]"], raw[f"{k}[{i}]"] = d, v
        elif isinstance(d, Group):
            for n, (field, v) in d.items(func, k, given[k]).items():
                if v is None and not field.optional:
                    raise field.fail(TypeError, func, n, "None")
                if v is not None:
                    domain_of[n], raw[n] = field, v
        elif given[k] is None:
            if not d.optional:
                raise d.fail(TypeError, func, k, "None")
        else:
            domain_of[k], raw[k] = d, given[k]
    # a number given for a floating array is a 0-d array in the other arrays' dtype
    scalars = {n for n, v in raw.items() if isinstance(domain_of[n], Floats)
               and _number(v, integral=False)
               and (isinstance(v, np.generic) or not hasattr(v, "shape"))}
    matrices = {n for n, v in raw.items() if domain_of[n].sparse and _is_sparse(v)}
    api = {n: v for n, v in raw.items() if domain_of[n].library == "any"
           and n not in scalars | matrices}
    xp, arrays = namespace(func, **api) if api else (_NUMPY, {})
    for n, v in raw.items():
        if domain_of[n].library == "numpy" and n not in matrices:
            try:
                arrays[n] = as_numpy(v)
            except (TypeError, ValueError) as err:
                raise TypeError(f"{func}: `{n}` must be an array or a nested list of numbers; "
                                f"got {type(v).__name__} ({err})") from None
    if matrices:
        import scipy.sparse as sp

        arrays |= {n: sp.csr_array(raw[n]) for n in matrices}
    arrays = {n: arrays[n] for n in raw if n in arrays}      # back in the declared order
    first: tuple[str, Any] | None = None
    for n, a in arrays.items():
        d = domain_of[n]
        x = xp if d.library == "any" else _NUMPY
        kind = dtype_kind(a)
        if not d.dtype_ok(kind, a):
            hint = ". Convert it first, e.g. x.astype(float) or x.double()" \
                if isinstance(d, Floats) else ""
            raise TypeError(f"{func}: `{n}` must have {d.dtype_text}; got {a.dtype}{hint}")
        a = arrays[n] = d.convert(x, a)
        if kind == "f" and isinstance(d, Floats) and n not in matrices:
            if first is None:
                first = (n, a.dtype)
            elif a.dtype != first[1]:
                raise TypeError(f"{func}: `{n}` has dtype {a.dtype} but `{first[0]}` has "
                                f"{first[1]}; use one floating dtype for all arguments")
    if scalars:
        like = next((a for a in arrays.values() if dtype_kind(a) == "f"), None)
        for n in scalars:
            arrays[n] = xp.asarray(float(raw[n]), dtype=None if like is None else like.dtype,
                                   device=None if like is None else array_api_compat.device(like))
    dims = shapes(func, **{n: (a, domain_of[n].dims) for n, a in arrays.items()
                           if domain_of[n].dims and n not in scalars})
    # value bounds may name a number-valued parameter too (ids below `size`)
    dims = {**defaults, **{k: v for k, v in given.items() if _number(v, integral=False)},
            **dims}
    for n, a in arrays.items():
        d = domain_of[n]
        for axis in d.nonempty:
            if dims.get(axis) == 0:
                what = "time step" if axis == "time" else f"entry along its {axis} axis"
                raise ShapeError(f"{func}: `{n}` must hold at least one {what}; got shape "
                                 f"{tuple(int(s) for s in a.shape)}")
        # the stored entries of a sparse matrix are what its values are
        d.values(func, n, xp if d.library == "any" and n not in matrices else _NUMPY,
                 a.data if n in matrices else a, dims)
        dims[f"ndim:{n}"] = a.ndim
    out = {}
    for k, d in domains.items():
        if k not in given or given[k] is None:
            continue
        if k in variadic:
            out[k] = tuple(arrays[f"{k}[{i}]"] for i in range(len(given[k])))
        elif isinstance(d, Group) and isinstance(given[k], Mapping):
            out[k] = {f: arrays.get(f"{k}[{f!r}]") for f in d.fields}
        elif isinstance(d, Group):
            out[k] = tuple(arrays.get(f"{k}.{f}") for f in d.fields)
        else:
            out[k] = arrays[k]
    return out, dims
