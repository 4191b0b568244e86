"""Mail about where a response stands: the secretariat learns of a submission, the State's
focal points of a return (with the comment) or an acceptance."""

from __future__ import annotations

import dataclasses
import logging

from survey.core.db import db
from survey.responses.models import ResponseStatus
from survey.responses.services import submit
from tests.conftest import MAIL_BASE_URL, administrators, login, page_text, response_of
from tests.responses.helpers import complete


def submitted(code: str, make_user):
    focal_point = make_user("focal_point", code, name="Grace Focal")
    response = response_of(code)
    complete(response, focal_point)
    submit(response, actor=focal_point)
    db.session.commit()
    return response


def test_the_secretariat_and_the_rest_of_the_team_are_mailed_when_a_state_submits(
        client, make_user, mailbox):
    english, french, retired = administrators(make_user)
    focal_point = make_user("focal_point", "JPN", name="Grace Focal")
    writer = make_user("contributor", "JPN", email="writer@jpn.example")
    reader = make_user("observer", "JPN", email="reader@jpn.example")
    gone = make_user("contributor", "JPN", email="gone@jpn.example")
    gone.is_active = False
    elsewhere = make_user("focal_point", "KOR", email="focal@kor.example")
    response = response_of("JPN")
    complete(response, focal_point)
    db.session.commit()
    login(client, focal_point)

    refused = client.post(f"/responses/{response.id}/submit", data={})
    assert refused.status_code == 422 and not mailbox.mails, "nothing submitted, no mail"
    client.post(f"/responses/{response.id}/submit", data={
        "confirm": "yes", "authorised_by_name": "Hiro Minister",
        "authorised_by_title": "Minister of Justice"})

    assert not mailbox.to(retired.email) and not mailbox.to(focal_point.email)
    [mail] = mailbox.to(english.email)
    cycle = response.cycle.name
    assert mail.subject == f"Submitted: the self-assessment of Japan ({cycle})"
    assert (f"Grace Focal, national focal point, submitted the self-assessment of Japan for "
            f"the reporting cycle {cycle} on ") in mail.body
    assert "Authorised for the Government by Hiro Minister, Minister of Justice." in mail.body
    assert f"{MAIL_BASE_URL}/admin/responses/{response.id}\n" in mail.body
    [in_french] = mailbox.to(french.email)
    assert in_french.subject == f"Auto-évaluation soumise : Japon ({cycle})"

    # The rest of the State's team learns that it is done and locked.
    assert not mailbox.to(gone.email) and not mailbox.to(elsewhere.email)
    for member in (writer, reader):
        [mail] = mailbox.to(member.email)
        assert mail.subject == f"Submitted: the self-assessment of Japan ({cycle})"
        assert "It can no longer be edited, unless the secretariat returns it" in mail.body
        assert f"{MAIL_BASE_URL}/responses/{response.id}/report.pdf\n" in mail.body
        assert "/admin/" not in mail.body, "no link to the secretariat's pages"


def test_the_focal_points_are_told_that_the_response_was_returned_and_why(
        client, make_user, mailbox):
    response = submitted("FRA", make_user)
    second = make_user("focal_point", "FRA", email="second@example.fr")
    departed = make_user("focal_point", "FRA", email="departed@example.fr")
    departed.is_active = False
    contributor = make_user("contributor", "FRA", email="writer@example.fr")
    other_state = make_user("focal_point", "DEU", email="focal@example.de")
    db.session.commit()
    login(client, make_user("admin"))
    comment = "Please cite the laws for paragraph 22.\n\nAnd <b>paragraph 23</b>."

    done = client.post(f"/admin/responses/{response.id}/return", data={"comment": comment},
                       follow_redirects=True)
    assert "The State's 2 focal points have been told by mail." in page_text(done)
    db.session.refresh(response)
    assert response.status is ResponseStatus.RETURNED
    told = {address for mail in mailbox.mails for address in mail.to}
    assert told == {response.submitted_by.email, second.email}
    assert not {departed.email, contributor.email, other_state.email} & told
    mail = mailbox.to(second.email)[0]
    cycle = response.cycle.name
    assert mail.subject == f"Returned for revision: the self-assessment of France ({cycle})"
    assert f"with this comment:\n\n{comment}\n\n" in mail.body, "the comment word for word"
    deadline = response.cycle.closes_on
    assert (f"submit the self-assessment again by {deadline:%B} {deadline.day}, "
            f"{deadline.year}:\n{MAIL_BASE_URL}/responses/{response.id}\n") in mail.body


