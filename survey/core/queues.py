"""Redis, where it is configured (``SURVEY_REDIS_URL``): the connection every app server and
worker shares for the queues of background work: reports, exports and mail."""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis


def redis_connection(app: Flask | None = None) -> Redis | None:
    """The app's Redis connection, or None when background work is done in the request."""
    app = app or current_app._get_current_object()
    url = app.config["SURVEY"].REDIS_URL
    if not url:
        return None
    cached = app.extensions.get("survey.redis")
    if cached is None or cached[0] != url:
        cached = (url, Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30))
        app.extensions["survey.redis"] = cached
    return cached[1]
