"""The bad calls of the input-validation table, derived from the declared domains.

Each public function and method has one good call (``tests/unit/api_calls.py``); each of its
parameters declares a domain (``func.__params__``, from ``@params``). For every value
outside a domain (a float for an integer, NaN, a value past a bound, an int64 array for a
floating one, a torch tensor among NumPy arrays, ...), ``derived_cases()`` makes one bad
call that changes one argument of the good call, with the exception it must raise and a
word its message must hold. ``check(case)`` makes the call. Used by
``tests/unit/test_validation.py`` (the table) and ``tests/tooling/test_public_api.py`` (coverage).
"""

from __future__ import annotations

import inspect
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from seqcore import _validate as v
from tests.unit.api_calls import GOOD, Call

try:
    import torch
except ImportError:         # the torch cases are left out; the rest still run
    torch = None

RAGGED = [[0.0], [0.0, 0.0]]


@dataclass
class Bad:
    name: str           # the public function or method, as in GOOD
    param: str
    what: str           # the bad value, in words
    value: Any
    error: type[BaseException]
    expect: str         # a word the message must hold, fixed per kind of domain

    @property
    def id(self) -> str:
        return f"{self.name}/{self.param}/{self.what}"


def _public(fn: Any) -> str:
    return v.public_name(getattr(fn, "__func__", fn))


def domains_of(fn: Any) -> dict[str, Any] | None:
    """The declared domains of a function, a bound method or a class's constructor."""
    if inspect.isclass(fn):
        fn = fn.__init__
    return getattr(fn, "__params__", None)


def bound_arguments(call: Call) -> dict[str, Any]:
    sig = inspect.signature(call.fn)
    return dict(sig.bind_partial(*call.args, **call.kwargs).arguments)


def _axis(pattern: tuple[str, ...], ndim: int, dim: str) -> int | None:
    """The axis of an array of ``ndim`` axes that carries the named dimension ``dim``."""
    if pattern[:1] == ("...",):
        names = pattern[1:]
        return ndim - len(names) + names.index(dim) if dim in names else None
    if ndim == len(pattern) - 1:                          # the optional axis is left out
        pattern = tuple(d for d in pattern if not d.endswith("?"))
    names = [d.rstrip("?").rpartition("*")[2] for d in pattern]
    return names.index(dim) if dim in names and len(names) == ndim else None


def _shared_dims(domains: dict[str, Any], given: dict[str, Any]) -> dict[str, int]:
    """How many array arguments of the good call carry each named dimension."""
    count: dict[str, int] = {}
    for p, d in domains.items():
        if isinstance(d, v.Array) and not isinstance(d, v.Group) and given.get(p) is not None:
            for dim in {x.rstrip("?").rpartition("*")[2] for x in d.dims if x != "..."}:
                count[dim] = count.get(dim, 0) + 1
    return count


