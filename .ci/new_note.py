"""Scaffold a new note: both pages, a snippet, the seqcore function and its (failing) test.

    .venv/bin/python .ci/new_note.py SLUG --formula TOPIC.NAME --function NAME \
        [--module MODULE] [--title-ko "제목"] [--title-en "Title"]

creates

- ``docs/SLUG.ko.md`` and ``docs/SLUG.en.md`` with the formula block, the snippet
  include and a Sources line, and adds the page to the chapters in ``mkdocs.yml``;
- ``snippets/SLUG.pycon``, a doctest that calls the function;
- the function in ``seqcore/MODULE.py`` (a new module is exported from
  ``seqcore/__init__.py`` and listed on the API pages), claiming the formula id;
- ``tests/unit/test_MODULE.py`` with a reference test for the id.

Nothing it writes passes yet, on purpose: the function raises
``NotImplementedError``, so the snippet and the docstring example fail, and the
test fails until it compares the function with an independent reference. An
unfinished note cannot land.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ID = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")
NAME = re.compile(r"^[a-z_][a-z0-9_]*$")

PAGE = {
    "ko": """# {title}

이 장에서 다루는 내용을 한두 문장으로 씁니다.

<div class="formula" id="{formula}" markdown>

$$
y = f(x)
$$

</div>

```pycon
--8<-- "{slug}.pycon"
```

**출처**: (원본 노트 파일 이름과 절)
""",
    "en": """# {title}

Say in a sentence or two what this chapter covers.

<div class="formula" id="{formula}" markdown>

$$
y = f(x)
$$

</div>

```pycon
--8<-- "{slug}.pycon"
```

**Sources**: (seed file names and sections)
""",
}

SNIPPET = """>>> from seqcore.{module} import {function}
>>> {function}(1.0)
'write the real output here'
"""

FUNCTION = '''

@implements("{formula}")
def {function}(x: Any) -> Any:
    r"""One line: what this computes.

    .. math:: y = f(x)

    Formula id ``{formula}``.

    Parameters
    ----------
    x : array_like
        What it is, and its shape.

    Returns
    -------
    array
        What comes out, and its shape.

    Examples
    --------
    >>> {function}(1.0)
    'write the real output here'
    """
    raise NotImplementedError("{function}: write the formula {formula}")
'''

MODULE_HEAD = '''"""{doc}"""

from __future__ import annotations

from typing import Any

from ._trace import implements

__all__ = ["{function}"]
'''

TEST = '''

@pytest.mark.formula("{formula}")
def test_{function}_matches_its_reference():
    # Compare seqcore.{module}.{function} with an independent reference (PyTorch,
    # scikit-learn, SciPy, a reference library or hand-worked numbers), never with
    # seqcore's own output. Then delete the line below.
    pytest.fail("write the reference test for {formula} ({function})")
'''

TEST_HEAD = '''"""{doc}"""

from __future__ import annotations

import pytest
'''


def fail(message: str) -> None:
    print(f"new_note: {message}", file=sys.stderr)
    sys.exit(2)


def write_new(path: Path, text: str) -> None:
    if path.exists():
        fail(f"{path.relative_to(ROOT)} exists already; choose another name")
    path.write_text(text, encoding="utf-8")
    print(f"  created {path.relative_to(ROOT)}")


def insert_before(path: Path, marker: str, line: str) -> None:
    text = path.read_text(encoding="utf-8")
    if line.strip() in text:
        return
    at = text.find(marker)
    if at < 0:
        fail(f"cannot find {marker!r} in {path.relative_to(ROOT)}; add {line.strip()!r} by hand")
    path.write_text(text[:at] + line + text[at:], encoding="utf-8")
    print(f"  edited  {path.relative_to(ROOT)}")


def add_function(module: str, function: str, formula: str) -> None:
    path = ROOT / "seqcore" / f"{module}.py"
    if not path.exists():
        head = MODULE_HEAD.format(doc=f"{module}: (one line: the topic of this module).",
                                  function=function)
        write_new(path, head + FUNCTION.format(function=function, formula=formula))
        insert_before(ROOT / "seqcore" / "__init__.py", "# Public:",
                      f"from .{module} import *\n\n")
        for lang in ("ko", "en"):
            api = ROOT / "docs" / f"api.{lang}.md"
            api.write_text(api.read_text(encoding="utf-8").rstrip("\n")
                           + f"\n\n::: seqcore.{module}\n", encoding="utf-8")
            print(f"  edited  {api.relative_to(ROOT)}")
        return
    text = path.read_text(encoding="utf-8")
    if re.search(rf"^def {function}\(", text, re.M):
        fail(f"seqcore/{module}.py already defines {function}")
    text, n = re.subn(r"^__all__ = \[", f'__all__ = ["{function}", ', text, count=1, flags=re.M)
    if n == 0:
        fail(f"seqcore/{module}.py has no __all__ list to add {function} to")
    path.write_text(text.rstrip("\n") + "\n" + FUNCTION.format(function=function,
                                                               formula=formula),
                    encoding="utf-8")
    print(f"  edited  {path.relative_to(ROOT)}")


def add_test(module: str, function: str, formula: str) -> None:
    path = ROOT / "tests" / "unit" / f"test_{module}.py"
    body = TEST.format(function=function, formula=formula, module=module)
    if path.exists():
        path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + body,
                        encoding="utf-8")
        print(f"  edited  {path.relative_to(ROOT)}")
    else:
        write_new(path, TEST_HEAD.format(doc=f"seqcore.{module} against its references.")
                  + body)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("slug", help="page name, e.g. 'layer-norm' (docs/layer-norm.ko.md …)")
    ap.add_argument("--formula", required=True, help="formula id, e.g. 'norm.layer'")
    ap.add_argument("--function", required=True, help="seqcore function, e.g. 'layer_norm'")
    ap.add_argument("--module", help="seqcore module (default: the slug with '_' for '-')")
    ap.add_argument("--title-ko", default="새 노트")
    ap.add_argument("--title-en", default="New note")
    args = ap.parse_args(argv)
    module = args.module or args.slug.replace("-", "_")
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", args.slug):
        fail(f"slug must be lower-case words joined by '-', got {args.slug!r}")
    if not ID.match(args.formula):
        fail(f"formula id must look like 'topic.name', got {args.formula!r}")
    for what, value in (("function", args.function), ("module", module)):
        if not NAME.match(value):
            fail(f"{what} must be a Python name in lower case, got {value!r}")

    print(f"new note '{args.slug}':")
    for lang, title in (("ko", args.title_ko), ("en", args.title_en)):
        write_new(ROOT / "docs" / f"{args.slug}.{lang}.md",
                  PAGE[lang].format(title=title, formula=args.formula, slug=args.slug))
    write_new(ROOT / "snippets" / f"{args.slug}.pycon",
              SNIPPET.format(module=module, function=args.function))
    add_function(module, args.function, args.formula)
    add_test(module, args.function, args.formula)
    insert_before(ROOT / "mkdocs.yml", "  - 실습 노트북:", f"      - {args.slug}.md\n")
    print("next: write the formula, the function, its reference test and the snippet's real "
          "output, then run `bash .ci/check`.")


if __name__ == "__main__":
    main()
