"""Building a State's answers through the answering service (as its pages would)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey.auth.models import User
from survey.questionnaires.models import QuestionType
from survey.questionnaires.outline import QuestionItem
from survey.responses.models import Response
from survey.responses.services import (
    Change,
    answer_token,
    answer_values,
    answers_of,
    missing_required,
    outline_for,
    save_answers,
)

_PLAIN = {
    QuestionType.TEXT: "Ministry of Justice",
    QuestionType.LONG_TEXT: "Measures were taken and are described in the national report.",
    QuestionType.NUMBER: 12,
    QuestionType.DATE: "2026-01-31",
    QuestionType.EMAIL: "focal.point@example.org",
}


def plain_answer(question: QuestionItem) -> Any:
    """An ordinary valid answer to the question."""
    if question.type is QuestionType.SINGLE_CHOICE:
        return question.option_values[0]
    if question.type is QuestionType.MULTIPLE_CHOICE:
        return [question.option_values[0]]
    return _PLAIN[question.type]


def save(response: Response, actor: User, values: Mapping[str, Any]) -> None:
    """Save these answers as ``actor``; every one must be accepted."""
    current = answers_of(response, list(values))
    outcome = save_answers(response, [Change(key, value, answer_token(current.get(key)))
                                      for key, value in values.items()], actor=actor)
    assert not outcome.errors and not outcome.conflicts, (outcome.errors, outcome.conflicts)


def answer_required(response: Response, actor: User,
                    values: Mapping[str, Any] | None = None) -> None:
    """Answer every question still required (and those in ``values`` first), so that the
    response can be submitted."""
    if values:
        save(response, actor, values)
    outline = outline_for(response)
    # Answers can make conditional questions required: repeat until nothing is missing.
    for _round in range(5):
        missing = missing_required(outline, answer_values(response))
        if not missing:
            return
        save(response, actor, {q.key: plain_answer(q) for q in missing})
    raise AssertionError("required questions keep appearing")
