"""Making the cycle's workbook and synthesis in RQ workers, where Redis is configured.

As for the national reports (survey.reports.jobs, whose connection and worker these share):
the web process enqueues a job on the ``exports`` queue and shows a page that follows it;
``survey worker`` takes it once no report is waiting, makes the file in a forked work horse
within ``REPORT_TIMEOUT_SECONDS`` and ``REPORT_MEMORY_MB``, and stores it in
``stored_exports``, where any app server finds it. A job's id names the cycle, the kind of
file, the language and the fingerprint of the data, so asking twice never makes it twice.

The progress page follows the job asked for, by that fingerprint: the file it made is
offered even when answers were saved since (in an open cycle they are, every few seconds).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from survey.core.db import db
from survey.cycles.models import ReportingCycle
from survey.exports.models import ExportKind, StoredExport
from survey.exports.stored import export_for_download, find_export
from survey.reports.jobs import failure_reason, job_unit_of_work

log = logging.getLogger(__name__)

QUEUE_NAME = "exports"  # one of survey.reports.jobs.WORKER_QUEUES
RESULT_TTL = 3600  # seconds a finished job is remembered: its page finds the file by it
FAILURE_TTL = 3600  # seconds a failed job is remembered, so the page can say why


@dataclass(frozen=True)
class ExportState:
    """Where a requested file stands, as the progress page shows it."""

    status: str  # "ready", "queued", "started", "failed", or "missing" (not asked for)
    message: str
    reference: str | None = None  # what to quote to the technical team when it failed
    export_id: int | None = None  # the stored file, once ready

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "message": self.message, "reference": self.reference}


def export_queue(connection: Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection)


def job_id(cycle: ReportingCycle, kind: ExportKind, locale: str, fingerprint: str) -> str:
    return f"export-{cycle.id}-{kind.value}-{locale.replace('_', '-')}-{fingerprint}"


def _ready(export_id: int) -> ExportState:
    return ExportState("ready", _("The file is ready: use the link below to download it."),
                       export_id=export_id)


def _queued() -> ExportState:
    return ExportState("queued", _("The file is waiting its turn to be prepared…"))


def export_state(cycle: ReportingCycle, kind: ExportKind, locale: str, fingerprint: str,
                 connection: Redis | None) -> ExportState:
    """Where the file of the cycle's data with this fingerprint stands (without Redis,
    whether it is stored)."""
    stored = find_export(cycle, kind, locale, fingerprint)
    if stored is not None:
        return _ready(stored.id)
    if connection is None:
        return ExportState("missing", _("The file has not been prepared yet."))
    try:
        job = Job.fetch(job_id(cycle, kind, locale, fingerprint), connection=connection)
    except NoSuchJobError:
        return ExportState("missing", _("The file has not been prepared yet."))
    status = job.get_status(refresh=True)
    if status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED,
                  JobStatus.CREATED):
        return _queued()
    if status is JobStatus.STARTED:
        return ExportState("started", _("The file is being prepared; for every State this "
                                        "takes a minute or so…"))
    if status is JobStatus.FINISHED:
        # Made from newer data than the fingerprint asked for: that file, while it is kept.
        made = (job.return_value() or {}).get("export_id")
        if made is not None and db.session.scalar(
                sa.select(StoredExport.id).where(StoredExport.id == made)) is not None:
            return _ready(made)
        return ExportState("missing", _("The file has not been prepared yet."))
    if failure_reason(job) == "timeout":
        message = _("Preparing the file took too long and was stopped. Please try again "
                    "later; if it happens again, tell the technical team.")
    else:
        message = _("The file could not be prepared. Please try again; if it happens again, "
                    "tell the technical team.")
    return ExportState("failed", message, reference=job.id)


def request_export(cycle: ReportingCycle, kind: ExportKind, locale: str, fingerprint: str,
                   connection: Redis, *, requested_by_id: int | None) -> ExportState:
    """Enqueue the making of the file unless it is stored, under way or failed.

    :raises RedisError: Redis cannot be reached
    """
    state = export_state(cycle, kind, locale, fingerprint, connection)
    if state.status != "missing":
        return state
    settings = current_app.config["SURVEY"]
    export_queue(connection).enqueue(
        make_export_job, cycle.id, kind.value, locale, requested_by_id,
        job_id=job_id(cycle, kind, locale, fingerprint),
        job_timeout=settings.REPORT_TIMEOUT_SECONDS, result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        description=f"{kind.value} export of cycle {cycle.slug} ({locale})")
    return _queued()


def forget_failure(cycle: ReportingCycle, kind: ExportKind, locale: str, fingerprint: str,
                   connection: Redis) -> None:
    """Delete the job of this fingerprint if it failed, so that it can be asked for again."""
    if export_state(cycle, kind, locale, fingerprint, connection).status == "failed":
        Job.fetch(job_id(cycle, kind, locale, fingerprint), connection=connection).delete()


def make_export_job(cycle_id: int, kind: str, locale: str,
                    requested_by_id: int | None) -> dict[str, Any]:
    """The RQ job: make the cycle's file from its data as it is now and store it (commits)."""
    with job_unit_of_work("export") as job:
        cycle = db.session.get(ReportingCycle, cycle_id)
        if cycle is None:
            return {"status": "gone"}
        with force_locale(locale):
            export = export_for_download(cycle, ExportKind(kind), locale,
                                         requested_by_id=requested_by_id, isolated=False)
        result = {"status": "ready", "export_id": export.id, "size": export.size}
        db.session.commit()
        log.info("%s export of cycle %s for user %s stored (%d bytes, job %s)", kind,
                 cycle.slug, requested_by_id, export.size, job.id if job else "-")
        return result
