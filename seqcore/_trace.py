"""Formula ↔ code traceability.

Every display formula on the site carries a stable id (``rnn.hidden``,
``softmax.stable``…). The function that computes it says so with
:func:`implements`; the traceability check (``tests/tooling/test_traceability.py``)
then proves that every id on a page has exactly one implementation, that no
implementation claims an id no page shows, and that every implementation has a
test marked ``@pytest.mark.formula(id)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

#: formula id -> fully qualified name of the function that computes it
FORMULAS: dict[str, str] = {}

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")


def implements(*formula_ids: str) -> Callable[[F], F]:
    """Register the decorated function as the one implementation of ``formula_ids``."""

    def register(func: F) -> F:
        qualname = f"{func.__module__}.{func.__qualname__}"
        for fid in formula_ids:
            if not ID_PATTERN.match(fid):
                raise ValueError(
                    f"formula id {fid!r} of {qualname} must be lower-case words joined "
                    "by '.' or '-', e.g. 'rnn.hidden'"
                )
            if fid in FORMULAS and FORMULAS[fid] != qualname:
                raise ValueError(
                    f"formula id {fid!r} is claimed twice: by {FORMULAS[fid]} and {qualname}"
                )
            FORMULAS[fid] = qualname
        func.__formula_ids__ = tuple(formula_ids)  # type: ignore[attr-defined]
        return func

    return register
