"""Run every benchmark: ``python -m benchmarks [--quick] [--json DIR] [name ...]``.

Every ``benchmarks/bench_*.py`` module with a ``run(rounds=...)`` function is a
benchmark; give names (``rnn``, ``tfidf``…) to run only those.

``--json DIR`` also writes ``DIR/<name>.json`` per benchmark (``benchmarks/_record.py``):
the printed figures as rows, with the machine and library versions. The docs'
benchmarks page is built from ``docs/_data/benchmarks``::

    python -m benchmarks --json docs/_data/benchmarks --quick

A benchmark run writes nothing else: the figures the chapters quote are experiment
records (``docs/_data/experiments``), written only by ``python -m experiments``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

from benchmarks import _record, _timing


def discover() -> dict[str, object]:
    """``{"rnn": benchmarks.bench_rnn, ...}`` for every bench module, sorted by name."""
    folder = Path(__file__).parent
    modules = pkgutil.iter_modules([str(folder)])
    names = sorted(m.name for m in modules if m.name.startswith("bench_"))
    return {n.removeprefix("bench_"): importlib.import_module(f"benchmarks.{n}") for n in names}


def parse(argv: list[str]) -> tuple[bool, Path | None, list[str]]:
    """``(quick, json folder or None, names)`` from the command line."""
    quick, folder, names = False, None, []
    args = iter(argv)
    for arg in args:
        if arg == "--quick":
            quick = True
        elif arg == "--json":
            folder = next(args, None)
            if folder is None or folder.startswith("-"):
                raise SystemExit("--json needs a folder: --json docs/_data/benchmarks")
            folder = Path(folder)
        elif arg.startswith("--json="):
            folder = Path(arg.removeprefix("--json="))
        elif arg.startswith("-"):
            raise SystemExit(f"unknown option {arg!r}; use --quick, --json DIR, and names")
        else:
            names.append(arg)
    return quick, folder, names


def main(argv: list[str]) -> None:
    quick, folder, wanted = parse(argv)
    rounds = 5 if quick else 15
    benches = discover()
    unknown = sorted(set(wanted) - set(benches))
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; available: {sorted(benches)}")
    for name, bench in benches.items():
        if wanted and name not in wanted:
            continue
        _timing.take_sections()
        start = time.perf_counter()
        bench.run(rounds=rounds)
        wall = time.perf_counter() - start
        sections = _timing.take_sections()
        if folder is not None:
            about = (bench.__doc__ or name).strip().splitlines()[0]
            sizes = getattr(bench, "QUICK_SIZES", "") if quick else ""
            doc = _record.document(name, sections, rounds=rounds, quick=quick, about=about,
                                   wall_seconds=wall, sizes=sizes)
            print(f"   wrote {_record.write(folder, doc)} ({wall:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
