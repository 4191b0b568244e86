"""Reporting cycles and the review of submissions, through the pages."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import escape
from html import unescape as html_unescape

import sqlalchemy as sa

from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.cycles.models import CycleStatus, ReportingCycle
from survey.cycles.services import close_cycle, current_cycle
from survey.questionnaires.services import published_version
from survey.responses.models import Response, ResponseStatus
from survey.responses.services import submit
from tests.conftest import login, page_text, response_of
from tests.responses.helpers import complete, save, tokens_on_page


def test_create_edit_open_and_close_a_cycle(client, admin):
    version = published_version("kyoto-2021")
    bad = client.post("/admin/cycles/new", data={
        "name": "2030 cycle", "slug": "2030", "version": version.id,
        "opens_on": "2030-03-01", "closes_on": "2030-01-01"})
    assert bad.status_code == 422
    assert "The deadline must not be before the opening date." in page_text(bad)
    assert 'value="2030 cycle"' in bad.get_data(as_text=True)  # kept

    taken = client.post("/admin/cycles/new", data={
        "name": "Again", "slug": current_cycle().slug, "version": version.id,
        "opens_on": "2030-01-01", "closes_on": "2030-03-01"})
    assert taken.status_code == 422 and "exists already" in page_text(taken)

    made = client.post("/admin/cycles/new", data={
        "name": "2030 cycle", "slug": "2030", "version": version.id,
        "opens_on": "2030-01-01", "closes_on": "2030-06-30"})
    assert made.status_code == 302
    cycle = db.session.scalar(sa.select(ReportingCycle).where(ReportingCycle.slug == "2030"))
    assert cycle.status is CycleStatus.PLANNED

    client.post(f"/admin/cycles/{cycle.id}/edit", data={
        "name": "Cycle 2030", "opens_on": "2030-01-01", "closes_on": "2030-07-31"})
    db.session.refresh(cycle)
    assert (cycle.name, cycle.closes_on) == ("Cycle 2030", date(2030, 7, 31))

    # Another cycle is open: opening this one is refused with the reason.
    refused = client.post(f"/admin/cycles/{cycle.id}/open", follow_redirects=True)
    assert "first" in page_text(refused)
    client.post(f"/admin/cycles/{current_cycle().id}/close", data={"confirm": "y"})
    opened = client.post(f"/admin/cycles/{cycle.id}/open", follow_redirects=True)
    assert "The reporting cycle is open" in page_text(opened)
    db.session.refresh(cycle)
    assert cycle.status is CycleStatus.OPEN and current_cycle().id == cycle.id
    actions = set(db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "cycle")))
    assert {"cycle.created", "cycle.updated", "cycle.opened", "cycle.closed"} <= actions


def test_closing_the_cycle_locks_editing_for_every_state(client, admin, make_user):
    cycle = current_cycle()
    assert client.post(f"/admin/cycles/{cycle.id}/close",
                       data={"confirm": "y"}).status_code == 302
    focal_point = make_user("focal_point", "JPN")
    client.post("/logout")
    login(client, focal_point)
    response = response_of("JPN")
    page = client.get(f"/responses/{response.id}/sections/I")
    assert "The reporting cycle is closed." in page_text(page)
    assert 'type="radio"' not in page.get_data(as_text=True)
    saved = client.post(f"/responses/{response.id}/autosave",
                        json={"changes": [{"key": "p22.status", "value": "fully",
                                           "base": "0:x"}]})
    assert saved.status_code == 409 and saved.json["locked"]


def test_the_cycle_page_says_what_closing_would_lock(client, admin, make_user):
    cycle = current_cycle()
    submitted("FRA", make_user)
    in_progress, focal_point = response_of("JPN"), make_user("focal_point", "JPN")
    save(in_progress, focal_point, p21__status="fully")
    counts = dict(db.session.execute(
        sa.select(Response.status, sa.func.count()).where(Response.cycle_id == cycle.id)
        .group_by(Response.status)).all())
    not_submitted = counts[ResponseStatus.NOT_STARTED] + counts[ResponseStatus.IN_PROGRESS]

    text = page_text(client.get(f"/admin/cycles/{cycle.id}"))
    assert f"Closing now locks {not_submitted} responses not yet submitted:" in text
    assert f"Not started: {counts[ResponseStatus.NOT_STARTED]}" in text
    assert f"In progress: {counts[ResponseStatus.IN_PROGRESS]}" in text
    assert "Submitted:" not in text


def test_a_later_deadline_for_one_state(client, admin, make_user):
    cycle = current_cycle()
    client.post(f"/admin/cycles/{cycle.id}/close", data={"confirm": "y"})
    response = response_of("JPN")
    url = f"/admin/responses/{response.id}/deadline"
    past = client.post(url, data={"extended_until": (date.today() - timedelta(days=2)).isoformat()})
    assert past.status_code == 422 and "Choose a day after the cycle's deadline" in page_text(past)
    until = cycle.closes_on + timedelta(days=10)
    saved = client.post(url, data={"extended_until": until.isoformat()}, follow_redirects=True)
    assert response_of("JPN").extended_until == until
    # Said as the pages say dates, not as ISO.
    assert f"Japan may edit until {until:%B} {until.day}, {until.year}." in page_text(saved)
    assert until.isoformat() not in page_text(saved)

    focal_point = make_user("focal_point", "JPN")
    client.post("/logout")
    login(client, focal_point)
    page = client.get(f"/responses/{response.id}/sections/I")
    assert 'type="radio"' in page.get_data(as_text=True)  # JPN may still edit
    other = client.get(f"/responses/{response.id}")
    assert "(extended)" in page_text(other)


def submitted(code: str, make_user):
    focal_point = make_user("focal_point", code)
    response = response_of(code)
    complete(response, focal_point)
    submit(response, actor=focal_point)
    db.session.commit()
    return response, focal_point


def before_the_rest(html: str, fragment: str) -> bool:
    """Whether the fragment comes before the page's first section ("Read the response")."""
    return -1 < html.find(fragment) < html.index("Read the response")


