"""Numbers in the text, read from the experiment records at build time.

A page quotes a recorded number with an inline marker::

    the RNN's exponent was <!-- value: scaling rnn.time_exponent .2f -->

``scaling`` names ``docs/_data/experiments/scaling.json`` (written by
``python -m experiments scaling``), ``rnn.time_exponent`` is the path to the number
(dots between keys; an integer picks a list item, ``-1`` the last), and the last word
is a Python format spec. An optional factor before it scales the number first
(``*1000`` for seconds shown in ms, ``/1048576`` for bytes in MiB)::

    <!-- value: scaling attention.seconds.-1 *1000 .0f --> ms

The marker becomes the formatted number, so a re-recorded experiment updates the text
with it and no quoted number is typed by hand. A missing record, a path that leads
nowhere or a value that is not a number fails the build with the page named.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

VALUE = re.compile(r"<!-- value: (?P<name>[a-z0-9_]+) (?P<path>[A-Za-z0-9_.\-]+)"
                   r"(?: (?P<op>[*/])(?P<factor>[0-9.e+]+))? (?P<spec>[^ ]*) -->")


def lookup(record: dict, path: str):
    """The item of ``record`` at the dotted ``path`` (integers index lists)."""
    item = record
    for key in path.split("."):
        if isinstance(item, list):
            try:
                item = item[int(key)]
            except (ValueError, IndexError):
                raise KeyError(f"{path!r}: no item {key!r} in a list of {len(item)}") from None
        elif isinstance(item, dict) and key in item:
            item = item[key]
        else:
            raise KeyError(f"{path!r}: no key {key!r}")
    return item


def render(m: re.Match, folder: Path) -> str:
    """The formatted number a marker stands for."""
    path = folder / f"{m['name']}.json"
    if not path.is_file():
        raise ValueError(f"{path}: no such record (python -m experiments {m['name']})")
    value = lookup(json.loads(path.read_text(encoding="utf-8")), m["path"])
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{m['name']} {m['path']}: not a number but {value!r}")
    if m["op"]:
        factor = float(m["factor"])
        value = value * factor if m["op"] == "*" else value / factor
    return format(value, m["spec"])


def substitute(markdown: str, folder: Path) -> str:
    return VALUE.sub(lambda m: render(m, folder), markdown)


try:  # the functions above must import without MkDocs (the tests use them)
    from mkdocs.exceptions import PluginError
except ImportError:  # pragma: no cover
    PluginError = None

if PluginError is not None:

    def on_page_markdown(markdown, page, config, files):
        if "<!-- value:" not in markdown:
            return markdown
        try:
            return substitute(markdown, Path(config.docs_dir) / "_data" / "experiments")
        except (ValueError, KeyError, OSError) as exc:
            raise PluginError(f"{page.file.src_uri}: value marker: {exc}") from exc
