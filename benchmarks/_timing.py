"""Timing helpers: interleaved repeats, the median, and ratios measured in one run.

This machine is shared and noisy, so absolute times mean little; each figure is
reported as a ratio to a reference timed in the same process, with the
candidates interleaved round by round so that a noisy moment hits all of them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Figure:
    name: str
    seconds: float
    reference: str
    ratio: float
    target: float | None = None
    extra: dict = field(default_factory=dict)   # e.g. peak memory, max |difference|

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "ok" if self.ratio <= self.target else "MISSED"


def median_times(candidates: dict[str, Callable[[], object]], rounds: int = 15,
                 warmup: int = 3, sync: Callable[[], object] | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> dict[str, float]:
    """Median time of each candidate over ``rounds`` interleaved rounds.

    ``sync`` (e.g. ``torch.cuda.synchronize``) runs before the clock starts and before it
    stops: a GPU runs its kernels after the call returns, and their time counts.
    ``clock`` is wall time by default; ``time.process_time`` gives CPU time, which on a
    machine shared with other jobs is not inflated by waiting for a core.
    """
    sync = sync or (lambda: None)
    for fn in candidates.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {k: [] for k in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            sync()
            start = clock()
            fn()
            sync()
            samples[name].append(clock() - start)
    return {k: statistics.median(v) for k, v in samples.items()}


#: Every table printed since the last :func:`take_sections`, as data: ``python -m benchmarks
#: --json`` writes them (``benchmarks/_record.py``), so printing and recording cannot differ.
SECTIONS: list[dict] = []


def take_sections() -> list[dict]:
    """The sections recorded by :func:`print_figures` so far, emptying the record."""
    out = SECTIONS[:]
    SECTIONS.clear()
    return out


def record(title: str, figures: list[Figure], notes: list[str] = ()) -> None:
    """Keep a table of figures for ``--json`` without printing it."""
    SECTIONS.append({"title": title, "notes": list(notes), "figures": list(figures)})


def print_figures(title: str, figures: list[Figure], notes: list[str] = ()) -> None:
    record(title, figures, notes)
    print(f"\n== {title}")
    for note in notes:
        print(f"   {note}")
    print(f"   {'candidate':44s} {'median':>10s}   {'ratio':>7s}  reference")
    for f in figures:
        target = f"(target ≤ {f.target:g}×: {f.verdict})" if f.target is not None else ""
        print(f"   {f.name:44s} {f.seconds * 1e3:8.2f} ms   {f.ratio:6.2f}×  {f.reference} "
              f"{target}")
