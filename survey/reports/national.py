"""The national self-assessment report: one State's response as a document.

:func:`build_report` gathers everything the document shows (plain objects, so the
templates only lay out); :func:`report_html` renders the templates under
``templates/reports/``; :func:`render_report` turns that into a PDF. :func:`report_for_download`
adds the cache: an unchanged response (same revision, same templates, same language) is
served from ``rendered_reports`` instead of being rendered again.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import weasyprint
from flask import current_app, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from survey.auth.models import Role, User
from survey.core.audit import AuditEvent
from survey.core.db import begin_reading, begin_writing, db, utcnow
from survey.core.i18n import RIGHT_TO_LEFT, text_direction
from survey.core.labels import label
from survey.questionnaires import localized as localization
from survey.questionnaires.models import QuestionType, SectionKind
from survey.questionnaires.outline import (
    SOURCE_LANGUAGE,
    Option,
    Outline,
    ParagraphItem,
    QuestionItem,
    SectionItem,
)
from survey.reports import pdf
from survey.reports.charts import Category, status_bars_svg, watermark_svg
from survey.reports.models import RenderedReport
from survey.responses.models import Response, ResponseStatus
from survey.responses.services import answer_values, is_answered, outline_for
from survey.states.services import state_name

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE_DIR = PROJECT_ROOT / "templates" / "reports"
STYLESHEET = pdf.STATIC_FOLDER / "css" / "report.css"
KEEP_PER_RESPONSE = 3  # rendered PDFs kept per response (older ones are deleted)

UNANSWERED = "unanswered"
# Only a signed-off response is final; anything else prints as a draft.
FINAL_STATUSES = (ResponseStatus.SUBMITTED, ResponseStatus.ACCEPTED)

# The report's short headings, by the part of the question key after "pN." (the
# questionnaire's full questions are for the form; a document reads better with these).
FIELD_TITLES = {
    "actions": _l("Actions taken"),
    "measures": _l("Measures taken"),
    "authorities": _l("Competent authorities"),
    "examples": _l("Examples of implementation"),
    "challenges": _l("Challenges"),
    "challenges_details": _l("Challenges: details"),
    "assistance": _l("Technical assistance needed"),
    "assistance_details": _l("Technical assistance: details"),
}

# The general part: these two open the report on their own; every other question of it is
# printed under "Method", in the questionnaire's order (so a question a new version adds is
# printed too), with these short headings where the report has one.
EXECUTIVE_SUMMARY = "general.executive_summary"
PRIORITY_ACTIONS = "general.priority_actions"
GENERAL_TITLES = {
    "general.coordinating_institution": _l("Coordinating institution"),
    "general.stakeholders": _l("Stakeholders who contributed"),
    "general.stakeholders_details": _l("Stakeholders consulted and their contribution"),
    "general.consultation_process": _l("Consultation and validation process"),
}
# Never printed: the report is tabled publicly, and these answers are for the secretariat
# only. The focal point's contact details are a named person's email address and telephone
# number, asked so that the secretariat can reach them, not to publish them.
NOT_PRINTED = frozenset({"general.focal_point_contact"})

# A run of characters longer than this without a space (a pasted blob, a long URL) gets
# break opportunities: WeasyPrint's line breaking is quadratic in the length of a word.
_LONG_RUN = re.compile(r"\S{64,}")
_BREAK_EVERY = 32
_ZERO_WIDTH_SPACE = "\u200b"


# --- what the document shows ----------------------------------------------------------
#
# Texts from the questionnaire carry their language (``*_lang``, Option.lang) so that the
# English ones are marked as such; "" is the report's own language.

@dataclass(frozen=True)
class Entry:
    """One answer as printed: text paragraphs, a list of choices, one value, or a gap."""

    title: str
    kind: str  # "text", "list", "value", "missing" (not answered), "not_asked"
    paragraphs: tuple[str, ...] = ()
    items: tuple[Option, ...] = ()  # the options chosen
    value: str = ""
    title_lang: str = ""
    value_lang: str = ""

    @property
    def answered(self) -> bool:
        return self.kind in ("text", "list", "value")


@dataclass(frozen=True)
class ParagraphReport:
    number: int
    anchor: str
    text: tuple[str, ...]
    footnotes: tuple[tuple[int, str], ...]
    status: str  # a value of the version's status scale, or UNANSWERED
    status_label: str
    entries: tuple[Entry, ...]
    instruments: tuple[Entry, ...]
    status_lang: str = ""
    lang: str = SOURCE_LANGUAGE  # of the text and footnotes


@dataclass(frozen=True)
class SectionReport:
    key: str
    title: str
    anchor: str
    number_label: str  # "I", "I.2", or "" for unnumbered parts
    paragraphs: tuple[ParagraphReport, ...]
    subsections: tuple[SectionReport, ...] = ()
    title_lang: str = SOURCE_LANGUAGE

    def all_paragraphs(self) -> Iterable[ParagraphReport]:
        yield from self.paragraphs
        for subsection in self.subsections:
            yield from subsection.all_paragraphs()


@dataclass(frozen=True)
class StatusRow:
    """A section's line in the figures (printed as its heading is: number, then title)."""

    number_label: str
    title: str
    anchor: str
    counts: tuple[int, ...]  # in the order of NationalReport.status_categories
    title_lang: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class AssistanceRow:
    number: int
    anchor: str
    needs: tuple[Option, ...]


