"""Rendered reports, kept so that an unchanged response is not rendered twice."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey.core.db import Base, utcnow


class RenderedReport(Base):
    __tablename__ = "rendered_reports"
    __repr_attrs__ = ("response_id", "response_revision")

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("responses.id"), index=True)
    # The cache key: the response as it was, the report template as it was, the language.
    response_revision: Mapped[int]
    template_version: Mapped[str] = mapped_column(sa.String(64))
    locale: Mapped[str] = mapped_column(sa.String(8))
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary)
    page_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("response_id", "response_revision", "template_version", "locale"),
    )
