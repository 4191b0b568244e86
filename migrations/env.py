"""Alembic environment: the schema is survey.models' metadata; the connection comes from
the caller (survey.core.migrate) so that the app's engine and its SQLite pragmas apply."""

import sqlalchemy as sa
from alembic import context

from survey.core.db import UTCDateTime
from survey.models import Base

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: object, autogen_context) -> str | bool:
    """Write our column types as the plain types they store, so that migrations do not
    import the application."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    if type_ == "type" and isinstance(obj, sa.JSON):
        return "JSON"  # each migration defines JSON as survey.core.db.JSONDocument
    return False


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place: batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
run_migrations_online()
