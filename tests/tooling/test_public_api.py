"""Every public name of seqcore has a bad-input test.

The rule, checked on the test sources' syntax tree (no import of the tests):
a public function or class ``f`` is *covered* when some test function in
``tests/`` uses ``pytest.raises`` and ``f`` is called

* inside the body of a ``with pytest.raises(...)`` block, or as the callable
  argument of the call form ``pytest.raises(Err, f, ...)``; or
* inside the first argument of ``assert_error_names(call, error, fragments)``
  (``tests/unit/errors.py``, which wraps ``pytest.raises``), which also makes the
  test a bad-input test; or
* in the argument list of that test function's ``@pytest.mark.parametrize``
  decorators (the usual table of bad calls, each a ``lambda`` that the
  ``with pytest.raises(error)`` block then invokes).

A call is ``f(...)`` or ``module.f(...)`` (an attribute call on a bare name,
such as ``seqcore.f(...)``); in a parametrize table, a bare reference ``f``
counts too (tables that pass the function itself).
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import seqcore

TESTS = Path(__file__).resolve().parent.parent   # every kind of test module, tests/*/

# Registry and decorator of the formula trace, and the error types themselves.
NOT_CHECKED = {"FORMULAS", "implements"}


def public_callables() -> list[str]:
    """The names of ``seqcore.__all__`` that take input: functions and non-exception classes."""
    names = []
    for name in seqcore.__all__:
        obj = getattr(seqcore, name)
        if name in NOT_CHECKED or not callable(obj):
            continue
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            continue
        names.append(name)
    return names


def _is_pytest_raises(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "raises" and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "pytest")


def _is_error_assertion(node: ast.AST) -> bool:
    """``assert_error_names(call, error, fragments)``: pytest.raises plus the message check."""
    return isinstance(node, ast.Call) and _called_name(node) == "assert_error_names"


def _called_name(call: ast.Call) -> str | None:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
        return f.attr
    return None


def _calls(nodes: list[ast.AST], bare_names: bool = False) -> set[str]:
    found: set[str] = set()
    for root in nodes:
        for node in ast.walk(root):
            if isinstance(node, ast.Call) and (name := _called_name(node)):
                found.add(name)
            elif bare_names and isinstance(node, ast.Name):
                found.add(node.id)
    return found


def _is_parametrize(dec: ast.AST) -> bool:
    return (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)
            and dec.func.attr == "parametrize")


def covered_names(source: str) -> set[str]:
    """Names called under ``pytest.raises`` (or in its test's parametrize table) in ``source``."""
    tree = ast.parse(source)
    covered: set[str] = set()
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        uses_raises = False
        for node in ast.walk(fn):
            if isinstance(node, ast.With | ast.AsyncWith) and any(
                    _is_pytest_raises(item.context_expr) for item in node.items):
                uses_raises = True
                covered |= _calls(node.body)
            elif _is_pytest_raises(node) and len(node.args) >= 2:
                uses_raises = True
                target = node.args[1]
                if isinstance(target, ast.Name):
                    covered.add(target.id)
                elif isinstance(target, ast.Attribute):
                    covered.add(target.attr)
                covered |= _calls(node.args[1:])
            elif _is_error_assertion(node) and node.args:
                uses_raises = True
                covered |= _calls(node.args[:1], bare_names=True)
        if uses_raises:
            tables = [dec for dec in fn.decorator_list if _is_parametrize(dec)]
            covered |= _calls(tables, bare_names=True)
    return covered


def uncovered() -> list[str]:
    covered: set[str] = set()
    for path in sorted(TESTS.glob("*/test_*.py")):
        covered |= covered_names(path.read_text(encoding="utf-8"))
    return [name for name in public_callables() if name not in covered]


def test_public_api_is_enumerated():
    names = public_callables()
    assert len(names) > 50, names
    assert "softmax" in names and "BM25Index" in names
    assert "ShapeError" not in names and "UnknownWordError" not in names


def test_every_public_function_has_a_bad_input_test():
    missing = uncovered()
    assert not missing, (
        f"{len(missing)} public seqcore name(s) have no bad-input test: {', '.join(missing)}.\n"
        "Add a case that calls each one inside `with pytest.raises(...)` (or in the "
        "parametrize table of a test that does), asserting the error type and that the "
        "message names the argument; see tests/unit/test_bad_input.py."
    )


def test_the_rule_sees_both_forms():
    source = '''
import pytest
@pytest.mark.parametrize("call", [lambda: alpha(1), lambda: mod.beta(2), gamma])
def test_table(call):
    with pytest.raises(ValueError):
        call()
def test_direct():
    with pytest.raises(TypeError, match="x"):
        delta("x")
    pytest.raises(ValueError, epsilon, 3)
def test_shared_assertion():
    assert_error_names(lambda: theta(0), ValueError, ["`x`"])
@pytest.mark.parametrize("call", [lambda: iota(1)])
def test_table_with_shared_assertion(call):
    assert_error_names(call, ValueError, [])
def test_not_a_bad_input_test():
    zeta(1)
@pytest.mark.parametrize("x", [eta(1)])
def test_table_without_raises(x):
    assert x
'''
    assert covered_names(source) >= {"alpha", "beta", "gamma", "delta", "epsilon", "theta",
                                     "iota"}
    assert not covered_names(source) & {"zeta", "eta"}
