"""Run every benchmark: ``python -m benchmarks`` (add ``--quick`` for fewer rounds)."""

from __future__ import annotations

import sys

from benchmarks import bench_rnn

BENCHMARKS = [bench_rnn]


def main() -> None:
    rounds = 5 if "--quick" in sys.argv else 15
    for bench in BENCHMARKS:
        bench.run(rounds=rounds)


if __name__ == "__main__":
    main()
