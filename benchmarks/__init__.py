"""Benchmarks: scripts that print figures, as ratios against references timed in the same run."""
