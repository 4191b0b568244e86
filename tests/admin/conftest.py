"""Fixtures for the secretariat's pages."""

from __future__ import annotations

import pytest

from survey.core.db import db
from survey.responses import services
from survey.responses.models import Response
from survey.responses.services import Change, answer_token


@pytest.fixture
def admin(login_as):
    """The test client signed in as an administrator; the user."""
    return login_as("admin", None)


def save(response: Response, user, values: dict) -> None:
    """Save answers through the answering service, as a focal point's page would."""
    current = services.answers_of(response, values)
    outcome = services.save_answers(
        response, [Change(k, v, answer_token(current.get(k))) for k, v in values.items()],
        actor=user)
    assert not outcome.errors and not outcome.conflicts, outcome
    db.session.commit()
