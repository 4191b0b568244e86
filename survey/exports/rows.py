"""The answers of a cycle as rows, read a few responses at a time.

Every export (CSV, XLSX, JSON) reads through :class:`CycleAnswers`, so they agree: one row
per State and question answered, in questionnaire order, with the answers to questions the
cycle's version no longer asks after the others (flagged as removed). Memory holds the
questionnaire, the list of States and one batch of responses' answers, whatever the number
of States. Usable outside a request (a benchmark, a command), inside an app context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any, TypeVar

import sqlalchemy as sa

from survey.auth.models import User
from survey.core.db import db
from survey.cycles.models import ReportingCycle
from survey.cycles.services import answered_clause, earlier_questions
from survey.questionnaires.models import QuestionType
from survey.questionnaires.outline import Option, condition_holds, outline_of
from survey.responses.models import Answer, Response, ResponseStatus
from survey.states.models import ParticipantKind, RegionalGroup, State

T = TypeVar("T")

# Responses whose answers are read per query (at most ~800 answers each).
RESPONSES_PER_BATCH = 20

COLUMNS: tuple[str, ...] = (
    "state_code", "state_name", "regional_group", "participant_kind", "response_status",
    "questionnaire_version", "section_key", "section", "paragraph", "question_key", "question",
    "question_type", "value", "value_label", "question_removed", "question_asked",
    "needs_review", "updated_by", "updated_by_email", "updated_at",
)


@dataclass(frozen=True)
class ExportQuestion:
    """A question as exports describe it: as the cycle's version asks it, or, for one it no
    longer asks, as the latest version that did."""

    key: str
    label: str
    type: QuestionType
    required: bool
    options: tuple[Option, ...]
    condition: tuple[str, frozenset[str]] | None
    section_key: str  # the top-level section (a removed question's own section)
    section_title: str
    paragraph_number: int | None
    removed: bool
    position: int
    # Options earlier versions offered and this one does not: the labels of answers chosen
    # then (flagged for review, or to a removed question).
    former_options: tuple[Option, ...] = ()

    @cached_property
    def labels(self) -> dict[str, str]:
        """Each option's label by its value, the former options' included."""
        return {o.value: o.label for o in (*self.former_options, *self.options)}

    def option_label(self, value: str) -> str:
        return self.labels.get(value, value)

    @cached_property
    def cells(self) -> tuple[Any, ...]:
        """Its columns of :data:`COLUMNS`, from section_key to question_type."""
        return (self.section_key, self.section_title, self.paragraph_number, self.key,
                self.label, self.type.value)


@dataclass(frozen=True)
class ExportResponse:
    response_id: int
    state_code: str
    state_name: str
    regional_group: RegionalGroup
    kind: ParticipantKind
    status: ResponseStatus
    submitted_at: datetime | None
    last_activity_at: datetime | None
    authorised_by_name: str | None
    authorised_by_title: str | None

    @cached_property
    def cells(self) -> tuple[Any, ...]:
        """Its columns of :data:`COLUMNS`, from state_code to response_status."""
        return (self.state_code, self.state_name, self.regional_group.value, self.kind.value,
                self.status.value)


# (question, value, needs_review, updated_by, updated_by_email, updated_at): an AnswerRow's
# fields after the response.
AnswerTuple = tuple["ExportQuestion", Any, bool, str | None, str | None, datetime | None, bool]


def _as_tuple(*answer: Any) -> AnswerTuple:
    return answer  # type: ignore[return-value]


@dataclass(frozen=True)
class AnswerRow:
    response: ExportResponse
    question: ExportQuestion
    value: Any  # as stored: a string, a list of option values, a number, an ISO date
    needs_review: bool
    updated_by: str | None
    updated_by_email: str | None
    updated_at: datetime | None
    # Whether the State is asked it, given its other answers: the measures typed before the
    # status became "not yet implemented" are kept, but not part of what it reports.
    asked: bool

    @property
    def value_text(self) -> str:
        """The value as text: option values, lists joined with "; "."""
        return join_values(self.value)

    @property
    def label_text(self) -> str:
        """The option labels of a choice answer ("" for other types)."""
        return label_text(self.question, self.value)

    @property
    def labels(self) -> str | list[str] | None:
        """The option labels, shaped like the value (for JSON)."""
        if not self.question.type.is_choice:
            return None
        if isinstance(self.value, list):
            return [self.question.option_label(str(v)) for v in self.value]
        return self.question.option_label(str(self.value))


def label_text(question: ExportQuestion, value: Any) -> str:
    """The option labels of a choice answer, joined with "; " ("" for other types)."""
    if not question.type.is_choice:
        return ""
    values = value if isinstance(value, list) else [value]
    return "; ".join(question.option_label(str(v)) for v in values)


def join_values(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


class CycleAnswers:
    """The answers of a cycle's responses (all, or those of ``response_ids``)."""

    def __init__(self, cycle: ReportingCycle, response_ids: Sequence[int] | None = None) -> None:
        self.cycle = cycle
        self.version = cycle.questionnaire_version
        self.outline = outline_of(self.version)
        self._response_filter = (Response.id.in_(list(response_ids))
                                 if response_ids is not None else sa.true())
        self.responses = self._load_responses()
        self.questions = self._load_questions()
        # The questions the others' conditions look at (the paragraphs' statuses).
        self._condition_sources = sorted({q.condition[0] for q in self.questions.values()
                                          if q.condition})

    # -- what the export describes --------------------------------------------------------

    def _load_responses(self) -> list[ExportResponse]:
        rows = db.session.execute(
            sa.select(Response.id, State.code, State.name, State.regional_group, State.kind,
                      Response.status, Response.submitted_at, Response.last_activity_at,
                      Response.authorised_by_name, Response.authorised_by_title)
            .join(State, Response.state_id == State.id)
            .where(Response.cycle_id == self.cycle.id, self._response_filter)
            .order_by(State.code))
        return [ExportResponse(*row) for row in rows]

    def _load_questions(self) -> dict[str, ExportQuestion]:
        questions: dict[str, ExportQuestion] = {}
        choices = earlier_questions(self.version, (
            item.key for item in self.outline.questions() if item.type.is_choice))
        for position, item in enumerate(self.outline.questions()):
            top = self.outline.top_level(item.section_key)
            offered = set(item.option_values)
            old = choices.get(item.key)
            questions[item.key] = ExportQuestion(
                key=item.key, label=item.label, type=item.type, required=item.required,
                options=item.options, condition=item.condition, section_key=top.key,
                section_title=top.title, paragraph_number=item.paragraph_number,
                removed=False, position=position,
                former_options=tuple(o for o in (*old.options, *old.former_options)
                                     if o.value not in offered) if old else ())
        removed_keys = set(db.session.scalars(
            sa.select(Answer.question_key).distinct()
            .join(Response, Answer.response_id == Response.id)
            .where(Response.cycle_id == self.cycle.id, self._response_filter,
                   answered_clause()))) - set(questions)
        earlier = earlier_questions(self.version, removed_keys)
        ordered = sorted(removed_keys, key=lambda k: (
            earlier[k].paragraph_number or 0 if k in earlier else 0, k))
        for offset, key in enumerate(ordered, start=len(questions)):
            old = earlier.get(key)
            questions[key] = ExportQuestion(
                key=key, label=old.label if old else key,
                type=old.type if old else QuestionType.TEXT, required=False,
                options=old.options if old else (), condition=None,
                former_options=old.former_options if old else (),
                section_key=old.section_key if old else "",
                section_title=old.section_title if old else "",
                paragraph_number=old.paragraph_number if old else None, removed=True,
                position=offset)
        return questions

    # -- the answers ----------------------------------------------------------------------

    def batches(self) -> Iterator[tuple[ExportResponse, list[AnswerRow]]]:
        """Each response with its answers (given, not cleared), in questionnaire order; the
        answers are read ``RESPONSES_PER_BATCH`` responses at a time."""
        for response, answers in self.answer_batches():
            yield response, [AnswerRow(response, *answer) for answer in answers]

    def answer_batches(self) -> Iterator[tuple[ExportResponse, list[AnswerTuple]]]:
        """What :meth:`batches` yields, each answer as a plain tuple (question, value,
        needs_review, updated_by, updated_by_email, updated_at, asked) rather than an object: the
        CSV writes 154,400 of them for 193 States, and an object each costs a third of its
        time. Read with the database connection, not through the ORM, for the same reason."""
        return self.converted_batches(_as_tuple, Answer.value, Answer.updated_at)

    def stored_answer_batches(self, convert: Callable[..., T],
                              ) -> Iterator[tuple[ExportResponse, list[T]]]:
        """Each response with ``convert(question, value, needs_review, updated_by,
        updated_by_email, updated_at, asked)`` of each of its answers, in questionnaire order; the
        value and the time as the database driver gives them, for the CSV to convert faster
        than the column types would: the value as its JSON text, the time as the text
        SQLite stores (a naive UTC datetime from PostgreSQL)."""
        return self.converted_batches(convert, sa.cast(Answer.value, sa.Text),
                                      sa.type_coerce(Answer.updated_at, sa.types.NullType()))

    def converted_batches(self, convert: Callable[..., T], value: sa.ColumnElement[Any],
                          updated_at: sa.ColumnElement[Any],
                          ) -> Iterator[tuple[ExportResponse, list[T]]]:
        """The answers of :meth:`answer_batches`, their value and time read as ``value``
        and ``updated_at``, each converted as it is read. Kept by position, not in a list to
        sort: what the CSV keeps (texts) is then nothing the garbage collector looks at,
        which with 16,000 tuples a batch cost it a fifth of its time."""
        responses, questions = self.responses, self.questions
        connection = db.session.connection()
        for start in range(0, len(responses), RESPONSES_PER_BATCH):
            batch = responses[start:start + RESPONSES_PER_BATCH]
            rows: dict[int, dict[int, T]] = {r.response_id: {} for r in batch}
            given = self._condition_answers(connection, list(rows))
            no_answers: dict[str, Any] = {}
            for response_id, key, stored, needs_review, updated, name, email in (
                    connection.execute(
                        sa.select(Answer.response_id, Answer.question_key, value,
                                  Answer.needs_review, updated_at, User.display_name,
                                  User.email)
                        .outerjoin(User, Answer.updated_by_id == User.id)
                        .where(Answer.response_id.in_(list(rows)), answered_clause()))):
                question = questions.get(key)
                if question is None:  # answered meanwhile, after the question list was read
                    continue
                asked = not question.removed and condition_holds(
                    question.condition, given.get(response_id, no_answers))
                rows[response_id][question.position] = convert(
                    question, stored, needs_review, name, email, updated, asked)
            for response in batch:
                answers = rows[response.response_id]
                yield response, [answers[position] for position in sorted(answers)]

    def _condition_answers(self, connection: sa.Connection,
                           response_ids: list[int]) -> dict[int, dict[str, Any]]:
        """The answers the questions' conditions look at (the paragraphs' statuses), by
        response: one query for a batch of responses."""
        given: dict[int, dict[str, Any]] = {}
        if not self._condition_sources:
            return given
        for response_id, key, value in connection.execute(
                sa.select(Answer.response_id, Answer.question_key, Answer.value)
                .where(Answer.response_id.in_(response_ids),
                       Answer.question_key.in_(self._condition_sources), answered_clause())):
            given.setdefault(response_id, {})[key] = value
        return given


def iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()
