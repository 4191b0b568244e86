"""The cycle's workbook and global synthesis, made once and stored while the data is unchanged.

Making them takes tens of seconds for all States (the workbook's 1.85 million cells, the
synthesis's PDF), so each file is kept in ``stored_exports`` with a *fingerprint* of what it
was made from, and served again while the fingerprint is the same. The fingerprint comes
from one aggregate query over the cycle's responses (every saved answer, submission, return,
acceptance, role change and version move bumps its response's ``revision`` and nothing
lowers it) and the States, with the cycle, its questionnaire version, the language and the
code. Used by the admin views (in the request, without Redis) and by the export jobs
(survey.exports.jobs).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import tempfile

import sqlalchemy as sa

from survey import PROJECT_ROOT
from survey.admin.synthesis import render_synthesis, synthesis_filename
from survey.core.db import begin_reading, begin_writing, db
from survey.cycles.models import ReportingCycle
from survey.exports.models import ExportKind, StoredExport
from survey.exports.tabular import XLSX_MIMETYPE, export_file_name, write_xlsx
from survey.responses.models import Response
from survey.states.models import State

SURVEY_FOLDER = PROJECT_ROOT / "survey"
# What shapes the files besides the data: the code (labels, State names, the workbook's
# layout), the compiled catalogs, the synthesis's template and stylesheet, and the libraries.
_CODE_PATTERNS = ("survey/**/*.py", "survey/translations/**/*.mo", "survey/static/css/report.css",
                  "templates/admin/synthesis_document.html")
_PACKAGES = ("kyoto-survey", "openpyxl", "weasyprint", "pycountry")


@functools.cache
def code_version() -> str:
    """A digest of the code, catalogs, templates and libraries the files are made with: a
    deployment that changes any of them makes every file again."""
    digest = hashlib.sha256()
    for path in sorted({p for pattern in _CODE_PATTERNS for p in PROJECT_ROOT.glob(pattern)}):
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(path.read_bytes())
    for package in _PACKAGES:
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        digest.update(f"{package}={version};".encode())
    return digest.hexdigest()[:32]


def file_locale(kind: ExportKind, locale: str) -> str:
    """The language a stored file of this kind is made for, asked for in ``locale``: a
    synthesis is written in its reader's language; the workbook holds the stored data and
    headings the same in every language, so one file serves every administrator."""
    return locale if kind is not ExportKind.XLSX else "en"


def fingerprint(cycle: ReportingCycle, kind: ExportKind, locale: str) -> str:
    """What a file of the cycle made now would be made from, as 32 hex digits; one aggregate
    query (the responses and States, not their answers)."""
    responses = sa.select(
        sa.func.count(Response.id), sa.func.max(Response.id),
        sa.func.coalesce(sa.func.sum(Response.revision), 0),
        sa.func.max(Response.last_activity_at),
        sa.select(sa.func.count(State.id)).scalar_subquery(),
        sa.select(sa.func.max(State.id)).scalar_subquery(),
    ).where(Response.cycle_id == cycle.id)
    counts = [str(value) for value in db.session.execute(responses).one()]
    version = cycle.questionnaire_version
    parts = [kind.value, locale, cycle.id, cycle.name, cycle.slug, version.id,
             str(version.published_at), *counts, code_version()]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def find_export(cycle: ReportingCycle, kind: ExportKind, locale: str,
                fingerprint: str) -> StoredExport | None:
    """The stored file of the cycle made from data with this fingerprint (its bytes are
    loaded only when read)."""
    return db.session.scalar(sa.select(StoredExport).where(
        StoredExport.cycle_id == cycle.id, StoredExport.kind == kind,
        StoredExport.locale == locale, StoredExport.fingerprint == fingerprint))


def stored_export(cycle: ReportingCycle, kind: ExportKind, export_id: int) -> StoredExport | None:
    """A stored file of the cycle by its id, if it is still kept."""
    return db.session.scalar(sa.select(StoredExport).where(
        StoredExport.id == export_id, StoredExport.cycle_id == cycle.id,
        StoredExport.kind == kind))


def make_file(cycle: ReportingCycle, kind: ExportKind, *,
              isolated: bool) -> tuple[bytes, int | None]:
    """The file's bytes, and its pages for a PDF.

    :param isolated: render a synthesis in a child process within the configured limits
        (for the web process); a worker's job is already within them
    :raises survey.reports.pdf.PdfRenderError: the synthesis failed (RenderTimeout: too long)
    """
    if kind is ExportKind.XLSX:
        # openpyxl writes the workbook through temporary files, not memory.
        with tempfile.TemporaryFile() as file:
            write_xlsx(cycle, file)
            file.seek(0)
            return file.read(), None
    rendered = render_synthesis(cycle, final_only=kind is ExportKind.SYNTHESIS_FINAL,
                                isolated=isolated)
    return rendered.data, rendered.page_count


def store_export(cycle: ReportingCycle, kind: ExportKind, locale: str, fingerprint: str,
                 data: bytes, page_count: int | None, *,
                 requested_by_id: int | None) -> StoredExport:
    """Keep a file, and delete the older ones of the cycle, kind and language. Flushes."""
    row = StoredExport(cycle_id=cycle.id, kind=kind, locale=locale, fingerprint=fingerprint,
                       data=data, size=len(data), page_count=page_count,
                       requested_by_id=requested_by_id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except sa.exc.IntegrityError:
        # Another server or worker made the same file meanwhile: use theirs.
        existing = find_export(cycle, kind, locale, fingerprint)
        if existing is not None:
            return existing
        raise
    db.session.execute(
        sa.delete(StoredExport)
        .where(StoredExport.cycle_id == cycle.id, StoredExport.kind == kind,
               StoredExport.locale == locale, StoredExport.id != row.id)
        .execution_options(synchronize_session=False))
    db.session.flush()
    return row


def export_for_download(cycle: ReportingCycle, kind: ExportKind, locale: str, *,
                        requested_by_id: int | None, isolated: bool = True) -> StoredExport:
    """The stored file of the cycle as it is now, making and storing it if needed. Commits
    the session's transaction before reading, and leaves the one storing the file open.

    :param isolated: see :func:`make_file`
    :raises survey.reports.pdf.PdfRenderError: the synthesis failed (RenderTimeout: too long)
    """
    # States save while the file is made (tens of seconds): read holding no write lock,
    # then store in a transaction of its own, as SQLite cannot write in a read transaction
    # that began before another commit (core.db.begin_reading).
    begin_reading()
    # Taken before the data is read: a change made meanwhile gives a newer fingerprint, so
    # the file is made again next time rather than served as newer than it is.
    current = fingerprint(cycle, kind, locale)
    existing = find_export(cycle, kind, locale, current)
    if existing is not None:
        return existing
    data, page_count = make_file(cycle, kind, isolated=isolated)
    begin_writing()
    return store_export(cycle, kind, locale, current, data, page_count,
                        requested_by_id=requested_by_id)


def file_name(cycle: ReportingCycle, kind: ExportKind) -> str:
    """The name a file is downloaded under (as before they were stored)."""
    if kind is ExportKind.XLSX:
        return export_file_name(cycle, "xlsx")
    return synthesis_filename(cycle, kind is ExportKind.SYNTHESIS_FINAL)


def mimetype(kind: ExportKind) -> str:
    return XLSX_MIMETYPE if kind is ExportKind.XLSX else "application/pdf"
