"""Log lines carry the id of the request that wrote them, so an error shown to a user
("reference 3f2a…") can be found in the log."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler

# Accept a load balancer's id only if it looks like one (no log injection).
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def init_app(app: Flask) -> None:
    settings = app.config["SURVEY"]
    default_handler.setFormatter(logging.Formatter(
        "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    # On the handler, for the format of every line; on the app's logger, so that records
    # it makes (unhandled errors) carry the id to any other handler too.
    for owner in (default_handler, app.logger):
        if not any(isinstance(f, RequestIdFilter) for f in owner.filters):
            owner.addFilter(RequestIdFilter())
    app.logger.setLevel(settings.LOG_LEVEL)

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def expose_request_id(response: Response) -> Response:
        if "request_id" in g:
            response.headers["X-Request-Id"] = g.request_id
        return response
