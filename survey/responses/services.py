"""Answering a questionnaire: saving answers without lost updates, progress, sign-off.

Every save names the revision of each answer it was based on (a *base token*,
``"<revision>:<digest of the value>"``). An answer that someone else changed since is not
overwritten: the save reports a conflict with both versions and the user chooses. Answers
that did not conflict are saved. Services flush; the caller's unit of work commits.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, g, has_request_context
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from survey.auth.models import ContributorSection, Role, User
from survey.core.access import may_edit_section
from survey.core.audit import AuditEvent, record_event
from survey.core.db import db, utcnow
from survey.core.errors import DomainError
from survey.core.text import clean_name
from survey.cycles.models import CycleStatus
from survey.cycles.services import answered_clause, extend_deadline
from survey.questionnaires.models import QuestionType
from survey.questionnaires.outline import (
    Outline,
    ParagraphItem,
    QuestionItem,
    SectionItem,
    outline_of,
)
from survey.responses.models import Answer, Response, ResponseStatus

LOCKED_STATUSES = (ResponseStatus.SUBMITTED, ResponseStatus.ACCEPTED)


# --- values ---------------------------------------------------------------------------------

def is_answered(value: Any) -> bool:
    return value not in (None, "", [])


def value_digest(value: Any) -> str:
    encoded = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


def base_token(revision: int, value: Any) -> str:
    """What a page remembers about an answer it showed: its revision and its value."""
    return f"{revision}:{value_digest(value)}"


def answer_token(answer: Answer | None) -> str:
    return base_token(0, None) if answer is None else base_token(answer.revision, answer.value)


def _parse_token(token: str | None) -> tuple[int, str] | None:
    try:
        revision, digest = (token or "").split(":", 1)
        return int(revision), digest
    except ValueError:
        return None


class InvalidAnswer(ValueError):
    """The value cannot be an answer to the question; the message says why."""


def clean_value(question: QuestionItem, raw: Any) -> Any:
    """The stored form of a submitted value (None when cleared).

    :raises InvalidAnswer: with a message for the user
    """
    settings = current_app.config["SURVEY"]
    if question.type is QuestionType.MULTIPLE_CHOICE:
        values = [raw] if isinstance(raw, str) else list(raw or [])
        values = [v for v in values if v != ""]
        unknown = [v for v in values if v not in question.option_values]
        if unknown or not all(isinstance(v, str) for v in values):
            raise InvalidAnswer(_("Choose among the options given."))
        # Keep the questionnaire's order, whatever order the browser sent.
        return [v for v in question.option_values if v in values] or None
    if isinstance(raw, list):
        raw = raw[-1] if raw else None
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise InvalidAnswer(_("This answer has an unexpected form."))
    if question.type is QuestionType.NUMBER:
        if isinstance(raw, str):
            text = raw.strip().replace(" ", "").replace("\u00a0", "")
            if text == "":
                return None
            try:
                number = float(text)
            except ValueError:
                raise InvalidAnswer(_("Enter a number, for example 1250 or 12.5.")) from None
        else:
            number = float(raw)
        if not math.isfinite(number):
            raise InvalidAnswer(_("Enter a number, for example 1250 or 12.5."))
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    text = str(raw).replace("\r\n", "\n").replace("\r", "\n")
    if text.strip() == "":
        return None
    if question.type is QuestionType.SINGLE_CHOICE:
        if text not in question.option_values:
            raise InvalidAnswer(_("Choose one of the options given."))
        return text
    if question.type is QuestionType.DATE:
        try:
            return date.fromisoformat(text.strip()).isoformat()
        except ValueError:
            raise InvalidAnswer(_("Enter a date as year-month-day, e.g. 2026-03-31.")) from None
    if question.type is QuestionType.EMAIL:
        try:
            return validate_email(text.strip(), check_deliverability=False).normalized
        except EmailNotValidError:
            raise InvalidAnswer(_("Enter an e-mail address, e.g. name@example.org.")) from None
    limit = question.max_length or (settings.LONG_TEXT_MAX_CHARS
                                    if question.type is QuestionType.LONG_TEXT
                                    else settings.TEXT_MAX_CHARS)
    if len(text) > limit:
        raise InvalidAnswer(_("This answer has %(n)s characters; the limit is %(limit)s. "
                              "Shorten it; nothing of it has been lost.",
                              n=format_number(len(text)), limit=format_number(limit)))
    if question.type is QuestionType.TEXT:
        text = text.strip()
    return text


# --- reading --------------------------------------------------------------------------------

def outline_for(response: Response) -> Outline:
    return outline_of(response.cycle.questionnaire_version)


def answers_of(response: Response, keys: Iterable[str] | None = None, *,
               with_authors: bool = False) -> dict[str, Answer]:
    """The response's answers by question key (those of ``keys`` only, if given).

    :param with_authors: load their authors in the same query (pages that show them:
        one query, however many people wrote the answers)
    """
    query = sa.select(Answer).where(Answer.response_id == response.id)
    if with_authors:
        query = query.options(joinedload(Answer.updated_by))
    if keys is not None:
        query = query.where(Answer.question_key.in_(list(keys)))
    return {a.question_key: a for a in db.session.scalars(query)}


def answer_values(response: Response) -> dict[str, Any]:
    """Every answer's value by question key, in one light query."""
    rows = db.session.execute(sa.select(Answer.question_key, Answer.value).where(
        Answer.response_id == response.id))
    return {key: value for key, value in rows}


