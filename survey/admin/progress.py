"""Where every State stands in a cycle, in a constant number of queries.

Progress is what the State's own dashboard shows (survey.responses.services.progress):
required questions answered out of required questions, counting a conditional question only
where its condition holds. It is computed for all States at once from grouped queries over
the answers, never State by State.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from survey.auth.models import Role, User
from survey.core.db import db
from survey.cycles.models import ReportingCycle
from survey.cycles.services import answered_clause
from survey.questionnaires.outline import Outline, outline_of
from survey.responses.models import Answer, Response, ResponseStatus
from survey.states.models import ParticipantKind, RegionalGroup, State
from survey.states.services import alphabetical_key, state_name

# Statuses in the order of the work, for sorting and for the chart.
STATUS_ORDER: tuple[ResponseStatus, ...] = (
    ResponseStatus.NOT_STARTED, ResponseStatus.IN_PROGRESS, ResponseStatus.RETURNED,
    ResponseStatus.SUBMITTED, ResponseStatus.ACCEPTED)

SORT_KEYS = ("name", "code", "group", "status", "progress", "activity")


@dataclass(frozen=True)
class StateProgress:
    response_id: int
    state_id: int
    code: str
    name: str
    regional_group: RegionalGroup
    kind: ParticipantKind
    status: ResponseStatus
    required: int
    required_answered: int
    last_activity_at: datetime | None
    last_activity_by: str | None
    submitted_at: datetime | None
    extended_until: date | None
    deadline: date  # the State's own: the one it was given, else the cycle's
    focal_points: tuple[str, ...]

    @property
    def percent(self) -> int:
        return 100 if not self.required else int(100 * self.required_answered / self.required)


def cycle_progress(cycle: ReportingCycle,
                   only_response_id: int | None = None) -> list[StateProgress]:
    """One row per State in the cycle, by name (five queries, whatever the number of States);
    with ``only_response_id``, that response's row alone (reading only its answers)."""
    outline = outline_of(cycle.questionnaire_version)
    rows = db.session.execute(
        sa.select(Response.id, Response.status, Response.last_activity_at,
                  Response.submitted_at, Response.extended_until, State.id, State.code,
                  State.name, State.regional_group, State.kind, User.display_name)
        .join(State, Response.state_id == State.id)
        .outerjoin(User, Response.last_activity_by_id == User.id)
        .where(_responses_of(cycle, only_response_id))
        .order_by(State.name)).all()
    focal_points: dict[int, list[str]] = {}
    for state_id, name in db.session.execute(
            sa.select(User.state_id, User.display_name)
            .where(User.role == Role.FOCAL_POINT, User.is_active.is_(True))
            .order_by(User.display_name)):
        focal_points.setdefault(state_id, []).append(name)
    counts = required_progress(cycle, outline, only_response_id=only_response_id)
    return [
        StateProgress(
            response_id=response_id, state_id=state_id, code=code, name=name,
            regional_group=group, kind=kind, status=status,
            required=counts.of(response_id)[0], required_answered=counts.of(response_id)[1],
            last_activity_at=last_at, last_activity_by=last_by, submitted_at=submitted_at,
            extended_until=extended_until, deadline=extended_until or cycle.closes_on,
            focal_points=tuple(focal_points.get(state_id, ())))
        for (response_id, status, last_at, submitted_at, extended_until, state_id, code, name,
             group, kind, last_by) in rows]


@dataclass(frozen=True)
class RequiredCounts:
    """Required questions and those answered, for each response of a cycle."""

    unconditional: int  # required of every State
    conditional: Counter[int]  # required of this response, its conditions holding
    answered: Counter[int]

    def of(self, response_id: int) -> tuple[int, int]:
        """(required, of which answered) for one response."""
        return (self.unconditional + self.conditional[response_id],
                self.answered[response_id])


def _responses_of(cycle: ReportingCycle,
                  only_response_id: int | None) -> sa.ColumnElement[bool]:
    """The cycle's responses, or the one of them with this id."""
    clause = Response.cycle_id == cycle.id
    return (clause if only_response_id is None
            else sa.and_(clause, Response.id == only_response_id))


def required_progress(cycle: ReportingCycle, outline: Outline, *,
                      only_response_id: int | None = None) -> RequiredCounts:
    """Required questions and answers to them for every response of the cycle (or the one
    with ``only_response_id``), from three queries over the answers."""
    unconditional = [q.key for q in outline.questions() if q.required and q.condition is None]
    conditional = [q for q in outline.questions() if q.required and q.condition is not None]
    sources = sorted({q.condition[0] for q in conditional})
    in_cycle = sa.select(Response.id).where(
        _responses_of(cycle, only_response_id)).scalar_subquery()

    answered: Counter[int] = Counter()
    extra: Counter[int] = Counter()
    if unconditional:
        answered.update(dict(db.session.execute(
            sa.select(Answer.response_id, sa.func.count())
            .where(Answer.response_id.in_(in_cycle), Answer.question_key.in_(unconditional),
                   answered_clause())
            .group_by(Answer.response_id)).all()))
    if conditional:
        # The answers conditions look at are short choice values; read them, not long texts.
        chosen: dict[int, dict[str, Any]] = {}
        for response_id, key, value in db.session.execute(
                sa.select(Answer.response_id, Answer.question_key, Answer.value)
                .where(Answer.response_id.in_(in_cycle), Answer.question_key.in_(sources),
                       answered_clause())):
            chosen.setdefault(response_id, {})[key] = value
        given: dict[int, set[str]] = {}
        for response_id, key in db.session.execute(
                sa.select(Answer.response_id, Answer.question_key)
                .where(Answer.response_id.in_(in_cycle),
                       Answer.question_key.in_([q.key for q in conditional]),
                       answered_clause())):
            given.setdefault(response_id, set()).add(key)
        for response_id, values in chosen.items():
            keys = given.get(response_id, set())
            for question in conditional:
                if question.applies(values):
                    extra[response_id] += 1
                    answered[response_id] += question.key in keys
    return RequiredCounts(len(unconditional), extra, answered)


def status_counts(rows: Iterable[StateProgress]) -> list[tuple[ResponseStatus, int]]:
    """How many States are at each status, in the order of the work."""
    counts = Counter(row.status for row in rows)
    return [(status, counts[status]) for status in STATUS_ORDER]


def filter_and_sort(rows: Sequence[StateProgress], *, status: ResponseStatus | None = None,
                    group: RegionalGroup | None = None, with_focal_point: bool | None = None,
                    sort: str = "name", descending: bool = False) -> list[StateProgress]:
    """The rows matching the filters, sorted (ties by name in the interface language).

    :param with_focal_point: only the States with an active focal point (True), only those
        without one (False), or both (None)
    """
    chosen = [r for r in rows if (status is None or r.status is status)
              and (group is None or r.regional_group is group)
              and (with_focal_point is None or bool(r.focal_points) is with_focal_point)]
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    names = {r.code: alphabetical_key(state_name(r)) for r in chosen}  # as the page shows them
    keys = {
        "name": lambda r: (names[r.code],),
        "code": lambda r: (r.code,),
        "group": lambda r: (r.regional_group.value, names[r.code]),
        "status": lambda r: (order[r.status], names[r.code]),
        "progress": lambda r: (r.percent, r.required_answered, names[r.code]),
        # Never active sorts as the oldest activity.
        "activity": lambda r: (r.last_activity_at is not None,
                               r.last_activity_at or datetime.min, names[r.code]),
    }
    return sorted(chosen, key=keys.get(sort, keys["name"]), reverse=descending)
