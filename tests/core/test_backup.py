"""`survey backup` and `survey restore`: everything comes back, record by record."""

import io
import json
import os
import uuid

import pytest
import sqlalchemy as sa

from survey.core import migrate
from survey.core.backup import BackupError, backed_up_tables, restore_backup, write_backup
from survey.core.db import make_engine
from tests.conftest import response_of
from tests.responses.helpers import save


@pytest.fixture
def empty_engine(tmp_path):
    url = os.environ.get("SURVEY_TEST_DATABASE_URL")
    if not url:
        engine = make_engine(f"sqlite:///{tmp_path}/restored.db")
        yield engine
        engine.dispose()
        return
    name = f"survey_restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(sa.engine.make_url(url).set(database=name).render_as_string(False))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}"'))
    admin.dispose()


def snapshot(connection, *, hashes=True):
    """Every backed-up row of every table, as plain values, in primary-key order."""
    data = {}
    for table in backed_up_tables():
        rows = connection.execute(sa.select(table).order_by(*table.primary_key.columns))
        data[table.name] = [
            {k: (None if (k == "password_hash" and not hashes) else v)
             for k, v in row._mapping.items()} for row in rows]
    return data


def test_backup_then_restore_gives_back_the_same_data(app, make_user, empty_engine):
    from survey.core.db import db

    focal_point = make_user("focal_point", "JPN")
    response = response_of("JPN")
    save(response, focal_point, p21__status="partially",
         p21__actions=["a1", "other"], p21__measures="Act 12/2020 — «ευρώ» 中文 العربية\nline 2")
    connection = db.session.connection()
    buffer = io.StringIO()
    counts = write_backup(connection, buffer)
    assert counts["answers"] == 3 and counts["states"] == 193 and counts["questions"] > 700
    document = json.loads(buffer.getvalue())
    assert all(u["password_hash"] is None for u in document["tables"]["users"])
    assert "login_sessions" not in document["tables"]

    buffer.seek(0)
    restored = restore_backup(empty_engine, buffer)
    assert restored == counts
    with empty_engine.connect() as target:
        assert snapshot(target) == snapshot(connection, hashes=False)
    assert migrate.schema_differences(empty_engine) == []


def test_password_hashes_only_when_asked(app, make_user):
    from survey.core.db import db

    make_user("observer", "PER")
    buffer = io.StringIO()
    write_backup(db.session.connection(), buffer, include_password_hashes=True)
    users = json.loads(buffer.getvalue())["tables"]["users"]
    assert any(u["password_hash"] and u["password_hash"].startswith("$argon2id$") for u in users)


def test_restore_refuses_a_database_that_holds_data(app, empty_engine):
    from survey.core.db import db

    buffer = io.StringIO()
    write_backup(db.session.connection(), buffer)
    restore_backup(empty_engine, io.StringIO(buffer.getvalue()))
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(empty_engine, io.StringIO(buffer.getvalue()))


def test_restore_refuses_what_is_not_a_backup(empty_engine):
    with pytest.raises(BackupError, match="unknown format"):
        restore_backup(empty_engine, io.StringIO('{"format": 99}'))
    with pytest.raises(BackupError, match="not a JSON file"):
        restore_backup(empty_engine, io.StringIO("<html>"))
