"""Reporting cycles: creating, opening and closing them."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from survey.auth.models import User
from survey.core.audit import record_event
from survey.core.db import db
from survey.core.errors import DomainError
from survey.cycles.models import CycleStatus, ReportingCycle
from survey.questionnaires.models import QuestionnaireVersion, VersionStatus
from survey.responses.models import Response
from survey.states.models import State


def _snapshot(cycle: ReportingCycle) -> dict:
    return {"name": cycle.name, "slug": cycle.slug, "status": cycle.status.value,
            "opens_on": cycle.opens_on.isoformat(), "closes_on": cycle.closes_on.isoformat(),
            "questionnaire_version_id": cycle.questionnaire_version_id}


def create_cycle(name: str, slug: str, version: QuestionnaireVersion, opens_on: date,
                 closes_on: date, *, actor: User | None) -> ReportingCycle:
    """:raises DomainError: the dates are out of order, the slug is taken, or the version
    is not published"""
    if closes_on < opens_on:
        raise DomainError("the closing date must not be before the opening date")
    if version.status is not VersionStatus.PUBLISHED:
        raise DomainError("a reporting cycle uses a published questionnaire version")
    if db.session.scalar(sa.select(ReportingCycle.id).where(ReportingCycle.slug == slug)):
        raise DomainError(f"a reporting cycle with the short name {slug!r} exists already")
    cycle = ReportingCycle(name=name, slug=slug, questionnaire_version=version,
                           opens_on=opens_on, closes_on=closes_on, status=CycleStatus.PLANNED)
    db.session.add(cycle)
    db.session.flush()
    record_event("cycle.created", "cycle", cycle.id, actor=actor, after=_snapshot(cycle))
    return cycle


def ensure_responses(cycle: ReportingCycle) -> int:
    """Give every State a response to the cycle (not started); returns how many were new."""
    missing = db.session.scalars(
        sa.select(State.id).where(~sa.exists().where(
            Response.state_id == State.id, Response.cycle_id == cycle.id))).all()
    db.session.add_all(Response(cycle_id=cycle.id, state_id=state_id) for state_id in missing)
    db.session.flush()
    return len(missing)


def open_cycle(cycle: ReportingCycle, *, actor: User | None) -> None:
    before = _snapshot(cycle)
    cycle.status = CycleStatus.OPEN
    ensure_responses(cycle)
    record_event("cycle.opened", "cycle", cycle.id, actor=actor, before=before,
                 after=_snapshot(cycle))


def close_cycle(cycle: ReportingCycle, *, actor: User | None) -> None:
    """Lock editing for every State (except those with an extended deadline)."""
    before = _snapshot(cycle)
    cycle.status = CycleStatus.CLOSED
    record_event("cycle.closed", "cycle", cycle.id, actor=actor, before=before,
                 after=_snapshot(cycle))


def current_cycle() -> ReportingCycle | None:
    """The open cycle (the latest if several), else the latest closed one."""
    return db.session.scalar(
        sa.select(ReportingCycle).where(ReportingCycle.status != CycleStatus.PLANNED)
        .order_by((ReportingCycle.status == CycleStatus.OPEN).desc(),
                  ReportingCycle.opens_on.desc(), ReportingCycle.id.desc()).limit(1))
