"""The national report: preview in the browser, PDF download, and the progress of a
rendering done by a worker."""

from __future__ import annotations

import io
import logging

from flask import (
    Blueprint,
    g,
    jsonify,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from redis.exceptions import RedisError
from werkzeug import Response as HttpResponse

from survey.core.access import response_or_404
from survey.reports import jobs
from survey.reports.models import RenderedReport
from survey.reports.national import (
    build_report,
    cached_report,
    current_locale,
    dir_attrs,
    dir_span,
    has_cached_report,
    isolate,
    report_filename,
    report_for_download,
)
from survey.reports.pdf import PdfRenderError, RenderTimeout
from survey.responses.models import Response

bp = Blueprint("reports", __name__)
log = logging.getLogger(__name__)
# For the report's templates (the preview's and the PDF's): what people typed, in its own
# direction.
bp.add_app_template_global(dir_attrs)
bp.add_app_template_global(dir_span)
bp.add_app_template_global(isolate)

REFRESH_SECONDS = 3


@bp.route("/responses/<int:response_id>/report")
@login_required
def preview(response_id: int) -> str:
    """The report in the browser: the same content as the PDF."""
    response = response_or_404(response_id)
    return render_template("reports/preview.html", response=response,
                           report=build_report(response))


@bp.route("/responses/<int:response_id>/report.pdf")
@login_required
def download(response_id: int) -> HttpResponse | tuple[str, int]:
    """The report as a PDF: from the cache, from a worker, or rendered now."""
    response = response_or_404(response_id)
    locale = current_locale()
    cached = cached_report(response, locale)
    if cached is not None:
        return _send(response, cached)
    connection = jobs.redis_connection()
    if connection is not None:
        try:
            jobs.request_report(response, locale, connection)
        except RedisError:
            log.exception("report: cannot reach Redis; rendering in the request")
        else:
            return redirect(url_for("reports.progress", response_id=response.id), 303)
    try:
        rendered = report_for_download(response, locale, isolated=True)
    except RenderTimeout:
        log.exception("report: rendering response %s took too long", response.id)
        return _failure(response, 503, _("Preparing the report took too long"),
                        _("The report is too long to be prepared right now."))
    except PdfRenderError:
        log.exception("report: rendering response %s failed", response.id)
        return _failure(response, 500, _("The report could not be prepared"),
                        _("Something went wrong while making the PDF."))
    return _send(response, rendered)


def _send(response: Response, rendered: RenderedReport) -> HttpResponse:
    sent = send_file(io.BytesIO(rendered.pdf), mimetype="application/pdf",
                     as_attachment=True, download_name=report_filename(response),
                     max_age=0)
    sent.headers["X-Report-Pages"] = str(rendered.page_count)
    return sent


def _failure(response: Response, code: int, title: str, explanation: str) -> tuple[str, int]:
    return render_template("reports/failed.html", response=response, title=title,
                           explanation=explanation, request_id=g.get("request_id")), code


def _state(response: Response) -> jobs.ReportState:
    connection = jobs.redis_connection()
    locale = current_locale()
    if connection is None:
        if has_cached_report(response, locale):
            return jobs.ReportState("ready", _("The report is ready."))
        return jobs.ReportState("missing", _("The report has not been prepared yet."))
    return jobs.request_report(response, locale, connection)


@bp.route("/responses/<int:response_id>/report/progress")
@login_required
def progress(response_id: int) -> HttpResponse | str:
    """Wait for a report a worker is preparing; go to the file when it is ready."""
    response = response_or_404(response_id)
    if jobs.redis_connection() is None:
        return redirect(url_for("reports.download", response_id=response.id))
    state = _state(response)
    if state.status == "ready":
        return redirect(url_for("reports.download", response_id=response.id), 303)
    return render_template("reports/progress.html", response=response, state=state,
                           refresh_seconds=REFRESH_SECONDS)


@bp.route("/responses/<int:response_id>/report/status")
@login_required
def status(response_id: int) -> HttpResponse:
    """Where the report stands, as JSON, for the progress page's script."""
    response = response_or_404(response_id)
    state = _state(response)
    body = state.as_json()
    body["download_url"] = url_for("reports.download", response_id=response.id)
    return jsonify(body)


@bp.route("/responses/<int:response_id>/report/retry", methods=["POST"])
@login_required
def retry(response_id: int) -> HttpResponse:
    """Ask again for a report whose rendering failed."""
    response = response_or_404(response_id)
    connection = jobs.redis_connection()
    if connection is not None:
        jobs.retry_report(response, current_locale(), connection)
    return redirect(url_for("reports.progress", response_id=response.id), 303)
