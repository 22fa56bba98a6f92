"""Make mkdocs-jupyter notebooks survive mkdocs-static-i18n (static-i18n issue #198).

What goes wrong: mkdocs-jupyter's ``on_files`` wraps each notebook source (here
``docs/notebooks/*.{ko,en}.py``) in a ``NotebookFile`` that claims to be a
documentation page. mkdocs-static-i18n's ``on_files`` runs later (priority -100)
and rebuilds every file as a plain ``mkdocs.structure.files.File``. A plain
``File`` ending in ``.py`` is not a page, so the wrapper is lost: the raw source
is copied into the site as an asset, nothing is built under ``/en/``, and the
language switcher has no twin to point to.

The fix, after i18n (priority -110), for the language being built:

1. mark every file that mkdocs-jupyter includes as a documentation page again
   (its destination, ``notebooks/name/index.html`` or ``en/notebooks/name/...``,
   was already computed correctly by i18n from the wrapper's path);
2. give it the ``alternates`` i18n would have given a Markdown page, so the
   language switcher leads to the twin notebook;
3. refresh i18n's per-language page list, which feeds ``sitemap.xml``.

4. keep each language's executed notebooks in a cache of their own, whose folder is
   named by the content of the ``seqcore`` modules they use (``on_pre_build``, below).

Everything else (conversion, execution) stays mkdocs-jupyter's own work. When
either plugin fixes the clash upstream, delete this file and its line in
mkdocs.yml; ``tests/site/test_site.py`` proves the notebooks still build per language.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from pagekit import LANGUAGES, build_language
from plotcache import seqcore_modules


def _as_page(file: File) -> File:
    # An instance attribute shadows File.is_documentation_page for this file only.
    file.is_documentation_page = lambda: True  # type: ignore[method-assign]
    return file


def _twin(file: File, locale: str, config: MkDocsConfig, i18n, jupyter) -> File | None:
    """The ``locale`` version of a localized notebook, as i18n would build it."""
    from mkdocs_jupyter.plugin import NotebookFile
    from mkdocs_static_i18n.suffix import create_i18n_file

    src = Path(file.src_uri)
    stem = src.name.removesuffix(f".{file.localization}{src.suffix}")
    twin_uri = (src.parent / f"{stem}.{locale}{src.suffix}").as_posix()
    if not (Path(config.docs_dir) / twin_uri).is_file():
        return None
    raw = File(twin_uri, config.docs_dir, config.site_dir, config.use_directory_urls)
    wrapped = NotebookFile(raw, **config)  # the destination mkdocs-jupyter would give
    twin = create_i18n_file(wrapped, locale, i18n.default_language, i18n.all_languages, config)
    return _as_page(twin)


@event_priority(-110)  # after mkdocs-static-i18n's on_files (-100)
def on_files(files: Files, config: MkDocsConfig) -> Files:
    i18n = config.plugins.get("i18n")
    jupyter = config.plugins.get("mkdocs-jupyter")
    if i18n is None or jupyter is None:
        return files
    for file in files:
        if not jupyter.should_include(file):
            continue
        _as_page(file)
        if getattr(file, "localization", None) is None:
            continue  # an unsuffixed notebook: one page, no twins to find
        for locale in i18n.build_languages:
            if locale == i18n.current_language:
                continue
            twin = _twin(file, locale, config, i18n, jupyter)
            if twin is not None:
                file.alternates[locale] = twin
    i18n.i18n_files_per_language[i18n.current_language] = files.documentation_pages()
    return files


# ---- executed notebooks, cached -----------------------------------------------------------
# Running the notebook was a tenth of every build and of every `mkdocs serve` rebuild.
# mkdocs-jupyter's cache keys an output on the notebook's own text, not on the seqcore
# it imports (so mkdocs.yml turns it off), and at the end of each language's build it
# deletes every entry that build did not use: the other language's. Here the cache is
# on, in a folder per content of the seqcore the notebooks use and per language:
#   build/.cache/notebooks/<sha256 of those seqcore files>/<language>/
# so an edit of a module a notebook calls runs the notebooks again, and the two
# languages keep theirs. Which modules a notebook calls is read from its imports, as
# for a plot (plotcache.seqcore_modules: the modules defining the names it imports and
# what those import).


def seqcore_digest(root: Path, docs: Path) -> str:
    """A hash of the files of ``root/seqcore`` that the notebooks under ``docs`` import."""
    package = root / "seqcore"
    used: set[Path] = set()
    for notebook in sorted(docs.rglob("*.py")):
        used.update(seqcore_modules(notebook.read_text(encoding="utf-8"), package))
    h = hashlib.sha256()
    for path in sorted(used):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


@event_priority(-110)  # the language being built is set (i18n builds the others inside)
def on_pre_build(config: MkDocsConfig) -> None:
    jupyter = config.plugins.get("mkdocs-jupyter")
    if jupyter is None:
        return
    root = Path(config.config_file_path).resolve().parent
    folder = (root / "build" / ".cache" / "notebooks"
              / seqcore_digest(root, Path(config.docs_dir)))
    jupyter.config["cache"] = True
    jupyter.config["cache_dir"] = str(folder / build_language(config, default="ko"))
    if not _running:
        _start_running(config, jupyter, folder)


# ---- the notebooks run while the pages render ---------------------------------------------
# A notebook missing from the cache is run by mkdocs-jupyter when the build reaches its
# page, and the build waits for the kernel (seconds, twice: one notebook per language).
# Instead, the first build of a run hands every missing notebook of both languages to
# one second process at once (PREFILL: the same conversion, the same cache entry
# mkdocs-jupyter would write), which converts them one after another, the default
# language first; a page waits only for its own entry, and only if it is not there yet.
# One process, not one per notebook: importing nbconvert and mkdocs-jupyter is most of
# a conversion's own CPU time (each notebook still gets a kernel of its own).

PREFILL = """
import json, os, pathlib, sys
from mkdocs_jupyter import convert
from mkdocs_jupyter.plugin import _get_nb_toc_tokens
for job in json.loads(sys.argv[1]):
    os.environ["SEQCORE_LANG"] = job["lang"]     # the kernel inherits it: its plots' labels
    try:
        body = convert.nb2html(job["path"], execute=job["execute"], **job["options"])
    except Exception:
        continue      # no entry: mkdocs-jupyter runs the notebook itself and reports why
    toc_tokens, title = _get_nb_toc_tokens(job["path"], job["toc_depth"])
    out = pathlib.Path(job["cache_path"])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    tmp.write_text(json.dumps({"content": body, "toc_tokens": toc_tokens, "title": title}),
                   encoding="utf-8")
    tmp.replace(out)