def test_accept_a_submitted_response(client, admin, make_user):
    response, _ = submitted("JPN", make_user)
    page = page_text(client.get(f"/admin/responses/{response.id}"))
    assert "Accept the response" in page and "Return to the State" in page
    assert "I have read the response and accept it as final" in page

    # One click does not make it final: the box must be ticked; the problem is said first.
    unconfirmed = client.post(f"/admin/responses/{response.id}/accept")
    assert unconfirmed.status_code == 422
    html = unconfirmed.get_data(as_text=True)
    assert before_the_rest(html, 'class="error-summary"')
    assert before_the_rest(html, '<a href="#confirm">')
    assert 'id="confirm"' in html
    db.session.refresh(response)
    assert response.status is ResponseStatus.SUBMITTED

    client.post(f"/admin/responses/{response.id}/accept", data={"confirm": "y"})
    db.session.refresh(response)
    assert response.status is ResponseStatus.ACCEPTED and response.reviewed_by_id == admin.id
    again = client.post(f"/admin/responses/{response.id}/accept", data={"confirm": "y"},
                        follow_redirects=True)
    assert "Only a submitted response can be reviewed." in page_text(again)
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "response.accepted")).actor_id == admin.id


def test_return_a_response_with_a_comment_the_state_sees(client, admin, make_user):
    response, focal_point = submitted("FRA", make_user)
    empty = client.post(f"/admin/responses/{response.id}/return", data={"comment": "  "})
    assert empty.status_code == 422 and "This field is required." in page_text(empty)
    # The page comes back at its top: the summary is there, and links to the comment field.
    html = empty.get_data(as_text=True)
    assert before_the_rest(html, 'class="error-summary"')
    assert before_the_rest(html, '<a href="#comment">Comment for the State: This field is '
                                 'required.</a>')
    client.post(f"/admin/responses/{response.id}/return",
                data={"comment": "Please cite the laws for paragraph 22."})
    db.session.refresh(response)
    assert response.status is ResponseStatus.RETURNED

    client.post("/logout")
    login(client, focal_point)
    page = page_text(client.get(f"/responses/{response.id}"))
    assert "The secretariat returned the response for revision" in page
    assert "Please cite the laws for paragraph 22." in page
    tokens = tokens_on_page(client.get(f"/responses/{response.id}/sections/I").get_data(
        as_text=True))
    assert tokens  # editable again


