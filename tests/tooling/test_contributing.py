"""The contributing guide: one source (``CONTRIBUTING.md``) for GitHub and for the site.

The root file holds the guide twice, Korean and English, each between pymdownx.snippets
section markers; ``docs/contributing.{ko,en}.md`` include their language's section. The
checks on pages (parity, glossary, stale translations) read the page sources, which hold
only the include, so this file checks the guide itself:

- each site page includes its own language's section, and renders to the same headings
  (through the snippets settings of ``mkdocs.yml``, and in the built site);
- the two sections keep one skeleton: the same headings, code blocks and inline code;
- every topic a contributor looks for has a heading in both languages;
- every command in a ``bash`` block exists (scripts, tools, options, test files, markers,
  benchmark names), the ``pycon`` examples run and the ``python`` examples compile;
- the Korean section follows the glossary; no Markdown link (it would resolve on GitHub
  or on the site, never both), no math, no diagram inside the guide.
"""

from __future__ import annotations

import ast
import doctest
import html
import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

from tests.conftest import DOCS, ROOT
from tests.pages import hook, load_hook, pagekit
from tests.site.test_glossary import GLOSSARY, violations

GUIDE = ROOT / "CONTRIBUTING.md"
LANGS = ("ko", "en")
SECTION = re.compile(r"^<!-- --8<-- \[start:(?P<lang>[a-z]+)\] -->\n(?P<body>.*?)\n"
                     r"<!-- --8<-- \[end:(?P=lang)\] -->$", re.M | re.S)
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*$")
INLINE_CODE = re.compile(r"(?P<ticks>`+)(?P<code>.+?)(?P=ticks)")
BLOCK_INCLUDE = re.compile(r"^-{1,}8<-{1,}\n(?P<paths>.*?)\n-{1,}8<-{1,}$", re.M | re.S)

# What a newcomer looks for: (topic, a word of its Korean heading, of its English heading).
TOPICS = [
    ("set up", "준비", "set up"),
    ("preview the site", "미리 보기", "preview"),
    ("edit a page", "페이지 고치기", "edit a page"),
    ("add a formula with its implementation and test", "수식", "formula"),
    ("add a snippet", "예제 파일", "snippet"),
    ("add a diagram", "다이어그램", "diagram"),
    ("add a plot", "그래프", "plot"),
    ("add a chapter", "새 장", "chapter"),
    ("run the checks", "검사", "checks"),
    ("benchmarks", "벤치마크", "benchmarks"),
    ("site address, downloads and the PDF", "PDF", "PDF"),
]


def sections(text: str) -> dict[str, str]:
    """``{language: its section's Markdown}`` of the root file."""
    found: dict[str, str] = {}
    for m in SECTION.finditer(text):
        assert m["lang"] not in found, f"CONTRIBUTING.md: two '{m['lang']}' sections"
        found[m["lang"]] = m["body"]
    return found


@cache
def guide() -> dict[str, str]:
    return sections(GUIDE.read_text(encoding="utf-8"))


def headings(markdown: str) -> list[tuple[int, str]]:
    return [(len(m["hashes"]), m["text"]) for _, line, kind, _ in pagekit.scan(markdown)
            if kind == "text" and (m := HEADING.match(line))]


def blocks(markdown: str) -> list[tuple[str, str]]:
    """``(language, body)`` of every fenced code block, in order."""
    out, info, body = [], None, []
    for _, line, kind, fence_info in pagekit.scan(markdown):
        if info is not None and kind != "code":   # the block closed on the line before
            out.append((info, _dedent(body[:-1])))  # body[-1] is the closing fence
            info = None
        if kind == "fence":
            info, body = (fence_info.split()[0] if fence_info else ""), []
        elif kind == "code":
            body.append(line)
    if info is not None:
        out.append((info, _dedent(body[:-1])))
    return out


def _dedent(lines: list[str]) -> str:
    indent = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
    return "\n".join(ln[indent:] for ln in lines)


def prose(markdown: str) -> str:
    """The text outside code blocks, with inline code removed."""
    lines = [line for _, line, kind, _ in pagekit.scan(markdown) if kind == "text"]
    return INLINE_CODE.sub(" ", "\n".join(lines))


