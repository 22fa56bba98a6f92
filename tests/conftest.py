"""Shared pytest configuration: the `gpu` marker and the paths of the project."""

from __future__ import annotations

import doctest
import functools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

# One BLAS thread for the snippets, doctests and the builds the tests start, as the pages'
# printed outputs and timings were made: on this 2-core machine shared by other jobs a
# multithreaded BLAS makes small products up to 10x slower. The variables reach the
# subprocesses (builds, notebook kernels); threadpoolctl limits the BLAS already loaded.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
for _name, _value in ONE_THREAD.items():
    os.environ.setdefault(_name, _value)


def pytest_configure(config: pytest.Config) -> None:
    from threadpoolctl import threadpool_limits

    config._seqcore_blas_limit = threadpool_limits(limits=1, user_api="blas")


ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SNIPPETS = ROOT / "snippets"
SITE = ROOT / "build" / "site"


def _seeds_folder() -> Path:
    """The source notes sit beside the repository: beside the main checkout, also when the
    tests run in a second working tree (`git worktree`) somewhere else."""
    here = ROOT.parent / "shared" / "seeds"
    if here.is_dir():
        return here
    common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
                            cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return Path(common).parent.parent / "shared" / "seeds" if common else here


SEEDS = _seeds_folder()

# The browser tests' shared fixtures (server, browser, visit…, measure).
pytest_plugins = ["tests.site.browser_kit"]


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


@functools.cache
def _plotcache():
    """The plot cache's hook module, loaded once (it keeps the package's parse)."""
    from tests.pages import load_hook

    return load_hook("plotcache")


@functools.cache
def _seqcore_files_of(name: str) -> tuple[str, ...]:
    """The files of seqcore that its public ``name`` is made of: the module defining it and
    what that module imports (read statically, as the plot cache does)."""
    return seqcore_files_run_by(f"from seqcore import {name}")


def seqcore_files_run_by(code: str) -> tuple[str, ...]:
    """The seqcore files that running ``code`` (Python, or a ``>>>`` session) can reach:
    the modules defining the names it imports and theirs; all of seqcore when the code
    does not parse or imports the package whole."""
    try:
        if ">>>" in code:   # a session: its examples' source, without prompts and outputs
            code = "".join(e.source for e in doctest.DocTestParser().get_examples(code))
        files = _plotcache().seqcore_modules(code, ROOT / "seqcore")
    except (SyntaxError, ValueError):   # code that does not parse, a malformed session
        return ("seqcore/",)
    return tuple(p.relative_to(ROOT).as_posix() for p in files)


def reads_seqcore(name: str, *also: str) -> pytest.MarkDecorator:
    """``reads(...)`` for a test of seqcore's public ``name`` (``BM25Index.top_k``): the
    seqcore files it is made of, and the files ``also`` names (the test's own module)."""
    return pytest.mark.reads(*_seqcore_files_of(name.split(".")[0]), *also)


