"""Reminders: the secretariat mails the focal points of the States still to finish."""

from __future__ import annotations

import sqlalchemy as sa

from survey.admin.progress import cycle_progress
from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.cycles.services import close_cycle, current_cycle
from survey.responses.models import ResponseStatus
from survey.responses.services import return_response, submit
from tests.conftest import MAIL_BASE_URL, page_text, response_of
from tests.responses.helpers import complete, save


def reminders_sent() -> list[AuditEvent]:
    return db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "cycle.reminded")).all()


def test_the_focal_points_of_the_states_still_to_finish_are_reminded(
        client, admin, make_user, mailbox):
    cycle = current_cycle()
    kenya = make_user("focal_point", "KEN", email="focal@ken.example")
    save(response_of("KEN"), kenya, p21__status="fully")
    french = make_user("focal_point", "SEN", email="focal@sen.example")
    french.locale = "fr"
    make_user("contributor", "KEN", email="writer@ken.example")
    departed = make_user("focal_point", "DEU", email="departed@deu.example")
    departed.is_active = False
    japan = make_user("focal_point", "JPN", email="focal@jpn.example")
    complete(response_of("JPN"), japan)
    submit(response_of("JPN"), actor=japan)
    peru = make_user("focal_point", "PER", email="focal@per.example")
    complete(response_of("PER"), peru)
    submit(response_of("PER"), actor=peru)
    return_response(response_of("PER"), "Cite the laws.", actor=admin)
    db.session.commit()

    page = client.get(f"/admin/cycles/{cycle.id}")
    html = page.get_data(as_text=True)
    # Its box is not the one that closes the cycle: each label ticks its own box.
    assert html.count('id="confirm"') == 1 and html.count('for="remind-confirm"') == 1
    assert "Mail a reminder to the focal points of the 192 States whose responses are not " \
        "yet submitted" in page_text(page)
    unticked = client.post(f"/admin/cycles/{cycle.id}/remind")
    assert unticked.status_code == 422
    assert "Tick the box to confirm that you send the reminders." in page_text(unticked)
    assert not mailbox.mails and not reminders_sent()

    done = page_text(client.post(f"/admin/cycles/{cycle.id}/remind",
                                 data={"remind-confirm": "y"}, follow_redirects=True))
    told = {address for mail in mailbox.mails for address in mail.to}
    assert told == {kenya.email, french.email, peru.email}, \
        "active focal points of the States still to finish, and no one else"
    assert "3 reminders have been mailed." in done
    assert "189 States still to finish have no active focal point to remind" in done

    [to_kenya] = mailbox.to(kenya.email)
    progress = next(row for row in cycle_progress(cycle) if row.code == "KEN")
    deadline = cycle.closes_on
    on = f"{deadline:%B} {deadline.day}, {deadline.year}"
    assert to_kenya.subject == f"Reminder: the self-assessment of Kenya is due on {on}"
    assert (f"Required questions answered so far: {progress.required_answered} of "
            f"{progress.required}.") in to_kenya.body
    assert progress.required_answered == 1
    assert f"Continue here:\n{MAIL_BASE_URL}/responses/{response_of('KEN').id}\n" \
        in to_kenya.body
    assert "returned the response for revision" not in to_kenya.body
    assert "returned the response for revision" in mailbox.to(peru.email)[0].body
    assert mailbox.to(french.email)[0].subject.startswith("Rappel")

    [event] = reminders_sent()
    assert event.actor_id == admin.id and event.after == {"states": 3, "mails": 3}
    page = page_text(client.get(f"/admin/cycles/{cycle.id}"))
    assert f"Last sent {event.occurred_at:%B} " in page
    assert "Mails sent: 3; States reached: 3." in page


def test_without_a_mail_server_the_page_says_how_to_remind_and_nothing_is_sent(
        client, admin):
    cycle = current_cycle()
    page = page_text(client.get(f"/admin/cycles/{cycle.id}"))
    assert "This site cannot send e-mail: remind the focal points by your usual channels." \
        in page
    assert "Send the reminders" not in page
    refused = client.post(f"/admin/cycles/{cycle.id}/remind", data={"remind-confirm": "y"},
                          follow_redirects=True)
    assert "This site cannot send e-mail." in page_text(refused)
    assert not reminders_sent()


def test_no_reminders_once_the_cycle_is_closed_or_every_state_has_submitted(
        client, admin, mailbox):
    cycle = current_cycle()
    close_cycle(cycle, actor=admin)
    db.session.commit()
    assert "Reminders" not in page_text(client.get(f"/admin/cycles/{cycle.id}"))
    refused = client.post(f"/admin/cycles/{cycle.id}/remind", data={"remind-confirm": "y"},
                          follow_redirects=True)
    assert "Reminders are sent only while the cycle is open." in page_text(refused)
    assert not mailbox.mails and not reminders_sent()
    assert response_of("KEN").status is ResponseStatus.NOT_STARTED
