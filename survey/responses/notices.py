"""Mail that tells people where a response stands, where a mail server is configured.

The secretariat learns that a State has submitted, and so does the rest of the State's team;
the State's focal points learn that the secretariat returned or accepted their response, and
with what comment. Each mail is sent once the change is committed, in the recipient's own
language; without mail, the same news waits on the overview pages.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from survey.auth.models import Role, User
from survey.auth.services import active_administrators
from survey.core.db import db
from survey.core.i18n import day, when
from survey.core.mail import tell_each
from survey.core.urls import external_url
from survey.responses.models import Response, ResponseStatus
from survey.states.services import state_name


def tell_secretariat_of_submission(response: Response) -> int:
    """Mail each active administrator that the State has submitted; how many went (see
    :func:`tell_each`)."""
    url = external_url("admin.review", response_id=response.id)

    def compose(_administrator: User) -> tuple[str, str]:
        body = _submission_said(response)
        if response.authorised_by_name:
            body += "\n" + _("Authorised for the Government by %(name)s, %(title)s.",
                             name=response.authorised_by_name,
                             title=response.authorised_by_title or "")
        body += "\n\n" + _("Read it, then accept it or return it to the State, here:") \
            + f"\n{url}\n"
        return _submitted_subject(response), body

    return tell_each(active_administrators(), compose, about=f"submission of {response.id}")


def tell_team_of_submission(response: Response) -> int:
    """Mail the rest of the State's team (its other active accounts) that the response has
    been submitted and is locked; how many went (see :func:`tell_each`)."""
    url = external_url("reports.download", response_id=response.id)

    def compose(_member: User) -> tuple[str, str]:
        body = _submission_said(response)
        body += "\n" + _("It can no longer be edited, unless the secretariat returns it for "
                         "revision.")
        body += "\n\n" + _("Download the national report here:") + f"\n{url}\n"
        return _submitted_subject(response), body

    team = db.session.scalars(sa.select(User).where(
        User.state_id == response.state_id, User.is_active.is_(True),
        User.id != response.submitted_by_id).order_by(User.id))
    return tell_each(team, compose, about=f"submission of {response.id}")


def _submitted_subject(response: Response) -> str:
    return _("Submitted: the self-assessment of %(state)s (%(cycle)s)",
             state=state_name(response.state), cycle=response.cycle.name)


def _submission_said(response: Response) -> str:
    return _("%(name)s, national focal point, submitted the self-assessment of %(state)s for "
             "the reporting cycle %(cycle)s on %(when)s.",
             name=response.submitted_by.display_name if response.submitted_by else "",
             state=state_name(response.state), cycle=response.cycle.name,
             when=when(response.submitted_at))


def tell_state_of_review(response: Response) -> int:
    """Mail the State's active focal points that the secretariat returned (with its
    comment) or accepted their response; how many went (see :func:`tell_each`)."""
    returned = response.status is ResponseStatus.RETURNED
    if not returned and response.status is not ResponseStatus.ACCEPTED:
        raise ValueError(f"response {response.id} has not been reviewed")
    url = external_url("responses.overview" if returned else "reports.download",
                       response_id=response.id)

    def compose(_focal_point: User) -> tuple[str, str]:
        state, cycle = state_name(response.state), response.cycle.name
        if returned:
            subject = _("Returned for revision: the self-assessment of %(state)s (%(cycle)s)",
                        state=state, cycle=cycle)
            body = (_("The secretariat has returned the self-assessment of %(state)s for the "
                      "reporting cycle %(cycle)s, with this comment:", state=state, cycle=cycle)
                    + f"\n\n{response.review_comment}\n\n"
                    + _("Revise the answers, then submit the self-assessment again by "
                        "%(deadline)s:",
                        deadline=day(response.deadline))
                    + f"\n{url}\n")
        else:
            subject = _("Accepted: the self-assessment of %(state)s (%(cycle)s)",
                        state=state, cycle=cycle)
            body = (_("The secretariat has accepted the self-assessment of %(state)s for the "
                      "reporting cycle %(cycle)s as final.", state=state, cycle=cycle)
                    + "\n\n" + _("Download the national report here:") + f"\n{url}\n")
        return subject, body

    focal_points = db.session.scalars(sa.select(User).where(
        User.state_id == response.state_id, User.role == Role.FOCAL_POINT,
        User.is_active.is_(True)).order_by(User.id))
    return tell_each(focal_points, compose, about=f"review of {response.id}")