def _deselect_what_did_not_change(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the tests marked ``reads(*paths)`` when none of those paths changed.

    ``SEQCORE_CHANGED`` (the changed files, set by the fast check, .ci/check) turns it
    on; without it every selected test runs, as in CI. A path is a prefix of a file's
    path from the repository's root (``overrides/hooks/search_ko.py``, ``docs/_data/``).
    """
    changed = os.environ.get("SEQCORE_CHANGED")
    if changed is None:
        return
    files = tuple(changed.split())
    keep, drop = [], []
    for item in items:
        reads = item.get_closest_marker("reads")
        unread = reads is not None and not any(f.startswith(tuple(reads.args)) for f in files)
        (drop if unread else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def xdist_group(item: pytest.Item) -> str | None:
    """The group a test runs in under ``pytest -n N --dist loadgroup`` (.ci/test).

    A page's tests stay in one worker, which visits the page once per viewport for all
    of them (browser_kit's ``measure``); a module whose tests share a costly session
    fixture (the golden searches run once) stays in one worker too.
    """
    params = getattr(getattr(item, "callspec", None), "params", {})
    if "lang" in params and "name" in params:
        return f"{params['lang']}:{params['name']}"
    module = getattr(item, "module", None)
    if getattr(module, "XDIST_GROUP", False):
        return module.__name__
    return None


@pytest.hookimpl(tryfirst=True)   # before xdist reads the groups off the items
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _deselect_what_did_not_change(config, items)
    # Tests that read the built site run last: while the unit tests run, the fast
    # check (.ci/check) builds the site in the background on the other core.
    items.sort(key=lambda item: "built_site" in getattr(item, "fixturenames", ()))
    if config.pluginmanager.hasplugin("xdist"):
        for item in items:
            if (group := xdist_group(item)) is not None:
                item.add_marker(pytest.mark.xdist_group(group))
    if _cuda_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA: torch.cuda.is_available() is False here")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def built_site() -> Path:
    """Build the site once per session with `mkdocs build --strict` and return its folder.

    When ``SEQCORE_BUILD_STATUS`` names a file, a build into ``build/site`` was
    started in the background (by .ci/check) and writes its exit status there,
    with its log beside it (``<file>.log``): wait for that build instead.
    """
    status_file = os.environ.get("SEQCORE_BUILD_STATUS")
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if status_file:
        returncode, log = _wait_for_background_build(Path(status_file))
    elif run:   # `pytest -n N`: the first worker builds, the others wait for its status
        import fcntl

        SITE.parent.mkdir(parents=True, exist_ok=True)
        status = SITE.parent / f"site-build-{run}.status"
        with open(SITE.parent / "site-build.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not status.is_file():
                returncode, log = _build_site()
                Path(f"{status}.log").write_text(log, encoding="utf-8")
                status.write_text(str(returncode))
        returncode, log = _wait_for_background_build(status)
    else:
        returncode, log = _build_site()
    assert returncode == 0, f"mkdocs build --strict failed:\n{log[-6000:]}"
    warnings = [ln for ln in log.splitlines() if ln.startswith(("WARNING", "ERROR"))]
    assert not warnings, "the build logged warnings:\n" + "\n".join(warnings)
    return SITE


def _build_site() -> tuple[int, str]:
    from tests._require import require

    require("mkdocs")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(SITE)],
        cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    return proc.returncode, proc.stdout + proc.stderr


def _wait_for_background_build(status: Path, limit_s: float = 600) -> tuple[int, str]:
    deadline = time.monotonic() + limit_s
    while not (status.is_file() and status.read_text().strip()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the background build did not finish in {limit_s:.0f} s "
                               f"(no exit status in {status})")
        time.sleep(0.2)
    log = Path(f"{status}.log")
    return int(status.read_text()), log.read_text(encoding="utf-8", errors="replace")


def page_urls() -> list[tuple[str, str, str]]:
    """(language, source name, URL path) for every page of the site, both languages."""
    pages = []
    for lang in ("ko", "en"):
        prefix = "" if lang == "ko" else "en/"
        for src in sorted(DOCS.rglob(f"*.{lang}.*")):
            if src.suffix not in (".md", ".py"):
                continue
            rel = src.relative_to(DOCS).as_posix().replace(f".{lang}{src.suffix}", "")
            path = "" if rel == "index" else f"{rel.removesuffix('/index')}/"
            pages.append((lang, rel, f"/{prefix}{path}"))
    return pages


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """List the prose-only formulas, as DESIGN.md asks the traceability check to do
    (in a whole run, not in the fast check's run of what changed)."""
    if os.environ.get("SEQCORE_CHANGED") is not None:
        return
    try:
        from tests.pages import hook, markdown_pages
    except Exception:
        return
    prose = [(p.name, f.id) for p in markdown_pages("en")
             for f in hook.formulas(p.read_text(encoding="utf-8")) if f.prose]
    if prose:
        terminalreporter.section("prose-only formulas (explained, nothing to compute)")
        for page, fid in prose:
            terminalreporter.write_line(f"{fid:32s} {page}")
