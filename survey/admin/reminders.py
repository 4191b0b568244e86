"""Reminders: the secretariat mails the focal points of every State that has not yet
submitted the deadline and how far their State has come, as secretariats do before a
reporting deadline."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from survey.admin.progress import StateProgress, cycle_progress
from survey.auth.models import Role, User
from survey.core.audit import AuditEvent, record_event
from survey.core.db import db
from survey.core.errors import DomainError
from survey.core.i18n import day
from survey.core.mail import mail_configured, tell_each
from survey.core.urls import external_url
from survey.cycles.models import CycleStatus, ReportingCycle
from survey.responses.models import Response, ResponseStatus
from survey.responses.services import cycle_lock_reason
from survey.states.services import state_name

REMINDED = "cycle.reminded"
STATE_REMINDED = "response.reminded"
# The statuses of a response that is still the State's to finish.
TO_FINISH = (ResponseStatus.NOT_STARTED, ResponseStatus.IN_PROGRESS, ResponseStatus.RETURNED)


@dataclass(frozen=True)
class Reminded:
    states: int  # States still to finish that have an active focal point
    mails: int  # mails sent
    failed: int  # mails the server did not take (logged)
    without_focal_point: int  # States still to finish that have no active focal point


@dataclass(frozen=True)
class LastReminder:
    at: datetime
    by: str | None
    states: int
    mails: int


def states_to_remind(cycle: ReportingCycle, due_in: Collection[int] | None = None,
                     today: date | None = None) -> list[StateProgress]:
    """The States of the cycle whose response is still theirs to finish; with ``due_in``,
    only those whose own deadline is that many days after ``today``."""
    today = today or date.today()
    return [row for row in cycle_progress(cycle) if row.status in TO_FINISH and (
        due_in is None or (row.deadline - today).days in due_in)]


def remind_states(cycle: ReportingCycle, *, actor: User | None,
                  due_in: Collection[int] | None = None, today: date | None = None) -> Reminded:
    """Mail each active focal point of each State still to finish, in their language: the
    State's deadline, its required questions answered, and the link to its dashboard. Audited
    (who, when, how many).

    :param actor: the administrator who sends them; None for a scheduled job
        (``survey remind``)
    :param due_in: only the States whose deadline is this many days away (see
        :func:`states_to_remind`)
    :raises DomainError: the cycle is not open, no mail server is configured, or the actor
        is not the secretariat
    """
    _check_may_remind(actor)
    if cycle.status is not CycleStatus.OPEN:
        raise DomainError(_("Reminders are sent only while the cycle is open."))
    reminded = _mail_reminders(cycle, states_to_remind(cycle, due_in, today))
    after = {"states": reminded.states, "mails": reminded.mails}
    if due_in is not None:
        after["due_in_days"] = sorted(due_in)
    record_event(REMINDED, "cycle", cycle.id, actor=actor, after=after)
    return reminded


def remind_state(response: Response, *, actor: User) -> Reminded:
    """The same reminder, to one State's focal points (from its review page); audited on its
    response, whose history shows it.

    :raises DomainError: the State has submitted, cannot edit now, no mail server is
        configured, or the actor is not the secretariat
    """
    _check_may_remind(actor)
    if response.status not in TO_FINISH:
        raise DomainError(_("The State has submitted its response: there is nothing to "
                            "remind it of."))
    reason = cycle_lock_reason(response)
    if reason is not None:
        raise DomainError(reason)
    reminded = _mail_reminders(response.cycle, cycle_progress(response.cycle, response.id))
    record_event(STATE_REMINDED, "response", response.id, actor=actor,
                 state_id=response.state_id, after={"mails": reminded.mails})
    return reminded


def _check_may_remind(actor: User | None) -> None:
    if actor is not None and not actor.is_admin:
        raise DomainError(_("Only the secretariat sends reminders."))
    if not mail_configured():
        raise DomainError(_("This site cannot send e-mail."))


def _mail_reminders(cycle: ReportingCycle, rows: list[StateProgress]) -> Reminded:
    """Mail the reminder to the active focal points of these States."""
    to_finish = {row.state_id: row for row in rows}
    focal_points = db.session.scalars(sa.select(User).where(
        User.state_id.in_(to_finish), User.role == Role.FOCAL_POINT,
        User.is_active.is_(True)).order_by(User.state_id, User.id)).all()

    def compose(focal_point: User) -> tuple[str, str]:
        row = to_finish[focal_point.state_id]
        state = state_name(focal_point.state)
        deadline = day(row.deadline)
        subject = _("Reminder: the self-assessment of %(state)s is due on %(deadline)s",
                    state=state, deadline=deadline)
        body = _("The secretariat reminds you that the national self-assessment of %(state)s "
                 "on the implementation of the Kyoto Declaration, reporting cycle %(cycle)s, "
                 "is due on %(deadline)s.", state=state, cycle=cycle.name, deadline=deadline)
        body += "\n\n" + _("Required questions answered so far: %(answered)d of %(required)d.",
                           answered=row.required_answered, required=row.required)
        if row.status is ResponseStatus.RETURNED:
            body += "\n" + _("The secretariat returned the response for revision: its comment "
                             "is on the dashboard.")
        body += "\n\n" + _("Continue here:") + "\n" + external_url(
            "responses.overview", response_id=row.response_id) + "\n"
        return subject, body

    mails = tell_each(focal_points, compose, about=f"a reminder of cycle {cycle.id}")
    reached = len({user.state_id for user in focal_points})
    return Reminded(states=reached, mails=mails, failed=len(focal_points) - mails,
                    without_focal_point=len(to_finish) - reached)


def last_reminder(cycle: ReportingCycle) -> LastReminder | None:
    event = db.session.execute(
        sa.select(AuditEvent.occurred_at, User.display_name, AuditEvent.after)
        .outerjoin(User, AuditEvent.actor_id == User.id)
        .where(AuditEvent.action == REMINDED, AuditEvent.object_type == "cycle",
               AuditEvent.object_id == str(cycle.id))
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    if event is None:
        return None
    at, by, after = event
    return LastReminder(at=at, by=by, states=after["states"], mails=after["mails"])
