"""Timing helpers: interleaved repeats, the median, and ratios measured in one run.

This machine is shared and noisy, so absolute times mean little; each figure is
reported as a ratio to a reference timed in the same process, with the
candidates interleaved round by round so that a noisy moment hits all of them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Figure:
    name: str
    seconds: float
    reference: str
    ratio: float
    target: float | None = None

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "ok" if self.ratio <= self.target else "MISSED"


def median_times(candidates: dict[str, Callable[[], object]], rounds: int = 15,
                 warmup: int = 3) -> dict[str, float]:
    """Median wall time of each candidate over ``rounds`` interleaved rounds."""
    for fn in candidates.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {k: [] for k in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in samples.items()}


def print_figures(title: str, figures: list[Figure], notes: list[str] = ()) -> None:
    print(f"\n== {title}")
    for note in notes:
        print(f"   {note}")
    print(f"   {'candidate':44s} {'median':>10s}   {'ratio':>7s}  reference")
    for f in figures:
        target = f"(target ≤ {f.target:g}×: {f.verdict})" if f.target is not None else ""
        print(f"   {f.name:44s} {f.seconds * 1e3:8.2f} ms   {f.ratio:6.2f}×  {f.reference} "
              f"{target}")
