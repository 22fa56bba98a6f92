"""Display formulas and code blocks are readable and copyable, on every page.

Measured in headless Chromium by the probes tests/site/probes/formulas.js and
tests/site/probes/code.js (run by ``measure`` on one visit per page and viewport):

- on a laptop (1280 px) every display formula fits its box, and no code block needs
  sideways scrolling (code lines are at most 88 columns: tests/site/test_code_width.py);
- on a phone (390 px) a formula either fits or sits in a box of its own that scrolls,
  stays on the screen, fades at the edge where more is hidden (the fade follows the
  scrolling) and takes keyboard focus; a code block that scrolls fades the same way;
- Material's copy button gives code that runs: for a ``>>>`` session, the examples'
  source without prompts and output (as doctest reads it), which a fresh interactive
  Python runs without an error; any other block is copied as shown.

The figures (formulas cut at 1280 and 390 px, code blocks that scroll at 1280 px) are
written to build/readability-text.json beside the figures measured before this work.
"""

from __future__ import annotations

import doctest
import json
import os
import re
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.site.browser_kit import PAGES, PROBES, SHOTS, open_context, wait_for_rendering

FORMULAS = (PROBES / "formulas.js").read_text(encoding="utf-8")
CODE = (PROBES / "code.js").read_text(encoding="utf-8")
ASSETS = ROOT / "overrides" / "assets"
REPORT = ROOT / "build" / "readability-text.json"
VIEWPORTS = ("desktop", "phone")
IDS = [f"{lang}:{name}" for lang, name, _ in PAGES]

# Measured with these probes on main at 103124d, before this work (one build, every
# page, both viewports).
BEFORE = {lang: {
    "display formulas": 129,
    "formulas cut at 1280 px": 11,
    "formulas cut at 390 px": 59,
    "formulas cut at 390 px with no cue": 59,
    "code blocks": 521,
    "code blocks that scroll at 1280 px (chapters, notebook, guide)": scrolls,
    "code blocks that scroll at 1280 px (API page)": 104,
} for lang, scrolls in (("ko", 43), ("en", 45))}


# ---- what counts as a problem (shared by the page tests and their negative controls) ----

def formula_problems(result: dict, viewport: str) -> list[str]:
    """Display formulas that a reader cannot read whole, as the probe saw them."""
    problems = []
    for f in result["formulas"]:
        name = f["id"] or f["text"]
        if not f["cut"]:
            continue
        if viewport == "desktop":
            problems.append(f"{name}: {f['math']} px of math in a {f['box']} px box")
            continue
        if not f["scrolls"]:
            problems.append(f"{name}: wider than its box, which does not scroll on its own "
                            "inside the screen")
        elif (f["cueAtStart"], f["cueAtEnd"]) != ("right", "left"):
            problems.append(f"{name}: no fading edge where the math goes on (at the start "
                            f"{f['cueAtStart']!r}, at the end {f['cueAtEnd']!r}; expected "
                            "'right', then 'left')")
        if f["scrolls"] and not f["focusable"]:
            problems.append(f"{name}: scrolls but takes no keyboard focus")
    return problems


def code_problems(result: dict, viewport: str) -> list[str]:
    """Code blocks that scroll sideways on a laptop, or scroll without a cue on a phone."""
    problems = []
    for b in result["blocks"]:
        if not b["scrolls"]:
            continue
        where = f"block starting {b['first']!r} ({b['longest']} characters, " \
                f"{b['text']} px in a {b['box']} px box)"
        if viewport == "desktop":
            problems.append(f"{where} scrolls sideways")
        elif not b["cued"]:
            problems.append(f"{where} scrolls with no fading edge")
    return problems


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize(("lang", "name", "url"), PAGES, ids=IDS)
def test_display_formulas_fit_or_scroll_visibly(measure, lang, name, url, viewport):
    found = measure(lang, name, viewport)
    problems = formula_problems(found["formulas"], viewport)
    hint = ("split joined equations onto aligned lines (CONTRIBUTING.md, 'Add a formula')"
            if viewport == "desktop" else "scroll-cue.js and text.css give the box its cue")
    assert not problems, f"{viewport}: " + "; ".join(problems) + f" ({hint})"


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize(("lang", "name", "url"), PAGES, ids=IDS)
def test_code_blocks_do_not_scroll_on_a_laptop(measure, lang, name, url, viewport):
    found = measure(lang, name, viewport)
    problems = code_problems(found["code"], viewport)
    assert not problems, f"{viewport}: " + "; ".join(problems)


