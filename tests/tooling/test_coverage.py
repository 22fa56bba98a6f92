"""Nothing of the notes is lost: the coverage map ``docs/_data/coverage.yml``.

Each seed file of ``../shared/seeds`` is listed section by section with the lines it spans, and
each section either landed on a page (present in both languages, under a heading that exists on
the Korean page) or is recorded as dropped in an errata file of ``docs/_data/errata``.

Completeness rule: the union of a seed's ranges must contain every line of the seed that carries
text. Exempt are blank lines (whitespace only) and lines made only of markup that carries no
words: a horizontal rule (``---``), ``<details>``, ``</details>``, ``<div …>``, ``</div>``, and an
empty quote line (only ``>`` characters). A ``<summary>…</summary>`` label or an HTML comment is
*not* exempt: it has words, so it must be mapped (to the page that took its content, or to a drop).
"""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import DOCS, SEEDS

COVERAGE = DOCS / "_data" / "coverage.yml"
ERRATA = DOCS / "_data" / "errata"

MARKUP = re.compile(r"\s*(?:-{3,}|</?details>|<div(?:\s[^>]*)?>|</div>|>+)\s*")
RANGE = re.compile(r"(\d+)(?:-(\d+))?")


def exempt(line: str) -> bool:
    """A line that needs no mapping: blank, or pure markup without words."""
    return not line.strip() or MARKUP.fullmatch(line) is not None


def parse_range(text: str) -> tuple[int, int]:
    m = RANGE.fullmatch(str(text).strip())
    if m is None:
        raise ValueError(f"lines must look like 'a-b' or 'a', got {text!r}")
    start = int(m[1])
    end = int(m[2]) if m[2] else start
    if not 1 <= start <= end:
        raise ValueError(f"lines {text!r}: expected 1 <= start <= end")
    return start, end


def runs(numbers: list[int]) -> str:
    """[3, 4, 5, 9] -> '3-5, 9' for readable failure messages."""
    parts, i = [], 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        parts.append(str(numbers[i]) if i == j else f"{numbers[i]}-{numbers[j]}")
        i = j + 1
    return ", ".join(parts)


def uncovered(lines: list[str], ranges: list[tuple[int, int]]) -> list[int]:
    covered = {n for a, b in ranges for n in range(a, b + 1)}
    return [n for n, line in enumerate(lines, 1) if n not in covered and not exempt(line)]


def headings_of(path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return {m[1].strip() for m in re.finditer(r"^#{1,6}\s+(.+?)\s*$", text, re.M)}


def headings(page: str) -> set[str]:
    return headings_of(DOCS / page.replace(".md", ".ko.md"))


def dropped_seeds(errata_file: str) -> set[str]:
    entries = yaml.safe_load((ERRATA / errata_file).read_text(encoding="utf-8")) or []
    return {e.get("seed") for e in entries if e.get("kind") == "dropped"}


def load() -> dict:
    assert COVERAGE.is_file(), f"no coverage map at {COVERAGE}"
    data = yaml.safe_load(COVERAGE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data, "coverage.yml: expected a mapping seed -> entries"
    return data


MAP = load()


def test_every_seed_is_mapped():
    assert SEEDS.is_dir(), f"the source notes are expected beside the repository at {SEEDS}"
    seeds = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert seeds, f"no seed files in {SEEDS}"
    assert sorted(MAP) == seeds, f"coverage.yml seeds {sorted(MAP)} != seed files {seeds}"


@pytest.mark.parametrize("seed", sorted(MAP))
def test_entries_are_well_formed_and_point_at_real_places(seed):
    entries = MAP[seed]
    assert isinstance(entries, list) and entries, f"{seed}: expected a list of entries"
    n_lines = len((SEEDS / seed).read_text(encoding="utf-8").splitlines())
    problems = []
    for e in entries:
        name = f"{seed} lines {e.get('lines')!r}"
        try:
            _, end = parse_range(e.get("lines", ""))
        except ValueError as err:
            problems.append(f"{name}: {err}")
            continue
        if end > n_lines:
            problems.append(f"{name}: the seed has only {n_lines} lines")
        if not str(e.get("label", "")).strip():
            problems.append(f"{name}: missing label")
        if ("page" in e) == ("dropped" in e):
            problems.append(f"{name}: needs exactly one of page / dropped")
            continue
        if "dropped" in e:
            target = e["dropped"]
            if not (ERRATA / target).is_file():
                problems.append(f"{name}: dropped -> {target}, no such errata file")
            elif seed not in dropped_seeds(target):
                problems.append(f"{name}: {target} records no 'kind: dropped' entry for {seed}")
            continue
        for page in [e["page"], *e.get("also", [])]:
            for lang in ("ko", "en"):
                if not (DOCS / page.replace(".md", f".{lang}.md")).is_file():
                    problems.append(f"{name}: page {page} has no {lang} version")
        if "heading" in e and (DOCS / e["page"].replace(".md", ".ko.md")).is_file():
            if e["heading"] not in headings(e["page"]):
                problems.append(f"{name}: no heading {e['heading']!r} on {e['page']}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("seed", sorted(MAP))
def test_the_map_covers_every_line_of_the_seed(seed):
    lines = (SEEDS / seed).read_text(encoding="utf-8").splitlines()
    ranges = [parse_range(e["lines"]) for e in MAP[seed]]
    missing = uncovered(lines, ranges)
    detail = "\n".join(f"  {n}: {lines[n - 1][:80]}" for n in missing[:20])
    assert not missing, (
        f"{seed}: lines {runs(missing)} are in no section of docs/_data/coverage.yml; map them "
        f"to a page or record their drop in docs/_data/errata/<page>.yml:\n{detail}")


def test_the_completeness_rule():
    assert exempt("") and exempt("   ") and exempt("---") and exempt("<details>")
    assert exempt("</details>") and exempt('<div markdown="1">') and exempt("</div>")
    assert exempt(">") and exempt(">>")
    assert not exempt("<summary>GPT 내용</summary>")
    assert not exempt("<!-- summary 아래 한칸 공백 두어야함 -->")
    assert not exempt(">Date : 22.02.09") and not exempt("# 07 RNN")
    text = ["# 제목", "", "---", "본문", "<details>", "끝"]
    assert uncovered(text, [(1, 1), (4, 4)]) == [6]
    assert runs([3, 4, 5, 9, 11, 12]) == "3-5, 9, 11-12"
    with pytest.raises(ValueError, match="'a-b' or 'a'"):
        parse_range("3 to 5")
    with pytest.raises(ValueError, match="start <= end"):
        parse_range("9-3")


def test_the_study_log_of_note_003_is_a_dated_entry():
    seed = next(SEEDS.glob("003_*.txt")).read_text(encoding="utf-8")
    yy, mm, dd = re.search(r"Date : (\d\d)\.(\d\d)\.(\d\d)", seed).groups()
    date = f"20{yy}-{mm}-{dd}"
    for lang in ("ko", "en"):
        assert date in headings_of(DOCS / f"study-log.{lang}.md"), (
            f"study-log.{lang}.md has no dated entry '## {date}' for note 003")

