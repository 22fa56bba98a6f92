"""Run every benchmark: ``python -m benchmarks [--quick] [name ...]``.

Every ``benchmarks/bench_*.py`` module with a ``run(rounds=...)`` function is a
benchmark; give names (``rnn``, ``tfidf``…) to run only those.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def discover() -> dict[str, object]:
    """``{"rnn": benchmarks.bench_rnn, ...}`` for every bench module, sorted by name."""
    folder = Path(__file__).parent
    modules = pkgutil.iter_modules([str(folder)])
    names = sorted(m.name for m in modules if m.name.startswith("bench_"))
    return {n.removeprefix("bench_"): importlib.import_module(f"benchmarks.{n}") for n in names}


def main(argv: list[str]) -> None:
    rounds = 5 if "--quick" in argv else 15
    wanted = [a for a in argv if not a.startswith("-")]
    benches = discover()
    unknown = sorted(set(wanted) - set(benches))
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; available: {sorted(benches)}")
    for name, bench in benches.items():
        if not wanted or name in wanted:
            bench.run(rounds=rounds)


if __name__ == "__main__":
    main(sys.argv[1:])