CODE_SCROLLS = "code blocks that scroll at 1280 px (chapters, notebook, guide)"
API_SCROLLS = "code blocks that scroll at 1280 px (API page)"


@pytest.mark.browser
def test_record_the_figures(measure):
    """Count, on every page, what the two tests above check; write them with the before."""
    after: dict[str, dict[str, int]] = {}
    unmeasured: list[str] = []
    for lang in ("ko", "en"):
        counts = dict.fromkeys(["display formulas", "formulas cut at 1280 px",
                                "formulas cut at 390 px", "formulas cut at 390 px with no cue",
                                "code blocks", CODE_SCROLLS, API_SCROLLS], 0)
        for lng, name, _ in PAGES:
            if lng != lang:
                continue
            try:
                desktop, phone = measure(lang, name, "desktop"), measure(lang, name, "phone")
            except Exception as exc:  # recorded, and it fails the test below
                unmeasured.append(f"{lang}:{name}: {str(exc).splitlines()[0]}")
                continue
            counts["display formulas"] += len(desktop["formulas"]["formulas"])
            counts["formulas cut at 1280 px"] += sum(
                f["cut"] for f in desktop["formulas"]["formulas"])
            counts["formulas cut at 390 px"] += sum(f["cut"] for f in phone["formulas"]["formulas"])
            counts["formulas cut at 390 px with no cue"] += len(
                formula_problems(phone["formulas"], "phone"))
            counts["code blocks"] += len(desktop["code"]["blocks"])
            counts[API_SCROLLS if name.split("/")[0] == "api" else CODE_SCROLLS] += sum(
                b["scrolls"] for b in desktop["code"]["blocks"])
        after[lang] = counts
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({"before": BEFORE, "after": after,
                                  "pages not measured": unmeasured}, indent=1),
                      encoding="utf-8")
    assert not unmeasured, "pages the probes could not measure:\n  " + "\n  ".join(unmeasured)
    for lang, counts in after.items():
        assert counts["display formulas"] >= BEFORE[lang]["display formulas"], (lang, counts)
        assert counts["formulas cut at 1280 px"] == 0, (lang, counts)
        assert counts["formulas cut at 390 px with no cue"] == 0, (lang, counts)
        assert counts[CODE_SCROLLS] == counts[API_SCROLLS] == 0, (lang, counts)


# ---- the copy button -------------------------------------------------------------------

PROMPT = re.compile(r"^(>>>|\.\.\.)( |$)")
# Material 9.8 puts the copy button in the block's `pre`: a button whose
# data-clipboard-target names the `code` it copies.
BUTTONS = ".md-typeset [data-clipboard-target]"
SHOWN = "b => document.querySelector(b.dataset.clipboardTarget).innerText"


def click_every_copy_button(page, seen: set[str] | None = None) -> list[dict]:
    """Click each copy button as a reader does; ``{shown, copied}`` for each block.

    With ``seen`` (the blocks' texts clicked on earlier pages, updated here), a block
    shown the same way before is not clicked again (the API pages show the same docstring
    examples in both languages: 944 blocks, 456 different); the first block of a page is
    clicked in any case, so every page's copy button is tried.
    """
    found = []
    buttons = page.locator(BUTTONS)
    texts = buttons.evaluate_all(f"bs => bs.map({SHOWN})")
    for i, text in enumerate(texts):
        if seen is not None and i > 0 and text in seen:
            continue
        button = buttons.nth(i)
        page.evaluate("navigator.clipboard.writeText('')")
        # A real click (Playwright scrolls the button into view and presses the mouse
        # there) without waiting for the page to be still first: a button hidden under
        # something else gets no click, and the wait for the clipboard below fails.
        button.click(force=True, no_wait_after=True)
        page.wait_for_function("async () => (await navigator.clipboard.readText()) !== ''",
                               timeout=5_000)
        found.append({"shown": button.evaluate(SHOWN),
                      "copied": page.evaluate("navigator.clipboard.readText()")})
        if seen is not None:
            seen.add(text)
    return found


def _code_lines(text: str) -> list[str]:
    """The lines that are code: no blank lines, no comment-only lines."""
    return [ln.rstrip() for ln in text.splitlines()
            if ln.strip() and not ln.strip().startswith("#")]


def copy_problems(shown: str, copied: str) -> list[str]:
    """Why the copied text is not the runnable code of the block shown; empty if it is."""
    if not PROMPT.match(shown.lstrip()):
        return [] if copied == shown.rstrip() else ["a block without prompts was not "
                                                    "copied as shown"]
    problems = [f"prompt copied: {ln!r}" for ln in copied.splitlines() if PROMPT.match(ln)]
    examples = doctest.DocTestParser().get_examples(shown)
    source = "".join(example.source for example in examples)
    if _code_lines(copied) != _code_lines(source):
        problems.append("the copied lines are not the examples' source (output copied, or "
                        "code left out)")
    return problems


