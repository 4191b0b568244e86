"""The cycle's workbook and synthesis made by the RQ worker, against a real Redis (db 15 unless
told otherwise): asked for, followed on a progress page, made once, offered, retried."""

from __future__ import annotations

import dataclasses
import io

import openpyxl
import pytest
import redis
from pypdf import PdfReader
from rq import SimpleWorker

from survey.core.mail import MAIL_QUEUE
from survey.cycles.services import current_cycle
from survey.exports import jobs
from survey.reports import jobs as report_jobs
from tests.admin.conftest import save
from tests.conftest import TEST_REDIS_URL, page_text, redis_or_skip, response_of


@pytest.fixture
def admin(login_as):
    return login_as("admin", None)


class BurstWorker(SimpleWorker):
    """A worker without its command channel: with redis-py 8, stopping the channel's thread
    before it has subscribed waits for its 60-second poll, and a burst is over that fast."""

    def subscribe(self) -> None:
        pass


def run_worker(connection: redis.Redis) -> None:
    """Run the queued jobs of every queue ``survey worker`` takes, in this process (in the
    test's app context and transaction)."""
    worker = BurstWorker(list(report_jobs.WORKER_QUEUES), connection=connection)
    worker.work(burst=True, with_scheduler=False)


def workbook_text(data: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return " ".join(str(value) for sheet in workbook.worksheets
                        for row in sheet.iter_rows(values_only=True) for value in row)
    finally:
        workbook.close()


def progress_of(reply, cycle_id: int, kind: str) -> str:
    """The progress page a download was sent to."""
    assert reply.status_code == 303, reply.status_code
    location = reply.headers["Location"]
    assert location.startswith(f"/admin/cycles/{cycle_id}/exports/{kind}/"), location
    return location


def test_the_worker_takes_mail_then_reports_then_exports(app, monkeypatch):
    """``survey worker`` listens to the mail and export queues too, most urgent first."""
    connection = redis_or_skip()
    connection.close()
    settings = dataclasses.replace(app.config["SURVEY"], REDIS_URL=TEST_REDIS_URL)
    monkeypatch.setitem(app.config, "SURVEY", settings)
    listened = []
    monkeypatch.setattr(report_jobs.ReportWorker, "work",
                        lambda self, **kwargs: listened.extend(self.queue_names()))
    try:
        report_jobs.run_worker(app, burst=True)
    finally:
        cached = app.extensions.pop("survey.redis", None)
        if cached is not None:
            cached[1].close()
    assert listened == [MAIL_QUEUE, report_jobs.QUEUE_NAME, jobs.QUEUE_NAME] == [
        "mail", "reports", "exports"]


def test_the_workbook_is_queued_made_by_the_worker_then_offered(client, admin, make_user,
                                                               redis_app):
    cycle = current_cycle()
    cycle_id, slug = cycle.id, cycle.slug
    japan, focal_point = response_of("JPN"), make_user("focal_point", "JPN")
    save(japan, focal_point, {"general.coordinating_institution": "Cabinet Office"})
    url = f"/admin/cycles/{cycle_id}/answers.xlsx"

    progress = progress_of(client.get(url), cycle_id, "xlsx")
    waiting = client.get(progress)
    assert waiting.status_code == 200
    html = waiting.get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in html and "report-progress.js" in html
    assert 'data-start-download="no"' in html and 'role="status"' in html
    assert "waiting its turn" in page_text(waiting)
    status = client.get(progress + "/status").get_json()
    assert status["status"] == "queued" and status["download_url"] == url
    # Asking again does not queue the same file twice.
    assert progress_of(client.get(url), cycle_id, "xlsx") == progress
    assert jobs.export_queue(redis_app).count == 1

    run_worker(redis_app)

    status = client.get(progress + "/status").get_json()
    assert status["status"] == "ready", status
    assert status["download_url"].startswith(url + "?file=")
    ready = client.get(progress)
    assert ready.status_code == 200
    html = ready.get_data(as_text=True)
    assert '<meta http-equiv="refresh"' not in html and "<progress" not in html
    assert f'href="{status["download_url"]}"' in html.replace("&amp;", "&")
    assert "The file is ready" in page_text(ready)
    download = client.get(status["download_url"])
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    assert f"kyoto-answers-{slug}.xlsx" in download.headers["Content-Disposition"]
    assert "Cabinet Office" in workbook_text(download.get_data())
    # The data unchanged, the stored file is served at once.
    direct = client.get(url)
    assert direct.status_code == 200 and direct.get_data() == download.get_data()
    assert jobs.export_queue(redis_app).count == 0


def test_the_file_made_is_offered_though_answers_were_saved_meanwhile(client, admin, make_user,
                                                                      redis_app):
    """In an open cycle answers are saved all the time: the page offers the file it waited
    for, made from the data as it was when the worker read it."""
    cycle_id = current_cycle().id
    japan, focal_point = response_of("JPN"), make_user("focal_point", "JPN")
    url = f"/admin/cycles/{cycle_id}/answers.xlsx"
    progress = progress_of(client.get(url), cycle_id, "xlsx")
    save(japan, focal_point, {"general.coordinating_institution": "Saved meanwhile"})
    run_worker(redis_app)

    status = client.get(progress + "/status").get_json()
    assert status["status"] == "ready", status
    download = client.get(status["download_url"])
    assert "Saved meanwhile" in workbook_text(download.get_data())
    # ...and the download address, the data unchanged since the worker read it, is that file.
    assert client.get(url).get_data() == download.get_data()


def test_the_synthesis_is_queued_made_by_the_worker_then_offered(client, admin, redis_app):
    cycle_id = current_cycle().id
    url = f"/admin/cycles/{cycle_id}/synthesis.pdf?scope=all"
    progress = progress_of(client.get(url), cycle_id, "synthesis_all")
    assert client.get(progress + "/status").get_json()["status"] == "queued"
    assert "Synthesis of all responses" in page_text(client.get(progress))

    run_worker(redis_app)

    status = client.get(progress + "/status").get_json()
    assert status["status"] == "ready", status
    download = client.get(status["download_url"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "including-drafts" in download.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(download.get_data()))
    assert int(download.headers["X-Report-Pages"]) == len(reader.pages)
    assert "global synthesis" in " ".join(p.extract_text() or "" for p in reader.pages)
    # The signed-off responses' synthesis is another file.
    progress_of(client.get(f"/admin/cycles/{cycle_id}/synthesis.pdf"), cycle_id,
                "synthesis_final")


def test_a_failed_job_says_so_and_can_be_retried(client, admin, redis_app, monkeypatch):
    cycle_id = current_cycle().id
    url = f"/admin/cycles/{cycle_id}/answers.xlsx"

    def broken(*args, **kwargs):
        raise RuntimeError("openpyxl exploded")

    monkeypatch.setattr(jobs, "export_for_download", broken)
    progress = progress_of(client.get(url), cycle_id, "xlsx")
    run_worker(redis_app)

    status = client.get(progress + "/status").get_json()
    assert status["status"] == "failed"
    assert "could not be prepared" in status["message"] and status["reference"]
    page = client.get(progress)
    assert page.status_code == 200
    text = page_text(page)
    assert "could not be prepared" in text and "Try again" in text and status["reference"] in text
    html = page.get_data(as_text=True)
    assert "exploded" not in text and '<meta http-equiv="refresh"' not in html
    # Asking for the file again shows the failure rather than queueing it behind it.
    assert progress_of(client.get(url), cycle_id, "xlsx") == progress
    assert jobs.export_queue(redis_app).count == 0

    monkeypatch.undo()
    monkeypatch.setitem(client.application.config, "SURVEY", dataclasses.replace(
        client.application.config["SURVEY"], REDIS_URL=TEST_REDIS_URL))
    retried = client.post(progress + "/retry")
    assert retried.status_code == 303 and retried.headers["Location"] == url
    assert progress_of(client.get(url), cycle_id, "xlsx") == progress
    assert client.get(progress + "/status").get_json()["status"] == "queued"
    run_worker(redis_app)
    status = client.get(progress + "/status").get_json()
    assert status["status"] == "ready", status
    assert client.get(status["download_url"]).mimetype.endswith(".sheet")


def test_a_job_that_runs_too_long_is_reported_as_such(client, admin, redis_app, monkeypatch):
    cycle_id = current_cycle().id

    def slow(*args, **kwargs):
        from rq.timeouts import JobTimeoutException

        raise JobTimeoutException("Task exceeded maximum timeout value (120 seconds)")

    monkeypatch.setattr(jobs, "export_for_download", slow)
    progress = progress_of(client.get(f"/admin/cycles/{cycle_id}/synthesis.pdf"), cycle_id,
                           "synthesis_final")
    run_worker(redis_app)
    status = client.get(progress + "/status").get_json()
    assert status["status"] == "failed" and "took too long" in status["message"]
    assert "Try again" in page_text(client.get(progress))


def test_a_forgotten_job_sends_the_page_to_the_file_as_it_is_now(client, admin, redis_app):
    cycle_id = current_cycle().id
    url = f"/admin/cycles/{cycle_id}/answers.xlsx"
    progress = progress_of(client.get(url), cycle_id, "xlsx")
    redis_app.flushdb()  # Redis lost the job (restarted, or the result expired)
    assert client.get(progress + "/status").get_json()["status"] == "missing"
    again = client.get(progress)
    assert again.status_code == 303 and again.headers["Location"] == url
