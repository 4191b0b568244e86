"""HTTP security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, abort, request
from flask_login import current_user

# No inline scripts or styles anywhere: every script and stylesheet is a file we serve.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_app(app: Flask) -> None:
    production = app.config["SURVEY"].production

    @app.before_request
    def limit_form_fields() -> None:
        # Werkzeug limits the parts of multipart forms only; count url-encoded ones too
        # (the body is already capped by MAX_CONTENT_LENGTH, so parsing it is cheap).
        if request.mimetype == "application/x-www-form-urlencoded":
            fields = sum(len(values) for _key, values in request.form.lists())
            if fields > app.config["MAX_FORM_PARTS"]:
                abort(413)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if production:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # A State's unpublished answers must not stay in shared or browser caches.
        if request.endpoint != "static" and current_user and current_user.is_authenticated:
            headers["Cache-Control"] = "no-store"
        return response
