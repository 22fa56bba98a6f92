"""The browser tests in two workers (.ci/test): who runs what, and what they share.

`pytest -n 2 --dist loadgroup` keeps the tests of one xdist group in one worker
(tests/conftest.py, ``xdist_group``), and the workers hand each other what they
measured through files (tests/site/browser_kit.py, ``shared_put``/``shared_get``).
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from tests import conftest
from tests.site import browser_kit
from tests.site import test_search as search_tests

pytestmark = pytest.mark.tooling


def fake_item(module, **params):
    return SimpleNamespace(module=module, callspec=SimpleNamespace(params=params))


def test_the_tests_of_one_page_share_a_group_whatever_else_they_vary():
    module = SimpleNamespace(__name__="tests.site.test_browser")
    desktop = fake_item(module, lang="ko", name="api/recurrent", url="/api/recurrent/",
                        viewport="desktop")
    phone = fake_item(SimpleNamespace(__name__="tests.site.test_readability_text"),
                      lang="ko", name="api/recurrent", url="/api/recurrent/", viewport="phone")
    other = fake_item(module, lang="en", name="api/recurrent", url="/en/api/recurrent/")
    assert conftest.xdist_group(desktop) == conftest.xdist_group(phone) == "ko:api/recurrent"
    assert conftest.xdist_group(other) == "en:api/recurrent"


def test_a_module_that_asks_for_it_is_one_group_and_the_rest_are_free():
    asks = SimpleNamespace(__name__="tests.site.test_search", XDIST_GROUP=True)
    free = SimpleNamespace(__name__="tests.site.test_print_and_404")
    assert conftest.xdist_group(fake_item(asks, query="벡터")) == "tests.site.test_search"
    assert conftest.xdist_group(fake_item(free, path="/x/")) is None
    assert conftest.xdist_group(SimpleNamespace(module=free)) is None   # not parametrized
    assert search_tests.XDIST_GROUP is True      # its golden searches run once per worker


def test_results_pass_between_workers_through_the_named_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQCORE_SHARED_RESULTS", str(tmp_path))
    visit = browser_kit.Visit({"sideways": {"page": 0, "math": []}})
    visit.errors, visit.console, visit.failed, visit.outside = ["e"], [], ["404 /x"], []
    browser_kit.shared_put("probes", ("ko", "api/recurrent", "phone"),
                           browser_kit._as_json(visit))
    back = browser_kit._from_json(browser_kit.shared_get("probes",
                                                         ("ko", "api/recurrent", "phone")))
    assert back == visit and back.errors == ["e"] and back.failed == ["404 /x"]
    assert browser_kit.shared_get("probes", ("en", "api/recurrent", "phone")) is None
    browser_kit.shared_put("weights", ("ko", "rnn"), [[10, 20], 3])
    browser_kit.shared_put("weights", ("en", "rnn"), [[11, 21], 4])
    assert sorted(browser_kit.shared_all("weights")) == [[[10, 20], 3], [[11, 21], 4]]
    # a file is written whole: no reader ever sees half of one
    assert not list(tmp_path.rglob("*.part"))
    assert json.loads(next((tmp_path / "weights").glob("ko_rnn.json")).read_text()) == \
        [[10, 20], 3]


def test_without_the_folder_nothing_is_written_or_read(tmp_path, monkeypatch):
    monkeypatch.delenv("SEQCORE_SHARED_RESULTS", raising=False)
    monkeypatch.chdir(tmp_path)
    browser_kit.shared_put("weights", ("ko", "rnn"), [[1, 2], 3])
    assert browser_kit.shared_get("weights", ("ko", "rnn")) is None
    assert browser_kit.shared_all("weights") == []
    assert not list(tmp_path.iterdir())
