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
