"""A questionnaire version as plain, immutable objects: sections → paragraphs → questions.

Pages, progress, reports and exports all read the questionnaire through an
:class:`Outline`. A published version never changes, so its outline is built once per
process (three queries) and kept; drafts are read afresh every time.

A version's texts are in English (SOURCE_LANGUAGE); the States' pages show
:func:`survey.questionnaires.localized.localized` outlines, in which each text carries the
language it is in.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from survey.core.db import db
from survey.questionnaires.models import (
    Paragraph,
    Question,
    QuestionnaireVersion,
    QuestionType,
    Section,
    SectionKind,
    VersionStatus,
)

# The language of the texts a version stores: the declaration's, and its questions'.
SOURCE_LANGUAGE = "en"


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    lang: str = SOURCE_LANGUAGE  # the label's language


def condition_holds(condition: tuple[str, frozenset[str]] | None,
                    answers: Mapping[str, Any]) -> bool:
    """Whether a question with this condition (the key of another question and the answers
    to it that make it asked) is asked, given the answers."""
    if condition is None:
        return True
    key, accepted = condition
    value = answers.get(key)
    chosen = set(value) if isinstance(value, list) else {value}
    return bool(chosen & accepted)


@dataclass(frozen=True)
class QuestionItem:
    key: str
    type: QuestionType
    label: str
    help: str
    required: bool
    options: tuple[Option, ...]
    # (question key, accepted option values): shown and required only when it holds.
    condition: tuple[str, frozenset[str]] | None
    max_length: int | None
    section_key: str
    paragraph_number: int | None
    label_lang: str = SOURCE_LANGUAGE
    help_lang: str = SOURCE_LANGUAGE

    @property
    def is_choice(self) -> bool:
        return self.type.is_choice

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(option.value for option in self.options)

    def option_label(self, value: str) -> str:
        return self.option(value).label

    def option(self, value: str) -> Option:
        """The option of this value (one named by the value itself if none is offered)."""
        for option in self.options:
            if option.value == value:
                return option
        return Option(value, value)

    def applies(self, answers: Mapping[str, Any]) -> bool:
        """Whether the question is asked, given the other answers (its condition)."""
        return condition_holds(self.condition, answers)

    def is_required(self, answers: Mapping[str, Any]) -> bool:
        return self.required and self.applies(answers)


@dataclass(frozen=True)
class ParagraphItem:
    number: int
    text: str
    footnotes: tuple[tuple[int, str], ...]
    actionable: bool
    actionable_reason: str
    section_key: str
    questions: tuple[QuestionItem, ...]

    @property
    def anchor(self) -> str:
        return f"p{self.number}"

    @property
    def lang(self) -> str:
        """The language of its text and footnotes: the declaration has no other here."""
        return SOURCE_LANGUAGE


@dataclass(frozen=True)
class SectionItem:
    key: str
    title: str
    kind: SectionKind
    parent_key: str | None
    # Paragraphs directly under this heading (not those of its subsections).
    paragraphs: tuple[ParagraphItem, ...]
    # Questions not tied to a paragraph (the general part).
    own_questions: tuple[QuestionItem, ...]
    subsections: tuple[SectionItem, ...] = ()
    title_lang: str = SOURCE_LANGUAGE

    def all_paragraphs(self) -> Iterator[ParagraphItem]:
        yield from self.paragraphs
        for subsection in self.subsections:
            yield from subsection.all_paragraphs()

    def all_questions(self) -> Iterator[QuestionItem]:
        yield from self.own_questions
        for paragraph in self.paragraphs:
            yield from paragraph.questions
        for subsection in self.subsections:
            yield from subsection.all_questions()

    @property
    def has_questions(self) -> bool:
        return next(self.all_questions(), None) is not None

    @property
    def anchor(self) -> str:
        return "s-" + self.key.replace(".", "-")


@dataclass(frozen=True)
class Outline:
    version_id: int
    version_number: int
    status: VersionStatus
    title: str
    preamble: tuple[str, ...]
    sections: tuple[SectionItem, ...]  # top level, in order
    sections_by_key: Mapping[str, SectionItem] = field(repr=False)
    questions_by_key: Mapping[str, QuestionItem] = field(repr=False)
    paragraphs_by_number: Mapping[int, ParagraphItem] = field(repr=False)
    # Its translations by language, made once (survey.questionnaires.localized); a copy made
    # with dataclasses.replace starts without any.
    translations: dict[str, Outline] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def answerable_sections(self) -> list[SectionItem]:
        """The top-level sections that have questions, in order (what States fill in)."""
        return [section for section in self.sections if section.has_questions]

    def questions(self) -> Iterator[QuestionItem]:
        for section in self.sections:
            yield from section.all_questions()

    def top_level(self, section_key: str) -> SectionItem:
        section = self.sections_by_key[section_key]
        return self.sections_by_key[section.parent_key] if section.parent_key else section

    def status_scale(self) -> tuple[Option, ...]:
        """The implementation statuses a paragraph can be given (the options of the
        ``pN.status`` questions), in the questionnaire's order: what reports count and
        chart, whatever the secretariat made of the generated scale.

        A status worded differently in some paragraphs (renamed in only some of them) is
        labelled with each wording, first used first: "Not yet implemented / Not
        implemented yet", as the States read it somewhere, not just the first paragraph's.
        """
        wordings: dict[str, list[Option]] = {}
        for paragraph in self.paragraphs_by_number.values():
            question = self.questions_by_key.get(f"p{paragraph.number}.status")
            if question is not None and question.is_choice:
                for option in question.options:
                    found = wordings.setdefault(option.value, [])
                    if all(o.label != option.label for o in found):
                        found.append(option)
        return tuple(found[0] if len(found) == 1 else _several_wordings(found)
                     for found in wordings.values())


def _several_wordings(options: list[Option]) -> Option:
    languages = {o.lang for o in options}
    # Of mixed languages (a translated wording and an English one): none said for the whole.
    return Option(options[0].value, " / ".join(o.label for o in options),
                  languages.pop() if len(languages) == 1 else "")


# Keyed by (id, publication time): the pair names one immutable version for good.
_cache: dict[tuple[int, Any], Outline] = {}
_cache_lock = threading.Lock()


def outline_of(version: QuestionnaireVersion) -> Outline:
    """The outline of a questionnaire version (kept once the version is published)."""
    if version.status is VersionStatus.DRAFT:
        return _build(version)
    cache_key = (version.id, version.published_at)
    cached = _cache.get(cache_key)
    if cached is None:
        cached = _build(version)
        with _cache_lock:
            _cache[cache_key] = cached
    return cached


def _build(version: QuestionnaireVersion) -> Outline:
    version_id = version.id
    sections = db.session.scalars(
        sa.select(Section).where(Section.version_id == version_id).order_by(Section.position)
    ).all()
    paragraphs = db.session.scalars(
        sa.select(Paragraph).where(Paragraph.version_id == version_id)
        .order_by(Paragraph.position)).all()
    questions = db.session.scalars(
        sa.select(Question).where(Question.version_id == version_id)
        .order_by(Question.position)).all()

    section_key_by_id = {s.id: s.key for s in sections}
    paragraph_number_by_id = {p.id: p.number for p in paragraphs}
    question_items: dict[int | None, list[QuestionItem]] = {}
    general_items: dict[str, list[QuestionItem]] = {}
    questions_by_key = {}
    for q in questions:
        condition = None
        if q.condition:
            condition = (q.condition["question"], frozenset(q.condition["in"]))
        item = QuestionItem(
            key=q.key, type=q.type, label=q.label, help=q.help, required=q.required,
            options=tuple(Option(o["value"], o["label"]) for o in q.options),
            condition=condition, max_length=q.max_length,
            section_key=section_key_by_id[q.section_id],
            paragraph_number=paragraph_number_by_id.get(q.paragraph_id))
        questions_by_key[q.key] = item
        if q.paragraph_id is None:
            general_items.setdefault(item.section_key, []).append(item)
        else:
            question_items.setdefault(q.paragraph_id, []).append(item)

    paragraph_items: dict[str, list[ParagraphItem]] = {}
    paragraphs_by_number = {}
    for p in paragraphs:
        item = ParagraphItem(
            number=p.number, text=p.text,
            footnotes=tuple((f["number"], f["text"]) for f in p.footnotes),
            actionable=p.actionable, actionable_reason=p.actionable_reason,
            section_key=section_key_by_id[p.section_id],
            questions=tuple(question_items.get(p.id, ())))
        paragraph_items.setdefault(item.section_key, []).append(item)
        paragraphs_by_number[p.number] = item

    def section_item(section: Section, children: list[Section]) -> SectionItem:
        return SectionItem(
            key=section.key, title=section.title, kind=section.kind,
            parent_key=section_key_by_id.get(section.parent_id),
            paragraphs=tuple(paragraph_items.get(section.key, ())),
            own_questions=tuple(general_items.get(section.key, ())),
            subsections=tuple(section_item(c, []) for c in children))

    children_of: dict[int, list[Section]] = {}
    for s in sections:
        if s.parent_id is not None:
            children_of.setdefault(s.parent_id, []).append(s)
    top = [section_item(s, children_of.get(s.id, [])) for s in sections if s.parent_id is None]
    by_key = {}
    for s in top:
        by_key[s.key] = s
        for sub in s.subsections:
            by_key[sub.key] = sub
    return Outline(
        version_id=version.id, version_number=version.number, status=version.status,
        title=version.title, preamble=tuple(version.preamble), sections=tuple(top),
        sections_by_key=by_key, questions_by_key=questions_by_key,
        paragraphs_by_number=paragraphs_by_number)
