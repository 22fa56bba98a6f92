"""What the build hooks (and the checks) all read pages with, defined once.

- :func:`scan`: the page scanner. Every parser of a page source goes through it, so
  the build and the checks agree on what is code and what is text.
- :data:`PLOT`: the plot marker, ``<!-- plot: name -->`` on a line of its own.
- :func:`page_language` and :func:`build_language`: the language of a page (from its
  file name) and the language the i18n plugin is building.
- :data:`BENCH_KEYS` and :data:`BENCH_ROW_KEYS`: the schema of a benchmark record
  (``docs/_data/benchmarks/*.json``), written by ``benchmarks/_record.py`` and read by
  the benchmarks page (``overrides/hooks/benchmark_tables.py``).

Not a hook itself (mkdocs.yml does not list it): the hooks import it by name, as
MkDocs puts the hooks' folder on ``sys.path`` while it loads a hook; the tests load
hooks the same way (``tests/pages.py``), and ``benchmarks/_record.py`` by path.
It imports nothing from MkDocs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
PLOT = re.compile(r"^<!-- plot: (?P<name>[a-z0-9_]+) -->\s*$")

BENCH_SCHEMA = 1
BENCH_KEYS = ("schema", "benchmark", "date", "rounds", "quick", "sizes", "measured_on",
              "machine", "libraries", "sections", "rows")
BENCH_ROW_KEYS = ("section", "candidate", "ms", "reference", "reference_ms", "ratio", "target",
                  "met", "extra")


def scan(markdown: str) -> Iterator[tuple[int, str, str, str]]:
    """Yield ``(line number, line, kind, fence info)`` for every line of a page.

    ``kind`` is ``"fence"`` on a code fence's opening line (``info`` is its
    language), ``"code"`` inside a fenced block (its closing line included) and
    ``"text"`` elsewhere. A fence closes only on a bare fence of the same character,
    at least as long.

    >>> [kind for _, _, kind, _ in scan("a\\n````md\\n```\\n````\\nb")]
    ['text', 'fence', 'code', 'code', 'text']
    """
    fence = None
    for number, line in enumerate(markdown.splitlines(), start=1):
        m = FENCE.match(line)
        if fence is None and m:
            fence = m["fence"]
            yield number, line, "fence", m["info"].strip()
        elif fence is not None and m and m["fence"].startswith(fence[0]) and \
                len(m["fence"]) >= len(fence) and not m["info"].strip():
            fence = None
            yield number, line, "code", ""
        else:
            yield number, line, "code" if fence is not None else "text", ""


def text_lines(markdown: str) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of every line outside code fences."""
    return ((n, line) for n, line, kind, _ in scan(markdown) if kind == "text")


def language_of(src_uri: str) -> str:
    """``rnn.en.md`` -> ``"en"``; a page without a language suffix is the default's."""
    parts = src_uri.rsplit("/", 1)[-1].split(".")
    return parts[-2] if len(parts) >= 3 and parts[-2] in LANGUAGES else DEFAULT_LANGUAGE


def page_language(page) -> str:
    """The language of a MkDocs page, read from its source file's name."""
    return language_of(page.file.src_uri)


def build_language(config, default: str = "en") -> str:
    """The language the i18n plugin is building now; ``default`` without the plugin."""
    i18n = config.plugins.get("i18n")
    return i18n.current_language if i18n is not None else default


def table_cell(text) -> str:
    """``text`` as one cell of a Markdown table: one line, HTML-escaped, no column bar."""
    import html

    return html.escape(" ".join(str(text).split())).replace("|", "&#124;")


def read_yaml(path):
    """A data file of ``docs/_data`` (errata, glossary, notes), parsed by LibYAML when
    PyYAML has it: the pure-Python parser took about 1 s a build for the errata alone."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)
