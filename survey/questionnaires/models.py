"""A questionnaire in versions: sections, the declaration's paragraphs, and their questions.

A published version never changes (enforced below, whatever code path tries); editing
starts from a draft copy. Questions carry a ``key`` (``p22.status``) that is stable across
versions: answers are stored by key, so they carry over when a cycle moves to a new version.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from survey.core.db import Base, JSONDocument, enum_column, utcnow


class VersionStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class SectionKind(enum.Enum):
    GENERAL = "general"  # questions about the national process, not tied to a paragraph
    DECLARATION = "declaration"  # paragraphs 1-20: the undertakings among them
    OPERATIVE = "operative"  # the four sections of actions, paragraphs 21-95
    FOLLOW_UP = "follow_up"  # paragraphs 96-97


class QuestionType(enum.Enum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TEXT = "text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    DATE = "date"
    EMAIL = "email"

    @property
    def is_choice(self) -> bool:
        return self in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE)


class Questionnaire(Base):
    __tablename__ = "questionnaires"
    __repr_attrs__ = ("slug",)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.Text)

    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.number")


class QuestionnaireVersion(Base):
    __tablename__ = "questionnaire_versions"
    __repr_attrs__ = ("number", "status")

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaires.id"))
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(
        enum_column(VersionStatus), default=VersionStatus.DRAFT)
    title: Mapped[str] = mapped_column(sa.Text)
    # The declaration's unnumbered opening paragraphs, and the footnotes they cite.
    preamble: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    preamble_footnotes: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    # What changed in this version, for the secretariat.
    change_note: Mapped[str] = mapped_column(sa.Text, default="")
    based_on_id: Mapped[int | None] = mapped_column(sa.ForeignKey("questionnaire_versions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")
    sections: Mapped[list[Section]] = relationship(
        back_populates="version", order_by="Section.position", cascade="all, delete-orphan")
    paragraphs: Mapped[list[Paragraph]] = relationship(
        back_populates="version", order_by="Paragraph.position", cascade="all, delete-orphan")
    questions: Mapped[list[Question]] = relationship(
        back_populates="version", order_by="Question.position", cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "number"),)

    @property
    def is_editable(self) -> bool:
        return self.status is VersionStatus.DRAFT


class Section(Base):
    """A heading of the declaration (or the general part). Subsections have a parent."""

    __tablename__ = "sections"
    __repr_attrs__ = ("key",)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaire_versions.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sections.id"))
    # Stable across versions: "general", "declaration", "I", "I.2", "follow-up".
    key: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[SectionKind] = mapped_column(enum_column(SectionKind))
    # Order within the whole version (sections and subsections in reading order).
    position: Mapped[int]

    version: Mapped[QuestionnaireVersion] = relationship(back_populates="sections")
    parent: Mapped[Section | None] = relationship(remote_side=[id], back_populates="subsections")
    subsections: Mapped[list[Section]] = relationship(
        back_populates="parent", order_by="Section.position")

    __table_args__ = (sa.UniqueConstraint("version_id", "key"),)


class Paragraph(Base):
    """A numbered paragraph of the declaration, with its full text."""

    __tablename__ = "paragraphs"
    __repr_attrs__ = ("number",)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaire_versions.id", ondelete="CASCADE"), index=True)
    # The most specific heading it stands under (a subsection where there is one).
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("sections.id"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    # [{"number": 6, "text": "General Assembly resolution 70/175, annex."}]
    footnotes: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    # Whether the paragraph commits States to act, and why (shown to administrators).
    actionable: Mapped[bool]
    actionable_reason: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int]

    version: Mapped[QuestionnaireVersion] = relationship(back_populates="paragraphs")
    section: Mapped[Section] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="paragraph", order_by="Question.position")

    __table_args__ = (sa.UniqueConstraint("version_id", "number"),)


class Question(Base):
    __tablename__ = "questions"
    __repr_attrs__ = ("key",)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaire_versions.id", ondelete="CASCADE"), index=True)
    # Kept on the question too, so a section page loads its questions in one query.
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("sections.id"), index=True)
    # None for the general part.
    paragraph_id: Mapped[int | None] = mapped_column(sa.ForeignKey("paragraphs.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(100))
    type: Mapped[QuestionType] = mapped_column(enum_column(QuestionType))
    label: Mapped[str] = mapped_column(sa.Text)
    help: Mapped[str] = mapped_column(sa.Text, default="")
    # Required before the response can be submitted (drafts may leave it empty).
    required: Mapped[bool] = mapped_column(default=False)
    # [{"value": "fully", "label": "Fully implemented"}, ...] for choice questions.
    options: Mapped[list[dict[str, str]]] = mapped_column(JSONDocument, default=list)
    # {"question": "p22.status", "in": ["fully", ...]}: shown and required only then.
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    max_length: Mapped[int | None]
    # Order within the whole version.
    position: Mapped[int]

    version: Mapped[QuestionnaireVersion] = relationship(back_populates="questions")
    section: Mapped[Section] = relationship()
    paragraph: Mapped[Paragraph | None] = relationship(back_populates="questions")

    __table_args__ = (sa.UniqueConstraint("version_id", "key"),)

    @property
    def option_values(self) -> list[str]:
        return [option["value"] for option in self.options]

    def option_label(self, value: str) -> str:
        for option in self.options:
            if option["value"] == value:
                return option["label"]
        return value


class PublishedVersionError(Exception):
    """Something tried to change a published (or retired) questionnaire version."""


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_published_versions(session: Session, _context: Any, _instances: Any) -> None:
    """A published version never changes, whichever code path tries. The one change it
    goes through is being retired when a later version is published."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, QuestionnaireVersion):
            if obj in session.new or _stored_status(obj) is VersionStatus.DRAFT:
                continue
            changed = _changed_columns(obj)
            if obj in session.deleted or (changed and not (
                    changed == ["status"] and obj.status is VersionStatus.RETIRED)):
                _refuse(obj)
        elif isinstance(obj, Section | Paragraph | Question):
            version = obj.version
            if version is None or version in session.new:
                continue
            if _stored_status(version) is not VersionStatus.DRAFT and (
                    obj in session.new or obj in session.deleted
                    or session.is_modified(obj, include_collections=False)):
                _refuse(version)


def _stored_status(version: QuestionnaireVersion) -> VersionStatus:
    """The status as the database has it, before this flush."""
    history = sa.inspect(version).attrs.status.history
    return history.deleted[0] if history.deleted else version.status


def _refuse(version: QuestionnaireVersion) -> None:
    raise PublishedVersionError(
        f"questionnaire version {version.number} is {_stored_status(version).value}; "
        "make a new draft to change it")


def _changed_columns(obj: Base) -> list[str]:
    state = sa.inspect(obj)
    return sorted(attr.key for attr in state.attrs
                  if attr.key in state.mapper.columns and attr.history.has_changes())