@dataclass(frozen=True)
class SectionProgress:
    section: SectionItem
    total: int
    answered: int
    required: int
    required_answered: int

    @property
    def complete(self) -> bool:
        return self.required_answered == self.required


def section_progress(section: SectionItem, values: Mapping[str, Any]) -> SectionProgress:
    total = answered = required = required_answered = 0
    for question in section.all_questions():
        if not question.applies(values):
            continue
        total += 1
        done = is_answered(values.get(question.key))
        answered += done
        if question.required:
            required += 1
            required_answered += done
    return SectionProgress(section, total, answered, required, required_answered)


def left_to_answer(paragraph: ParagraphItem, values: Mapping[str, Any]) -> int:
    """How many of a paragraph's questions are required to submit (as the answers stand)
    and not answered yet."""
    return sum(1 for q in paragraph.questions
               if q.is_required(values) and not is_answered(values.get(q.key)))


def progress(outline: Outline, values: Mapping[str, Any]) -> list[SectionProgress]:
    return [section_progress(s, values) for s in outline.answerable_sections()]


def missing_required(outline: Outline, values: Mapping[str, Any]) -> list[QuestionItem]:
    return [q for q in outline.questions()
            if q.is_required(values) and not is_answered(values.get(q.key))]


# --- editing rules --------------------------------------------------------------------------

def lock_reason(response: Response, today: date | None = None) -> str | None:
    """Why nobody may edit the response now, or None if it is open for editing."""
    today = today or date.today()
    if response.status is ResponseStatus.SUBMITTED:
        return _("The response has been submitted. It can be edited again only if the "
                 "secretariat returns it.")
    if response.status is ResponseStatus.ACCEPTED:
        return _("The response has been accepted by the secretariat.")
    return cycle_lock_reason(response, today)


def cycle_lock_reason(response: Response, today: date | None = None) -> str | None:
    """Why the cycle's dates keep this State from editing now, whatever the response's status:
    not open yet, or closed with no later deadline for this State."""
    today = today or date.today()
    cycle = response.cycle
    if cycle.status is CycleStatus.PLANNED:
        return _("The reporting cycle has not opened yet.")
    if cycle.status is CycleStatus.CLOSED and not (
            response.extended_until and today <= response.extended_until):
        return _("The reporting cycle is closed.")
    return None


def days_to_deadline(response: Response, today: date | None = None) -> int | None:
    """Days left until the State's deadline (negative once it has passed), while the State
    may still work on its response; None once it has submitted or may not edit."""
    today = today or date.today()
    if lock_reason(response, today) is not None:
        return None
    return (response.deadline - today).days


def may_edit(user: User, response: Response, section: SectionItem) -> bool:
    return lock_reason(response) is None and may_edit_when_open(user, response, section)


