"""A cycle's answers (or one State's) as a JSON document, produced a response at a time.

The document::

    {"format": "kyoto-survey-answers", "format_version": 1, "exported_at": "...",
     "cycle": {...}, "questionnaire": {"slug": ..., "version": 2},
     "questions": [{"key": "p22.status", "section": "II", ..., "removed": false}, ...],
     "responses": [{"state": {"code": "JPN", ...}, "status": "submitted", ...,
                    "answers": [{"question": "p22.status", "value": "largely",
                                 "labels": "Largely implemented", ...}, ...]}, ...]}

Answers to questions the cycle's version no longer asks are included, flagged
``"question_removed": true``; an answer the State is not asked given its other answers (the
measures kept from before the status became "not yet implemented") is flagged
``"question_asked": false``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from survey.core.db import utcnow
from survey.cycles.models import ReportingCycle
from survey.exports.rows import AnswerRow, CycleAnswers, ExportQuestion, ExportResponse, iso
from survey.responses.models import Response

FORMAT = "kyoto-survey-answers"
FORMAT_VERSION = 1


def iter_json_chunks(cycle: ReportingCycle, *, response: Response | None = None) -> Iterator[str]:
    """The document as text chunks: the header, then one chunk per response.

    What describes the export is read now; only the responses' answers are read as the
    chunks are taken, by id: a streamed download takes them after the request's database
    session has ended, when the objects it loaded can no longer load anything."""
    answers = CycleAnswers(cycle, [response.id] if response is not None else None)
    head = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": utcnow().isoformat(),
        "cycle": {"slug": cycle.slug, "name": cycle.name, "status": cycle.status.value,
                  "opens_on": iso(cycle.opens_on), "closes_on": iso(cycle.closes_on)},
        "questionnaire": {"slug": answers.version.questionnaire.slug,
                          "title": answers.version.title, "version": answers.version.number},
        "questions": [_question(q) for q in answers.questions.values()],
    }
    return _json_chunks(_dumps(head), answers)


def _json_chunks(head: str, answers: CycleAnswers) -> Iterator[str]:
    yield head[:-1] + ', "responses": ['
    separator = ""
    for export_response, rows in answers.batches():
        yield separator + _dumps(_response(export_response, rows))
        separator = ", "
    yield "]}\n"


def write_json(cycle: ReportingCycle, file: IO[str], *, response: Response | None = None) -> None:
    """Write the document to an open text file."""
    for chunk in iter_json_chunks(cycle, response=response):
        file.write(chunk)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _question(question: ExportQuestion) -> dict[str, Any]:
    return {
        "key": question.key, "section": question.section_key,
        "section_title": question.section_title, "paragraph": question.paragraph_number,
        "type": question.type.value, "label": question.label, "required": question.required,
        "condition": ({"question": question.condition[0], "in": sorted(question.condition[1])}
                      if question.condition else None),
        "options": [{"value": o.value, "label": o.label} for o in question.options],
        "removed": question.removed,
    }


def _response(response: ExportResponse, rows: list[AnswerRow]) -> dict[str, Any]:
    return {
        "state": {"code": response.state_code, "name": response.state_name,
                  "regional_group": response.regional_group.value, "kind": response.kind.value},
        "status": response.status.value,
        "submitted_at": iso(response.submitted_at),
        "authorised_by": ({"name": response.authorised_by_name,
                           "title": response.authorised_by_title}
                          if response.authorised_by_name else None),
        "last_activity_at": iso(response.last_activity_at),
        "answers": [{
            "question": row.question.key, "value": row.value, "labels": row.labels,
            "question_removed": row.question.removed, "question_asked": row.asked,
            "needs_review": row.needs_review,
            "updated_by": row.updated_by, "updated_by_email": row.updated_by_email,
            "updated_at": iso(row.updated_at),
        } for row in rows],
    }
