"""Pages that collect from all the others: every question, every erratum.

- Each ``??? question "…"`` block gets a stable anchor (``q-`` + the slug of its
  title), so it can be linked; a small script opens a question reached by its
  link (``assets/javascripts/open-question.js``).
- ``<!-- questions -->`` on a page becomes the list of every question of the
  same language, grouped by page in navigation order, each linking to its block.
- ``<!-- errata -->`` becomes the errata tables built from ``docs/_data/errata/*.yml``
  (one file per page: corrections, dropped passages, replaced images).
- The glossary (``<!-- glossary -->``) is built by ``overrides/hooks/glossary.py``;
  :func:`load_glossary` reads the same file for the one-term-per-concept check
  (``tests/test_glossary.py``).
- ``<!-- benchmarks: name -->`` (a line of its own) becomes the tables of
  ``docs/_data/benchmarks/<name>.json``, written by ``python -m benchmarks --json``:
  the figures are the file's numbers, never typed by hand. A page with such markers
  must show every file of that folder; a missing file or marker fails the build.

The question ids are computed from the Markdown sources on both ends (the block
and the index), with :func:`question_ids`, so the links cannot drift.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

QA_TITLE = re.compile(r'^\s*\?{3}\+?\s+question\s+"(?P<title>[^"]*)"')
H1 = re.compile(r"^#\s+(?P<title>.+?)\s*$", re.M)
KINDS = ("correction", "dropped", "image")


def _slugify():
    from pymdownx.slugs import slugify

    return slugify(case="lower")


def question_ids(markdown: str) -> list[tuple[str, str]]:
    """``[(title, anchor id)]`` of the page's question blocks, in order, ids unique."""
    slug, seen, out = _slugify(), set(), []
    in_fence = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if in_fence or not (m := QA_TITLE.match(line)):
            continue
        plain = " ".join(re.sub(r"\$[^$]*\$", "", m["title"]).split())  # math slugs to noise
        base = "q-" + (slug(plain, "-").strip("-") or "question")
        anchor, n = base, 2
        while anchor in seen:
            anchor, n = f"{base}-{n}", n + 1
        seen.add(anchor)
        out.append((m["title"], anchor))
    return out


def load_errata(folder: Path) -> list[dict]:
    """Every entry of ``folder/*.yml``, each with the file's page name, validated."""
    import yaml

    entries = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(data, list):
            raise ValueError(f"{path.name}: expected a list of entries, got {type(data).__name__}")
        for i, entry in enumerate(data):
            where = f"{path.name} entry {i + 1}"
            if not isinstance(entry, dict):
                raise ValueError(f"{where}: expected a mapping, got {entry!r}")
            missing = [k for k in ("kind", "seed", "ko", "en") if not entry.get(k)]
            if missing:
                raise ValueError(f"{where}: missing {', '.join(missing)}")
            if entry["kind"] not in KINDS:
                raise ValueError(f"{where}: kind must be one of {KINDS}, got {entry['kind']!r}")
            entries.append({**entry, "file": path.stem})
    return entries


# In an erratum's own words (the ko/en columns), $…$ is math for KaTeX and `…` is code;
# everything else is prose, where TeX written bare (a^{(t-1)}_{forward}) must keep its
# underscores instead of turning into Markdown emphasis.
ERRATUM_KEPT = re.compile(r"(\$[^$\n]+\$|`[^`\n]+`)")
ERRATUM_ESCAPED = (("\\", "&#92;"), ("_", "&#95;"), ("*", "&#42;"), ("[", "&#91;"),
                   ("]", "&#93;"), ("!", "&#33;"), ("<", "&lt;"), (">", "&gt;"))


def erratum_text(text: str) -> str:
    """A table cell of an erratum: its math and code as written, the rest no Markdown."""
    parts = ERRATUM_KEPT.split(" ".join(str(text).split()))
    for i in range(0, len(parts), 2):          # even parts: prose between math and code
        for ch, entity in ERRATUM_ESCAPED:
            parts[i] = parts[i].replace(ch, entity)
    return "".join(parts).replace("|", "&#124;")


def page_title(markdown: str, fallback: str) -> str:
    """The page's title: its first level-1 heading, or ``fallback``."""
    m = H1.search(markdown)
    return m["title"] if m else fallback