def expected_errors(shown: str) -> list[str]:
    """The exception names a block's examples expect, in order (a doctest of bad input)."""
    names = []
    for example in doctest.DocTestParser().get_examples(shown):
        if example.exc_msg is not None:
            last = example.want.strip().splitlines()[-1]
            names.append(last.split(":")[0].rsplit(".", 1)[-1])
    return names


def paste_problems(code: str, expected: list[str] = ()) -> str:
    """Paste ``code`` into a fresh interactive Python; return what it printed on error.

    A block whose examples show a traceback (``expected``, the exception names) must
    raise exactly those, in that order, and nothing else.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
           "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-q", "-i"], input=code + "\n", cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    # the prompts go to stderr too, unterminated: look for the error, not a line start
    names = re.findall(r"(?:^|[\s.>])(\w+(?:Error|Exception)): ", proc.stderr, re.M)
    tracebacks = proc.stderr.count("Traceback (most recent call last)")
    if proc.returncode != 0 or tracebacks != len(expected) or names != list(expected):
        return proc.stderr[-1500:]
    return ""


def copied_blocks(browser, server, urls: list[str], each_page=None) -> list[tuple[str, dict]]:
    """Click every copy button on these pages; ``(url, {shown, copied})`` per block.

    ``each_page``, if given, is called with each page's blocks as soon as they are read.
    """
    context, go = open_context(browser, server, permissions=["clipboard-read",
                                                             "clipboard-write"])
    found, seen = [], set()
    try:
        for url in urls:
            page = go(url, wait_until="load")
            wait_for_rendering(page)
            blocks = [(url, block) for block in click_every_copy_button(page, seen)]
            if each_page is not None:
                each_page(blocks)
            found += blocks
        assert not go.errors, f"script errors: {go.errors}"
    finally:
        context.close()
    return found


def pages_with_code(site: Path) -> list[str]:
    """Pages whose built HTML holds a code block with a copy button (all but the API's
    source listings, which the API page is to stop inlining)."""
    urls = []
    for _, name, url in PAGES:
        html = (site / url.lstrip("/") / "index.html").read_text(encoding="utf-8")
        if 'class="highlight"' in html and name != "api":
            urls.append(url)
    return urls


@pytest.mark.browser
def test_the_copy_button_gives_code_that_runs(browser, server, built_site):
    # each paste is its own Python process: as many at once as there are cores, started
    # while the browser goes on clicking through the next pages
    pastes: dict[tuple[str, str], Future] = {}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        def paste_the_new_sessions(blocks: list[tuple[str, dict]]) -> None:
            for _, b in blocks:
                key = (b["copied"], b["shown"])
                if PROMPT.match(b["shown"].lstrip()) and key not in pastes:
                    pastes[key] = pool.submit(paste_problems, b["copied"],
                                              expected_errors(b["shown"]))

        blocks = copied_blocks(browser, server, pages_with_code(built_site),
                               each_page=paste_the_new_sessions)
        failed = {code.splitlines()[0]: error
                  for (code, _), future in sorted(pastes.items()) if (error := future.result())}
    sessions = [b for _, b in blocks if PROMPT.match(b["shown"].lstrip())]
    assert len(sessions) >= 40, f"only {len(sessions)} >>> blocks found on the site"
    wrong = [f"{url}: {p}" for url, b in blocks for p in copy_problems(b["shown"], b["copied"])]
    assert not wrong, "the copy button copies something else than the code:\n  " + \
        "\n  ".join(wrong[:20])
    assert not failed, "copied code fails when pasted into a fresh Python:\n" + \
        "\n".join(f"--- block starting {k!r}:\n{v}" for k, v in failed.items())
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS.parent / "copied-snippets.json").write_text(
        json.dumps([{"page": url, **b} for url, b in blocks], ensure_ascii=False, indent=1),
        encoding="utf-8")


# ---- the checks can fail ----------------------------------------------------------------

WIDE_FORMULA = """
<article class="md-typeset" style="width: 360px">
  <div class="formula" id="wide.one"><div class="arithmatex" style="overflow-x: auto">
    <span class="katex"><span class="katex-html"><span class="katex-base"
      style="display: inline-block; width: 900px">x</span></span></span>
  </div></div>
  <div class="formula" id="wide.two"><div class="arithmatex" style="overflow: visible">
    <span class="katex"><span class="katex-html"><span class="katex-base"
      style="display: inline-block; width: 900px">y</span></span></span>
  </div></div>
  <div class="formula" id="narrow"><div class="arithmatex" style="overflow-x: auto">
    <span class="katex"><span class="katex-html"><span class="katex-base"
      style="display: inline-block; width: 100px">z</span></span></span>
  </div></div>
  <pre><code style="display: block; overflow: auto">""" + "x = 1  # " + "c" * 100 + """