def inline_code(markdown: str) -> list[str]:
    lines = [line for _, line, kind, _ in pagekit.scan(markdown) if kind == "text"]
    return sorted(m["code"].strip() for m in INLINE_CODE.finditer("\n".join(lines)))


def commands(script: str) -> list[str]:
    """The commands of a bash block: continuations joined, comments dropped, split at ``&&``."""
    joined = script.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        command: list[str] = []
        for word in [*words, "&&"]:
            if word in ("&&", ";", "||"):
                if command:
                    out.append(shlex.join(command))
                command = []
            else:
                command.append(word)
    return out


def skeleton(markdown: str) -> dict[str, object]:
    """What the two languages must share: heading levels, code, inline code."""
    return {
        "heading levels": [level for level, _ in headings(markdown)],
        "code blocks": [(info, commands(body) if info == "bash" else body)
                        for info, body in blocks(markdown)],
        "inline code": inline_code(markdown),
    }


def differences(ko: str, en: str) -> list[str]:
    a, b = skeleton(ko), skeleton(en)
    out = []
    for key in a:
        if a[key] != b[key]:
            if key == "inline code":
                only_ko = sorted(set(a[key]) - set(b[key]))
                only_en = sorted(set(b[key]) - set(a[key]))
                out.append(f"{key} differs: only Korean {only_ko}, only English {only_en} "
                           f"(counts {len(a[key])} and {len(b[key])})")
            else:
                out.append(f"{key} differ:\n    ko: {a[key]}\n    en: {b[key]}")
    return out


# ---- the commands of the bash blocks ----------------------------------------------------

BIN = Path(sys.executable).parent


def _markers() -> set[str]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {m.split(":")[0].split("(")[0] for m in config["tool"]["pytest"]["ini_options"][
        "markers"]}


