"""Kyoto Declaration national self-assessment: the Flask application."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from survey.config import ConfigError, Settings, development_secret_key, load_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application.

    :param config: overrides, by name: settings (``DATABASE_URL``, ... as in
        :class:`survey.config.Settings`, without the ``SURVEY_`` prefix) and plain Flask
        options (``TESTING``, ...).
    :raises ConfigError: a setting is malformed or the database cannot be reached.
    """
    config = dict(config or {})
    setting_names = {f.name for f in dataclasses.fields(Settings)}
    settings = load_settings({k: v for k, v in config.items() if k in setting_names})
    flask_options = {k: v for k, v in config.items() if k not in setting_names}

    instance_path = Path(settings.INSTANCE_PATH or PROJECT_ROOT / "instance").resolve()
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config["SURVEY"] = settings
    _configure_flask(app, settings, instance_path)
    app.config.update(flask_options)

    from survey.core import logging as survey_logging

    survey_logging.init_app(app)
    _init_database(app, settings, instance_path)
    _init_extensions(app, settings)
    _register_blueprints(app)

    if settings.PROXY_COUNT:
        n = settings.PROXY_COUNT
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    return app


def _configure_flask(app: Flask, settings: Settings, instance_path: Path) -> None:
    secret_key = settings.SECRET_KEY or development_secret_key(instance_path)
    app.config.update(
        SECRET_KEY=secret_key,
        MAX_CONTENT_LENGTH=settings.MAX_REQUEST_MB * 1024 * 1024,
        MAX_FORM_PARTS=settings.MAX_FORM_FIELDS,
        SESSION_COOKIE_NAME="survey_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        # The login session decides when a session ends (see auth.sessions); the cookie
        # itself only needs to outlive the longest "remember me".
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.REMEMBER_DAYS),
        # So the cookie is re-signed and sent only when the session changes, not on every
        # response (every autosave): it then lasts REMEMBER_DAYS from sign-in.
        SESSION_REFRESH_EACH_REQUEST=False,
        # A page left open for hours keeps a valid token: it is bound to the session,
        # which ends on inactivity or logout, not to a clock.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=settings.production,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        RATELIMIT_STORAGE_URI=settings.REDIS_URL or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_KEY_PREFIX="survey-limit",
        TEMPLATES_AUTO_RELOAD=False,
    )


def _init_database(app: Flask, settings: Settings, instance_path: Path) -> None:
    from survey.core.db import db

    url = settings.DATABASE_URL
    if url is None:
        instance_path.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{instance_path / 'survey.db'}"
    db.init_app(app, url)
    engine = app.extensions["survey.db"].engine
    try:
        # A bare round trip, outside any transaction (it must not wait for a writer).
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        finally:
            connection.close()
    except (sa.exc.SQLAlchemyError, engine.dialect.loaded_dbapi.Error) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ConfigError(
            f"SURVEY_DATABASE_URL: cannot connect to {engine.url.render_as_string()}: {reason}"
        ) from None


def _init_extensions(app: Flask, settings: Settings) -> None:
    from survey.auth import sessions
    from survey.core import errors, i18n, labels, security
    from survey.extensions import babel, csrf, limiter, login_manager

    if settings.REDIS_URL:
        _check_redis(settings.REDIS_URL)
    elif settings.production:
        # Not an error (one server works), but behind a load balancer each process would
        # count sign-in attempts on its own, and reports would render in the web processes.
        app.logger.warning(
            "SURVEY_REDIS_URL is not set: rate limits are counted per process and reports "
            "render in the web server's processes. Set it when several servers share the load.")
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    sessions.init_app(app, login_manager)
    security.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    labels.init_app(app)


def _check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        raise ConfigError(f"SURVEY_REDIS_URL: cannot connect to {url}: {exc}") from None


def _register_blueprints(app: Flask) -> None:
    from survey.admin.views import bp as admin_bp
    from survey.auth.views import bp as auth_bp
    from survey.core.views import bp as core_bp
    from survey.reports.views import bp as reports_bp
    from survey.responses.views import bp as responses_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(responses_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(reports_bp)
