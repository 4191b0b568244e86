"""The cycle's workbook made by ``survey worker`` while the secretariat waits on its progress
page, in a real browser: the page passes axe while waiting and once ready, says "ready" in
its live region, shows the link without starting anything by itself, and the file is the
workbook."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from survey import PROJECT_ROOT
from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.exports.models import StoredExport
from tests.conftest import TEST_REDIS_URL, TEST_SECRET_KEY, redis_or_skip
from tests.e2e.conftest import Audit, sign_in
from tests.e2e.server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def start_worker(app, folder: Path) -> tuple[subprocess.Popen, Path]:
    """``survey worker --burst`` on the app's database and the test Redis; its log."""
    folder.mkdir(parents=True, exist_ok=True)
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("SURVEY_")}
    environment.update({
        "SURVEY_DATABASE_URL": app.extensions["survey.db"].engine.url.render_as_string(False),
        "SURVEY_SECRET_KEY": TEST_SECRET_KEY, "SURVEY_INSTANCE_PATH": str(folder),
        "SURVEY_REDIS_URL": TEST_REDIS_URL, "PYTHONUNBUFFERED": "1"})  # its log survives kill
    log = folder / "worker.log"
    with log.open("w") as output:
        process = subprocess.Popen([sys.executable, "-m", "survey", "worker", "--burst"],
                                   cwd=PROJECT_ROOT, env=environment, stdout=output,
                                   stderr=subprocess.STDOUT)
    return process, log


def stop_worker(process: subprocess.Popen) -> None:
    """Once its burst is done: RQ 3 with redis-py 8 then waits up to a minute for its
    command channel's thread before exiting, which this test need not wait for."""
    if process.poll() is None:
        process.kill()
    process.wait(timeout=30)


def forget_exports(app, cycle_id: int) -> None:
    with app.app_context():
        db.session.execute(sa.delete(StoredExport).where(StoredExport.cycle_id == cycle_id))
        db.session.commit()


def test_the_workbook_made_by_the_worker_is_offered_on_its_progress_page(
        browser, axe_source, committed_app, team_of, tmp_path):
    connection = redis_or_skip()
    connection.flushdb()
    with committed_app.app_context():
        cycle_id, slug = current_cycle().id, current_cycle().slug
    forget_exports(committed_app, cycle_id)
    server = LiveServer(committed_app, tmp_path / "server", workers=1,
                        env={"SURVEY_REDIS_URL": TEST_REDIS_URL}, name="exports")
    audit = Audit(axe_source, server)
    try:
        admin = team_of("NZL").user("admin", "Export Officer")
        context = browser.new_context(accept_downloads=True)
        page = audit.watch(context.new_page())
        sign_in(page, server.base_url, admin.email)
        page.goto(server.url(f"/admin/cycles/{cycle_id}"))
        page.get_by_role("link", name="All answers (Excel workbook", exact=False).click()
        page.wait_for_url(f"**/admin/cycles/{cycle_id}/exports/xlsx/*")
        progress_url = page.url
        message = page.locator("#report-progress-message")
        expect(message).to_contain_text("waiting its turn")
        link = page.get_by_role("link", name="Download the file")
        expect(link).to_be_hidden()
        audit.check(page, "export progress, queued")

        worker, worker_log = start_worker(committed_app, tmp_path / "worker")
        try:
            # The script finds the file ready: says so, and shows the link; nothing starts.
            expect(message).to_contain_text("The file is ready", timeout=120_000)
        finally:
            stop_worker(worker)
        assert "Job OK (export-" in worker_log.read_text(), worker_log.read_text()
        assert "Listening on mail, reports, exports" in worker_log.read_text()
        expect(link).to_be_visible()
        assert "file=" in (link.get_attribute("href") or "")
        assert page.url == progress_url
        audit.check(page, "export progress, ready")
        with page.expect_download(timeout=60_000) as download:
            link.click()
        assert download.value.suggested_filename == f"kyoto-answers-{slug}.xlsx"
        workbook = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()),
                                          read_only=True)
        try:
            assert "States" in workbook.sheetnames
        finally:
            workbook.close()
        context.close()
        audit.assert_clean()
    finally:
        server.stop()
        connection.flushdb()
        connection.close()
        forget_exports(committed_app, cycle_id)
