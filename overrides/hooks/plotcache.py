"""Each plot drawn once per content: the cache key, the cache and the drawing workers.

Drawing the site's plots in both languages was about 40% of a build, and a rebuild drew
them all again. The plot hook (``plots.py``) now asks this module instead:

- **What a plot depends on** (:func:`content_key`): the plot script, the seqcore modules
  it calls (the modules that define the names it imports from ``seqcore``, and the
  seqcore modules those import, read statically from the files), the language, the plot
  hook's design rule (``plots.py`` and this file) and matplotlib's version. The data
  files it reads (``docs/_data/`` records) are found while it draws, by an audit hook on
  ``open``, and kept with the SVG with their hashes (:func:`data_hashes`): a record
  edited since re-draws the plot.
- **Where the drawings are kept** (:class:`Cache`): ``build/.cache/plots/<key>.json``
  beside the site (``build/`` is ignored by git), one file per plot and language.
- **Who draws** (:class:`Workers`): ``python plotcache.py --worker`` processes, as many
  as the machine has cores (``SEQCORE_PLOT_WORKERS`` overrides; 0 draws in the build's
  own process), fed every missing plot of both languages when a build starts, while
  the build renders the pages. Each worker imports the repository's seqcore afresh,
  so ``mkdocs serve`` never draws with code from before an edit, and runs its BLAS on
  one thread (two workers on two cores; small products get slower with more).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future
from pathlib import Path

HERE = Path(__file__).resolve().parent
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# ---- what a plot depends on -----------------------------------------------------------

def _imports(tree: ast.AST, package: str) -> tuple[set[str], set[str]]:
    """``(names imported from the package, its modules imported)`` by a module's AST.

    Relative imports (``from .rnn import x``, ``from . import rnn``) count as the package.
    """
    names, modules = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            where = ("." * node.level + (node.module or "")) if node.level else node.module
            if where in (package, "."):
                names.update(a.name for a in node.names)
            elif where and where.startswith((package + ".", ".")):
                modules.add(where.removeprefix(package + ".").lstrip("."))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name == package:
                    names.add("*")        # `import seqcore`: resolved by attribute below
                elif a.name.startswith(package + "."):
                    modules.add(a.name.removeprefix(package + "."))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == package:
            names.add(node.attr)
    return names, modules


def _definitions(tree: ast.AST) -> set[str]:
    """The names a module defines at its top level (functions, classes, assignments)."""
    out = set()
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            out.update(t.id for t in targets if isinstance(t, ast.Name))
    return out


_parsed: dict[str, tuple[tuple, tuple[dict, dict]]] = {}   # package dir -> (state, map)


def _package_map(package_dir: Path) -> tuple[dict[str, Path], dict[str, tuple]]:
    """``({module: file}, {module: (names it defines, its imports)})``, parsed once per
    state of the package's files (their paths, sizes and modification times)."""
    paths = sorted(package_dir.rglob("*.py"))
    state = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in paths)
    kept = _parsed.get(str(package_dir))
    if kept is None or kept[0] != state:
        files = {p.relative_to(package_dir).with_suffix("").as_posix().replace("/", "."): p
                 for p in paths}
        trees = {m: ast.parse(p.read_text(encoding="utf-8")) for m, p in files.items()}
        kept = _parsed[str(package_dir)] = state, (
            files, {m: (_definitions(t), _imports(t, package_dir.name)) for m, t in trees.items()})
    return kept[1]


#: Attributes that say where the package is, not what its code does (a snippet finds
#: the records beside it with ``seqcore.__file__``): they depend on no file's content.
WHERE_IT_LIVES = frozenset({"__file__", "__path__"})


def seqcore_modules(script: str, package_dir: Path) -> list[Path]:
    """The files of ``package_dir`` (seqcore) that ``script`` depends on, sorted.

    A name the script imports from the package is found in the module that defines it;
    every package module imported from there on is added. A name no module defines, or
    the package imported whole and used without attributes, depends on every file;
    ``seqcore.__file__`` alone, on none.
    """
    package = package_dir.name
    files, parsed = _package_map(package_dir)
    names, wanted = _imports(ast.parse(script), package)
    whole = "*" in names
    names.discard("*")
    if whole and not names:
        return sorted(files.values())
    names -= WHERE_IT_LIVES
    for name in names:
        defined_in = [m for m, (defined, _) in parsed.items() if name in defined]
        if not defined_in and name not in files:
            return sorted(files.values())
        wanted.update(defined_in or [name])
    todo, seen = list(wanted), set()
    while todo:
        module = todo.pop()
        if module in seen or module not in parsed:
            continue
        seen.add(module)
        more_names, more = parsed[module][1]
        todo.extend(more | {n for n in more_names if n in files})   # `from . import rnn`
    return sorted(files[m] for m in seen)


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


@functools.cache
def _matplotlib_version() -> str:
    """The installed matplotlib's version, without importing it (a quarter of a second)."""
    from importlib.metadata import version

    return version("matplotlib")


def content_key(script: Path, lang: str, package_dir: Path) -> str:
    """The key of a drawing: everything but its data files that changes what it shows."""
    code = script.read_bytes()
    parts = [lang.encode(), code, _matplotlib_version().encode(),
             (HERE / "plots.py").read_bytes(), Path(__file__).read_bytes()]
    for module in seqcore_modules(code.decode("utf-8"), package_dir):
        parts += [module.relative_to(package_dir.parent).as_posix().encode(), module.read_bytes()]
    return _digest(*parts)