@dataclass(frozen=True)
class Contributor:
    name: str
    role: str
    changes: int


@dataclass
class NationalReport:
    title: str
    state_name: str
    state_code: str
    cycle_name: str
    cycle_slug: str
    status_label: str
    is_draft: bool
    generated_at: datetime
    submitted_at: datetime | None
    submitted_by: str | None
    # The official who authorised the submission (name, title), when named at sign-off.
    authorised_by: tuple[str, str] | None
    accepted_at: datetime | None
    lang: str
    direction: str
    executive_summary: Entry
    priority_actions: Entry
    method: tuple[Entry, ...]
    sections: tuple[SectionReport, ...]
    status_categories: tuple[Category, ...]
    status_rows: tuple[StatusRow, ...]
    status_totals: tuple[int, ...]
    chart: Markup
    top_challenges: tuple[tuple[Option, int], ...]
    top_assistance: tuple[tuple[Option, int], ...]
    assistance_rows: tuple[AssistanceRow, ...]
    contributors: tuple[Contributor, ...]
    page_label: tuple[str, str, str] = field(default=("", "", ""))
    status_langs: Mapping[str, str] = field(default_factory=dict)  # by category key

    @property
    def author(self) -> str:
        return _("Government of %(state)s", state=self.state_name)


def direction_of(text: str) -> str:
    """"rtl" or "ltr", by the text's first letter that has a direction (as ``dir="auto"``
    decides in a browser; WeasyPrint ignores it); "" if none has (digits, punctuation)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return ""


def dir_attrs(text: str) -> Markup:
    """` dir="rtl"` or ` dir="ltr"` for a block of text someone typed (an answer), whatever
    the page's direction, so that it is aligned and ordered as its own script reads;
    nothing when its text does not tell (it inherits the page's)."""
    direction = direction_of(text)
    return Markup(' dir="{}"').format(direction) if direction else Markup("")


def dir_span(text: str) -> Markup:
    """The text, escaped, in a ``<span>`` with its direction if that is not the page's: a
    name or a title someone typed, inside a line of the report's own words."""
    direction = direction_of(text)
    if direction and direction != text_direction():
        return Markup('<span dir="{}">{}</span>').format(direction, text)
    return escape(text)


def isolate(text: str) -> str:
    """The text between Unicode's first-strong isolate and pop marks if its direction is
    not the page's: for a running header or footer (CSS ``string()``), which can carry no
    markup; Pango honours the marks, and draws nothing for them."""
    direction = direction_of(text)
    if direction and direction != text_direction():
        return f"\u2068{text}\u2069"
    return text


def text_paragraphs(text: str) -> tuple[str, ...]:
    """A long answer as paragraphs (split at blank lines; single line breaks are kept)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _LONG_RUN.sub(_add_breaks, text)
    return tuple(part.strip("\n ") for part in re.split(r"\n[ \t]*\n", text) if part.strip())


def _add_breaks(match: re.Match[str]) -> str:
    run = match.group(0)
    return _ZERO_WIDTH_SPACE.join(run[i:i + _BREAK_EVERY]
                                  for i in range(0, len(run), _BREAK_EVERY))


def entry_for(question: QuestionItem, value: Any, values: Mapping[str, Any],
              title: str | None = None) -> Entry:
    """How an answer prints; unanswered questions say so rather than disappear."""
    title_lang = ""
    if title is None:
        title = FIELD_TITLES.get(_field_of(question.key))
        if title is None:
            title, title_lang = question.label, question.label_lang
    title = str(title)
    # An answer kept from before an earlier answer changed (the measures typed before the
    # status became "not yet implemented") is not part of what the State reports.
    if not question.applies(values):
        return Entry(title, "not_asked", value=_("Not asked, given an earlier answer"),
                     title_lang=title_lang)
    if not is_answered(value):
        return Entry(title, "missing", value=_("Not answered"), title_lang=title_lang)
    if question.type is QuestionType.MULTIPLE_CHOICE:
        chosen = value if isinstance(value, list) else [value]
        return Entry(title, "list", items=tuple(question.option(str(v)) for v in chosen),
                     title_lang=title_lang)
    if question.type is QuestionType.SINGLE_CHOICE:
        option = question.option(str(value))
        return Entry(title, "value", value=option.label, title_lang=title_lang,
                     value_lang=option.lang)
    if question.type in (QuestionType.NUMBER, QuestionType.DATE):
        return Entry(title, "value", value=str(value), title_lang=title_lang)
    return Entry(title, "text", paragraphs=text_paragraphs(str(value)), title_lang=title_lang)


def _field_of(key: str) -> str:
    """"p22.challenges_details" → "challenges_details"; "p20.instruments.x" → "instruments"."""
    parts = key.split(".")
    return parts[1] if len(parts) > 1 else key


def _status_of(paragraph: ParagraphItem, values: Mapping[str, Any],
               status_labels: Mapping[str, Option]) -> str:
    value = values.get(f"p{paragraph.number}.status")
    return value if isinstance(value, str) and value in status_labels else UNANSWERED


def _paragraph_report(paragraph: ParagraphItem, values: Mapping[str, Any],
                      status_labels: Mapping[str, Option]) -> ParagraphReport:
    entries, instruments = [], []
    for question in paragraph.questions:
        field_name = _field_of(question.key)
        if field_name == "status":
            continue
        value = values.get(question.key)
        if field_name == "instruments":
            instruments.append(entry_for(question, value, values))
        else:
            entries.append(entry_for(question, value, values))
    status = _status_of(paragraph, values, status_labels)
    return ParagraphReport(
        number=paragraph.number, anchor=paragraph.anchor,
        text=text_paragraphs(paragraph.text), footnotes=paragraph.footnotes,
        status=status, status_label=status_labels[status].label,
        entries=tuple(entries), instruments=tuple(instruments),
        status_lang=status_labels[status].lang, lang=paragraph.lang)


def _section_number(section: SectionItem) -> str:
    return section.key if re.fullmatch(r"[IVX]+(\.\d+)?", section.key) else ""


def _section_report(section: SectionItem, values: Mapping[str, Any],
                    status_labels: Mapping[str, Option]) -> SectionReport:
    return SectionReport(
        key=section.key, title=section.title, anchor=section.anchor,
        number_label=_section_number(section),
        paragraphs=tuple(_paragraph_report(p, values, status_labels)
                         for p in section.paragraphs if p.actionable),
        subsections=tuple(s for s in (_section_report(sub, values, status_labels)
                                      for sub in section.subsections)
                          if next(iter(s.all_paragraphs()), None) is not None),
        title_lang=section.title_lang)


def _status_labels(outline: Outline) -> dict[str, Option]:
    """The version's status scale as the questionnaire words it, in order, then "Not
    answered" (a status the secretariat adds is counted, not taken for no answer)."""
    labels = {o.value: o for o in outline.status_scale()}
    labels[UNANSWERED] = Option(UNANSWERED, _("Not answered"), lang="")
    return labels


def _general_entry(outline: Outline, values: Mapping[str, Any], key: str,
                   title: str) -> Entry:
    question = outline.questions_by_key.get(key)
    if question is None:
        return Entry(title, "missing", value=_("Not answered"))
    return entry_for(question, values.get(key), values, title=title)


def _method_entries(outline: Outline, values: Mapping[str, Any]) -> tuple[Entry, ...]:
    """Every question of the general part but the two the report opens with, in order."""
    entries = []
    for section in outline.sections:
        if section.kind is not SectionKind.GENERAL:
            continue
        for question in section.all_questions():
            if question.key in (EXECUTIVE_SUMMARY, PRIORITY_ACTIONS) \
                    or question.key in NOT_PRINTED:
                continue
            title = GENERAL_TITLES.get(question.key)
            entries.append(entry_for(question, values.get(question.key), values,
                                     title=None if title is None else str(title)))
    return tuple(entries)


def _option_counts(outline: Outline, values: Mapping[str, Any], field_name: str,
                   ignore: Iterable[str] = ()) -> list[tuple[Option, int]]:
    counts: Counter[str] = Counter()
    labels: dict[str, Option] = {}
    ignored = set(ignore)
    for paragraph in outline.paragraphs_by_number.values():
        question = outline.questions_by_key.get(f"p{paragraph.number}.{field_name}")
        chosen = values.get(question.key) if question else None
        if not question or not isinstance(chosen, list) or not question.applies(values):
            continue
        for value in chosen:
            if value not in ignored:
                counts[value] += 1
                labels[value] = question.option(value)
    return [(labels[value], n) for value, n in counts.most_common()]


def _contributors(response: Response) -> tuple[Contributor, ...]:
    """Who entered or changed answers (from the audit trail), and the signatory."""
    rows = db.session.execute(
        sa.select(AuditEvent.actor_id, sa.func.count())
        .where(AuditEvent.state_id == response.state_id,
               AuditEvent.object_type == "answer",
               AuditEvent.object_id.like(f"{response.id}:%"),
               AuditEvent.actor_id.is_not(None))
        .group_by(AuditEvent.actor_id)).all()
    changes = {actor_id: count for actor_id, count in rows}
    if response.submitted_by_id:
        changes.setdefault(response.submitted_by_id, 0)
    if not changes:
        return ()
    users = db.session.scalars(sa.select(User).where(User.id.in_(changes))).all()
    order = {Role.FOCAL_POINT: 0, Role.CONTRIBUTOR: 1, Role.OBSERVER: 2, Role.ADMIN: 3}
    users = sorted(users, key=lambda u: (order.get(u.role, 9), u.display_name.lower()))
    return tuple(Contributor(u.display_name, label(u.role), changes[u.id]) for u in users)


def build_report(response: Response, *, generated_at: datetime | None = None) -> NationalReport:
    """Everything the national report shows, read in a handful of queries."""
    locale = str(get_locale() or "en")
    outline = localization.localized(outline_for(response), locale)
    values = answer_values(response)
    status_labels = _status_labels(outline)

    sections = tuple(
        report for report in (_section_report(s, values, status_labels)
                              for s in outline.sections if s.kind is not SectionKind.GENERAL)
        if next(iter(report.all_paragraphs()), None) is not None)

    categories = tuple(Category(value, option.label) for value, option in status_labels.items())
    rows = []
    for section in sections:
        counts = Counter(p.status for p in section.all_paragraphs())
        rows.append(StatusRow(section.number_label, section.title, section.anchor,
                              tuple(counts.get(c.key, 0) for c in categories),
                              title_lang=section.title_lang))
    totals = tuple(sum(row.counts[i] for row in rows) for i in range(len(categories)))
    chart = status_bars_svg(
        [row.counts for row in rows], categories,
        title=_("Implementation status by section"),
        description=_("For each section, the number of actionable paragraphs at each level "
                      "of implementation; the same figures are given in the table."),
        chart_id="status-chart", right_to_left=locale in RIGHT_TO_LEFT)

    assistance_rows = []
    for section in sections:
        for paragraph in section.all_paragraphs():
            question = outline.questions_by_key.get(f"p{paragraph.number}.assistance")
            chosen = values.get(question.key) if question else None
            needs = tuple(question.option(v) for v in chosen or () if v != "none") \
                if isinstance(chosen, list) and question.applies(values) else ()
            if needs:
                assistance_rows.append(AssistanceRow(paragraph.number, paragraph.anchor, needs))

    signatory = db.session.get(User, response.submitted_by_id) if response.submitted_by_id \
        else None
    submitted_by = signatory.display_name if signatory else None
    page_format = _("Page %(page)s of %(pages)s", page="\x00", pages="\x01")
    before, _sep, rest = page_format.partition("\x00")
    middle, _sep, after = rest.partition("\x01")
    return NationalReport(
        title=_("National self-assessment on the implementation of the Kyoto Declaration"),
        state_name=state_name(response.state), state_code=response.state.code,
        cycle_name=response.cycle.name, cycle_slug=response.cycle.slug,
        status_label=label(response.status),
        is_draft=response.status not in FINAL_STATUSES,
        generated_at=generated_at or utcnow(),
        submitted_at=response.submitted_at if response.status in FINAL_STATUSES else None,
        submitted_by=submitted_by if response.status in FINAL_STATUSES else None,
        authorised_by=(response.authorised_by_name, response.authorised_by_title or "")
        if response.status in FINAL_STATUSES and response.authorised_by_name else None,
        accepted_at=response.reviewed_at if response.status is ResponseStatus.ACCEPTED
        else None,
        lang=locale, direction="rtl" if locale in RIGHT_TO_LEFT else "ltr",
        executive_summary=_general_entry(outline, values, EXECUTIVE_SUMMARY,
                                         _("Executive summary")),
        priority_actions=_general_entry(outline, values, PRIORITY_ACTIONS,
                                        _("Priority actions")),
        method=_method_entries(outline, values),
        sections=sections,
        status_categories=categories, status_rows=tuple(rows), status_totals=totals,
        chart=chart,
        top_challenges=tuple(_option_counts(outline, values, "challenges")[:5]),
        top_assistance=tuple(_option_counts(outline, values, "assistance", ignore={"none"})[:5]),
        assistance_rows=tuple(assistance_rows),
        contributors=_contributors(response),
        page_label=(before, middle, after),
        status_langs={value: option.lang for value, option in status_labels.items()},
    )


# --- rendering ------------------------------------------------------------------------

def report_html(response: Response, *, report: NationalReport | None = None) -> str:
    """The report as a standalone HTML document, as WeasyPrint lays it out."""
    report = report or build_report(response)
    watermark = ""
    if report.is_draft:
        word = _("DRAFT")
        watermark = watermark_svg(word, lang=report.lang,
                                  direction=direction_of(word) or report.direction)
    return render_template("reports/document.html", report=report,
                           stylesheet_url=pdf.BASE_URL + "static/css/report.css",
                           watermark=watermark)


def _pdf_options(report: NationalReport) -> dict[str, Any]:
    return {
        "title": f"{report.title} — {report.state_name} — {report.cycle_name}",
        "author": report.author,
        "lang": report.lang,
        "description": _("Kyoto Declaration national self-assessment of %(state)s, %(cycle)s",
                         state=report.state_name, cycle=report.cycle_name),
        "keywords": ["Kyoto Declaration", report.state_name, report.state_code,
                     report.cycle_name],
    }


def render_report_pdf(response: Response, *, isolated: bool = False) -> pdf.RenderedPdf:
    """The report as a PDF, with its page count.

    :param isolated: render in a child process, within the configured time and memory
        limits (for the web process); otherwise in this process (workers, scripts)
    :raises survey.reports.pdf.PdfRenderError: rendering failed (RenderTimeout: too long)
    """
    report = build_report(response)
    html = report_html(response, report=report)
    options = _pdf_options(report)
    if not isolated:
        return pdf.render_pdf(html, **options)
    settings = current_app.config["SURVEY"]
    return pdf.render_isolated(html, timeout=settings.REPORT_TIMEOUT_SECONDS,
                               memory_mb=settings.REPORT_MEMORY_MB, **options)


def render_report(response: Response) -> bytes:
    """The national report of ``response`` as PDF bytes, rendered in this process."""
    return render_report_pdf(response).data


def report_filename(response: Response) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", response.cycle.slug).strip("-") or "cycle"
    return f"kyoto-self-assessment-{response.state.code}-{slug}.pdf"


# --- the cache ------------------------------------------------------------------------

@functools.cache
def template_version() -> str:
    """A digest of what shapes the document: templates, stylesheet, code, WeasyPrint."""
    digest = hashlib.sha256()
    files = sorted(TEMPLATE_DIR.rglob("*.html"))
    files += [STYLESHEET, *sorted(Path(__file__).parent.glob("*.py"))]
    # The questionnaire's wording in each language (survey.questionnaires.localized).
    files += [Path(localization.__file__),
              *sorted((PROJECT_ROOT / "survey" / "translations").rglob("*.mo"))]
    # The State's name in each language (survey.states.services, from pycountry).
    files.append(PROJECT_ROOT / "survey" / "states" / "services.py")
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    versions = [weasyprint.__version__]
    for package in ("kyoto-survey", "pycountry"):  # the app; the States' names
        try:
            versions.append(importlib.metadata.version(package))
        except importlib.metadata.PackageNotFoundError:
            versions.append("unknown")
    digest.update("/".join(versions).encode())
    return digest.hexdigest()[:32]


def current_locale() -> str:
    return str(get_locale() or "en")


def cached_report(response: Response, locale: str,
                  revision: int | None = None) -> RenderedReport | None:
    """The stored PDF of this revision of the response, if there is one."""
    return db.session.scalar(sa.select(RenderedReport).where(
        RenderedReport.response_id == response.id,
        RenderedReport.response_revision == (response.revision if revision is None
                                             else revision),
        RenderedReport.template_version == template_version(),
        RenderedReport.locale == locale))


def has_cached_report(response: Response, locale: str) -> bool:
    """Whether the PDF of the response as it is now is stored (without loading it)."""
    return db.session.scalar(sa.select(RenderedReport.id).where(
        RenderedReport.response_id == response.id,
        RenderedReport.response_revision == response.revision,
        RenderedReport.template_version == template_version(),
        RenderedReport.locale == locale).limit(1)) is not None


def store_report(response: Response, revision: int, locale: str,
                 rendered: pdf.RenderedPdf) -> RenderedReport:
    """Keep a rendered PDF (and only the latest few of the response). Flushes."""
    row = RenderedReport(response_id=response.id, response_revision=revision,
                         template_version=template_version(), locale=locale,
                         pdf=rendered.data, page_count=rendered.page_count)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except sa.exc.IntegrityError:
        # Another server rendered the same revision meanwhile: use theirs.
        existing = cached_report(response, locale, revision)
        if existing is not None:
            return existing
        raise
    keep = sa.select(RenderedReport.id).where(RenderedReport.response_id == response.id) \
        .order_by(RenderedReport.id.desc()).limit(KEEP_PER_RESPONSE)
    db.session.execute(
        sa.delete(RenderedReport)
        .where(RenderedReport.response_id == response.id,
               RenderedReport.id.not_in(list(db.session.scalars(keep))))
        .execution_options(synchronize_session=False))
    db.session.flush()
    return row


def report_for_download(response: Response, locale: str, *,
                        isolated: bool = True) -> RenderedReport:
    """The cached PDF of the response as it is now, rendering and storing it if needed.
    Commits the session's transaction before reading, and leaves the one storing the PDF
    open.

    :raises survey.reports.pdf.PdfRenderError: rendering failed or took too long
    """
    # The State's people save while it renders (seconds): read holding no write lock, then
    # store in a transaction of its own, as SQLite cannot write in a read transaction that
    # began before another commit (core.db.begin_reading). The revision is the one known
    # before the answers are read: a save meanwhile makes the report again next time.
    begin_reading()
    revision = response.revision
    cached = cached_report(response, locale, revision)
    if cached is not None:
        return cached
    rendered = render_report_pdf(response, isolated=isolated)
    begin_writing()
    return store_report(response, revision, locale, rendered)


def section_titles(report: NationalReport) -> Sequence[str]:
    """Every section heading of the report, in order (for tests and the outline)."""
    titles = []
    for section in report.sections:
        titles.append(section.title)
        titles.extend(sub.title for sub in section.subsections)
    return titles
