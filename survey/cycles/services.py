"""Reporting cycles: creating, opening and closing them, deadlines, and moving a cycle to a
new questionnaire version.

Answers are stored by question key, so a cycle that moves to a new version keeps every
answer: those to questions the new version no longer asks stay, read-only, and are still
exported; those whose choice is no longer offered (or no longer fits the question) are
flagged for the State to review. Nothing a State wrote is deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from survey.auth.models import User
from survey.core.audit import record_event
from survey.core.db import db
from survey.core.errors import DomainError
from survey.core.i18n import day
from survey.cycles.models import CycleStatus, ReportingCycle
from survey.questionnaires.models import (
    Paragraph,
    Question,
    QuestionnaireVersion,
    QuestionType,
    Section,
    VersionStatus,
)
from survey.questionnaires.outline import (
    SOURCE_LANGUAGE,
    Option,
    Outline,
    QuestionItem,
    outline_of,
)
from survey.responses.models import Answer, Response
from survey.states.models import State

# Answers updated per statement when flagging (keeps IN lists well under every limit).
_BATCH = 500


def _snapshot(cycle: ReportingCycle) -> dict:
    return {"name": cycle.name, "slug": cycle.slug, "status": cycle.status.value,
            "opens_on": cycle.opens_on.isoformat(), "closes_on": cycle.closes_on.isoformat(),
            "questionnaire_version_id": cycle.questionnaire_version_id}


def create_cycle(name: str, slug: str, version: QuestionnaireVersion, opens_on: date,
                 closes_on: date, *, actor: User | None) -> ReportingCycle:
    """:raises DomainError: the dates are out of order, the slug is taken, or the version
    is not published"""
    if closes_on < opens_on:
        raise DomainError(_("The closing date must not be before the opening date."))
    if version.status is not VersionStatus.PUBLISHED:
        raise DomainError(_("A reporting cycle can only use a published questionnaire version."))
    if db.session.scalar(sa.select(ReportingCycle.id).where(ReportingCycle.slug == slug)):
        raise DomainError(_("A reporting cycle with the short name “%(slug)s” exists already.",
                            slug=slug))
    cycle = ReportingCycle(name=name, slug=slug, questionnaire_version=version,
                           opens_on=opens_on, closes_on=closes_on, status=CycleStatus.PLANNED)
    db.session.add(cycle)
    db.session.flush()
    record_event("cycle.created", "cycle", cycle.id, actor=actor, after=_snapshot(cycle))
    return cycle


def update_cycle(cycle: ReportingCycle, name: str, opens_on: date, closes_on: date, *,
                 actor: User | None) -> None:
    """Rename the cycle or change its dates (the short name stays: files carry it).

    :raises DomainError: the dates are out of order
    """
    if closes_on < opens_on:
        raise DomainError(_("The closing date must not be before the opening date."))
    before = _snapshot(cycle)
    renamed = cycle.name != name.strip()
    cycle.name, cycle.opens_on, cycle.closes_on = name.strip(), opens_on, closes_on
    if renamed:
        # The reports print the cycle's name (cover, footers, metadata): stored ones are
        # out of date.
        db.session.execute(
            sa.update(Response).where(Response.cycle_id == cycle.id)
            .values(revision=Response.revision + 1).execution_options(synchronize_session=False))
    db.session.flush()
    after = _snapshot(cycle)
    if after != before:
        record_event("cycle.updated", "cycle", cycle.id, actor=actor, before=before, after=after)


def ensure_responses(cycle: ReportingCycle) -> int:
    """Give every State a response to the cycle (not started); returns how many were new."""
    missing = db.session.scalars(
        sa.select(State.id).where(~sa.exists().where(
            Response.state_id == State.id, Response.cycle_id == cycle.id))).all()
    db.session.add_all(Response(cycle_id=cycle.id, state_id=state_id) for state_id in missing)
    db.session.flush()
    return len(missing)


def open_cycle(cycle: ReportingCycle, *, actor: User | None) -> None:
    """Open a planned cycle (or reopen a closed one) and give every State a response.

    :raises DomainError: it is open already, or another cycle of the questionnaire is open
    """
    if cycle.status is CycleStatus.OPEN:
        raise DomainError(_("The reporting cycle is open already."))
    other = db.session.scalar(
        sa.select(ReportingCycle).join(ReportingCycle.questionnaire_version).where(
            ReportingCycle.status == CycleStatus.OPEN, ReportingCycle.id != cycle.id,
            QuestionnaireVersion.questionnaire_id
            == cycle.questionnaire_version.questionnaire_id).limit(1))
    if other is not None:
        raise DomainError(_("Close the reporting cycle “%(name)s” first: States answer one "
                            "cycle at a time.", name=other.name))
    before = _snapshot(cycle)
    cycle.status = CycleStatus.OPEN
    ensure_responses(cycle)
    record_event("cycle.opened", "cycle", cycle.id, actor=actor, before=before,
                 after=_snapshot(cycle))


def close_cycle(cycle: ReportingCycle, *, actor: User | None) -> None:
    """Lock editing for every State (except those with an extended deadline).

    :raises DomainError: the cycle is not open
    """
    if cycle.status is not CycleStatus.OPEN:
        raise DomainError(_("Only an open reporting cycle can be closed."))
    before = _snapshot(cycle)
    cycle.status = CycleStatus.CLOSED
    db.session.flush()
    record_event("cycle.closed", "cycle", cycle.id, actor=actor, before=before,
                 after=_snapshot(cycle))


def extend_deadline(response: Response, until: date | None, *, actor: User,
                    today: date | None = None, field: str = "extended_until") -> None:
    """Let one State edit until ``until`` even after the cycle closes (None: no extension).

    :raises DomainError: the date has passed, or is not after the cycle's own deadline (about
        the form field ``field``)
    """
    today = today or date.today()
    closes_on = response.cycle.closes_on
    if until is not None:
        if closes_on < today and until < today:
            raise DomainError(_("Choose a date from today on."), field=field)
        # An "extension" to before the deadline every State has would shorten this State's
        # time, and its pages would show the earlier day as its deadline.
        if until <= closes_on:
            raise DomainError(_("Choose a day after the cycle's deadline, %(day)s: an "
                                "extension gives the State more time than the others.",
                                day=day(closes_on)), field=field)
    before = response.extended_until
    response.extended_until = until
    db.session.flush()
    record_event("response.deadline_extended", "response", response.id, actor=actor,
                 state_id=response.state_id,
                 before={"extended_until": before.isoformat() if before else None},
                 after={"extended_until": until.isoformat() if until else None})


def current_cycle() -> ReportingCycle | None:
    """The open cycle (the latest if several), else the latest closed one."""
    return db.session.scalar(
        sa.select(ReportingCycle).where(ReportingCycle.status != CycleStatus.PLANNED)
        .order_by((ReportingCycle.status == CycleStatus.OPEN).desc(),
                  ReportingCycle.opens_on.desc(), ReportingCycle.id.desc()).limit(1))


# --- moving a cycle to another questionnaire version --------------------------------------

def answer_fits(question: QuestionItem, value: Any) -> bool:
    """Whether a stored answer is still a valid answer to the question as it now stands
    (its options, type and maximum length); an empty answer always fits."""
    if value in (None, "", []):
        return True
    match question.type:
        case QuestionType.SINGLE_CHOICE:
            return isinstance(value, str) and value in question.option_values
        case QuestionType.MULTIPLE_CHOICE:
            return isinstance(value, list) and all(
                isinstance(v, str) and v in question.option_values for v in value)
        case QuestionType.NUMBER:
            return isinstance(value, int | float) and not isinstance(value, bool)
        case QuestionType.DATE:
            if not isinstance(value, str):
                return False
            try:
                date.fromisoformat(value)
            except ValueError:
                return False
            return True
        case _:
            return isinstance(value, str) and (
                question.max_length is None or len(value) <= question.max_length)


def _answer_shape_changed(old: QuestionItem, new: QuestionItem) -> bool:
    """Whether an answer valid for ``old`` may not be valid for ``new``."""
    if old.type is not new.type:
        return True
    if old.is_choice and not set(old.option_values) <= set(new.option_values):
        return True
    return new.max_length is not None and (old.max_length is None
                                           or new.max_length < old.max_length)


@dataclass(frozen=True)
class MoveImpact:
    """What moving a cycle to a version does to the answers already given."""

    retired_keys: tuple[str, ...]  # answered questions the new version no longer asks
    retired_answers: int  # answers to them (kept, read-only, exported)
    flagged_answers: int  # answers that no longer fit and will ask the State to review
    responses_affected: int  # responses with at least one flagged answer


def _cycle_answers(cycle: ReportingCycle) -> sa.Select:
    return sa.select(Answer).join(Response, Answer.response_id == Response.id).where(
        Response.cycle_id == cycle.id)


def _misfits(cycle: ReportingCycle, old: Outline | None,
             new: Outline) -> list[tuple[int, int, str]]:
    """(answer id, response id, key) of the cycle's answers that do not fit ``new``; only the
    questions whose shape changed since ``old`` are read (all of them without ``old``)."""
    keys = [key for key, question in new.questions_by_key.items()
            if old is None or (key in old.questions_by_key
                               and _answer_shape_changed(old.questions_by_key[key], question))]
    if old is not None:  # a question asked again after a version without it
        keys += [key for key in new.questions_by_key if key not in old.questions_by_key]
    misfits = []
    for start in range(0, len(keys), _BATCH):
        batch = keys[start:start + _BATCH]
        rows = db.session.execute(
            sa.select(Answer.id, Answer.response_id, Answer.question_key, Answer.value)
            .join(Response, Answer.response_id == Response.id)
            .where(Response.cycle_id == cycle.id, Answer.question_key.in_(batch))
            .execution_options(yield_per=1000))
        for answer_id, response_id, key, value in rows:
            if not answer_fits(new.questions_by_key[key], value):
                misfits.append((answer_id, response_id, key))
    return misfits


def _refitted(cycle: ReportingCycle, new: Outline) -> list[int]:
    """Ids of the cycle's flagged answers that fit ``new`` (a question it asks)."""
    rows = db.session.execute(
        sa.select(Answer.id, Answer.question_key, Answer.value)
        .join(Response, Answer.response_id == Response.id)
        .where(Response.cycle_id == cycle.id, Answer.needs_review.is_(True)))
    return [answer_id for answer_id, key, value in rows
            if key in new.questions_by_key and answer_fits(new.questions_by_key[key], value)]


