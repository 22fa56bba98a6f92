"""The collecting pages: question anchors and index, and the errata records."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import DOCS, SEEDS
from tests.pages import load_hook, localized

hook = load_hook("collections")


def test_question_ids_are_unique_readable_and_skip_code():
    page = ('??? question "은닉 상태는 메모리인가요?"\n    네.\n'
            '??? question "은닉 상태는 메모리인가요?"\n    또.\n'
            '```markdown\n??? question "not a block"\n```\n'
            '???+ question "Why $\\tanh$ and not ReLU?"\n    Both work.\n')
    assert hook.question_ids(page) == [
        ("은닉 상태는 메모리인가요?", "q-은닉-상태는-메모리인가요"),
        ("은닉 상태는 메모리인가요?", "q-은닉-상태는-메모리인가요-2"),
        ("Why $\\tanh$ and not ReLU?", "q-why-and-not-relu"),
    ]


@pytest.mark.site
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_question_has_an_anchor_and_is_in_its_languages_index(built_site, lang):
    prefix = "" if lang == "ko" else "en/"
    index = (built_site / prefix / "questions" / "index.html").read_text(encoding="utf-8")
    listed = set(re.findall(r'href="([^"]*#q-[^"]+)"', index))
    expected = 0
    for source in localized(lang, (".md",)):
        ids = [qid for _, qid in hook.question_ids(source.read_text(encoding="utf-8"))]
        if not ids:
            continue
        expected += len(ids)
        name = source.relative_to(DOCS).as_posix().replace(f".{lang}.md", "")
        built = (built_site / prefix / name / "index.html").read_text(encoding="utf-8")
        for qid in ids:
            assert f'<details class="question" id="{qid}"' in built, f"{name}: no anchor {qid}"
            assert any(h.endswith(f"{name}/#{qid}") for h in listed), f"{qid} not in the index"
    assert expected and len(listed) == expected, (len(listed), expected)
    assert not any("/en/" in h for h in listed) if lang == "ko" else True


@pytest.mark.parametrize(("text", "message"), [
    ("kind: correction", "expected a list of entries"),
    ("- just a string", "expected a mapping"),
    ("- {kind: correction, seed: 001.txt, ko: 가}", "missing en"),
    ("- {kind: typo, seed: 001.txt, ko: 가, en: a}", "kind must be one of"),
])
def test_a_malformed_errata_record_is_named(tmp_path, text, message):
    (tmp_path / "page.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as err:
        hook.load_errata(tmp_path)
    assert "page.yml" in str(err.value)


def test_the_errata_records_of_the_site_are_valid():
    entries = hook.load_errata(DOCS / "_data" / "errata")
    for e in entries:
        if e.get("page"):
            page = e["page"].split("#")[0]
            for lang in ("ko", "en"):
                twin = DOCS / page.replace(".md", f".{lang}.md")
                assert twin.is_file(), f"{e['file']}.yml: page {e['page']} does not exist"



IMAGE = re.compile(r"https?://(?:i\.imgur\.com/(?P<imgur>\w+)\.\w+"
                   r"|prod-files-secure\.s3[^\s)\"']*/(?P<s3>[0-9a-f]{8})-[0-9a-f-]{27}"
                   r"/[^/\s)\"'?]+)")  # the last uuid of the path names the file


def test_every_dead_image_of_the_notes_is_recorded_with_its_replacement():
    assert SEEDS.is_dir(), f"the source notes are expected beside the repository at {SEEDS}"
    images = {m["imgur"] or m["s3"] for seed in SEEDS.glob("*.txt")
              for m in IMAGE.finditer(seed.read_text(encoding="utf-8"))}
    assert len(images) >= 21, f"found only {len(images)} image links in the notes"
    records = "\n".join(p.read_text(encoding="utf-8")
                        for p in (DOCS / "_data" / "errata").glob("*.yml"))
    missing = sorted(key for key in images if key not in records)
    assert not missing, f"dead images of the notes with no errata record: {missing}"


def _image_record_problems(images: set[str], entries: list[dict]) -> list[str]:
    """What breaks 'one image record per dead image': keys recorded twice or not at all,
    and records that bundle several images (the errata page counts records)."""
    records = [e for e in entries if e["kind"] == "image"]
    text = [f"{e.get('where', '')} {e.get('original', '')}" for e in records]
    named = [[key for key in sorted(images) if key in t] for t in text]
    problems = [f"{e['file']}.yml: the image record '{e.get('where', '')}' names "
                f"{len(keys)} images {keys}: write one record per image"
                for e, keys in zip(records, named, strict=True) if len(keys) != 1]
    for key in sorted(images):
        owners = [e["file"] for e, keys in zip(records, named, strict=True) if key in keys]
        if len(owners) != 1:
            problems.append(f"image {key} has {len(owners)} image records {owners}: "
                            "keep exactly one (merge the others into it)")
    return problems


def test_each_dead_image_has_exactly_one_image_record():
    """Item 18 of issue 13: the errata page listed 26 image records for 21 images."""
    images = {m["imgur"] or m["s3"] for seed in SEEDS.glob("*.txt")
              for m in IMAGE.finditer(seed.read_text(encoding="utf-8"))}
    entries = hook.load_errata(DOCS / "_data" / "errata")
    assert not _image_record_problems(images, entries)
    assert sum(e["kind"] == "image" for e in entries) == len(images)


def test_the_image_record_check_finds_a_duplicate_and_a_bundle():
    images = {"aaaa1111", "bbbb2222"}
    twice = [{"kind": "image", "file": "x", "original": "aaaa1111"},
             {"kind": "image", "file": "y", "original": "aaaa1111"},
             {"kind": "image", "file": "y", "original": "bbbb2222"}]
    bundle = [{"kind": "image", "file": "x", "original": "aaaa1111, bbbb2222"}]
    assert any("2 image records" in p for p in _image_record_problems(images, twice))
    assert any("names 2 images" in p for p in _image_record_problems(images, bundle))
    assert not _image_record_problems(images, twice[1:])


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _unknown_addresses(records: str, seeds: str) -> list[str]:
    """Full Notion file ids quoted in the errata records that no note contains."""
    return sorted(set(UUID.findall(records)) - set(UUID.findall(seeds)))


def test_quoted_notion_addresses_are_the_notes_own():
    """sparse.yml once quoted the second TF-IDF image with the first one's uuid tail."""
    seeds = "\n".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt"))
    records = "\n".join(p.read_text(encoding="utf-8")
                        for p in (DOCS / "_data" / "errata").glob("*.yml"))
    assert UUID.search(records), "no full address is quoted: the check would say nothing"
    assert not _unknown_addresses(records, seeds)
    wrong = "a3a9eb2a-5e52-4768-8973-ed2233f47770"   # the copied tail, as it was
    assert _unknown_addresses(wrong, seeds) == [wrong]