</code></pre>
</article>"""


@pytest.mark.browser
def test_the_formula_and_code_checks_see_what_is_cut(visit_phone):
    page = visit_phone("/")
    page.set_content(WIDE_FORMULA)
    formulas, code = page.evaluate(FORMULAS), page.evaluate(CODE)
    # without the cue: the scrolling box has no fading edge, the other does not scroll
    phone = formula_problems(formulas, "phone")
    assert len(phone) == 3, phone
    assert phone[0].startswith("wide.one: no fading edge") and "keyboard" in phone[1], phone
    assert phone[2].startswith("wide.two: wider than its box"), phone
    assert [p.split(":")[0] for p in formula_problems(formulas, "desktop")] == \
        ["wide.one", "wide.two"]
    assert len(code_problems(code, "desktop")) == 1 and code_problems(code, "phone")

    # with the site's cue (and a11y.js's focus): the scrolling box passes
    page.add_style_tag(path=str(ASSETS / "stylesheets" / "text.css"))
    page.add_script_tag(path=str(ASSETS / "javascripts" / "scroll-cue.js"))
    page.evaluate("() => { document.querySelectorAll('.arithmatex')"
                  ".forEach(b => b.tabIndex = 0); window.dispatchEvent(new Event('load')); }")
    formulas, code = page.evaluate(FORMULAS), page.evaluate(CODE)
    phone = formula_problems(formulas, "phone")
    assert [p.split(":")[0] for p in phone] == ["wide.two"], phone
    assert not code_problems(code, "phone"), code
    assert code_problems(code, "desktop"), "a block that scrolls on a laptop must still fail"


@pytest.mark.browser
def test_the_copy_check_sees_prompts_and_output(browser, server, built_site):
    """Material alone copies the prompts and the output: the check says so."""
    url = next(u for lng, n, u in PAGES if lng == "en" and n == "rnn")
    context, go = open_context(browser, server, permissions=["clipboard-read",
                                                             "clipboard-write"])
    try:
        page = go(url)
        wait_for_rendering(page)
        page.evaluate("() => document.querySelectorAll('[data-copy]')"
                      ".forEach(e => e.removeAttribute('data-copy'))")
        blocks = click_every_copy_button(page)
    finally:
        context.close()
    session = next(b for b in blocks if PROMPT.match(b["shown"].lstrip()))
    assert session["copied"].startswith(">>> ")
    problems = copy_problems(session["shown"], session["copied"])
    assert any(p.startswith("prompt copied") for p in problems)
    assert any("not the examples' source" in p for p in problems)


def test_the_copy_check_compares_with_doctests_reading():
    shown = ">>> x = [1,\n...      2]\n>>> for v in x:\n...     print(v)\n1\n2\n>>> x\n[1, 2]"
    runnable = "x = [1,\n     2]\nfor v in x:\n    print(v)\n\nx"
    assert copy_problems(shown, runnable) == []
    assert copy_problems(shown, runnable + "\n[1, 2]")  # an output line copied
    assert copy_problems(shown, runnable.replace("\nx", ""))  # code left out
    assert copy_problems("import numpy as np", "import numpy as np") == []
    assert copy_problems("import numpy as np", "import numpy") != []


def test_a_paste_that_fails_is_reported():
    assert paste_problems("x = 1\nfor i in range(2):\n    x += i\n\nprint(x)") == ""
    assert "ZeroDivisionError" in paste_problems("1 / 0")
    # a compound statement needs the empty line after it at an interactive prompt
    assert "SyntaxError" in paste_problems("for i in range(2):\n    pass\nprint(i)")


def test_a_block_that_shows_its_error_must_raise_that_error():
    shown = ">>> int('x')\nTraceback (most recent call last):\n...\nValueError: invalid literal"
    assert expected_errors(shown) == ["ValueError"]
    assert paste_problems("int('x')", ["ValueError"]) == ""
    assert paste_problems("int('1')", ["ValueError"])  # the error it shows is not raised
    assert paste_problems("1 / 0", ["ValueError"])  # another error is raised
    assert paste_problems("int('x')\n1 / 0", ["ValueError"])  # and one more besides