def test_returning_after_the_cycle_closed_gives_the_state_a_deadline_too(
        client, admin, make_user):
    """Returned after the cycle closed, a State could read the comment but not revise a
    thing: the secretariat is asked for the day until which it may, in the same step."""
    response, focal_point = submitted("ITA", make_user)
    close_cycle(response.cycle, actor=admin)
    db.session.commit()
    url = f"/admin/responses/{response.id}/return"
    assert 'name="revise_until"' in client.get(f"/admin/responses/{response.id}").get_data(
        as_text=True)

    comment = "Please cite the laws for paragraph 22."
    without = client.post(url, data={"comment": comment})
    assert without.status_code == 422
    html = without.get_data(as_text=True)
    assert "give the State a day until which it may revise" in page_text(without)
    assert '<a href="#revise_until">' in html  # the summary leads to the field
    assert comment in html  # the comment is kept
    past = client.post(url, data={"comment": comment,
                                  "revise_until": (date.today() - timedelta(days=1)).isoformat()})
    assert past.status_code == 422
    assert "Choose a day after the cycle's deadline" in page_text(past)
    db.session.refresh(response)
    assert response.status is ResponseStatus.SUBMITTED and response.extended_until is None

    until = response.cycle.closes_on + timedelta(days=14)
    assert client.post(url, data={"comment": comment, "revise_until": until.isoformat()}) \
        .status_code == 302
    db.session.refresh(response)
    assert response.status is ResponseStatus.RETURNED and response.extended_until == until
    assert {"response.returned", "response.deadline_extended"} <= set(db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == str(response.id))))

    client.post("/logout")
    login(client, focal_point)
    assert tokens_on_page(client.get(f"/responses/{response.id}/sections/I").get_data(
        as_text=True))  # the State can revise


def test_while_the_cycle_is_open_returning_asks_for_no_deadline(client, admin, make_user):
    response, _ = submitted("ESP", make_user)
    assert 'name="revise_until"' not in client.get(
        f"/admin/responses/{response.id}").get_data(as_text=True)


def test_the_history_of_a_response_reads_as_sentences_not_codes(client, admin, make_user):
    response, _ = submitted("KEN", make_user)
    client.post(f"/admin/responses/{response.id}/return", data={"comment": "Paragraph 22."})
    html = client.get(f"/admin/responses/{response.id}").get_data(as_text=True)
    history = re.sub(r"<[^>]+>", " ", html[html.index("History of the response"):])
    assert "Response started" in history and "Response submitted" in history
    assert "Response returned for revision" in history
    assert "response." not in history

    admin.locale = "fr"
    db.session.commit()
    history = page_text(client.get(f"/admin/responses/{response.id}"))
    assert "response.submitted" not in history


def test_in_french_the_review_page_names_the_sections_in_french(client, admin):
    admin.locale = "fr"
    db.session.commit()
    response = response_of("JPN")
    html = client.get(f"/admin/responses/{response.id}").get_data(as_text=True)
    # As the State's own pages name them; the declaration's headings stay English, marked so.
    assert ">Informations générales</a>" in html and ">General information</a>" not in html
    assert re.search(r'<a href="/responses/\d+/sections/\w+" lang="en">', html)


def test_in_arabic_names_on_the_review_page_keep_their_own_direction(client, admin, make_user):
    response, focal_point = submitted("JPN", make_user)
    admin.locale = "ar"
    db.session.commit()
    html = client.get(f"/admin/responses/{response.id}").get_data(as_text=True)
    assert f": <bdi>{escape(response.cycle.name)}</bdi></a></nav>" in html  # the breadcrumb
    assert f", <bdi>{escape(focal_point.display_name)}</bdi></dd>" in html  # who submitted


def test_the_review_page_links_to_reading_the_response(client, admin):
    response = response_of("JPN")
    html = client.get(f"/admin/responses/{response.id}").get_data(as_text=True)
    assert f'href="/responses/{response.id}"' in html
    assert f'href="/responses/{response.id}/report"' in html  # the report preview
    assert f'href="/admin/responses/{response.id}/answers.json"' in html
    # Administrators read a State's pages (read-only).
    page = client.get(f"/responses/{response.id}/sections/general")
    assert page.status_code == 200 and 'type="radio"' not in page.get_data(as_text=True)