def _benchmarks() -> set[str]:
    """Benchmark names: ``benchmarks/bench_<name>.py`` files that define ``run``."""
    names = set()
    for path in (ROOT / "benchmarks").glob("bench_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.FunctionDef) and n.name == "run" for n in tree.body):
            names.add(path.stem.removeprefix("bench_"))
    return names


@cache
def _help(*argv: str) -> str:
    proc = subprocess.run([*argv, "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, f"{shlex.join(argv)} --help failed:\n{proc.stderr[-2000:]}"
    return proc.stdout


def _options(words: list[str]) -> list[str]:
    return [w.split("=")[0] for w in words if w.startswith("--")]


def command_problems(command: str) -> list[str]:
    """Why ``command`` (one command of a bash block) would not run here; empty if it would."""
    words = shlex.split(command)
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):   # PYTHONPATH=$PWD …
        words.pop(0)
    prog, args = words[0], words[1:]
    if prog == "bash":
        script = ROOT / args[0]
        if not script.is_file():
            return [f"{command}: no script {args[0]}"]
        if args[0] == ".ci/setup" and args[1:] not in ([], ["site"]):
            return [f"{command}: .ci/setup takes nothing or 'site'"]
        return []
    if not prog.startswith(".venv/bin/"):
        return [f"{command}: run tools from .venv/bin (no rule here checks {prog!r}; add one "
                "to tests/tooling/test_contributing.py)"]
    tool = BIN / prog.removeprefix(".venv/bin/")
    if not tool.exists():
        return [f"{command}: {prog} is not installed (bash .ci/setup installs it)"]
    name = tool.name
    if name == "python":
        return _python_problems(command, args)
    if name == "mkdocs":
        if not args or args[0] not in ("serve", "build"):
            return [f"{command}: mkdocs subcommand must be serve or build"]
        known = _help(str(tool), args[0])
        return [f"{command}: mkdocs {args[0]} has no option {o}"
                for o in _options(args[1:]) if o not in known]
    if name == "pre-commit":
        config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
        stages = {s for repo in config["repos"] for h in repo["hooks"]
                  for s in h.get("stages", ["pre-commit"])}
        types = [args[i + 1] for i, a in enumerate(args) if a == "--hook-type"]
        if args[:1] != ["install"] or set(types) != stages:
            return [f"{command}: install every hook type the config uses: {sorted(stages)}"]
        return []
    return [f"{command}: no rule checks {prog} (add one to tests/tooling/test_contributing.py)"]


def _python_problems(command: str, args: list[str]) -> list[str]:
    if args[:2] == ["-m", "benchmarks"]:
        names = [a for a in args[2:] if not a.startswith("-")]
        flags = [a for a in args[2:] if a.startswith("-")]
        problems = [f"{command}: no benchmark {n!r} (benchmarks/bench_{n}.py with run())"
                    for n in names if n not in _benchmarks()]
        return problems + [f"{command}: benchmarks take no flag {f}" for f in flags
                           if f != "--quick"]
    if args[:2] == ["-m", "experiments"]:
        from experiments import NAMES

        names = [a for a in args[2:] if not a.startswith("-")]
        flags = [a for a in args[2:] if a.startswith("-")]
        problems = [f"{command}: no experiment {n!r} (experiments.NAMES)" for n in names
                    if n not in NAMES]
        return problems + [f"{command}: experiments take no flag {f}" for f in flags
                           if f not in ("--quiet", "--list")]
    if args[:2] == ["-m", "pytest"]:
        problems, rest = [], args[2:]
        for i, arg in enumerate(rest):
            if i and rest[i - 1] == "-m":
                words = set(re.findall(r"[a-z_]+", arg)) - {"not", "and", "or"}
                problems += [f"{command}: no pytest marker {w!r}" for w in words - _markers()]
            elif not arg.startswith("-") and not (ROOT / arg.split("::")[0]).exists():
                problems.append(f"{command}: no test file {arg}")
        return problems
    if args and args[0].endswith(".py"):
        if not (ROOT / args[0]).is_file():
            return [f"{command}: no script {args[0]}"]
        known = _help(sys.executable, args[0])
        return [f"{command}: {args[0]} has no option {o}" for o in _options(args[1:])
                if o not in known]
    return [f"{command}: no rule checks 'python {' '.join(args[:2])}'"]


# ---- the tests -------------------------------------------------------------------------

def test_the_root_file_has_one_section_per_language():
    assert sorted(guide()) == sorted(LANGS), (
        f"CONTRIBUTING.md must hold one section per language between "
        f"'<!-- --8<-- [start:ko] -->' … '[end:ko]' markers; found {sorted(guide())}")
    for lang, body in guide().items():
        first = headings(body)[:1]
        assert first and first[0][0] == 1, f"the {lang} section must start with a # title"


@pytest.mark.parametrize("lang", LANGS)
def test_the_site_page_includes_its_own_section(lang):
    page = DOCS / f"contributing.{lang}.md"
    text = page.read_text(encoding="utf-8")
    includes = [p.strip() for m in BLOCK_INCLUDE.finditer(text) for p in m["paths"].split("\n")]
    assert includes == [f"CONTRIBUTING.md:{lang}"], (
        f"{page.name} must include only its own section of CONTRIBUTING.md; found {includes}")
    rest = BLOCK_INCLUDE.sub("", text)
    assert not re.sub(r"<!--.*?-->", "", rest, flags=re.S).strip(), (
        f"{page.name}: write the text in CONTRIBUTING.md, not on the page")


def _snippets_config() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *_: None)
    Loader.add_constructor("!ENV", lambda *_: None)     # site_url, repo_url
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    for ext in config["markdown_extensions"]:
        if isinstance(ext, dict) and "pymdownx.snippets" in ext:
            return ext["pymdownx.snippets"]
    raise AssertionError("mkdocs.yml does not configure pymdownx.snippets")


def _html_headings(text: str) -> list[tuple[int, str]]:
    out = []
    for level, inner in re.findall(r"<h([1-6])\b[^>]*>(.*?)</h\1>", text, re.S):
        inner = re.sub(r'<a class="headerlink".*?</a>', "", inner, flags=re.S)
        out.append((int(level), html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()))
    return out


def _plain(heading: str) -> str:
    """A Markdown heading as text: inline code and emphasis marks dropped."""
    return re.sub(r"[`*]", "", heading)


@pytest.mark.parametrize("lang", LANGS)
def test_the_site_page_renders_the_sections_headings(lang):
    """Through the snippets settings of mkdocs.yml: the page shows what the root file says."""
    import markdown

    config = _snippets_config()
    config = {**config, "base_path": [str(ROOT / b) for b in config["base_path"]]}
    md = markdown.Markdown(extensions=["pymdownx.snippets", "pymdownx.superfences",
                                       "md_in_html", "admonition", "attr_list", "tables"],
                           extension_configs={"pymdownx.snippets": config})
    rendered = md.convert((DOCS / f"contributing.{lang}.md").read_text(encoding="utf-8"))
    expected = [(level, _plain(text)) for level, text in headings(guide()[lang])]
    assert _html_headings(rendered) == expected


@pytest.mark.site
@pytest.mark.parametrize("lang", LANGS)
def test_the_built_page_shows_the_section(built_site, lang):
    prefix = "" if lang == "ko" else "en/"
    text = (built_site / prefix / "contributing" / "index.html").read_text(encoding="utf-8")
    article = text[text.index("<article"):text.index("</article>")]
    expected = [(level, _plain(t)) for level, t in headings(guide()[lang])]
    assert _html_headings(article) == expected
    title = re.search(r"<title>(.*?)</title>", text)[1]
    assert title.startswith(expected[0][1]), f"the page title {title!r} is not the guide's title"
    assert "arithmatex" not in article and 'class="mermaid"' not in article


def test_both_languages_keep_one_skeleton():
    problems = differences(guide()["ko"], guide()["en"])
    assert not problems, ("the Korean and English sections of CONTRIBUTING.md drifted apart "
                          "(change both):\n  " + "\n  ".join(problems))


@pytest.mark.parametrize(("topic", "ko", "en"), TOPICS, ids=[t[0] for t in TOPICS])
def test_each_topic_has_a_heading_in_both_languages(topic, ko, en):
    for lang, word in (("ko", ko), ("en", en)):
        titles = [text for _, text in headings(guide()[lang])]
        assert any(word.lower() in t.lower() for t in titles), (
            f"CONTRIBUTING.md ({lang}): no heading for '{topic}' (one containing {word!r}); "
            f"headings: {titles}")


def bash_commands() -> list[str]:
    return [c for info, body in blocks(guide()["en"]) if info == "bash" for c in commands(body)]


def test_the_guide_shows_commands():
    assert len(bash_commands()) >= 10, bash_commands()


@pytest.mark.parametrize("command", bash_commands())
def test_every_command_exists(command):
    problems = command_problems(command)
    assert not problems, "\n".join(problems)


def test_the_python_and_pycon_examples_are_real():
    """pycon examples run as doctests; python examples (not run: they would register a
    formula id twice) at least compile."""
    parser = doctest.DocTestParser()
    for lang in LANGS:
        for n, (info, body) in enumerate(blocks(guide()[lang])):
            if info == "pycon":
                test = parser.get_doctest(body, {}, f"CONTRIBUTING {lang} block {n}", None, 0)
                runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
                out: list[str] = []
                runner.run(test, out=out.append)
                assert runner.summarize(verbose=False).failed == 0, "".join(out)
            elif info == "python":
                compile(body, f"CONTRIBUTING {lang} block {n}", "exec")
            else:
                assert info in ("bash", "text", "yaml"), f"{lang}: a ```{info} block"


def test_the_examples_name_what_the_repository_has(tmp_path):
    """The example formula is a real one, and the errata record passes the build's loader."""
    import seqcore

    text = guide()["en"]
    code = "\n".join(body for info, body in blocks(text) if info in ("python", "text"))
    ids = re.findall(r'formula\("([^"]+)"\)|id="([a-z0-9.-]+)"', code)
    assert ids, "the guide's examples show no formula id"
    for fid in (a or b for a, b in ids):
        assert fid in seqcore.FORMULAS, f"the guide's example formula {fid} is not in seqcore"
    records = [body for info, body in blocks(text) if info == "yaml"]
    assert records, "the guide shows no errata record"
    for n, body in enumerate(records):
        (tmp_path / f"example{n}.yml").write_text(body, encoding="utf-8")
    assert len(load_hook("errata").load_errata(tmp_path)) == len(records)


def test_the_include_example_is_shown_not_expanded():
    """The guide shows the include line through HTML entities, so the snippets extension
    does not expand it inside the guide; decoded, it is the syntax pages use."""
    from pymdownx.snippets import SnippetPreprocessor

    for lang in LANGS:
        shown = re.findall(r"<pre><code>(.*?)</code></pre>", guide()[lang], re.S)
        assert shown, f"{lang}: no include example"
        for raw in shown:
            for line in raw.splitlines():
                assert not SnippetPreprocessor.RE_ALL_SNIPPETS.match(line), line
            decoded = html.unescape(raw).splitlines()
            assert decoded[0] == "```pycon" and decoded[-1] == "```"
            assert hook.SNIPPET.match(decoded[1]) and \
                SnippetPreprocessor.RE_ALL_SNIPPETS.match(decoded[1]), decoded[1]


def test_the_korean_section_uses_the_glossary_terms():
    terms = load_hook("glossary").load_glossary(GLOSSARY)
    found = violations(guide()["ko"], terms)
    assert not found, "CONTRIBUTING.md (ko): one Korean term per concept " \
        "(docs/_data/glossary.yml):\n  " + "\n  ".join(found)


@pytest.mark.parametrize("lang", LANGS)
def test_no_link_math_or_diagram_inside_a_section(lang):
    body = guide()[lang]
    text = prose(body)
    links = re.findall(r"!?\[[^\]]*\]\([^)]*\)", text)
    assert not links, (f"{lang}: Markdown links {links}: a path relative to the repository "
                       "does not resolve on the site; write the path as code")
    assert "$" not in text, f"{lang}: math outside code would be typeset on the site only"
    assert "mermaid" not in [info for info, _ in blocks(body)], f"{lang}: a diagram"


# ---- the checks above can fail ---------------------------------------------------------

def test_the_skeleton_check_sees_a_drift():
    ko, en = guide()["ko"], guide()["en"]
    assert differences(ko, en) == []
    dropped = en.replace("\n## Benchmarks\n", "\nBenchmarks\n", 1)
    assert any(d.startswith("heading levels") for d in differences(ko, dropped))
    renamed = en.replace("\nbash .ci/check\n", "\nbash .ci/checks\n", 1)
    assert any(d.startswith("code blocks") for d in differences(ko, renamed))
    moved = en.replace("`docs/_data/glossary.yml`", "the glossary file", 1)
    assert any(d.startswith("inline code") and "docs/_data/glossary.yml" in d
               for d in differences(ko, moved))


def test_the_command_check_flags_what_does_not_exist():
    assert command_problems("bash .ci/nothing") == ["bash .ci/nothing: no script .ci/nothing"]
    assert command_problems(".venv/bin/python -m benchmarks tfidf nope") == [
        ".venv/bin/python -m benchmarks tfidf nope: no benchmark 'nope' "
        "(benchmarks/bench_nope.py with run())"]
    assert command_problems(".venv/bin/python -m pytest -m gpux tests/test_nope.py") == [
        ".venv/bin/python -m pytest -m gpux tests/test_nope.py: no pytest marker 'gpux'",
        ".venv/bin/python -m pytest -m gpux tests/test_nope.py: no test file tests/test_nope.py"]
    assert command_problems(".venv/bin/python .ci/new_note.py x --formula a.b --fn f") == [
        ".venv/bin/python .ci/new_note.py x --formula a.b --fn f: .ci/new_note.py has no "
        "option --fn"]
    assert command_problems(".venv/bin/mkdocs deploy")[0].endswith("serve or build")


def test_sections_are_found_only_between_matching_markers():
    text = ("intro\n<!-- --8<-- [start:ko] -->\n# 가\n<!-- --8<-- [end:ko] -->\n"
            "<!-- --8<-- [start:en] -->\n# A\n<!-- --8<-- [end:ko] -->\n")
    assert sections(text) == {"ko": "# 가"}


def test_the_guide_lists_every_experiment_in_both_languages():
    """The sentence that introduces `experiments/` names each one, in the order of
    ``experiments.NAMES``: a new experiment is added to the guide with its code."""
    from experiments import NAMES

    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    lists = re.findall(r"`experiments/`(?:의 실험| \(|[^(]{0,20}\()((?:`\w+`(?:, )?)+)\)", text)
    assert len(lists) == 2, f"expected the list once per language, found {lists}"
    for found in lists:
        assert re.findall(r"`(\w+)`", found) == list(NAMES), found
