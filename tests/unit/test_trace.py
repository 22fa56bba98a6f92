"""seqcore._trace: ``implements`` called directly: the registry and its two errors.

The decorators in seqcore run once at import, before any test; these calls are what a
changed ``implements`` would get wrong.
"""

from __future__ import annotations

import pytest

from seqcore import _trace
from seqcore._trace import implements
from tests.unit.errors import assert_error_names


@pytest.fixture
def registry(monkeypatch):
    fresh: dict[str, str] = {}
    monkeypatch.setattr(_trace, "FORMULAS", fresh)
    return fresh


def f():
    """A stand-in for a seqcore function."""


def g():
    """Another one."""


def test_registers_every_id_and_returns_the_function(registry):
    assert implements("a.one", "b-two.three4")(f) is f
    qualname = f"{__name__}.f"
    assert registry == {"a.one": qualname, "b-two.three4": qualname}
    assert f.__formula_ids__ == ("a.one", "b-two.three4")
    # The same function may claim its id again (a module imported twice).
    implements("a.one")(f)
    assert registry == {"a.one": qualname, "b-two.three4": qualname}


@pytest.mark.parametrize("bad", ["Rnn.hidden", "rnn..hidden", "rnn.", ".rnn", "rnn hidden",
                                 "rnn_hidden", ""])
def test_a_malformed_id_is_refused(registry, bad):
    assert_error_names(lambda: implements(bad)(f), ValueError,
                       [f"formula id {bad!r} of {__name__}.f must be lower-case words joined "
                        "by '.' or '-', e.g. 'rnn.hidden'"])
    assert registry == {}


def test_an_id_claimed_twice_is_refused(registry):
    implements("x.y")(f)
    assert_error_names(lambda: implements("x.y")(g), ValueError,
                       [f"formula id 'x.y' is claimed twice: by {__name__}.f and {__name__}.g"])
    assert registry == {"x.y": f"{__name__}.f"}
