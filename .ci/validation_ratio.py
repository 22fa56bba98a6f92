"""Validation lines against math lines in seqcore's public functions, per module.

    .venv/bin/python .ci/validation_ratio.py            # the table for this checkout
    .venv/bin/python .ci/validation_ratio.py --max 1.0  # exit 1 if a module exceeds the ratio

The rule (syntax only, nothing is imported or run):

- Counted: the bodies of the public functions (``__all__``) and of the public methods and
  ``__init__`` of the public classes, docstrings left out, plus the lines of their decorators
  that state parameter domains (``@params(...)``; ``@implements`` is traceability, not counted).
  A line is a physical source line that holds code (blank and comment-only lines are skipped).
- A statement is **validation** when it raises (a ``raise``; an ``if`` whose branches all
  end in ``raise``; a loop whose body only checks and raises), assigns the function's name
  as a string (``func = "name"``), unpacks checked arrays by name (``x = a["x"]``), or calls
  a validator: a function of ``seqcore._validate``, or a private helper of seqcore whose own
  body is mostly validation by this same rule (found by iterating to a fixed point:
  ``_check_df``, ``_query_and_keys``...).
- Every other statement is **math** (computing, looping, returning the result). Loops and
  other compound statements are judged line by line: the header is math, each statement
  of the body is classified by these rules.

Also counted, over all of seqcore: ``a["..."]`` lookups, ``xp.matmul`` calls, hand-typed
``func = "..."`` names, and the rank-slicing idiom ``[...][r - 1:r]``.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "seqcore"
DOMAIN_DECORATORS = {"params"}


def _code_lines(source_lines: list[str], first: int, last: int) -> set[int]:
    return {i for i in range(first, last + 1)
            if source_lines[i - 1].strip() and not source_lines[i - 1].strip().startswith("#")}


def _called(node: ast.AST) -> set[str]:
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            f = sub.func
            if isinstance(f, ast.Name):
                names.add(f.id)
            elif isinstance(f, ast.Attribute):
                names.add(f.attr)
    return names


def _raises(node: ast.AST) -> bool:
    return any(isinstance(sub, ast.Raise) for sub in ast.walk(node))


def _is_validation(stmt: ast.stmt, validators: set[str]) -> bool:
    if isinstance(stmt, ast.Raise):
        return True
    if isinstance(stmt, ast.If) and _guard(stmt):
        return True
    if isinstance(stmt, ast.For) and _raises_only(stmt):
        return True
    if isinstance(stmt, ast.Assign):
        v = stmt.value
        if isinstance(v, ast.Constant) and isinstance(v.value, str) and any(
                isinstance(t, ast.Name) and t.id == "func" for t in stmt.targets):
            return True
        parts = v.elts if isinstance(v, ast.Tuple) else [v]
        if parts and all(isinstance(p, ast.Subscript) and isinstance(p.value, ast.Name)
                         and p.value.id == "a" and isinstance(p.slice, ast.Constant)
                         for p in parts):
            return True
    return bool(_called(stmt) & validators)


def _body(fn: ast.FunctionDef) -> list[ast.stmt]:
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def _count(fn: ast.FunctionDef, lines: list[str], validators: set[str]) -> tuple[int, int]:
    val: set[int] = set()
    math: set[int] = set()
    for dec in fn.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(target, ast.Name) and target.id in DOMAIN_DECORATORS:
            val |= _code_lines(lines, dec.lineno, dec.end_lineno)
    def visit(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if _is_validation(stmt, validators) and not (
                    isinstance(stmt, ast.For | ast.While | ast.With | ast.Try)
                    and not _raises_only(stmt)):
                val.update(_code_lines(lines, stmt.lineno, stmt.end_lineno))
            elif isinstance(stmt, ast.For | ast.While | ast.If | ast.With | ast.Try):
                # a compound statement: its header computes, its body is judged line by line
                first = (stmt.body[0].lineno - 1) if stmt.body else stmt.end_lineno
                math.update(_code_lines(lines, stmt.lineno, first))
                for block in ("body", "orelse", "finalbody"):
                    visit(getattr(stmt, block, []))
                for handler in getattr(stmt, "handlers", []):
                    visit(handler.body)
            else:
                math.update(_code_lines(lines, stmt.lineno, stmt.end_lineno))

    visit(_body(fn))
    return len(val), len(math - val)


def _guard(stmt: ast.If) -> bool:
    """``if bad: raise ...`` (an ``elif``/``else`` that raises too): a check, not a branch of
    the computation."""
    def raises_only(body: list[ast.stmt]) -> bool:
        return bool(body) and all(
            isinstance(b, ast.Raise) or (isinstance(b, ast.If) and _guard(b))
            or (isinstance(b, ast.Assign | ast.Expr) and _raises_later(body)) for b in body)
    return raises_only(stmt.body) and (not stmt.orelse or raises_only(stmt.orelse))


def _raises_later(body: list[ast.stmt]) -> bool:
    return isinstance(body[-1], ast.Raise)


def _raises_only(stmt: ast.stmt) -> bool:
    """A loop whose body only checks (``for x in xs: if bad(x): raise ...``)."""
    body = getattr(stmt, "body", [])
    return bool(body) and all(isinstance(b, ast.If | ast.Raise) and _raises(b) for b in body)


def _modules(package: Path = PACKAGE) -> dict[str, tuple[ast.Module, list[str]]]:
    out = {}
    for path in sorted(package.glob("*.py")):
        src = path.read_text(encoding="utf-8")
        out[path.stem] = (ast.parse(src), src.splitlines())
    return out


def _validators(mods: dict[str, tuple[ast.Module, list[str]]]) -> set[str]:
    """The functions of _validate plus the private helpers that mostly validate (fixed point)."""
    validators = {n.name for n in mods["_validate"][0].body
                  if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    helpers = [(n, lines) for tree, lines in mods.values() for n in ast.walk(tree)
               if isinstance(n, ast.FunctionDef) and n.name.startswith("_")
               and not n.name.startswith("__")]
    changed = True
    while changed:
        changed = False
        for fn, lines in helpers:
            if fn.name in validators:
                continue
            v, m = _count(fn, lines, validators)
            if v and v >= m:
                validators.add(fn.name)
                changed = True
    return validators


def _public_functions(tree: ast.Module) -> list[ast.FunctionDef]:
    exported: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            exported = {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in exported:
            out.append(node)
        elif isinstance(node, ast.ClassDef) and node.name in exported:
            out += [m for m in node.body if isinstance(m, ast.FunctionDef)
                    and (not m.name.startswith("_") or m.name == "__init__")]
    return out


def table(package: Path = PACKAGE) -> tuple[list[tuple[str, int, int, int]], dict[str, int]]:
    """Per public module: (name, public functions, validation lines, math lines); and the
    counts of the idioms, over every module of ``package``."""
    mods = _modules(package)
    validators = _validators(mods)
    rows = []
    for name, (tree, lines) in mods.items():
        if name.startswith("_"):
            continue
        fns = _public_functions(tree)
        if not fns:
            continue
        v = m = 0
        for fn in fns:
            fv, fm = _count(fn, lines, validators)
            v, m = v + fv, m + fm
        rows.append((name, len(fns), v, m))
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(package.glob("*.py")))
    idioms = {
        'a["…"] lookups': len(re.findall(r'\ba\["', text)),
        "xp.matmul calls": len(re.findall(r"\bxp\.matmul\(", text)),
        'func = "…" names': len(re.findall(r'\bfunc = "', text)),
        "rank slicing [..][r-1:r]": len(re.findall(r"\]\[\s*\w+\s*[-+]?\s*\d*\s*:\s*\w+", text)),
    }
    return rows, idioms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=float, default=None,
                        help="fail when a module's validation/math ratio is above this")
    parser.add_argument("--functions", metavar="MODULE", default=None,
                        help="also list each public function of MODULE")
    args = parser.parse_args()
    if args.functions:
        mods = _modules()
        validators = _validators(mods)
        tree, lines = mods[args.functions]
        for fn in _public_functions(tree):
            print(f"  {fn.name:28s}", *_count(fn, lines, validators))
    rows, idioms = table()
    print(f"{'module':14s}{'public':>7s}{'validate':>10s}{'math':>7s}{'ratio':>8s}")
    too_high = []
    tv = tm = 0
    for name, n, v, m in rows:
        ratio = v / m if m else float("inf")
        tv, tm = tv + v, tm + m
        print(f"{name:14s}{n:7d}{v:10d}{m:7d}{ratio:8.2f}")
        if args.max is not None and ratio > args.max:
            too_high.append(f"{name} ({ratio:.2f})")
    print(f"{'all':14s}{sum(r[1] for r in rows):7d}{tv:10d}{tm:7d}{tv / tm:8.2f}")
    for what, n in idioms.items():
        print(f"{what}: {n}")
    if too_high:
        print(f"validation outnumbers math (ratio > {args.max}) in: {', '.join(too_high)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
