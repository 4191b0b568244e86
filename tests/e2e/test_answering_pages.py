"""What only a browser shows on the answering pages: a text over its limit kept whole and
refused beside the field, the time of a save in UTC, the width the form gets, the focus kept
clear of the save bar, the report's contents scrolling with its text, and wide tables
scrolling in a region of their own on a phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from survey.core.db import db
from survey.responses.models import Response
from survey.responses.services import answer_values
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAVE_TIMEOUT = 20_000  # ms: the page saves 2.5 s after typing stops


def stored(team, key: str):
    return team.run(lambda: answer_values(db.session.get(Response, team.response_id())).get(key))


def autosave(response) -> bool:
    return response.url.endswith("/autosave")


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth"
                         " > document.documentElement.clientWidth")


def test_a_text_over_its_limit_is_kept_whole_and_refused_beside_the_field(
        browser, live_server, audit, team_of):
    """A 4,300-character paste into the 3,500-character executive summary: nothing is cut,
    the count says it is over, the save is refused next to the field and the status never
    says "Saved" while it is; once shortened it is saved, at a time given in UTC."""
    team = team_of("GHA")
    focal = team.user("focal_point", "Ama Focal")
    response_id = team.response_id()
    # Far from UTC: the time of the save must not be the browser's own.
    context = browser.new_context(timezone_id="Pacific/Auckland")
    page = audit.watch(context.new_page())
    sign_in(page, live_server.base_url, focal.email)
    page.goto(live_server.url(f"/responses/{response_id}/sections/general"))

    summary = page.locator("#q-general-executive_summary")
    count = page.locator("#q-general-executive_summary + .char-count")
    spoken = page.locator("#q-general-executive_summary-count")
    error = page.locator("#q-general-executive_summary-error")
    status = page.locator("#save-status")
    expect(count).to_have_text("0 of 3,500 characters")
    assert "q-general-executive_summary-count" in summary.get_attribute("aria-describedby")

    progress = page.locator(".section-progress")
    progress_before = progress.text_content()
    pasted = ("The national strategy was adopted in 2022 and reviewed in 2025. " * 70)[:4300]
    summary.focus()
    page.keyboard.insert_text(pasted)  # as a paste: a maxlength would cut it here
    expect(summary).to_have_value(pasted)
    over = ("4,300 characters: 800 over the limit of 3,500. "
            "Shorten the text; nothing of it is lost.")
    expect(count).to_have_text(over)
    expect(count).to_have_class(re.compile(r"\bchar-count--over\b"))
    expect(spoken).to_have_text(over)  # for screen readers, once typing pauses
    expect(spoken).to_have_attribute("aria-live", "polite")

    expect(status).to_have_text("Some answers were not saved; see the messages next to them.",
                                timeout=SAVE_TIMEOUT)
    expect(error).to_be_visible()
    expect(error).to_contain_text("This answer has 4,300 characters; the limit is 3,500.")
    expect(summary).to_have_attribute("aria-invalid", "true")
    assert error.get_attribute("id") in summary.get_attribute("aria-describedby").split()
    expect(progress).to_have_text(progress_before)  # a refused answer is not counted
    audit.check(page, "section: general, a text over its limit")
    assert stored(team, "general.executive_summary") is None

    # Leaving the box sends it again (its "change"): refused again.
    institution = page.locator("#q-general-coordinating_institution")
    with page.expect_response(autosave, timeout=SAVE_TIMEOUT):
        institution.focus()
    expect(status).to_have_text("Some answers were not saved; see the messages next to them.")
    # Another answer saved on its own: the summary still is not, and the status says so.
    with page.expect_response(autosave, timeout=SAVE_TIMEOUT) as other:
        page.keyboard.type("Ministry of Justice")
    assert [c["key"] for c in other.value.request.post_data_json["changes"]] == [
        "general.coordinating_institution"]
    expect(status).to_have_text("Some answers were not saved; see the messages next to them.")
    assert stored(team, "general.coordinating_institution") == "Ministry of Justice"

    summary.fill(pasted[:3500])
    expect(count).to_have_text("3,500 of 3,500 characters")
    expect(status).to_have_text(re.compile(r"^Saved at \d\d:\d\d UTC$"), timeout=SAVE_TIMEOUT)
    shown = datetime.strptime(status.text_content()[len("Saved at "):-len(" UTC")], "%H:%M")
    now = datetime.now(UTC)
    assert any((now - timedelta(minutes=m)).strftime("%H:%M") == shown.strftime("%H:%M")
               for m in (0, 1)), f"{status.text_content()} is not the time in UTC ({now:%H:%M})"
    expect(error).to_be_hidden()
    expect(progress).not_to_have_text(progress_before)  # counted once saved
    assert summary.get_attribute("aria-invalid") is None
    assert error.get_attribute("id") not in (summary.get_attribute("aria-describedby") or "")
    assert stored(team, "general.executive_summary") == pasted[:3500]
    context.close()
    audit.assert_clean()


def test_the_section_pages_and_the_report_on_a_desktop_screen(browser, live_server, audit,
                                                              team_of):
    """General information's questions get the page's width; a field reached with Tab is
    never under the sticky save bar; the report's contents scroll away with its text."""
    team = team_of("FJI")
    focal = team.user("focal_point", "Keyboard Focal")
    response_id = team.response_id()
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = audit.watch(context.new_page())
    sign_in(page, live_server.base_url, focal.email)

    page.goto(live_server.url(f"/responses/{response_id}/sections/general"))
    field = page.locator("#q-general-coordinating_institution").bounding_box()
    assert field["width"] > 500, f"the form is squeezed into a column ({field['width']} px)"

    page.goto(live_server.url(f"/responses/{response_id}/sections/I"))
    checked = 0
    for _ in range(150):
        page.keyboard.press("Tab")
        where = page.evaluate("""async () => {
            await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
            const el = document.activeElement, bar = document.querySelector('.save-bar');
            if (!el.closest('#answers-form') || bar.contains(el)) return null;
            const barTop = bar.getBoundingClientRect().top;
            return {name: el.name || el.id, bottom: el.getBoundingClientRect().bottom, barTop};
        }""")
        if where:
            checked += 1
            assert where["bottom"] <= where["barTop"], f"{where['name']} is under the save bar"
    assert checked > 40 and page.evaluate("window.scrollY") > 1000  # well down the page

    page.goto(live_server.url(f"/responses/{response_id}/report"))
    contents = page.locator("nav.toc")
    expect(contents).to_be_visible()
    page.locator("#summary").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 1500)")
    box = contents.bounding_box()
    assert box["y"] + box["height"] <= 0, "the report's contents stay pinned over its text"
    context.close()
    audit.assert_clean()


