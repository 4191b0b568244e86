"""Sign-off: refused while required answers are missing (each listed with a link),
accepted when complete, and locked afterwards until the secretariat returns it."""

import re
from datetime import date, timedelta

import sqlalchemy as sa

from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.responses import services
from survey.responses.models import ResponseStatus
from tests.conftest import login, page_text, response_of
from tests.responses.helpers import complete, save, tokens_on_page


def test_submission_is_refused_while_required_answers_are_missing(client, login_as):
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    page = client.get(f"/responses/{response.id}/submit")
    text = page_text(page)
    assert "required questions are not answered" in text
    html = page.get_data(as_text=True)
    assert f'href="/responses/{response.id}/sections/I#q-p21-status"' in html
    # By section, each with its count, rather than one wall of links read out as an alert.
    assert re.search(r"<summary>.*Advancing crime prevention.*: (\d+) questions</summary>", html)
    assert "General information" in text and 'role="alert"' not in html
    refused = client.post(f"/responses/{response.id}/submit", data={
        "confirm": "yes", "authorised_by_title": "Minister of Justice"})
    assert refused.status_code == 422
    db.session.refresh(response)
    assert response.status is not ResponseStatus.SUBMITTED


def test_a_complete_response_is_signed_off_and_then_locked(client, make_user):
    focal_point = make_user("focal_point", "JPN")
    contributor = make_user("contributor", "JPN")
    response = response_of("JPN")
    complete(response, focal_point)
    login(client, focal_point)
    assert client.post(f"/responses/{response.id}/submit", data={}).status_code == 422
    done = client.post(f"/responses/{response.id}/submit", data={
        "confirm": "yes", "authorised_by_title": "National focal point"})
    assert done.status_code == 302
    db.session.refresh(response)
    assert response.status is ResponseStatus.SUBMITTED
    assert response.submitted_by_id == focal_point.id and response.submitted_at
    # The secretariat's overview shows the sign-off as the State's latest activity.
    assert response.last_activity_at == response.submitted_at
    assert response.last_activity_by_id == focal_point.id
    assert db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "response.submitted")).one().actor_id == focal_point.id

    # Locked: the section page is read-only and saves are refused, for everyone.
    page = client.get(f"/responses/{response.id}/sections/I")
    assert "has been submitted" in page_text(page)
    assert 'type="radio"' not in page.get_data(as_text=True)
    refused = client.post(f"/responses/{response.id}/autosave", json={"changes": [
        {"key": "p21.status", "value": "fully", "base": "1:x"}]})
    assert refused.status_code == 409 and refused.json["locked"]
    try:
        save(response, contributor, p21__status="fully")
    except services.DomainError as exc:
        assert "submitted" in str(exc)
    else:
        raise AssertionError("a submitted response accepted a change")


