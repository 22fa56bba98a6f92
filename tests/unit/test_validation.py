"""One input-validation test over the whole public API, derived from the declared domains.

In the spirit of scikit-learn's common checks and PyTorch's error inputs: every public
function and method has one good call (``tests/unit/api_calls.py``); each parameter's domain,
as the function declares it (``func.__params__``, from ``@params``), says which values are
outside it, and this file makes one bad call per such value, changing one argument of the
good call. Each bad call must raise

- the right type: ``TypeError`` for the wrong kind (a float for an integer, an integer
  array for a floating one, a str for a list of tokens), ``ValueError`` for the wrong value
  (NaN, below a bound, an unknown option; ``ShapeError`` for shapes);
- a message that starts with the public name of the function called (``softmax: ``,
  ``BM25Index.top_k: ``), names the argument (`` `k` ``), and states the expectation (a
  word per kind of domain, fixed here: "integer", "number", "one of", "floating"...).

Whole sentences are not pinned: the message builder's own wording is tested once, in
``tests/unit/test_validate.py``. Checks that depend on values only the body can see (a zero
vector, a mask that blocks a whole row) are tested in each module's own test file.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import numpy as np
import pytest

from seqcore import _validate as v
from tests.conftest import reads_seqcore
from tests.unit.api_calls import GOOD, Call
from tests.unit.bad_calls import (
    bound_arguments,
    check,
    derived_cases,
    domains_of,
    replace_argument,
    shows_what_was_given,
)

CASES = derived_cases()

BY_NAME = {name: [c for c in CASES if c.name == name] for name in GOOD}
# What a row reads, for the fast check (tests/conftest.py): the function's seqcore files,
# the tables, and this module.
TABLES = ("tests/unit/api_calls.py", "tests/unit/bad_calls.py", "tests/unit/errors.py",
          "tests/unit/test_validation.py")


def rows(names: list[str]) -> list:
    return [pytest.param(n, id=n, marks=reads_seqcore(n, *TABLES)) for n in names]



@pytest.mark.parametrize("name", rows([n for n in sorted(BY_NAME) if BY_NAME[n]]))
def test_bad_inputs_are_refused_with_their_name_and_domain(name: str) -> None:
    """Every bad call derived for ``name`` (listed all at once when some fail)."""
    failures = []
    for case in BY_NAME[name]:
        try:
            check(case)
        except AssertionError as err:
            failures.append(str(err))
    assert not failures, f"{len(failures)} of {len(BY_NAME[name])}:\n" + "\n".join(failures)


def test_what_was_given_is_found_and_its_loss_is_seen():
    """The rule the table applies to every scalar domain's message, and its negative
    control: a message that lost the value (a "got None" in its place) fails it."""
    assert shows_what_was_given("f: `p` must be an integer; got float (1.5)", 1.5)
    assert shows_what_was_given("f: `p` must be a finite number >= 0; got -1.0", -1)
    assert shows_what_was_given("f: `p` must be > 0; got nan. For the limit use x", float("nan"))
    assert shows_what_was_given("f: `p` must hold ids; got str ('a') among them", ["a"])
    assert shows_what_was_given("f: `p` must be non-empty; got an empty list", [])
    for lost in ("got None", "got NoneType (None)", "got 1.5", "got int"):
        assert not shows_what_was_given(f"f: `p` must be one of 'a', 'b'; {lost}", "nope")
    assert not shows_what_was_given("f: `p` must be an integer; got 1.5", 1)


@pytest.mark.parametrize("name", rows(sorted(GOOD)))
def test_the_good_call_is_accepted(name: str) -> None:
    GOOD[name]().run()


@pytest.mark.parametrize("name", rows([n for n in sorted(GOOD) if domains_of(GOOD[n]().fn)]))
def test_numpy_scalars_act_as_the_numbers_they_hold(name: str) -> None:
    """np.int64(3) for an integer, np.float32(x) for a real: the same result as 3 and
    float(np.float32(x)), never refused."""
    call = GOOD[name]()
    given = bound_arguments(call)
    for p, d in domains_of(call.fn).items():
        if p not in given or isinstance(given[p], bool):
            continue
        if isinstance(d, v.Integer) and isinstance(given[p], int):
            same = replace_argument(call, p, np.int64(given[p]))
        elif isinstance(d, v.Real) and isinstance(given[p], float):
            x = np.float32(given[p])
            call = replace_argument(call, p, float(x))
            same = replace_argument(call, p, x)
        else:
            continue
        _same(same.run(), call.run())


def _same(a: Any, b: Any) -> None:
    if isinstance(a, tuple | list) and not isinstance(a, str):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
    elif hasattr(a, "toarray"):
        np.testing.assert_array_equal(a.toarray(), b.toarray())
    elif isinstance(a, np.ndarray | float | int | np.generic):
        np.testing.assert_array_equal(a, b)
    elif dataclasses.is_dataclass(a):
        # a corpus, a training run: by their fields (not the wall time a run took)
        _same(*({k: v for k, v in vars(x).items() if k != "seconds"} for x in (a, b)))
    elif inspect.isgenerator(a):
        _same(next(a), next(b))                 # a stream of batches: by its first item
    elif callable(a):
        return                                  # a decoder step: compared through its use
    elif hasattr(a, "__dict__") and type(a).__eq__ is object.__eq__:
        _same(vars(a), vars(b))                 # an index, a vocabulary: by their fields
    else:
        assert a == b


def test_the_table_is_large_and_covers_every_kind_of_domain() -> None:
    kinds = {type(d).__name__ for factory in GOOD.values()
             for d in (domains_of(factory().fn) or {}).values()}
    assert {"Integer", "Real", "Options", "Flag", "Floats", "Ints", "Counts", "Group",
            "Mask", "Probabilities", "Tokens", "TokenIds", "Seed", "Function"} <= kinds
    assert len(CASES) > 700, len(CASES)


def test_a_domain_that_is_not_enforced_fails_the_table() -> None:
    """Negative control: a function that declares a domain but does not check it (its
    ``__params__`` claimed by hand, no ``@params``) fails the derived bad calls."""
    def unchecked(k: int = 1) -> int:
        return k

    unchecked.__params__ = {"k": v.Integer(ge=1)}  # type: ignore[attr-defined]
    GOOD["__control__"] = lambda: Call(unchecked, (), {"k": 2})
    try:
        bad = [c for c in derived_cases() if c.name == "__control__"]
        assert bad
        for case in bad:
            with pytest.raises(AssertionError, match="accepted"):
                check(case)
    finally:
        del GOOD["__control__"]