def data_hashes(files, root: Path) -> dict[str, str]:
    """``{path relative to root: sha256}`` of the data files a drawing read."""
    out = {}
    for f in sorted(set(files)):
        path = root / f
        out[f] = _digest(path.read_bytes()) if path.is_file() else "missing"
    return out


# ---- where the drawings are kept ------------------------------------------------------

class Cache:
    """``build/.cache/plots/<key>.json``: a drawing and the hashes of the data it read."""

    def __init__(self, root: Path):
        self.root = root
        self.folder = root / "build" / ".cache" / "plots"

    def get(self, key: str) -> str | None:
        """The SVG stored under ``key``, unless a data file it read has changed since."""
        path = self.folder / f"{key}.json"
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data_hashes(entry["data"], self.root) != entry["data"]:
            return None
        return entry["svg"]

    def put(self, key: str, svg: str, data: dict[str, str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f"{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"svg": svg, "data": data}), encoding="utf-8")
        tmp.replace(self.folder / f"{key}.json")     # whole, or not at all


# ---- who draws ------------------------------------------------------------------------

_reading: list[str] | None = None   # the files opened while a plot draws, in a worker


def _note_open(event: str, args: tuple) -> None:
    if event == "open" and _reading is not None and isinstance(args[0], str | Path):
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else "r"
        if "r" in mode:
            _reading.append(os.fspath(args[0]))


_listening = [False]


def draw(script: Path, lang: str, root: Path, render=None) -> dict:
    """Draw one plot here; ``{"svg", "data"}`` or ``{"error"}`` (the exception's repr).

    ``render`` is ``plots.render_svg`` (imported here in a worker, where ``plots`` is a
    sibling module on the path).
    """
    global _reading
    if render is None:
        from plots import render_svg as render
    if not _listening[0]:
        sys.addaudithook(_note_open)     # cheap while no plot draws: one test of _reading
        _listening[0] = True
    _reading = []
    try:
        svg = render(script, lang)
    except Exception as exc:    # the build names the file and stops
        return {"error": repr(exc)}
    finally:
        opened, _reading = _reading, None
    data = set()
    for name in opened:
        path = Path(name).resolve()
        if path.is_relative_to(root) and path.suffix != ".py" and \
                not path.is_relative_to(root / "build"):
            data.add(path.relative_to(root).as_posix())
    return {"svg": svg, "data": data_hashes(data, root)}


def worker(root: Path) -> None:
    """Draw the plots asked for on stdin (one JSON line each), answer on stdout likewise."""
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)                 # what a plot prints goes to stderr, not into the answers
    sys.stdout = sys.stderr
    for line in sys.stdin:
        job = json.loads(line)
        answers.write(json.dumps(draw(Path(job["script"]), job["lang"], root)) + "\n")
        answers.flush()


def worker_count() -> int:
    """``SEQCORE_PLOT_WORKERS``, else one per core this process may use."""
    if "SEQCORE_PLOT_WORKERS" in os.environ:
        return max(0, int(os.environ["SEQCORE_PLOT_WORKERS"]))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class Workers:
    """Worker processes that draw plots; :meth:`submit` returns a future of the answer."""

    def __init__(self, root: Path, count: int):
        self.root = root
        self.jobs: queue.Queue = queue.Queue()
        self.threads = [threading.Thread(target=self._feed, daemon=True) for _ in range(count)]
        for t in self.threads:
            t.start()

    def submit(self, script: Path, lang: str) -> Future:
        future: Future = Future()
        self.jobs.put((future, script, lang))
        return future

    def close(self) -> None:
        """Stop the workers once their jobs are done, and wait for them: a drawing is put
        in the cache by its future's callback, after the build has its result."""
        for _ in self.threads:
            self.jobs.put(None)
        for t in self.threads:
            t.join()

    def _start(self) -> subprocess.Popen:
        env = {**os.environ, **ONE_THREAD, "MPLBACKEND": "Agg",
               "PYTHONPATH": os.pathsep.join([str(self.root), os.environ.get("PYTHONPATH", "")])}
        return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker",
                                 str(self.root)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, cwd=self.root, env=env, text=True,
                                encoding="utf-8")

    def _feed(self) -> None:
        proc = None
        while (job := self.jobs.get()) is not None:
            future, script, lang = job
            if not future.set_running_or_notify_cancel():
                continue                 # the build took it, to draw it itself
            if proc is None or proc.poll() is not None:
                proc = self._start()
            try:
                proc.stdin.write(json.dumps({"script": str(script), "lang": lang}) + "\n")
                proc.stdin.flush()
                answer = proc.stdout.readline()
                future.set_result(json.loads(answer) if answer else
                                  {"error": f"the plot worker died (exit {proc.wait()})"})
            except Exception as exc:    # handed to the page that waits for it
                future.set_result({"error": f"the plot worker failed: {exc!r}"})
        if proc is not None:
            proc.stdin.close()
            proc.wait()


if __name__ == "__main__":
    if sys.argv[1:2] != ["--worker"] or len(sys.argv) != 3:
        sys.exit("usage: python plotcache.py --worker REPOSITORY_ROOT")
    worker(Path(sys.argv[2]).resolve())