def may_edit_when_open(user: User, response: Response, section: SectionItem) -> bool:
    """Whether the user may edit the section while the response is not locked."""
    return user.state_id == response.state_id and may_edit_section(
        user, section.key, section.parent_key)


# --- saving ---------------------------------------------------------------------------------

@dataclass
class Change:
    key: str
    value: Any  # as submitted (a string, a list of strings, a number or None)
    base: str  # the base token of the answer the user was looking at


@dataclass
class Conflict:
    key: str
    yours: Any
    theirs: Any
    token: str  # the current answer's token: saving again with it keeps "yours"
    changed_by: str
    changed_at: datetime | None


@dataclass
class SaveOutcome:
    saved: dict[str, str] = field(default_factory=dict)  # key -> new token
    conflicts: list[Conflict] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # key -> message
    values: dict[str, Any] = field(default_factory=dict)  # key -> stored value


def answer_object_id(response: Response, key: str) -> str:
    return f"{response.id}:{key}"


# The statements every save runs, built once: building an ORM statement per save cost more
# CPU than sending it (docs/benchmarks.md, "Autosave").
_answers = Answer.__table__
_CURRENT_ANSWERS = sa.select(
    _answers.c.question_key, _answers.c.id, _answers.c.value, _answers.c.revision,
).where(_answers.c.response_id == sa.bindparam("response_id"),
        _answers.c.question_key.in_(sa.bindparam("keys", expanding=True)))
_UPDATE_ANSWER = sa.update(_answers).where(
    _answers.c.id == sa.bindparam("answer_id"),
    _answers.c.revision == sa.bindparam("base_revision"),  # nobody saved it meanwhile
).values(value=sa.bindparam("new_value", type_=_answers.c.value.type),
         revision=sa.bindparam("new_revision"), updated_at=sa.bindparam("now"),
         updated_by_id=sa.bindparam("actor_id"), needs_review=False)
_responses = Response.__table__
_TOUCH_RESPONSE = sa.update(_responses).where(
    _responses.c.id == sa.bindparam("response_id"),
    _responses.c.status.in_(sa.bindparam("editable", expanding=True)),
).values(revision=_responses.c.revision + 1, last_activity_at=sa.bindparam("now"),
         last_activity_by_id=sa.bindparam("actor_id"))


# The statuses in which a State may change its answers (lock_reason says why the others
# may not). The statement that counts a save in the response's revision checks it again, on
# the row it locks: see _refuse_if_signed_off.
EDITABLE_STATUSES = (ResponseStatus.NOT_STARTED, ResponseStatus.IN_PROGRESS,
                     ResponseStatus.RETURNED)


def _refuse_if_signed_off(response: Response) -> None:
    """A sign-off committed while this save was writing (it holds the response's row until
    it commits; the save's last statement waits for it, then finds the status changed): the
    save's writes are undone, none of them lands after the sign-off.

    :raises DomainError: always, with the reason the response is locked
    """
    db.session.rollback()
    raise DomainError(lock_reason(response) or _("The response can no longer be edited."))


def _current_answers(response: Response, keys: Iterable[str]) -> dict[str, sa.Row]:
    """The id, value and revision of the response's answers to ``keys``, by key."""
    rows = db.session.execute(_CURRENT_ANSWERS, {"response_id": response.id,
                                                 "keys": list(keys)})
    return {row.question_key: row for row in rows}


