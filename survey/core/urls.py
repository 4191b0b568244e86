"""Absolute links for mails and the command line."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site (to return to after sign-in, say); never
    another site's address."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def external_url(endpoint: str, **values: object) -> str:
    base_url = current_app.config["SURVEY"].BASE_URL
    if base_url is None and has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=base_url or DEFAULT_BASE_URL):
        return url_for(endpoint, _external=True, **values)
