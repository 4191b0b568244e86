"""A State's response to a reporting cycle, and its answers."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.auth.models import User
from survey.core.db import Base, JSONDocument, enum_column, utcnow
from survey.cycles.models import ReportingCycle
from survey.states.models import State


class ResponseStatus(enum.Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"  # signed off by the focal point; locked
    RETURNED = "returned"  # sent back by the secretariat with a comment; editable again
    ACCEPTED = "accepted"  # final


class Response(Base):
    """One per State per cycle."""

    __tablename__ = "responses"
    __repr_attrs__ = ("state_id", "cycle_id", "status")

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("reporting_cycles.id"))
    state_id: Mapped[int] = mapped_column(sa.ForeignKey("states.id"), index=True)
    status: Mapped[ResponseStatus] = mapped_column(
        enum_column(ResponseStatus), default=ResponseStatus.NOT_STARTED)
    # Bumped by every change to the response or its answers (a cheap cache key for reports).
    revision: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime | None]
    last_activity_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The official who authorised the submission for the Government, named at sign-off; not
    # always the focal point who submits it (a minister, a director-general).
    authorised_by_name: Mapped[str | None] = mapped_column(sa.String(200))
    authorised_by_title: Mapped[str | None] = mapped_column(sa.String(200))
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The secretariat's comment when it returns the response; shown to the State.
    review_comment: Mapped[str | None] = mapped_column(sa.Text)
    # A later deadline granted to this State; it may edit after the cycle closes until then.
    extended_until: Mapped[date | None]

    cycle: Mapped[ReportingCycle] = relationship(lazy="joined")
    state: Mapped[State] = relationship(lazy="joined")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    last_activity_by: Mapped[User | None] = relationship(foreign_keys=[last_activity_by_id])

    __table_args__ = (sa.UniqueConstraint("cycle_id", "state_id"),)

    @property
    def deadline(self) -> date:
        """The day by which this State is to submit: its own, if it was given a later one."""
        return self.extended_until or self.cycle.closes_on


class Answer(Base):
    """The answer to one question, by question key, so it outlives questionnaire versions."""

    __tablename__ = "answers"
    __repr_attrs__ = ("question_key", "revision")

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("responses.id"))
    question_key: Mapped[str] = mapped_column(sa.String(100))
    # A string, a list of option values, a number, or an ISO date; None when cleared.
    value: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    # Compared on every save: a save based on an older revision is a conflict.
    revision: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Set when a new questionnaire version dropped an option this answer had chosen.
    needs_review: Mapped[bool] = mapped_column(default=False)

    updated_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("response_id", "question_key"),)
