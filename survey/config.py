"""Every setting of the application, declared once with its type, default and meaning.

Settings are read from the environment (``SURVEY_<NAME>``) by :func:`load_settings`;
tests and scripts pass overrides as a mapping. A malformed value stops start-up with
a :class:`ConfigError` that names the setting.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "SURVEY_"

# The six official languages of the United Nations, in the order the UN lists them.
LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the setting."""


def _setting(default: Any, help: str, **kw: Any) -> Any:
    return field(default=default, metadata={"help": help, **kw})


@dataclass(frozen=True)
class Settings:
    ENV: str = _setting(
        "development", "'development' or 'production'. Production refuses to start "
        "without SURVEY_SECRET_KEY and marks cookies Secure.",
        choices=("development", "production"))
    SECRET_KEY: str | None = _setting(
        None, "Signs sessions, CSRF tokens and invitation links. Required in production; "
        "in development one is generated once and kept in the instance folder.")
    DATABASE_URL: str | None = _setting(
        None, "SQLAlchemy URL. Default: an SQLite file in the instance folder. "
        "For PostgreSQL: postgresql+psycopg://user:password@host/dbname.")
    REDIS_URL: str | None = _setting(
        None, "redis://host:port/db. When set, reports and a cycle's workbook and synthesis "
        "are made by RQ workers, and rate limits are shared between app servers.")
    INSTANCE_PATH: str | None = _setting(
        None, "Folder for the SQLite database and the development secret key.")
    BASE_URL: str | None = _setting(
        None, "Public address used in links sent by e-mail, e.g. https://kyoto.example.org. "
        "Default: the address of the request.")
    SESSION_IDLE_MINUTES: int = _setting(
        60, "A session ends after this many minutes without a request.", minimum=1)
    REMEMBER_DAYS: int = _setting(
        14, "How long 'Remember me' keeps a user signed in without activity.", minimum=1)
    INVITATION_DAYS: int = _setting(
        10, "How long an invitation link stays valid.", minimum=1)
    NOMINATIONS_CHECKED: bool = _setting(
        True, "The secretariat checks each person a focal point nominates (contributor or "
        "observer) before their invitation is sent; false: the focal point's invitation is "
        "sent at once.")
    PASSWORD_RESET_HOURS: int = _setting(
        24, "How long a password-reset link stays valid.", minimum=1)
    PASSWORD_MIN_LENGTH: int = _setting(12, "Minimum length of a password.", minimum=8)
    LOGIN_RATE_LIMIT: str = _setting(
        "10 per minute;50 per hour", "Login attempts allowed per client address and per account.")
    RESET_RATE_LIMIT: str = _setting(
        "5 per minute;20 per hour", "Password-reset requests allowed per client address.")
    MAX_REQUEST_MB: int = _setting(8, "Largest request body accepted, in megabytes.", minimum=1)
    MAX_FORM_FIELDS: int = _setting(
        5000, "Most form fields accepted in one request (the largest section posts ~1,500).",
        minimum=100)
    LONG_TEXT_MAX_CHARS: int = _setting(
        200_000, "Longest answer accepted for a long-text question.", minimum=1000)
    TEXT_MAX_CHARS: int = _setting(
        2000, "Longest answer accepted for a one-line text question.", minimum=100)
    SMTP_HOST: str | None = _setting(None, "Mail server. Unset: links are shown on screen instead.")
    SMTP_PORT: int = _setting(25, "Mail server port.", minimum=1)
    SMTP_USERNAME: str | None = _setting(None, "Mail server user name, if it needs one.")
    SMTP_PASSWORD: str | None = _setting(None, "Mail server password.")
    SMTP_STARTTLS: bool = _setting(False, "Upgrade the mail connection with STARTTLS.")
    MAIL_FROM: str = _setting("kyoto-survey@localhost", "Sender address of the mails.")
    REPORT_TIMEOUT_SECONDS: int = _setting(
        120, "A report (or, in a worker, a cycle's workbook or synthesis) that takes longer "
        "to make is abandoned with a clear message.", minimum=5)
    REPORT_MEMORY_MB: int = _setting(
        1024, "Memory limit of a worker job (a report, a cycle's workbook or synthesis).",
        minimum=128)
    PROXY_COUNT: int = _setting(
        0, "Number of reverse proxies (load balancers) in front of the app whose "
        "X-Forwarded-* headers are trusted.", minimum=0)
    LOG_LEVEL: str = _setting("INFO", "Python logging level.",
                              choices=("DEBUG", "INFO", "WARNING", "ERROR"))

    @property
    def production(self) -> bool:
        return self.ENV == "production"


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting, for the README and --help."""
    return [
        (ENV_PREFIX + f.name, repr(f.default), f.metadata["help"])
        for f in dataclasses.fields(Settings)
    ]


def _parse(f: dataclasses.Field, raw: Any) -> Any:
    name = ENV_PREFIX + f.name
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    if raw is None or (isinstance(raw, str) and raw.strip() == "" and "None" in kind):
        return None
    if kind.startswith("int"):
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: expected a whole number, got {raw!r}") from None
        if value < f.metadata.get("minimum", value):
            raise ConfigError(f"{name}: must be at least {f.metadata['minimum']}, got {value}")
        return value
    if kind.startswith("bool"):
        if isinstance(raw, bool):
            return raw
        lowered = str(raw).strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{name}: expected true or false, got {raw!r}")
    value = str(raw).strip()
    if "choices" in f.metadata and value not in f.metadata["choices"]:
        allowed = ", ".join(f.metadata["choices"])
        raise ConfigError(f"{name}: expected one of {allowed}, got {raw!r}")
    return value


def load_settings(overrides: Mapping[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the environment, then ``overrides`` (names without prefix)."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = set(overrides) - known
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    values = {}
    for f in dataclasses.fields(Settings):
        if f.name in overrides:
            values[f.name] = _parse(f, overrides[f.name])
        elif ENV_PREFIX + f.name in environ:
            values[f.name] = _parse(f, environ[ENV_PREFIX + f.name])
    settings = Settings(**values)
    _check_database_url(settings.DATABASE_URL)
    _check_redis_url(settings.REDIS_URL)
    if settings.production and not settings.SECRET_KEY:
        raise ConfigError(
            "SURVEY_SECRET_KEY: required when SURVEY_ENV=production "
            "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')")
    if settings.SECRET_KEY is not None and len(settings.SECRET_KEY) < 32:
        raise ConfigError("SURVEY_SECRET_KEY: must be at least 32 characters long")
    return settings


def _check_database_url(url: str | None) -> None:
    if url is None:
        return
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"SURVEY_DATABASE_URL: not a database URL: {url!r} "
            "(expected e.g. postgresql+psycopg://user@host/dbname or sqlite:///path/survey.db)"
        ) from None
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError(
            f"SURVEY_DATABASE_URL: unsupported database {parsed.get_backend_name()!r} "
            "(use sqlite or postgresql)")


def _check_redis_url(url: str | None) -> None:
    if url is not None and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"SURVEY_REDIS_URL: expected a redis:// URL, got {url!r}")


def development_secret_key(instance_path: Path) -> str:
    """Generate a key once per instance folder and keep it, so sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create the file readable only by its owner; never overwrite one made meanwhile.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
