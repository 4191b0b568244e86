"""Editing a questionnaire: drafts, changes to questions, paragraphs and sections, the
difference between two versions, and publishing.

A published version never changes: editing starts with :func:`new_draft_from`, which copies
it into a draft (one draft per questionnaire at a time). Every edit is checked by the rules
the JSON import applies (survey/questionnaires/schema.py): the question alone first, for
messages next to the fields, then the whole definition as it would stand after the edit,
inside a savepoint that is rolled back if anything is wrong. Every edit is audited.

Services flush; the caller's unit of work commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from survey.auth.models import User
from survey.core.audit import record_event
from survey.core.db import db
from survey.core.errors import DomainError
from survey.core.labels import label
from survey.cycles.models import CycleStatus, ReportingCycle
from survey.cycles.services import MoveImpact, move_to_version
from survey.questionnaires.models import (
    Paragraph,
    Question,
    QuestionnaireVersion,
    QuestionType,
    Section,
    VersionStatus,
)
from survey.questionnaires.outline import Outline, QuestionItem, outline_of
from survey.questionnaires.schema import validate_definition, validate_question
from survey.questionnaires.services import (
    export_definition,
    load_definition,
    publish_version,
    question_definition,
)

# The fields of a question an editor may change (its key is its identity across versions).
EDITABLE_FIELDS = ("type", "label", "help", "required", "options", "condition", "max_length")


class InvalidEdit(DomainError):
    """The edit would make the questionnaire invalid; nothing was changed.

    ``field_errors`` holds the problems with the edited question by field name
    (``"label"``, ``"options"``, ...); ``errors`` the others, each naming its place.
    """

    def __init__(self, errors: list[str], field_errors: Mapping[str, list[str]] | None = None):
        self.errors = list(errors)
        self.field_errors = dict(field_errors or {})
        messages = self.errors + [m for ms in self.field_errors.values() for m in ms]
        super().__init__(" ".join(messages))


class DraftExists(DomainError):
    """The questionnaire has a draft already; ``draft`` is it."""

    def __init__(self, draft: QuestionnaireVersion) -> None:
        super().__init__(_("Version %(n)d is being drafted already; continue there, or "
                           "discard it first.", n=draft.number))
        self.draft = draft


# --- drafts ---------------------------------------------------------------------------------

def draft_of(questionnaire_id: int) -> QuestionnaireVersion | None:
    """The questionnaire's draft version, if there is one."""
    return db.session.scalar(sa.select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire_id,
        QuestionnaireVersion.status == VersionStatus.DRAFT)
        .order_by(QuestionnaireVersion.number.desc()).limit(1))


def new_draft_from(version: QuestionnaireVersion, *, actor: User | None) -> QuestionnaireVersion:
    """A new draft version, a copy of ``version`` (``based_on`` it), to edit and publish.

    :raises DraftExists: the questionnaire has a draft already
    :raises DomainError: ``version`` is itself a draft
    """
    if version.status is VersionStatus.DRAFT:
        raise DomainError(_("Version %(n)d is a draft: edit it directly.", n=version.number))
    existing = draft_of(version.questionnaire_id)
    if existing is not None:
        raise DraftExists(existing)
    draft = load_definition(export_definition(version), actor=actor)
    draft.based_on_id = version.id
    db.session.flush()
    record_event("questionnaire_version.drafted", "questionnaire_version", draft.id,
                 actor=actor, after={"number": draft.number, "based_on": version.number})
    return draft


def discard_draft(version: QuestionnaireVersion, *, actor: User | None) -> None:
    """Delete a draft version with its sections, paragraphs and questions.

    :raises DomainError: the version is not a draft
    """
    _check_draft(version)
    version_id, number = version.id, version.number
    # The rows go below: nothing loaded from them may be flushed back.
    for obj in list(db.session):
        if obj in db.session and (obj is version or (
                isinstance(obj, Question | Paragraph | Section) and obj.version_id == version_id)):
            db.session.expunge(obj)
    for statement in (
        sa.delete(Question).where(Question.version_id == version_id),
        sa.delete(Paragraph).where(Paragraph.version_id == version_id),
        sa.delete(Section).where(Section.version_id == version_id,
                                 Section.parent_id.is_not(None)),
        sa.delete(Section).where(Section.version_id == version_id),
        sa.delete(QuestionnaireVersion).where(QuestionnaireVersion.id == version_id,
                                              QuestionnaireVersion.status == VersionStatus.DRAFT),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))
    record_event("questionnaire_version.discarded", "questionnaire_version", version_id,
                 actor=actor, before={"number": number, "status": "draft"})


