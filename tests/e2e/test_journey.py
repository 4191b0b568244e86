"""The whole path in a real browser: the secretariat invites a focal point, who sets a
password, answers two sections with autosave through a lost connection and a closed tab,
resolves a conflict with a contributor, signs off and downloads the PDF; axe-core audits
every page on the way (WCAG 2.1 AA)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from survey.auth.services import user_by_email
from survey.core.db import db
from survey.responses.models import Response, ResponseStatus
from survey.responses.services import answer_values
from tests.conftest import PASSWORD
from tests.e2e.conftest import refresh_session, sign_in
from tests.security.helpers import answer_required

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STATE = "PRT"
STATE_NAME = "Portugal"
SAVE_TIMEOUT = 20_000  # ms: the page saves 2.5 s after typing stops


def field(page, key: str):
    return page.locator("#q-" + key.replace(".", "-"))


def saved(page) -> None:
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=SAVE_TIMEOUT)


def stored(team, key: str):
    """The answer as the database holds it now."""
    return team.run(lambda: answer_values(db.session.get(Response, team.response_id())).get(key))


def test_from_invitation_to_the_signed_off_report(browser, live_server, audit, team_of,
                                                  tmp_path):
    base = live_server.base_url
    team = team_of(STATE)
    admin = team.user("admin", "Secretariat Officer")
    response_id = team.response_id()

    # --- the secretariat invites the focal point -------------------------------------------
    secretariat = browser.new_context()
    page = audit.watch(secretariat.new_page())
    page.goto(base + "/login")
    audit.check(page, "sign in")
    sign_in(page, base, admin.email)
    audit.check(page, "administration overview")
    page.get_by_role("link", name="Users", exact=True).click()
    audit.check(page, "users")
    page.get_by_role("link", name="Invite someone").click()
    audit.check(page, "invite")
    page.get_by_label("Name").fill("Maria Focal")
    page.get_by_label("E-mail address").fill("maria.focal.e2e@example.org")
    team.remember("maria.focal.e2e@example.org")
    page.get_by_label("Role").select_option("focal_point")
    page.get_by_label("State", exact=True).select_option(STATE)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("heading", name=re.compile("Invitation created"))).to_be_visible()
    audit.check(page, "invitation created")
    link = page.locator("#invitation-link").input_value()
    invitation = urlsplit(link).path

    # --- the focal point sets a password ------------------------------------------------------
    focal = browser.new_context()
    page = audit.watch(focal.new_page())
    page.goto(base + invitation)
    audit.check(page, "choose your password")
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()
    page.wait_for_url(f"{base}/responses/{response_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(STATE_NAME)
    audit.check(page, "overview")

    # --- answering two sections with autosave --------------------------------------------------
    page.get_by_role("link", name="General information").first.click()
    audit.check(page, "section: general")
    field(page, "general.coordinating_institution").fill("Ministry of Justice")
    saved(page)
    assert stored(team, "general.coordinating_institution") == "Ministry of Justice"

    page.goto(f"{base}/responses/{response_id}/sections/I")
    audit.check(page, "section: I")
    contents = page.locator('[data-toc-for="p21"]')
    expect(contents).to_have_text("Left to answer: 1")
    field(page, "p21.status").get_by_label("Fully implemented").check()
    saved(page)
    expect(contents).to_have_text("Left to answer: 1")  # now the measures, required
    expect(page.locator(".section-progress")).to_contain_text(
        re.compile(r"^1 of \d+ required questions answered; 1 of \d+ questions"))
    field(page, "p21.measures").fill("A national strategy adopted in 2022.")
    saved(page)
    expect(contents).to_have_text("Complete")
    audit.check(page, "section: I, answered")
    assert stored(team, "p21.status") == "fully"

    # The connection drops while typing; the answer is saved when it returns.
    focal.set_offline(True)
    field(page, "p21.authorities").fill("Ministry of the Interior")
    expect(page.locator("#save-status")).to_contain_text(
        re.compile("offline|retrying"), timeout=SAVE_TIMEOUT)
    focal.set_offline(False)
    saved(page)
    page.reload()
    expect(field(page, "p21.authorities")).to_have_value("Ministry of the Interior")
    assert stored(team, "p21.authorities") == "Ministry of the Interior"

    # Typed offline, then the tab is closed: the browser kept it and saves it next time.
    focal.set_offline(True)
    field(page, "p21.examples").fill("Typed on the train, without a connection.")
    expect(page.locator("#save-status")).to_contain_text("offline", timeout=SAVE_TIMEOUT)
    page.close()
    focal.set_offline(False)
    page = audit.watch(focal.new_page())
    page.goto(f"{base}/responses/{response_id}/sections/I")
    expect(field(page, "p21.examples")).to_have_value("Typed on the train, without a connection.")
    saved(page)
    assert stored(team, "p21.examples") == "Typed on the train, without a connection."

    # --- a contributor changes the same answers meanwhile ----------------------------------
    contributor = team.user("contributor", "Carlos Contributor")
    colleague = browser.new_context()
    other = audit.watch(colleague.new_page())
    sign_in(other, base, contributor.email)
    other.goto(f"{base}/responses/{response_id}/sections/I")
    field(other, "p21.measures").fill("The contributor's account of the measures.")
    saved(other)
    field(other, "p21.authorities").fill("Office of the Prosecutor General")
    saved(other)

    field(page, "p21.measures").fill("The focal point's account of the measures.")
    conflict = page.locator('[data-conflict-for="p21.measures"]')
    expect(conflict).to_contain_text("Changed meanwhile by Carlos Contributor",
                                     timeout=SAVE_TIMEOUT)
    expect(conflict).to_contain_text("The contributor's account of the measures.")
    audit.check(page, "section: I, with a conflict")
    conflict.get_by_role("button", name="Keep my version").click()
    saved(page)
    expect(conflict).to_be_hidden()
    assert stored(team, "p21.measures") == "The focal point's account of the measures."

    field(page, "p21.authorities").fill("Ministry of the Interior and the police")
    conflict = page.locator('[data-conflict-for="p21.authorities"]')
    expect(conflict).to_contain_text("Changed meanwhile by Carlos Contributor",
                                     timeout=SAVE_TIMEOUT)
    # The panel is named by its title and read from the field itself.
    expect(page.get_by_role("group", name=re.compile("Changed meanwhile by Carlos"))) \
        .to_be_visible()
    assert conflict.get_attribute("id") in \
        field(page, "p21.authorities").get_attribute("aria-describedby").split()
    conflict.get_by_role("button", name="Use their version").click()
    expect(field(page, "p21.authorities")).to_have_value("Office of the Prosecutor General")
    expect(field(page, "p21.authorities")).to_be_focused()  # not sent back to the top
    expect(page.locator("#save-status")).to_contain_text("Their version is kept")
    assert stored(team, "p21.authorities") == "Office of the Prosecutor General"
    colleague.close()

    page.goto(f"{base}/responses/{response_id}/answers/p21.measures/history")
    expect(page.get_by_text("The contributor's account of the measures.").first).to_be_visible()
    audit.check(page, "history")
    page.goto(f"{base}/responses/{response_id}/team")
    audit.check(page, "team")

    # --- sign-off: the other required answers through the service, then in the page ------
    team.run(lambda: answer_required(db.session.get(Response, response_id),
                                     user_by_email("maria.focal.e2e@example.org")))
    page.goto(f"{base}/responses/{response_id}")
    page.get_by_role("link", name="Check and submit").click()
    audit.check(page, "check and submit")
    page.get_by_role("button", name="Sign off and submit").click()  # nothing filled in yet
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()  # the problems, each a link to its field, come first
    expect(summary).to_contain_text("Enter their title or function.")
    audit.check(page, "sign-off refused")
    # Chromium logs the refusal's 422, which we asked for.
    audit.console = [c for c in audit.console if "/submit: Failed to load resource" not in c]
    page.get_by_label("Their title or function").fill("Minister of Justice")
    page.get_by_label(re.compile("I confirm, as national focal point")).check()
    page.get_by_role("button", name="Sign off and submit").click()
    expect(page.get_by_text("The self-assessment has been submitted.")).to_be_visible()
    audit.check(page, "overview, submitted")
    assert team.run(lambda: db.session.get(Response, response_id).status) \
        is ResponseStatus.SUBMITTED

    # --- the report: preview, then the PDF -------------------------------------------------
    page.get_by_role("link", name="Read the report").click()
    audit.check(page, "report preview")
    page.goto(f"{base}/responses/{response_id}")
    with page.expect_download(timeout=180_000) as download:
        page.get_by_role("link", name="Download the report (PDF)").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    with pdf.open("rb") as file:
        text = " ".join(p.extract_text() or "" for p in PdfReader(file).pages)
    assert STATE_NAME in text
    assert "The focal point's account of the measures." in " ".join(text.split())

    # --- the secretariat reads the submission ------------------------------------------------
    page = secretariat.pages[0]
    refresh_session(secretariat, base)  # idle for minutes: see refresh_session
    page.goto(f"{base}/admin/responses/{response_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(STATE_NAME)
    audit.check(page, "review")
    focal.close()
    secretariat.close()
    audit.assert_clean()
