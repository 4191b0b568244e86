"""The front door and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user, login_required
from werkzeug import Response

from survey.core.db import db

bp = Blueprint("core", __name__)


@bp.route("/")
@login_required
def index() -> Response:
    """Send each user to where their work is."""
    if current_user.is_admin:
        return redirect(url_for("admin.overview"))
    return redirect(url_for("responses.dashboard"))


@bp.route("/healthz")
def health() -> tuple[Response, int]:
    """For the load balancer: the app answers and reaches its database."""
    try:
        db.session.execute(sa.select(1))
    except sa.exc.SQLAlchemyError:
        return jsonify(status="database unreachable"), 503
    return jsonify(status="ok"), 200
