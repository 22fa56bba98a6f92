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
