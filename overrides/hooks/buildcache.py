"""Work a build has done before, not done again: memos for the costly steps of a build.

Profiled on a rebuild (issue 14): the API reference (mkdocstrings) was about 29% of
it, Material's search indexing 26%, syntax highlighting 10%, the glossary's first-use
links 7%. Each of these is a pure function of its inputs, so each is kept here under
a digest of everything it reads:

- **the API reference**: mkdocstrings' rendering of one object (``::: seqcore.rnn``),
  keyed on the object, its options, the locale and the package's source; the headings
  it made are kept with it and handed back, so the table of contents, the anchors and
  the cross-references come out as if it had rendered. Both languages show the same
  reference, so the second language's build renders nothing.
- **syntax highlighting** (pymdownx, which mkdocstrings uses too): one block, keyed on
  its source, language, arguments and the highlighter's options. Most code blocks are
  the same in both languages.
- **the search index**: the entries Material makes of one page, keyed on the page's
  address, title, settings, final HTML and table of contents. Also kept on disk, under
  ``build/.cache/search/`` (ignored by git), so the next build reads what it indexed.

The memos live in this module, which MkDocs loads once per process (hooks are cached
by path), so ``mkdocs serve`` keeps them across rebuilds: after an edit, only what the
edit changed is done again. The API and highlighting memos are also written at the end
of a build to ``build/.cache/memo/`` (one pickle each, the entries the build used), so
the next ``mkdocs build`` (the fast check's) starts with them. Nothing here changes
what a build produces; the test builds the site with and without the memos and compares
every file.
``SEQCORE_BUILD_MEMO=0`` turns them off.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import pickle
from pathlib import Path

ENABLED = os.environ.get("SEQCORE_BUILD_MEMO", "1") != "0"
_memo: dict[str, dict] = {"api": {}, "highlight": {}, "search": {}}
_state = {"search_dir": None, "memo_dir": None, "package": ""}
_patched: list[str] = []
# The API and highlighting memos are also kept on disk, one file each, so that the next
# build process starts with them: read at the first lookup, written at the end of a
# build with the entries this process used (the rest would only pile up).
_STORED = ("api", "highlight")
_loaded: set[str] = set()
_used: dict[str, set[str]] = {kind: set() for kind in _STORED}
_added: set[str] = set()           # the kinds with entries the file does not have yet


def _recall(kind: str, key: str):
    """The memo's entry ``key`` of ``kind``, from this process or the disk; ``None``."""
    if kind not in _loaded:
        _loaded.add(kind)
        folder = _state["memo_dir"]
        if folder is not None:
            try:
                with open(folder / f"{kind}.pickle", "rb") as f:
                    _memo[kind] = {**pickle.load(f), **_memo[kind]}
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
                pass                      # no file yet, or one written by other versions
    _used[kind].add(key)
    return _memo[kind].get(key)


def _remember(kind: str, key: str, value) -> None:
    _memo[kind][key] = value
    _used[kind].add(key)
    _added.add(kind)


def store() -> None:
    """Write the API and highlighting memos this process used to the disk."""
    folder = _state["memo_dir"]
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for kind in _STORED:
        if kind not in _added:
            continue
        kept = {k: _memo[kind][k] for k in _used[kind] if k in _memo[kind]}
        tmp = folder / f"{kind}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            pickle.dump(kept, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(folder / f"{kind}.pickle")        # whole, or not at all
        _added.discard(kind)


def digest(*parts: object) -> str:
    """A sha256 of ``parts``, each length-prefixed (no two lists of parts collide)."""
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def package_digest(package_dir: Path) -> str:
    """A digest of every ``.py`` file of the package (what the API reference reads)."""
    files = sorted(package_dir.rglob("*.py"))
    return digest(*(x for f in files for x in (f.relative_to(package_dir).as_posix(),
                                                f.read_bytes())))



# ---- the API reference ------------------------------------------------------------------

def _patch_api() -> None:
    from mkdocstrings_handlers.python._internal.handler import PythonHandler

    original = PythonHandler.render

    @functools.wraps(original)
    def render(self, data, options, locale=None):
        key = digest(data.path, repr(options), locale, _state["package"])
        found = _recall("api", key)
        if found is None:
            before = len(self._headings)
            html = original(self, data, options, locale=locale)
            _remember("api", key, (html, copy.deepcopy(self._headings[before:])))
            return html
        html, headings = found
        self._headings.extend(copy.deepcopy(headings))   # as if it had rendered them
        return html

    PythonHandler.render = render


# ---- syntax highlighting ----------------------------------------------------------------

def _patch_highlight() -> None:
    from pymdownx.highlight import Highlight

    original = Highlight.highlight

    @functools.wraps(original)
    def highlight(self, src, language, *args, **kwargs):
        # Inline code gives an Element, not text; a title in HTML mode is stored in the
        # Markdown instance's stash, whose state is not an input: both left alone.
        if kwargs.get("inline") or (len(args) > 6 and args[6]) or \
                self.title_mode == "html" or self.auto_title or len(args) > 10 or \
                kwargs.get("title"):
            return original(self, src, language, *args, **kwargs)
        options = sorted((k, v) for k, v in vars(self).items() if k != "md")
        key = digest(src, language, repr(args), repr(sorted(kwargs.items())), repr(options))
        found = _recall("highlight", key)
        if found is None:
            found = original(self, src, language, *args, **kwargs)
            _remember("highlight", key, found)
        return found

    Highlight.highlight = highlight


# ---- the search index -------------------------------------------------------------------

def _toc(items) -> list:
    return [(i.id, i.url, i.title, _toc(i.children)) for i in items]


def _search_key(page) -> str:
    meta = {k: page.meta.get(k) for k in ("search", "tags", "title")}
    return digest(page.url, page.title, repr(meta), page.content, repr(_toc(page.toc)))


def _search_read(key: str) -> list | None:
    if (found := _memo["search"].get(key)) is not None:
        return found
    folder = _state["search_dir"]
    if folder is None:
        return None
    try:
        found = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    _memo["search"][key] = found
    return found


def _search_write(key: str, entries: list) -> None:
    _memo["search"][key] = entries
    folder = _state["search_dir"]
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"{key}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    tmp.replace(folder / f"{key}.json")          # whole, or not at all


def _patch_search() -> None:
    from material.plugins.search.plugin import SearchIndex

    original = SearchIndex.add_entry_from_context

    @functools.wraps(original)
    def add_entry_from_context(self, page):
        key = _search_key(page)
        found = _search_read(key)
        if found is None:
            start = len(self.entries)
            original(self, page)
            found = self.entries[start:]
            _search_write(key, copy.deepcopy(found))   # the index may change its own copies
        else:
            self.entries.extend(copy.deepcopy(found))

    SearchIndex.add_entry_from_context = add_entry_from_context


def install() -> None:
    """Wrap the three steps, once per process."""
    if not ENABLED or _patched:
        return
    _patch_api()
    _patch_highlight()
    _patch_search()
    _patched.append("done")


try:  # importable without MkDocs (the tests read `digest`)
    from mkdocs.plugins import event_priority
except ImportError:  # pragma: no cover
    event_priority = None

if event_priority is not None:

    @event_priority(100)
    def on_config(config):
        install()
        root = Path(config.config_file_path).resolve().parent
        _state["search_dir"] = root / "build" / ".cache" / "search"
        _state["memo_dir"] = root / "build" / ".cache" / "memo"
        package = root / "seqcore"
        _state["package"] = package_digest(package) if package.is_dir() else ""
        return config

    @event_priority(-200)   # after the other hooks' post-build work
    def on_post_build(config):
        if ENABLED:
            store()
