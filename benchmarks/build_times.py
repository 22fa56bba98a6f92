"""The edit-preview loop, timed: ``python -m benchmarks build [--runs N] [what ...]``.

Whole commands, as a contributor waits for them, each run ``N`` times (default 3);
printed as median, min and max of wall-clock seconds and of CPU seconds (the command
and the processes it waited for), with the machine's load before and after, since on a
shared machine only the CPU time is steady. What can be timed:

- ``cold``: ``mkdocs build --strict`` as on a fresh clone: nothing in ``build/.cache/``
  (no plot drawn, no notebook run, no search entry, API source page or wheel kept);
- ``warm``: the same build again, with what the first one kept;
- ``serve``: ``mkdocs serve``, from a one-sentence edit of a page to the end of the
  rebuild it starts (every page again; the plots and notebooks from the caches);
  ``serve-dirty``: ``mkdocs serve --dirty --no-strict``, which renders the saved page only
  (measured, not recommended: with the i18n plugin, Material's search index gathers the
  entries of earlier rebuilds again, and the Korean index hook then reads eight times as
  many entries);
- ``check-page`` and ``check-code``: ``bash .ci/check`` (the fast check) after a
  contributor's edit, against a commit of the copy as ``main`` and with the caches of an
  earlier build: one sentence added to both languages of a chapter (``rnn``), or one
  comment line to a module (``seqcore/bm25.py``);
- ``ci``: the README's test command, browser tests included (minutes: ask for it).

The builds and the server run in a copy of the files git tracks (``git ls-files``),
with a cache of its own, so nothing here touches the working tree; ``ci`` runs in the
repository itself. Budgets (issue 14, on the 2-core machine): cold build
20 s, rebuild after a one-page edit 5 s, fast check 30 s, CI 15 minutes; a median over
its budget is marked.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = {"cold": 20.0, "warm": 20.0, "serve": 5.0, "serve-dirty": 5.0, "check-page": 30.0,
            "check-code": 30.0, "ci": 900.0}
DEFAULT = ("cold", "warm", "serve")
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
EDITED_PAGE = "docs/rnn.en.md"
BUILT = re.compile(r"Documentation built in|Reloading browsers")


def copy_tracked(dest: Path) -> Path:
    """The files git tracks (at their working-tree state, new files not yet added too)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    return dest


def environment(repo: Path) -> dict[str, str]:
    return {**os.environ, **ONE_THREAD, "NO_MKDOCS_2_WARNING": "1",
            "PYTHONPATH": str(repo)}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """``(wall s, CPU s)`` of one run of ``command``; a failed command stops the benchmark."""
    cpu, start = children_cpu(), time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({proc.returncode}):\n"
                 f"{(proc.stdout + proc.stderr)[-3000:]}")
    return wall, children_cpu() - cpu