def _retired_counts(cycle: ReportingCycle, new: Outline) -> dict[str, int]:
    """Answers (given, not cleared) to questions ``new`` does not ask, by key."""
    rows = db.session.execute(
        sa.select(Answer.question_key, sa.func.count())
        .join(Response, Answer.response_id == Response.id)
        .where(Response.cycle_id == cycle.id, answered_clause())
        .group_by(Answer.question_key))
    return {key: n for key, n in rows if key not in new.questions_by_key}


def answered_clause() -> sa.ColumnElement[bool]:
    """SQL for "the answer holds a value" (not null, empty text or an empty list), the same
    rule as survey.responses.services.is_answered, on SQLite and PostgreSQL alike."""
    text = sa.cast(Answer.value, sa.Text)
    return sa.and_(Answer.value.is_not(None), text.not_in(["null", '""', "[]"]))


def move_impact(cycle: ReportingCycle, version: QuestionnaireVersion) -> MoveImpact:
    """What :func:`move_to_version` would do, for the page that asks to confirm it."""
    old, new = outline_of(cycle.questionnaire_version), outline_of(version)
    retired = _retired_counts(cycle, new)
    misfits = _misfits(cycle, old, new)
    return MoveImpact(retired_keys=tuple(sorted(retired)), retired_answers=sum(retired.values()),
                      flagged_answers=len(misfits),
                      responses_affected=len({response_id for _, response_id, _ in misfits}))


