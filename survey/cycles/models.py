"""Reporting cycles: a period in which States answer one questionnaire version."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.core.db import Base, enum_column, utcnow
from survey.questionnaires.models import QuestionnaireVersion


class CycleStatus(enum.Enum):
    PLANNED = "planned"  # being prepared; States cannot answer yet
    OPEN = "open"
    CLOSED = "closed"  # editing locked for every State without an extension


class ReportingCycle(Base):
    __tablename__ = "reporting_cycles"
    __repr_attrs__ = ("slug", "status")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Short, used in file names: kyoto-self-assessment-JPN-2026.pdf
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    questionnaire_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaire_versions.id"))
    opens_on: Mapped[date]
    # The deadline shown to States.
    closes_on: Mapped[date]
    status: Mapped[CycleStatus] = mapped_column(
        enum_column(CycleStatus), default=CycleStatus.PLANNED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    questionnaire_version: Mapped[QuestionnaireVersion] = relationship(lazy="joined")

    __table_args__ = (sa.CheckConstraint("closes_on >= opens_on", name="dates_in_order"),)
