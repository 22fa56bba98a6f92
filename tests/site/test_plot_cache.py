"""Plots drawn once per content (overrides/hooks/plotcache.py): what a drawing depends on,
and real builds of a small site showing that an edit re-draws exactly the plots it touches."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT, SNIPPETS
from tests.pages import load_hook

plotcache = load_hook("plotcache")
PACKAGE = ROOT / "seqcore"


@pytest.mark.parametrize("script", sorted(SNIPPETS.glob("plot_*.py")), ids=lambda p: p.stem)
def test_a_plot_depends_on_the_module_python_finds_each_seqcore_name_in(script):
    """The static reading agrees with the import system: every seqcore name a plot
    imports is defined in a module its key covers, with that module's own imports."""
    seqcore = importlib.import_module("seqcore")
    code = script.read_text(encoding="utf-8")
    names = {n for m in re.finditer(r"^from seqcore import (.+)$", code, re.M)
             for n in m[1].replace("(", "").replace(")", "").split(", ")}
    covered = {p.relative_to(ROOT).as_posix() for p in plotcache.seqcore_modules(code, PACKAGE)}
    for name in names:
        module = importlib.import_module(getattr(seqcore, name.strip()).__module__)
        assert Path(module.__file__).relative_to(ROOT).as_posix() in covered, (name, covered)
    if not names:
        assert not covered, f"{script.name} imports nothing from seqcore, yet depends on {covered}"


def test_the_modules_a_plot_calls_are_followed_and_the_others_left_out():
    covered = {p.name for p in plotcache.seqcore_modules("from seqcore import bm25_tf\n",
                                                         PACKAGE)}
    assert {"bm25.py", "sparse.py"} <= covered          # bm25 imports from sparse
    assert not covered & {"rnn.py", "lstm.py", "attention.py", "word2vec.py"}


def test_a_name_no_module_defines_makes_every_module_count():
    """Negative control: when the reading cannot tell, the key covers the whole package."""
    every = sorted(PACKAGE.rglob("*.py"))
    assert plotcache.seqcore_modules("from seqcore import no_such_name\n", PACKAGE) == every
    assert plotcache.seqcore_modules("import seqcore\n", PACKAGE) == every


def test_where_the_package_lives_depends_on_no_module():
    """``seqcore.__file__`` (a snippet finding the records) reads no code; a function
    called beside it still counts."""
    assert plotcache.seqcore_modules("import seqcore\nseqcore.__file__\n", PACKAGE) == []
    covered = {p.name for p in plotcache.seqcore_modules(
        "import seqcore\nseqcore.__file__\nseqcore.bm25_tf\n", PACKAGE)}
    assert "bm25.py" in covered and "rnn.py" not in covered


# ---- real builds ----------------------------------------------------------------------

PLOT = '''
import json, os
from pathlib import Path
import matplotlib.pyplot as plt
{imports}

ROOT = Path(__file__).resolve().parent.parent


def plot(lang):
    with open(ROOT / "drawn.log", "a") as log:      # one line per drawing
        log.write(json.dumps(["{name}", os.getpid(), os.environ.get("OMP_NUM_THREADS")]) + "\\n")
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_title({title})
    ax.plot([0, 1], {ys})
    return fig
'''


def write_site(repo: Path) -> None:
    shutil.copytree(PACKAGE, repo / "seqcore", ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "docs" / "_data").mkdir(parents=True)
    (repo / "docs" / "_data" / "a.json").write_text('{"title": "first"}', encoding="utf-8")
    (repo / "docs" / "_data" / "other.json").write_text("{}", encoding="utf-8")
    (repo / "docs" / "index.md").write_text("# t\n\n<!-- plot: a -->\n\n<!-- plot: b -->\n",
                                            encoding="utf-8")
    (repo / "snippets").mkdir()
    (repo / "snippets" / "plot_a.py").write_text(PLOT.format(
        name="a", imports="from seqcore import bm25_tf",
        title='json.loads((ROOT / "docs/_data/a.json").read_text())["title"]',
        ys="[float(bm25_tf(1.0, 1.0, 1.0)), 1.0]"),
        encoding="utf-8")
    (repo / "snippets" / "plot_b.py").write_text(PLOT.format(
        name="b", imports="", title='"b"', ys="[0, 1]"), encoding="utf-8")
    hook = ROOT / "overrides" / "hooks" / "plots.py"
    (repo / "mkdocs.yml").write_text(textwrap.dedent(f"""\
        site_name: t
        site_dir: site
        strict: true
        plugins: []
        exclude_docs: _data/
        hooks: ["{hook.as_posix()}"]
        """), encoding="utf-8")


def build(repo: Path, workers: int = 2) -> list[list]:
    """Build, and return the drawings it made: ``[name, process id, OMP_NUM_THREADS]``."""
    log = repo / "drawn.log"
    log.unlink(missing_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(repo), "NO_MKDOCS_2_WARNING": "1",
           "SEQCORE_PLOT_WORKERS": str(workers)}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def drawn(repo: Path) -> list[str]:
    return sorted(name for name, *_ in build(repo))


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.mark.site
@pytest.mark.tooling  # builds a throw-away site to test the plot cache
def test_an_edit_re_draws_the_plots_it_touches_and_nothing_else(tmp_path):
    write_site(tmp_path)
    first = build(tmp_path)
    assert sorted(n for n, *_ in first) == ["a", "b"], "a cold build draws every plot"
    assert {threads for *_, threads in first} == {"1"}, "the workers' BLAS runs on one thread"
    page = tmp_path / "site" / "index.html"
    assert "first" in page.read_text(encoding="utf-8")

    assert drawn(tmp_path) == [], "nothing changed: every plot comes from the cache"
    append(tmp_path / "seqcore" / "rnn.py", "\n# an edit the plots do not call\n")
    append(tmp_path / "docs" / "_data" / "other.json", "\n")
    append(tmp_path / "docs" / "index.md", "\nMore text.\n")
    assert drawn(tmp_path) == [], "a module, a record and text no plot reads"

    append(tmp_path / "seqcore" / "bm25.py", "\n# an edit of the module plot a calls\n")
    assert drawn(tmp_path) == ["a"]
    append(tmp_path / "seqcore" / "sparse.py", "\n# a module bm25 imports\n")
    assert drawn(tmp_path) == ["a"]

    (tmp_path / "docs" / "_data" / "a.json").write_text('{"title": "second"}')
    assert drawn(tmp_path) == ["a"], "the record plot a reads changed"
    assert "second" in page.read_text(encoding="utf-8") and \
        "first" not in page.read_text(encoding="utf-8")

    append(tmp_path / "snippets" / "plot_b.py", "\n# an edit of plot b itself\n")
    assert drawn(tmp_path) == ["b"]

    shutil.rmtree(tmp_path / "build" / ".cache" / "plots")
    assert drawn(tmp_path) == ["a", "b"], "an emptied cache draws everything again"


@pytest.mark.site
@pytest.mark.tooling
def test_without_workers_the_build_draws_in_its_own_process_and_caches_too(tmp_path):
    write_site(tmp_path)
    first = build(tmp_path, workers=0)
    assert sorted(n for n, *_ in first) == ["a", "b"]
    assert len({pid for _, pid, _ in first}) == 1, "drawn in the one build process"
    assert drawn(tmp_path) == []
