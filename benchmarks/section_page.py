"""The largest section page, all answered, as a focal point opens it.

Product: ``GET /responses/<id>/sections/<key>`` through the whole app (sign-in check, access,
the answers read, the form built, the page rendered), timed around the WSGI call.
Floor: the same template rendered with the same data (the view's own context, captured
from a real request) already in memory: what no change to the view could beat without
changing the page. Also the SQL statements per request, for the largest and the smallest
section (they must be the same number).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, render_template, template_rendered
from flask_login import login_user

from benchmarks import dataset
from benchmarks.timing import alternate
from benchmarks.web import counting_statements, sections_by_size, signed_in_client

TEMPLATE = "responses/section.html"


def response_id_of(app: Flask, code: str) -> int:
    from survey.core.db import db
    from survey.cycles.services import current_cycle
    from survey.responses.models import Response
    from survey.states.models import State

    with app.app_context():
        return db.session.scalar(sa.select(Response.id).join(State).where(
            State.code == code, Response.cycle_id == current_cycle().id))


def _outline(app: Flask, response_id: int):
    from survey.core.db import db
    from survey.responses.models import Response
    from survey.responses.services import outline_for

    with app.app_context():
        return outline_for(db.session.get(Response, response_id))


def measure(app: Flask, runs: int, code: str = dataset.REPORT_STATE) -> dict[str, Any]:
    response_id = response_id_of(app, code)
    sizes = sections_by_size(_outline(app, response_id))
    (largest, largest_questions), (smallest, smallest_questions) = sizes[0], sizes[-1]
    client = signed_in_client(app, dataset.email_of("focal.point", code), dataset.PASSWORD)
    url = f"/responses/{response_id}/sections/{largest}"
    engine = app.extensions["survey.db"].engine

    def get(path: str) -> bytes:
        reply = client.get(path)
        body = reply.get_data()
        reply.close()
        if reply.status_code != 200:
            raise RuntimeError(f"GET {path}: HTTP {reply.status_code}")
        return body

    # One request to capture what the view hands its template, and to count statements.
    captured: list[tuple[Any, dict[str, Any]]] = []

    def capture(_app: Flask, template: Any, context: dict[str, Any], **_: Any) -> None:
        if template.name == TEMPLATE:
            captured.append((template, dict(context)))

    with template_rendered.connected_to(capture, app), counting_statements(engine) as log:
        page = get(url)
        largest_statements = list(log.statements)
        log.clear()
        get(f"/responses/{response_id}/sections/{smallest}")
        smallest_statements = list(log.statements)
    _template, context = captured[0]
    user = context["current_user"]
    view_context = {k: v for k, v in context.items() if k not in _injected(app, url)}

    def floor() -> str:
        with app.test_request_context(url):
            login_user(user)
            return render_template(TEMPLATE, **view_context)

    with counting_statements(engine) as log:
        floor_html = floor()
        if log.count:
            raise RuntimeError(f"the floor queried the database: {log.statements}")
    comparison = alternate(lambda: get(url), floor, runs)
    return {
        "section": largest, "questions": largest_questions,
        "paragraphs": sum(1 for _ in _outline(app, response_id).sections_by_key[largest]
                          .all_paragraphs()),
        "page_bytes": len(page), "floor_bytes": len(floor_html.encode()),
        "statements": len(largest_statements), "statement_list": largest_statements,
        "small_section": smallest, "small_section_questions": smallest_questions,
        "small_section_statements": len(smallest_statements),
        **comparison.as_json(),
    }


def _injected(app: Flask, url: str) -> set[str]:
    """The names context processors add (request, g, current_user, csrf_token, ...)."""
    with app.test_request_context(url):
        context: dict[str, Any] = {}
        app.update_template_context(context)
        return set(context)
