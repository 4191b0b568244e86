"""Rendering in an RQ worker, against a real Redis (db 15 unless told otherwise)."""

from __future__ import annotations

import dataclasses

import pytest
import redis
from rq import SimpleWorker

from survey.core.db import db
from survey.reports import jobs
from tests.conftest import TEST_REDIS_URL, page_text, redis_or_skip, response_of
from tests.reports.conftest import answer, pdf_text


@pytest.fixture
def redis_app(app, monkeypatch):
    """The app, configured with Redis for the duration of one test, on an empty db."""
    connection = redis_or_skip()
    connection.flushdb()
    settings = dataclasses.replace(app.config["SURVEY"], REDIS_URL=TEST_REDIS_URL)
    monkeypatch.setitem(app.config, "SURVEY", settings)
    try:
        yield connection
    finally:
        connection.flushdb()
        connection.close()
        cached = app.extensions.pop("survey.reports.redis", None)
        if cached is not None:
            cached[1].close()


def run_worker(connection: redis.Redis) -> None:
    """Run the queued jobs in this process (in the test's app context and transaction)."""
    worker = SimpleWorker([jobs.report_queue(connection)], connection=connection)
    worker.work(burst=True, with_scheduler=False)


def test_download_is_queued_rendered_by_the_worker_then_served(client, login_as, redis_app):
    user = login_as("focal_point", "JPN")
    response = response_of("JPN")
    with client.application.test_request_context("/"):
        answer(response, user, {"general.coordinating_institution": "Cabinet Office"})
    db.session.commit()
    base = f"/responses/{response.id}/report"

    reply = client.get(base + ".pdf")
    assert reply.status_code == 303
    assert reply.headers["Location"].endswith(base + "/progress")
    waiting = client.get(base + "/progress")
    assert waiting.status_code == 200
    html = waiting.get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in html and "report-progress.js" in html
    assert "waiting its turn" in page_text(waiting)
    status = client.get(base + "/status").get_json()
    assert status["status"] == "queued" and status["download_url"].endswith(".pdf")
    # Asking again does not queue the same report twice.
    client.get(base + ".pdf")
    assert jobs.report_queue(redis_app).count == 1

    run_worker(redis_app)

    status = client.get(base + "/status").get_json()
    assert status["status"] == "ready", status
    ready = client.get(base + "/progress")
    assert ready.status_code == 303 and ready.headers["Location"].endswith(base + ".pdf")
    download = client.get(base + ".pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "Cabinet Office" in pdf_text(download.get_data())
    assert jobs.report_queue(redis_app).count == 0


def test_a_failed_job_says_so_and_can_be_retried(client, login_as, redis_app, monkeypatch):
    login_as("observer", "JPN")
    response = response_of("JPN")
    base = f"/responses/{response.id}/report"

    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint exploded")

    monkeypatch.setattr(jobs, "report_for_download", broken)
    assert client.get(base + ".pdf").status_code == 303
    run_worker(redis_app)

    status = client.get(base + "/status").get_json()
    assert status["status"] == "failed"
    assert "could not be prepared" in status["message"] and status["reference"]
    page = client.get(base + "/progress")
    assert page.status_code == 200
    text = page_text(page)
    assert "could not be prepared" in text and "Try again" in text
    assert "exploded" not in text and '<meta http-equiv="refresh"' not in page.get_data(
        as_text=True)

    monkeypatch.undo()
    monkeypatch.setitem(client.application.config, "SURVEY", dataclasses.replace(
        client.application.config["SURVEY"], REDIS_URL=TEST_REDIS_URL))
    retried = client.post(base + "/retry")
    assert retried.status_code == 303
    assert client.get(base + "/status").get_json()["status"] == "queued"
    run_worker(redis_app)
    assert client.get(base + "/status").get_json()["status"] == "ready"


def test_a_job_that_runs_too_long_is_reported_as_such(client, login_as, redis_app,
                                                      monkeypatch):
    login_as("observer", "JPN")
    response = response_of("JPN")
    base = f"/responses/{response.id}/report"

    def slow(*args, **kwargs):
        from rq.timeouts import JobTimeoutException

        raise JobTimeoutException("Task exceeded maximum timeout value (120 seconds)")

    monkeypatch.setattr(jobs, "report_for_download", slow)
    client.get(base + ".pdf")
    run_worker(redis_app)
    status = client.get(base + "/status").get_json()
    assert status["status"] == "failed" and "took too long" in status["message"]
