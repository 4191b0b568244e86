"""Questionnaire versions: import and export of the JSON definition, drafts, publishing.

The JSON definition (see survey/questionnaires/schema.py) is the one format in and out:
``import_definition`` loads one as a new draft, ``export_definition`` writes one back, and
export → import → export gives the same document.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from survey.auth.models import User
from survey.core.audit import record_event
from survey.core.db import db, utcnow
from survey.core.errors import DomainError
from survey.questionnaires.models import (
    Paragraph,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    QuestionType,
    Section,
    SectionKind,
    VersionStatus,
)
from survey.questionnaires.schema import DEFINITION_FORMAT, check_definition


def import_definition(data: dict[str, Any], *, actor: User | None = None,
                      change_note: str = "") -> QuestionnaireVersion:
    """Load a definition as a new draft version of its questionnaire (created if new), and
    audit it as an import.

    :raises survey.questionnaires.schema.DefinitionError: the document is invalid; it
        lists every problem and nothing is loaded
    """
    version = load_definition(data, actor=actor, change_note=change_note)
    record_event("questionnaire_version.imported", "questionnaire_version", version.id,
                 actor=actor, after={"slug": version.questionnaire.slug,
                                     "number": version.number,
                                     "questions": len(version.questions)})
    return version


def load_definition(data: dict[str, Any], *, actor: User | None = None,
                    change_note: str = "") -> QuestionnaireVersion:
    """Load a definition as a new draft version, unaudited: the caller records what it was
    (an import, or a draft copied from a published version).

    :raises survey.questionnaires.schema.DefinitionError: see :func:`import_definition`
    """
    check_definition(data)
    questionnaire = db.session.scalar(
        sa.select(Questionnaire).where(Questionnaire.slug == data["slug"]))
    if questionnaire is None:
        questionnaire = Questionnaire(slug=data["slug"], title=data["title"])
        db.session.add(questionnaire)
        db.session.flush()
    number = 1 + (db.session.scalar(
        sa.select(sa.func.max(QuestionnaireVersion.number)).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id)) or 0)
    version = QuestionnaireVersion(
        questionnaire=questionnaire, number=number, status=VersionStatus.DRAFT,
        title=data["title"], preamble=list(data["preamble"]),
        preamble_footnotes=list(data.get("preamble_footnotes", [])),
        change_note=change_note, created_by_id=getattr(actor, "id", None))
    db.session.add(version)
    _build_version(version, data)
    db.session.flush()
    return version


def _build_version(version: QuestionnaireVersion, data: dict[str, Any]) -> None:
    position = 0
    sections_by_title: dict[tuple[str, str | None], Section] = {}
    sections_by_kind: dict[SectionKind, Section] = {}
    for spec in data["sections"]:
        position += 1
        section = Section(version=version, key=spec["key"], title=spec["title"],
                          kind=SectionKind(spec["kind"]), position=position)
        db.session.add(section)
        sections_by_title[(spec["title"], None)] = section
        sections_by_kind.setdefault(section.kind, section)
        for sub in spec.get("subsections", []):
            position += 1
            subsection = Section(version=version, key=sub["key"], title=sub["title"],
                                 kind=section.kind, position=position, parent=section)
            db.session.add(subsection)
            sections_by_title[(spec["title"], sub["title"])] = subsection

    question_position = 0

    def add_questions(specs: list[dict], section: Section, paragraph: Paragraph | None) -> None:
        nonlocal question_position
        for spec in specs:
            question_position += 1
            db.session.add(Question(
                version=version, section=section, paragraph=paragraph,
                key=spec["key"], type=QuestionType(spec["type"]), label=spec["label"],
                help=spec.get("help") or "", required=bool(spec.get("required")),
                options=[dict(o) for o in spec.get("options") or []],
                condition=spec.get("condition"), max_length=spec.get("max_length"),
                position=question_position))

    add_questions(data["general"], sections_by_kind[SectionKind.GENERAL], None)
    for index, spec in enumerate(data["paragraphs"], start=1):
        if spec["section"] is None:
            section = sections_by_kind[SectionKind.DECLARATION]
        else:
            section = sections_by_title[(spec["section"], spec.get("subsection"))]
        paragraph = Paragraph(
            version=version, section=section, number=spec["number"], text=spec["text"],
            footnotes=[dict(f) for f in spec.get("footnotes", [])],
            actionable=spec["actionable"], actionable_reason=spec.get("actionable_reason", ""),
            position=index)
        db.session.add(paragraph)
        add_questions(spec["questions"], section, paragraph)


def load_version(version_id: int) -> QuestionnaireVersion:
    """A version with its sections, paragraphs and questions loaded in a few queries."""
    version = db.session.scalar(
        sa.select(QuestionnaireVersion).where(QuestionnaireVersion.id == version_id).options(
            selectinload(QuestionnaireVersion.sections),
            selectinload(QuestionnaireVersion.paragraphs),
            selectinload(QuestionnaireVersion.questions),
        ).execution_options(populate_existing=True))
    if version is None:
        raise LookupError(f"no questionnaire version {version_id}")
    return version


def export_definition(version: QuestionnaireVersion) -> dict[str, Any]:
    """The version as a JSON definition (the format import_definition reads)."""
    version = load_version(version.id)
    by_section: dict[int, list[Question]] = {}
    by_paragraph: dict[int, list[Question]] = {}
    for question in version.questions:
        if question.paragraph_id is None:
            by_section.setdefault(question.section_id, []).append(question)
        else:
            by_paragraph.setdefault(question.paragraph_id, []).append(question)
    sections = {s.id: s for s in version.sections}
    general = next(s for s in version.sections if s.kind is SectionKind.GENERAL)

    def heading_titles(section: Section) -> tuple[str | None, str | None]:
        if section.kind is SectionKind.DECLARATION:
            return None, None
        if section.parent_id is not None:
            return sections[section.parent_id].title, section.title
        return section.title, None

    paragraphs = []
    for paragraph in version.paragraphs:
        section_title, subsection_title = heading_titles(sections[paragraph.section_id])
        paragraphs.append({
            "number": paragraph.number,
            "section": section_title,
            "subsection": subsection_title,
            "text": paragraph.text,
            "footnotes": paragraph.footnotes,
            "actionable": paragraph.actionable,
            "actionable_reason": paragraph.actionable_reason,
            "questions": [question_definition(q) for q in by_paragraph.get(paragraph.id, [])],
        })
    return {
        "format": DEFINITION_FORMAT,
        "slug": version.questionnaire.slug,
        "title": version.title,
        "preamble": version.preamble,
        "preamble_footnotes": version.preamble_footnotes,
        "sections": [
            {"key": s.key, "title": s.title, "kind": s.kind.value,
             "subsections": [{"key": sub.key, "title": sub.title} for sub in s.subsections]}
            for s in version.sections if s.parent_id is None
        ],
        "general": [question_definition(q) for q in by_section.get(general.id, [])],
        "paragraphs": paragraphs,
    }


def dump_definition(data: dict[str, Any]) -> str:
    """The definition as the repository keeps it: stable key order, UTF-8, two-space indent."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def question_definition(question: Question) -> dict[str, Any]:
    return {
        "key": question.key,
        "type": question.type.value,
        "label": question.label,
        "help": question.help,
        "required": question.required,
        "options": question.options,
        "condition": question.condition,
        "max_length": question.max_length,
    }


def published_version(slug: str) -> QuestionnaireVersion | None:
    return db.session.scalar(
        sa.select(QuestionnaireVersion).join(Questionnaire).where(
            Questionnaire.slug == slug, QuestionnaireVersion.status == VersionStatus.PUBLISHED
        ).order_by(QuestionnaireVersion.number.desc()).limit(1))


def publish_version(version: QuestionnaireVersion, *, actor: User | None) -> None:
    """Publish a draft; the previously published version of the questionnaire retires.
    Moving reporting cycles to the new version is a separate step (cycles.services).

    :raises DomainError: the version is not a draft
    """
    if version.status is not VersionStatus.DRAFT:
        raise DomainError("only a draft version can be published")
    previous = published_version(version.questionnaire.slug)
    if previous is not None:
        previous.status = VersionStatus.RETIRED
    version.status = VersionStatus.PUBLISHED
    version.published_at = utcnow()
    version.published_by_id = getattr(actor, "id", None)
    db.session.flush()
    record_event("questionnaire_version.published", "questionnaire_version", version.id,
                 actor=actor, before={"status": "draft"}, after={"status": "published"})
