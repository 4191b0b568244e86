"""Fixtures for the report tests: responses answered through the answering service."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import pytest
from pypdf import PdfReader

from survey.reports.samples import sample_answers
from survey.responses.models import Response
from survey.responses.services import (
    Change,
    answer_token,
    answers_of,
    outline_for,
    save_answers,
)


def answer(response: Response, actor, values: Mapping[str, Any]) -> None:
    """Save answers as the answering pages do (one audit event each)."""
    current = answers_of(response, list(values))
    changes = [Change(key, value, answer_token(current.get(key))) for key, value in values.items()]
    outcome = save_answers(response, changes, actor=actor)
    assert not outcome.errors and not outcome.conflicts, (outcome.errors, outcome.conflicts)


@pytest.fixture
def fill():
    """fill(response, actor, overrides={}) answers every question plausibly."""

    def fill_response(response: Response, actor, overrides: Mapping[str, Any] | None = None,
                      seed: int = 2021) -> dict[str, Any]:
        values = sample_answers(outline_for(response), seed=seed)
        values.update(overrides or {})
        answer(response, actor, values)
        return values

    return fill_response


def pdf_reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, whitespace collapsed."""
    reader = pdf_reader(data)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
