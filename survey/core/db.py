"""Database access: the declarative base, the engine and the request-scoped session.

One unit of work per request: services add and flush, the request commits once at
the end (or rolls back on an error response or an exception). CLI commands and
worker jobs commit explicitly.

We use SQLAlchemy directly rather than Flask-SQLAlchemy: the app needs only an engine,
a scoped session and its teardown, and owning them keeps SQLite's pragmas, the
PostgreSQL pool and test transactions in one short, visible place.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import JSON, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Constraint names that are stable across databases, so Alembic can drop and alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite keeps no zone)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use survey.core.db.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


# JSON documents: JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def enum_column(enum_class: type[enum.Enum]) -> sa.Enum:
    """Store an enum by value as a short string with a CHECK constraint (no native types,
    so adding a value is an ordinary migration on both databases)."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=32,
        name=enum_class.__name__.lower(),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONDocument}

    def __repr__(self) -> str:
        mapper = sa.inspect(type(self))
        keys = [c.key for c in mapper.primary_key]
        shown = getattr(self, "__repr_attrs__", ())
        parts = [f"{k}={getattr(self, k, None)!r}" for k in (*keys, *shown)]
        return f"<{type(self).__name__} {' '.join(parts)}>"


class _AppSession(Session):
    """A session bound to the current app's engine, or to a connection the tests hand it."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):  # type: ignore[override]
        if bind is not None:
            return bind
        if self.bind is not None:
            return self.bind
        return current_app.extensions["survey.db"].connectable


class Database:
    """The engine per app and one session per application context."""

    def __init__(self) -> None:
        self.session: scoped_session[Session] = scoped_session(
            sessionmaker(class_=_AppSession, expire_on_commit=False,
                         join_transaction_mode="create_savepoint"),
            scopefunc=_context_identity,
        )

    def init_app(self, app: Flask, url: str) -> None:
        state = _EngineState(make_engine(url))
        app.extensions["survey.db"] = state
        app.teardown_appcontext(self._remove_session)
        app.after_request(_finish_unit_of_work)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["survey.db"].engine

    def _remove_session(self, exc: BaseException | None) -> None:
        self.session.remove()


class _EngineState:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Tests swap in a connection holding an outer transaction they roll back.
        self.connectable: Engine | sa.Connection = engine


def _context_identity() -> int:
    # g lives exactly as long as the application context; its id identifies the context.
    return id(g._get_current_object())


def _finish_unit_of_work(response: Response) -> Response:
    """Commit what the request changed, unless the request failed."""
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def make_engine(url: str) -> Engine:
    backend = sa.engine.make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so that
    # SAVEPOINTs work and writers can take the lock up front (see _sqlite_on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite's own lower() (and so ILIKE, which SQLAlchemy writes with it) folds only ASCII:
    # a search for "élise" would miss "Élise", "ирина" miss "Ирина". PostgreSQL's folds
    # every script; this one does too.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _sqlite_on_begin(connection: sa.Connection) -> None:
    # A request that may write takes the write lock when its transaction starts: two
    # deferred transactions that both read and then write would fail with SQLITE_BUSY.
    # Page views read without blocking anyone (WAL). Work that reads long and then writes
    # says which its transaction does (begin_reading, begin_writing).
    begin = connection.get_execution_options().get(_SQLITE_BEGIN)
    if begin is None:
        reading = has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")
        begin = "BEGIN" if reading else "BEGIN IMMEDIATE"
    connection.exec_driver_sql(begin)


_SQLITE_BEGIN = "survey_sqlite_begin"  # an execution option: how _sqlite_on_begin begins


def begin_reading() -> None:
    """Commit the session's transaction and begin one that reads: on SQLite it takes no
    write lock, so a read of tens of seconds (a file made from a whole cycle) holds up no
    one's saves, even in a worker, whose transactions otherwise take it up front.

    Such a transaction cannot write once another has committed after it began (SQLite
    answers SQLITE_BUSY_SNAPSHOT, which no waiting cures): store what it made after
    :func:`begin_writing`."""
    db.session.commit()
    db.session.connection(execution_options={_SQLITE_BEGIN: "BEGIN"})


def begin_writing() -> None:
    """Commit the session's transaction and begin one that writes: on SQLite it takes the
    write lock at once, waiting its turn as long as the busy timeout allows, even in a page
    view (whose transaction reads, see :func:`begin_reading`)."""
    db.session.commit()
    db.session.connection(execution_options={_SQLITE_BEGIN: "BEGIN IMMEDIATE"})


db = Database()
