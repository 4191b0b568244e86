"""Without Chromium or axe-core the browser tests are skipped with one message saying what
to install, except where SURVEY_REQUIRE_BROWSER=1 (CI): there they fail."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import AXE, CHROMIUM, browser_tools_or_skip, missing_browser_tools


def test_missing_tools_are_named_with_what_to_install(tmp_path):
    problem = missing_browser_tools(chromium=tmp_path / "chromium", axe=tmp_path / "axe.js")
    assert problem.startswith("browser tests need ")
    assert "apt-get install chromium" in problem and "npm ci" in problem


def test_missing_tools_skip_the_browser_tests():
    with pytest.raises(pytest.skip.Exception, match="npm ci"):
        browser_tools_or_skip("browser tests need axe-core (run: npm ci)", required=False)


def test_missing_tools_fail_where_the_browser_is_required():
    with pytest.raises(pytest.fail.Exception, match="SURVEY_REQUIRE_BROWSER=1"):
        browser_tools_or_skip("browser tests need axe-core (run: npm ci)", required=True)


def test_present_tools_neither_skip_nor_fail():
    browser_tools_or_skip(None, required=True)
    if CHROMIUM.exists() and AXE.exists():
        assert missing_browser_tools() is None