def test_an_erratum_keeps_bare_tex_and_hands_dollar_math_to_katex():
    import markdown

    text = ("the states must be a^{(t-1)}_{forward} and a^{(t+1)}_{backward}; "
            "the index is $x_{i+1}$, and `\\t` became a tab; \\( \\) did not render")
    extensions = ["pymdownx.arithmatex", "tables"]
    configs = {"pymdownx.arithmatex": {"generic": True}}
    row = "| a |\n|---|\n| {} |\n"
    drawn = markdown.markdown(row.format(hook.erratum_text(text)), extensions=extensions,
                              extension_configs=configs)
    assert "a^{(t-1)}_{forward} and a^{(t+1)}_{backward}" in html.unescape(drawn), drawn
    assert '<span class="arithmatex">\\(x_{i+1}\\)</span>' in drawn, drawn
    assert "<code>\\t</code>" in drawn and "\\( \\)" in html.unescape(drawn), drawn
    # the control: the same text as a plain cell loses its underscores to emphasis
    plain = markdown.markdown(row.format(text), extensions=extensions, extension_configs=configs)
    assert "<em>" in plain and "_{forward}" not in plain


def test_an_errata_page_link_is_named_by_the_page_title():
    assert hook.page_title("# 양방향·심층 RNN\n\n## 양방향 RNN\n", "x") == "양방향·심층 RNN"
    assert hook.page_title("no heading", "bidirectional-deep") == "bidirectional-deep"


@pytest.mark.site
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_errata_table_shows_chapter_titles_and_tex_intact(built_site, lang):
    prefix = "" if lang == "ko" else "en/"
    page = (built_site / prefix / "errata" / "index.html").read_text(encoding="utf-8")
    entries = hook.load_errata(DOCS / "_data" / "errata")
    shown = re.findall(r'<td><a href="\.\./([\w-]+)/">([^<]+)</a></td>\s*</tr>', page)
    assert len(shown) == sum(1 for e in entries if e.get("page")), "a row lost its page link"
    for slug, text in shown:
        title = hook.page_title((DOCS / f"{slug}.{lang}.md").read_text(encoding="utf-8"), slug)
        assert text == title, f"the row for {slug} shows {text!r}, not the title {title!r}"
    text = html.unescape(page)
    assert "a^{(t-1)}_{forward}" in text and "a^{(t+1)}_{backward}" in text