def test_wide_tables_scroll_in_their_own_region_on_a_phone(browser, live_server, audit,
                                                           team_of):
    """At 375 px the dashboard's, the team's and the report preview's tables scroll inside
    a region that the keyboard reaches and scrolls; the page itself does not scroll
    sideways."""
    team = team_of("MEX")
    focal = team.user("focal_point", "Phone Focal")
    team.user("contributor", "A Contributor With A Rather Long Name")
    response_id = team.response_id()
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = audit.watch(context.new_page())
    sign_in(page, live_server.base_url, focal.email)
    for name, path in [("dashboard", f"/responses/{response_id}"),
                       ("team", f"/responses/{response_id}/team"),
                       ("report preview", f"/responses/{response_id}/report")]:
        page.goto(live_server.url(path))
        assert not scrolls_sideways(page), f"the {name} scrolls sideways on a phone"
        region = page.locator(".table-scroll")
        assert region.evaluate("el => el.scrollWidth > el.clientWidth"), \
            f"the {name}'s table fits: nothing to check"
        for _ in range(120):
            page.keyboard.press("Tab")
            if region.evaluate("el => el === document.activeElement"):
                break
        else:
            raise AssertionError(f"the {name}'s table region is never reached with Tab")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("el => el.scrollLeft !== 0", arg=region.element_handle())
        audit.check(page, f"{name} on a phone")
    context.close()
    audit.assert_clean()
