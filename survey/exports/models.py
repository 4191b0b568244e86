"""Export files of a whole cycle, kept so that an unchanged cycle is not exported twice."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.auth.models import User
from survey.core.db import Base, enum_column, utcnow
from survey.cycles.models import ReportingCycle


class ExportKind(enum.Enum):
    """The exports too slow to make in a request: the workbook and the global synthesis."""

    XLSX = "xlsx"
    SYNTHESIS_FINAL = "synthesis_final"  # the synthesis of the signed-off responses
    SYNTHESIS_ALL = "synthesis_all"  # ... of every response, drafts included


class StoredExport(Base):
    """A file made from a cycle's data, served again while that data is unchanged. Only the
    newest of each cycle, kind and language is kept."""

    __tablename__ = "stored_exports"
    __repr_attrs__ = ("cycle_id", "kind", "locale", "fingerprint")

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("reporting_cycles.id"))
    kind: Mapped[ExportKind] = mapped_column(enum_column(ExportKind))
    # The interface language it was made in (the synthesis is written in it).
    locale: Mapped[str] = mapped_column(sa.String(8))
    # A digest of what the file was made from: the cycle's responses and States, its
    # questionnaire version and the code (survey.exports.stored.fingerprint).
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    # Deferred: finding whether a file is stored never loads its megabytes.
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    size: Mapped[int]  # bytes
    page_count: Mapped[int | None]  # a PDF's pages; None for a workbook
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    cycle: Mapped[ReportingCycle] = relationship()
    requested_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("cycle_id", "kind", "locale", "fingerprint"),
    )