def save_answers(response: Response, changes: Iterable[Change], *, actor: User,
                 action: str = "answer.saved") -> SaveOutcome:
    """Save the answers that changed; report conflicts and invalid values.

    :raises DomainError: the response is locked, or the user may not edit a section
    """
    reason = lock_reason(response)
    if reason:
        raise DomainError(reason)
    outline = outline_for(response)
    outcome = SaveOutcome()
    cleaned: dict[str, tuple[Any, str]] = {}
    # Asked once per section, not per answer.
    editable: dict[str, bool] = {}
    for change in changes:
        question = outline.questions_by_key.get(change.key)
        if question is None:
            outcome.errors[change.key] = _("This question is no longer in the questionnaire.")
            continue
        section = outline.sections_by_key[question.section_key]
        if section.key not in editable:
            editable[section.key] = may_edit(actor, response, section)
        if not editable[section.key]:
            raise DomainError(_("You may not edit the section “%(title)s”.", title=section.title))
        try:
            cleaned[change.key] = (clean_value(question, change.value), change.base)
        except InvalidAnswer as exc:
            outcome.errors[change.key] = str(exc)
    if not cleaned:
        return outcome

    now = utcnow()
    pending: dict[str, tuple[Any, int]] = {}  # key -> (value, the revision it was based on)
    for key, (value, token) in cleaned.items():
        base = _parse_token(token)
        if base is not None and base[1] == value_digest(value):
            continue  # the user did not change this answer (a full-form post)
        # Without a base, the user can only have seen "no answer yet".
        pending[key] = (value, base[0] if base is not None else 0)
    if not pending:
        return outcome
    if len(pending) == 1 and _saves_in_one_statement(response):
        # Autosave's case. If this does not save it, the general path below finds out why.
        key, (value, base_revision) = next(iter(pending.items()))
        written = _save_in_one_statement(response, key, value, base_revision, actor, now,
                                         action)
        if written is not None:
            outcome.saved[key] = base_token(written, value)
            outcome.values[key] = value
            return outcome

    existing = _current_answers(response, pending)
    wrote = False
    for key, (value, base_revision) in pending.items():
        current = existing.get(key)
        current_value = current.value if current else None
        current_revision = current.revision if current else 0
        if current_value == value:
            outcome.saved[key] = base_token(current_revision, value)
            outcome.values[key] = value
            continue
        if base_revision != current_revision:
            outcome.conflicts.append(_conflict(key, value, _reload(response, key)))
            continue
        written = _write(response, key, value, current, actor, now)
        if written is None:  # someone else wrote it between our read and our write
            outcome.conflicts.append(_conflict(key, value, _reload(response, key)))
            continue
        wrote = True
        outcome.saved[key] = base_token(written, value)
        outcome.values[key] = value
        record_event(action, "answer", answer_object_id(response, key), actor=actor,
                     state_id=response.state_id,
                     before={"value": current_value, "revision": current_revision},
                     after={"value": value, "revision": written})
    if wrote:
        _touch(response, actor, now)
    return outcome


def _write(response: Response, key: str, value: Any, current: sa.Row | None, actor: User,
           now: datetime) -> int | None:
    """Write one answer if nobody changed it meanwhile; returns its new revision, or None."""
    if current is not None:
        result = db.session.execute(_UPDATE_ANSWER, {
            "answer_id": current.id, "base_revision": current.revision,
            "new_value": value, "new_revision": current.revision + 1, "now": now,
            "actor_id": actor.id})
        _expire_loaded(Answer, current.id)
        return current.revision + 1 if result.rowcount == 1 else None
    try:
        with db.session.begin_nested():
            db.session.add(Answer(response_id=response.id, question_key=key, value=value,
                                  revision=1, updated_at=now, updated_by_id=actor.id))
    except sa.exc.IntegrityError:
        return None  # another save created it first
    return 1


def _saves_in_one_statement(response: Response) -> bool:
    """PostgreSQL saves one changed answer in a single statement (its writing CTEs); other
    databases take the general path. Starting a response also records an event: general path."""
    return (db.session.get_bind().dialect.name == "postgresql"
            and response.status is not ResponseStatus.NOT_STARTED)


