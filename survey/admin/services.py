"""The secretariat's operations that belong to no other feature: adding participants and
searching the audit trail. Services flush; the request commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pycountry
import sqlalchemy as sa
from flask_babel import gettext as _

from survey.auth.models import User
from survey.core.audit import AuditEvent, record_event
from survey.core.db import db
from survey.core.errors import DomainError
from survey.core.text import clean_name
from survey.cycles.models import CycleStatus, ReportingCycle
from survey.cycles.services import ensure_responses
from survey.states.models import ParticipantKind, RegionalGroup, State
from survey.states.services import display_name

# --- participants ---------------------------------------------------------------------------


def candidate_countries() -> list[tuple[str, str]]:
    """(ISO 3166-1 alpha-3 code, name) of the countries and territories not yet taking
    part, by name."""
    taken = set(db.session.scalars(sa.select(State.code)))
    return sorted(((c.alpha_3, display_name(c.alpha_3)) for c in pycountry.countries
                   if c.alpha_3 not in taken), key=lambda item: item[1])


def add_participant(code: str, kind: ParticipantKind, regional_group: RegionalGroup, *,
                    actor: User, name: str = "") -> State:
    """Add a State or other participant (e.g. an observer State such as the Holy See); it
    gets a response in every open reporting cycle.

    :raises DomainError: the code is not an ISO 3166-1 alpha-3 code, or takes part already
    """
    code = code.strip().upper()
    if pycountry.countries.get(alpha_3=code) is None:
        raise DomainError(_("%(code)s is not an ISO 3166-1 alpha-3 country code.", code=code))
    if db.session.scalar(sa.select(State.id).where(State.code == code)):
        raise DomainError(_("%(code)s takes part already.", code=code))
    state = State(code=code, name=clean_name(name) or display_name(code),
                  regional_group=regional_group, kind=kind)
    db.session.add(state)
    db.session.flush()
    opened = []
    for cycle in db.session.scalars(sa.select(ReportingCycle).where(
            ReportingCycle.status == CycleStatus.OPEN)):
        ensure_responses(cycle)
        opened.append(cycle.slug)
    record_event("state.added", "state", state.code, actor=actor, state_id=state.id,
                 after={"code": state.code, "name": state.name, "kind": kind.value,
                        "regional_group": regional_group.value, "responses_in": opened})
    return state


# --- the audit trail ------------------------------------------------------------------------

# The kinds of object the trail names (core.audit), for the search form.
OBJECT_TYPES = ("answer", "response", "cycle", "questionnaire_version", "question", "paragraph",
                "section", "user", "state")


def like_escaped(text: str) -> str:
    """The text for a LIKE pattern, its wildcards taken literally (escape character "\\")."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def people_named(text: str) -> sa.Select:
    """The ids of the accounts named by what one typed in a search: the account with this
    e-mail address if there is one (a full address means that person, not every address that
    contains it), else every account whose name or address contains it, in any case."""
    text = text.strip()
    exact = sa.select(User.id).where(User.email == text.lower())
    if db.session.scalar(exact.limit(1)) is not None:
        return exact
    pattern = f"%{like_escaped(text)}%"
    return sa.select(User.id).where(sa.or_(User.email.ilike(pattern, escape="\\"),
                                           User.display_name.ilike(pattern, escape="\\")))


@dataclass(frozen=True)
class AuditFilter:
    state_id: int | None = None
    # A part of the name or e-mail address of who made the change (see people_named).
    actor: str | None = None
    object_type: str | None = None
    # Exact; a bare id without ":" also matches the ids that end with it (a question key
    # finds that question's events in every version, and answers to it in every response).
    object_id: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    newer: int | None  # pass as ``after`` for the page of newer events
    older: int | None  # pass as ``before`` for the page of older events


def search_audit(criteria: AuditFilter, *, before: int | None = None, after: int | None = None,
                 limit: int = 50) -> AuditPage:
    """Events matching ``criteria``, newest first, a page at a time (keyset on the event id,
    which grows with time): ``before`` an id gives the older page, ``after`` the newer."""
    query = sa.select(AuditEvent)
    if criteria.state_id is not None:
        query = query.where(AuditEvent.state_id == criteria.state_id)
    if criteria.actor:
        query = query.where(AuditEvent.actor_id.in_(people_named(criteria.actor)))
    if criteria.object_type:
        query = query.where(AuditEvent.object_type == criteria.object_type)
    if criteria.object_id:
        object_id = criteria.object_id.strip()
        condition = AuditEvent.object_id == object_id
        if ":" not in object_id:
            condition = sa.or_(condition, AuditEvent.object_id.like(
                f"%:{like_escaped(object_id)}", escape="\\"))
        query = query.where(condition)
    if criteria.since is not None:
        query = query.where(AuditEvent.occurred_at >= _start_of(criteria.since))
    if criteria.until is not None:
        query = query.where(AuditEvent.occurred_at < _start_of(criteria.until + timedelta(days=1)))

    if after is not None:
        events = list(db.session.scalars(
            query.where(AuditEvent.id > after).order_by(AuditEvent.id).limit(limit + 1)))
        more_newer = len(events) > limit
        events = events[:limit][::-1]
        more_older = True
    else:
        if before is not None:
            query = query.where(AuditEvent.id < before)
        events = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))
        more_older = len(events) > limit
        events = events[:limit]
        more_newer = before is not None
    return AuditPage(events=events,
                     newer=events[0].id if events and more_newer else None,
                     older=events[-1].id if events and more_older else None)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