def test_the_focal_point_is_told_once_that_the_response_was_accepted(
        client, make_user, mailbox):
    response = submitted("KEN", make_user)
    login(client, make_user("admin"))
    done = client.post(f"/admin/responses/{response.id}/accept", data={"confirm": "y"},
                       follow_redirects=True)
    assert "The State's focal point has been told by mail." in page_text(done)
    again = client.post(f"/admin/responses/{response.id}/accept", data={"confirm": "y"},
                        follow_redirects=True)
    assert "Only a submitted response can be reviewed." in page_text(again)

    [mail] = mailbox.mails
    assert mail.to == [response.submitted_by.email]
    assert mail.subject == f"Accepted: the self-assessment of Kenya ({response.cycle.name})"
    assert "accepted the self-assessment of Kenya" in mail.body
    assert f"{MAIL_BASE_URL}/responses/{response.id}/report.pdf\n" in mail.body


def test_a_mail_server_that_fails_does_not_undo_the_review(
        client, make_user, app, monkeypatch, caplog):
    response = submitted("PER", make_user)
    login(client, make_user("admin"))
    # A port nothing listens on: the connection is refused.
    monkeypatch.setitem(app.config, "SURVEY", dataclasses.replace(
        app.config["SURVEY"], SMTP_HOST="127.0.0.1", SMTP_PORT=9))
    with caplog.at_level(logging.ERROR, logger="survey.core.mail"):
        done = client.post(f"/admin/responses/{response.id}/return",
                           data={"comment": "Paragraph 22."}, follow_redirects=True)
    page = page_text(done)
    assert "The response has been returned to Peru with your comment." in page
    assert "told by mail" not in page
    db.session.refresh(response)
    assert response.status is ResponseStatus.RETURNED
    assert f"about review of {response.id}" in caplog.text


def test_where_redis_is_configured_a_worker_sends_the_mail(
        client, make_user, app, monkeypatch, mailbox, redis_app):
    from rq import Queue, SimpleWorker
    from rq.registry import FailedJobRegistry

    from survey.core.mail import MAIL_QUEUE

    response = submitted("KEN", make_user)
    login(client, make_user("admin"))
    done = client.post(f"/admin/responses/{response.id}/return",
                       data={"comment": "Paragraph 22."}, follow_redirects=True)
    assert "The State's focal point has been told by mail." in page_text(done)
    queue = Queue(MAIL_QUEUE, connection=redis_app)
    assert not mailbox.mails and queue.count == 1, "the page does not wait on the mail server"

    SimpleWorker([queue], connection=redis_app).work(burst=True, with_scheduler=False)
    [mail] = mailbox.mails
    assert mail.to == [response.submitted_by.email]
    assert mail.subject.startswith("Returned for revision: the self-assessment of Kenya")

    # A mail server that takes nothing: the job fails, and stays to be looked into.
    monkeypatch.setitem(app.config, "SURVEY", dataclasses.replace(
        app.config["SURVEY"], SMTP_PORT=9))
    client.post(f"/admin/responses/{submitted('UGA', make_user).id}/accept",
                data={"confirm": "y"})
    SimpleWorker([queue], connection=redis_app).work(burst=True, with_scheduler=False)
    assert len(mailbox.mails) == 1
    assert FailedJobRegistry(queue=queue).count == 1


def test_when_redis_cannot_be_reached_the_mail_is_sent_at_once(
        client, make_user, app, monkeypatch, mailbox, caplog):
    monkeypatch.setitem(app.config, "SURVEY", dataclasses.replace(
        app.config["SURVEY"], REDIS_URL="redis://127.0.0.1:1/0"))
    app.extensions.pop("survey.redis", None)
    response = submitted("KEN", make_user)
    login(client, make_user("admin"))
    with caplog.at_level(logging.ERROR, logger="survey.core.mail"):
        done = client.post(f"/admin/responses/{response.id}/accept", data={"confirm": "y"},
                           follow_redirects=True)
    app.extensions.pop("survey.redis", None)
    assert "The State's focal point has been told by mail." in page_text(done)
    assert [mail.to for mail in mailbox.mails] == [[response.submitted_by.email]]
    assert "cannot reach Redis; sending now" in caplog.text
