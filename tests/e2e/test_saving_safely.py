"""Never losing a user's words, in a real browser: the answers kept in the browser survive
the Save button (in any section, signed out or not), a Save sent after the session ended is
kept through signing in again (with or without JavaScript), the Save button leaves without a
"Leave site?" question, a save recovers after signing in again in another tab, a stalled
connection does not block saving, and on a shared computer one colleague's unsaved words are
never restored under another's name."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from survey.auth.models import LoginSession
from survey.core.db import db, utcnow
from survey.responses.models import Answer, Response
from survey.responses.services import answer_values
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAVE_TIMEOUT = 20_000  # ms: the page saves 2.5 s after typing stops
AUTOSAVE = "**/autosave"


def field(page, key: str):
    return page.locator("#q-" + key.replace(".", "-"))


def status(page):
    return page.locator("#save-status")


def stored(team, key: str):
    return team.run(lambda: answer_values(db.session.get(Response, team.response_id())).get(key))


def author_of(team, key: str) -> int | None:
    return team.run(lambda: db.session.scalar(sa.select(Answer.updated_by_id).where(
        Answer.response_id == team.response_id(), Answer.question_key == key)))


def end_sessions_of(team, user) -> None:
    """The user's sessions end on the server (idle too long), the browser's cookie unchanged."""
    team.run(lambda: db.session.execute(sa.update(LoginSession).where(
        LoginSession.user_id == user.id).values(revoked_at=utcnow())))


def watch(page) -> tuple[list[str], list[str]]:
    """The page's script errors, and the dialogs it opened (each accepted, as a user
    answering "Leave" would)."""
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def answer(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    return errors, dialogs


def sign_in_here(page, email: str) -> None:
    """Sign in on the sign-in page the browser is on, which returns where it was sent from."""
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_save_in_one_section_keeps_the_unsaved_answers_of_another(browser, live_server,
                                                                   team_of):
    """Autosaves fail in "General information"; the user goes on to the declaration and
    presses Save there: the words of "General information" are still kept, and saved once
    the server answers."""
    team = team_of("ARG")
    focal = team.user("focal_point", "Lucía Focal")
    response_id = team.response_id()
    context = browser.new_context()
    page = context.new_page()
    errors, _dialogs = watch(page)
    sign_in(page, live_server.base_url, focal.email)

    page.route(AUTOSAVE, lambda route: route.fulfill(status=503, body=""))
    page.goto(live_server.url(f"/responses/{response_id}/sections/general"))
    words = "The Ministry of Justice, with the national statistics office."
    field(page, "general.coordinating_institution").fill(words)
    expect(status(page)).to_contain_text("Not saved — retrying", timeout=SAVE_TIMEOUT)

    page.goto(live_server.url(f"/responses/{response_id}/sections/declaration"))
    field(page, "p3.examples").fill("A campaign in schools.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    assert stored(team, "p3.examples") == "A campaign in schools."

    page.unroute(AUTOSAVE)
    page.goto(live_server.url(f"/responses/{response_id}/sections/general"))
    expect(field(page, "general.coordinating_institution")).to_have_value(words)
    expect(status(page)).to_contain_text("Saved at", timeout=SAVE_TIMEOUT)
    assert stored(team, "general.coordinating_institution") == words
    assert errors == []
    context.close()


def test_pressing_save_never_asks_whether_to_leave_the_page(browser, live_server, team_of):
    """Save a moment after typing, or while an autosave is under way: the form's own post
    leaves without "Leave site? Changes may not be saved". During an autosave it waits for
    its answer, so that the user's own save is not taken for a colleague's change."""
    team = team_of("PRY")
    focal = team.user("focal_point", "Sofía Focal")
    response_id = team.response_id()
    context = browser.new_context()
    page = context.new_page()
    errors, dialogs = watch(page)
    sign_in(page, live_server.base_url, focal.email)
    page.goto(live_server.url(f"/responses/{response_id}/sections/general"))

    institution = "general.coordinating_institution"
    field(page, institution).fill("Ministry of Justice")
    page.get_by_role("button", name="Save", exact=True).click()  # before any autosave
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    assert dialogs == [], "pressing Save asked whether to leave the page"
    assert stored(team, institution) == "Ministry of Justice"

    stalled = []
    page.route(AUTOSAVE, lambda route: stalled.append(route))  # answered when the test says
    field(page, institution).fill("Ministry of Justice and Security")
    expect(status(page)).to_have_text("Saving…", timeout=SAVE_TIMEOUT)
    field(page, "general.priority_actions").fill("Prison reform.")  # during the save
    page.get_by_role("button", name="Save", exact=True).click()
    with page.expect_navigation():
        stalled[0].continue_()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    expect(page.locator(".error-summary")).to_have_count(0)  # no conflict with oneself
    assert dialogs == [], "pressing Save during an autosave asked whether to leave the page"
    assert stored(team, institution) == "Ministry of Justice and Security"
    assert stored(team, "general.priority_actions") == "Prison reform."
    assert errors == []
    context.close()


def test_save_after_the_session_ended_loses_nothing(browser, live_server, team_of, audit):
    """Save, signed out meanwhile, leads to the sign-in page, which keeps what was sent; once
    signed in again, one button saves it."""
    team = team_of("BOL")
    focal = team.user("focal_point", "Mateo Focal")
    response_id = team.response_id()
    context = browser.new_context()
    page = audit.watch(context.new_page())
    errors, _dialogs = watch(page)
    sign_in(page, live_server.base_url, focal.email)
    page.goto(live_server.url(f"/responses/{response_id}/sections/general"))

    words = "Two national workshops,\nthen a public call for comments."
    field(page, "general.consultation_process").fill(words)
    end_sessions_of(team, focal)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Your answers have not been saved yet")) \
        .to_be_visible()
    audit.check(page, "sign-in, with answers not yet saved")
    assert stored(team, "general.consultation_process") is None

    sign_in_here(page, focal.email)
    expect(page.get_by_role("heading", name="Save the answers you sent")).to_be_visible()
    audit.check(page, "save the answers sent before signing in")
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    expect(field(page, "general.consultation_process")).to_have_value(words)
    assert stored(team, "general.consultation_process") == words
    assert errors == []
    # (Not audit.assert_clean(): the browser logs the sign-in page's 401, as it should be.)
    assert audit.violations == {}, audit.violations
    context.close()


def test_without_javascript_a_save_after_the_session_ended_loses_nothing(
        browser, live_server, team_of):
    """The same with scripts off (no copy kept in the browser): a choice, ticked boxes and
    text sent after the session ended are all saved once the user has signed in again."""
    team = team_of("URY")
    focal = team.user("focal_point", "Martín Focal")
    response_id = team.response_id()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server.base_url, focal.email)
    page.goto(live_server.url(f"/responses/{response_id}/sections/declaration"))

    page.locator('input[name="p3.status"][value="partially"]').check()
    page.locator('input[name="p3.challenges"][value="capacity"]').check()
    page.locator('input[name="p3.challenges"][value="resources"]').check()
    words = "A national plan since 2022,\nreviewed every two years."
    field(page, "p3.measures").fill(words)
    end_sessions_of(team, focal)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Your answers have not been saved yet")) \
        .to_be_visible()
    assert stored(team, "p3.measures") is None

    sign_in_here(page, focal.email)
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    assert stored(team, "p3.status") == "partially"
    assert stored(team, "p3.challenges") == ["capacity", "resources"]
    assert stored(team, "p3.measures").splitlines() == words.splitlines()
    context.close()


def test_autosave_recovers_after_signing_in_again_in_another_tab(browser, live_server,
                                                                 team_of):
    """The page says "Sign in again in another tab…": once that is done, the save goes
    through, though signing in gave the session a new CSRF token."""
    team = team_of("ECU")
    focal = team.user("focal_point", "Valentina Focal")
    response_id = team.response_id()
    context = browser.new_context()
    page = context.new_page()
    errors, _dialogs = watch(page)
    sign_in(page, live_server.base_url, focal.email)
    page.goto(live_server.url(f"/responses/{response_id}/sections/general"))

    end_sessions_of(team, focal)
    words = "The Office of the Attorney General."
    field(page, "general.coordinating_institution").fill(words)
    expect(status(page)).to_contain_text("you have been signed out", timeout=SAVE_TIMEOUT)

    other_tab = context.new_page()
    sign_in(other_tab, live_server.base_url, focal.email)
    # The page tries again by itself (every 15 s while signed out).
    expect(status(page)).to_contain_text("Saved at", timeout=40_000)
    assert stored(team, "general.coordinating_institution") == words
    expect(field(page, "general.coordinating_institution")).to_have_value(words)

    # The plain Save button got the new token too.
    field(page, "general.priority_actions").fill("Prison reform.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    assert stored(team, "general.priority_actions") == "Prison reform."
    assert errors == []
    context.close()


def test_a_stalled_save_gives_up_and_is_retried(browser, live_server, team_of):
    """A connection that never answers: after a while the page says it is retrying (not
    "Saving…" for ever), and the next attempt saves."""
    team = team_of("PER")
    focal = team.user("focal_point", "Camila Focal")
    response_id = team.response_id()
    context = browser.new_context()
    page = context.new_page()
    errors, _dialogs = watch(page)
    sign_in(page, live_server.base_url, focal.email)
    page.goto(live_server.url(f"/responses/{response_id}/sections/general"))

    stalled = []
    page.route(AUTOSAVE, lambda route: stalled.append(route))  # never answered
    words = "Typed on a satellite link."
    field(page, "general.coordinating_institution").fill(words)
    expect(status(page)).to_have_text("Saving…", timeout=SAVE_TIMEOUT)
    expect(status(page)).to_contain_text("Not saved — retrying", timeout=30_000)
    assert len(stalled) == 1
    page.unroute(AUTOSAVE)
    expect(status(page)).to_contain_text("Saved at", timeout=SAVE_TIMEOUT)
    assert stored(team, "general.coordinating_institution") == words
    assert errors == []
    context.close()


def test_a_colleagues_unsaved_words_are_never_restored_under_another_name(
        browser, live_server, team_of):
    """On a shared computer: what Amina typed but could not save is not put in Bruno's page,
    nor saved under his name; it is still there for her, and saved as hers when she is back."""
    team = team_of("COL")
    amina = team.user("focal_point", "Amina Focal")
    bruno = team.user("contributor", "Bruno Contributor")
    response_id = team.response_id()
    section = live_server.url(f"/responses/{response_id}/sections/general")
    context = browser.new_context()
    page = context.new_page()
    errors, _dialogs = watch(page)

    sign_in(page, live_server.base_url, amina.email)
    page.route(AUTOSAVE, lambda route: route.fulfill(status=503, body=""))
    page.goto(section)
    words = "Amina's draft of the executive summary."
    field(page, "general.executive_summary").fill(words)
    expect(status(page)).to_contain_text("Not saved — retrying", timeout=SAVE_TIMEOUT)
    page.get_by_role("button", name=re.compile("^Sign out")).click()
    page.wait_for_url(re.compile(r".*/login$"))
    page.unroute(AUTOSAVE)

    sign_in(page, live_server.base_url, bruno.email)
    page.goto(section)
    expect(field(page, "general.executive_summary")).to_have_value("")
    page.wait_for_timeout(3500)  # a restored answer would be saved within a second
    assert stored(team, "general.executive_summary") is None
    kept = page.evaluate("Object.keys(localStorage).map(k => localStorage.getItem(k)).join()")
    assert words in kept  # left for her
    page.get_by_role("button", name=re.compile("^Sign out")).click()
    page.wait_for_url(re.compile(r".*/login$"))

    sign_in(page, live_server.base_url, amina.email)
    page.goto(section)
    expect(field(page, "general.executive_summary")).to_have_value(words)
    expect(status(page)).to_contain_text("Saved at", timeout=SAVE_TIMEOUT)
    assert stored(team, "general.executive_summary") == words
    assert author_of(team, "general.executive_summary") == amina.id
    assert errors == []
    context.close()
