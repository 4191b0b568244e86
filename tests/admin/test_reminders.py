"""Reminders: the secretariat mails the focal points of the States still to finish."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from survey.admin.progress import cycle_progress
from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.cycles.services import close_cycle, current_cycle
from survey.responses.models import ResponseStatus
from survey.responses.services import return_response, submit
from tests.conftest import MAIL_BASE_URL, login, page_text, response_of
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


def test_a_daily_job_reminds_the_states_whose_own_deadline_is_so_many_days_away(
        app, client, make_user, mailbox):
    from survey.cli import main

    cycle = current_cycle()
    today = date.today()
    cycle.opens_on, cycle.closes_on = today - timedelta(days=60), today + timedelta(days=7)
    kenya = make_user("focal_point", "KEN")
    peru = make_user("focal_point", "PER")
    chile = make_user("focal_point", "CHL")
    response_of("CHL").extended_until = today + timedelta(days=30)  # a deadline of its own
    db.session.commit()
    runner = app.test_cli_runner()

    month = runner.invoke(main, ["remind", "--due-in", "30,1"])
    assert month.exit_code == 0, month.output
    assert [mail.to for mail in mailbox.mails] == [[chile.email]]
    assert f"{cycle.name}: 1 reminder(s) mailed to the focal points of 1 State(s)." \
        in month.output
    week = runner.invoke(main, ["remind", "--due-in", "7"])
    assert week.exit_code == 0, week.output
    assert {address for mail in mailbox.mails[1:] for address in mail.to} == {
        kenya.email, peru.email}
    # Every other State is due in 7 days too, with no one to remind.
    assert "190 State(s) to remind have no active focal point." in week.output
    event = reminders_sent()[-1]
    assert event.actor_id is None and event.after["due_in_days"] == [7]
    login(client, make_user("admin"))
    page = page_text(client.get(f"/admin/cycles/{cycle.id}"))
    assert "by a scheduled job (survey remind). Mails sent: 2; States reached: 2." in page

    nothing_due = runner.invoke(main, ["remind", "--due-in", "3"])
    assert nothing_due.exit_code == 0 and len(mailbox.mails) == 3
    bad = runner.invoke(main, ["remind", "--due-in", "soon"])
    assert bad.exit_code == 2 and "whole numbers of days" in bad.output
    unknown = runner.invoke(main, ["remind", "--cycle", "1999"])
    assert unknown.exit_code == 1 and "no reporting cycle '1999'" in unknown.output


def test_one_state_is_reminded_from_its_review_page(client, admin, make_user, mailbox):
    response = response_of("KEN")
    review = f"/admin/responses/{response.id}"
    page = page_text(client.get(review))
    assert "The State has no active focal point to remind. Invite one" in page
    assert "Mail a reminder to this State" not in page

    kenya = make_user("focal_point", "KEN", email="focal@ken.example")
    make_user("focal_point", "UGA")  # another State, not reminded
    assert "Mail a reminder to this State" in page_text(client.get(review))
    done = page_text(client.post(f"{review}/remind", follow_redirects=True))
    assert "1 reminder has been mailed." in done
    assert [mail.to for mail in mailbox.mails] == [[kenya.email]]
    assert mailbox.mails[0].subject.startswith("Reminder: the self-assessment of Kenya is due")
    # In the response's history, on the review page and on the State's own dashboard.
    assert "Reminder mailed to the State's focal points" in done
    dashboard = page_text(client.get(f"/responses/{response.id}"))
    assert "Reminder mailed to the State's focal points" in dashboard
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "response.reminded")).one()
    assert event.state_id == response.state_id and event.after == {"mails": 1}

    japan = make_user("focal_point", "JPN")
    complete(response_of("JPN"), japan)
    submit(response_of("JPN"), actor=japan)
    db.session.commit()
    submitted = f"/admin/responses/{response_of('JPN').id}"
    assert "Mail a reminder to this State" not in page_text(client.get(submitted))
    refused = client.post(f"{submitted}/remind", follow_redirects=True)
    assert "there is nothing to remind it of" in page_text(refused)
    assert len(mailbox.mails) == 1
