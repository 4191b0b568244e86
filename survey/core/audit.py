"""The audit trail: every change to answers, responses, questionnaires and users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.core.db import Base, JSONDocument, db, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __repr_attrs__ = ("action", "object_type", "object_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # None for changes made by the system (survey init, migrations of answers).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The State whose data changed, so a State's trail is one indexed query.
    state_id: Mapped[int | None] = mapped_column(sa.ForeignKey("states.id"), index=True)
    # "answer", "response", "questionnaire_version", "question", "user", "cycle", ...
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[str] = mapped_column(sa.String(100))
    # "answer.saved", "response.submitted", "user.invited", ...
    action: Mapped[str] = mapped_column(sa.String(60))
    before: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    after: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    # Ties the event to the log lines of the request that caused it.
    request_id: Mapped[str | None] = mapped_column(sa.String(36))

    actor = relationship("User", lazy="joined")

    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)


def record_event(action: str, obj_type: str, obj_id: Any, *, actor: Any = None,
                 state_id: int | None = None, before: Any = None, after: Any = None) -> None:
    """Add an audit event to the current unit of work.

    Written with an INSERT of its own, not as an object in the session: events are only ever
    added, and autosave writes one per answer it saves.

    :param action: what happened, ``"<object>.<verb>"``
    :param actor: the user who did it (None for the system)
    :param state_id: the State whose data changed, if any
    :param before: the value before the change (JSON-serialisable)
    :param after: the value after the change
    """
    db.session.execute(_INSERT_EVENT, {
        "occurred_at": utcnow(), "action": action, "object_type": obj_type,
        "object_id": str(obj_id), "actor_id": getattr(actor, "id", None), "state_id": state_id,
        "before": before, "after": after,
        "request_id": g.get("request_id") if has_request_context() else None})


# Built once: autosave records an event per answer, and building the statement each time cost
# more CPU than sending it.
_INSERT_EVENT = sa.insert(AuditEvent.__table__)