def move_to_version(cycle: ReportingCycle, version: QuestionnaireVersion, *,
                    actor: User | None) -> MoveImpact:
    """Make the cycle's States answer ``version`` from now on. Answers carry over by key;
    answers to questions no longer asked are kept (read-only, exported); answers that no
    longer fit their question (a choice no longer offered, another type, too long) are kept
    as they are and flagged for the State to review.

    :raises DomainError: the version is not published, belongs to another questionnaire,
        or is the cycle's version already
    """
    current = cycle.questionnaire_version
    if version.status is not VersionStatus.PUBLISHED:
        raise DomainError(_("A reporting cycle can only use a published questionnaire version."))
    if version.questionnaire_id != current.questionnaire_id:
        raise DomainError(_("Answers carry over only between versions of one questionnaire."))
    if version.id == current.id:
        raise DomainError(_("The reporting cycle uses this version already."))
    old, new = outline_of(current), outline_of(version)
    retired = _retired_counts(cycle, new)
    misfits = _misfits(cycle, old, new)
    ids = [answer_id for answer_id, _, _ in misfits]
    for start in range(0, len(ids), _BATCH):
        db.session.execute(
            sa.update(Answer).where(Answer.id.in_(ids[start:start + _BATCH]))
            .values(needs_review=True).execution_options(synchronize_session=False))
    # An answer flagged by an earlier move that fits again (its option is offered again)
    # needs no review any more: the State could not clear the flag by saving it unchanged.
    refitted = _refitted(cycle, new)
    for start in range(0, len(refitted), _BATCH):
        db.session.execute(
            sa.update(Answer).where(Answer.id.in_(refitted[start:start + _BATCH]))
            .values(needs_review=False).execution_options(synchronize_session=False))
    before = _snapshot(cycle)
    cycle.questionnaire_version = version
    # Every report shows the questionnaire's wording: the cached ones are out of date.
    db.session.execute(
        sa.update(Response).where(Response.cycle_id == cycle.id)
        .values(revision=Response.revision + 1).execution_options(synchronize_session=False))
    db.session.flush()
    db.session.expire_all()

    flagged_by_response: dict[int, list[str]] = {}
    for _answer_id, response_id, key in misfits:
        flagged_by_response.setdefault(response_id, []).append(key)
    impact = MoveImpact(retired_keys=tuple(sorted(retired)),
                        retired_answers=sum(retired.values()), flagged_answers=len(misfits),
                        responses_affected=len(flagged_by_response))
    record_event("cycle.version_changed", "cycle", cycle.id, actor=actor, before=before,
                 after={**_snapshot(cycle), "from_version": current.number,
                        "to_version": version.number, "retired_keys": list(impact.retired_keys),
                        "retired_answers": impact.retired_answers,
                        "flagged_answers": impact.flagged_answers})
    if flagged_by_response:
        states = dict(db.session.execute(sa.select(Response.id, Response.state_id).where(
            Response.id.in_(list(flagged_by_response)))).all())
        for response_id, keys in flagged_by_response.items():
            record_event("response.answers_flagged", "response", response_id, actor=actor,
                         state_id=states[response_id],
                         after={"questionnaire_version": version.number,
                                "question_keys": sorted(keys)})
    return impact


