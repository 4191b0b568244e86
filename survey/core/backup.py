"""Backups as one JSON file: every questionnaire, response, answer, audit event and user.

``write_backup`` streams table by table, so memory does not grow with the data;
``restore_backup`` loads a file into an empty database at the same schema revision.
Password hashes are left out unless asked for (restored users then set a new password
through a reset link). Login sessions, rendered PDFs and stored export files are not
kept: they are recreated on use.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import IO, Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection, Engine

from survey.core import migrate
from survey.core.db import UTCDateTime, utcnow
from survey.models import Base

BACKUP_FORMAT = 1
# Recreated on use, so not worth keeping: who is signed in, cached PDFs and exports.
SKIPPED_TABLES = frozenset({"login_sessions", "rendered_reports", "stored_exports"})
BATCH = 1000


class BackupError(Exception):
    """The file cannot be restored here; the message says why."""


def backed_up_tables() -> list[sa.Table]:
    """Tables in an order where every row's references come before it."""
    return [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def _encode(column: sa.Column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool | list | dict):
        return value.value  # enums
    return value


def _decode(column: sa.Column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, sa.Date):
        return date.fromisoformat(value)
    if isinstance(column.type, sa.LargeBinary):
        return base64.b64decode(value)
    return value


def _rows(connection: Connection, table: sa.Table, *,
          include_password_hashes: bool) -> Iterator[dict[str, Any]]:
    order = [c for c in table.primary_key.columns]
    result = connection.execute(
        sa.select(table).order_by(*order).execution_options(yield_per=BATCH))
    for row in result.mappings():
        record = {c.name: _encode(c, row[c.name]) for c in table.columns}
        if table.name == "users" and not include_password_hashes:
            record["password_hash"] = None
        yield record


def write_backup(bind: Engine | Connection, out: IO[str], *,
                 include_password_hashes: bool = False) -> dict:
    """Write every table to ``out`` as one JSON document; returns the row count per table.

    :param bind: the database, or a connection (to back up what it sees, in one snapshot)
    """
    counts: dict[str, int] = {}
    with _connected(bind) as connection:
        header = {
            "format": BACKUP_FORMAT,
            "created_at": utcnow().isoformat(),
            "schema_revision": MigrationContext.configure(connection).get_current_revision(),
            "password_hashes": include_password_hashes,
        }
        out.write("{\n")
        for key, value in header.items():
            out.write(f"{json.dumps(key)}: {json.dumps(value)},\n")
        out.write('"tables": {')
        for index, table in enumerate(backed_up_tables()):
            out.write(("," if index else "") + f"\n{json.dumps(table.name)}: [")
            count = 0
            for record in _rows(connection, table,
                                include_password_hashes=include_password_hashes):
                out.write(("," if count else "") + "\n" + json.dumps(record, ensure_ascii=False))
                count += 1
            out.write("\n]")
            counts[table.name] = count
        out.write("\n}\n}\n")
    return counts


@contextmanager
def _connected(bind: Engine | Connection) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
    else:
        # One transaction, so the backup is one consistent snapshot.
        with bind.connect() as connection, connection.begin():
            yield connection


def restore_backup(engine: Engine, source: IO[str]) -> dict:
    """Load a backup into an empty database (created or upgraded to the backup's schema).

    :raises BackupError: the file is not a backup of this format, its schema revision is not
        this code's, or the database already holds data
    """
    try:
        document = json.load(source)
    except json.JSONDecodeError as exc:
        raise BackupError(f"not a JSON file: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != BACKUP_FORMAT:
        raise BackupError("not a backup made by `survey backup` (unknown format)")
    if document.get("schema_revision") != migrate.head_revision():
        raise BackupError(
            f"the backup's schema revision {document.get('schema_revision')} is not this "
            f"version's {migrate.head_revision()}: restore it with the version that made it, "
            "then upgrade")
    migrate.upgrade(engine)
    tables = {t.name: t for t in backed_up_tables()}
    unknown = set(document["tables"]) - set(tables)
    if unknown:
        raise BackupError(f"unknown tables in the backup: {', '.join(sorted(unknown))}")
    counts = {}
    with engine.begin() as connection:
        for table in tables.values():
            if connection.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                raise BackupError(f"the database is not empty (table {table.name} has rows); "
                                  "restore into a new database")
        for name, table in tables.items():
            rows = document["tables"].get(name, [])
            for start in range(0, len(rows), BATCH):
                batch = [{c.name: _decode(c, row.get(c.name)) for c in table.columns}
                         for row in rows[start:start + BATCH]]
                connection.execute(table.insert(), batch)
            counts[name] = len(rows)
        if connection.dialect.name == "postgresql":
            _advance_sequences(connection, tables.values())
    return counts


def _advance_sequences(connection: Connection, tables: Any) -> None:
    """New rows must not reuse the restored ids."""
    for table in tables:
        id_column = table.columns.get("id")
        if id_column is None or not id_column.autoincrement:
            continue
        next_id = sa.select(sa.func.coalesce(sa.func.max(id_column), 0) + 1).scalar_subquery()
        connection.execute(sa.select(sa.func.setval(
            sa.func.pg_get_serial_sequence(table.name, "id"), next_id, False)))
