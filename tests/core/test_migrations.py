"""One linear Alembic history that builds, removes and rebuilds the schema on SQLite and
PostgreSQL, and agrees with the models."""

import uuid

import pytest
import sqlalchemy as sa

from survey.core import migrate
from survey.core.db import make_engine
from tests.conftest import on_postgres


@pytest.fixture
def empty_database(tmp_path, request):
    """A new, empty database of the kind the test run uses."""
    import os

    url = os.environ.get("SURVEY_TEST_DATABASE_URL")
    if not url:
        engine = make_engine(f"sqlite:///{tmp_path}/migrations.db")
        yield engine
        engine.dispose()
        return
    name = f"survey_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(sa.engine.make_url(url).set(database=name).render_as_string(False))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}"'))
    admin.dispose()


def table_names(engine):
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade_round_trip(empty_database):
    engine = empty_database
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert {"states", "users", "answers", "audit_events", "questions"} <= table_names(engine)
    assert migrate.schema_differences(engine) == []

    migrate.downgrade(engine, "base")
    assert table_names(engine) == set()
    assert migrate.current_revision(engine) is None

    migrate.upgrade(engine)
    assert migrate.schema_differences(engine) == []


def test_history_is_linear():
    from alembic.script import ScriptDirectory

    with migrate.alembic_config(make_engine("sqlite://")) as config:
        scripts = ScriptDirectory.from_config(config)
        assert len(scripts.get_heads()) == 1
        for script in scripts.walk_revisions():
            assert not script.is_merge_point


def test_the_suite_runs_on_the_configured_database(app):
    engine = app.extensions["survey.db"].engine
    assert engine.dialect.name == ("postgresql" if on_postgres() else "sqlite")


def test_the_united_kingdom_and_the_united_states_take_the_uns_names(empty_database):
    """A database made with pycountry's short forms gets the UN's names; a name the
    secretariat gave is left alone; downgrading gives the short forms back."""
    engine = empty_database
    migrate.upgrade(engine, "87121654783e")
    states = sa.table("states", sa.column("code"), sa.column("name"),
                      sa.column("regional_group"), sa.column("kind"))
    with engine.begin() as connection:
        connection.execute(states.insert(), [
            {"code": "GBR", "name": "United Kingdom", "regional_group": "western_european_others",
             "kind": "member_state"},
            {"code": "USA", "name": "USA (as the secretariat wrote it)",
             "regional_group": "western_european_others", "kind": "member_state"},
            {"code": "JPN", "name": "Japan", "regional_group": "asia_pacific",
             "kind": "member_state"}])

    def names():
        with engine.connect() as connection:
            return dict(connection.execute(sa.select(states.c.code, states.c.name)).all())

    migrate.upgrade(engine)
    assert names() == {"GBR": "United Kingdom of Great Britain and Northern Ireland",
                       "USA": "USA (as the secretariat wrote it)", "JPN": "Japan"}
    migrate.downgrade(engine, "87121654783e")
    assert names()["GBR"] == "United Kingdom"


def test_five_states_take_the_uns_bracketed_short_names(empty_database):
    """ "Bolivarian Republic of Venezuela" becomes "Venezuela (Bolivarian Republic of)",
    filed under V as in UN lists; a name the secretariat gave is left alone."""
    engine = empty_database
    migrate.upgrade(engine, "9c3e5a7b1d20")
    states = sa.table("states", sa.column("code"), sa.column("name"),
                      sa.column("regional_group"), sa.column("kind"))
    with engine.begin() as connection:
        connection.execute(states.insert(), [
            {"code": "VEN", "name": "Bolivarian Republic of Venezuela",
             "regional_group": "latin_american_caribbean", "kind": "member_state"},
            {"code": "NLD", "name": "Netherlands", "regional_group": "western_european_others",
             "kind": "member_state"},
            {"code": "IRN", "name": "Iran", "regional_group": "asia_pacific",
             "kind": "member_state"}])

    def names():
        with engine.connect() as connection:
            return dict(connection.execute(sa.select(states.c.code, states.c.name)).all())

    migrate.upgrade(engine)
    assert names() == {"VEN": "Venezuela (Bolivarian Republic of)",
                       "NLD": "Netherlands (Kingdom of the)", "IRN": "Iran"}
    migrate.downgrade(engine, "9c3e5a7b1d20")
    assert names()["VEN"] == "Bolivarian Republic of Venezuela"
