"""Friendly error pages (or JSON for scripts), never a stack trace or SQL."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


class DomainError(Exception):
    """A business rule refused an action; the message is shown to the user as is, next to
    ``field`` (the name of the form field it is about) when one is given."""

    def __init__(self, message: object, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def show_in(self, form: Any, default: Any = None) -> bool:
        """Put the message next to the form's field it is about, else next to ``default``;
        False when there is neither (the caller says it another way)."""
        field = form[self.field] if self.field and self.field in form else default
        if field is None:
            return False
        field.errors = [*field.errors, str(self)]
        return True


ERROR_TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have permission to do this"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("Someone else changed this in the meantime"),
    413: _l("What you sent is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}

ERROR_EXPLANATIONS = {
    400: _l("Please go back, reload the page and try again."),
    403: _l("If you think you should have access, contact your national focal point "
            "or the secretariat."),
    404: _l("The address may be mistyped, or the page may have moved."),
    405: _l("Please go back and use the buttons on the page."),
    413: _l("Please shorten the text or send fewer items at a time."),
    429: _l("Please wait a few minutes before trying again."),
    500: _l("Your work saved before this error is safe. The problem has been logged; "
            "please try again in a moment. If it persists, give the secretariat the "
            "reference below."),
}


def wants_json() -> bool:
    # HTML unless JSON is preferred: "*/*" (curl, some browsers' downloads) means a page.
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.is_json or best == "application/json"


def render_error(code: int, message: str | None = None):
    title = ERROR_TITLES.get(code, ERROR_TITLES[500])
    explanation = message or ERROR_EXPLANATIONS.get(code, "")
    if wants_json():
        body = {"error": str(title), "message": str(explanation),
                "request_id": g.get("request_id")}
        return jsonify(body), code
    return render_template("errors/error.html", code=code, title=title,
                           explanation=explanation, request_id=g.get("request_id")), code


def csrf_refused():
    """The page for a post refused for its CSRF token (a blueprint may give a better one)."""
    return render_error(400, str(_l(
        "Your form has expired or was sent from another site. Nothing was saved by this "
        "attempt. Your browser's Back button usually brings the page back with what you "
        "typed: copy it, reload the page and enter it again.")))


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return csrf_refused()

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        if exc.code == 429:
            return render_error(429)
        return render_error(exc.code)

    @app.errorhandler(InternalServerError)
    def internal_error(exc: InternalServerError):
        # Flask has already logged the exception, with the request id (core.logging).
        return render_error(500)
