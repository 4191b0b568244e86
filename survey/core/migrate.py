"""Schema migrations with Alembic, run against the app's own engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from survey import PROJECT_ROOT

MIGRATIONS = PROJECT_ROOT / "migrations"


@contextmanager
def alembic_config(engine: Engine) -> Iterator[Config]:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        yield config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with alembic_config(engine) as config:
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with alembic_config(engine) as config:
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def schema_differences(engine: Engine) -> list:
    """What autogenerate would change: empty when the models and the migrations agree."""
    from survey.models import Base

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "compare_server_default": True})
        return compare_metadata(context, Base.metadata)


def make_revision(engine: Engine, message: str, autogenerate: bool = True) -> None:
    with alembic_config(engine) as config:
        command.revision(config, message=message, autogenerate=autogenerate)
