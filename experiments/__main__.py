"""Run and record experiments: ``python -m experiments [--out DIR] [--quiet] [name ...]``.

Without names, every experiment runs, in the order of :data:`experiments.NAMES`. Each
writes ``DIR/<name>.json`` (default ``docs/_data/experiments``), the only command that
writes there. Every run is single-threaded (BLAS and torch), so its time and its
floating-point results do not depend on how many cores the machine has.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from experiments import NAMES, _record, module


def parse(argv: list[str]) -> tuple[Path, bool, list[str]]:
    folder, quiet, names = _record.FOLDER, False, []
    args = iter(argv)
    for arg in args:
        if arg == "--out":
            value = next(args, None)
            if value is None or value.startswith("-"):
                raise SystemExit("--out needs a folder: --out docs/_data/experiments")
            folder = Path(value)
        elif arg == "--quiet":
            quiet = True
        elif arg == "--list":
            print("\n".join(NAMES))
            raise SystemExit(0)
        elif arg.startswith("-"):
            raise SystemExit(f"unknown option {arg!r}; use --out DIR, --quiet, --list and names")
        else:
            names.append(arg)
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        raise SystemExit(f"unknown experiment(s) {unknown}; available: {', '.join(NAMES)}")
    return folder, quiet, names or list(NAMES)


def main(argv: list[str]) -> None:
    from threadpoolctl import threadpool_limits

    folder, quiet, names = parse(argv)
    import torch

    torch.set_num_threads(1)
    total, cpu_total = time.perf_counter(), time.process_time()
    with threadpool_limits(limits=1):
        for name in names:
            mod = module(name)
            start, cpu = time.perf_counter(), time.process_time()
            results = mod.run(progress=not quiet)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            about = (mod.__doc__ or name).strip().splitlines()[0]
            doc = _record.document(name, about, results, seconds, cpu)
            path = _record.write(doc, folder)
            print(f"{name:14s} {seconds:7.1f} s wall, {cpu:7.1f} s CPU   wrote {path}",
                  flush=True)
    print(f"{'all':14s} {time.perf_counter() - total:7.1f} s wall, "
          f"{time.process_time() - cpu_total:7.1f} s CPU")


if __name__ == "__main__":
    main(sys.argv[1:])
