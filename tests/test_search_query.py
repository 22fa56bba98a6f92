"""Korean query words lose their particles before Material searches (search-language.js).

The functions run under Node, the same file the site serves (it exports them when there is
no ``document``). The words the stripping may end on are the ones the build lists in the
Korean index (content morphemes, word bases, spaceless glossary terms): the site tests use
the real list, the unit tests a small one written here.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "overrides" / "assets" / "javascripts" / "search-language.js"
RUN = """
require(process.argv[1]);
const q = globalThis.seqcoreSearchQuery;
const job = JSON.parse(require("fs").readFileSync(0, "utf8"));
const known = job.index ? q.knownWords(job.index) : new Set(job.known);
process.stdout.write(JSON.stringify({
  stripped: job.queries.map((query) => q.stripQuery(query, known)),
  known: known.size,
}));
"""


def strip(queries: list[str], known: list[str] | None = None, index: dict | None = None):
    """``[query as search-language.js hands it to Material's worker]``, and the list's size."""
    node = shutil.which("node")
    assert node, "Node.js is needed to test the search script: apt-get install -y nodejs"
    job = {"queries": queries, "known": known or [], "index": index}
    proc = subprocess.run([node, "-e", RUN, str(SCRIPT)], input=json.dumps(job),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    answer = json.loads(proc.stdout)
    return answer["stripped"], answer["known"]


KNOWN = ["어텐션", "편차", "모델", "임베딩", "차이", "가중치", "신경망", "벡터", "순환신경망",
         "양방향rnn", "토큰화", "셀", "상태"]


def test_particles_and_endings_come_off_down_to_a_listed_word():
    queries = ["어텐션을", "편차를", "모델은", "임베딩이란", "벡터들을", "순환신경망을",
               "양방향RNN의", "토큰화하는", "어텐션에서는", "모델입니다"]
    assert strip(queries, KNOWN)[0] == ["어텐션", "편차", "모델", "임베딩", "벡터",
                                        "순환신경망", "양방향RNN", "토큰화", "어텐션", "모델"]


def test_a_listed_word_an_unlisted_stem_and_other_scripts_stay_as_typed():
    queries = ["가중치", "차이", "신경망", "유사도", "값을", "정의", "RNN", "softmax", "h_t"]
    assert strip(queries, KNOWN)[0] == queries           # 차이 is not 차 + 이
    assert strip(["어텐션을", "편차를"], [])[0] == ["어텐션을", "편차를"]   # nothing listed


def test_query_syntax_is_kept_and_each_word_is_stripped():
    assert strip(["+어텐션을 -모델은", "벡터를 attention"], KNOWN)[0] == [
        "+어텐션 -모델", "벡터 attention"]


def test_a_one_syllable_word_before_another_is_matched_whole():
    # 셀 상태 must not find 셀프 어텐션; a last word may still be being typed
    assert strip(["셀 상태", "셀", "상태 셀", "셀 상태를"], KNOWN)[0] == [
        "셀^1 상태", "셀", "상태 셀", "셀^1 상태"]


def test_english_plurals_fold_to_the_prefix_they_share_with_the_singular():
    queries = ["hidden states", "RNNs", "matches", "copies", "loss", "focus", "is"]
    assert strip(queries, KNOWN)[0] == ["hidden state", "RNN", "match", "cop", "loss",
                                        "focus", "is"]


@pytest.mark.site
def test_with_the_sites_own_words(built_site):
    index = json.loads((built_site / "search" / "search_index.json").read_text("utf-8"))
    cases = {"어텐션을": "어텐션", "편차를": "편차", "모델은": "모델", "임베딩이란": "임베딩",
             "역전파를": "역전파", "은닉상태를": "은닉상태", "가중치": "가중치", "차이": "차이",
             "신경망": "신경망", "가중치를": "가중치"}
    stripped, size = strip(list(cases), index=index)
    assert size > 1000, f"the Korean index lists only {size} words"
    assert dict(zip(cases, stripped, strict=True)) == cases


@pytest.mark.site
def test_stripping_only_ever_shortens_a_word_of_the_site(built_site):
    """Material matches a prefix: a stripped word finds all the typed word found, and more."""
    index = json.loads((built_site / "search" / "search_index.json").read_text("utf-8"))
    words = sorted({w for d in index["docs"] for w in d["text"].replace("\u200b", "").split()
                    if w.isalnum() and len(w) >= 2})[:4000]
    stripped, _ = strip(words, index=index)
    longer = [(w, s) for w, s in zip(words, stripped, strict=True) if not w.startswith(s)]
    assert not longer, f"rewritten into a word that is not a prefix: {longer[:10]}"
    assert sum(w != s for w, s in zip(words, stripped, strict=True)) > 100