def test_the_sign_off_page_links_to_the_report_and_asks_for_the_confirmation_itself(
        client, make_user):
    """"Read the report before you submit it" links to it; an unticked confirmation is
    the page's message next to the box (no "required": Chromium answered with a pop-up of
    its own, in the browser's language), and the user stays on the form."""
    focal_point = make_user("focal_point", "JPN")
    response = response_of("JPN")
    complete(response, focal_point)
    login(client, focal_point)
    html = client.get(f"/responses/{response.id}/submit").get_data(as_text=True)
    assert f'href="/responses/{response.id}/report"' in html
    assert f'href="/responses/{response.id}/report.pdf"' in html
    box = re.search(r'<input [^>]*id="confirm"[^>]*>', html)[0]
    assert "required" not in box

    refused = client.post(f"/responses/{response.id}/submit", data={
        "authorised_by_title": "National focal point"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    message = "Confirm that you sign off on behalf of your Government."
    error = re.search(r'<p class="error-message" id="confirm-error"><span>([^<]*)</span>', html)
    assert error and error[1] == message
    box = re.search(r'<input [^>]*id="confirm"[^>]*>', html)[0]
    assert 'aria-describedby="confirm-error"' in box and 'aria-invalid="true"' in box
    # The summary leads to the box with the message alone, not the box's long label.
    assert f'<a href="#confirm">{message}</a>' in html
    assert 'class="flash' not in html  # said once, where it applies
    assert "Sign off and submit" in page_text(refused)
    db.session.refresh(response)
    assert response.status is not ResponseStatus.SUBMITTED


def test_the_official_who_authorised_the_submission_is_named_and_printed(
        client, make_user, app):
    """Sign-off is by an official authorised for the Government, who need not be the focal
    point who submits: both are recorded, audited and printed on the report's cover."""
    from survey.reports.national import render_report_pdf
    from tests.reports.conftest import pdf_text

    focal_point = make_user("focal_point", "SEN", name="Awa Diop")
    response = response_of("SEN")
    complete(response, focal_point)
    login(client, focal_point)
    form = client.get(f"/responses/{response.id}/submit").get_data(as_text=True)
    assert re.search(r'<input [^>]*id="authorised_by_name"[^>]*value="Awa Diop"', form)

    missing = client.post(f"/responses/{response.id}/submit", data={
        "confirm": "yes", "authorised_by_name": "Ismaïla Madior Fall"})
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert re.search(r'<p class="error-message" id="authorised_by_title-error">'
                     r'<span>Enter their title or function\.</span>', html)
    assert 'value="Ismaïla Madior Fall"' in html  # kept
    db.session.refresh(response)
    assert response.status is ResponseStatus.IN_PROGRESS

    done = client.post(f"/responses/{response.id}/submit", data={
        "confirm": "yes", "authorised_by_name": " Ismaïla  Madior Fall ",
        "authorised_by_title": "Minister of Justice, Keeper of the Seals"})
    assert done.status_code == 302
    db.session.refresh(response)
    assert (response.authorised_by_name, response.authorised_by_title) == (
        "Ismaïla Madior Fall", "Minister of Justice, Keeper of the Seals")
    assert response.submitted_by_id == focal_point.id
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "response.submitted")).one()
    assert event.after["authorised_by"]["name"] == "Ismaïla Madior Fall"
    with app.test_request_context("/"):
        cover = pdf_text(render_report_pdf(response).data).split("Contents")[0]
    assert "Authorised by" in cover
    assert "Ismaïla Madior Fall, Minister of Justice, Keeper of the Seals" in " ".join(
        cover.split())
    assert "Awa Diop" in cover  # who submitted it


def test_returned_response_can_be_edited_again_and_shows_the_comment(client, make_user):
    focal_point = make_user("focal_point", "JPN")
    admin = make_user("admin")
    response = response_of("JPN")
    complete(response, focal_point)
    services.submit(response, actor=focal_point)
    services.return_response(response, "Please describe the measures for paragraph 21.",
                             actor=admin)
    db.session.commit()
    login(client, focal_point)
    overview = page_text(client.get(f"/responses/{response.id}"))
    assert "Please describe the measures for paragraph 21." in overview
    tokens = tokens_on_page(client.get(f"/responses/{response.id}/sections/I")
                            .get_data(as_text=True))
    saved = client.post(f"/responses/{response.id}/sections/I", data={
        "p21.status": "partially", "base.p21.status": tokens["p21.status"]})
    assert saved.status_code == 302, page_text(saved)[:1500]


def test_only_the_focal_point_submits(make_user):
    contributor = make_user("contributor", "JPN")
    response = response_of("JPN")
    complete(response, make_user("focal_point", "JPN"))
    try:
        services.submit(response, actor=contributor)
    except services.DomainError:
        pass
    else:
        raise AssertionError("a contributor submitted")


def test_the_dashboard_counts_the_days_to_the_deadline_until_the_state_submits(
        client, make_user):
    focal_point = make_user("focal_point", "KEN")
    response = response_of("KEN")
    login(client, focal_point)
    today = date.today()
    response.cycle.opens_on = today - timedelta(days=60)

    def said_of(closes_on: date) -> str:
        response.cycle.closes_on = closes_on
        db.session.commit()
        page = client.get(f"/responses/{response.id}").get_data(as_text=True)
        deadline = re.search(r"<dt>Deadline</dt><dd>(.*?)</dd>", page, flags=re.S)[1]
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", deadline)).strip()

    in_twelve_days = today + timedelta(days=12)
    assert said_of(in_twelve_days) == (
        f"{in_twelve_days:%B} {in_twelve_days.day}, {in_twelve_days.year} 12 days left")
    assert said_of(today + timedelta(days=1)).endswith(" 1 day left")
    assert said_of(today).endswith(" Today is the last day")
    # The cycle stays open until the secretariat closes it: a late State may still answer.
    assert said_of(today - timedelta(days=3)).endswith(" 3 days past the deadline")

    complete(response, focal_point)
    services.submit(response, actor=focal_point)
    db.session.commit()
    assert said_of(today + timedelta(days=12)) == (
        f"{in_twelve_days:%B} {in_twelve_days.day}, {in_twelve_days.year}"), \
        "nothing left to count once submitted"
