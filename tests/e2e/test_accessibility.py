"""WCAG 2.1 AA in a real browser: axe-core on every page (beyond those of the journey),
answering with the keyboard alone, and a visible focus on everything that takes it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from survey.questionnaires.services import published_version
from tests.e2e.conftest import refresh_session, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_axe_finds_violations_on_our_pages_under_their_csp(browser, live_server, audit):
    """The audit itself works: on our sign-in page, with its Content-Security-Policy, an
    input without a label is reported."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url("/login"))
    page.evaluate("""() => { const input = document.createElement('input');
                             input.type = 'text';
                             document.querySelector('main').append(input); }""")
    audit.check(page, "unlabelled")
    context.close()
    assert list(audit.violations) == [f"unlabelled ({live_server.url('/login')})"]
    assert any(v.startswith("label ") for v in next(iter(audit.violations.values())))


def _pages(response_id: int, cycle_id: int, version_id: int, user_id: int) -> dict[str, str]:
    r = f"/responses/{response_id}"
    v = f"/admin/versions/{version_id}"
    return {
        # The State's pages not on the journey (or in another state).
        "section: declaration": f"{r}/sections/declaration",
        "section: IV": f"{r}/sections/IV",
        "section: II.1": f"{r}/sections/II.1",
        "history, never answered": f"{r}/answers/p30.status/history",
        "forgotten password": "/forgot-password",
        "change password": "/account/password",
        "not found": "/nowhere",
        # The secretariat's.
        "questionnaires": "/admin/questionnaires",
        "version": v,
        "version section": f"{v}/sections/II",
        "version changes": f"{v}/changes",
        "preview": f"{v}/preview/III",
        "cycles": "/admin/cycles",
        "cycle": f"/admin/cycles/{cycle_id}",
        "edit cycle": f"/admin/cycles/{cycle_id}/edit",
        "new cycle": "/admin/cycles/new",
        "cycle version": f"/admin/cycles/{cycle_id}/version",
        "states": "/admin/states",
        "new participant": "/admin/states/new",
        "user": f"/admin/users/{user_id}",
        "audit trail": "/admin/audit",
        "overview, filtered": "/admin/?status=not_started&sort=progress&order=desc",
    }


def test_every_other_page_passes_axe(browser, live_server, audit, team_of, committed_app):
    team = team_of("VNM")
    focal = team.user("focal_point", "Nguyen Focal")
    admin = team.user("admin", "Audit Admin")
    response_id = team.response_id()
    with committed_app.app_context():
        version_id = published_version("kyoto-2021").id
    from survey.core.db import db
    from survey.responses.models import Response

    cycle_id = team.run(lambda: db.session.get(Response, response_id).cycle_id)
    pages = _pages(response_id, cycle_id, version_id, focal.id)
    state_pages = {k: v for k, v in pages.items() if not v.startswith("/admin")}
    admin_pages = {k: v for k, v in pages.items() if v.startswith("/admin")}

    for user, wanted in [(focal, state_pages), (admin, admin_pages)]:
        context = browser.new_context()
        page = audit.watch(context.new_page())
        sign_in(page, live_server.base_url, user.email)
        for name, path in wanted.items():
            refresh_session(context, live_server.base_url)
            page.goto(live_server.url(path))
            audit.check(page, name)
        context.close()
    # The read-only view of a section (an observer's).
    observer = team.user("observer", "Olga Observer")
    context = browser.new_context()
    page = audit.watch(context.new_page())
    sign_in(page, live_server.base_url, observer.email)
    page.goto(live_server.url(f"/responses/{response_id}/sections/I"))
    audit.check(page, "section: I, read-only")
    context.close()
    audit.console = [c for c in audit.console if "/nowhere" not in c]  # the 404 we asked for
    audit.assert_clean()