def build_runs(repo: Path, runs: int, cold: bool) -> list[tuple[float, float]]:
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
               "--site-dir", str(repo / "build" / "site")]
    out = []
    for _ in range(runs):
        if cold:
            shutil.rmtree(repo / "build" / ".cache", ignore_errors=True)
        out.append(timed(command, repo, environment(repo)))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_runs(repo: Path, runs: int, dirty: bool) -> list[tuple[float, float]]:
    """Seconds from a saved edit of a page to the end of the rebuild ``mkdocs serve`` does.

    The CPU column is the server's CPU time over the same span (read from /proc).
    """
    command = [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{free_port()}"]
    # A dirty build always logs MkDocs' warning that it is one, which strict mode refuses.
    command += ["--dirty", "--no-strict"] if dirty else []
    proc = subprocess.Popen(command, cwd=repo, env=environment(repo), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []
    built = threading.Event()

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)
            if BUILT.search(line) or "Serving on" in line:
                built.set()
    threading.Thread(target=read, daemon=True).start()
    page = repo / EDITED_PAGE
    original = page.read_text(encoding="utf-8")
    out = []
    try:
        if not built.wait(600) or proc.poll() is not None:
            sys.exit("mkdocs serve did not start:\n" + "".join(lines)[-3000:])
        time.sleep(2)                                   # the first build's last messages
        for k in range(runs):
            built.clear()
            cpu, start = process_cpu(proc.pid), time.perf_counter()
            page.write_text(original.replace("\n\n", f"\n\nEdit number {k + 1}.\n\n", 1),
                            encoding="utf-8")
            if not built.wait(600):
                sys.exit("no rebuild after the edit:\n" + "".join(lines)[-3000:])
            out.append((time.perf_counter() - start, process_cpu(proc.pid) - cpu))
            time.sleep(1.5)
    finally:
        page.write_text(original, encoding="utf-8")
        proc.terminate()
        proc.wait(30)
    errors = [ln for ln in lines if ln.startswith(("ERROR", "WARNING"))
              and "A 'dirty' build is being performed" not in ln]
    if errors:
        sys.exit("mkdocs serve logged problems:\n" + "".join(errors[:20]))
    return out


def process_cpu(pid: int) -> float:
    """User + system seconds of process ``pid`` and its reaped children (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / ticks


EDITS = {"check-page": {"docs/rnn.ko.md": "고친 문장 {k}.", "docs/rnn.en.md": "Edit {k}."},
         "check-code": {"seqcore/bm25.py": "# edit {k}"}}


def check_runs(repo: Path, runs: int, edit: dict[str, str]) -> list[tuple[float, float]]:
    """``bash .ci/check`` after ``edit`` (file -> a paragraph put after the page's first
    blank line, or a comment line at the end of a module), in the copy made a git
    repository whose one commit is ``main``; a strict build first fills the caches."""
    # no PYTHONPATH: as in a contributor's checkout, pytest and mkdocs import the copy's
    # seqcore from the working folder, and the wheel test's fresh venv only the wheel
    env = {k: v for k, v in environment(repo).items() if k != "PYTHONPATH"}
    env |= {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
            "GIT_COMMITTER_EMAIL": "b@b"}
    if not (repo / ".git").exists():
        for command in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                        ["git", "commit", "-q", "-m", "base"]):
            subprocess.run(command, cwd=repo, env=env, check=True, capture_output=True)
        if not (repo / ".venv").exists():
            (repo / ".venv").symlink_to(ROOT / ".venv")
        build_runs(repo, 1, cold=False)
    originals = {f: (repo / f).read_text(encoding="utf-8") for f in edit}
    out = []
    try:
        for k in range(runs):
            for f, text in edit.items():
                line = text.format(k=k + 1)
                edited = originals[f] + f"{line}\n" if f.endswith(".py") else \
                    originals[f].replace("\n\n", f"\n\n{line}\n\n", 1)
                (repo / f).write_text(edited, encoding="utf-8")
            out.append(timed(["bash", ".ci/check"], repo, env))
    finally:
        for f, text in originals.items():
            (repo / f).write_text(text, encoding="utf-8")
    return out


def command_runs(command: list[str], runs: int) -> list[tuple[float, float]]:
    env = {**os.environ, **ONE_THREAD, "NO_MKDOCS_2_WARNING": "1"}
    return [timed(command, ROOT, env) for _ in range(runs)]


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def report(name: str, results: list[tuple[float, float]], before: str) -> None:
    walls, cpus = [r[0] for r in results], [r[1] for r in results]
    median = statistics.median(walls)
    over = " OVER BUDGET" if median > BUDGET_S[name] else ""
    print(f"{name:11s} wall median {median:7.1f} s (min {min(walls):.1f}, max {max(walls):.1f})"
          f"  cpu median {statistics.median(cpus):7.1f} s  runs {len(results)}"
          f"  budget {BUDGET_S[name]:g} s{over}  load {before} -> {load()}", flush=True)


def main(argv: list[str]) -> None:
    runs, wanted = 3, []
    args = iter(argv)
    for arg in args:
        if arg == "--runs":
            runs = int(next(args, "3"))
        elif arg in BUDGET_S:
            wanted.append(arg)
        else:
            raise SystemExit(f"unknown {arg!r}: python -m benchmarks build [--runs N] "
                             f"[{' | '.join(BUDGET_S)} ...]")
    wanted = wanted or list(DEFAULT)
    print(f"python -m benchmarks build: {runs} run(s) each, {os.cpu_count()} cores, "
          f"load {load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="seqcore-build-times-") as tmp:
        repo = copy_tracked(Path(tmp) / "repo")
        shared = ROOT.parent / "shared"
        if shared.is_dir():       # the notes beside the copy, where the tests look for them
            (Path(tmp) / "shared").symlink_to(shared)
        for name in wanted:
            before = load()
            if name in ("cold", "warm"):
                if name == "warm":
                    build_runs(repo, 1, cold=False)       # fill the cache first
                results = build_runs(repo, runs, cold=name == "cold")
            elif name in ("serve", "serve-dirty"):
                results = serve_runs(repo, runs, dirty=name == "serve-dirty")
            elif name in EDITS:
                results = check_runs(repo, runs, EDITS[name])
            else:
                results = command_runs([sys.executable, "-m", "pytest", "-q",
                                        "-p", "no:cacheprovider"], 1)
            report(name, results, before)


if __name__ == "__main__":
    main(sys.argv[1:])