"""
OPTIONS = ("kernel_name", "theme", "allow_errors", "show_input", "no_input", "no_prompt",
           "remove_tag_config", "highlight_extra_classes", "include_requirejs",
           "custom_mathjax_url")
_running: dict[str, tuple[subprocess.Popen, Path]] = {}   # source path -> (process, entry)


def _start_running(config: MkDocsConfig, jupyter, folder: Path) -> None:
    from mkdocs_jupyter.plugin import _compute_cache_key, _get_cache_path

    jobs = []
    for path in sorted(Path(config.docs_dir).rglob("*.py")):
        lang = path.suffixes[-2].lstrip(".") if len(path.suffixes) > 1 else ""
        if lang not in LANGUAGES or not jupyter.should_include(
                File(path.relative_to(config.docs_dir).as_posix(), config.docs_dir,
                     config.site_dir, config.use_directory_urls)):
            continue
        execute = jupyter.config["execute"]
        cache_path = _get_cache_path(folder / lang, _compute_cache_key(path, jupyter.config,
                                                                       execute))
        if not cache_path.exists():
            jobs.append({"path": str(path), "lang": lang, "execute": execute,
                         "toc_depth": jupyter.config["toc_depth"], "cache_path": str(cache_path),
                         "options": {k: jupyter.config[k] for k in OPTIONS}})
    if not jobs:
        return
    jobs.sort(key=lambda job: LANGUAGES.index(job["lang"]))   # the order the build asks
    process = subprocess.Popen([sys.executable, "-c", PREFILL, json.dumps(jobs)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for job in jobs:
        _running[job["path"]] = (process, Path(job["cache_path"]))


def on_page_markdown(markdown: str, page, config: MkDocsConfig, files: Files) -> str:
    running = _running.pop(page.file.abs_src_path or "", None)
    if running is not None:
        process, entry = running
        while not entry.exists() and process.poll() is None:
            time.sleep(0.05)   # a failed run leaves no entry: mkdocs-jupyter runs it and reports
    return markdown


@event_priority(-120)
def on_post_build(config: MkDocsConfig) -> None:
    for process, _ in _running.values():
        process.wait()
    _running.clear()


# ---- Korean headings in notebooks ---------------------------------------------------------
# nbconvert derives a heading's id from ASCII letters only, so a Korean heading gets
# id="" while the page's table of contents (MkDocs' own slugify) points at #_1, #_2…:
# every TOC link of a Korean notebook is dead. Give those headings the readable
# Hangul slug Markdown pages get (pymdownx.slugs, as configured for `toc`) and point
# the TOC entries at them, in document order.

EMPTY_HEADING = re.compile(
    r'<h(?P<level>[1-6]) id="">(?P<text>.*?)(?P<link><a class="anchor-link" href="#">)', re.S)


def _flatten(toc) -> list:
    out = []
    for item in toc:
        out.append(item)
        out.extend(_flatten(item.children))
    return out


def on_page_content(html: str, page, config: MkDocsConfig, files: Files) -> str:
    if not page.file.src_uri.endswith(".py") or 'id=""' not in html:
        return html
    from pymdownx.slugs import slugify

    slug = slugify(case="lower")
    taken: set[str] = set()
    anchors = [a for a in _flatten(page.toc) if re.fullmatch(r"_\d+", a.id or "")]

    def readable(m: re.Match) -> str:
        text = re.sub(r"<[^>]+>", "", m["text"]).strip()
        base = slug(text, "-") or "section"
        new, n = base, 1
        while new in taken:
            new, n = f"{base}_{n}", n + 1
        taken.add(new)
        if anchors:
            anchors.pop(0).id = new
        return (f'<h{m["level"]} id="{new}">{m["text"]}'
                f'<a class="anchor-link" href="#{new}">')

    return EMPTY_HEADING.sub(readable, html)
