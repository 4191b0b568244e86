"""Shared steps for the response tests."""

from __future__ import annotations

import re

from survey.core.db import db
from survey.responses import services
from survey.responses.models import Response
from survey.responses.services import Change, answer_token


def page_csrf_token(html: str) -> str:
    """The CSRF token a page's forms carry."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def tokens_on_page(html: str) -> dict[str, str]:
    """The base tokens a section page carries, by question key."""
    return dict(re.findall(r'name="base\.([^"]+)" value="([^"]*)"', html))


def save(response: Response, user, **values) -> services.SaveOutcome:
    """Save answers through the service, based on their current revision."""
    keys = [k.replace("__", ".") for k in values]
    current = services.answers_of(response, keys)
    changes = [Change(k, v, answer_token(current.get(k))) for k, v in zip(keys, values.values(),
                                                                         strict=True)]
    outcome = services.save_answers(response, changes, actor=user)
    db.session.commit()
    return outcome


def complete(response: Response, user) -> None:
    """Answer every required question (statuses "not yet", which needs no measures)."""
    outline = services.outline_for(response)
    values = {}
    for question in outline.questions():
        if not question.required:
            continue
        if question.key.endswith(".status"):
            values[question.key] = "not_yet"
        elif question.is_choice:
            values[question.key] = question.options[0].value
        else:
            values[question.key] = f"Answer to {question.key}"
    current = services.answers_of(response, values)
    services.save_answers(response, [Change(k, v, answer_token(current.get(k)))
                                     for k, v in values.items()], actor=user)
    db.session.commit()
