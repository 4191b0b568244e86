"""Rendering in an RQ worker, against a real Redis (db 15 unless told otherwise)."""

from __future__ import annotations

import dataclasses
import threading

import redis
from rq import SimpleWorker

from survey.core.db import db
from survey.reports import jobs
from tests.conftest import TEST_REDIS_URL, page_text, response_of
from tests.reports.conftest import answer, pdf_text


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


def test_a_worker_hears_commands_and_stops_listening_at_once(redis_app):
    """The command thread (stop a job, shut down) hears a command, and ends as soon as the
    worker stops, also right after it started (a burst run with nothing to do), instead of
    sleeping out RQ's minute: deployments and burst runs do not hang on it."""
    from rq.command import send_shutdown_command

    def stops(worker: jobs.ReportWorker) -> bool:
        stopping = threading.Thread(target=worker.unsubscribe, daemon=True)
        stopping.start()
        stopping.join(timeout=10)  # RQ's own thread would keep it up to 60 s
        return not stopping.is_alive() and not worker.pubsub_thread.is_alive()

    worker = jobs.ReportWorker(jobs.WORKER_QUEUES, connection=redis_app)
    heard = threading.Event()
    # Heard, not acted on: RQ's own handler would interrupt this very process.
    worker.handle_payload = lambda message: heard.set()
    worker.subscribe()
    send_shutdown_command(redis_app, worker.name)
    assert heard.wait(timeout=10)
    assert stops(worker)

    # The case that hung: the thread has read the unsubscription (a worker stopping as soon
    # as it started) and waits for a subscription that will not come.
    idle = jobs.ReportWorker(jobs.WORKER_QUEUES, connection=redis_app)
    idle.subscribe()
    idle.pubsub.unsubscribe()
    for _ in range(100):
        if not idle.pubsub.subscribed:
            break
        idle.pubsub_thread.join(timeout=0.05)
    idle.pubsub_thread.join(timeout=0.2)  # back in its wait
    assert stops(idle)


def test_the_signed_report_is_prepared_as_soon_as_the_state_submits(client, make_user,
                                                                     redis_app):
    """Submitting asks a worker for the report of the submitted response, in the
    submitter's language, so that the download that follows is served at once."""
    from tests.conftest import login
    from tests.responses.helpers import complete

    focal_point = make_user("focal_point", "JPN")
    focal_point.locale = "fr"
    response = response_of("JPN")
    complete(response, focal_point)
    db.session.commit()
    login(client, focal_point)
    assert client.post(f"/responses/{response.id}/submit", data={
        "confirm": "yes", "authorised_by_title": "Minister of Justice"}).status_code == 302
    db.session.refresh(response)
    queued = jobs.report_queue(redis_app).jobs
    assert [job.id for job in queued] == [jobs.job_id(response, "fr")]

    run_worker(redis_app)
    download = client.get(f"/responses/{response.id}/report.pdf")
    assert download.status_code == 200, "served from the store, not queued again"
    assert "AUTO-ÉVALUATION NATIONALE" in pdf_text(download.get_data()).upper()


def test_a_submission_does_not_depend_on_redis(client, make_user, redis_app, monkeypatch):
    from survey.responses.models import ResponseStatus
    from tests.conftest import login
    from tests.responses.helpers import complete

    focal_point = make_user("focal_point", "JPN")
    response = response_of("JPN")
    complete(response, focal_point)
    db.session.commit()
    login(client, focal_point)

    def unreachable(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Redis is down")

    monkeypatch.setattr(jobs, "request_report", unreachable)
    done = client.post(f"/responses/{response.id}/submit", data={
        "confirm": "yes", "authorised_by_title": "Minister of Justice"})
    assert done.status_code == 302
    db.session.refresh(response)
    assert response.status is ResponseStatus.SUBMITTED