def _one_statement_save() -> sa.Select:
    """What the general path does for one answer, as one statement for PostgreSQL: write the
    answer if it is still at the revision the user saw, record the audit event with the value
    it replaced, and count the response's revision and activity — or do nothing at all.

    Round trips, not CPU, bound autosave under load (docs/benchmarks.md, "Autosave"): this
    replaces four statements. ``tests/responses`` run on both databases check that the two
    paths leave the same answers, events and revisions.
    """
    answers, events, responses = _answers, AuditEvent.__table__, _responses
    bind = sa.bindparam
    now = bind("saved_at", type_=answers.c.updated_at.type)
    seen = (sa.select(answers.c.id, answers.c.value, answers.c.revision)
            .where(answers.c.response_id == bind("for_response"),
                   answers.c.question_key == bind("for_key"),
                   answers.c.revision == bind("seen_revision"))
            .cte("seen"))
    saved = (sa.update(answers)
             # The revision again: a save committed meanwhile makes this match no row.
             .where(answers.c.id == seen.c.id, answers.c.revision == seen.c.revision)
             .values(value=bind("new_value", type_=answers.c.value.type),
                     revision=seen.c.revision + 1, updated_at=now,
                     updated_by_id=bind("by_user"), needs_review=False)
             .returning(answers.c.id, answers.c.revision,
                        seen.c.value.label("old_value"), seen.c.revision.label("old_revision"))
             .cte("saved"))
    event = sa.insert(events).from_select(
        ["occurred_at", "actor_id", "state_id", "object_type", "object_id", "action", "before",
         "after", "request_id"],
        sa.select(now, bind("by_user", type_=sa.Integer), bind("of_state", type_=sa.Integer),
                  sa.literal("answer"), bind("event_object", type_=sa.String),
                  bind("event_action", type_=sa.String),
                  sa.func.jsonb_build_object("value", saved.c.old_value,
                                             "revision", saved.c.old_revision),
                  bind("event_after", type_=events.c.after.type),
                  bind("event_request", type_=sa.String))
        .select_from(saved)).cte("event")
    # Counted only while the response is editable: PostgreSQL checks the status again on
    # the row a concurrent sign-off committed (see _refuse_if_signed_off).
    touched = (sa.update(responses)
               .where(responses.c.id == bind("for_response"),
                      responses.c.status.in_(EDITABLE_STATUSES),
                      sa.exists(sa.select(saved.c.id)))
               .values(revision=responses.c.revision + 1, last_activity_at=now,
                       last_activity_by_id=bind("by_user"))
               .returning(responses.c.id)
               .cte("touched"))
    return sa.select(saved.c.id, saved.c.revision,
                     sa.exists(sa.select(touched.c.id)).label("counted")).add_cte(event)


_ONE_STATEMENT_SAVE = _one_statement_save()


def _save_in_one_statement(response: Response, key: str, value: Any, base_revision: int,
                           actor: User, now: datetime, action: str) -> int | None:
    """The new revision, or None if nothing was written (see _one_statement_save)."""
    row = db.session.execute(_ONE_STATEMENT_SAVE, {
        "for_response": response.id, "for_key": key, "seen_revision": base_revision,
        "new_value": value, "saved_at": now, "by_user": actor.id, "of_state": response.state_id,
        "event_object": answer_object_id(response, key), "event_action": action,
        "event_after": {"value": value, "revision": base_revision + 1},
        "event_request": g.get("request_id") if has_request_context() else None,
    }).first()
    if row is None:
        return None
    if not row.counted:
        _refuse_if_signed_off(response)
    _expire_loaded(Answer, row.id)
    db.session.expire(response)
    return row.revision


def _expire_loaded(model: type, ident: int) -> None:
    """Statements written with Core bypass the session: a copy it holds is now stale."""
    loaded = db.session.identity_map.get(db.session.identity_key(model, ident))
    if loaded is not None:
        db.session.expire(loaded)


def _reload(response: Response, key: str) -> Answer | None:
    return db.session.scalar(
        sa.select(Answer).where(Answer.response_id == response.id, Answer.question_key == key)
        .execution_options(populate_existing=True))


def _conflict(key: str, yours: Any, current: Answer | None) -> Conflict:
    author = current.updated_by.display_name if current and current.updated_by else _("someone")
    return Conflict(key=key, yours=yours, theirs=current.value if current else None,
                    token=answer_token(current), changed_by=author,
                    changed_at=current.updated_at if current else None)