def load_glossary(path: Path) -> list[dict]:
    """The glossary entries ``{ko, en, avoid: [...]}``, validated, in file order."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise ValueError(f"{path.name}: expected a list of terms, got {type(data).__name__}")
    for i, entry in enumerate(data):
        if not isinstance(entry, dict) or not entry.get("ko") or not entry.get("en"):
            raise ValueError(f"{path.name} entry {i + 1}: needs 'ko' and 'en', got {entry!r}")
        avoid = entry.setdefault("avoid", [])
        if not isinstance(avoid, list) or not all(isinstance(a, str) for a in avoid):
            raise ValueError(f"{path.name} entry {i + 1} ({entry['ko']}): 'avoid' must be a "
                             f"list of strings, got {avoid!r}")
    return data


BENCH = re.compile(r"^<!-- benchmarks: (?P<name>[a-z0-9_]+) -->[ \t]*$", re.M)
BENCH_KEYS = ("schema", "benchmark", "date", "rounds", "quick", "sizes", "measured_on",
              "machine", "libraries", "sections", "rows")
BENCH_ROW_KEYS = ("section", "candidate", "ms", "reference", "reference_ms", "ratio", "target",
                  "met", "extra")


def load_benchmark(folder: Path, name: str) -> dict:
    """``folder/<name>.json`` (written by ``benchmarks/_record.py``), its schema checked."""
    import json

    path = folder / f"{name}.json"
    if not path.is_file():
        raise ValueError(f"{path}: no such file (python -m benchmarks {name} --json {folder} "
                         "--quick writes it)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON: {exc}") from exc
    missing = [k for k in BENCH_KEYS if k not in doc] if isinstance(doc, dict) else ["all"]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}")
    if doc["benchmark"] != name:
        raise ValueError(f"{path}: holds benchmark {doc['benchmark']!r}, not {name!r}")
    for i, row in enumerate(doc["rows"]):
        lacking = [k for k in BENCH_ROW_KEYS if k not in row]
        if lacking:
            raise ValueError(f"{path} row {i + 1}: missing {', '.join(lacking)}")
        if not 0 <= row["section"] < len(doc["sections"]):
            raise ValueError(f"{path} row {i + 1}: section {row['section']} does not exist")
    if not doc["rows"]:
        raise ValueError(f"{path}: no rows")
    return doc


def _num(x) -> str:
    """A number of the file as it is there (4 significant digits at most): no re-rounding."""
    return f"{x:g}" if isinstance(x, float) else str(x)


_BENCH_WORDS = {
    "ko": {"head": "| 측정 대상 | 시간 (ms) | 기준 | 기준 시간 (ms) | 비율 | 목표 "
                   "| 그 밖의 측정값 |",
           "met": "달성", "missed": "미달", "peak": "최대 메모리 {0} MiB (기준 {1} MiB)",
           "diff": "기준과의 최대 차이 {0}", "matmuls": "행렬곱 {0}번 (기준 {1}번)",
           "analogies": "유추 정답 {1}/{0} (기준 {2}/{0})",
           "machine": "측정: {date}, {cpu}, 논리 코어 {cores}개(다른 작업과 함께 쓰는 머신), "
                      "라운드 {rounds}{quick}. {libs}.",
           "quick": ", `--quick`", "sizes": " 줄인 크기: {0}.",
           "notes": "벤치마크가 출력한 메모 (영어 원문)"},
    "en": {"head": "| Measured | Time (ms) | Reference | Reference time (ms) | Ratio | Target "
                   "| Other measurements |",
           "met": "met", "missed": "missed", "peak": "peak memory {0} MiB (reference {1} MiB)",
           "diff": "max difference from the reference {0}",
           "matmuls": "{0} matrix products (reference {1})",
           "analogies": "analogies right {1}/{0} (reference {2}/{0})",
           "machine": "Measured {date} on {cpu}, {cores} logical cores (a machine shared with "
                      "other jobs), {rounds} rounds{quick}. {libs}.",
           "quick": ", `--quick`", "sizes": " Reduced sizes: {0}.",
           "notes": "The benchmark's printed notes"},
}


def _extra(extra: dict, words: dict) -> str:
    """The row's other measurements, in the page's language; unknown keys as ``key = value``."""
    rest, parts = dict(extra), []
    if "peak_mib" in rest and "reference_peak_mib" in rest:
        parts.append(words["peak"].format(_num(rest.pop("peak_mib")),
                                          _num(rest.pop("reference_peak_mib"))))
    if "max_abs_diff" in rest:
        parts.append(words["diff"].format(_num(rest.pop("max_abs_diff"))))
    if "matmuls" in rest and "reference_matmuls" in rest:
        parts.append(words["matmuls"].format(_num(rest.pop("matmuls")),
                                             _num(rest.pop("reference_matmuls"))))
    keys = ("analogies_inside_vocabulary", "analogies_correct", "reference_analogies_correct")
    if all(k in rest for k in keys):
        parts.append(words["analogies"].format(*(_num(rest.pop(k)) for k in keys)))
    rest.pop("n", None)                        # already in the row's name
    parts += [f"{k} = {_num(v)}" for k, v in rest.items()]
    return "; ".join(parts)


def benchmark_tables(doc: dict, lang: str) -> str:
    """The Markdown of one benchmark file: a table per printed section, then the machine."""
    words = _BENCH_WORDS[lang]
    out = []
    for i, section in enumerate(doc["sections"]):
        out.append(f"\n**{_plain(section['title'])}**\n")
        out += [words["head"], "|---|--:|---|--:|--:|---|---|"]
        for row in (r for r in doc["rows"] if r["section"] == i):
            target = ""
            if row["target"] is not None:
                verdict = words["met"] if row["met"] else words["missed"]
                target = f"≤ {_num(row['target'])}× ({verdict})"
            cells = [_plain(row["candidate"]), _num(row["ms"]), _plain(row["reference"]),
                     _num(row["reference_ms"]), f"{_num(row['ratio'])}×", target,
                     _plain(_extra(row["extra"], words))]
            out.append("| " + " | ".join(cells) + " |")
        if section["notes"]:                   # the benchmark's own words, as it printed them
            out.append(f'\n??? note "{words["notes"]}"\n')
            out += [f"    - {_plain(note)}" for note in section["notes"]]
    m = doc["machine"]
    libs = _plain(", ".join(f"{k} {v}" for k, v in doc["libraries"].items() if v))
    out.append("\n" + words["machine"].format(
        date=doc["date"], cpu=_plain(m.get("cpu", "?")), cores=m.get("cores", "?"),
        rounds=doc["rounds"], quick=words["quick"] if doc["quick"] else "", libs=libs)
        + (words["sizes"].format(_plain(doc["sizes"])) if doc["sizes"] else ""))
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return html.escape(" ".join(str(text).split())).replace("|", "&#124;")


def _plain(text: str) -> str:
    """A table cell shown as written: the benchmarks' names (``scores_batch``) are no Markdown."""
    cell = _cell(text)
    for ch, entity in (("_", "&#95;"), ("*", "&#42;"), ("$", "&#36;"), ("`", "&#96;"),
                       ("[", "&#91;"), ("]", "&#93;")):
        cell = cell.replace(ch, entity)
    return cell