def test_moving_a_cycle_to_another_version_from_its_page(client, admin):
    from survey.questionnaires import editing

    cycle = current_cycle()
    assert "Move to another questionnaire version" not in page_text(
        client.get(f"/admin/cycles/{cycle.id}"))
    draft = editing.new_draft_from(cycle.questionnaire_version, actor=admin)
    editing.publish_draft(draft, actor=admin)  # no cycle moved
    db.session.commit()
    page = page_text(client.get(f"/admin/cycles/{cycle.id}/version"))
    assert "No differences." in page and "0 answers to questions version 2 no longer asks" in page
    unconfirmed = client.post(f"/admin/cycles/{cycle.id}/version", data={"version": draft.id})
    assert unconfirmed.status_code == 422
    client.post(f"/admin/cycles/{cycle.id}/version", data={"version": draft.id, "confirm": "y"})
    db.session.refresh(cycle)
    assert cycle.questionnaire_version_id == draft.id


def test_closing_the_cycle_asks_to_confirm_how_many_states_it_locks(client, admin):
    cycle = current_cycle()
    not_submitted = db.session.scalar(sa.select(sa.func.count()).where(
        Response.cycle_id == cycle.id, Response.status != ResponseStatus.SUBMITTED))
    page = page_text(client.get(f"/admin/cycles/{cycle.id}"))
    assert (f"I understand that closing locks editing for the {not_submitted} States whose "
            "responses are not yet submitted") in page

    # One click does not lock every State: the box must be ticked, the problem said by it.
    unconfirmed = client.post(f"/admin/cycles/{cycle.id}/close")
    assert unconfirmed.status_code == 422
    html = unconfirmed.get_data(as_text=True)
    assert '<p class="error-message" id="confirm-error"><span>Tick the box to confirm that ' \
           'you close the cycle.</span>' in html
    assert re.search(r'<input [^>]*aria-describedby="confirm-error"[^>]*id="confirm"', html)
    assert '<a href="#confirm">' in html  # the summary at the top leads to it
    db.session.refresh(cycle)
    assert cycle.status is CycleStatus.OPEN
    assert not db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.closed"))

    closed = client.post(f"/admin/cycles/{cycle.id}/close", data={"confirm": "y"},
                         follow_redirects=True)
    assert "The reporting cycle is closed" in page_text(closed)
    db.session.refresh(cycle)
    assert cycle.status is CycleStatus.CLOSED


def test_an_extended_deadline_comes_after_the_cycles_own(client, admin):
    """Albania "extended" to a day before the cycle's deadline would read "Deadline
    January 1, 2027 (extended)" while every other State has until June."""
    cycle = current_cycle()
    response = response_of("ALB")
    url = f"/admin/responses/{response.id}/deadline"
    deadline = f"{cycle.closes_on:%B} {cycle.closes_on.day}, {cycle.closes_on.year}"
    for until in (cycle.closes_on - timedelta(days=30), cycle.closes_on):
        refused = client.post(url, data={"extended_until": until.isoformat()})
        assert refused.status_code == 422
        html = refused.get_data(as_text=True)
        message = (f"Choose a day after the cycle's deadline, {deadline}: an extension gives "
                   "the State more time than the others.")
        error = re.search(r'<p class="error-message" id="extended_until-error">(.*?)</p>', html,
                          flags=re.S)
        assert error and message in html_unescape(re.sub(r"<[^>]+>", "", error.group(1)))
        assert 'aria-describedby="extended_until-hint extended_until-error"' in html
        assert response_of("ALB").extended_until is None
    assert not db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "response.deadline_extended"))

    later = cycle.closes_on + timedelta(days=1)
    assert client.post(url, data={"extended_until": later.isoformat()}).status_code == 302
    assert response_of("ALB").extended_until == later
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "response.deadline_extended"))
    assert (event.actor_id, event.after) == (admin.id, {"extended_until": later.isoformat()})
    assert client.post(url, data={"extended_until": ""}).status_code == 302  # removed
    assert response_of("ALB").extended_until is None


def test_once_the_cycles_deadline_has_passed_an_extension_starts_from_today(client, admin):
    cycle = current_cycle()
    today = date.today()
    cycle.opens_on, cycle.closes_on = today - timedelta(days=90), today - timedelta(days=10)
    db.session.commit()
    url = f"/admin/responses/{response_of('ALB').id}/deadline"
    refused = client.post(url, data={"extended_until": (today - timedelta(days=1)).isoformat()})
    assert refused.status_code == 422 and "Choose a date from today on." in page_text(refused)
    assert client.post(url, data={"extended_until": today.isoformat()}).status_code == 302
    assert response_of("ALB").extended_until == today