def _touch(response: Response, actor: User, now: datetime) -> None:
    """Record activity; a single SQL increment so concurrent saves never lose a revision."""
    if response.status is ResponseStatus.NOT_STARTED:
        started = db.session.execute(
            sa.update(Response)
            # Only the first of two concurrent first saves starts it (and says so once).
            .where(Response.id == response.id, Response.status == ResponseStatus.NOT_STARTED)
            .values(status=ResponseStatus.IN_PROGRESS)
            .execution_options(synchronize_session=False))
        if started.rowcount == 1:
            record_event("response.started", "response", response.id, actor=actor,
                         state_id=response.state_id, before={"status": "not_started"},
                         after={"status": "in_progress"})
    counted = db.session.execute(_TOUCH_RESPONSE, {
        "response_id": response.id, "now": now, "actor_id": actor.id,
        "editable": list(EDITABLE_STATUSES)})
    if counted.rowcount != 1:
        _refuse_if_signed_off(response)
    db.session.expire(response)


# --- history --------------------------------------------------------------------------------

def answer_history(response: Response, key: str) -> list[AuditEvent]:
    """Every saved version of one answer, newest first."""
    return list(db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.object_type == "answer",
            AuditEvent.object_id == answer_object_id(response, key),
            AuditEvent.action.in_(("answer.saved", "answer.restored")))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())))


def restore_answer(response: Response, key: str, event_id: int, *, actor: User,
                   base: str | None = None) -> SaveOutcome:
    """Make an earlier version of an answer the current one (a new revision).

    :param base: the token of the answer as the user saw it when choosing the version (the
        history page's); an answer saved since then makes a conflict, not a silent
        overwrite. Without it, the answer as it is now.
    :raises DomainError: the version is not one of this answer's, or the response is locked
    """
    event = db.session.get(AuditEvent, event_id)
    if event is None or event.object_type != "answer" \
            or event.object_id != answer_object_id(response, key):
        raise DomainError(_("This version does not belong to this answer."))
    if base is None:
        base = answer_token(_reload(response, key))
    value = (event.after or {}).get("value")
    return save_answers(response, [Change(key, value, base)], actor=actor,
                        action="answer.restored")


# --- sign-off and review --------------------------------------------------------------------

class IncompleteResponse(DomainError):
    """Required answers are missing, or answers flagged when the questionnaire changed
    (an option no longer offered) still await the State's review."""

    def __init__(self, missing: list[QuestionItem], to_review: list[str] | None = None) -> None:
        super().__init__(_("Some required questions are not answered yet.") if missing else
                         _("Some answers no longer fit the questionnaire and need review."))
        self.missing = missing
        self.to_review = to_review or []


def answers_to_review(response: Response, outline: Outline) -> list[str]:
    """Keys of the answers flagged when the cycle moved to a new version (they no longer fit
    their question) and not changed since, for questions the version still asks."""
    keys = db.session.scalars(sa.select(Answer.question_key).where(
        Answer.response_id == response.id, Answer.needs_review.is_(True), answered_clause()))
    return sorted(key for key in keys if key in outline.questions_by_key)


@dataclass(frozen=True)
class Authorisation:
    """Who authorised the submission for the Government: name and title or function."""

    name: str
    title: str


def submit(response: Response, *, actor: User,
           authorised_by: Authorisation | None = None) -> None:
    """Sign off and submit on behalf of the State; the response is locked afterwards.

    :param authorised_by: the official who authorised it (None: the focal point, unnamed)
    :raises IncompleteResponse: required answers are missing, or flagged answers await
        review (listed)
    :raises DomainError: the response is locked, or the user is not the focal point
    """
    if actor.role is not Role.FOCAL_POINT or actor.state_id != response.state_id:
        raise DomainError(_("Only the national focal point can submit the response."))
    # Saves in progress finish first, and none starts until this commits: the answers
    # checked below are the ones signed off.
    db.session.execute(sa.select(Response.id).where(Response.id == response.id)
                       .with_for_update())
    db.session.refresh(response)
    reason = lock_reason(response)
    if reason:
        raise DomainError(reason)
    outline = outline_for(response)
    missing = missing_required(outline, answer_values(response))
    to_review = answers_to_review(response, outline)
    if missing or to_review:
        raise IncompleteResponse(missing, to_review)
    before = response.status.value
    response.status = ResponseStatus.SUBMITTED
    response.submitted_at = utcnow()
    response.submitted_by_id = actor.id
    response.authorised_by_name = clean_name(authorised_by.name) if authorised_by else None
    response.authorised_by_title = clean_name(authorised_by.title) if authorised_by else None
    # Signing off is the State's latest work: the overview sorts and shows it as such.
    response.last_activity_at, response.last_activity_by_id = response.submitted_at, actor.id
    response.revision = Response.revision + 1
    db.session.flush()
    after = {"status": "submitted"}
    if authorised_by:
        after["authorised_by"] = {"name": response.authorised_by_name,
                                  "title": response.authorised_by_title}
    record_event("response.submitted", "response", response.id, actor=actor,
                 state_id=response.state_id, before={"status": before}, after=after)