def _check_draft(version: QuestionnaireVersion) -> None:
    if not version.is_editable:
        raise DomainError(_("Version %(n)d is %(status)s and never changes. Make a new draft "
                            "to change the questionnaire.",
                            n=version.number, status=label(version.status).lower()))


# --- checking edits -------------------------------------------------------------------------

@contextmanager
def _kept_valid(version: QuestionnaireVersion) -> Iterator[None]:
    """Apply the edit in the block, then check the whole definition as it now stands; on any
    problem the edit is rolled back and :class:`InvalidEdit` raised."""
    savepoint = db.session.begin_nested()
    try:
        yield
        db.session.flush()
        data = export_definition(version)
        errors = validate_definition(data)
    except BaseException:
        savepoint.rollback()
        raise
    if errors:
        savepoint.rollback()
        raise InvalidEdit([readable_error(e, data) for e in errors])
    savepoint.commit()


_QUESTION_PLACE = re.compile(r"^(general|paragraphs\[(\d+)\]\.questions)\[(\d+)\]\.?")
_PARAGRAPH_PLACE = re.compile(r"^paragraphs\[(\d+)\]\.?")
_SECTION_PLACE = re.compile(r"^sections\[(\d+)\](?:\.subsections\[(\d+)\])?\.?")


def readable_error(message: str, data: Mapping[str, Any]) -> str:
    """A definition error with its place named as people know it: the question key, the
    paragraph number, the section title (``paragraphs[3].questions[2].type`` is
    ``p22.measures — type``)."""
    if match := _QUESTION_PLACE.match(message):
        group, paragraph_index, question_index = match.groups()
        try:
            questions = (data["general"] if group == "general"
                         else data["paragraphs"][int(paragraph_index)]["questions"])
            key = questions[int(question_index)]["key"]
        except (KeyError, IndexError, TypeError):
            return message
        rest = message[match.end():]
        return f"{key} — {rest}" if not rest.startswith(":") else f"{key}{rest}"
    if match := _PARAGRAPH_PLACE.match(message):
        try:
            number = data["paragraphs"][int(match.group(1))]["number"]
        except (KeyError, IndexError, TypeError):
            return message
        return _("Paragraph %(n)d", n=number) + " — " + message[match.end():]
    if match := _SECTION_PLACE.match(message):
        try:
            section = data["sections"][int(match.group(1))]
            if match.group(2) is not None:
                section = section["subsections"][int(match.group(2))]
        except (KeyError, IndexError, TypeError):
            return message
        return f"{section['title']} — {message[match.end():]}"
    return message


_FIELD_PLACE = re.compile(r"^question\.(\w+)(?:\[(\d+)\])?[^:]*: (.*)$", re.S)


