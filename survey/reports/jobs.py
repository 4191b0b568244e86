"""Rendering reports in RQ workers, where Redis is configured (``SURVEY_REDIS_URL``).

The web process enqueues a job on the ``reports`` queue and shows a page that follows its
progress; a worker (``survey worker``) renders the PDF in a forked work horse, within
``REPORT_TIMEOUT_SECONDS`` (RQ's job timeout) and ``REPORT_MEMORY_MB`` (an address-space
limit set in the horse only), and stores it in ``rendered_reports``, where any app
server finds it. A job's id names the response's revision, the language and the
templates' version, so asking twice for the same report never renders it twice. The same
worker makes the secretariat's exports of a cycle, from the ``exports`` queue, once the
reports waiting are done (survey.exports.jobs).
"""

from __future__ import annotations

import contextlib
import logging
import resource
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g
from flask_babel import force_locale
from flask_babel import gettext as _
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from survey.core.db import db
from survey.core.mail import MAIL_QUEUE
from survey.core.queues import redis_connection
from survey.reports.national import has_cached_report, report_for_download, template_version
from survey.responses.models import Response

log = logging.getLogger(__name__)

QUEUE_NAME = "reports"
# The queues ``survey worker`` takes jobs from, most urgent first: mail (quick, and people
# wait for it: survey.core.mail), then a State waiting for its report, then the
# secretariat's exports of a whole cycle (survey.exports.jobs).
WORKER_QUEUES = (MAIL_QUEUE, QUEUE_NAME, "exports")
RESULT_TTL = 600  # seconds a finished job is remembered (the PDF itself is in the DB)
FAILURE_TTL = 3600  # seconds a failed job is remembered, so the page can say why


@dataclass(frozen=True)
class ReportState:
    """Where a requested report stands, as the progress page shows it."""

    status: str  # "ready", "queued", "started", "failed", or "missing" (not asked for)
    message: str
    reference: str | None = None  # what to quote to the secretariat when it failed

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "message": self.message, "reference": self.reference}


def report_queue(connection: Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection)


def job_id(response: Response, locale: str) -> str:
    return (f"report-{response.id}-{response.revision}-{locale.replace('_', '-')}-"
            f"{template_version()[:16]}")


def _fetch(connection: Redis, id_: str) -> Job | None:
    try:
        return Job.fetch(id_, connection=connection)
    except NoSuchJobError:
        return None


def report_state(response: Response, locale: str, connection: Redis) -> ReportState | None:
    """The state of the report of the response as it is now; None if nobody asked for it."""
    if has_cached_report(response, locale):
        return ReportState("ready", _("The report is ready."))
    job = _fetch(connection, job_id(response, locale))
    if job is None:
        return None
    status = job.get_status(refresh=True)
    if status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED,
                  JobStatus.CREATED):
        return ReportState("queued", _("Your report is waiting its turn to be prepared…"))
    if status is JobStatus.STARTED:
        return ReportState("started", _("Your report is being prepared; this usually takes "
                                        "less than a minute…"))
    if status is JobStatus.FINISHED:
        # Finished, yet not stored for this revision: the answers changed meanwhile.
        return None
    if failure_reason(job) == "timeout":
        message = _("Preparing the report took too long and was stopped. Please try again "
                    "later; if it happens again, tell the secretariat.")
    else:
        message = _("The report could not be prepared. Please try again; if it happens "
                    "again, tell the secretariat.")
    return ReportState("failed", message, reference=job.id)


def failure_reason(job: Job) -> str:
    """Why a failed job failed: "timeout", "memory" or "error"."""
    reason = (job.meta or {}).get("failure")
    if reason is None:  # the work horse died before the job could say why
        result = job.latest_result()
        reason = "timeout" if result and "JobTimeoutException" in (result.exc_string or "") \
            else "error"
    return reason


def note_failure(job: Job | None, exc: BaseException) -> None:
    """Record in the running job why it fails, for its progress page to say."""
    if job is not None:
        job.meta["failure"] = "timeout" if type(exc).__name__ == "JobTimeoutException" \
            else "memory" if isinstance(exc, MemoryError) else "error"
        job.save_meta()