RETURN_NEEDS_DEADLINE = _l(
    "The reporting cycle is closed: give the State a day until which it may revise its answers.")


def return_response(response: Response, comment: str, *, actor: User,
                    revise_until: date | None = None) -> None:
    """Send a submitted response back to the State with a comment; it becomes editable.

    ``revise_until`` gives the State that deadline too (see ``extend_deadline``): once the
    cycle has closed, a returned response needs one, or the State could not revise anything.

    :raises DomainError: not submitted, no comment, the user is not the secretariat, a
        deadline in the past, or the cycle is closed and the State has no later deadline
    """
    _check_review(response, actor)
    if not comment.strip():
        raise DomainError(_("Say what the State should revise."))
    if revise_until is not None:
        extend_deadline(response, revise_until, actor=actor, field="revise_until")
    if cycle_lock_reason(response) is not None:
        raise DomainError(RETURN_NEEDS_DEADLINE, field="revise_until")
    response.status = ResponseStatus.RETURNED
    response.review_comment = comment.strip()
    response.reviewed_at = utcnow()
    response.reviewed_by_id = actor.id
    response.revision = Response.revision + 1
    db.session.flush()
    record_event("response.returned", "response", response.id, actor=actor,
                 state_id=response.state_id, before={"status": "submitted"},
                 after={"status": "returned", "comment": response.review_comment})


def accept_response(response: Response, *, actor: User) -> None:
    """:raises DomainError: not submitted, or the user is not the secretariat"""
    _check_review(response, actor)
    response.status = ResponseStatus.ACCEPTED
    response.reviewed_at = utcnow()
    response.reviewed_by_id = actor.id
    response.revision = Response.revision + 1
    db.session.flush()
    record_event("response.accepted", "response", response.id, actor=actor,
                 state_id=response.state_id, before={"status": "submitted"},
                 after={"status": "accepted"})


def _check_review(response: Response, actor: User) -> None:
    if not actor.is_admin:
        raise DomainError(_("Only the secretariat reviews submissions."))
    if response.status is not ResponseStatus.SUBMITTED:
        raise DomainError(_("Only a submitted response can be reviewed."))


def assign_sections(contributor: User, section_keys: Iterable[str], outline: Outline, *,
                    actor: User) -> list[str]:
    """Limit a contributor to these sections (none: every section).

    :raises DomainError: the user is not a contributor
    """
    if contributor.role is not Role.CONTRIBUTOR:
        raise DomainError(_("Sections are assigned to contributors only."))
    valid = {s.key for s in outline.answerable_sections()}
    keys = sorted(set(section_keys) & valid)
    before = sorted(db.session.scalars(sa.select(ContributorSection.section_key).where(
        ContributorSection.user_id == contributor.id)))
    db.session.execute(sa.delete(ContributorSection).where(
        ContributorSection.user_id == contributor.id))
    db.session.add_all(ContributorSection(user_id=contributor.id, section_key=k) for k in keys)
    db.session.flush()
    db.session.expire(contributor, ["assigned_sections"])
    record_event("user.sections_assigned", "user", contributor.id, actor=actor,
                 state_id=contributor.state_id, before=before, after=keys)
    return keys


def recent_changes(response: Response, limit: int = 10) -> list[AuditEvent]:
    """The latest changes to the State's response, for the dashboard."""
    return list(db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.state_id == response.state_id,
            sa.or_(sa.and_(AuditEvent.object_type == "answer",
                           AuditEvent.object_id.like(f"{response.id}:%")),
                   sa.and_(AuditEvent.object_type == "response",
                           AuditEvent.object_id == str(response.id))))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)))
