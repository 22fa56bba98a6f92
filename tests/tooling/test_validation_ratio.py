"""The goal of issue 14, part 2, kept: in every seqcore module the public functions' bodies
hold no more lines that validate than lines that compute (``.ci/validation_ratio.py`` states
the rule), and the idioms the declarative domains replaced do not come back."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("validation_ratio",
                                               ROOT / ".ci" / "validation_ratio.py")
ratio = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ratio)


def test_validation_does_not_outnumber_math_in_any_module():
    rows, idioms = ratio.table()
    assert len(rows) >= 20, rows
    heavy = [f"{name}: {v} validation lines, {m} math lines" for name, _, v, m in rows if v > m]
    assert not heavy, "validation outnumbers math in " + "; ".join(heavy)
    assert not any(idioms.values()), idioms


def test_the_count_sees_validation_and_the_idioms(tmp_path: Path):
    """Negative control: a module checked by hand, with ``a["..."]`` lookups and a hand-typed
    name, counts as mostly validation, and each idiom is found."""
    (tmp_path / "_validate.py").write_text("def namespace(func, **a):\n    return None, a\n")
    (tmp_path / "heavy.py").write_text(textwrap.dedent('''
        __all__ = ["scale"]


        def scale(x, k):
            """x times k."""
            func = "scale"
            xp, a = namespace(func, x=x)
            x = a["x"]
            if not isinstance(k, int) or isinstance(k, bool):
                raise TypeError(f"{func}: `k` must be an integer; got {k!r}")
            if k < 1:
                raise ValueError(f"{func}: `k` must be >= 1; got {k}")
            dims = [("key",), ("batch", "key")][k - 1:k]
            return xp.matmul(x, x.T) * k, dims
    '''))
    rows, idioms = ratio.table(tmp_path)
    assert [(name, n) for name, n, _, _ in rows] == [("heavy", 1)]
    _, _, v, m = rows[0]
    assert (v, m) == (7, 2)
    assert idioms == {'a["…"] lookups': 1, "xp.matmul calls": 1, 'func = "…" names': 1,
                      "rank slicing [..][r-1:r]": 1}