@contextlib.contextmanager
def job_unit_of_work(what: str) -> Iterator[Job | None]:
    """The running RQ job's database work (commit it inside): rolled back, recorded as
    failed for its progress page, and logged if it raises; the session removed after."""
    from rq import get_current_job

    job = get_current_job()
    # Flask-Babel ignores a locale forced on an empty ``g``; give it something.
    g.job_id = job.id if job else "-"
    try:
        yield job
    except BaseException as exc:
        db.session.rollback()
        note_failure(job, exc)
        log.exception("%s job %s failed", what, job.id if job else "-")
        raise
    finally:
        db.session.remove()


def request_report(response: Response, locale: str, connection: Redis) -> ReportState:
    """Enqueue the rendering of the response's report unless it is ready or under way."""
    state = report_state(response, locale, connection)
    if state is not None:
        return state
    return _enqueue(response, locale, connection)


def prepare_report(response: Response, locale: str) -> None:
    """Have a worker prepare the response's report ahead of its download (call it once the
    change is committed), where Redis is configured. What the user did does not depend on
    it: a Redis failure is logged, and the report is then made when it is downloaded."""
    connection = redis_connection()
    if connection is None:
        return
    try:
        request_report(response, locale, connection)
    except RedisError:
        log.exception("report: cannot reach Redis to prepare response %s's report",
                      response.id)


def retry_report(response: Response, locale: str, connection: Redis) -> ReportState:
    """Forget a failed rendering and enqueue it again."""
    state = report_state(response, locale, connection)
    if state is not None and state.status != "failed":
        return state
    job = _fetch(connection, job_id(response, locale))
    if job is not None:
        job.delete()
    return _enqueue(response, locale, connection)


def _enqueue(response: Response, locale: str, connection: Redis) -> ReportState:
    settings = current_app.config["SURVEY"]
    report_queue(connection).enqueue(
        render_report_job, response.id, locale,
        job_id=job_id(response, locale), job_timeout=settings.REPORT_TIMEOUT_SECONDS,
        result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL,
        description=f"national report of response {response.id} ({locale})")
    return ReportState("queued", _("Your report is waiting its turn to be prepared…"))


def render_report_job(response_id: int, locale: str) -> dict[str, Any]:
    """The RQ job: render the response's report as it is now and store it (commits)."""
    with job_unit_of_work("report"):
        response = db.session.get(Response, response_id)
        if response is None:
            return {"status": "gone"}
        with force_locale(locale):
            row = report_for_download(response, locale, isolated=False)
            result = {"status": "ready", "revision": row.response_revision,
                      "pages": row.page_count}
        db.session.commit()
        return result


class ReportWorker(Worker):
    """An RQ worker whose work horses may use at most ``REPORT_MEMORY_MB`` of memory."""

    memory_mb: int | None = None

    # RQ 3 waits for a command (stop a job, shut down) in a thread that wakes every 60 s;
    # with redis-py 8 closing it waits for the thread, so stopping a worker took a minute
    # (every deployment, every burst run). Woken every half second, it stops at once.
    COMMAND_POLL_SECONDS = 0.5

    def subscribe(self) -> None:
        self.log.info("Worker %s: subscribing to channel %s", self.name,
                      self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=self.COMMAND_POLL_SECONDS, daemon=True,
            exception_handler=self._pubsub_exception_handler)

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        # Runs in the forked horse only: the limit dies with it, never with the worker.
        if self.memory_mb:
            limit = self.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        # The horse must not share the parent's pooled database connections.
        db.engine.dispose(close=False)
        super().main_work_horse(job, queue)


def run_worker(app: Flask, *, burst: bool = False) -> bool:
    """Process the ``mail``, ``reports`` and ``exports`` queues (:data:`WORKER_QUEUES`) until
    stopped (or until empty, with ``burst``).

    :raises RedisError: Redis cannot be reached
    """
    connection = redis_connection(app)
    if connection is None:
        raise RuntimeError("SURVEY_REDIS_URL is not set: reports render in the web process")
    connection.ping()
    worker = ReportWorker([Queue(name, connection=connection) for name in WORKER_QUEUES],
                          connection=connection)
    worker.memory_mb = app.config["SURVEY"].REPORT_MEMORY_MB
    return worker.work(burst=burst, with_scheduler=False)


__all__ = ["QUEUE_NAME", "WORKER_QUEUES", "ReportState", "ReportWorker", "failure_reason",
           "note_failure", "redis_connection", "render_report_job", "report_state",
           "request_report", "retry_report", "run_worker"]