# --- answers outside the questionnaire as it now stands -----------------------------------

@dataclass(frozen=True)
class EarlierAnswer:
    """An answer to a question no longer asked, or one whose choice is no longer offered,
    worded as the version in which it was given asked it."""

    key: str
    label: str
    paragraph_number: int | None
    section_title: str | None
    # The top-level section that asks it now (its page), None for a question no longer asked.
    section_key: str | None
    value: Any
    text: str  # the value as read: option labels, lists joined with "; "
    updated_at: datetime
    updated_by: str | None
    label_lang: str = SOURCE_LANGUAGE
    # The language of ``text`` when it is option labels (as stored); None when it is the
    # respondent's own words.
    text_lang: str | None = None


@dataclass(frozen=True)
class StaleAnswers:
    retired: list[EarlierAnswer]  # questions the cycle's version no longer asks
    flagged: list[EarlierAnswer]  # still asked, but the answer needs the State's review

    def __bool__(self) -> bool:
        return bool(self.retired or self.flagged)


@dataclass(frozen=True)
class EarlierQuestion:
    """A question as the latest version that asked it had it."""

    key: str
    label: str
    type: QuestionType
    options: tuple[Option, ...]
    paragraph_number: int | None
    section_key: str  # the top-level section
    section_title: str
    version_number: int
    # Options that older versions offered and this one does not (the newest label of each):
    # an answer flagged after two changes of the options still reads as it was chosen.
    former_options: tuple[Option, ...] = ()

    def option_label(self, value: str) -> str:
        return next((o.label for o in (*self.options, *self.former_options)
                     if o.value == value), value)


