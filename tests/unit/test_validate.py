"""The checks themselves (seqcore._validate): declared domains, shapes, the decorator.

Here the wording of the expectations is the thing under test (each domain describes itself
once, for every function that declares it), so exact texts are asserted. The functions'
own bad inputs are derived from their domains in ``tests/unit/test_validation.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from seqcore import _validate as v
from seqcore import cosine_similarity, rnn_step
from seqcore._validate import (
    Axis,
    Bools,
    Counts,
    FilePath,
    Flag,
    Floats,
    Function,
    Group,
    Integer,
    Ints,
    Mask,
    MissingKeysError,
    Named,
    Options,
    OutOfRangeError,
    Probabilities,
    Real,
    Seed,
    ShapeError,
    Text,
    TokenIds,
    Tokens,
    params,
    shapes,
)
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")


def fails(domain, value, dims=None):
    """The exception a domain raises for ``value``, as (type, message)."""
    with pytest.raises((TypeError, ValueError)) as info:
        domain.check("f", "p", value, dims or {})
    return type(info.value), str(info.value)


# --- scalar domains -----------------------------------------------------------------------------

# The domains are made in the test, not when the module is collected: mutmut's children fork
# after collection, so a domain made then would never run a mutated constructor.
@pytest.mark.parametrize(("make", "text"), [
    (lambda: Integer(), "an integer"),
    (lambda: Integer(ge=1), "an integer >= 1"),
    (lambda: Integer(gt=0), "an integer >= 1"),            # integers: said as a closed range
    (lambda: Integer(le=4), "an integer <= 4"),
    (lambda: Integer(le=10), "an integer <= 10"),          # a bound of two digits
    (lambda: Integer(lt=5), "an integer <= 4"),
    (lambda: Integer(ge=0, lt=5), "an integer in [0, 4]"),
    (lambda: Integer(ge=1, optional=True), "an integer >= 1, or None"),
    (lambda: Integer(ge=2, multiple_of=2), "an integer >= 2 and even"),
    (lambda: Integer(multiple_of=3), "an integer and a multiple of 3"),
    (lambda: Integer(ge=1, divides="d"), "an integer >= 1 that divides d"),
    (lambda: Real(), "a finite number"),
    (lambda: Real(gt=0), "a finite number > 0"),
    (lambda: Real(ge=0), "a finite number >= 0"),
    (lambda: Real(le=1), "a finite number <= 1"),
    (lambda: Real(le=10), "a finite number <= 10"),
    (lambda: Real(lt=1), "a finite number < 1"),
    (lambda: Real(ge=0, lt=1), "a finite number in [0, 1)"),
    (lambda: Real(gt=0, le=1), "a finite number in (0, 1]"),
    (lambda: Real(finite=False), "a number (not NaN)"),
    (lambda: Real(optional=True), "a finite number, or None"),
    (lambda: Options("a", "b"), "one of 'a', 'b'"),
    (lambda: Options("l2", None), "one of 'l2', None"),
    (lambda: Flag(), "True or False"),
    (lambda: Function(), "a callable"),
    (lambda: Function(optional=True), "a callable or None"),
    (lambda: Text(), "a str"),
    (lambda: Tokens(), "a list of str tokens (tokenize first)"),
    (lambda: Tokens(nested=True), "a list of tokenized sentences (lists of str)"),
    (lambda: Tokens(nested=True, nonempty=True),
     "a non-empty list of tokenized sentences (lists of str)"),
    (lambda: TokenIds(), "a sequence of integer token ids >= 0"),
    (lambda: TokenIds(nonempty=True, optional=True),
     "a non-empty sequence of integer token ids >= 0, or None"),
    (lambda: Seed(), "a seed (an integer >= 0), a numpy.random.Generator or None"),
    (lambda: Named(), "a non-empty dict of named arrays"),
    (lambda: Named(optional=True), "a non-empty dict of named arrays, or None"),
    (lambda: FilePath(), "a path (str or os.PathLike)"),
    (lambda: FilePath(".npz"), "a path (str or os.PathLike) ending in .npz"),
])
def test_every_domain_describes_itself(make, text):
    assert make().describe() == text


def test_dimension_bounds_are_said_with_their_sizes():
    assert Integer(ge=0, le="time").describe({"time": 5}) == "an integer in [0, 5]"
    assert Integer(ge=0, lt="vocab").describe({"vocab": 3}) == "an integer in [0, 2]"
    assert Integer(ge=1, divides="d").describe({"d": 6}) == "an integer >= 1 that divides d=6"
    assert Real(gt=0, le="alpha").describe({"alpha": 0.5}) == "a finite number in (0, 0.5]"
    assert TokenIds(lt="vocab").describe({"vocab": 4}) == \
        "a sequence of integer token ids in [0, 3]"
    assert Axis("z").describe({"ndim:z": 2}) == "an integer in [-2, 1] (an axis of the 2-D `z`)"
    assert Axis("z").describe() == "an integer (an axis of `z`)"


def test_integers():
    d = Integer(ge=1, le=4)
    assert type(d.check("f", "p", np.int64(3), {})) is int
    assert d.check("f", "p", 1, {}) == 1 and d.check("f", "p", 4, {}) == 4     # bounds inclusive
    assert fails(d, 0) == (ValueError, "f: `p` must be an integer in [1, 4]; got 0")
    assert fails(d, 5) == (ValueError, "f: `p` must be an integer in [1, 4]; got 5")
    assert fails(d, True) == (TypeError, "f: `p` must be an integer in [1, 4]; got bool (True)")
    assert fails(d, np.True_)[0] is TypeError
    assert fails(d, 2.0) == (TypeError, "f: `p` must be an integer in [1, 4]; got float (2.0)")
    assert fails(d, "2")[0] is TypeError
    assert fails(d, None)[0] is TypeError
    assert Integer(optional=True).check("f", "p", None, {}) is None
    assert Integer(gt=0, lt=3).check("f", "p", 2, {}) == 2
    assert fails(Integer(gt=0, lt=3), 3)[0] is ValueError
    assert fails(Integer(gt=0, lt=3), 0)[0] is ValueError
    # a bound named after a dimension makes the integer an index: also an IndexError
    assert fails(Integer(ge=0, lt="vocab"), 3, {"vocab": 3})[0] is OutOfRangeError
    assert issubclass(OutOfRangeError, IndexError) and issubclass(OutOfRangeError, ValueError)
    assert fails(Integer(ge=2, multiple_of=2), 3) == (
        ValueError, "f: `p` must be an integer >= 2 and even; got 3")
    assert Integer(ge=2, multiple_of=2).check("f", "p", 4, {}) == 4
    heads = Integer(ge=1, divides="d", hint=" so that it fits")
    assert heads.check("f", "p", 3, {"d": 6}) == 3
    assert fails(heads, 4, {"d": 6}) == (ValueError,
                                        "f: d=6 must be divisible by `p`=4 so that it fits")
    assert fails(heads, 0, {"d": 6}) == (
        ValueError, "f: `p` must be an integer >= 1 that divides d=6; got 0 so that it fits")


def test_reals():
    d = Real(gt=0, hint=". Advice")
    assert d.check("f", "p", np.float32(0.5), {}) == 0.5
    assert type(d.check("f", "p", np.float32(0.5), {})) is float
    assert d.check("f", "p", 2, {}) == 2.0 and type(d.check("f", "p", 2, {})) is float
    assert fails(d, 0.0) == (ValueError, "f: `p` must be a finite number > 0; got 0.0. Advice")
    assert fails(d, math.nan)[0] is ValueError
    assert fails(d, math.inf) == (ValueError, "f: `p` must be a finite number > 0; got inf. Advice")
    assert fails(d, -math.inf)[0] is ValueError
    assert fails(d, "1") == (TypeError, "f: `p` must be a finite number > 0; got str ('1'). Advice")
    assert fails(d, True)[0] is TypeError
    assert fails(d, np.ones(1))[0] is TypeError
    assert Real(finite=False).check("f", "p", math.inf, {}) == math.inf
    assert fails(Real(finite=False), math.nan)[0] is ValueError
    assert Real(ge=0, le=1).check("f", "p", 0, {}) == 0.0
    assert Real(ge=0, le=1).check("f", "p", 1, {}) == 1.0
    assert fails(Real(ge=0, le=1), 1.5)[0] is ValueError
    assert fails(Real(ge=0, lt=1), 1.0)[0] is ValueError
    assert Real(optional=True).check("f", "p", None, {}) is None
    assert Real(gt=0, le="alpha").check("f", "p", 0.5, {"alpha": 0.5}) == 0.5
    assert fails(Real(gt=0, le="alpha"), 0.6, {"alpha": 0.5})[0] is ValueError


def test_options_flags_functions_text():
    d = Options("a", "b")
    assert d.check("f", "p", "b", {}) == "b"
    assert fails(d, "c") == (ValueError, "f: `p` must be one of 'a', 'b'; got 'c'")
    assert fails(d, 1) == (TypeError, "f: `p` must be one of 'a', 'b'; got int (1)")
    assert fails(d, None)[0] is ValueError
    assert Options("x", None).check("f", "p", None, {}) is None
    assert Flag().check("f", "p", np.True_, {}) is True
    assert Flag().check("f", "p", False, {}) is False
    for bad in (0, 1, "yes", None):
        assert fails(Flag(), bad)[0] is TypeError
    assert Function().check("f", "p", len, {}) is len
    assert fails(Function("a callable step"), 3) == (TypeError,
                                                    "f: `p` must be a callable step; got int (3)")
    assert Function(optional=True).check("f", "p", None, {}) is None
    assert Text().check("f", "p", "x", {}) == "x"
    assert fails(Text(), b"x")[0] is TypeError


def test_tokens_and_ids():
    assert Tokens().check("f", "p", ["a", "b"], {}) == ["a", "b"]
    assert fails(Tokens(), "a b") == (TypeError, "f: `p` must be a list of str tokens (tokenize "
                                                 "first); got str ('a b')")
    assert fails(Tokens(), ["a", 3]) == (TypeError, "f: `p` must hold str tokens only; got int "
                                                    "(3) at position 1")
    assert Tokens(nested=True).check("f", "p", iter([["a"], ("b",)]), {}) == [["a"], ("b",)]
    assert fails(Tokens(nested=True), [["a"], [1]])[1] == (
        "f: `p[1]` must hold str tokens only; got int (1) at position 0")
    assert fails(Tokens(nested=True), "ab")[0] is TypeError
    assert fails(Tokens(nested=True), 5)[0] is TypeError
    assert fails(Tokens(nested=True, nonempty=True), [])[0] is ValueError
    ids = TokenIds()
    assert ids.check("f", "p", [1, np.int64(2)], {}) == (1, 2)
    assert ids.check("f", "p", np.array([[3, 4]]), {}) == (3, 4)
    assert ids.check("f", "p", torch.tensor([5]), {}) == (5,)
    assert ids.check("f", "p", (), {}) == ()
    assert fails(ids, [0, -1]) == (OutOfRangeError, "f: `p` must be a sequence of integer "
                                                    "token ids >= 0; got (0, -1)")
    assert fails(ids, [1.0]) == (TypeError, "f: `p` must be a sequence of integer token ids "
                                            ">= 0; got float (1.0) among them")
    assert fails(ids, [True])[0] is TypeError
    assert fails(ids, "12")[0] is TypeError
    assert fails(ids, 3)[0] is TypeError
    assert fails(TokenIds(nonempty=True), [])[0] is ValueError
    assert fails(TokenIds(lt="vocab"), [3], {"vocab": 3})[0] is OutOfRangeError
    assert fails(TokenIds(lt=3), [-1])[0] is OutOfRangeError       # a fixed bound
    assert fails(TokenIds(lt=3), [3])[1].endswith("token ids in [0, 2]; got (3,)")
    assert TokenIds(lt=3).check("f", "p", [2, 0], {}) == (2, 0)
    assert TokenIds(optional=True).check("f", "p", None, {}) is None


def test_seeds():
    g = np.random.default_rng(0)
    assert Seed().check("f", "p", g, {}) is g
    a, b = Seed().check("f", "p", np.int64(7), {}), Seed().check("f", "p", 7, {})
    assert a.random() == b.random()
    assert isinstance(Seed().check("f", "p", None, {}), np.random.Generator)
    assert fails(Seed(), -1) == (ValueError, "f: `p` must be a seed (an integer >= 0), a "
                                             "numpy.random.Generator or None; got -1")
    assert fails(Seed(), 1.5)[0] is TypeError
    assert fails(Seed(), True)[0] is TypeError


# --- shapes ---------------------------------------------------------------------------------------

def test_shapes_bind_named_dimensions():
    dims = shapes("f", W=(np.ones((4, 3)), ("hidden", "input")), x=(np.ones(3), ("input",)))
    assert dims == {"hidden": 4, "input": 3}
    with pytest.raises(ShapeError) as info:
        shapes("f", W=(np.ones((4, 3)), ("hidden", "input")), x=(np.ones(5), ("input",)))
    assert str(info.value) == ("f: `x` must have shape (input,) = (3,), because `W` fixes "
                               "input=3; got (5,)")
    with pytest.raises(ShapeError) as info:
        shapes("f", x=(np.ones((2, 3)), ("input",)))
    assert str(info.value) == "f: `x` must be 1-D (input,); got 2-D shape (2, 3)"
    assert shapes("f", x=(None, ("a",))) == {}


def test_an_optional_axis_is_decided_by_the_first_argument():
    assert shapes("f", x=(np.ones(3), ("batch?", "input")),
                  h=(np.ones(4), ("batch?", "hidden"))) == {"input": 3, "hidden": 4}
    assert shapes("f", x=(np.ones((2, 3)), ("batch?", "input")),
                  h=(np.ones((2, 4)), ("batch?", "hidden")))["batch"] == 2
    cases = [
        ((np.ones((2, 3)), np.ones(4)), "f: `h` must be 2-D (batch, hidden), because `x` has a "
                                        "batch axis; got 1-D shape (4,)"),
        ((np.ones(3), np.ones((2, 4))), "f: `h` must be 1-D (hidden,), because `x` has no batch "
                                        "axis; got 2-D shape (2, 4)"),
        ((np.ones((1, 1, 3)), np.ones(4)), "f: `x` must be 1-D (input,) or 2-D (batch, input); "
                                           "got 3-D shape (1, 1, 3)"),
    ]
    for (x, h), message in cases:
        with pytest.raises(ShapeError) as info:
            shapes("f", x=(x, ("batch?", "input")), h=(h, ("batch?", "hidden")))
        assert str(info.value) == message
    # in the middle: a time-major sequence and its state
    dims = shapes("f", xs=(np.ones((5, 2, 3)), ("time", "batch?", "input")),
                  h0=(np.ones((2, 4)), ("batch?", "hidden")))
    assert dims == {"time": 5, "batch": 2, "input": 3, "hidden": 4}
    with pytest.raises(ValueError, match="at most one optional axis"):
        shapes("f", x=(np.ones((2, 3)), ("a?", "b?")))


def test_leading_axes_are_the_same_for_every_argument():
    dims = shapes("f", Q=(np.ones((2, 3, 4)), ("...", "n", "d")),
                  K=(np.ones((2, 5, 4)), ("...", "m", "d")))
    assert dims == {"n": 3, "d": 4, "m": 5, "...": (2,)}
    assert shapes("f", z=(np.ones(3), ("...", "k"))) == {"k": 3, "...": ()}
    with pytest.raises(ShapeError) as info:
        shapes("f", Q=(np.ones((2, 3, 4)), ("...", "n", "d")),
               K=(np.ones((3, 3, 4)), ("...", "m", "d")))
    assert str(info.value) == "f: `K` must have the leading axes (2,) of `Q`; got shape (3, 3, 4)"
    with pytest.raises(ShapeError) as info:
        shapes("f", u=(np.ones(3), ("...",)), v=(np.ones(4), ("...",)))
    assert str(info.value) == "f: `v` must have the shape (3,) of `u`; got shape (4,)"
    with pytest.raises(ShapeError) as info:
        shapes("f", Q=(np.ones((2, 3, 4)), ("...", "n", "d")),
               K=(np.ones((2, 5, 6)), ("...", "m", "d")))
    assert str(info.value) == ("f: `K` must have shape (..., m, d) = (..., 5, 4), because `Q` "
                               "fixes d=4; got (2, 5, 6)")
    with pytest.raises(ShapeError) as info:
        shapes("f", z=(np.ones(()), ("...", "k")))
    assert str(info.value) == "f: `z` must be at least 1-D (..., k); got 0-D shape ()"


def test_stacked_axes():
    dims = shapes("f", W_hh=(np.ones((12, 3)), ("4*hidden", "hidden")),
                  W_ih=(np.ones((12, 5)), ("4*hidden", "input")))
    assert dims == {"hidden": 3, "input": 5}
    messages = {
        "self": "f: `W_hh` must have shape (4*hidden, hidden) = (16, 4) (hidden=4 from its other "
                "axis); got (12, 4)",
        "other": "f: `b` must have shape (4*hidden,) = (12,), because `W_hh` fixes hidden=3; got "
                 "(10,)",
        "multiple": "f: `b` must have shape (4*hidden,) = (4*hidden,) (4*hidden: a multiple of "
                    "4); got (10,)",
    }
    specs = {
        "self": {"W_hh": (np.ones((12, 4)), ("4*hidden", "hidden"))},
        "other": {"W_hh": (np.ones((12, 3)), ("4*hidden", "hidden")),
                  "b": (np.ones(10), ("4*hidden",))},
        "multiple": {"b": (np.ones(10), ("4*hidden",))},
    }
    for key, spec in specs.items():
        with pytest.raises(ShapeError) as info:
            shapes("f", **spec)
        assert str(info.value) == messages[key]
    assert shapes("f", b=(np.ones(8), ("4*hidden",))) == {"hidden": 2}


def test_a_summed_axis_is_as_long_as_its_parts():
    """``"d_y+d_h"`` (a weight that reads ``[y; c]``): its parts bound first, the message
    gives the sum it expected and the parts it added."""
    y, h = (np.ones((2, 2)), ("batch", "d_y")), (np.ones((2, 5)), ("batch", "d_h"))
    assert shapes("f", y=y, h=h, W=(np.ones((9, 7)), ("3*n", "d_y+d_h"))) == {
        "batch": 2, "d_y": 2, "d_h": 5, "n": 3}
    with pytest.raises(ShapeError) as info:
        shapes("f", y=y, h=h, W=(np.ones((9, 8)), ("3*n", "d_y+d_h")))
    assert str(info.value) == ("f: `W` must have shape (3*n, d_y+d_h) = (9, 7) "
                               "(d_y+d_h: d_y=2 + d_h=5); got (9, 8)")


def test_a_summed_axis_given_before_its_parts_is_checked_once_they_are_bound():
    """The weight may come first among the arguments: its sum is checked after the
    arguments that bind the parts, with the same message (it was once not checked)."""
    y, h = (np.ones((2, 2)), ("batch", "d_y")), (np.ones((2, 5)), ("batch", "d_h"))
    assert shapes("f", W=(np.ones((9, 7)), ("3*n", "d_y+d_h")), y=y, h=h) == {
        "batch": 2, "d_y": 2, "d_h": 5, "n": 3}
    with pytest.raises(ShapeError) as info:
        shapes("f", W=(np.ones((9, 8)), ("3*n", "d_y+d_h")), y=y, h=h)
    assert str(info.value) == ("f: `W` must have shape (3*n, d_y+d_h) = (9, 7) "
                               "(d_y+d_h: d_y=2 + d_h=5); got (9, 8)")
    # a part nothing binds leaves the sum unchecked, as there is nothing to add up
    assert shapes("f", W=(np.ones((9, 8)), ("3*n", "d_y+d_h")), y=y) == {
        "batch": 2, "d_y": 2, "n": 3}


def test_alternative_patterns_still_work():
    """The list form of the patterns before the optional axis, kept for hand-written checks."""
    dims = shapes("f", x=(np.ones((2, 3)), [("input",), ("batch", "input")]))
    assert dims == {"batch": 2, "input": 3}
    with pytest.raises(ShapeError) as info:
        shapes("f", x=(np.ones((1, 2, 3)), [("input",), ("batch", "input")]))
    assert str(info.value) == ("f: `x` must be 1-D (input,) or 2-D (batch, input); got 3-D "
                               "shape (1, 2, 3)")


# --- array domains ------------------------------------------------------------------------------

def test_array_domains_describe_their_axes():
    assert Floats("batch?", "input").describe() == "a floating array (batch, input)"
    assert Floats().describe() == "a floating array"
    assert Ints(...).describe() == "an integer array (...,)"
    assert Bools("n").describe() == "a boolean array (n,)"
    assert Counts("docs", "terms").describe() == "an array of numbers >= 0 (docs, terms)"
    assert Counts(integer=True).describe() == "an integer array of counts"
    assert Probabilities("v").describe() == "a floating array of probabilities (v,)"
    assert Floats(promote=True).describe() == "a numeric array"
    assert Mask(..., "n_q", "n_k").describe() == ("a boolean mask that broadcasts to the scores "
                                                  "(..., n_q, n_k)")
    assert Group(a=Floats(), b=Floats()).describe() == "a tuple (or a mapping) of a, b"


def test_dtype_kinds():
    kind = v.dtype_kind
    assert [kind(np.ones(1, d)) for d in (np.float32, np.int8, np.uint16, bool, complex)] == \
        ["f", "i", "i", "b", "c"]
    assert kind(np.array(["a"])) == "O" and kind(np.array([None])) == "O"
    assert [kind(torch.ones(1, dtype=d)) for d in (torch.float16, torch.int64, torch.uint8,
                                                  torch.bool, torch.complex64)] == \
        ["f", "i", "i", "b", "c"]


@params(x=Floats("batch?", "input"), W=Floats("hidden", "input"), h=Floats("batch?", "hidden"),
        ids=Ints(ge=0, lt="hidden", optional=True), k=Integer(ge=1, le="hidden"),
        mask=Bools(optional=True))
def affine(x, W, h=None, ids=None, k=1, mask=None):
    """A small function with declared domains (for the decorator's own tests)."""
    return x @ W.T, h, ids, k, mask


def test_an_array_domain_checks_one_array_on_its_own():
    """``Array.check``, the domain interface outside ``@params``: the array back, or the
    error of its shape or dtype, naming the function and the argument."""
    a = np.ones(2)
    assert Floats("n").check("f", "p", a, {}) is a
    with pytest.raises(ShapeError) as info:
        Floats("n").check("f", "p", np.ones((2, 2)), {})
    assert str(info.value) == "f: `p` must be 1-D (n,); got 2-D shape (2, 2)"
    assert fails(Floats("n"), np.ones(2, dtype=int))[1].startswith(
        "f: `p` must have a real floating dtype (float32 or float64); got int64")


def test_array_domains_made_here_keep_their_settings():
    """Each constructor's settings, seen through ``check`` (domains made in the test)."""
    assert fails(Floats("n"), None) == (TypeError, "f: `p` must be a floating array (n,); got None")
    assert Floats("n", optional=True).check("f", "p", None, {}) is None
    assert Mask("n_q", "n_k").check("f", "p", None, {}) is None    # optional unless said
    assert fails(Mask("n_q", "n_k", optional=False), None)[0] is TypeError
    on_host = Floats("n", host=True).check("f", "p", torch.ones(2, dtype=torch.float64), {})
    assert isinstance(on_host, np.ndarray)
    assert isinstance(Floats("n").check("f", "p", torch.ones(2, dtype=torch.float64), {}),
                      torch.Tensor)
    matrix = sp.csr_array(np.ones((2, 3)))
    assert sp.issparse(Floats("d", "t", sparse=True).check("f", "p", matrix, {}))
    assert fails(Floats("d", "t"), matrix)[0] is TypeError
    with pytest.raises(ShapeError, match="at least one entry along its t axis"):
        Floats("d", "t", nonempty=("d", "t")).check("f", "p", np.ones((2, 0)), {})
    with pytest.raises(ShapeError, match="at least one entry along its d axis"):
        Floats("d", "t", nonempty="d").check("f", "p", np.ones((0, 2)), {})
    assert Floats("n", promote=True).check("f", "p", np.array([1, 2]), {}).dtype == np.float64
    assert fails(Floats("n", promote=True), np.array(["a"], dtype=object))[1].startswith(
        "f: `p` must have a real dtype (floating, integer, bool); got object. Convert it")
    assert fails(v.Array("n"), np.array(["a"], dtype=object)) == (
        TypeError, "f: `p` must have a numeric dtype; got object")
    counts = Counts("n", integer=True)
    assert counts.check("f", "p", np.array([1, 2]), {}).dtype == np.int64
    assert counts.check("f", "p", np.zeros(0), {}).dtype == np.int64   # [] is no float
    assert fails(counts, np.array([1.5])) == (
        TypeError, "f: `p` must have an integer dtype; got float64")
    assert Counts("n").check("f", "p", np.array([1, 2]), {}).dtype == np.float64
    assert Mask.sizes("...", {}) == () and Mask.sizes("batch?", {}) == ()
    assert Mask.sizes("batch?", {"batch": 4}) == (4,)


def test_scalar_domains_made_here_keep_their_settings():
    assert Options("l2", None).optional and not Options("a", "b").optional
    assert not Flag().dependent() and not Integer(ge=1).dependent()
    assert Integer(ge=1, divides="d").dependent() and Integer(le="time").dependent()
    assert fails(Real(ge=0, le=1), 1.5) == (
        ValueError, "f: `p` must be a finite number in [0, 1]; got 1.5")     # no hint unless given


def test_the_decorator_works_out_its_plan_when_applied():
    """What ``params`` settles once, when it decorates: which domains are checked before the
    arrays and which after (their bounds name sizes, or parameters left at their defaults),
    and the name messages start with. Decorated here, not at import: mutmut forks its
    children after the imports, so an import-time decoration never runs a mutated ``params``."""

    @params(x=Floats("time"), k=Integer(ge=0, le="time"), n=Integer(ge=1),
            p=Real(gt=0, le="alpha"))
    def f(x, k=0, n=1, p=0.1, alpha=0.5):
        return k, n, p

    assert f(np.ones(3), k=3, n=2, p=0.5) == (3, 2, 0.5)
    assert_error_names(lambda: f(np.ones(3), k=4), OutOfRangeError,
                       ["f: `k` must be an integer in [0, 3]; got 4"])
    assert_error_names(lambda: f(np.ones(3), p=0.6), ValueError,     # alpha at its default
                       ["f: `p` must be a finite number in (0, 0.5]; got 0.6"])
    assert f(np.ones(3), p=0.6, alpha=1.0)[2] == 0.6
    # a domain that needs no size is checked first, before a bad array
    assert_error_names(lambda: f(np.ones((3, 3)), n=0), ValueError,
                       ["f: `n` must be an integer >= 1; got 0"])

    class Net:
        @params(k=Integer(ge=1))
        def __init__(self, k):
            self.k = k

    message = assert_error_names(lambda: Net(0), ValueError, ["Net: `k` must be"])
    assert message.startswith("test_the_decorator_works_out_its_plan_when_applied.Net: `k`")


def test_the_decorator_converts_and_checks():
    x, W, h = [1.0, 2.0], np.ones((3, 2)), np.zeros(3)
    out, _, ids, k, _ = affine(x, W, h, ids=[0, 2], k=np.int64(3))
    np.testing.assert_array_equal(out, [3.0, 3.0, 3.0])
    assert isinstance(ids, np.ndarray) and ids.dtype.kind == "i" and type(k) is int
    assert affine.__params__["k"].bounds == (1, None, "hidden", None)
    assert affine.__name__ == "affine" and "declared domains" in affine.__doc__
    assert_error_names(lambda: affine(x, W, h, k=4), ValueError,
                       ["affine: `k` must be an integer in [1, 3]; got 4"])
    assert_error_names(lambda: affine(x, W, h, ids=[3]), IndexError,
                       ["affine: `ids` must hold ids in [0, 2] (hidden=3); got values from 3 to 3"])
    assert_error_names(lambda: affine(x, W, h, ids=[-1]), ValueError, ["affine: `ids`", "[0, 2]"])
    assert_error_names(lambda: affine(x, W, h, ids=[0.5]), TypeError,
                       ["affine: `ids` must have an integer dtype; got float64"])
    assert_error_names(lambda: affine(x, W, h, mask=np.ones(2)), TypeError,
                       ["affine: `mask` must have a boolean dtype; got float64"])
    assert_error_names(lambda: affine(x, None), TypeError,
                       ["affine: `W` must be a floating array (hidden, input); got None"])
    assert_error_names(lambda: affine(np.ones(2, dtype=int), W), TypeError,
                       ["affine: `x` must have a real floating dtype (float32 or float64); got "
                        "int64. Convert it first"])
    assert_error_names(lambda: affine(np.ones(2, np.float32), W), TypeError,
                       ["affine: `W` has dtype float64 but `x` has float32; use one floating "
                        "dtype for all arguments"])
    assert_error_names(lambda: affine([[0.0], [0.0, 0.0]], W), TypeError,
                       ["affine: `x` must be an array or a nested list of numbers; got list"])
    assert_error_names(lambda: affine(np.ones(2), torch.ones(3, 2, dtype=torch.float64)),
                       TypeError, ["affine: all arrays must come from one library", "`x` is "
                                   "numpy.ndarray", "`W` is torch.Tensor"])
    # keywords, positional, an unknown keyword: the same as without the decorator
    assert affine(W=W, x=x)[0].shape == (3,)
    with pytest.raises(TypeError, match="unexpected keyword"):
        affine(x, W, bogus=1)
    with pytest.raises(TypeError, match="multiple values"):
        affine(x, W, x=x)


class Model:
    @params(k=Integer(ge=1))
    def __init__(self, k):
        self.k = k

    @params(q=Text())
    def ask(self, q):
        return v.calling()


@params(f=Function())
def outer(f):
    return f()


@params()
def inner():
    return v.calling()


def test_the_decorator_names_methods_and_constructors():
    assert_error_names(lambda: Model(0), ValueError, ["Model: `k` must be an integer >= 1"])
    assert_error_names(lambda: Model(1).ask(3), TypeError, ["Model.ask: `q` must be a str"])
    assert Model(2).ask("x") == "Model.ask"
    assert v.calling() == "seqcore"                       # outside every checked function


def test_calling_names_the_innermost_public_function():
    assert outer(inner) == "inner"
    assert outer(v.calling) == "outer"
    with pytest.raises(TypeError, match="no parameter"):
        params(nope=Integer())(lambda x: x)


def test_numbers_for_floating_arrays_take_the_others_dtype():
    @params(xs=Floats("time", "batch?"), h0=Floats("batch?", finite=True))
    def run(xs, h0=0.0):
        return h0

    h = run(np.ones((3, 2), np.float32), 2.5)
    assert h.dtype == np.float32 and h.shape == () and float(h) == 2.5
    assert run(np.ones(3), np.float32(1.0)).dtype == np.float64
    assert run(torch.ones(3, dtype=torch.float64), 1.0).dtype == torch.float64
    assert_error_names(lambda: run(np.ones(3), math.nan), ValueError,
                       ["run: `h0` must be finite; it holds 1 NaN or infinite value(s)"])


def test_value_bounds_of_arrays():
    @params(c=Counts("v", le="n"), n=Integer(ge=1), p=Probabilities("v"),
            z=Floats("v", nan=False), w=Floats("v", finite=True))
    def f(c, n, p=None, z=None, w=None):
        return c

    assert f([1, 2], 2).dtype == np.float64
    assert f(torch.tensor([1.0], requires_grad=True), 1).tolist() == [1.0]
    assert_error_names(lambda: f([1, 3], 2), ValueError,
                       ["f: `c` must hold values in [0, 2] (n=2); got values from 1 to 3"])
    assert_error_names(lambda: f([-1, 1], 2), ValueError, ["f: `c`", "[0, 2]", "from -1"])
    assert_error_names(lambda: f([np.nan], 2), ValueError, ["f: `c` must be finite"])
    assert_error_names(lambda: f([[1], [1, 2]], 2), TypeError,
                       ["f: `c` must be an array or a nested list of numbers"])
    assert_error_names(lambda: f(["x"], 2), TypeError, ["f: `c` must have a real dtype"])
    assert_error_names(lambda: f([1], 2, p=[0.5, 0.6]), ShapeError, ["f: `p`", "v=1"])
    assert_error_names(lambda: f([1, 1], 2, p=[0.5, 0.6]), ValueError,
                       ["f: every row of `p` (its last axis) must sum to 1; one row is off by "
                        "0.1"])
    assert_error_names(lambda: f([1, 1], 2, p=[1.5, -0.5]), ValueError,
                       ["f: `p` must hold probabilities (>= 0); its smallest entry is -0.5"])
    assert_error_names(lambda: f([1, 1], 2, p=[np.nan, 1.0]), ValueError,
                       ["f: `p` must hold probabilities; it contains NaN"])
    assert_error_names(lambda: f([1, 1], 2, z=[np.nan, 1.0]), ValueError,
                       ["f: `z` must not hold NaN"])
    f([1, 1], 2, z=[np.inf, 1.0])                                # inf is allowed there
    assert_error_names(lambda: f([1, 1], 2, w=[np.inf, 1.0]), ValueError,
                       ["f: `w` must be finite; it holds 1 NaN or infinite value(s)"])
    assert f(np.zeros(0), 1).shape == (0,)                       # no entries: nothing to bound


def test_probability_rows_get_the_rounding_of_their_dtype():
    tol64, tol32 = v.sum_tolerance(np, np.float64, 10), v.sum_tolerance(np, np.float32, 32_000)
    assert tol64 == 64 * np.finfo(np.float64).eps
    assert tol32 == pytest.approx(8 * math.sqrt(32_000) * np.finfo(np.float32).eps)
    assert 4.1e-6 < tol32 < 2e-4
    p = Probabilities("v")
    p.values("f", "p", v._NUMPY, np.array([0.5, 0.5 + 5e-9]), {})          # typed by hand
    with pytest.raises(ValueError):
        p.values("f", "p", v._NUMPY, np.array([0.5, 0.5 + 2e-8]), {})
    p.values("f", "p", v._NUMPY, np.array([0.5, 0.5 + 5e-5], np.float32), {})
    with pytest.raises(ValueError):
        p.values("f", "p", v._NUMPY, np.array([0.5, 0.5 + 2e-4], np.float32), {})


def test_masks_and_groups():
    @params(Q=Floats(..., "n", "d"), K=Floats(..., "m", "d"), mask=Mask(..., "n", "m"))
    def attend(Q, K, mask=None):
        return mask

    Q, K = np.ones((2, 3, 4)), np.ones((2, 5, 4))
    assert attend(Q, K, np.ones((1, 5), bool)).shape == (1, 5)
    assert_error_names(lambda: attend(Q, K, np.ones((3, 4), bool)), ShapeError,
                       ["attend: `mask` must broadcast to the scores' shape (2, 3, 5) (each axis "
                        "equal or 1, aligned from the right); got (3, 4)"])
    blocked = np.ones((2, 3, 5), bool)
    blocked[1, 2] = False
    assert_error_names(lambda: attend(Q, K, blocked), ValueError,
                       ["attend: `mask` blocks every key of the query row at index (1, 2); the "
                        "softmax over no scores is 0/0"])

    W = np.ones((2, 3))
    assert layer((W, None), np.ones(3))[1] is None
    assert set(layer({"W": W, "b": np.ones(2)}, np.ones(3))) == {"W", "b"}
    assert_error_names(lambda: layer((W,), np.ones(3)), TypeError,
                       ["layer: `layer` must be a tuple (or a mapping) of W, b; got tuple of "
                        "length 1"])
    assert_error_names(lambda: layer(W, np.ones(3)), TypeError, ["layer: `layer`", "ndarray"])
    assert_error_names(lambda: layer((None, None), np.ones(3)), TypeError,
                       ["layer: `layer.W` must be a floating array (h, i); got None"])
    assert_error_names(lambda: layer((W, np.ones(3)), np.ones(3)), ShapeError,
                       ["layer: `layer.b`", "h=2"])
    with pytest.raises(MissingKeysError) as info:
        layer({"W": W, "c": 1}, np.ones(3))
    assert str(info.value) == ("layer: `layer` must have exactly the keys W, b; missing ['b'], "
                               "unknown ['c']")
    assert isinstance(info.value, KeyError)


@params(layer=Group(W=Floats("h", "i"), b=Floats("h", optional=True)), x=Floats("i"))
def layer(layer, x):
    return layer


def test_variadic_arrays_are_named_by_position():
    @params(coords=Floats(...))
    def f(*coords):
        return coords

    assert len(f(np.ones(2), [1.0, 2.0])) == 2
    assert_error_names(lambda: f(np.ones(2), np.ones(3)), ShapeError,
                       ["f: `coords[1]` must have the shape (2,) of `coords[0]`"])
    assert_error_names(lambda: f(np.ones(2), None), TypeError, ["f: `coords[1]` must be"])


def test_sparse_matrices_are_taken_where_declared():

    @params(X=Counts("docs", "terms", sparse=True, nonempty="docs"), w=Counts("terms"))
    def f(X, w=None):
        return X

    X = f(sp.coo_array(np.array([[1, 0], [0, 2]])), [1.0, 2.0])
    assert sp.issparse(X) and X.format == "csr"
    assert_error_names(lambda: f(sp.csr_array(np.array([[1, -1]]))), ValueError,
                       ["f: `X` must hold values >= 0; its smallest is -1"])
    assert_error_names(lambda: f(sp.csr_array(np.zeros((0, 2)))), ShapeError,
                       ["f: `X` must hold at least one entry along its docs axis; got shape "
                        "(0, 2)"])
    assert_error_names(lambda: f(sp.csr_array(np.ones((2, 2))), [1.0]), ShapeError,
                       ["f: `w`", "terms=2"])


# --- the building blocks by hand -------------------------------------------------------------

def test_the_shared_checks_by_hand():
    assert_error_names(lambda: cosine_similarity(np.ones(2), torch.ones(2)), TypeError,
                       ["cosine_similarity: all arrays must come from one library (all NumPy or "
                        "all torch)", "`x` is numpy.ndarray", "`y` is torch.Tensor"])
    assert_error_names(lambda: rnn_step(np.ones(2), np.ones(3, dtype=np.float32), np.ones((3, 2)),
                                        np.ones((3, 3))), TypeError,
                       ["rnn_step: `h_prev`", "float32", "float64", "one floating dtype"])
    xp, a = v.namespace("f", x=[1.0], y=None)
    assert a["y"] is None and a["x"].dtype == np.float64
    with pytest.raises(TypeError, match="f: `z` must be an array or a nested list"):
        v.namespace("f", z=[[1], [1, 2]])
    with pytest.raises(TypeError, match="f: `x` must have a real floating dtype"):
        v.floating("f", xp, x=np.ones(1, int))
    with pytest.raises(TypeError, match="`y` has dtype float32 but `x` has float64"):
        v.floating("f", xp, x=np.ones(1), y=np.ones(1, np.float32), z=None)
    assert v.choice("f", "p", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match="f: `p` must be one of 'a', 'b'; got 'c'"):
        v.choice("f", "p", "c", ("a", "b"))
    assert v.public_name(affine) == "affine"
    assert v.as_numpy(torch.ones(2, requires_grad=True)).tolist() == [1.0, 1.0]
    assert str(MissingKeysError("no quotes")) == "no quotes"


@pytest.mark.gpu
def test_devices_must_agree():
    x = torch.ones(2, dtype=torch.float64, device="cuda")
    assert_error_names(lambda: affine(x, torch.ones(3, 2, dtype=torch.float64)), ValueError,
                       ["affine: all arrays must be on one device"])


class _TwoArrays:
    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {"W": (3, 2), "b": (3,)}

    def __repr__(self) -> str:
        return "TwoArrays()"


def test_model_params_wants_exactly_the_models_keys_at_their_shapes():
    model, good = _TwoArrays(), {"W": np.zeros((3, 2)), "b": np.zeros(3)}
    assert v.model_params(model, good) is not None                # the arrays' namespace
    with pytest.raises(v.MissingKeysError) as missing:
        v.model_params(model, {"W": good["W"], "c": good["b"]})
    assert "['b']" in str(missing.value) and "['c']" in str(missing.value)
    assert isinstance(missing.value, KeyError)                   # as a dict lookup would
    with pytest.raises(v.ShapeError, match=r"`params\['b'\]`.*\(3,\).*\(2,\)"):
        v.model_params(model, {**good, "b": np.zeros(2)})


def test_devices_must_agree_without_a_gpu():
    """The same check with torch's "meta" device (shapes and dtypes, no data), which every
    torch build has: the message lists each array's device."""
    x = torch.ones(2, dtype=torch.float64)
    meta = torch.ones(3, 2, dtype=torch.float64, device="meta")
    assert_error_names(lambda: affine(x, meta), ValueError,
                       ["affine: all arrays must be on one device; got `x` on cpu, `W` on meta"])