def _question_errors(spec: Mapping[str, Any],
                     preceding: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Problems with one question by field, as the definition's rules see them."""
    by_field: dict[str, list[str]] = {}
    for message in validate_question(dict(spec), preceding=preceding, place="question"):
        match = _FIELD_PLACE.match(message)
        if match is None:
            by_field.setdefault("", []).append(message)
            continue
        field, index, text = match.groups()
        if field == "options" and index is not None:
            text = _("line %(n)d: %(problem)s", n=int(index) + 1, problem=text)
        by_field.setdefault(field, []).append(text)
    return by_field


def _raise_if(field_errors: dict[str, list[str]]) -> None:
    if field_errors:
        general = field_errors.pop("", [])
        raise InvalidEdit(general, field_errors)


# --- questions ------------------------------------------------------------------------------

def _group_filter(question_or_place: Question | Paragraph | Section) -> sa.ColumnElement[bool]:
    """The questions that share a paragraph (or the part of a section outside paragraphs)."""
    if isinstance(question_or_place, Question):
        paragraph_id, section_id = question_or_place.paragraph_id, question_or_place.section_id
    elif isinstance(question_or_place, Paragraph):
        paragraph_id, section_id = question_or_place.id, question_or_place.section_id
    else:
        paragraph_id, section_id = None, question_or_place.id
    if paragraph_id is not None:
        return Question.paragraph_id == paragraph_id
    return sa.and_(Question.paragraph_id.is_(None), Question.section_id == section_id)


def siblings(question_or_place: Question | Paragraph | Section) -> list[Question]:
    """The questions of the same paragraph (or general part), in order."""
    return list(db.session.scalars(
        sa.select(Question).where(Question.version_id == question_or_place.version_id,
                                  _group_filter(question_or_place))
        .order_by(Question.position)))


def question_by_key(version: QuestionnaireVersion, key: str) -> Question | None:
    return db.session.scalar(sa.select(Question).where(
        Question.version_id == version.id, Question.key == key))


def normalized_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A question definition with text trimmed and the fields a type takes no part in
    emptied (options of a text question, the maximum length of a choice question)."""
    spec = dict(spec)
    for name in ("label", "help"):
        if isinstance(spec.get(name), str):
            spec[name] = spec[name].strip()
    kind = spec.get("type")
    if kind in ("text", "long_text", "number", "date", "email"):
        spec["options"] = []
    if kind not in ("text", "long_text"):
        spec["max_length"] = None
    return spec


def update_question(question: Question, changes: Mapping[str, Any], *,
                    actor: User | None) -> Question:
    """Change a question of a draft: any of :data:`EDITABLE_FIELDS`.

    :raises InvalidEdit: the question, or the questionnaire with it, would be invalid
    :raises DomainError: the version is not a draft
    """
    version = question.version
    _check_draft(version)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    before = question_definition(question)
    spec = normalized_spec({**before, **changes})
    preceding = [question_definition(q) for q in siblings(question)
                 if q.position < question.position]
    _raise_if(_question_errors(spec, preceding))
    if spec == before:
        return question
    with _kept_valid(version):
        question.type = QuestionType(spec["type"])
        question.label, question.help = spec["label"], spec["help"]
        question.required = spec["required"]
        question.options = [dict(o) for o in spec["options"]]
        question.condition = spec["condition"]
        question.max_length = spec["max_length"]
    record_event("question.updated", "question", question_object_id(version, question.key),
                 actor=actor, before=_changed(before, spec), after=_changed(spec, before))
    return question


def add_question(place: Paragraph | Section, spec: Mapping[str, Any], *,
                 actor: User | None) -> Question:
    """Add a question at the end of a paragraph (or of a section's general part).

    :raises InvalidEdit: the question, or the questionnaire with it, would be invalid
    :raises DomainError: the version is not a draft
    """
    version = place.version
    _check_draft(version)
    spec = normalized_spec({"help": "", "required": False, "options": [], "condition": None,
                            "max_length": None, **spec})
    group = siblings(place)
    field_errors = _question_errors(spec, [question_definition(q) for q in group])
    key = spec.get("key")
    if isinstance(key, str) and "key" not in field_errors and question_by_key(version, key):
        field_errors["key"] = [_("Another question of this version has the key %(key)s.",
                                 key=key)]
    _raise_if(field_errors)

    if group:
        position = group[-1].position + 1
    elif isinstance(place, Paragraph):
        position = 1 + (db.session.scalar(
            sa.select(sa.func.max(Question.position))
            .outerjoin(Paragraph, Question.paragraph_id == Paragraph.id)
            .where(Question.version_id == version.id,
                   sa.or_(Question.paragraph_id.is_(None), Paragraph.position < place.position)))
            or 0)
    else:
        position = 1 + (db.session.scalar(
            sa.select(sa.func.max(Question.position)).join(Section).where(
                Question.version_id == version.id, Question.paragraph_id.is_(None),
                Section.position < place.position)) or 0)
    with _kept_valid(version):
        db.session.execute(
            sa.update(Question).where(Question.version_id == version.id,
                                      Question.position >= position)
            .values(position=Question.position + 1)
            .execution_options(synchronize_session="evaluate"))
        question = Question(
            version=version, key=spec["key"], type=QuestionType(spec["type"]),
            label=spec["label"], help=spec["help"], required=spec["required"],
            options=[dict(o) for o in spec["options"]], condition=spec["condition"],
            max_length=spec["max_length"], position=position,
            section_id=place.section_id if isinstance(place, Paragraph) else place.id,
            paragraph_id=place.id if isinstance(place, Paragraph) else None)
        db.session.add(question)
    record_event("question.added", "question", question_object_id(version, question.key),
                 actor=actor, after={**question_definition(question),
                                     "paragraph": getattr(place, "number", None)})
    return question


def delete_question(question: Question, *, actor: User | None) -> None:
    """Remove a question from a draft. Answers already given to it are kept: the States
    see them read-only and they are still exported.

    :raises InvalidEdit: another question depends on it (its condition)
    :raises DomainError: the version is not a draft
    """
    version = question.version
    _check_draft(version)
    if blocking := dependents(question):
        raise InvalidEdit([removal_blocked_message(question, blocking)])
    before = question_definition(question)
    with _kept_valid(version):
        db.session.delete(question)
    record_event("question.deleted", "question", question_object_id(version, before["key"]),
                 actor=actor, before=before)


def dependents(question: Question) -> list[Question]:
    """The questions shown only for some answers to ``question`` (their condition names
    it), in order: they stand in its paragraph or general part."""
    return [q for q in siblings(question)
            if q.condition and q.condition.get("question") == question.key]


def removal_blocked_message(question: Question, blocking: list[Question]) -> str:
    return _("%(keys)s depend on %(key)s (they are asked only for some of its answers): "
             "remove their conditions first.",
             keys=", ".join(q.key for q in blocking), key=question.key)


def move_question(question: Question, offset: int, *, actor: User | None) -> None:
    """Move a question up (-1) or down (+1) within its paragraph.

    :raises InvalidEdit: a condition would then refer to a later question
    :raises DomainError: the version is not a draft, or there is no room to move
    """
    version = question.version
    _check_draft(version)
    group = siblings(question)
    index = next(i for i, q in enumerate(group) if q.id == question.id)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(group):
        raise DomainError(_("The question cannot move further."))
    other = group[target]
    with _kept_valid(version):
        question.position, other.position = other.position, question.position
    record_event("question.moved", "question", question_object_id(version, question.key),
                 actor=actor, before={"index": index + 1}, after={"index": target + 1})


def question_object_id(version: QuestionnaireVersion, key: str) -> str:
    """How the audit trail names a question of a version: ``<version id>:<key>``."""
    return f"{version.id}:{key}"


def _changed(spec: Mapping[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if other.get(k) != v}


# --- paragraphs and sections ----------------------------------------------------------------

def set_paragraph_actionable(paragraph: Paragraph, actionable: bool, reason: str, *,
                             actor: User | None, remove_questions: bool = False) -> None:
    """Mark whether a paragraph commits States to act, and why. With ``remove_questions``
    (when it does not), its questions go too; answers already given are kept.

    :raises InvalidEdit: the definition would be invalid
    :raises DomainError: the version is not a draft
    """
    version = paragraph.version
    _check_draft(version)
    before = {"actionable": paragraph.actionable, "reason": paragraph.actionable_reason}
    removed = []
    with _kept_valid(version):
        paragraph.actionable, paragraph.actionable_reason = actionable, reason.strip()
        if remove_questions and not actionable:
            for question in siblings(paragraph):
                removed.append(question.key)
                db.session.delete(question)
    after = {"actionable": actionable, "reason": reason.strip()}
    if removed:
        after["questions_removed"] = removed
    record_event("paragraph.updated", "paragraph", f"{version.id}:{paragraph.number}",
                 actor=actor, before=before, after=after)


def rename_section(section: Section, title: str, *, actor: User | None) -> None:
    """:raises InvalidEdit: the title is empty or another section has it
    :raises DomainError: the version is not a draft"""
    version = section.version
    _check_draft(version)
    before = section.title
    with _kept_valid(version):
        section.title = title.strip()
    record_event("section.renamed", "section", f"{version.id}:{section.key}", actor=actor,
                 before={"title": before}, after={"title": section.title})


# --- comparing and publishing ---------------------------------------------------------------

@dataclass(frozen=True)
class FieldChange:
    field: str  # "label", "options", ... (see EDITABLE_FIELDS), "paragraph", "section"
    before: str  # as people read it
    after: str


@dataclass(frozen=True)
class QuestionChange:
    question: QuestionItem  # as the newer version has it
    fields: tuple[FieldChange, ...]

    @property
    def key(self) -> str:
        return self.question.key


@dataclass(frozen=True)
class ParagraphChange:
    number: int
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class SectionChange:
    key: str
    before: str
    after: str


@dataclass(frozen=True)
class VersionDiff:
    old_number: int
    new_number: int
    added: tuple[QuestionItem, ...]
    removed: tuple[QuestionItem, ...]
    changed: tuple[QuestionChange, ...]
    # Paragraph numbers (None: the general part) whose questions were put in another order.
    reordered: tuple[int | None, ...]
    paragraphs: tuple[ParagraphChange, ...]
    sections: tuple[SectionChange, ...]

    def __bool__(self) -> bool:
        return any((self.added, self.removed, self.changed, self.reordered, self.paragraphs,
                    self.sections))


def diff_versions(old: QuestionnaireVersion, new: QuestionnaireVersion) -> VersionDiff:
    """What changed from ``old`` to ``new``: questions added, removed and changed (field by
    field), question order, paragraphs' actionable flags and section titles."""
    a, b = outline_of(old), outline_of(new)
    added = tuple(q for q in b.questions() if q.key not in a.questions_by_key)
    removed = tuple(q for q in a.questions() if q.key not in b.questions_by_key)
    changed = []
    for question in b.questions():
        before = a.questions_by_key.get(question.key)
        if before is not None:
            fields = _question_changes(before, question, a, b)
            if fields:
                changed.append(QuestionChange(question, fields))
    return VersionDiff(
        old_number=a.version_number, new_number=b.version_number, added=added, removed=removed,
        changed=tuple(changed), reordered=_reordered(a, b), paragraphs=_paragraph_changes(a, b),
        sections=tuple(
            SectionChange(key, a.sections_by_key[key].title, section.title)
            for key, section in b.sections_by_key.items()
            if key in a.sections_by_key and a.sections_by_key[key].title != section.title))


def _question_changes(old: QuestionItem, new: QuestionItem, a: Outline,
                      b: Outline) -> tuple[FieldChange, ...]:
    changes = []

    def compare(field: str, before: Any, after: Any) -> None:
        if before != after:
            changes.append(FieldChange(field, before, after))

    compare("type", label(old.type), label(new.type))
    compare("label", old.label, new.label)
    compare("help", old.help, new.help)
    compare("required", _yes_no(old.required), _yes_no(new.required))
    if old.options != new.options:
        changes.append(FieldChange("options", *_options_change(old, new)))
    if old.condition != new.condition:  # the values, not their labels, make the condition
        changes.append(FieldChange("condition", _condition_text(old, a), _condition_text(new, b)))
    compare("max_length", _text(old.max_length), _text(new.max_length))
    compare("paragraph", _text(old.paragraph_number), _text(new.paragraph_number))
    if old.paragraph_number is None:
        compare("section", a.sections_by_key[old.section_key].title,
                b.sections_by_key[new.section_key].title)
    return tuple(changes)


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _options_change(old: QuestionItem, new: QuestionItem) -> tuple[str, str]:
    """The options that differ, before and after (``value | label`` lines), and how many
    stayed as they were: a renamed option stands out rather than hiding in the list. When
    only their order changed, the whole lists."""
    before, after = ({o.value: o.label for o in q.options} for q in (old, new))
    removed = [f"{v} | {text}" for v, text in before.items() if after.get(v) != text]
    added = [f"{v} | {text}" for v, text in after.items() if before.get(v) != text]
    if not removed and not added:
        return (_options_text(old), _options_text(new))
    same = sum(1 for v, text in after.items() if before.get(v) == text)
    if same:
        note = ngettext("(%(num)d other option unchanged)", "(%(num)d other options unchanged)",
                        same)
        removed.append(note)
        added.append(note)
    return "\n".join(removed), "\n".join(added)


def _options_text(question: QuestionItem) -> str:
    return "\n".join(f"{o.value} | {o.label}" for o in question.options)


def _condition_text(question: QuestionItem, outline: Outline) -> str:
    if question.condition is None:
        return ""
    key, accepted = question.condition
    source = outline.questions_by_key.get(key)
    if source is None:
        values = sorted(accepted)
    else:
        values = [o.label for o in source.options if o.value in accepted]
    return _("when %(key)s is: %(values)s", key=key, values=", ".join(values))


def _reordered(a: Outline, b: Outline) -> tuple[int | None, ...]:
    def groups(outline: Outline) -> dict[int | None, list[str]]:
        found: dict[int | None, list[str]] = {}
        for question in outline.questions():
            found.setdefault(question.paragraph_number, []).append(question.key)
        return found

    old, new = groups(a), groups(b)
    reordered = []
    for number, keys in new.items():
        common = [k for k in keys if k in old.get(number, ())]
        if common != [k for k in old.get(number, ()) if k in common]:
            reordered.append(number)
    return tuple(reordered)


def _paragraph_changes(a: Outline, b: Outline) -> tuple[ParagraphChange, ...]:
    changes = []
    for number, paragraph in b.paragraphs_by_number.items():
        old = a.paragraphs_by_number.get(number)
        if old is None:
            continue
        fields = []
        if old.actionable != paragraph.actionable:
            fields.append(FieldChange("actionable", _yes_no(old.actionable),
                                      _yes_no(paragraph.actionable)))
        if old.actionable_reason != paragraph.actionable_reason:
            fields.append(FieldChange("actionable_reason", old.actionable_reason,
                                      paragraph.actionable_reason))
        if old.text != paragraph.text:
            fields.append(FieldChange("text", old.text, paragraph.text))
        if fields:
            changes.append(ParagraphChange(number, tuple(fields)))
    return tuple(changes)


def compared_version(version: QuestionnaireVersion) -> QuestionnaireVersion | None:
    """The version a version is compared with. A draft: the version published now, which
    publishing it replaces (a draft made from an older version would otherwise show "no
    differences" while undoing what was published since); else the one it was made from.
    A published or retired version: the one it was made from, else the one before it."""
    if version.status is VersionStatus.DRAFT:
        live = db.session.scalar(sa.select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == version.questionnaire_id,
            QuestionnaireVersion.status == VersionStatus.PUBLISHED))
        if live is not None:
            return live
    if version.based_on_id is not None:
        return db.session.get(QuestionnaireVersion, version.based_on_id)
    return db.session.scalar(sa.select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == version.questionnaire_id,
        QuestionnaireVersion.number < version.number,
        QuestionnaireVersion.status != VersionStatus.DRAFT)
        .order_by(QuestionnaireVersion.number.desc()).limit(1))