def _scalar_cases(name: str, p: str, d: Any) -> list[Bad]:
    cases = []
    if isinstance(d, v.Integer):
        cases += [Bad(name, p, "1.5", 1.5, TypeError, "integer"),
                  Bad(name, p, "True", True, TypeError, "integer"),
                  Bad(name, p, "'3'", "3", TypeError, "integer")]
        ge, gt, le, lt = d.bounds
        low = ge if isinstance(ge, int) else gt + 1 if isinstance(gt, int) else None
        high = le if isinstance(le, int) else lt - 1 if isinstance(lt, int) else None
        if low is not None:
            cases.append(Bad(name, p, f"{low - 1} (below {low})", low - 1, ValueError,
                             "integer"))
        if high is not None:
            cases.append(Bad(name, p, f"{high + 1} (above {high})", high + 1, ValueError,
                             "integer"))
        # A bound named after a dimension or another argument (``lt="vocab"``, an Axis):
        # every size in the good calls is small, so 10**6 lies past it.
        if high is None and isinstance(le if le is not None else lt, str):
            cases.append(Bad(name, p, "10**6 (past a named bound)", 10**6, ValueError,
                             "integer"))
        if low is None and isinstance(ge if ge is not None else gt, str):
            cases.append(Bad(name, p, "-10**6 (past a named bound)", -10**6, ValueError,
                             "integer"))
        if d.multiple_of and low is not None:
            odd = low + 1 if (low + 1) % d.multiple_of else low + 2
            cases.append(Bad(name, p, f"{odd} (not a multiple)", odd, ValueError, "integer"))
    elif isinstance(d, v.Real):
        cases += [Bad(name, p, "'x'", "x", TypeError, "number"),
                  Bad(name, p, "NaN", math.nan, ValueError, "number"),
                  Bad(name, p, "array", np.ones(2), TypeError, "number")]
        if d.finite:
            cases.append(Bad(name, p, "inf", math.inf, ValueError, "number"))
        ge, gt, le, lt = d.bounds
        for bound, step, word in ((ge, -1, "below"), (gt, 0, "at"), (le, 1, "above"),
                                  (lt, 0, "at")):
            if isinstance(bound, int | float):
                bad = bound + step if step else bound
                cases.append(Bad(name, p, f"{bad} ({word} {bound})", bad, ValueError, "number"))
        if isinstance(le if le is not None else lt, str):
            cases.append(Bad(name, p, "1e6 (past a named bound)", 1e6, ValueError, "number"))
    elif isinstance(d, v.Options):
        cases += [Bad(name, p, "'nope'", "nope", ValueError, "one of"),
                  Bad(name, p, "3", 3, TypeError, "one of")]
    elif isinstance(d, v.Flag):
        cases += [Bad(name, p, "'yes'", "yes", TypeError, "True or False"),
                  Bad(name, p, "1", 1, TypeError, "True or False")]
    elif isinstance(d, v.Function):
        cases.append(Bad(name, p, "5", 5, TypeError, "callable"))
    elif isinstance(d, v.Text):
        cases.append(Bad(name, p, "5", 5, TypeError, "str"))
    elif isinstance(d, v.Tokens):
        cases += [Bad(name, p, "a str", "a b", TypeError, "str"),
                  Bad(name, p, "numbers", [[1, 2]] if d.nested else [1, 2], TypeError, "str")]
        if d.nonempty:
            cases.append(Bad(name, p, "empty", [], ValueError, "non-empty"))
    elif isinstance(d, v.TokenIds):
        cases += [Bad(name, p, "[-1]", [-1], ValueError, "token ids"),
                  Bad(name, p, "['a']", ["a"], TypeError, "token ids"),
                  Bad(name, p, "a str", "ab", TypeError, "token ids"),
                  Bad(name, p, "5", 5, TypeError, "token ids")]
        if d.nonempty:
            cases.append(Bad(name, p, "empty", [], ValueError, "non-empty"))
    elif isinstance(d, v.Seed):
        cases += [Bad(name, p, "1.5", 1.5, TypeError, "seed"),
                  Bad(name, p, "-1", -1, ValueError, "seed")]
    elif isinstance(d, v.Domain) and not isinstance(d, v.Array):
        cases.append(Bad(name, p, "5", 5, TypeError, "must be"))    # a module's own domain
    return cases


def _array_cases(name: str, p: str, d: Any, good: Any, shared: dict[str, int]) -> list[Bad]:
    if isinstance(d, v.Group):
        cases = [Bad(name, p, "a 1-tuple", (np.ones(2),), TypeError, "tuple")]
        if isinstance(good, dict):
            cases.append(Bad(name, p, "a key missing", {k: x for k, x in list(good.items())[1:]},
                             KeyError, "keys"))
        return cases
    cases = []
    if not d.optional:
        cases.append(Bad(name, p, "None", None, TypeError, "array"))
    if good is None or isinstance(good, int | float) or hasattr(good, "tocsr"):
        return cases
    a = np.asarray(good.detach() if hasattr(good, "detach") else good)
    cases.append(Bad(name, p, "ragged", RAGGED, TypeError, "array"))
    if isinstance(d, v.Floats) and not d.promote:
        cases.append(Bad(name, p, "int64", np.ones(a.shape, dtype=np.int64), TypeError,
                         "floating"))
    if isinstance(d, v.Ints) and a.size:
        cases.append(Bad(name, p, "float64", a.astype(float) + 0.5, TypeError, "integer"))
    if isinstance(d, v.Bools):
        cases.append(Bad(name, p, "float64", a.astype(float), TypeError, "boolean"))
    if isinstance(d, v.Counts) and a.size:
        if d.ge is not None:
            neg = a.astype(float if not d.integer else np.int64).copy()
            neg.flat[0] = -1
            cases.append(Bad(name, p, "a negative entry", neg, ValueError,
                             "in [0" if d.le is not None else ">= 0"))
        cases.append(Bad(name, p, "strings", np.full(a.shape, "x"), TypeError, "dtype"))
    if isinstance(d, v.Probabilities) and a.size:
        cases.append(Bad(name, p, "rows summing to 2", a * 2, ValueError, "sum to 1"))
    if d.finite and a.dtype.kind == "f" and a.size:
        nan = a.copy()
        nan.flat[0] = np.nan
        cases.append(Bad(name, p, "NaN", nan, ValueError, "finite"))
    if d.dims and d.dims[0] != "..." and not isinstance(d, v.Mask):
        cases.append(Bad(name, p, "3 more axes", a[None, None, None], ValueError, "-D"))
    for dim in d.nonempty:
        axis = _axis(d.dims, a.ndim, dim)
        if axis is not None and shared.get(dim, 0) == 1:       # (else a shape error comes first)
            cases.append(Bad(name, p, f"no {dim}", np.take(a, [], axis=axis), ValueError,
                             "at least one"))
    for dim, n in shared.items():
        axis = _axis(d.dims, a.ndim, dim) if d.dims else None
        if n > 1 and axis is not None:
            longer = np.concatenate([a, np.take(a, [0], axis=axis)], axis=axis)
            cases.append(Bad(name, p, f"one more along {dim}", longer, ValueError, "shape"))
            break
    return cases