try:  # the functions above must import without MkDocs (the tests use them)
    from mkdocs.exceptions import PluginError
    from mkdocs.plugins import event_priority
    from mkdocs.utils import get_relative_url
except ImportError:  # pragma: no cover
    event_priority = None

if event_priority is not None:
    _order: list = []   # the current language's pages, in navigation order

    def _lang(config) -> str:
        i18n = config.plugins.get("i18n")
        return i18n.current_language if i18n is not None else "en"

    def on_nav(nav, config, files):
        _order[:] = [p for p in nav.pages if p.file.src_uri.endswith(".md")]
        return nav

    def on_page_markdown(markdown, page, config, files):
        if "<!-- questions -->" in markdown:
            markdown = markdown.replace("<!-- questions -->", _question_index(page, config))
        if "<!-- errata -->" in markdown:
            markdown = markdown.replace("<!-- errata -->", _errata(page, config, files))
        if BENCH.search(markdown):
            markdown = _benchmarks(markdown, page, config)
        return markdown

    def _benchmarks(markdown: str, page, config) -> str:
        lang = _lang(config)
        folder = Path(config.docs_dir) / "_data" / "benchmarks"
        shown = {m["name"] for m in BENCH.finditer(markdown)}
        for path in sorted(folder.glob("*.json")):
            if path.stem not in shown:
                raise PluginError(f"{page.file.src_uri}: {path} is shown nowhere "
                                  f"(add <!-- benchmarks: {path.stem} --> on a line of its own)")

        def table(m: re.Match) -> str:
            try:
                return benchmark_tables(load_benchmark(folder, m["name"]), lang)
            except (ValueError, OSError, KeyError, TypeError) as exc:
                raise PluginError(f"{page.file.src_uri}: benchmarks: {exc!r}") from exc
        return BENCH.sub(table, markdown)

    def _question_index(page, config) -> str:
        ko = _lang(config) == "ko"
        out = []
        for other in _order:
            qs = question_ids(other.file.content_string)
            if not qs or other is page:
                continue
            title = (m["title"] if (m := H1.search(other.file.content_string))
                     else other.file.src_uri)
            link = get_relative_url(other.file.src_uri, page.file.src_uri)
            out.append(f"\n## [{title}]({link})\n")
            out.extend(f"- [{q}]({link}#{anchor})" for q, anchor in qs)
        if not out:
            return "아직 질문이 없습니다." if ko else "No questions yet."
        return "\n".join(out) + "\n"

    def _errata(page, config, files) -> str:
        lang = _lang(config)
        folder = Path(config.docs_dir) / "_data" / "errata"
        try:
            entries = load_errata(folder)
        except (ValueError, OSError) as exc:
            raise PluginError(f"errata: {exc}") from exc
        titles = {
            "ko": {"correction": "정정", "dropped": "뺀 부분", "image": "바꾼 그림"},
            "en": {"correction": "Corrections", "dropped": "Dropped passages",
                   "image": "Replaced images"},
        }[lang]
        head = {"ko": "| 노트 | 위치 | 원문 | 바로잡은 내용 | 페이지 |",
                "en": "| Note | Where | Original | What the site says instead | Page |"}[lang]
        out = []
        for kind in KINDS:
            rows = [e for e in entries if e["kind"] == kind]
            out.append(f"\n## {titles[kind]} ({len(rows)})\n")
            if not rows:
                out.append("—")
                continue
            out += [head, "|---|---|---|---|---|"]
            for e in rows:
                # Link the page, not a heading: headings' anchors differ per language.
                target = (e.get("page") or "").split("#")[0]
                link = ""
                if target:
                    doc = target.replace(".md", f".{lang}.md")
                    title = _title_of(doc, e["file"], config)
                    link = f"[{_cell(title)}]({get_relative_url(doc, page.file.src_uri)})"
                cells = [_cell(e["seed"].split("_")[0]), _verbatim(e.get("where", "")),
                         _verbatim(e.get("original", "")), erratum_text(e[lang]), link]
                out.append("| " + " | ".join(cells) + " |")
        return "\n".join(out) + "\n"

    def _title_of(doc: str, fallback: str, config) -> str:
        """The title of ``doc`` (``rnn.ko.md``) in its language, as its heading gives it."""
        path = Path(config.docs_dir) / doc
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        return page_title(text, fallback)

    URL = re.compile(r"https?://\S+")

    def _verbatim(text: str) -> str:
        """The notes' own words, shown as written: no math, links or images made of them."""
        cell = _cell(text)
        for ch, entity in (("$", "&#36;"), ("[", "&#91;"), ("]", "&#93;"), ("!", "&#33;"),
                           ("*", "&#42;"), ("_", "&#95;"), ("`", "&#96;")):
            cell = cell.replace(ch, entity)
        return URL.sub(lambda m: f"<code>{m[0]}</code>", cell)

    DETAILS = re.compile(r'<details class="question"(?P<open> open)?>')

    def on_page_content(html_text, page, config, files):
        ids = iter(question_ids(page.file.content_string))

        def anchor(m: re.Match) -> str:
            _, qid = next(ids, ("", ""))
            return f'<details class="question" id="{qid}"{m["open"] or ""}>' if qid else m[0]

        return DETAILS.sub(anchor, html_text)