def cycles_to_move(version: QuestionnaireVersion) -> list[ReportingCycle]:
    """The cycles that would move to ``version`` when it is published: those not closed
    that use another version of its questionnaire."""
    return list(db.session.scalars(
        sa.select(ReportingCycle).join(ReportingCycle.questionnaire_version).where(
            QuestionnaireVersion.questionnaire_id == version.questionnaire_id,
            ReportingCycle.questionnaire_version_id != version.id,
            ReportingCycle.status != CycleStatus.CLOSED)
        .order_by(ReportingCycle.opens_on.desc(), ReportingCycle.id.desc())))


def publish_draft(version: QuestionnaireVersion, *, actor: User | None, change_note: str = "",
                  cycles: Sequence[ReportingCycle] = ()) -> list[MoveImpact]:
    """Publish a draft (the previously published version retires) and move ``cycles`` to
    it; their answers carry over as :func:`survey.cycles.services.move_to_version` says.
    Returns the move's impact for each cycle.

    :raises DomainError: the version is not a draft, or a cycle cannot move to it
    """
    _check_draft(version)
    # All or nothing: a cycle that cannot move leaves the draft a draft.
    with db.session.begin_nested():
        if change_note.strip():
            version.change_note = change_note.strip()
            db.session.flush()
        publish_version(version, actor=actor)
        return [move_to_version(cycle, version, actor=actor) for cycle in cycles]
