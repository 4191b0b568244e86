"""Fixtures shared by every test.

The database is built once per test session with the migrations and ``survey init``'s
data (193 States, the Kyoto questionnaire, an open cycle). Each test then runs inside a
transaction that is rolled back, so tests never see each other's data. Requests made
through the test client commit only to a savepoint of that transaction.

``SURVEY_TEST_DATABASE_URL`` selects PostgreSQL; otherwise SQLite in a temporary folder.
"""

from __future__ import annotations

import contextvars
import dataclasses
import email
import email.policy
import hashlib
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict

from survey import create_app
from survey.auth.models import Role, User
from survey.auth.services import create_user
from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.responses.models import Response
from survey.states.models import State

PASSWORD = "correct horse battery staple"
TEST_REDIS_URL = os.environ.get("SURVEY_TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
TEST_SECRET_KEY = "test-secret-key-" + "x" * 32


def database_url(tmp_dir: Path, name: str = "survey") -> str:
    return os.environ.get("SURVEY_TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / name}.db"


def on_postgres() -> bool:
    return (os.environ.get("SURVEY_TEST_DATABASE_URL") or "").startswith("postgresql")


def reset_database(url: str) -> None:
    """Drop everything in the test database (PostgreSQL keeps it between runs)."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def app_config(tmp_dir: Path, url: str, **overrides: object) -> dict:
    return {
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(tmp_dir / "instance"),
        "SECRET_KEY": TEST_SECRET_KEY,
        "TESTING": True,
        **overrides,
    }


class Client(FlaskClient):
    """A test client that sends a valid CSRF token with every form, as a browser with the
    page open would, runs each request in its own application context, and refreshes the
    test's view of the database after each request."""

    def open(self, *args, **kwargs):
        data = kwargs.get("data")
        method = kwargs.get("method", "GET")
        if method not in ("GET", "HEAD", "OPTIONS") and kwargs.pop("csrf", True):
            token = self.csrf_token()
            if isinstance(data, MultiDict) and "csrf_token" not in data:
                kwargs["data"] = data.copy()  # keeps every value of a repeated field
                kwargs["data"].add("csrf_token", token)
            elif isinstance(data, dict) and "csrf_token" not in data:
                kwargs["data"] = {**data, "csrf_token": token}
            headers = dict(kwargs.get("headers") or {})
            headers.setdefault("X-CSRFToken", token)
            kwargs["headers"] = headers
        # Each request runs as in production: in a context of its own, where Flask pushes
        # and pops its own application context (its own g and database session, removed at
        # teardown, before a streamed body is read), rather than reusing the test's.
        if not has_app_context():  # a redirect followed within the request's own context
            return super().open(*args, **kwargs)
        response = contextvars.Context().run(self._open_and_read, args, kwargs)
        db.session.expire_all()
        return response

    def _open_and_read(self, args, kwargs):
        response = super().open(*args, **kwargs)
        response.get_data()  # read the body now, so that files are closed, not leaked
        response.close()
        return response

    def csrf_token(self) -> str:
        # What Flask-WTF's generate_csrf() does: a raw token in the session, signed for forms.
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())  # noqa: S324
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)


@dataclasses.dataclass
class Mail:
    to: list[str]
    subject: str
    body: str


class Inbox:
    """What a real SMTP server on loopback received (aiosmtpd's handler)."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def mails(self) -> list[Mail]:
        parsed = []
        for envelope in self.envelopes:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            body = message.get_content().replace("\r\n", "\n")  # lines end in CRLF on the wire
            parsed.append(Mail(envelope.rcpt_tos, str(message["Subject"]), body))
        return parsed

    def to(self, address: str) -> list[Mail]:
        return [mail for mail in self.mails if address in mail.to]


MAIL_BASE_URL = "https://kyoto.example.org"


@pytest.fixture
def mailbox(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """The app configured to send mail, with links to MAIL_BASE_URL, to a real SMTP server
    on loopback; its inbox."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd cannot use port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SURVEY", dataclasses.replace(
        app.config["SURVEY"], SMTP_HOST="127.0.0.1", SMTP_PORT=port, BASE_URL=MAIL_BASE_URL))
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from survey.cli import initialize

    tmp_dir = tmp_path_factory.mktemp("survey")
    url = database_url(tmp_dir)
    reset_database(url)
    app = create_app(app_config(tmp_dir, url))
    app.test_client_class = Client
    with app.app_context():
        initialize(out=lambda *_: None)
        db.session.remove()
    yield app
    app.extensions["survey.db"].engine.dispose()


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run each test that uses the app in a transaction rolled back at the end."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    from survey.extensions import limiter

    limiter.reset()  # rate-limit counters are per test, like the data
    state = app.extensions["survey.db"]
    connection = state.engine.connect()
    transaction = connection.begin()
    state.connectable = connection
    try:
        with app.app_context():
            yield
            db.session.remove()
    finally:
        state.connectable = state.engine
        if transaction.is_active:
            transaction.rollback()
        connection.close()