def derived_cases() -> list[Bad]:
    cases: list[Bad] = []
    for name, factory in GOOD.items():
        call = factory()
        domains = domains_of(call.fn)
        if domains is None:
            continue
        given = bound_arguments(call)
        shared = _shared_dims(domains, given)
        for p, d in domains.items():
            if isinstance(d, v.Array):
                good = given.get(p)
                if isinstance(good, tuple) and not isinstance(d, v.Group):   # *coords
                    good = good[0] if good else None
                cases += _array_cases(name, p, d, good, shared)
            else:
                cases += _scalar_cases(name, p, d)
        cases += _mixed_library_cases(name, domains, given)
    return cases


def _mixed_library_cases(name: str, domains: dict[str, Any], given: dict[str, Any]) -> list[Bad]:
    """One torch tensor among NumPy arrays: refused, not silently copied."""
    arrays = [p for p, d in domains.items()
              if isinstance(d, v.Array) and not isinstance(d, v.Group) and d.library != "numpy"
              and isinstance(given.get(p), np.ndarray) and given[p].ndim]
    if torch is None or len(arrays) < 2:
        return []
    p = arrays[0]
    return [Bad(name, p, "a torch tensor among NumPy arrays", torch.from_numpy(given[p]),
                TypeError, "one library")]




def replace_argument(call: Call, param: str, value: Any) -> Call:
    sig = inspect.signature(call.fn)
    bound = sig.bind_partial(*call.args, **call.kwargs)
    if sig.parameters[param].kind is inspect.Parameter.VAR_POSITIONAL:
        bound.arguments[param] = (value, *bound.arguments[param][1:])
    else:
        bound.arguments[param] = value
    return Call(call.fn, bound.args, bound.kwargs)


def _shown(value: Any) -> list[str]:
    """What a message may show of a bad value: its type's name, its repr or str, or those of
    one of its items (a bad token among good ones); "empty" for an empty list."""
    items = [value]
    if isinstance(value, list | tuple):
        items += [*value, *(y for x in value if isinstance(x, list | tuple) for y in x)]
    words = {"empty"} if isinstance(value, list | tuple) and not value else set()
    for x in items:
        words |= {type(x).__name__, repr(x), str(x)}
        if isinstance(x, int) and not isinstance(x, bool):
            words.add(str(float(x)))                 # a real domain shows -1 as -1.0
    return sorted(words)


def shows_what_was_given(message: str, value: Any) -> bool:
    """The part of ``message`` after its last "got " shows ``value`` (see ``_shown``)."""
    given = message.rpartition("got ")[2]
    # a whole word: "1" is not shown by "1.5", but "nan" is by "got nan. For the limit ..."
    return any(re.search(rf"(?<!\w)(?<!\d\.){re.escape(w)}(?!\w)(?!\.\d)", given)
               for w in _shown(value))


def check(case: Bad) -> None:
    """The bad call raises the case's error, naming the function, the argument, the
    expectation and, for a scalar domain, what was given (AssertionError otherwise)."""
    call = GOOD[case.name]()
    try:
        replace_argument(call, case.param, case.value).run()
    except case.error as err:
        message = str(err)
    except Exception as err:            # the wrong type, or a message from deep inside
        raise AssertionError(f"{case.id}: {type(err).__name__}: {err}") from None
    else:
        raise AssertionError(f"{case.id}: accepted; expected {case.error.__name__}")
    public = _public(call.fn)
    assert message.startswith(f"{public}: "), f"{case.id}: {message}"
    assert f"`{case.param}" in message, f"{case.id}: {message}"
    assert case.expect in message, f"{case.id}: {case.expect!r} not in {message}"
    if not isinstance((domains_of(call.fn) or {}).get(case.param), v.Array):
        assert shows_what_was_given(message, case.value), (
            f"{case.id}: the message does not say what was given: {message}")
