"""Every public function, class and method of seqcore is in the input-validation table.

The rule: each public callable of ``seqcore.__all__`` (classes with their public methods;
not the error types and not the formula registry) has

1. a good call in ``tests/unit/api_calls.py`` (``GOOD``), which ``tests/unit/test_validation.py``
   runs, and
2. at least one bad call derived from the domains it declares with ``@params``
   (``tests/unit/bad_calls.py``), which ``tests/unit/test_validation.py`` makes and checks,

unless it is a result record that takes no input to check (``RECORDS``, each with its
reason). Bad input that depends on the data (a zero vector, an id past the table) is
tested in each module's own test file; this rule sees that every parameter has a domain.
"""

from __future__ import annotations

import inspect

import pytest

import seqcore
from seqcore import _validate as v
from tests.unit.api_calls import GOOD, Call
from tests.unit.bad_calls import derived_cases, domains_of

NOT_CHECKED = {"FORMULAS", "implements"}     # the formula trace's registry and decorator
RECORDS = {"Hypothesis": "a NamedTuple that beam_search returns, built by seqcore itself"}


def public_callables() -> list[str]:
    """Public functions and classes, and the classes' public methods as ``Class.method``."""
    names = []
    for name in seqcore.__all__:
        obj = getattr(seqcore, name)
        if name in NOT_CHECKED or not callable(obj):
            continue
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            continue
        names.append(name)
        if inspect.isclass(obj) and name not in RECORDS:
            names += [f"{name}.{attr}" for attr, f in vars(obj).items()
                      if not attr.startswith("_") and inspect.isfunction(f)]
    return names


def uncovered(good: dict, cases: list) -> dict[str, list[str]]:
    derived = {c.name for c in cases}
    names = public_callables()
    return {"no good call in tests/unit/api_calls.py": [n for n in names if n not in good],
            "no derived bad call (declare its domains with @params)":
                [n for n in names if n in good and n not in derived and n not in RECORDS
                 and takes_arguments(good[n]().fn)]}


def takes_arguments(fn: object) -> bool:
    """Whether a callable has parameters to check (a method such as ``param_count`` has
    none besides its instance)."""
    return bool(inspect.signature(fn).parameters)


def test_public_api_is_enumerated():
    names = public_callables()
    assert len(names) > 100, names
    assert {"softmax", "BM25Index", "BM25Index.top_k", "WordVectors.analogy"} <= set(names)
    assert "ShapeError" not in names and "UnknownWordError" not in names
    for name, reason in RECORDS.items():
        assert issubclass(getattr(seqcore, name), tuple), (name, reason)


def test_every_public_callable_has_a_good_call_and_derived_bad_calls():
    missing = {why: names for why, names in uncovered(GOOD, derived_cases()).items() if names}
    assert not missing, "\n".join(f"{why}: {', '.join(names)}" for why, names in
                                  missing.items())


def test_the_rule_fails_for_a_function_without_domains():
    """Negative control: a public-looking function with a good call but no ``@params``, and
    one with no good call at all, are both reported."""
    def undeclared(k: int = 1) -> int:
        return k

    good = dict(GOOD)
    del good["softmax"]
    good["__control__"] = lambda: Call(undeclared, (), {"k": 2})
    names = [*public_callables(), "__control__"]
    derived = {c.name for c in derived_cases()}
    assert "softmax" in names and "softmax" not in good
    assert "__control__" in good and "__control__" not in derived

    seqcore.__all__.append("__control__")
    seqcore.__control__ = undeclared
    try:
        report = uncovered(good, derived_cases())
    finally:
        seqcore.__all__.remove("__control__")
        del seqcore.__control__
    assert report["no good call in tests/unit/api_calls.py"] == ["softmax"]
    assert report["no derived bad call (declare its domains with @params)"] == ["__control__"]


@pytest.mark.parametrize("name", ["softmax", "BM25Index", "BM25Index.top_k"])
def test_the_table_reaches_functions_classes_and_methods(name):
    domains = domains_of(GOOD[name]().fn)
    assert domains and all(isinstance(d, v.Domain) for d in domains.values())