@pytest.fixture(scope="session")
def committed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app on a database of its own where work is really committed, for tests of
    concurrency and of processes sharing the database. Tests using it clean up after
    themselves (it is shared by the session)."""
    from survey.cli import initialize

    tmp_dir = tmp_path_factory.mktemp("committed")
    url = database_url(tmp_dir, "committed")
    admin_engine = None
    if url.startswith("postgresql"):
        name = f"survey_committed_{os.getpid()}"
        admin_engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin_engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(url).set(database=name).render_as_string(False)
    app = create_app(app_config(tmp_dir, url))
    app.test_client_class = Client
    with app.app_context():
        initialize(out=lambda *_: None)
        db.session.remove()
    yield app
    app.extensions["survey.db"].engine.dispose()
    if admin_engine is not None:
        with admin_engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin_engine.dispose()


@pytest.fixture
def client(app: Flask) -> Client:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask):
    """Build a user through the account service: make_user("focal_point", "JPN")."""
    counter = iter(range(1, 10_000))

    def make(role: str = "focal_point", state: str | None = "JPN", *, email: str | None = None,
             name: str | None = None, password: str = PASSWORD) -> User:
        role_ = Role(role)
        state_obj = None if role_ is Role.ADMIN else state_by_code(state or "JPN")
        n = next(counter)
        email = email or f"{role}{n}.{(state or 'un').lower()}@example.org"
        user = create_user(email, name or f"{role.replace('_', ' ').title()} {n}", role_,
                           state_obj, actor=None, password=password)
        db.session.commit()
        return user

    return make


def administrators(make_user) -> tuple[User, User, User]:
    """Three secretariat accounts: one reading English, one French, one deactivated."""
    english = make_user("admin", email="officer@un.example.org")
    french = make_user("admin", email="agent@un.example.org")
    french.locale = "fr"
    retired = make_user("admin", email="retired@un.example.org")
    retired.is_active = False
    db.session.commit()
    return english, french, retired


def state_by_code(code: str) -> State:
    return db.session.scalars(sa.select(State).where(State.code == code)).one()


def response_of(code: str) -> Response:
    cycle = current_cycle()
    return db.session.scalars(sa.select(Response).where(
        Response.cycle_id == cycle.id, Response.state_id == state_by_code(code).id)).one()


def login(client: Client, user: User, password: str = PASSWORD) -> None:
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def login_as(client: Client, make_user):
    """Sign the test client in as a new user of this role: login_as("observer", "FRA")."""

    def sign_in(role: str = "focal_point", state: str | None = "JPN", **kwargs) -> User:
        user = make_user(role, state, **kwargs)
        login(client, user)
        return user

    return sign_in


def page_text(response) -> str:
    """The visible text of an HTML response, with whitespace collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    import html as html_module

    # Bidirectional isolate marks around names (core.i18n.isolate) are not seen.
    text = re.sub("[\u2066-\u2069]", "", html_module.unescape(text))
    return re.sub(r"\s+", " ", text).strip()


def redis_or_skip():
    """A connection to the test Redis: the test is skipped when none answers, and fails
    when SURVEY_TEST_REDIS_URL names one (CI sets it, so these tests never silently skip)."""
    import redis

    connection = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.RedisError as exc:
        connection.close()
        if os.environ.get("SURVEY_TEST_REDIS_URL"):
            pytest.fail(f"SURVEY_TEST_REDIS_URL={TEST_REDIS_URL} is set but unreachable: {exc}")
        pytest.skip(f"no Redis at {TEST_REDIS_URL} (start redis-server or set "
                    f"SURVEY_TEST_REDIS_URL): {exc}")
    return connection


@pytest.fixture
def redis_app(app, monkeypatch):
    """The app, configured with Redis for the duration of one test, on an empty db."""
    connection = redis_or_skip()
    connection.flushdb()
    settings = dataclasses.replace(app.config["SURVEY"], REDIS_URL=TEST_REDIS_URL)
    monkeypatch.setitem(app.config, "SURVEY", settings)
    try:
        yield connection
    finally:
        connection.flushdb()
        connection.close()
        cached = app.extensions.pop("survey.redis", None)
        if cached is not None:
            cached[1].close()
