"""UN Member States and other participants that answer the questionnaire."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey.core.db import Base, enum_column


class RegionalGroup(enum.Enum):
    """The five United Nations regional groups."""

    AFRICAN = "african"
    ASIA_PACIFIC = "asia_pacific"
    EASTERN_EUROPEAN = "eastern_european"
    LATIN_AMERICAN_CARIBBEAN = "latin_american_caribbean"
    WESTERN_EUROPEAN_OTHERS = "western_european_others"
    # Participants outside the groups (e.g. non-member observer States).
    NONE = "none"


class ParticipantKind(enum.Enum):
    MEMBER_STATE = "member_state"
    OBSERVER_STATE = "observer_state"
    OTHER = "other"


class State(Base):
    __tablename__ = "states"
    __repr_attrs__ = ("code",)

    id: Mapped[int] = mapped_column(primary_key=True)
    # ISO 3166-1 alpha-3, e.g. "JPN"; used in URLs and file names.
    code: Mapped[str] = mapped_column(sa.String(3), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    regional_group: Mapped[RegionalGroup] = mapped_column(enum_column(RegionalGroup))
    kind: Mapped[ParticipantKind] = mapped_column(
        enum_column(ParticipantKind), default=ParticipantKind.MEMBER_STATE)

    __table_args__ = (sa.CheckConstraint("length(code) = 3", name="code_length"),)
