"""An observer reads the State's answers in the browser and can change nothing: no field on
the page, and the server refuses a save even when it is sent by hand."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from survey.core.db import db
from survey.responses.models import Response
from survey.responses.services import answer_values
from tests.e2e.conftest import sign_in
from tests.security.helpers import save

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_observer_reads_but_cannot_edit(browser, live_server, audit, team_of):
    team = team_of("NZL")
    focal = team.user("focal_point", "Focal Author")
    observer = team.user("observer", "Olga Observer")
    response_id = team.response_id()
    team.run(lambda: save(db.session.get(Response, response_id), db.session.merge(focal), {
        "p21.status": "largely", "p21.measures": "The measures, as the focal point wrote them."}))

    context = browser.new_context()
    page = audit.watch(context.new_page())
    sign_in(page, live_server.base_url, observer.email)
    audit.check(page, "overview (observer)")
    expect(page.get_by_role("link", name="Check and submit")).to_have_count(0)

    page.goto(live_server.url(f"/responses/{response_id}/sections/I"))
    audit.check(page, "section: I (observer)")
    expect(page.get_by_text("You can read this section but not change it.")).to_be_visible()
    expect(page.get_by_text("The measures, as the focal point wrote them.")).to_be_visible()
    expect(page.get_by_text("Largely implemented").first).to_be_visible()
    form = page.locator("#answers-form")
    expect(form.locator("input:not([type=hidden]), textarea, select")).to_have_count(0)
    expect(form.get_by_role("button")).to_have_count(0)
    expect(page.locator("script[src*='answers.js']")).to_have_count(0)

    # Sent by hand, with a valid token of the observer's own session: refused.
    token = page.locator("input[name=csrf_token]").first.input_value()
    headers = {"X-CSRFToken": token, "Content-Type": "application/json",
               "Accept": "application/json"}
    refused = page.request.post(
        live_server.url(f"/responses/{response_id}/autosave"), headers=headers,
        data=json.dumps({"changes": [{"key": "p21.measures", "value": "Overwritten",
                                      "base": ""}]}))
    assert refused.status == 403
    refused.dispose()
    refused = page.request.post(
        live_server.url(f"/responses/{response_id}/sections/I"),
        form={"csrf_token": token, "p21.measures": "Overwritten", "base.p21.measures": ""})
    assert refused.status == 403
    refused.dispose()
    page.goto(live_server.url(f"/responses/{response_id}/submit"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You do not have permission to do this")
    audit.check(page, "403 page")
    context.close()

    assert team.run(lambda: answer_values(db.session.get(Response, response_id))) == {
        "p21.status": "largely", "p21.measures": "The measures, as the focal point wrote them."}
    audit.console = [c for c in audit.console if "403" not in c]  # the refusals we asked for
    audit.assert_clean()