def earlier_questions(version: QuestionnaireVersion, keys: Iterable[str],
                      *, exclude_version: bool = True) -> dict[str, EarlierQuestion]:
    """The latest wording of each question key in the questionnaire's other versions
    (or in any version, the given one included, with ``exclude_version=False``), under
    its top-level section, with the options older versions offered besides."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    parent = aliased(Section)
    rows_by_key: dict[str, list[sa.Row]] = {}
    for start in range(0, len(keys), _BATCH):
        query = (
            sa.select(Question.key, Question.label, Question.type, Question.options,
                      Paragraph.number, sa.func.coalesce(parent.key, Section.key),
                      sa.func.coalesce(parent.title, Section.title),
                      QuestionnaireVersion.number)
            .join(QuestionnaireVersion, Question.version_id == QuestionnaireVersion.id)
            .join(Section, Question.section_id == Section.id)
            .outerjoin(parent, Section.parent_id == parent.id)
            .outerjoin(Paragraph, Question.paragraph_id == Paragraph.id)
            .where(QuestionnaireVersion.questionnaire_id == version.questionnaire_id,
                   Question.key.in_(keys[start:start + _BATCH]))
            .order_by(QuestionnaireVersion.number.desc()))
        if exclude_version:
            query = query.where(QuestionnaireVersion.id != version.id)
        for row in db.session.execute(query):
            rows_by_key.setdefault(row[0], []).append(row)
    found: dict[str, EarlierQuestion] = {}
    for key, rows in rows_by_key.items():
        latest, *older = rows
        options = tuple(Option(o["value"], o["label"]) for o in latest[3] or [])
        seen = {o.value for o in options}
        former = []
        for row in older:
            for o in row[3] or []:
                if o["value"] not in seen:
                    seen.add(o["value"])
                    former.append(Option(o["value"], o["label"]))
        found[key] = EarlierQuestion(
            key=key, label=latest[1], type=latest[2], options=options,
            paragraph_number=latest[4], section_key=latest[5], section_title=latest[6],
            version_number=latest[7], former_options=tuple(former))
    return found


def value_text(question: QuestionItem | EarlierQuestion | None, value: Any) -> str:
    """An answer as people read it: option labels, lists joined with "; "."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(question.option_label(v) if question else str(v) for v in value)
    if isinstance(value, str) and question is not None and question.type.is_choice:
        return question.option_label(value)
    return str(value)


def stale_answers(response: Response, outline: Outline | None = None) -> StaleAnswers:
    """The response's answers to questions its cycle's version no longer asks, and those
    flagged for review, each with the wording it was given under. Usually one light query."""
    version = response.cycle.questionnaire_version
    outline = outline or outline_of(version)
    rows = db.session.execute(
        sa.select(Answer.question_key, Answer.needs_review, answered_clause())
        .where(Answer.response_id == response.id)).all()
    retired_keys = {key for key, _flag, answered in rows
                    if answered and key not in outline.questions_by_key}
    flagged_keys = {key for key, flag, answered in rows
                    if flag and answered and key in outline.questions_by_key}
    if not retired_keys and not flagged_keys:
        return StaleAnswers([], [])
    details = db.session.execute(
        sa.select(Answer.question_key, Answer.value, Answer.updated_at, User.display_name)
        .outerjoin(User, Answer.updated_by_id == User.id)
        .where(Answer.response_id == response.id,
               Answer.question_key.in_(sorted(retired_keys | flagged_keys)))).all()
    earlier = earlier_questions(version, retired_keys | flagged_keys)

    def item(key: str, value: Any, updated_at: datetime, by: str | None) -> EarlierAnswer:
        old = earlier.get(key)
        current = outline.questions_by_key.get(key)
        label = current.label if current else (old.label if old else key)
        paragraph = current.paragraph_number if current else (old.paragraph_number if old else None)
        section = (outline.sections_by_key[current.section_key].title if current
                   else old.section_title if old else None)
        # The earlier wording names options the current version may have dropped.
        asked = old or current
        return EarlierAnswer(key=key, label=label, paragraph_number=paragraph,
                             section_title=section,
                             section_key=(outline.top_level(current.section_key).key
                                          if current else None), value=value,
                             text=value_text(asked, value), updated_at=updated_at,
                             updated_by=by,
                             label_lang=current.label_lang if current else SOURCE_LANGUAGE,
                             text_lang=SOURCE_LANGUAGE if asked and asked.type.is_choice
                             else None)

    order = _reading_order(outline, earlier)
    retired, flagged = [], []
    for key, value, updated_at, by in sorted(details, key=lambda r: order(r[0])):
        (retired if key in retired_keys else flagged).append(item(key, value, updated_at, by))
    return StaleAnswers(retired, flagged)


def _reading_order(outline: Outline, earlier: Mapping[str, EarlierQuestion]):
    positions = {key: index for index, key in enumerate(outline.questions_by_key)}

    def order(key: str) -> tuple[int, int, str]:
        if key in positions:
            return (0, positions[key], key)
        old = earlier.get(key)
        return (1, old.paragraph_number or 0 if old else 0, key)

    return order
