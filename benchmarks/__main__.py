"""Run every benchmark: ``python -m benchmarks [--quick] [--json DIR] [--device D] [name ...]``.

``python -m benchmarks build [--runs N] [cold warm serve check ci]`` times the site's
build, a ``mkdocs serve`` rebuild, the fast check and CI instead (``build_times.py``).

Every ``benchmarks/bench_*.py`` module with a ``run(rounds=...)`` function is a
benchmark; give names (``rnn``, ``tfidf``…) to run only those.

``--device cuda`` runs the benchmarks whose ``run`` takes a ``device`` (seqcore's functions
on CUDA tensors against torch's kernels on the same GPU) and says which it skipped; where
torch sees no CUDA device it says so and measures nothing. Its ``--json`` files are named
``<name>-cuda.json`` and record the GPU, so they never replace the CPU figures.

``--json DIR`` also writes ``DIR/<name>.json`` per benchmark (``benchmarks/_record.py``):
the printed figures as rows, with the machine and library versions. The docs'
benchmarks page is built from ``docs/_data/benchmarks``::

    python -m benchmarks --json docs/_data/benchmarks --quick

A benchmark run writes nothing else: the figures the chapters quote are experiment
records (``docs/_data/experiments``), written only by ``python -m experiments``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
import time
from pathlib import Path
from typing import NamedTuple

from benchmarks import _record, _timing

DEVICES = ("cpu", "cuda")


def discover() -> dict[str, object]:
    """``{"rnn": benchmarks.bench_rnn, ...}`` for every bench module, sorted by name."""
    folder = Path(__file__).parent
    modules = pkgutil.iter_modules([str(folder)])
    names = sorted(m.name for m in modules if m.name.startswith("bench_"))
    return {n.removeprefix("bench_"): importlib.import_module(f"benchmarks.{n}") for n in names}


class Args(NamedTuple):
    quick: bool
    folder: Path | None
    names: list[str]
    device: str = "cpu"


def parse(argv: list[str]) -> Args:
    """``(quick, json folder or None, names, device)`` from the command line."""
    quick, folder, names, device = False, None, [], "cpu"
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
        elif arg == "--device" or arg.startswith("--device="):
            device = arg.removeprefix("--device=") if "=" in arg else next(args, "")
            if device not in DEVICES:
                raise SystemExit(f"--device must be one of {', '.join(DEVICES)}; got "
                                 f"{device!r}")
        elif arg.startswith("-"):
            raise SystemExit(f"unknown option {arg!r}; use --quick, --json DIR, --device D, "
                             "and names")
        else:
            names.append(arg)
    return Args(quick, folder, names, device)


def takes_device(bench: object) -> bool:
    """Does this benchmark's ``run`` take a ``device`` (has it a GPU variant)?"""
    return "device" in inspect.signature(bench.run).parameters


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    return bool(torch.cuda.is_available())


def main(argv: list[str]) -> None:
    if argv[:1] == ["build"]:
        from benchmarks import build_times

        build_times.main(argv[1:])
        return
    quick, folder, wanted, device = parse(argv)
    rounds = 5 if quick else 15
    benches = discover()
    unknown = sorted(set(wanted) - set(benches))
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; available: {sorted(benches)}")
    if device == "cuda" and not cuda_available():
        print("--device cuda: skipped, torch sees no CUDA device here "
              "(torch.cuda.is_available() is False); nothing was measured")
        return
    for name, bench in benches.items():
        if wanted and name not in wanted:
            continue
        kwargs = {}
        if device != "cpu":
            if not takes_device(bench):
                print(f"   {name}: no {device} variant, skipped")
                continue
            kwargs["device"] = device
        _timing.take_sections()
        start = time.perf_counter()
        bench.run(rounds=rounds, **kwargs)
        wall = time.perf_counter() - start
        sections = _timing.take_sections()
        if folder is not None:
            about = (bench.__doc__ or name).strip().splitlines()[0]
            sizes = getattr(bench, "QUICK_SIZES", "") if quick else ""
            doc = _record.document(name, sections, rounds=rounds, quick=quick, about=about,
                                   wall_seconds=wall, sizes=sizes, device=device)
            print(f"   wrote {_record.write(folder, doc)} ({wall:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
