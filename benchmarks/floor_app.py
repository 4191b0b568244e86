"""The app the autosave benchmark serves: the product as it is, plus one bare endpoint.

    gunicorn --workers 2 "benchmarks.floor_app:create_app()"

``POST /_benchmark/floor/<answer id>`` with ``{"value": ...}`` performs one ``UPDATE`` of
that answer's value and time, and nothing else the product does (no sign-in, access check,
revision check or audit event); the request still passes through the app's hooks and its
unit of work commits it. That is the floor an autosave is measured against: the same
server, app, database and table. It exists only here, never in the product's code.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, request

FLOOR_URL = "/_benchmark/floor/<int:answer_id>"


def create_app() -> Flask:
    """The product's app (configured from the SURVEY_* environment) with the floor added."""
    from survey import create_app as create_product_app

    app = create_product_app()
    add_floor(app)
    return app


def add_floor(app: Flask) -> None:
    from survey.core.db import db, utcnow
    from survey.extensions import csrf
    from survey.responses.models import Answer

    def floor_update(answer_id: int) -> tuple[str, int]:
        value = (request.get_json(silent=True) or {}).get("value")
        db.session.execute(sa.update(Answer).where(Answer.id == answer_id)
                           .values(value=value, updated_at=utcnow()))
        return "", 204

    app.add_url_rule(FLOOR_URL, "benchmark_floor", csrf.exempt(floor_update), methods=["POST"])
