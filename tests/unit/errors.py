"""The shared assertion of the bad-input tests: the right error, naming what was wrong."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest


def assert_error_names(call: Callable[[], object], error: type[BaseException],
                       fragments: Iterable[str]) -> str:
    """``call()`` raises ``error`` whose message holds every fragment (argument name,
    what was expected, what was given); returns the message."""
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from: {message}"
    return message


#: A nested list that is not an array (rows of different lengths): every public function
#: must refuse it with a TypeError naming the argument, before any arithmetic.
RAGGED = [[0.0], [0.0, 0.0]]


def assert_derived_errors(func: Callable[..., object], good: dict[str, object], *,
                          floats: Iterable[str] = (), ragged: Iterable[str] | None = None,
                          ranks: Iterable[str] = (), sizes: Iterable[str] = ()) -> None:
    """Bad inputs derived from one good call ``func(**good)``; each error names the function.

    Every message of seqcore starts with the name of the public function that was called,
    then names the argument (``"softmax: `z` must ..."``). From the good arguments:

    - ``ragged``: each named argument replaced by :data:`RAGGED` -> TypeError naming it
      (default: the ``floats``);
    - ``floats``: each cast to int64 -> TypeError, "floating";
    - ``ranks``: each given three more leading axes -> ValueError (ShapeError) naming it;
    - ``sizes``: each one entry longer along its last axis, so it no longer agrees with the
      others -> ValueError (ShapeError) from the function.
    """
    import numpy as np

    name = func.__name__
    func(**good)  # the good call itself is accepted

    def call_with(arg: str, value: object) -> Callable[[], object]:
        return lambda: func(**{**good, arg: value})

    for arg in floats if ragged is None else ragged:
        assert_error_names(call_with(arg, RAGGED), TypeError,
                           [f"{name}: `{arg}` must be an array or a nested list"])
    for arg in floats:
        as_int = np.asarray(good[arg]).astype(np.int64)
        assert_error_names(call_with(arg, as_int), TypeError,
                           [f"{name}: `{arg}` must have a real floating dtype", "int64"])
    for arg in ranks:
        assert_error_names(call_with(arg, np.asarray(good[arg])[None, None, None]), ValueError,
                           [f"{name}: `{arg}`"])
    for arg in sizes:
        a = np.asarray(good[arg])
        longer = np.concatenate([a, a[..., :1]], axis=-1)
        assert_error_names(call_with(arg, longer), ValueError, [f"{name}: "])


def assert_batch_axis_is_checked(func: Callable[..., object], good: dict[str, object],
                                 args: Iterable[str]) -> None:
    """For each of ``args``: another batch size, or one batch axis too many, is refused.

    ``good`` is a valid batched call (batch on axis -2); the error must name ``func``.
    """
    import numpy as np

    name = func.__name__
    func(**good)
    for arg in args:
        a = np.asarray(good[arg])
        for bad in (np.concatenate([a, a], axis=-2), a[..., None, :]):
            assert_error_names(lambda arg=arg, v=bad: func(**{**good, arg: v}), ValueError,
                               [f"{name}: `"])