def _focus_is_visible(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        return {tag: el.tagName, id: el.id, name: el.getAttribute('name'),
                text: (el.textContent || '').trim().slice(0, 40),
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
                shadow: style.boxShadow !== 'none'};
    }""")


def test_a_question_answered_and_saved_with_the_keyboard_alone(browser, live_server, audit,
                                                              team_of):
    """Tab to a text field, type, Tab to a choice, tick it with Space, Tab to Save, Enter:
    the answers are saved; every element reached shows where the focus is."""
    team = team_of("KEN")
    focal = team.user("focal_point", "Keyboard User")
    response_id = team.response_id()
    context = browser.new_context()
    page = audit.watch(context.new_page())
    sign_in(page, live_server.base_url, focal.email)
    page.goto(live_server.url(f"/responses/{response_id}/sections/general"))

    def tab_to(predicate, what: str, limit: int = 80) -> dict:
        for _ in range(limit):
            page.keyboard.press("Tab")
            focused = _focus_is_visible(page)
            assert focused["outline"] or focused["shadow"], f"no visible focus on {focused}"
            if predicate(focused):
                return focused
        raise AssertionError(f"{what} was never reached with Tab")

    tab_to(lambda f: f["tag"] == "A" and "Skip to main content" in f["text"], "the skip link",
           limit=1)
    tab_to(lambda f: f["name"] == "general.coordinating_institution", "the institution field")
    page.keyboard.type("Ministry of Justice, typed")
    tab_to(lambda f: f["name"] == "general.stakeholders", "the first stakeholder box")
    page.keyboard.press("Space")
    tab_to(lambda f: f["tag"] == "BUTTON" and f["text"] == "Save", "the Save button")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    from survey.core.db import db
    from survey.responses.models import Response
    from survey.responses.services import answer_values

    values = team.run(lambda: answer_values(db.session.get(Response, response_id)))
    assert values["general.coordinating_institution"] == "Ministry of Justice, typed"
    assert len(values["general.stakeholders"]) == 1
    context.close()
    audit.assert_clean()


def test_pages_in_their_other_states_pass_axe(browser, live_server, audit, team_of):
    """Error summaries, a nomination and its check, an invitation link, a returned
    response, the right-to-left interface."""
    from survey.auth.services import user_by_email
    from survey.core.db import db
    from survey.responses.models import Response
    from survey.responses.services import return_response, submit
    from tests.security.helpers import answer_required

    team = team_of("CHL")
    focal = team.user("focal_point", "Chilean Focal")
    admin = team.user("admin", "Returning Admin")
    response_id = team.response_id()
    base = live_server.base_url

    def returned() -> None:
        response = db.session.get(Response, response_id)
        answer_required(response, user_by_email(focal.email))
        submit(response, actor=user_by_email(focal.email))
        return_response(response, "Please describe the measures of paragraph 21 further.",
                        actor=user_by_email(admin.email))

    team.run(returned)
    context = browser.new_context()
    page = audit.watch(context.new_page())
    page.goto(base + "/login")
    page.get_by_label("E-mail address").fill(focal.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("The e-mail address or the password is not correct.").first) \
        .to_be_visible()
    audit.check(page, "sign in, refused")
    sign_in(page, base, focal.email)
    expect(page.get_by_text("Please describe the measures of paragraph 21 further.")) \
        .to_be_visible()
    audit.check(page, "overview, returned")
    page.goto(f"{base}/responses/{response_id}/team")
    page.get_by_label("Name").fill("New Contributor")
    page.get_by_label("E-mail address").fill("e2e.new.contributor.chl@example.org")
    team.remember("e2e.new.contributor.chl@example.org")
    page.get_by_role("button", name="Nominate").click()
    expect(page.get_by_text("\u2068New Contributor\u2069 has been nominated.")).to_be_visible()
    audit.check(page, "team, a nomination awaiting the secretariat's check")
    # The secretariat checks it, and is given the invitation link to pass on.
    checking = browser.new_context()
    secretariat = audit.watch(checking.new_page())
    sign_in(secretariat, base, admin.email)
    secretariat.goto(base + "/admin/users")
    expect(secretariat.get_by_role("heading", name="1 nomination awaiting your check")) \
        .to_be_visible()
    audit.check(secretariat, "users, a nomination awaiting the check")
    secretariat.get_by_role("button", name="Approve and invite — New Contributor").click()
    expect(secretariat.get_by_role("heading", name="Invitation created")).to_be_visible()
    audit.check(secretariat, "user, nomination approved, invitation link")
    checking.close()
    page.goto(f"{base}/account/password")
    page.get_by_label("Current password").fill("wrong")
    page.locator("#password").fill("short")
    page.locator("#confirm").fill("different")
    page.get_by_role("button", name="Change").last.click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    audit.check(page, "change password, with errors")
    page.goto(f"{base}/responses/{response_id}")
    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change").first.click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    audit.check(page, "overview, in Arabic")
    assert not _scrolls_sideways(page), "the Arabic overview scrolls sideways"
    page.goto(f"{base}/responses/{response_id}/sections/I")
    audit.check(page, "section I, in Arabic")
    assert not _scrolls_sideways(page), "the Arabic section page scrolls sideways"
    _work_offline(page, base, response_id, audit, team, focal.email)
    context.close()
    audit.assert_clean()


def _scrolls_sideways(page) -> bool:
    """Whether the page is wider than the window (WCAG 1.4.10: no scrolling in two
    directions); in a right-to-left page, overflow to the left counts too."""
    return page.evaluate("document.documentElement.scrollWidth"
                         " > document.documentElement.clientWidth")


def _work_offline(page, base: str, response_id: int, audit, team, email: str) -> None:
    """The spreadsheet's pages, in the language already chosen: the upload form, the result
    of an upload with an answer refused, one saved and one changed online meanwhile (a
    conflict to resolve), and the result of resolving it."""
    import io

    import openpyxl

    from survey.auth.services import user_by_email
    from survey.core.db import db
    from survey.responses.models import Response
    from survey.responses.services import answer_values
    from survey.responses.workbook import ANSWER, KEY, TOKEN
    from tests.responses.helpers import save

    download = page.request.get(f"{base}/responses/{response_id}/workbook.xlsx")
    assert download.ok
    team.run(lambda: save(db.session.get(Response, response_id), user_by_email(email),
                          p22__authorities="Changed online meanwhile"))
    book = openpyxl.load_workbook(io.BytesIO(download.body()))
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2, max_col=TOKEN):
            if row[KEY - 1].value == "p22.status":
                row[ANSWER - 1].value = "Mostly"  # not an option: listed, not saved
            elif row[KEY - 1].value == "p22.examples":
                row[ANSWER - 1].value = "Written offline."
            elif row[KEY - 1].value == "p22.authorities":
                row[ANSWER - 1].value = "Written offline too"  # a conflict
    filled = io.BytesIO()
    book.save(filled)
    page.goto(f"{base}/responses/{response_id}/workbook")
    audit.check(page, "work offline")
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "answers.xlsx", "buffer": filled.getvalue(),
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.locator("form[enctype] button[type=submit]").click()
    expect(page.get_by_text("Mostly").first).to_be_visible()
    expect(page.get_by_text("Changed online meanwhile").first).to_be_visible()
    audit.check(page, "work offline, the upload's result")
    page.locator("input[type=radio][value=mine]").check()
    page.locator("form[action$='/workbook/resolve'] button[type=submit]").click()
    expect(page.locator("form[action$='/workbook/resolve']")).to_have_count(0)
    audit.check(page, "work offline, a conflict resolved")
    assert team.run(lambda: answer_values(db.session.get(Response, response_id))
                    ["p22.authorities"]) == "Written offline too"
