"""Files that take long to make (the cycle's workbook and synthesis, a national report) are
stored although States save answers meanwhile, and holding them up no one's saves.

Runs on a database where work is really committed (``committed_app``): on SQLite (WAL) a
transaction that read before another one committed can no longer write, and waiting does
not help (SQLITE_BUSY_SNAPSHOT), so what reads for tens of seconds must store what it made
in a transaction of its own.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from survey.auth.models import LoginSession, Role, User
from survey.auth.services import create_user
from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.exports import jobs as export_jobs
from survey.exports import stored
from survey.exports.models import ExportKind, StoredExport
from survey.reports import jobs as report_jobs
from survey.reports import national
from survey.reports.models import RenderedReport
from survey.responses import services
from survey.responses.models import Answer, Response
from survey.states.models import State
from tests.conftest import PASSWORD, login

STATE = "ISL"


@pytest.fixture
def people(committed_app):
    """An administrator and a focal point of Iceland; their work removed afterwards."""
    with committed_app.app_context():
        state = db.session.scalars(sa.select(State).where(State.code == STATE)).one()
        admin = create_user("meanwhile.admin@example.org", "Export Admin", Role.ADMIN, None,
                            actor=None, password=PASSWORD)
        focal_point = create_user("meanwhile.fp@example.org", "Iceland Focal Point",
                                  Role.FOCAL_POINT, state, actor=None, password=PASSWORD)
        response = db.session.scalars(sa.select(Response).where(
            Response.state_id == state.id, Response.cycle_id == current_cycle().id)).one()
        db.session.commit()
        ids = admin.id, focal_point.id, response.id
    yield ids
    with committed_app.app_context():
        user_ids, response_id = ids[:2], ids[2]
        db.session.execute(sa.delete(StoredExport))
        db.session.execute(sa.delete(RenderedReport).where(
            RenderedReport.response_id == response_id))
        db.session.execute(sa.delete(Answer).where(Answer.response_id == response_id))
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.actor_id.in_(user_ids)))
        db.session.execute(sa.update(Response).where(Response.id == response_id).values(
            revision=0, status="not_started", last_activity_at=None, last_activity_by_id=None))
        db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id.in_(user_ids)))
        db.session.execute(sa.delete(User).where(User.id.in_(user_ids)))
        db.session.commit()


def save_elsewhere(app, focal_point_id: int, response_id: int, value: str, *,
                   within_seconds: float = 60) -> None:
    """The focal point saves an answer, committed by another app server (a thread with its
    own connection) while the file is being made; the save must be done in time."""
    failures: list[BaseException] = []
    started = time.monotonic()

    def save() -> None:
        try:
            with app.app_context():
                response = db.session.get(Response, response_id)
                user = db.session.get(User, focal_point_id)
                key = "general.coordinating_institution"
                current = services.answers_of(response, [key]).get(key)
                outcome = services.save_answers(
                    response, [services.Change(key, value, services.answer_token(current))],
                    actor=user)
                assert key in outcome.saved, outcome
                db.session.commit()
                db.session.remove()
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=save)
    thread.start()
    thread.join(timeout=60)
    assert not failures, failures
    assert time.monotonic() - started < within_seconds


def test_the_workbook_is_stored_though_a_state_saved_while_it_was_written(
        committed_app, people, monkeypatch):
    admin_id, focal_point_id, response_id = people
    real_write = stored.write_xlsx

    def write_while_saving(cycle, file):
        real_write(cycle, file)
        save_elsewhere(committed_app, focal_point_id, response_id, "Prime Minister's Office")

    monkeypatch.setattr(stored, "write_xlsx", write_while_saving)
    client = committed_app.test_client()
    with committed_app.app_context():
        url = f"/admin/cycles/{current_cycle().id}/answers.xlsx"
        admin = db.session.get(User, admin_id)
        db.session.commit()  # the test holds no lock while the app works
        login(client, admin)

        reply = client.get(url)

        assert reply.status_code == 200 and reply.mimetype == stored.XLSX_MIMETYPE
        # The answer saved meanwhile is kept, and the file is not taken for one made after
        # it: the next download makes the workbook again, with that answer.
        assert db.session.scalar(sa.select(Answer.value).where(
            Answer.response_id == response_id)) == "Prime Minister's Office"
        [kept] = db.session.scalars(sa.select(StoredExport)).all()
        assert kept.kind is ExportKind.XLSX
        kept_id = kept.id
        db.session.commit()
        monkeypatch.setattr(stored, "write_xlsx", real_write)
        again = client.get(url)
        assert again.status_code == 200 and again.get_data() != reply.get_data()
        [newest] = db.session.scalars(sa.select(StoredExport)).all()
        assert newest.id != kept_id
        db.session.commit()


def test_a_national_report_is_stored_though_a_colleague_saved_while_it_rendered(
        committed_app, people, monkeypatch):
    _admin_id, focal_point_id, response_id = people
    real_render = national.render_report_pdf

    def render_while_saving(response, **kwargs):
        rendered = real_render(response, **kwargs)
        save_elsewhere(committed_app, focal_point_id, response_id, "Ministry of Justice")
        return rendered

    monkeypatch.setattr(national, "render_report_pdf", render_while_saving)
    client = committed_app.test_client()
    with committed_app.app_context():
        focal_point = db.session.get(User, focal_point_id)
        db.session.commit()
        login(client, focal_point)

        reply = client.get(f"/responses/{response_id}/report.pdf")

        assert reply.status_code == 200 and reply.mimetype == "application/pdf"
        revision = db.session.get(Response, response_id).revision
        # Stored for the revision it was read at, not for the one saved meanwhile.
        [kept] = db.session.scalars(sa.select(RenderedReport).where(
            RenderedReport.response_id == response_id)).all()
        assert kept.response_revision < revision
        db.session.commit()


def test_an_export_job_holds_up_no_save_while_it_makes_the_workbook(
        committed_app, people, monkeypatch):
    """A worker's transactions take SQLite's write lock when they begin; one that read for
    the whole making of the file would keep every State waiting (and failing, after the
    busy timeout)."""
    admin_id, focal_point_id, response_id = people
    real_write = stored.write_xlsx

    def write_while_saving(cycle, file):
        real_write(cycle, file)
        save_elsewhere(committed_app, focal_point_id, response_id, "Prime Minister's Office",
                       within_seconds=5)

    monkeypatch.setattr(stored, "write_xlsx", write_while_saving)
    with committed_app.app_context():
        cycle_id = current_cycle().id
        db.session.commit()
        result = export_jobs.make_export_job(cycle_id, "xlsx", "en", admin_id)

        assert result["status"] == "ready"
        assert db.session.get(StoredExport, result["export_id"]).requested_by_id == admin_id
        db.session.commit()


def test_a_report_job_holds_up_no_save_while_it_renders(committed_app, people, monkeypatch):
    _admin_id, focal_point_id, response_id = people
    real_render = national.render_report_pdf

    def render_while_saving(response, **kwargs):
        rendered = real_render(response, **kwargs)
        save_elsewhere(committed_app, focal_point_id, response_id, "Ministry of Justice",
                       within_seconds=5)
        return rendered

    monkeypatch.setattr(national, "render_report_pdf", render_while_saving)
    with committed_app.app_context():
        result = report_jobs.render_report_job(response_id, "en")

        assert result["status"] == "ready"
        assert db.session.scalar(sa.select(sa.func.count(RenderedReport.id)).where(
            RenderedReport.response_id == response_id)) == 1
        db.session.commit()
