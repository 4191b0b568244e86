"""Users, their roles and their login sessions."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.core.db import Base, enum_column, utcnow
from survey.states.models import State


class Role(enum.Enum):
    """What a user may do. Every role but ``ADMIN`` belongs to one State."""

    ADMIN = "admin"  # the secretariat: sees and manages every State
    FOCAL_POINT = "focal_point"  # edits everything, invites contributors, signs off, submits
    CONTRIBUTOR = "contributor"  # edits the sections assigned (or all)
    OBSERVER = "observer"  # reads only


class User(Base):
    __tablename__ = "users"
    __repr_attrs__ = ("email", "role")

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased; the unique index makes addresses case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    # None until the invited user sets a password.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    state_id: Mapped[int | None] = mapped_column(sa.ForeignKey("states.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Nominated by a focal point, not yet checked by the secretariat: inactive, and no
    # invitation sent until an administrator approves (survey.auth.services).
    nomination_pending: Mapped[bool] = mapped_column(default=False,
                                                     server_default=sa.false())
    # Set for the first administrator's one-time password: change it at first login.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Preferred interface language (one of config.LANGUAGES), None = browser's choice.
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]

    state: Mapped[State | None] = relationship(lazy="joined")
    invited_by: Mapped[User | None] = relationship(remote_side=[id])
    # A contributor's sections (none: every section). Loaded with the signed-in user, so that
    # checking a right to edit costs no query (see auth.sessions.load_user).
    assigned_sections: Mapped[list[ContributorSection]] = relationship(
        viewonly=True, order_by="ContributorSection.section_key")

    __table_args__ = (
        sa.CheckConstraint("role = 'admin' OR state_id IS NOT NULL", name="state_required"),
    )

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    # Flask-Login protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class LoginSession(Base):
    """A signed-in browser. The cookie holds a random token; we keep only its hash, so a
    logout or a deactivation ends the session on every app server at once."""

    __tablename__ = "login_sessions"
    __repr_attrs__ = ("user_id",)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    remember: Mapped[bool] = mapped_column(default=False)
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))

    user: Mapped[User] = relationship(lazy="joined")


class ContributorSection(Base):
    """A section a contributor may edit. A contributor with none may edit all sections."""

    __tablename__ = "contributor_sections"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    # The section key (stable across questionnaire versions), e.g. "I" or "general".
    section_key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
