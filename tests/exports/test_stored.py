"""The cycle's workbook and synthesis, stored while the data is unchanged: made once, served
again, made anew after a change (here without Redis: made in the request)."""

from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.exports import stored
from survey.exports.models import ExportKind, StoredExport
from survey.exports.tabular import write_xlsx
from survey.responses.services import submit
from tests.admin.conftest import save
from tests.conftest import response_of
from tests.responses.helpers import complete


def workbook_cells(data: bytes) -> dict[str, list[tuple]]:
    """Every sheet's rows, as values."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)]
                for sheet in workbook.worksheets}
    finally:
        workbook.close()


def stored_rows(cycle, kind: ExportKind) -> list[StoredExport]:
    return list(db.session.scalars(sa.select(StoredExport).where(
        StoredExport.cycle_id == cycle.id, StoredExport.kind == kind)))


@pytest.fixture
def admin(login_as):
    """The test client signed in as an administrator; the user."""
    return login_as("admin", None)


@pytest.fixture
def counted(monkeypatch):
    """How many times each file was made: {"xlsx": n, "synthesis": n}."""
    calls = {"xlsx": 0, "synthesis": 0}
    real_xlsx, real_synthesis = stored.write_xlsx, stored.render_synthesis

    def write(*args, **kwargs):
        calls["xlsx"] += 1
        return real_xlsx(*args, **kwargs)

    def render(*args, **kwargs):
        calls["synthesis"] += 1
        return real_synthesis(*args, **kwargs)

    monkeypatch.setattr(stored, "write_xlsx", write)
    monkeypatch.setattr(stored, "render_synthesis", render)
    return calls


def test_the_workbook_is_made_once_then_again_after_an_answer_is_saved(
        client, admin, make_user, counted, tmp_path):
    cycle = current_cycle()
    japan, focal_point = response_of("JPN"), make_user("focal_point", "JPN")
    save(japan, focal_point, {"general.coordinating_institution": "Cabinet Office"})
    url = f"/admin/cycles/{cycle.id}/answers.xlsx"

    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == stored.XLSX_MIMETYPE
    assert (f'filename=kyoto-answers-{cycle.slug}.xlsx' in first.headers["Content-Disposition"]
            .replace('"', ""))
    assert first.headers["Cache-Control"] == "no-store"
    # The same workbook as write_xlsx makes.
    direct = tmp_path / "direct.xlsx"
    write_xlsx(cycle, str(direct))
    cells = workbook_cells(first.get_data())
    assert cells == workbook_cells(direct.read_bytes())
    assert any("Cabinet Office" in row for rows in cells.values() for row in rows)
    [kept] = stored_rows(cycle, ExportKind.XLSX)
    assert kept.size == len(first.get_data()) and kept.requested_by_id == admin.id
    assert kept.locale == "en" and kept.page_count is None and counted["xlsx"] == 1
    kept_id = kept.id

    again = client.get(url)
    assert again.status_code == 200 and again.get_data() == first.get_data()
    assert counted["xlsx"] == 1 and len(stored_rows(cycle, ExportKind.XLSX)) == 1

    save(japan, focal_point, {"general.coordinating_institution": "Ministry of Justice"})
    changed = client.get(url)
    assert changed.status_code == 200 and counted["xlsx"] == 2
    cells = workbook_cells(changed.get_data())
    assert any("Ministry of Justice" in row for rows in cells.values() for row in rows)
    assert not any("Cabinet Office" in row for rows in cells.values() for row in rows)
    # Only the newest file of the cycle is kept.
    [newest] = stored_rows(cycle, ExportKind.XLSX)
    assert newest.id != kept_id


def test_administrators_in_every_language_share_one_workbook(client, admin, counted):
    """The workbook is the stored data, the same whatever the reader's language: made once
    for all (a synthesis, written in its reader's language, is made per language)."""
    url = f"/admin/cycles/{current_cycle().id}/answers.xlsx"
    first = client.get(url)
    admin.locale = "fr"
    db.session.commit()
    in_french = client.get(url)
    assert in_french.status_code == 200 and in_french.get_data() == first.get_data()
    assert counted["xlsx"] == 1 and len(stored_rows(current_cycle(), ExportKind.XLSX)) == 1


def test_a_stored_file_asked_for_by_id_is_served_while_it_is_kept(client, admin, make_user,
                                                                   counted):
    cycle = current_cycle()
    japan, focal_point = response_of("JPN"), make_user("focal_point", "JPN")
    url = f"/admin/cycles/{cycle.id}/answers.xlsx"
    first = client.get(url)
    [kept] = stored_rows(cycle, ExportKind.XLSX)
    kept_id = kept.id
    save(japan, focal_point, {"general.coordinating_institution": "Cabinet Office"})

    # The file a progress page offered: that one, though the data changed since.
    offered = client.get(f"{url}?file={kept_id}")
    assert offered.status_code == 200 and offered.get_data() == first.get_data()
    assert counted["xlsx"] == 1
    # Another cycle's or kind's id, or one no longer kept: the file of the data as it is now.
    assert client.get(f"/admin/cycles/{cycle.id}/synthesis.pdf?file={kept_id}").mimetype \
        == "application/pdf"
    newer = client.get(f"{url}?file={kept_id + 1000}")
    assert newer.status_code == 200 and newer.get_data() != first.get_data()
    assert counted["xlsx"] == 2
    stale = client.get(f"{url}?file={kept_id}")
    assert stale.get_data() == newer.get_data() and counted["xlsx"] == 2


def test_the_synthesis_is_made_once_per_scope(client, admin, make_user, counted):
    cycle = current_cycle()
    japan, focal_point = response_of("JPN"), make_user("focal_point", "JPN")
    complete(japan, focal_point)
    save(japan, focal_point, {"p22.status": "fully"})
    submit(japan, actor=focal_point)
    db.session.commit()
    url = f"/admin/cycles/{cycle.id}/synthesis.pdf"

    final = client.get(url)
    assert final.status_code == 200 and final.mimetype == "application/pdf"
    assert "kyoto-synthesis-" in final.headers["Content-Disposition"]
    assert "including-drafts" not in final.headers["Content-Disposition"]
    assert final.headers["Cache-Control"] == "no-store"
    pages = int(final.headers["X-Report-Pages"])
    assert client.get(url).get_data() == final.get_data() and counted["synthesis"] == 1
    assert int(client.get(url).headers["X-Report-Pages"]) == pages

    everyone = client.get(url + "?scope=all")
    assert "including-drafts" in everyone.headers["Content-Disposition"]
    assert counted["synthesis"] == 2
    client.get(url + "?scope=all")
    assert counted["synthesis"] == 2
    assert [len(stored_rows(cycle, k)) for k in ExportKind] == [0, 1, 1]


def test_the_fingerprint_follows_the_data_and_nothing_else(app, make_user):
    cycle = current_cycle()
    japan, focal_point = response_of("JPN"), make_user("focal_point", "JPN")
    with app.test_request_context("/"):
        before = stored.fingerprint(cycle, ExportKind.XLSX, "en")
        assert stored.fingerprint(cycle, ExportKind.XLSX, "en") == before
        assert len({before, stored.fingerprint(cycle, ExportKind.XLSX, "fr"),
                    stored.fingerprint(cycle, ExportKind.SYNTHESIS_FINAL, "en"),
                    stored.fingerprint(cycle, ExportKind.SYNTHESIS_ALL, "en")}) == 4

        # Saving an answer bumps its response's revision, hence the fingerprint.
        revision = japan.revision
        save(japan, focal_point, {"p22.status": "largely"})
        db.session.refresh(japan)
        assert japan.revision > revision
        saved = stored.fingerprint(cycle, ExportKind.XLSX, "en")
        assert saved != before
        # Saving the same value again changes nothing.
        save(japan, focal_point, {"p22.status": "largely"})
        assert stored.fingerprint(cycle, ExportKind.XLSX, "en") == saved
        # So does a status change (a submission), and a renamed cycle.
        complete(japan, focal_point)
        completed = stored.fingerprint(cycle, ExportKind.XLSX, "en")
        submit(japan, actor=focal_point)
        db.session.flush()
        assert stored.fingerprint(cycle, ExportKind.XLSX, "en") != completed
        submitted = stored.fingerprint(cycle, ExportKind.XLSX, "en")
        cycle.name = cycle.name + " (renamed)"
        db.session.flush()
        assert stored.fingerprint(cycle, ExportKind.XLSX, "en") != submitted


def test_the_fingerprint_is_one_query_that_reads_no_answers(app):
    cycle = current_cycle()
    engine = app.extensions["survey.db"].engine
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        stored.fingerprint(cycle, ExportKind.XLSX, "en")
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)
    assert len(statements) == 1 and "answers" not in statements[0]


def test_without_redis_the_progress_page_sends_to_the_file(client, admin):
    cycle = current_cycle()
    base = f"/admin/cycles/{cycle.id}/exports/xlsx/{'0' * 32}"
    page = client.get(base)
    assert page.status_code == 302
    assert page.headers["Location"] == f"/admin/cycles/{cycle.id}/answers.xlsx"
    status = client.get(base + "/status").get_json()
    assert status["status"] == "missing"
    assert status["download_url"] == f"/admin/cycles/{cycle.id}/answers.xlsx"
    assert client.get(f"/admin/cycles/{cycle.id}/exports/xlsx/not-a-fingerprint").status_code \
        == 404
    assert client.get(f"/admin/cycles/{cycle.id}/exports/csv/{'0' * 32}").status_code == 404
